"""How warming is reported: one warning for the URLs not warmed (never a failure), the
summary table of status and ``cf-cache-status`` per URL, and the result's details."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from cfaction import markdown
from cfaction.ops.base import Notice
from cfaction.ops.purge.warm import WarmResult

MAX_LISTED_ROWS: Final = 500
MAX_NAMED_IN_WARNING: Final = 5


def warm_notice(results: Sequence[WarmResult]) -> list[Notice]:
    """One warning for every URL that was not warmed (the runner shows 10 per step)."""
    failed = [r for r in results if not r.warmed]
    if not failed:
        return []
    named = ", ".join(f"{r.url} ({r.problem()})" for r in failed[:MAX_NAMED_IN_WARNING])
    more = len(failed) - MAX_NAMED_IN_WARNING
    tail = f" and {more} more" if more > 0 else ""
    return [
        Notice(
            "Cache warming incomplete",
            f"{len(failed)} of {len(results)} purged URLs were not warmed: {named}{tail}. "
            "The purge itself is done; the next visitor of these URLs fills the cache.",
        )
    ]


def warm_section(results: Sequence[WarmResult], concurrency: int) -> str:
    if not results:
        return "**Warming**: nothing to warm (no URL was purged one by one)."
    warmed = sum(r.warmed for r in results)
    rows = [
        (
            markdown.code(r.url),
            r.status if r.status is not None else "—",
            markdown.cell(r.cache_status or "—"),
            markdown.cell(_note(r)),
        )
        for r in results[:MAX_LISTED_ROWS]
    ]
    lines = [
        f"**Warming** ({concurrency} at a time): {warmed} of {len(results)} URLs warmed",
        "",
        markdown.table(("URL", "Status", "cf-cache-status", "Note"), rows),
    ]
    if len(results) > MAX_LISTED_ROWS:
        lines += ["", f"…and {len(results) - MAX_LISTED_ROWS:,} more URLs."]
    return "\n".join(lines)


def _note(result: WarmResult) -> str:
    notes = []
    if result.final_url:
        notes.append(f"redirected to {result.final_url}")
    if result.not_followed:
        notes.append(f"redirect to {result.not_followed} not followed (not a purged host)")
    if result.error:
        notes.append(result.error)
    elif not result.warmed:
        notes.append("not warmed")
    return "; ".join(notes) or "warmed"


def warm_json(results: Sequence[WarmResult]) -> dict[str, Any]:
    return {
        "requested": len(results),
        "warmed": sum(r.warmed for r in results),
        "urls": [
            {
                "url": r.url,
                "status": r.status,
                "cf_cache_status": r.cache_status,
                "warmed": r.warmed,
                "final_url": r.final_url,
                "not_followed": r.not_followed,
                "error": r.error,
            }
            for r in results
        ],
    }
