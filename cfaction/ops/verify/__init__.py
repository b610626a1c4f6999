"""``operation: verify``: check the credentials and the zone without changing anything, and
list the token permissions every operation needs."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from cfaction.ops.base import Operation
from cfaction.ops.verify.check import Report, VerifyInputs, check, load
from cfaction.ops.verify.summary import render
from cfaction.permissions import ZONE_READ

PERMISSIONS = ((ZONE_READ, "when zone is given"),)


def operation(
    explaining: Sequence[Operation[Any, Any, Any]],
) -> Operation[VerifyInputs, Report, None]:
    """verify, whose summary lists the permissions of the ``explaining`` operations and its
    own (built by the registry, which knows them all)."""
    rows = [(op.name, permission, when) for op in explaining for permission, when in op.permissions]
    rows += [("verify", permission, when) for permission, when in PERMISSIONS]
    return Operation(
        name="verify",
        inputs={},
        outputs=("token_status",),
        permissions=PERMISSIONS,
        load=load,
        plan=check,
        apply=None,
        render=functools.partial(render, permissions=rows),
    )
