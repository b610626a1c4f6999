"""The purge plan (reads only): resolve the zones, route every item to its zone, cut batches.

Files, hosts and prefixes go to the zone their hostname belongs to (the zones ``zone``
lists, or without ``zone`` the zone found by walking up the host's labels); ``/path``
lines are joined to the hostname written in ``zone``. Duplicates are dropped per zone, and
each (zone, kind) list is cut into batches in input order. Kinds are never mixed in a
request (the API takes exactly one per body).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cfaction.errors import ZoneError
from cfaction.ops.base import Context, Notice
from cfaction.ops.purge.changed_report import changed_notices
from cfaction.ops.purge.derived import ChangedUrls
from cfaction.ops.purge.inputs import PurgeInputs
from cfaction.ops.purge.items import KIND_ORDER, FileItem, Kind, batch_cap
from cfaction.permissions import ZONE_READ
from cfaction.zones import Zone

T = TypeVar("T")
Item = tuple[Any, str]
"""An item as the request body carries it, and as text for people."""


@dataclass(frozen=True)
class Batch:
    """One purge request: items of one kind for one zone."""

    zone: Zone
    kind: Kind
    items: tuple[Any, ...]  # what the request body carries (URL strings, objects, tags, …)
    labels: tuple[str, ...]  # the same items, as text for people
    number: int
    of: int

    @property
    def size(self) -> int:
        """Items in the batch; purging everything counts as one."""
        return len(self.items)

    def body(self) -> dict[str, Any]:
        if self.kind == "everything":
            return {"purge_everything": True}
        items = list(self.items)
        if self.kind == "files" and any(isinstance(item, dict) for item in items):
            # The API takes files as all URL strings or all {url, headers} objects, never
            # both in one list (https://developers.cloudflare.com/api/resources/cache/
            # methods/purge/): with any object, every URL goes as {"url": …}.
            items = [{"url": item} if isinstance(item, str) else item for item in items]
        return {self.kind: items}

    def describe(self) -> str:
        count = "everything" if self.kind == "everything" else f"{self.size} {self.kind}"
        return f"{self.zone.display_name} {self.kind} batch {self.number}/{self.of} ({count})"


@dataclass(frozen=True)
class PurgePlan:
    zones: tuple[Zone, ...]
    batches: tuple[Batch, ...]
    warnings: tuple[Notice, ...] = field(default=())
    changed: ChangedUrls | None = None
    """The changed files and their URLs, when changed_files or url_map was given."""
    warm: bool = False
    warm_concurrency: int = 8


def plan(ctx: Context, purge: PurgeInputs) -> PurgePlan:
    """Resolve zones and route items (reads only), then cut the batches."""
    notices = changed_notices(purge.changed, everything=purge.everything, warm=purge.warm)

    def finish(
        zones: Sequence[Zone], batches: Sequence[Batch], warnings: list[Notice]
    ) -> PurgePlan:
        return PurgePlan(
            tuple(zones),
            tuple(batches),
            tuple(notices + warnings),
            purge.changed,
            purge.warm,
            purge.warm_concurrency,
        )

    if not (purge.everything or purge.tags or purge.routed):
        # Only changed_files, and none of them maps to a URL: nothing to look up or send.
        return finish((), (), [])
    targets = [ctx.zones.resolve(ref) for ref in ctx.settings.zones]
    needs_names = any(item.relative for item in purge.files) or (len(targets) > 1 and purge.routed)
    if needs_names:
        targets = [zone if zone.name else ctx.zones.details(zone.id) for zone in targets]
    routed, warnings = _route(ctx, purge, targets)
    zones = first_of_each(targets or [zone for zone, _ in routed.values()], key=_zone_id)
    batches: list[Batch] = []
    for zone in zones:
        lists = routed.get(zone.id, (zone, {}))[1]
        if purge.everything:
            lists = {"everything": [(True, "everything")]}
        elif purge.tags:
            # Cache tags are case-insensitive: "Blog" and "blog" are one tag.
            tags = first_of_each(purge.tags, key=str.lower)
            lists = {**lists, "tags": [(tag, tag) for tag in tags]}
        for kind in KIND_ORDER:
            items = lists.get(kind)
            if items:
                batches.extend(_batches(zone, kind, items, purge.batch_size))
    return finish(zones, batches, warnings)


def first_of_each(items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """Items in input order, keeping the first of those with the same key."""
    seen: dict[Hashable, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _zone_id(zone: Zone) -> str:
    return zone.id


def _route(
    ctx: Context, purge: PurgeInputs, targets: list[Zone]
) -> tuple[dict[str, tuple[Zone, dict[Kind, list[Item]]]], list[Notice]]:
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
    warnings = []
    if outside:
        # One warning for all of them: the runner shows at most 10 per step.
        warnings.append(
            Notice(
                "Purge items outside the zone",
                f"{len(outside)} item(s) are not in zone {targets[0].name}: {_first(outside)}. "
                "They are purged in that zone anyway (it may serve them through a CNAME or a "
                "custom hostname); list the right zone in zone if they belong to another one.",
            )
        )
    return routed, warnings


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
        where = "none of the zones in zone (" + ", ".join(z.display_name for z in targets) + ")"
        fix = "Add their zones to zone, or remove these items."
    else:
        where = "no zone these credentials can read"
        fix = (
            f"Check the hostnames, or give zone; an API token needs {ZONE_READ} to find the "
            "zone of a hostname."
        )
    return f"Nothing was purged: these hosts belong to {where}: {listed}. {fix}"


def _batches(zone: Zone, kind: Kind, items: Sequence[Item], batch_size: int) -> list[Batch]:
    size = batch_cap(kind, batch_size)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    return [
        Batch(
            zone,
            kind,
            tuple(body for body, _ in chunk),
            tuple(label for _, label in chunk),
            number,
            len(chunks),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]
