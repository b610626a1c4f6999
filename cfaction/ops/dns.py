"""``operation: dns``: read the records the inputs name, plan, apply the plan in one batch.

Reading (cloudflare-api.md §4): one name is read with ``GET …/dns_records?name=`` (all
types, so CNAME/A conflicts are seen). Several names start with the zone's first page,
ordered by name, asking for 5,000 rows; when the zone fits in it, that single call is the
whole read. Otherwise the cheaper way to finish is taken: the remaining pages of the zone,
or one read per name that the first page does not cover. Every list follows
``result_info.total_pages`` (a server may cap the page size).

Applying: ``POST …/dns_records/batch``, one transaction, split only above ``batch_limit``
changes (whole names kept together, so a name is never left without its records between two
batches). The batch is not idempotent: after a timeout or 5xx, one read tells whether the
transaction committed before anything is sent again, so nothing is applied twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cfaction import markdown
from cfaction.errors import (
    ActionError,
    CloudflareError,
    NotFoundError,
    ServerError,
    TransportError,
)
from cfaction.inputs.dns import DesiredRecord, DnsInputs
from cfaction.ops.base import Context, Outcome
from cfaction.ops.dns_plan import (
    Change,
    PlanError,
    content_key,
    fqdn,
    group_mode,
    plan_group,
)
from cfaction.permissions import DNS_EDIT, DNS_READ
from cfaction.zones import Zone

READ_PAGE_SIZE = 5000
ACTIONS = ("create", "update", "delete", "unchanged")


@dataclass
class DnsPlan:
    zone: Zone
    changes: list[Change]
    batches: list[list[Change]] = field(default_factory=list)

    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action != "unchanged"]


def run(ctx: Context) -> Outcome:
    """Plan, then (unless dry_run) apply, then describe the outcome."""
    dns = ctx.settings.dns
    assert dns is not None and ctx.settings.zone is not None
    zone = ctx.zones.resolve(ctx.settings.zone)
    if zone.name is None:
        zone = ctx.zones.details(zone.id)
    plan = build_plan(ctx, zone, dns)
    applied: list[list[Change]] = []
    problem: ActionError | None = None
    if not ctx.settings.dry_run:
        applied, problem = apply(ctx, plan)
    return _outcome(ctx, plan, applied, problem)


def build_plan(ctx: Context, zone: Zone, dns: DnsInputs) -> DnsPlan:
    """Read what exists at the desired names and compute every group's changes."""
    assert zone.name is not None
    groups: dict[tuple[str, str], list[DesiredRecord]] = defaultdict(list)
    for record in dns.records:
        groups[(fqdn(record.name, zone.name), record.type)].append(record)
    _check_full_names(groups)
    existing = read_records(ctx, zone, sorted({name for name, _ in groups}))
    changes: list[Change] = []
    deleted: set[str] = set()
    for (name, rtype), records in groups.items():
        try:
            group = plan_group(
                records, existing.get(name, []), name, rtype, group_mode(records, dns.default_mode)
            )
        except PlanError as error:
            raise ActionError(str(error), title="DNS plan") from None
        for change in group:
            if change.action == "delete":
                if change.existing_id in deleted:
                    continue  # a conflicting record two groups both remove
                deleted.add(str(change.existing_id))
            changes.append(change)
    plan = DnsPlan(zone, changes)
    plan.batches = split_batches(plan.pending(), dns.batch_limit)
    return plan


