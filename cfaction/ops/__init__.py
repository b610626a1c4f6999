"""The operations, by the value of the ``operation`` input."""

from __future__ import annotations

from typing import Final

from cfaction.ops import dns, purge, verify, worker
from cfaction.ops.base import Operation

OPERATIONS: Final[dict[str, Operation]] = {
    "dns": dns.run,
    "purge": purge.run,
    "verify": verify.run,
    "worker": worker.run,
}
