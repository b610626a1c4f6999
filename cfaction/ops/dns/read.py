"""Reading the records at the names a DNS plan touches, in as few calls as the zone allows.

One name is read with ``GET …/dns_records?name=`` (all types, so CNAME/A conflicts are
seen). Several names start with the zone's first page, ordered by name, asking for 5,000
rows; when the zone fits in it, that single call is the whole read. Otherwise the cheaper
way to finish is taken: the remaining pages of the zone, or one read per name that the
first page does not cover. Every list follows ``result_info.total_pages`` (a server may cap
the page size). See https://developers.cloudflare.com/api/resources/dns/subresources/
records/methods/list/.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cfaction.client import Client
from cfaction.permissions import DNS_READ
from cfaction.zones import Zone

READ_PAGE_SIZE = 5000

Rows = list[dict[str, Any]]


def read_records(client: Client, zone: Zone, names: Sequence[str]) -> dict[str, Rows]:
    """Every record at each of ``names``, by name."""
    path = records_path(zone)
    wanted = set(names)
    if len(names) == 1:
        return _by_name(list_records(client, zone, {"name": names[0]}), wanted)
    first = client.request("GET", path, params=_page(1), permission=DNS_READ)
    rows = list(first.result or [])
    total_pages = int((first.result_info or {}).get("total_pages") or 1)
    if total_pages <= 1 or not rows:
        return _by_name(rows, wanted)
    # Rows come ordered by name: names before the last row's are complete on this page.
    last = str(rows[-1].get("name", ""))
    uncovered = [n for n in names if n >= last]
    if total_pages - 1 <= len(uncovered):
        for page in range(2, total_pages + 1):
            more = client.request("GET", path, params=_page(page), permission=DNS_READ)
            rows.extend(more.result or [])
        return _by_name(rows, wanted)
    found = _by_name([r for r in rows if str(r.get("name")) < last], wanted)
    for name in uncovered:
        found[name] = list_records(client, zone, {"name": name})
    return found


def list_records(client: Client, zone: Zone, params: Mapping[str, str]) -> Rows:
    """Every record the filter ``params`` selects, all pages."""
    return list(
        client.paginate(records_path(zone), params, per_page=READ_PAGE_SIZE, permission=DNS_READ)
    )


def records_path(zone: Zone) -> str:
    return f"/zones/{zone.id}/dns_records"


def _page(number: int) -> dict[str, Any]:
    return {"page": number, "per_page": READ_PAGE_SIZE, "order": "name", "direction": "asc"}


def _by_name(rows: Sequence[dict[str, Any]], wanted: set[str]) -> dict[str, Rows]:
    found: dict[str, Rows] = {name: [] for name in wanted}
    for row in rows:
        name = str(row.get("name", "")).lower()
        if name in found:
            found[name].append(row)
    return found
