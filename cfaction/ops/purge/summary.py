"""What a purge did (or, in a dry run, would do): outputs, the summary and the exact report
of what was and was not purged."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from cfaction import markdown
from cfaction.errors import ActionError
from cfaction.ops.base import Outcome
from cfaction.ops.purge.apply import BatchResult, PurgeApplied, warm_targets
from cfaction.ops.purge.changed_report import (
    changed_json,
    changed_section,
    dry_run_notes,
)
from cfaction.ops.purge.derived import ChangedUrls
from cfaction.ops.purge.items import KIND_ORDER, FileItem
from cfaction.ops.purge.plan import Batch, PurgePlan, first_of_each
from cfaction.ops.purge.warm import WarmResult
from cfaction.ops.purge.warm_report import warm_json, warm_notice, warm_section

MAX_LISTED_FAILURES = 300
"""Items listed one by one in the summary when batches failed; the report file has all."""
MAX_LISTED_DRY_RUN_ITEMS = 2000
MAX_ERROR_ANNOTATIONS = 5

Sent = list[tuple[Batch, BatchResult]]


def render(plan: PurgePlan, applied: PurgeApplied | None) -> Outcome:
    dry_run = applied is None
    results = applied.batches if applied is not None else None
    sent: Sent = list(zip(plan.batches, results or (), strict=False))
    counted = list(plan.batches) if dry_run else [b for b, r in sent if r.state == "purged"]
    failed = [(b, r) for b, r in sent if r.state != "purged"]
    purged_items = sum(b.size for b in counted)
    single = plan.zones[0] if len(plan.zones) == 1 else None
    problems = _distinct_errors(r.error for _, r in sent if r.error is not None)
    if failed:
        problems.append(_partial_failure(plan, sent, failed))
    purged_zones = first_of_each((b.zone for b in counted), key=lambda zone: zone.id)
    zones_json = [{"id": z.id, "name": z.name} for z in purged_zones]
    where = single.display_name if single else f"{len(plan.zones)} zones"
    heading = "purge · " + (where if plan.batches else "nothing to purge")
    sections = [_zone_table(plan, sent, dry_run) if plan.batches else "Nothing to purge."]
    if failed:
        sections.append(_failed_items(failed))
    if dry_run and plan.batches:
        sections.append(_dry_run_batches(plan))
    outcome = Outcome(
        heading=heading + (" (dry run)" if dry_run else ""),
        markdown="\n\n".join(sections),
        outputs={
            "purge_ids": [r.purge_id for _, r in sent if r.purge_id],
            "purged": purged_items,
            "batches": len(counted),
            "zones": zones_json,
            "purged_urls": [],
            "warmed": 0,
        },
        result={
            "zones": zones_json,
            "purged": purged_items,
            "batches": [_batch_json(b, r) for b, r in _pairs(plan, results)],
            "not_purged": [label for b, _ in failed for label in b.labels],
        },
        zone=single,
        account_id=single.account_id if single else None,
        problems=problems,
        warnings=list(plan.warnings),
        notes=[f"Dry run: would purge {b.describe()}" for b in plan.batches] if dry_run else [],
    )
    if plan.changed is not None:
        _report_changed(outcome, plan.changed, counted, dry_run=dry_run)
    if applied is not None and applied.warmed is not None:
        _report_warming(outcome, applied.warmed, plan.warm_concurrency)
    elif dry_run and plan.warm:
        targets = len(warm_targets(plan, None))
        line = f"would warm {targets:,} URLs after the purge ({plan.warm_concurrency} at a time)"
        outcome.markdown += f"\n\n**Warming**: {line}."
        outcome.notes.append(f"Dry run: {line}")
    return outcome


def _report_changed(
    outcome: Outcome, changed: ChangedUrls, counted: Sequence[Batch], *, dry_run: bool
) -> None:
    """The changed files' part of the outcome: ``purged_urls``, their section, details."""
    urls = _purged_changed_urls(changed, counted)
    outcome.outputs["purged_urls"] = urls
    outcome.markdown += "\n\n" + changed_section(
        changed, None if dry_run else urls, dry_run=dry_run
    )
    everything = any(b.kind == "everything" for b in counted)
    outcome.result["changed"] = {
        **changed_json(changed, everything=everything),
        "purged_urls": len(urls),
    }
    if dry_run:
        outcome.notes += dry_run_notes(changed)


def _report_warming(outcome: Outcome, warmed: Sequence[WarmResult], concurrency: int) -> None:
    outcome.outputs["warmed"] = sum(r.warmed for r in warmed)
    outcome.markdown += "\n\n" + warm_section(warmed, concurrency)
    outcome.warnings += warm_notice(warmed)
    outcome.result["warm"] = warm_json(warmed)


