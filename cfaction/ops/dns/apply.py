"""Applying a DNS plan: ``POST …/dns_records/batch``, one transaction per batch
(https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/).

The batch is not idempotent: after a timeout or 5xx, one read tells whether the transaction
committed before anything is sent again, so nothing is applied twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cfaction.client import Client
from cfaction.errors import ActionError, CloudflareError, NotFoundError, ServerError, TransportError
from cfaction.ops.base import Context
from cfaction.ops.dns.changes import Change, batch_body
from cfaction.ops.dns.plan import DnsPlan
from cfaction.ops.dns.read import list_records, records_path
from cfaction.ops.dns.records import content_key
from cfaction.permissions import DNS_EDIT, DNS_READ
from cfaction.zones import Zone

Batch = Sequence[Change]


@dataclass(frozen=True)
class DnsResult:
    """What applying a plan did."""

    applied: tuple[Batch, ...]
    """The batches that committed, in order."""
    problem: ActionError | None = None
    """The failure that stopped the other batches."""
    created_ids: Mapping[Change, str] = field(default_factory=dict)
    """The IDs of the records the applied batches created."""


def apply(ctx: Context, plan: DnsPlan) -> DnsResult:
    """Send the batches, stopping at the first that fails for good."""
    applied: list[Batch] = []
    created: dict[Change, str] = {}
    for batch in plan.batches:
        try:
            created.update(_send_batch(ctx, plan.zone, batch))
        except CloudflareError as error:
            return DnsResult(tuple(applied), error, created)
        applied.append(batch)
        ctx.progress(f"Applied a batch of {len(batch)} DNS changes in {plan.zone.name}.")
    return DnsResult(tuple(applied), None, created)


def _send_batch(ctx: Context, zone: Zone, batch: Batch) -> dict[Change, str]:
    """POST one batch and return the IDs of the records it created. After an ambiguous
    failure (timeout, 5xx), read whether it committed before sending it again: the batch is
    all-or-nothing, so one change tells. A check that cannot read counts as "not
    committed": sending again is then safe, because Cloudflare refuses a batch that would
    duplicate a record (81057) or delete one twice (81044)."""
    body = batch_body(list(batch))
    attempts = ctx.settings.max_retries + 1
    for attempt in range(attempts):
        try:
            envelope = ctx.client.request(
                "POST", f"{records_path(zone)}/batch", json_body=body, permission=DNS_EDIT
            )
            return _created_ids(batch, envelope.result)
        except (ServerError, TransportError) as error:
            ctx.client.pause(attempt)
            reader = _GroupReader(ctx.client, zone)
            try:
                committed = _committed(ctx.client, zone, batch, reader)
            except CloudflareError:
                committed = False
            if committed:
                ctx.progress(
                    f"The batch committed although the answer was lost ({error.title}); it "
                    "is not sent again."
                )
                return _find_created_ids(batch, reader)
            if attempt + 1 >= attempts:
                raise
            ctx.progress(f"The batch did not commit ({error.title}); sending it again.")
    raise AssertionError("unreachable")  # pragma: no cover


class _GroupReader:
    """Reads the records of one (name, type) at most once while recovering a batch."""

    def __init__(self, client: Client, zone: Zone) -> None:
        self._client = client
        self._zone = zone
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def rows(self, name: str, rtype: str) -> list[dict[str, Any]]:
        if (name, rtype) not in self._rows:
            params = {"name": name, "type": rtype}
            self._rows[(name, rtype)] = list_records(self._client, self._zone, params)
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


def _created_ids(batch: Batch, result: Any) -> dict[Change, str]:
    """The batch answer lists the created records in the order of ``posts``."""
    posts = result.get("posts") if isinstance(result, Mapping) else None
    created = [c for c in batch if c.action == "create"]
    if not isinstance(posts, list) or len(posts) != len(created):
        return {}
    return {
        change: str(record["id"])
        for change, record in zip(created, posts, strict=True)
        if isinstance(record, Mapping) and record.get("id")
    }


def _find_created_ids(batch: Batch, reader: _GroupReader) -> dict[Change, str]:
    """IDs of the records a committed batch created, when its answer was lost (best effort:
    the records exist either way)."""
    found: dict[Change, str] = {}
    for change in batch:
        if change.action != "create":
            continue
        try:
            match = reader.find(change)
        except CloudflareError:
            break
        if match is not None:
            found[change] = str(match["id"])
    return found


def _committed(client: Client, zone: Zone, batch: Batch, reader: _GroupReader) -> bool:
    """Whether a batch is in effect, read from one of its changes."""
    path = records_path(zone)
    change = next((c for c in batch if c.action == "delete"), None)
    if change is not None:
        try:
            client.get(f"{path}/{change.existing_id}", permission=DNS_READ)
        except NotFoundError:
            return True
        return False
    change = next((c for c in batch if c.action == "update"), None)
    if change is not None:
        record = client.get(f"{path}/{change.existing_id}", permission=DNS_READ)
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
