"""Sending the purge batches: one ``POST /zones/{id}/purge_cache`` each.

A purge is safe to repeat, so the client retries 429 (after ``Retry-After``), 5xx and
timeouts; a batch counts as purged only once Cloudflare confirms it, so nothing is lost or
counted twice. A batch that fails for good does not stop the others, except when the
failure would repeat for every batch (rejected credentials) or for every batch of that
zone (no permission, unknown zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cfaction.errors import (
    ActionError,
    AuthError,
    CloudflareError,
    NotFoundError,
    PermissionDeniedError,
)
from cfaction.ops.base import Context
from cfaction.ops.purge.plan import PurgePlan
from cfaction.permissions import CACHE_PURGE

BatchState = Literal["purged", "failed", "not attempted"]


@dataclass(frozen=True)
class BatchResult:
    """What became of one planned batch."""

    state: BatchState
    purge_id: str | None = None
    error: ActionError | None = None


def apply(ctx: Context, plan: PurgePlan) -> tuple[BatchResult, ...]:
    """Send every batch; the results are in the plan's batch order."""
    results: list[BatchResult] = []
    skip_zones: set[str] = set()
    stop = False
    for batch in plan.batches:
        if stop or batch.zone.id in skip_zones:
            results.append(BatchResult("not attempted"))
            continue
        try:
            envelope = ctx.client.request(
                "POST",
                f"/zones/{batch.zone.id}/purge_cache",
                json_body=batch.body(),
                idempotent=True,
                permission=CACHE_PURGE,
            )
        except CloudflareError as error:
            results.append(BatchResult("failed", error=error))
            ctx.progress(f"Failed: {batch.describe()}: {error.message}")
            if isinstance(error, AuthError):
                stop = True
            elif isinstance(error, (PermissionDeniedError, NotFoundError)):
                skip_zones.add(batch.zone.id)
            continue
        result = envelope.result if isinstance(envelope.result, dict) else {}
        purge_id = result.get("id")
        results.append(BatchResult("purged", purge_id=str(purge_id) if purge_id else None))
        ctx.progress(f"Purged {batch.describe()}: purge id {purge_id}")
    return tuple(results)
