"""The DNS changes: compare the desired records with the existing ones, group by group,
and cut the changes into batches.

Pure functions, no API calls. Records are compared the way the API stores them
(:func:`~cfaction.ops.dns.records.content_key`: full lower-case names without trailing dot,
IPv6 in compressed form, hostnames lower-case without trailing dot, TXT quoted and chunked
or not, ttl 1 for proxied records), so a second run with the same inputs finds nothing to
change.

For each group (name, type):

* ``replace`` makes the group exactly the desired set: a record with the desired content is
  kept, and updated in place when ttl, proxied, priority, comment or tags differ; a desired
  record with new content takes over an existing record that nothing else wants (so its ID is
  kept); what remains is created or deleted. A CNAME replacing A/AAAA records at its name,
  or the reverse, deletes the conflicting records in the same change.
* ``add`` ensures each desired record exists and leaves the other records alone.
* ``state: absent`` deletes the matching records (all of the group when no content is given).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cfaction.errors import PlanError
from cfaction.ops.dns.records import (
    ADDRESS_TYPES,
    REPLACE_BY_DEFAULT,
    SETTABLE_FIELDS,
    DesiredRecord,
    Mode,
    conflicting_types,
    content_key,
)

Action = Literal["create", "update", "delete", "unchanged"]
SETTINGS: tuple[str, ...] = ("ttl", "proxied", "priority", "comment", "tags")


@dataclass(frozen=True, eq=False)
class Change:
    """One record's fate. ``fields`` are the fields an update changes; ``existing_id`` the
    record it changes or deletes (None for a create). Compared by identity."""

    action: Action
    type: str
    name: str
    record: dict[str, Any]  # the record after the change (or the deleted one)
    existing_id: str | None = None
    fields: list[str] = field(default_factory=list)
    label: str = ""

    def batch_item(self) -> dict[str, Any]:
        """This change as an item of the batch request's list for its action."""
        if self.action == "delete":
            return {"id": self.existing_id}
        if self.action == "update":
            return {"id": self.existing_id, **{f: self.record.get(f) for f in self.fields}}
        return {k: v for k, v in self.record.items() if v is not None and k != "id"}


def group_mode(records: Sequence[DesiredRecord], default: Mode | None) -> Mode:
    """The mode of a group: a record's own, else the input's, else by type."""
    for record in records:
        if record.mode:
            return record.mode
    if default:
        return default
    return "replace" if records[0].type in REPLACE_BY_DEFAULT else "add"


def plan_group(
    desired: Sequence[DesiredRecord],
    existing: Sequence[Mapping[str, Any]],
    name: str,
    rtype: str,
    mode: Mode,
) -> list[Change]:
    """Changes for one (name, type) group. ``existing`` holds every record at ``name``
    (all types), so CNAME/A conflicts can be resolved."""
    same = [r for r in existing if r.get("type") == rtype]
    present = [d for d in desired if d.state == "present"]
    absent = [d for d in desired if d.state == "absent"]
    changes: list[Change] = []
    matched: set[str] = set()

    for record in present:
        twin = _find(same, record, matched)
        if twin is not None:
            matched.add(twin["id"])
            changes.append(_keep_or_update(record, twin, name))
    leftovers = [r for r in same if r["id"] not in matched]
    for record in present:
        if any(c.label == record.label for c in changes):
            continue
        if mode == "replace" and leftovers:
            reuse = leftovers.pop(0)
            matched.add(reuse["id"])
            changes.append(_retarget(record, reuse, name))
        else:
            changes.append(
                Change("create", rtype, name, _new_record(record, name), label=record.label)
            )
    if mode == "replace" and present:
        changes += [_delete(r) for r in leftovers]
        changes += [_delete(r) for r in _conflicts(existing, rtype)]
    elif present:
        conflicts = _conflicts(existing, rtype)
        if conflicts and any(c.action == "create" for c in changes):
            kinds = ", ".join(sorted({str(c.get("type")) for c in conflicts}))
            raise PlanError(
                f"{name}: a {rtype} record cannot be added beside the existing {kinds} "
                "record(s) at that name; use mode: replace to switch the name's records.",
                title="DNS plan",
            )
    for record in absent:
        targets = [
            r
            for r in same
            if r["id"] not in matched
            and ((record.content is None and record.data is None) or _same_value(record, r))
        ]
        for target in targets:
            matched.add(target["id"])
            changes.append(_delete(target))
    return changes


