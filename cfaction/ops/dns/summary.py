"""What a DNS run did (or, in a dry run, would do): counts, the records with their action,
the plan as JSON and the summary table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cfaction import markdown
from cfaction.errors import ActionError
from cfaction.ops.base import Outcome
from cfaction.ops.dns.apply import DnsResult
from cfaction.ops.dns.changes import Change, batch_body
from cfaction.ops.dns.plan import DnsPlan

ACTIONS = ("create", "update", "delete", "unchanged")


def render(plan: DnsPlan, result: DnsResult | None) -> Outcome:
    dry_run = result is None
    done = {c for batch in (result.applied if result else ()) for c in batch}
    failed = set() if dry_run else {c for c in plan.pending() if c not in done}
    counted = (
        list(plan.changes)
        if dry_run
        else [c for c in plan.changes if c.action == "unchanged" or c in done]
    )
    counts = {action: sum(1 for c in counted if c.action == action) for action in ACTIONS}
    created = result.created_ids if result else {}
    records = [
        _record_json(c, created.get(c), "not applied" if c in failed else c.action)
        for c in plan.changes
    ]
    problems: list[ActionError] = []
    if result is not None and result.problem is not None:
        problems.append(result.problem)
        problems.append(
            ActionError(
                f"{len(failed)} DNS change(s) were not applied; {len(result.applied)} of "
                f"{len(plan.batches)} batches were. Each batch is all-or-nothing, so the zone "
                "holds either all or none of a batch's changes. Re-run the step to finish.",
                title="DNS changes incomplete",
            )
        )
    return Outcome(
        heading=f"dns · {plan.zone.name}" + (" (dry run)" if dry_run else ""),
        markdown=_summary_table(plan, failed, dry_run),
        outputs={
            "records": records,
            "created": counts["create"],
            "updated": counts["update"],
            "deleted": counts["delete"],
            "unchanged": counts["unchanged"],
            "plan": _plan_json(plan, created),
        },
        result={
            "records": records,
            "counts": counts,
            "batches": len(plan.batches),
            "applied_batches": len(result.applied) if result else 0,
        },
        zone=plan.zone,
        account_id=plan.zone.account_id,
        problems=problems,
    )


def _record_json(change: Change, created_id: str | None, action: str) -> dict[str, Any]:
    record = change.record
    content = record.get("content")
    return {
        "id": created_id or change.existing_id or record.get("id"),
        "type": change.type,
        "name": change.name,
        "content": content if content is not None else record.get("data"),
        "ttl": record.get("ttl"),
        "proxied": record.get("proxied"),
        "action": action,
    }


def _plan_json(plan: DnsPlan, created: Mapping[Change, str]) -> dict[str, Any]:
    return {
        "zone": {"id": plan.zone.id, "name": plan.zone.name},
        "changes": [
            {
                "action": c.action,
                "type": c.type,
                "name": c.name,
                "id": created.get(c) or c.existing_id,
                "fields": c.fields,
                "record": {k: v for k, v in c.record.items() if v is not None},
            }
            for c in plan.changes
        ],
        "batches": [batch_body(list(batch)) for batch in plan.batches],
    }


def _summary_table(plan: DnsPlan, failed: set[Change], dry_run: bool) -> str:
    rows = []
    for change in plan.changes:
        action: str = change.action
        if action == "update" and change.fields:
            action = f"update ({', '.join(change.fields)})"
        if dry_run and change.action != "unchanged":
            action = f"would {action}"
        if change in failed:
            action = f"❌ not applied: {action}"
        content = change.record.get("content")
        if content is None and change.record.get("data") is not None:
            content = change.record.get("data")
        rows.append(
            (
                markdown.cell(change.name),
                change.type,
                markdown.code(content),
                change.record.get("ttl") or "",
                "yes" if change.record.get("proxied") else "",
                markdown.cell(action),
            )
        )
    if not rows:
        return "No records to change."
    return markdown.table(("Name", "Type", "Content", "TTL", "Proxied", "Action"), rows)
