"""``operation: purge``: route every item to its zone, plan the batches, send them, and
report exactly which items were purged.

Plan (reads only): resolve the zones, route files, hosts and prefixes to the zone their
hostname belongs to, join ``/path`` lines to the zone's name, drop duplicates per zone,
and cut each (zone, kind) list into batches in input order. Kinds are never mixed in a
request (the API takes exactly one per body).

Apply: one ``POST /zones/{id}/purge_cache`` per batch. A purge is safe to repeat, so the
client retries 429 (after ``Retry-After``), 5xx and timeouts; a batch is counted only once
Cloudflare confirms it, so nothing is lost or counted twice. A batch that fails for good
does not stop the others, except when the failure would repeat for every batch (rejected
credentials) or for every batch of that zone (no permission, unknown zone).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from cfaction import markdown
from cfaction.errors import (
    ActionError,
    AuthError,
    CloudflareError,
    NotFoundError,
    PermissionDeniedError,
    ZoneError,
)
from cfaction.inputs.purge import MAX_ITEMS_PER_REQUEST, FileItem, PurgeInputs
from cfaction.ops.base import Context, Outcome
from cfaction.permissions import CACHE_PURGE
from cfaction.zones import Zone

T = TypeVar("T")
Kind = Literal["files", "tags", "hosts", "prefixes", "everything"]
Item = tuple[Any, str]
"""An item as the request body carries it, and as text for people."""
BatchState = Literal["planned", "purged", "failed", "not attempted"]
KIND_ORDER: tuple[Kind, ...] = ("everything", "files", "tags", "hosts", "prefixes")
MAX_LISTED_FAILURES = 300
"""Items listed one by one in the summary when batches failed; the result output has all."""
MAX_LISTED_DRY_RUN_ITEMS = 2000
MAX_ERROR_ANNOTATIONS = 5


@dataclass
class Batch:
    """One purge request: items of one kind for one zone."""

    zone: Zone
    kind: Kind
    items: list[Any]  # what the request body carries (URL strings, objects, tags, …)
    labels: list[str]  # the same items, as text for people
    number: int
    of: int
    state: BatchState = "planned"
    purge_id: str | None = None
    error: ActionError | None = None

    def body(self) -> dict[str, Any]:
        if self.kind == "everything":
            return {"purge_everything": True}
        return {self.kind: self.items}

    def describe(self) -> str:
        count = "everything" if self.kind == "everything" else f"{len(self.items)} {self.kind}"
        return f"{zone_label(self.zone)} {self.kind} batch {self.number}/{self.of} ({count})"


@dataclass
class Plan:
    zones: list[Zone]
    batches: list[Batch] = field(default_factory=list)


def run(ctx: Context) -> Outcome:
    """Plan, then (unless dry_run) apply, then describe the outcome."""
    purge = ctx.settings.purge
    assert purge is not None, "inputs.load sets purge for operation purge"
    plan = build_plan(ctx, purge)
    if ctx.settings.dry_run:
        for batch in plan.batches:
            ctx.reporter.log(f"Dry run: would purge {batch.describe()}")
    else:
        apply(ctx, plan)
    return _outcome(ctx, plan)


def build_plan(ctx: Context, purge: PurgeInputs) -> Plan:
    """Resolve zones and route items (reads only), then cut the batches."""
    targets = [ctx.zones.resolve(ref) for ref in ctx.settings.zones]
    needs_names = any(item.relative for item in purge.files) or (len(targets) > 1 and purge.routed)
    if needs_names:
        targets = [zone if zone.name else ctx.zones.details(zone.id) for zone in targets]
    routed = _route(ctx, purge, targets)
    zones = targets or [zone for zone, _ in routed.values()]
    plan = Plan(zones=_first_of_each(zones, key=lambda zone: zone.id))
    for zone in plan.zones:
        lists = routed.get(zone.id, (zone, {}))[1]
        if purge.everything:
            lists = {"everything": [(True, "everything")]}
        elif purge.tags:
            # Cache tags are case-insensitive: "Blog" and "blog" are one tag.
            tags = _first_of_each(purge.tags, key=str.lower)
            lists = {**lists, "tags": [(tag, tag) for tag in tags]}
        for kind in KIND_ORDER:
            items = lists.get(kind)
            if items:
                plan.batches.extend(_batches(zone, kind, items, purge.batch_size))
    return plan


def apply(ctx: Context, plan: Plan) -> None:
    """Send every batch; record what Cloudflare confirmed."""
    skip_zones: set[str] = set()
    stop = False
    for batch in plan.batches:
        if stop or batch.zone.id in skip_zones:
            batch.state = "not attempted"
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
            batch.state, batch.error = "failed", error
            ctx.reporter.log(f"Failed: {batch.describe()}: {error.message}")
            if isinstance(error, AuthError):
                stop = True
            elif isinstance(error, (PermissionDeniedError, NotFoundError)):
                skip_zones.add(batch.zone.id)
            continue
        result = envelope.result if isinstance(envelope.result, dict) else {}
        batch.state, batch.purge_id = "purged", result.get("id")
        ctx.reporter.log(f"Purged {batch.describe()}: purge id {batch.purge_id}")


def zone_label(zone: Zone) -> str:
    return zone.name or zone.id


def _route(
    ctx: Context, purge: PurgeInputs, targets: list[Zone]
) -> dict[str, tuple[Zone, dict[Kind, list[Item]]]]:
    """zone ID -> (zone, kind -> de-duplicated items) for files, hosts and prefixes."""
    routed: dict[str, tuple[Zone, dict[Kind, list[Item]]]] = {}
    seen: set[tuple[str, str, str]] = set()
    unmatched: list[str] = []
    outside: list[str] = []
    for kind, item, host, key, body in _routable(purge, _base_host(ctx, targets)):
        zone = _zone_for(ctx, host, targets)
        if zone is None:
            unmatched.append(f"{host} ({kind})")
            continue
        if (zone.id, kind, key) in seen:
            continue
        seen.add((zone.id, kind, key))
        if len(targets) == 1 and zone.name and not _within(host, zone.name):
            outside.append(item)
        routed.setdefault(zone.id, (zone, {}))[1].setdefault(kind, []).append((body, item))
    if unmatched:
        raise ZoneError(_unmatched_message(unmatched, targets))
    if outside:
        # One warning for all of them: the runner shows at most 10 per step.
        ctx.reporter.warning(
            f"{len(outside)} item(s) are not in zone {targets[0].name}: {_first(outside)}. "
            "They are purged in that zone anyway (it may serve them through a CNAME or a "
            "custom hostname); list the right zone in zone if they belong to another one.",
            title="Purge items outside the zone",
        )
    return routed


def _first(items: list[str], count: int = 5) -> str:
    shown = ", ".join(items[:count])
    return shown + (f" and {len(items) - count} more" if len(items) > count else "")


def _routable(
    purge: PurgeInputs, base_host: str | None
) -> Iterable[tuple[Kind, str, str, str, Any]]:
    """(kind, label, host, de-duplication key, body item) for each routed item;
    ``/path`` files are joined to ``base_host``."""
    for file in purge.files:
        absolute: FileItem = file.absolute(base_host)
        yield "files", absolute.label(), absolute.host or "", absolute.key(), absolute.body()
    for host in purge.hosts:
        yield "hosts", host, host, host, host
    for prefix in purge.prefixes:
        yield "prefixes", prefix, prefix.split("/", 1)[0], prefix, prefix


def _base_host(ctx: Context, targets: list[Zone]) -> str | None:
    """Where ``/path`` lines go: the hostname written in ``zone`` (``www.example.com`` means
    https://www.example.com/path), else the name of the zone given by ID."""
    if len(targets) != 1:
        return None
    return ctx.settings.zones[0].name or targets[0].name


def _zone_for(ctx: Context, host: str, targets: list[Zone]) -> Zone | None:
    if len(targets) == 1:
        return targets[0]
    if targets:
        matches = [z for z in targets if z.name and _within(host, z.name)]
        return max(matches, key=lambda z: len(z.name or "")) if matches else None
    return ctx.zones.find_for_host(host)


def _within(host: str, zone_name: str) -> bool:
    return host == zone_name or host.endswith("." + zone_name)


def _unmatched_message(unmatched: list[str], targets: list[Zone]) -> str:
    listed = _first(unmatched, 10)
    if targets:
        where = "none of the zones in zone (" + ", ".join(zone_label(z) for z in targets) + ")"
        fix = "Add their zones to zone, or remove these items."
    else:
        where = "no zone these credentials can read"
        fix = (
            "Check the hostnames, or give zone; an API token needs Zone → Zone → Read to find "
            "the zone of a hostname."
        )
    return f"Nothing was purged: these hosts belong to {where}: {listed}. {fix}"


def _batches(zone: Zone, kind: Kind, items: Sequence[Item], batch_size: int) -> list[Batch]:
    size = batch_size if kind == "files" else min(batch_size, MAX_ITEMS_PER_REQUEST)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    return [
        Batch(
            zone,
            kind,
            [body for body, _ in chunk],
            [label for _, label in chunk],
            number,
            len(chunks),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def _first_of_each(items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """Items in input order, keeping the first of those with the same key."""
    seen: dict[Hashable, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _outcome(ctx: Context, plan: Plan) -> Outcome:
    dry_run = ctx.settings.dry_run
    counted = plan.batches if dry_run else [b for b in plan.batches if b.state == "purged"]
    failed = [b for b in plan.batches if b.state in ("failed", "not attempted")]
    purged_items = sum(_size(b) for b in counted)
    single = plan.zones[0] if len(plan.zones) == 1 else None
    problems = _distinct_errors(b.error for b in plan.batches if b.error is not None)
    if failed:
        problems.append(_partial_failure(plan, failed))
    purged_zones = _first_of_each((b.zone for b in counted), key=lambda zone: zone.id)
    zones_json = [{"id": z.id, "name": z.name} for z in purged_zones]
    heading = "purge · " + (zone_label(single) if single else f"{len(plan.zones)} zones")
    sections = [_zone_table(plan, dry_run)]
    if failed:
        sections.append(_failed_items(failed))
    if dry_run:
        sections.append(_dry_run_batches(plan))
    return Outcome(
        heading=heading + (" (dry run)" if dry_run else ""),
        markdown="\n\n".join(sections),
        outputs={
            "purge_ids": [b.purge_id for b in counted if b.purge_id],
            "purged": purged_items,
            "batches": len(counted),
            "zones": zones_json,
        },
        result={
            "zones": zones_json,
            "purged": purged_items,
            "batches": [_batch_json(b) for b in plan.batches],
            "not_purged": [label for b in failed for label in b.labels],
        },
        zone=single,
        account_id=single.account_id if single else None,
        problems=problems,
    )


def _distinct_errors(errors: Iterable[ActionError]) -> list[ActionError]:
    """One annotation per distinct failure, at most a few: the runner shows 10 per step."""
    distinct = _first_of_each(errors, key=lambda error: error.message)
    return distinct[:MAX_ERROR_ANNOTATIONS]


def _size(batch: Batch) -> int:
    """Items in a batch; purging everything counts as one item."""
    return len(batch.items)


def _partial_failure(plan: Plan, failed: list[Batch]) -> ActionError:
    done = [b for b in plan.batches if b.state == "purged"]
    items = sum(_size(b) for b in failed)
    return ActionError(
        f"{len(failed)} of {len(plan.batches)} purge batches were not purged "
        f"({items} items). {len(done)} batches "
        f"({sum(_size(b) for b in done)} items) were purged. The summary and the result "
        "output list the items that were not; re-run the step to purge them.",
        title="Purge incomplete",
    )


def _zone_table(plan: Plan, dry_run: bool) -> str:
    rows = []
    for zone in plan.zones:
        for kind in KIND_ORDER:
            batches = [b for b in plan.batches if b.zone.id == zone.id and b.kind == kind]
            if not batches:
                continue
            items = "everything" if kind == "everything" else f"{sum(_size(b) for b in batches):,}"
            rows.append(
                (
                    markdown.cell(zone_label(zone)),
                    kind,
                    items,
                    len(batches),
                    _result_cell(batches, dry_run),
                )
            )
    return markdown.table(("Zone", "Kind", "Items", "Batches", "Result"), rows)


def _result_cell(batches: list[Batch], dry_run: bool) -> str:
    if dry_run:
        return "would be purged (dry run)"
    purged = sum(1 for b in batches if b.state == "purged")
    if purged == len(batches):
        return "✅ purged"
    failed = sum(1 for b in batches if b.state == "failed")
    skipped = len(batches) - purged - failed
    parts = [f"{purged} of {len(batches)} purged", f"{failed} failed"]
    if skipped:
        parts.append(f"{skipped} not attempted")
    return "❌ " + ", ".join(parts)


def _failed_items(failed: list[Batch]) -> str:
    lines = ["**Not purged**", ""]
    listed = 0
    for batch in failed:
        reason = batch.error.message if batch.error else "not attempted after an earlier failure"
        lines.append(f"- {markdown.cell(batch.describe())}: {markdown.cell(reason)}")
        for label in batch.labels:
            if listed >= MAX_LISTED_FAILURES:
                break
            lines.append(f"  - {markdown.code(label)}")
            listed += 1
    total = sum(len(b.labels) for b in failed)
    if total > listed:
        lines.append(f"- …and {total - listed} more items; the `result` output lists them all.")
    return "\n".join(lines)


def _dry_run_batches(plan: Plan) -> str:
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


def _batch_json(batch: Batch) -> dict[str, Any]:
    return {
        "zone_id": batch.zone.id,
        "zone_name": batch.zone.name,
        "kind": batch.kind,
        "number": batch.number,
        "items": _size(batch),
        "state": batch.state,
        "purge_id": batch.purge_id,
        "error": batch.error.message if batch.error else None,
    }
