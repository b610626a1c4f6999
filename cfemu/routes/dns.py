"""DNS record endpoints: list, create, get, overwrite, patch, delete and batch.

* ``GET /zones/{zone_id}/dns_records``: filters ``type`` (case-insensitive), ``name`` and
  ``name.exact`` (an FQDN, case-insensitive, trailing dot ignored, "@" = apex),
  ``name.contains|startswith|endswith``, ``content`` and ``content.exact|contains|
  startswith|endswith`` (case-insensitive, against the stored form, so TXT content is
  quoted), ``proxied`` (true|false); ``match`` all|any (default all) combines them.
  ``order`` type|name|content|ttl|proxied (default type, then name) and ``direction``
  asc|desc. ``page`` >= 1, ``per_page`` 1..5,000,000 (default 100). ``State.dns_page_cap``
  and ``State.max_page_rows`` cap the rows of a page; result_info (per_page and
  total_pages) then describes the page size actually used. Bad values are 400 1004.
* ``POST /zones/{zone_id}/dns_records`` creates; ``GET``, ``PUT`` (the body is the whole
  record: fields left out reset to their defaults), ``PATCH`` (only the fields sent
  change) and ``DELETE`` (result {"id"}) on ``/zones/{zone_id}/dns_records/{id}``. A
  record id that names no record of this zone is 404 81044 "Record does not exist.".
* ``POST /zones/{zone_id}/dns_records/batch`` with optional lists ``deletes``, ``patches``,
  ``puts`` and ``posts``: run in that order, items in the order given, against a copy of
  the records, which replaces them only if every item succeeds. The first failing item's
  error is the answer, always with status 400 (81044 included). Success is 200 with
  result {deletes: [records as they were], patches, puts, posts: [records after]}. More
  operations than ``State.dns_batch_limits`` allows for the zone plan (Free 200, paid
  3,500) is 400 1004 with error_chain 9023 "Too many operations in batch: N (limit L)",
  and a badly shaped body 400 1004 with chain 9024; both are our approximations.

Checks, in order: unknown zone 404 7003/7000 (a malformed id does not route); the zone out
of the caller's scope, or no "dns:read"/"dns:edit" for GET, or no "dns:edit" for a write:
403 10000 "Authentication error"; malformed JSON 400 6007; a body that is not an object
400 1004 (chain 9022); then the record checks of dns.py (validation 1004, conflicts
81053/81054/81057/81058, quota 81045).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from .. import errors
from ..app import Response, ok
from ..dns import DnsChanges, DnsRecord, normalize_name, record_json, validation_error
from ..errors import ReplyError
from ..filters import DOTTED_OPERATORS, dotted_matches
from ..model import Zone, new_id, timestamp
from ..paging import paginate, parse_page_request
from ..permissions import DNS_EDIT, DNS_READ
from ..routing import ID_PATTERN, RequestContext, Router
from .common import choice

__all__ = ["BATCH_KEYS", "register"]

BATCH_KEYS: Final = ("deletes", "patches", "puts", "posts")
MAX_PER_PAGE: Final = 5_000_000
_ORDER_KEYS: Final = ("type", "name", "content", "ttl", "proxied")
_DIRECTIONS: Final = ("asc", "desc")
_MATCH_MODES: Final = ("all", "any")

_Test = Callable[[DnsRecord], bool]


def register(router: Router) -> None:
    records = rf"/zones/(?P<zone_id>{ID_PATTERN})/dns_records"
    record = rf"{records}/(?P<record_id>{ID_PATTERN})"
    router.add("GET", records, list_records)
    router.add("POST", records, create_record)
    router.add("POST", rf"{records}/batch", batch_records)
    router.add("GET", record, get_record)
    router.add("PUT", record, put_record)
    router.add("PATCH", record, patch_record)
    router.add("DELETE", record, delete_record)


def _zone(ctx: RequestContext, write: bool) -> Zone:
    zone = ctx.state.zones.get(ctx.params["zone_id"])
    if zone is None:
        raise errors.object_not_found(ctx.request.full_path)
    principal = ctx.principal
    allowed = principal.has(DNS_EDIT) or (not write and principal.has(DNS_READ))
    if not allowed or not principal.in_scope(zone):
        raise errors.authentication_error()
    return zone


def _body(ctx: RequestContext) -> dict[str, Any]:
    data = ctx.request.json()
    if not isinstance(data, dict):
        raise validation_error(9022, "Request body must be a JSON object.")
    return data


def _changes(ctx: RequestContext, zone: Zone) -> DnsChanges:
    return ctx.state.dns_changes(zone, timestamp())


# --- single records -----------------------------------------------------------------------


def create_record(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=True)
    record = _changes(ctx, zone).create(_body(ctx), new_id())
    return ok(record_json(record, zone.name))


def get_record(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=False)
    record = _changes(ctx, zone).get(ctx.params["record_id"])
    return ok(record_json(record, zone.name))


def put_record(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=True)
    changes = _changes(ctx, zone)
    changes.get(ctx.params["record_id"])  # 81044 comes before body problems
    record = changes.replace(ctx.params["record_id"], _body(ctx))
    return ok(record_json(record, zone.name))


def patch_record(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=True)
    changes = _changes(ctx, zone)
    changes.get(ctx.params["record_id"])
    record = changes.patch(ctx.params["record_id"], _body(ctx))
    return ok(record_json(record, zone.name))


def delete_record(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=True)
    record = _changes(ctx, zone).delete(ctx.params["record_id"])
    return ok({"id": record.id})


# --- batch --------------------------------------------------------------------------------


def _bad_batch(message: str) -> ReplyError:
    return validation_error(9024, f"Invalid batch request: {message}")


def _batch_items(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = body.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise _bad_batch(f"{key} must be a list.")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _bad_batch(f"{key}[{index}] must be an object.")
    return items


def batch_records(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=True)
    state = ctx.state
    body = _body(ctx)
    deletes, patches, puts, posts = (_batch_items(body, key) for key in BATCH_KEYS)
    total = len(deletes) + len(patches) + len(puts) + len(posts)
    limit = state.dns_batch_limit(zone)
    if total > limit:
        raise validation_error(9023, f"Too many operations in batch: {total} (limit {limit})")
    working = dict(state.dns_records)
    changes = DnsChanges(working, zone, timestamp(), state.dns_record_limit(zone))
    try:
        deleted = [changes.delete(item.get("id")) for item in deletes]
        patched = [changes.patch(item.get("id"), item) for item in patches]
        replaced = [changes.replace(item.get("id"), item) for item in puts]
        created = [changes.create(item, new_id()) for item in posts]
    except ReplyError as exc:
        raise ReplyError(400, exc.errors, exc.headers) from exc
    state.dns_records.clear()
    state.dns_records.update(working)
    result = {
        "deletes": [record_json(r, zone.name) for r in deleted],
        "patches": [record_json(r, zone.name) for r in patched],
        "puts": [record_json(r, zone.name) for r in replaced],
        "posts": [record_json(r, zone.name) for r in created],
    }
    return ok(result)


# --- list ---------------------------------------------------------------------------------


def list_records(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=False)
    request = ctx.request
    state = ctx.state
    page = parse_page_request(
        request.query, default_per_page=100, min_per_page=1, max_per_page=MAX_PER_PAGE
    )
    order = choice(request.param("order"), "order", _ORDER_KEYS)
    direction = choice(request.param("direction"), "direction", _DIRECTIONS)
    match_mode = choice(request.param("match"), "match", _MATCH_MODES)
    tests = _filters(ctx, zone)
    combine = all if match_mode == "all" else any
    rows = [
        r
        for r in state.dns_records.values()
        if r.zone_id == zone.id and (not tests or combine(test(r) for test in tests))
    ]
    rows.sort(key=_sort_key(order), reverse=direction == "desc")
    caps = [cap for cap in (state.dns_page_cap, state.max_page_rows) if cap is not None]
    page_rows, info = paginate(rows, page, min(caps) if caps else None, echo_per_page=False)
    return ok([record_json(r, zone.name) for r in page_rows], result_info=info)


def _sort_key(order: str) -> Callable[[DnsRecord], tuple[Any, ...]]:
    def key(record: DnsRecord) -> tuple[Any, ...]:
        tail = (record.type, record.name, record.content.lower(), record.id)
        if order == "name":
            return (record.name, *tail)
        if order == "content":
            return (record.content.lower(), *tail)
        if order == "ttl":
            return (record.ttl, *tail)
        if order == "proxied":
            return (record.proxied, *tail)
        return tail

    return key


def _filters(ctx: RequestContext, zone: Zone) -> list[_Test]:
    """One predicate per filter present in the query string."""
    request = ctx.request
    tests: list[_Test] = []
    record_type = request.param("type")
    if record_type is not None:
        tests.append(_equals("type", record_type.upper()))
    for param in ("name", "name.exact"):
        value = request.param(param)
        if value is not None:
            wanted = normalize_name(value, zone.name) if value == "@" else value
            tests.append(_equals("name", wanted.lower().rstrip(".")))
    for param in ("content", "content.exact"):
        value = request.param(param)
        if value is not None:
            tests.append(_text("content", "exact", value))
    for field in ("name", "content"):
        for suffix in DOTTED_OPERATORS:
            if suffix == "exact":
                continue
            value = request.param(f"{field}.{suffix}")
            if value is not None:
                tests.append(_text(field, suffix, value))
    proxied = request.param("proxied")
    if proxied is not None:
        if proxied.lower() not in ("true", "false"):
            raise errors.invalid_parameter("proxied must be true or false")
        wanted_proxied = proxied.lower() == "true"
        tests.append(lambda r: r.proxied == wanted_proxied)
    return tests


def _equals(field: str, wanted: str) -> _Test:
    return lambda r: str(getattr(r, field)) == wanted


def _text(field: str, suffix: str, operand: str) -> _Test:
    return lambda r: dotted_matches(str(getattr(r, field)), suffix, operand)