def _find(
    candidates: Iterable[Mapping[str, Any]], record: DesiredRecord, taken: set[str]
) -> Mapping[str, Any] | None:
    for candidate in candidates:
        if candidate["id"] not in taken and _same_value(record, candidate):
            return candidate
    return None


def _same_value(record: DesiredRecord, existing: Mapping[str, Any]) -> bool:
    if record.data is not None and existing.get("data"):
        return content_key(record.type, None, record.data) == content_key(
            record.type, None, existing.get("data")
        )
    return content_key(record.type, record.content, None) == content_key(
        record.type, existing.get("content"), None
    )


def _keep_or_update(record: DesiredRecord, existing: Mapping[str, Any], name: str) -> Change:
    changed = _changed_settings(record, existing)
    result = {**_api_fields(existing), **{f: _wanted(record, f, existing) for f in changed}}
    action: Action = "update" if changed else "unchanged"
    return Change(action, record.type, name, result, str(existing["id"]), changed, record.label)


def _retarget(record: DesiredRecord, existing: Mapping[str, Any], name: str) -> Change:
    """A desired record takes over an existing one with other content (its ID is kept)."""
    fields = ["data"] if record.data is not None else ["content"]
    fields += _changed_settings(record, existing)
    result = {**_api_fields(existing), "content": record.content, "data": record.data}
    result.update({f: _wanted(record, f, existing) for f in fields if f in SETTINGS})
    if record.data is None:
        result.pop("data")
    return Change("update", record.type, name, result, str(existing["id"]), fields, record.label)


def _changed_settings(record: DesiredRecord, existing: Mapping[str, Any]) -> list[str]:
    changed = []
    for name in SETTINGS:
        wanted = _wanted(record, name, existing)
        if wanted is None:
            continue
        have = existing.get(name)
        if name == "tags":
            wanted, have = sorted(wanted), sorted(have or [])
        if name == "comment":
            wanted, have = wanted or None, have or None
        if wanted != have:
            changed.append(name)
    return changed


def _wanted(record: DesiredRecord, name: str, existing: Mapping[str, Any]) -> Any:
    """The value the user asked for, or None when they did not ask."""
    if name == "ttl":
        proxied = record.proxied if record.proxied is not None else existing.get("proxied")
        if proxied:
            return 1 if record.ttl is not None or record.proxied else None
        return record.ttl
    if name == "tags":
        return list(record.tags) if record.tags is not None else None
    if name == "comment":
        return record.comment
    return getattr(record, name)


def _new_record(record: DesiredRecord, name: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": record.type, "name": name}
    if record.data is not None:
        body["data"] = dict(record.data)
    else:
        body["content"] = record.content
    body["ttl"] = 1 if record.proxied else (record.ttl if record.ttl is not None else 1)
    body["proxied"] = record.proxied
    body["priority"] = record.priority
    body["comment"] = record.comment
    body["tags"] = list(record.tags) if record.tags is not None else None
    return body


def _delete(existing: Mapping[str, Any]) -> Change:
    return Change(
        "delete",
        str(existing.get("type")),
        str(existing.get("name")),
        _api_fields(existing),
        str(existing["id"]),
    )


def _conflicts(existing: Sequence[Mapping[str, Any]], rtype: str) -> list[Mapping[str, Any]]:
    """Records that cannot share a name with ``rtype`` (CNAME vs A/AAAA)."""
    others = conflicting_types(rtype)
    return [r for r in existing if r.get("type") in others]


_API_FIELDS = ("id", *sorted(SETTABLE_FIELDS))
"""A record's fields as the API has them: what a user may set, and its ID."""


def _api_fields(existing: Mapping[str, Any]) -> dict[str, Any]:
    return {k: existing.get(k) for k in _API_FIELDS if k in existing}


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


def _switch_aware_order(changes: list[Change]) -> Callable[[Change], int]:
    types = {c.type for c in changes}
    switch = "CNAME" in types and bool(types & ADDRESS_TYPES)
    order = (
        {"delete": 0, "update": 1, "create": 2}
        if switch
        else {"update": 0, "create": 1, "delete": 2}
    )
    return lambda change: order.get(change.action, 3)


def batch_body(batch: list[Change]) -> dict[str, list[dict[str, Any]]]:
    """The body of ``POST …/dns_records/batch`` for these changes (deletes, then patches,
    then posts, as the API applies them)."""
    lists: dict[str, list[dict[str, Any]]] = {"deletes": [], "patches": [], "posts": []}
    key = {"delete": "deletes", "update": "patches", "create": "posts"}
    for change in batch:
        lists[key[change.action]].append(change.batch_item())
    return {k: v for k, v in lists.items() if v}
