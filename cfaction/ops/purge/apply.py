"""Sending the purge batches: one ``POST /zones/{id}/purge_cache`` each.

A purge is safe to repeat, so the client retries 429 (after ``Retry-After``), 5xx and
timeouts; a batch counts as purged only once Cloudflare confirms it, so nothing is lost or
counted twice. A batch that fails for good does not stop the others, except when the
failure would repeat for every batch (rejected credentials) or for every batch of that
zone (no permission, unknown zone).

With ``warm``, the URLs of the confirmed batches are then fetched (``warm.py``); URLs only
deleted files served are not, and neither is anything purged by tag, host or prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from cfaction.ops.purge.warm import WarmResult, warm
from cfaction.permissions import CACHE_PURGE

BatchState = Literal["purged", "failed", "not attempted"]


@dataclass(frozen=True)
class BatchResult:
    """What became of one planned batch."""

    state: BatchState
    purge_id: str | None = None
    error: ActionError | None = None


@dataclass(frozen=True)
class PurgeApplied:
    """What the purge did: one result per planned batch, then what warming found (None
    when warm is off)."""

    batches: tuple[BatchResult, ...]
    warmed: tuple[WarmResult, ...] | None = None


def apply(ctx: Context, plan: PurgePlan) -> PurgeApplied:
    """Send every batch, then warm what was purged when the plan says so."""
    results = send(ctx, plan)
    if not plan.warm:
        return PurgeApplied(results)
    warmed = warm(
        warm_targets(plan, results),
        concurrency=plan.warm_concurrency,
        timeout=ctx.settings.timeout,
        progress=ctx.progress,
    )
    return PurgeApplied(results, warmed)


def warm_targets(plan: PurgePlan, results: Sequence[BatchResult] | None) -> list[str]:
    """The URLs to warm: each URL of a confirmed batch once (every batch in a dry run),
    without the ones only deleted files served."""
    skip = plan.changed.only_deleted if plan.changed else frozenset()
    states = [r.state for r in results] if results is not None else ["purged"] * len(plan.batches)
    urls: dict[str, None] = {}
    for batch, state in zip(plan.batches, states, strict=True):
        if batch.kind != "files" or state != "purged":
            continue
        for body in batch.items:
            url = body if isinstance(body, str) else str(body["url"])
            if url not in skip:
                urls.setdefault(url, None)
    return list(urls)


def send(ctx: Context, plan: PurgePlan) -> tuple[BatchResult, ...]:
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
