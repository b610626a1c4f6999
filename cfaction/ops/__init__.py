"""The operations, by the value of the ``operation`` input: the only list of them.

A new operation is a package under ``cfaction/ops/`` exposing one
:class:`~cfaction.ops.base.Operation`, one line here, and its inputs and outputs in
``action.yml`` and the README.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cfaction.ops import dns, purge, verify, worker
from cfaction.ops.base import Operation
from cfaction.settings import COMMON_INPUTS

_CHANGING: Final = (purge.OPERATION, dns.OPERATION, worker.OPERATION)

OPERATIONS: Final[Mapping[str, Operation[Any, Any, Any]]] = {
    op.name: op for op in (*_CHANGING, verify.operation(explaining=_CHANGING))
}

INPUTS: Final[Mapping[str, str]] = {
    **COMMON_INPUTS,
    **{name: default for op in OPERATIONS.values() for name, default in op.inputs.items()},
}
"""Every input this version declares, in action.yml's order, with its default (an input
two operations share is declared once, where it first appears)."""

INPUT_NAMES: Final = tuple(INPUTS)
