"""``operation: purge``: route every item to its zone, plan the batches, send them, and
report exactly which items were purged; the changed files of a deploy become the URLs they
are served at, and ``warm`` fetches the purged URLs afterwards."""

from __future__ import annotations

from cfaction.ops import OPERATIONS
from cfaction.ops.base import Operation
from cfaction.ops.purge.apply import apply
from cfaction.ops.purge.inputs import load
from cfaction.ops.purge.plan import plan
from cfaction.ops.purge.summary import render

SPEC = OPERATIONS["purge"]
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
    many_zones=SPEC.many_zones,
)
