"""``operation: verify``: check the credentials and the zone without changing anything, and
list the token permissions every operation needs."""

from __future__ import annotations

import functools
from typing import Final

from cfaction.ops import OPERATIONS
from cfaction.ops.base import Operation
from cfaction.ops.verify.check import Report, VerifyInputs, check, load
from cfaction.ops.verify.summary import render

SPEC = OPERATIONS["verify"]
"""What the run knows of this operation before importing it: names, defaults, permissions."""
PERMISSIONS: Final = SPEC.permissions

# Every operation's permissions, from the registry (no other operation's package is
# imported for them), verify's own last.
_ROWS: Final = [
    (spec.name, permission, when)
    for spec in OPERATIONS.values()
    if spec.name != "verify"
    for permission, when in spec.permissions
] + [("verify", permission, when) for permission, when in PERMISSIONS]

OPERATION: Final[Operation[VerifyInputs, Report, None]] = Operation(
    name=SPEC.name,
    inputs=SPEC.inputs,
    outputs=SPEC.outputs,
    permissions=PERMISSIONS,
    load=load,
    plan=check,
    apply=None,
    render=functools.partial(render, permissions=_ROWS),
)