def _purged_changed_urls(changed: ChangedUrls, counted: Sequence[Batch]) -> list[str]:
    """The changed files' URLs in the batches that were purged (in a dry run: planned)."""
    if changed.over_cap:
        return []
    keys = {
        FileItem(body).key()
        for batch in counted
        if batch.kind == "files"
        for body in batch.items
        if isinstance(body, str)
    }
    return [d.url for d in changed.urls if FileItem(d.url).key() in keys]


def _pairs(
    plan: PurgePlan, results: Sequence[BatchResult] | None
) -> list[tuple[Batch, BatchResult | None]]:
    if results is None:
        return [(batch, None) for batch in plan.batches]
    return list(zip(plan.batches, results, strict=True))


def _distinct_errors(errors: Iterable[ActionError]) -> list[ActionError]:
    """One annotation per distinct failure, at most a few: the runner shows 10 per step."""
    distinct = first_of_each(errors, key=lambda error: error.message)
    return distinct[:MAX_ERROR_ANNOTATIONS]


def _partial_failure(plan: PurgePlan, sent: Sent, failed: Sent) -> ActionError:
    done = [b for b, r in sent if r.state == "purged"]
    items = sum(b.size for b, _ in failed)
    return ActionError(
        f"{len(failed)} of {len(plan.batches)} purge batches were not purged "
        f"({items} items). {len(done)} batches "
        f"({sum(b.size for b in done)} items) were purged. The summary and the result "
        "output list the items that were not; re-run the step to purge them.",
        title="Purge incomplete",
    )


def _zone_table(plan: PurgePlan, sent: Sent, dry_run: bool) -> str:
    rows = []
    for zone in plan.zones:
        for kind in KIND_ORDER:
            batches = [b for b in plan.batches if b.zone.id == zone.id and b.kind == kind]
            if not batches:
                continue
            items = "everything" if kind == "everything" else f"{sum(b.size for b in batches):,}"
            outcome = [r for b, r in sent if b.zone.id == zone.id and b.kind == kind]
            rows.append(
                (
                    markdown.cell(zone.display_name),
                    kind,
                    items,
                    len(batches),
                    "would be purged (dry run)" if dry_run else _result_cell(outcome),
                )
            )
    return markdown.table(("Zone", "Kind", "Items", "Batches", "Result"), rows)


def _result_cell(results: list[BatchResult]) -> str:
    purged = sum(1 for r in results if r.state == "purged")
    if purged == len(results):
        return "✅ purged"
    failed = sum(1 for r in results if r.state == "failed")
    skipped = len(results) - purged - failed
    parts = [f"{purged} of {len(results)} purged", f"{failed} failed"]
    if skipped:
        parts.append(f"{skipped} not attempted")
    return "❌ " + ", ".join(parts)


def _failed_items(failed: Sent) -> str:
    lines = ["**Not purged**", ""]
    listed = 0
    for batch, result in failed:
        reason = result.error.message if result.error else "not attempted after an earlier failure"
        lines.append(f"- {markdown.cell(batch.describe())}: {markdown.cell(reason)}")
        for label in batch.labels:
            if listed >= MAX_LISTED_FAILURES:
                break
            lines.append(f"  - {markdown.code(label)}")
            listed += 1
    total = sum(len(b.labels) for b, _ in failed)
    if total > listed:
        lines.append(
            f"- …and {total - listed} more items; the report file (`report_path`) lists them all."
        )
    return "\n".join(lines)


def _dry_run_batches(plan: PurgePlan) -> str:
    lines = ["**Batches that would be sent**", ""]
    shown = 0
    for batch in plan.batches:
        lines.append(f"<details><summary>{markdown.cell(batch.describe())}</summary>")
        lines.append("")
        for label in batch.labels:
            if shown >= MAX_LISTED_DRY_RUN_ITEMS:
                lines.append("- …")
                break
            lines.append(f"- {markdown.code(label)}")
            shown += 1
        lines.extend(["", "</details>"])
    return "\n".join(lines)


def _batch_json(batch: Batch, result: BatchResult | None) -> dict[str, Any]:
    return {
        "zone_id": batch.zone.id,
        "zone_name": batch.zone.name,
        "kind": batch.kind,
        "number": batch.number,
        "items": batch.size,
        "state": result.state if result else "planned",
        "purge_id": result.purge_id if result else None,
        "error": result.error.message if result and result.error else None,
    }
