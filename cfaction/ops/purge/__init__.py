"""``operation: purge``: route every item to its zone, plan the batches, send them, and
report exactly which items were purged; the changed files of a deploy become the URLs they
are served at, and ``warm`` fetches the purged URLs afterwards."""

from __future__ import annotations

from cfaction.ops.base import Operation
from cfaction.ops.purge.apply import apply
from cfaction.ops.purge.inputs import PURGE_INPUTS, load
from cfaction.ops.purge.plan import plan
from cfaction.ops.purge.summary import render
from cfaction.permissions import CACHE_PURGE, ZONE_READ

OPERATION = Operation(
    name="purge",
    inputs=PURGE_INPUTS,
    outputs=("purge_ids", "purged", "batches", "zones", "purged_urls", "warmed"),
    permissions=(
        (CACHE_PURGE, "always"),
        (ZONE_READ, "when zone is a name, or items are routed to their zones by hostname"),
    ),
    load=load,
    plan=plan,
    apply=apply,
    render=render,
    many_zones=True,
)