def read_records(ctx: Context, zone: Zone, names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Every record at each of ``names``, by name, in as few calls as the zone allows."""
    path = f"/zones/{zone.id}/dns_records"
    wanted = set(names)
    if len(names) == 1:
        return _by_name(_list(ctx, path, {"name": names[0]}), wanted)
    first = ctx.client.request(
        "GET",
        path,
        params={"page": 1, "per_page": READ_PAGE_SIZE, "order": "name", "direction": "asc"},
        permission=DNS_READ,
    )
    rows = list(first.result or [])
    total_pages = int((first.result_info or {}).get("total_pages") or 1)
    if total_pages <= 1 or not rows:
        return _by_name(rows, wanted)
    # Rows come ordered by name: names before the last row's are complete on this page.
    last = str(rows[-1].get("name", ""))
    uncovered = [n for n in names if n >= last]
    if total_pages - 1 <= len(uncovered):
        for page in range(2, total_pages + 1):
            more = ctx.client.request(
                "GET",
                path,
                params={
                    "page": page,
                    "per_page": READ_PAGE_SIZE,
                    "order": "name",
                    "direction": "asc",
                },
                permission=DNS_READ,
            )
            rows.extend(more.result or [])
        return _by_name(rows, wanted)
    found = _by_name([r for r in rows if str(r.get("name")) < last], wanted)
    for name in uncovered:
        found[name] = _list(ctx, path, {"name": name})
    return found


def split_batches(changes: list[Change], limit: int) -> list[list[Change]]:
    """Batches of at most ``limit`` changes, each name's changes kept together when they fit.

    A name with more changes than fit in one batch is spread over consecutive batches, its
    updates and creations before its deletions, unless a CNAME/A switch needs the deletion
    first; so a name is never without records longer than needed.
    """
    by_name: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_name[change.name].append(change)
    batches: list[list[Change]] = [[]]
    for name_changes in by_name.values():
        if len(batches[-1]) + len(name_changes) > limit and batches[-1]:
            batches.append([])
        ordered = sorted(name_changes, key=_switch_aware_order(name_changes))
        for change in ordered:
            if len(batches[-1]) >= limit:
                batches.append([])
            batches[-1].append(change)
    return [batch for batch in batches if batch]


def _switch_aware_order(changes: list[Change]) -> Any:
    types = {c.type for c in changes}
    switch = "CNAME" in types and bool(types & {"A", "AAAA"})
    order = (
        {"delete": 0, "update": 1, "create": 2}
        if switch
        else {"update": 0, "create": 1, "delete": 2}
    )
    return lambda change: order.get(change.action, 3)


def apply(ctx: Context, plan: DnsPlan) -> tuple[list[list[Change]], ActionError | None]:
    """Send the batches; returns those applied and the error that stopped the rest."""
    applied: list[list[Change]] = []
    for batch in plan.batches:
        try:
            _send_batch(ctx, plan.zone, batch)
        except CloudflareError as error:
            return applied, error
        applied.append(batch)
        ctx.reporter.log(f"Applied a batch of {len(batch)} DNS changes in {plan.zone.name}.")
    return applied, None


def _send_batch(ctx: Context, zone: Zone, batch: list[Change]) -> None:
    """POST one batch. After an ambiguous failure (timeout, 5xx), read whether it committed
    before sending it again: the batch is all-or-nothing, so one change tells. A check that
    cannot read counts as "not committed": sending again is then safe, because Cloudflare
    refuses a batch that would duplicate a record (81057) or delete one twice (81044)."""
    body = batch_body(batch)
    attempts = ctx.settings.max_retries + 1
    for attempt in range(attempts):
        try:
            envelope = ctx.client.request(
                "POST", f"/zones/{zone.id}/dns_records/batch", json_body=body, permission=DNS_EDIT
            )
            _note_created_ids(batch, envelope.result)
            return
        except (ServerError, TransportError) as error:
            ctx.client.pause(attempt)
            reader = _GroupReader(ctx, zone)
            try:
                committed = _committed(ctx, zone, batch, reader)
            except CloudflareError:
                committed = False
            if committed:
                ctx.reporter.log(
                    f"The batch committed although the answer was lost "
                    f"({error.title}); it is not sent again."
                )
                _find_created_ids(batch, reader)
                return
            if attempt + 1 >= attempts:
                raise
            ctx.reporter.log(f"The batch did not commit ({error.title}); sending it again.")


class _GroupReader:
    """Reads the records of one (name, type) at most once while recovering a batch."""

    def __init__(self, ctx: Context, zone: Zone) -> None:
        self._ctx = ctx
        self._path = f"/zones/{zone.id}/dns_records"
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def rows(self, name: str, rtype: str) -> list[dict[str, Any]]:
        if (name, rtype) not in self._rows:
            self._rows[(name, rtype)] = _list(self._ctx, self._path, {"name": name, "type": rtype})
        return self._rows[(name, rtype)]

    def find(self, change: Change) -> dict[str, Any] | None:
        key = content_key(change.type, change.record.get("content"), change.record.get("data"))
        return next(
            (
                r
                for r in self.rows(change.name, change.type)
                if content_key(change.type, r.get("content"), r.get("data")) == key
            ),
            None,
        )


def _note_created_ids(batch: list[Change], result: Any) -> None:
    """The batch answer lists the created records in the order of ``posts``."""
    posts = result.get("posts") if isinstance(result, Mapping) else None
    created = [c for c in batch if c.action == "create"]
    if isinstance(posts, list) and len(posts) == len(created):
        for change, record in zip(created, posts, strict=True):
            if isinstance(record, Mapping) and record.get("id"):
                change.existing_id = str(record["id"])


def _find_created_ids(batch: list[Change], reader: _GroupReader) -> None:
    """IDs of the records a committed batch created, when its answer was lost (best effort:
    the records exist either way)."""
    for change in batch:
        if change.action != "create":
            continue
        try:
            match = reader.find(change)
        except CloudflareError:
            return
        if match is not None:
            change.existing_id = str(match["id"])


def _committed(ctx: Context, zone: Zone, batch: list[Change], reader: _GroupReader) -> bool:
    """Whether a batch is in effect, read from one of its changes."""
    path = f"/zones/{zone.id}/dns_records"
    change = next((c for c in batch if c.action == "delete"), None)
    if change is not None:
        try:
            ctx.client.get(f"{path}/{change.existing_id}", permission=DNS_READ)
        except NotFoundError:
            return True
        return False
    change = next((c for c in batch if c.action == "update"), None)
    if change is not None:
        record = ctx.client.get(f"{path}/{change.existing_id}", permission=DNS_READ)
        return all(_same_field(change, f, record) for f in change.fields)
    return reader.find(batch[0]) is not None


def _same_field(change: Change, name: str, record: Mapping[str, Any]) -> bool:
    if name in ("content", "data"):
        return content_key(change.type, record.get("content"), record.get("data")) == (
            content_key(change.type, change.record.get("content"), change.record.get("data"))
        )
    if name == "tags":
        return sorted(record.get("tags") or []) == sorted(change.record.get("tags") or [])
    return bool(record.get(name) == change.record.get(name))


def batch_body(batch: list[Change]) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {"deletes": [], "patches": [], "posts": []}
    key = {"delete": "deletes", "update": "patches", "create": "posts"}
    for change in batch:
        lists[key[change.action]].append(change.batch_item())
    return {k: v for k, v in lists.items() if v}


def _list(ctx: Context, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
    return list(ctx.client.paginate(path, params, per_page=READ_PAGE_SIZE, permission=DNS_READ))


def _by_name(rows: Sequence[dict[str, Any]], wanted: set[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in wanted}
    for row in rows:
        name = str(row.get("name", "")).lower()
        if name in found:
            found[name].append(row)
    return found


def _check_full_names(groups: Mapping[tuple[str, str], list[DesiredRecord]]) -> None:
    """Twins written once relative and once in full are only visible with the zone name."""
    for (name, rtype), records in groups.items():
        seen: dict[str, str] = {}
        for record in records:
            if record.state != "present":
                continue
            key = content_key(rtype, record.content, record.data)
            if key in seen:
                raise ActionError(
                    f"{record.label} repeats {seen[key]} ({name}). List each record once.",
                    title="Input records",
                )
            seen[key] = record.label
    _check_cnames_alone(groups)


def _check_cnames_alone(groups: Mapping[tuple[str, str], list[DesiredRecord]]) -> None:
    """A CNAME written in full beside a record written relative (or the reverse) shares
    its name with it, which only shows once names are full."""
    present = {key: [r for r in records if r.state == "present"] for key, records in groups.items()}
    for (name, rtype), records in present.items():
        if rtype != "CNAME" or not records:
            continue
        others = [
            r for (other, t), rs in present.items() if other == name and t != rtype for r in rs
        ]
        if others or len(records) > 1:
            labels = ", ".join(r.label for r in [*records[1:], *others])
            raise ActionError(
                f"{records[0].label}: a CNAME cannot share its name ({name}) with other "
                f"records ({labels}). Keep the CNAME alone at its name, or replace it with "
                "A/AAAA records.",
                title="Input records",
            )


def _outcome(
    ctx: Context, plan: DnsPlan, applied: list[list[Change]], problem: ActionError | None
) -> Outcome:
    dry_run = ctx.settings.dry_run
    done = {id(c) for batch in applied for c in batch}
    failed = [c for c in plan.pending() if id(c) not in done] if not dry_run else []
    counted = (
        plan.changes
        if dry_run
        else [c for c in plan.changes if c.action == "unchanged" or id(c) in done]
    )
    counts = {action: sum(1 for c in counted if c.action == action) for action in ACTIONS}
    records = [_record_json(c, "not applied" if c in failed else c.action) for c in plan.changes]
    problems: list[ActionError] = []
    if problem is not None:
        problems.append(problem)
        problems.append(
            ActionError(
                f"{len(failed)} DNS change(s) were not applied; {len(applied)} of "
                f"{len(plan.batches)} batches were. Each batch is all-or-nothing, so the zone "
                "holds either all or none of a batch's changes. Re-run the step to finish.",
                title="DNS changes incomplete",
            )
        )
    heading = f"dns · {plan.zone.name}" + (" (dry run)" if dry_run else "")
    return Outcome(
        heading=heading,
        markdown=_summary_table(plan, failed, dry_run),
        outputs={
            "records": records,
            "created": counts["create"],
            "updated": counts["update"],
            "deleted": counts["delete"],
            "unchanged": counts["unchanged"],
            "plan": _plan_json(plan),
        },
        result={
            "records": records,
            "counts": counts,
            "batches": len(plan.batches),
            "applied_batches": len(applied),
        },
        zone=plan.zone,
        account_id=plan.zone.account_id,
        problems=problems,
    )


def _record_json(change: Change, action: str) -> dict[str, Any]:
    record = change.record
    return {
        "id": change.existing_id or record.get("id"),
        "type": change.type,
        "name": change.name,
        "content": record.get("content")
        if record.get("content") is not None
        else record.get("data"),
        "ttl": record.get("ttl"),
        "proxied": record.get("proxied"),
        "action": action,
    }


def _plan_json(plan: DnsPlan) -> dict[str, Any]:
    return {
        "zone": {"id": plan.zone.id, "name": plan.zone.name},
        "changes": [
            {
                "action": c.action,
                "type": c.type,
                "name": c.name,
                "id": c.existing_id,
                "fields": c.fields,
                "record": {k: v for k, v in c.record.items() if v is not None},
            }
            for c in plan.changes
        ],
        "batches": [batch_body(batch) for batch in plan.batches],
    }


def _summary_table(plan: DnsPlan, failed: list[Change], dry_run: bool) -> str:
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
