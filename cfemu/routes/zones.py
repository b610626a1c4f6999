"""Zone endpoints: GET /zones (filters, order, pagination) and GET /zones/{zone_id}."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from .. import errors
from ..app import Response, ok
from ..filters import text_matches
from ..model import Zone
from ..paging import paginate, parse_page_request
from ..permissions import ZONE_READ
from ..routing import ID_PATTERN, RequestContext, Router
from ..state import State
from .common import choice, zone_in_scope

_ORDER_KEYS = ("name", "status", "account.id", "account.name")
_DIRECTIONS = ("asc", "desc")
_MATCH_MODES = ("all", "any")

_PLAN_NAMES = {
    "free": "Free Website",
    "pro": "Pro Website",
    "business": "Business Website",
    "enterprise": "Enterprise Website",
}
_FREE_PLAN_ID = "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
_NAME_SERVERS = ("ada", "bob", "cruz", "dina", "eric", "fay", "gus", "hope")


def register(router: Router) -> None:
    router.add("GET", r"/zones", list_zones)
    router.add("GET", rf"/zones/(?P<zone_id>{ID_PATTERN})", get_zone)


def list_zones(ctx: RequestContext) -> Response:
    """Without zone:read the list is empty rather than an error, as on Cloudflare."""
    request = ctx.request
    page = parse_page_request(request.query)
    order = choice(request.param("order"), "order", _ORDER_KEYS)
    direction = choice(request.param("direction"), "direction", _DIRECTIONS)
    match_mode = choice(request.param("match"), "match", _MATCH_MODES)
    state = ctx.state
    principal = ctx.principal
    zones = [z for z in state.zones.values() if principal.can(ZONE_READ, z)]

    tests = _filters(ctx)
    combine = all if match_mode == "all" else any
    if tests:
        zones = [z for z in zones if combine(test(z) for test in tests)]

    def sort_key(zone: Zone) -> tuple[str, str, str]:
        return (_field(state, zone, order).lower(), zone.name.lower(), zone.id)

    zones.sort(key=sort_key, reverse=direction == "desc")
    rows, info = paginate(zones, page, state.max_page_rows)
    return ok([zone_json(state, z) for z in rows], result_info=info)


def get_zone(ctx: RequestContext) -> Response:
    zone = zone_in_scope(ctx, ctx.params["zone_id"])
    if not ctx.principal.has(ZONE_READ):
        raise errors.unauthorized_resource()
    return ok(zone_json(ctx.state, zone))


def _filters(ctx: RequestContext) -> list[Callable[[Zone], bool]]:
    """One predicate per filter present in the query string."""
    state = ctx.state
    request = ctx.request
    tests: list[Callable[[Zone], bool]] = []
    name = request.param("name")
    if name is not None:
        tests.append(lambda z: text_matches(z.name, name))
    account_id = request.param("account.id")
    if account_id is not None:
        tests.append(lambda z: z.account_id == account_id)
    account_name = request.param("account.name")
    if account_name is not None:
        tests.append(lambda z: text_matches(_field(state, z, "account.name"), account_name))
    status = request.param("status")
    if status is not None:
        tests.append(lambda z: z.status == status)
    return tests


def _field(state: State, zone: Zone, key: str) -> str:
    if key == "account.id":
        return zone.account_id
    if key == "account.name":
        account = state.accounts.get(zone.account_id)
        return account.name if account is not None else ""
    if key == "status":
        return zone.status
    return zone.name


def zone_json(state: State, zone: Zone) -> dict[str, Any]:
    """The zone object as Cloudflare returns it (fields clients commonly read)."""
    account = state.accounts.get(zone.account_id)
    account_name = account.name if account is not None else ""
    first = int(zone.id, 16) % len(_NAME_SERVERS)
    second = (first + 1) % len(_NAME_SERVERS)
    return {
        "id": zone.id,
        "name": zone.name,
        "status": zone.status,
        "paused": False,
        "type": "full",
        "development_mode": 0,
        "name_servers": [
            f"{_NAME_SERVERS[first]}.ns.cloudflare.com",
            f"{_NAME_SERVERS[second]}.ns.cloudflare.com",
        ],
        "original_name_servers": None,
        "original_registrar": None,
        "original_dnshost": None,
        "account": {"id": zone.account_id, "name": account_name},
        "owner": {"id": None, "name": account_name, "type": "user"},
        "plan": plan_json(zone.plan),
        "permissions": [],
        "meta": {},
        "created_on": zone.created_on,
        "modified_on": zone.created_on,
        "activated_on": zone.created_on if zone.status == "active" else None,
    }


def plan_json(plan: str) -> dict[str, Any]:
    # Only the free plan's id is known; other plans get a stable made-up one.
    plan_id = _FREE_PLAN_ID if plan == "free" else hashlib.sha256(plan.encode()).hexdigest()[:32]
    return {
        "id": plan_id,
        "name": _PLAN_NAMES.get(plan, f"{plan.title()} Website"),
        "price": 0,
        "currency": "USD",
        "frequency": "",
        "is_subscribed": plan != "free",
        "can_subscribe": False,
        "legacy_id": plan,
        "legacy_discount": False,
        "externally_managed": False,
    }
