"""The DNS plan (reads only): find the zone, read what exists at the desired names, and
compute every (name, type) group's changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cfaction.client import Client
from cfaction.errors import InvalidInputsError
from cfaction.ops.base import Context
from cfaction.ops.dns.changes import Change, group_mode, plan_group, split_batches
from cfaction.ops.dns.inputs import DnsInputs
from cfaction.ops.dns.read import read_records
from cfaction.ops.dns.records import DesiredRecord, fqdn, set_errors
from cfaction.zones import Zone


@dataclass(frozen=True)
class DnsPlan:
    zone: Zone
    changes: tuple[Change, ...]
    batches: tuple[tuple[Change, ...], ...] = ()

    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action != "unchanged"]


def plan(ctx: Context, dns: DnsInputs) -> DnsPlan:
    zone = ctx.zones.resolve(dns.zone)
    if zone.name is None:
        zone = ctx.zones.details(zone.id)
    return plan_in_zone(ctx.client, zone, dns)


def plan_in_zone(client: Client, zone: Zone, dns: DnsInputs) -> DnsPlan:
    """Read what exists at the desired names of ``zone`` and compute the changes.

    :raises InvalidInputsError: for records that are one name only in this zone (``www``
        and ``www.example.com`` listed twice, or a CNAME beside them), before any read.
    """
    zone_name = zone.name or ""
    groups: dict[tuple[str, str], list[DesiredRecord]] = defaultdict(list)
    for record in dns.records:
        groups[(fqdn(record.name, zone_name), record.type)].append(record)
    twins = set_errors(dns.records, name_of=lambda record: fqdn(record.name, zone_name))
    if twins:
        raise InvalidInputsError(twins)
    existing = read_records(client, zone, sorted({name for name, _ in groups}))
    changes: list[Change] = []
    deleted: set[str] = set()
    for (name, rtype), records in groups.items():
        mode = group_mode(records, dns.default_mode)
        for change in plan_group(records, existing.get(name, []), name, rtype, mode):
            if change.action == "delete":
                if change.existing_id in deleted:
                    continue  # a conflicting record two groups both remove
                deleted.add(str(change.existing_id))
            changes.append(change)
    pending = [c for c in changes if c.action != "unchanged"]
    batches = split_batches(pending, dns.batch_limit)
    return DnsPlan(zone, tuple(changes), tuple(tuple(batch) for batch in batches))
