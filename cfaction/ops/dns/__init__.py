"""``operation: dns``: read the records the inputs name, plan, apply the plan in one batch."""

from __future__ import annotations

from cfaction.ops import OPERATIONS
from cfaction.ops.base import Operation
from cfaction.ops.dns.apply import apply
from cfaction.ops.dns.inputs import load
from cfaction.ops.dns.plan import plan
from cfaction.ops.dns.summary import render

SPEC = OPERATIONS["dns"]
"""What the run knows of this operation before importing it: names, defaults, permissions."""

OPERATION = Operation(
    name=SPEC.name,
    inputs=SPEC.inputs,
    outputs=SPEC.outputs,
    permissions=SPEC.permissions,
    load=load,
    plan=plan,
    apply=apply,
    render=render,
)
