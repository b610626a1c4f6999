"""``operation: dns``: read the records the inputs name, plan, apply the plan in one batch."""

from __future__ import annotations

from cfaction.ops.base import Operation
from cfaction.ops.dns.apply import apply
from cfaction.ops.dns.inputs import DNS_INPUTS, load
from cfaction.ops.dns.plan import plan
from cfaction.ops.dns.summary import render
from cfaction.permissions import DNS_EDIT, ZONE_READ

OPERATION = Operation(
    name="dns",
    inputs=DNS_INPUTS,
    outputs=("records", "created", "updated", "deleted", "unchanged", "plan"),
    permissions=(
        (DNS_EDIT, "always (DNS → Read is enough for dry_run)"),
        (ZONE_READ, "when zone is a name"),
    ),
    load=load,
    plan=plan,
    apply=apply,
    render=render,
)
