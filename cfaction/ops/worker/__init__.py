"""``operation: worker``: upload a built Worker in one multipart request, publish it, and set
its triggers."""

from __future__ import annotations

from cfaction.ops import OPERATIONS
from cfaction.ops.base import Operation
from cfaction.ops.worker.apply import apply
from cfaction.ops.worker.inputs import load
from cfaction.ops.worker.plan import plan
from cfaction.ops.worker.secrets import secret_values
from cfaction.ops.worker.summary import render

SPEC = OPERATIONS["worker"]
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
    secrets=secret_values,
)
