"""The operations, by the value of the ``operation`` input."""

from __future__ import annotations

from typing import Final

from cfaction.ops import purge, verify
from cfaction.ops.base import Operation

OPERATIONS: Final[dict[str, Operation]] = {
    "purge": purge.run,
    "verify": verify.run,
}
