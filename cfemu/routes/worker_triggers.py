"""Workers routes and custom domains.

Routes:

* ``GET/PUT /accounts/{account_id}/workers/scripts/{name}/routes``: the script's routes in
  every zone of the account; PUT [{pattern, zone_id? | zone_name? | custom_domain?}]
  replaces them all (custom_domain true attaches a custom domain instead). It needs
  "workers_scripts:edit" and *account-wide* "workers_routes:edit" (the token holds it and
  its zone_ids is None); otherwise 403 10000, which makes wrangler fall back to the zone
  API.
* ``GET/POST /zones/{zone_id}/workers/routes``, ``GET/PUT/DELETE
  /zones/{zone_id}/workers/routes/{route_id}`` ({pattern, script?}): "workers_routes:edit"
  on the zone (GETs also take "workers_routes:read"), else 403 10000. Unknown zone 404
  7003/7000; unknown route 404 10005 "Route not found" (our choice).

Pattern checks: the pattern must be a non-empty string (400 10021); its host (scheme and
a leading "*" or "*." dropped) must be the zone's name or end in ".<zone name>", else 400
10022 "Route pattern must include zone name" (also when no zone of the account matches);
a pattern held in the zone by another script is 400 10020 "A route with this pattern
already exists for another Worker" (our choice; same script: accepted, nothing changes).

Custom domains:

* ``PUT /accounts/{account_id}/workers/domains`` {hostname, service, zone_id | zone_name,
  environment?}: attach (PUT semantics: a hostname already attached moves to the new
  service). ``GET`` lists (filters hostname, service, zone_id, zone_name, environment),
  ``GET/DELETE .../domains/{id}`` and ``GET .../domains/records/{id}``.
* Script-scoped, as wrangler uses: ``POST .../scripts/{name}/domains/changeset``
  [{hostname, zone_id?, zone_name?, enabled?, previews_enabled?}] answers {added, removed,
  updated (with ``modified`` when another Worker holds the hostname), conflicting (DNS
  records in the way)} without changing anything; ``PUT .../scripts/{name}/domains/records``
  {origins (as for the changeset), override_scope, override_existing_origin,
  override_existing_dns_record} applies it (wrangler in CI sends only this PUT, every
  override true). ``override_scope`` true drops the script's domains not listed.
* Errors: missing fields, and flags (the override_* ones, an origin's ``enabled`` and
  ``previews_enabled``) that are not booleans, 400 10021; unknown service 404 10007; zone
  unknown, in another account or not holding the hostname 400 100116 (our choice); an A,
  AAAA or CNAME record at a hostname no Worker holds (PUT records without
  override_existing_dns_record true, or the account-level PUT) 409 100117 "Hostname '<h>'
  already has externally managed DNS records ..." (real code,
  workers.api.error.origin_conflict_existing_dns_record; wording ours). With
  override_existing_dns_record true the domain is attached and the records are left in
  place (our choice: whether Cloudflare then replaces them is unverified, see
  workers-sdk#9878). A hostname held by another Worker without override_existing_origin
  409 100118 (our choice). Permission: "workers_scripts:edit" on the account and the zone
  in the caller's scope (else 403 10000).
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Final

from .. import errors
from ..app import Response, ok
from ..errors import ReplyError
from ..model import Account, Zone, new_id
from ..permissions import WORKERS_ROUTES_EDIT, WORKERS_SCRIPTS_EDIT
from ..routing import ID_PATTERN, RequestContext, Router
from ..state import State
from ..workers import CustomDomain, WorkerRoute, WorkerScript, script_not_found, validation_error
from .workers import SCRIPT, WORKERS_SCRIPTS_READ, account_for

__all__ = ["WORKERS_ROUTES_READ", "register", "route_host"]

WORKERS_ROUTES_READ: Final = "workers_routes:read"
_ZONE_ROUTES: Final = rf"/zones/(?P<zone_id>{ID_PATTERN})/workers/routes"
_DOMAINS: Final = rf"/accounts/(?P<account_id>{ID_PATTERN})/workers/domains"


def register(router: Router) -> None:
    router.add("GET", rf"{SCRIPT}/routes", get_script_routes)
    router.add("PUT", rf"{SCRIPT}/routes", put_script_routes)
    router.add("GET", _ZONE_ROUTES, list_zone_routes)
    router.add("POST", _ZONE_ROUTES, create_zone_route)
    router.add("GET", rf"{_ZONE_ROUTES}/(?P<route_id>{ID_PATTERN})", get_zone_route)
    router.add("PUT", rf"{_ZONE_ROUTES}/(?P<route_id>{ID_PATTERN})", put_zone_route)
    router.add("DELETE", rf"{_ZONE_ROUTES}/(?P<route_id>{ID_PATTERN})", delete_zone_route)
    router.add("GET", _DOMAINS, list_domains)
    router.add("PUT", _DOMAINS, attach_domain)
    router.add("GET", rf"{_DOMAINS}/(?P<domain_id>{ID_PATTERN})", get_domain)
    router.add("GET", rf"{_DOMAINS}/records/(?P<domain_id>{ID_PATTERN})", get_domain)
    router.add("DELETE", rf"{_DOMAINS}/(?P<domain_id>{ID_PATTERN})", delete_domain)
    router.add("POST", rf"{SCRIPT}/domains/changeset", domains_changeset)
    router.add("PUT", rf"{SCRIPT}/domains/records", put_domain_records)


# --- helpers --------------------------------------------------------------------------


def route_host(pattern: str) -> str:
    """The host part of a route pattern, scheme and leading wildcard removed."""
    rest = pattern.strip()
    for scheme in ("http://", "https://"):
        if rest.lower().startswith(scheme):
            rest = rest[len(scheme) :]
    host = rest.split("/", 1)[0].split(":", 1)[0].lower().rstrip(".")
    if host.startswith("*."):
        host = host[2:]
    elif host.startswith("*"):
        host = host[1:]
    return host


def _in_zone(host: str, zone: Zone) -> bool:
    name = zone.name.lower()
    return host == name or host.endswith("." + name)


def _zone_for_host(state: State, account_id: str, host: str) -> Zone | None:
    """The account's zone with the longest name the host belongs to."""
    matches = [z for z in state.zones.values() if z.account_id == account_id and _in_zone(host, z)]
    return max(matches, key=lambda z: len(z.name), default=None)


def _pattern_error() -> ReplyError:
    return ReplyError.single(400, 10022, "Route pattern must include zone name")


def _conflict(pattern: str, other: str | None) -> ReplyError:
    return ReplyError.single(
        400,
        10020,
        f'A route with the pattern "{pattern}" already exists for another Worker ({other}).',
    )


def _pattern(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise validation_error("pattern is required and must be a non-empty string.")
    return value.strip()


def _check_pattern(state: State, zone: Zone, pattern: str, script: str | None, skip: str) -> None:
    if not _in_zone(route_host(pattern), zone):
        raise _pattern_error()
    for route in state.worker_routes.values():
        if route.zone_id == zone.id and route.pattern == pattern and route.id != skip:
            if route.script == script:
                continue
            raise _conflict(pattern, route.script)


# --- script-level routes ----------------------------------------------------------------


def _script(ctx: RequestContext, write: bool) -> tuple[Account, WorkerScript]:
    if write:
        account = account_for(ctx, WORKERS_SCRIPTS_EDIT)
    else:
        account = account_for(ctx, WORKERS_SCRIPTS_EDIT, WORKERS_SCRIPTS_READ)
    name = urllib.parse.unquote(ctx.params["name"])
    script = ctx.state.workers.get((account.id, name))
    if script is None:
        raise script_not_found()
    return account, script


def _account_wide_routes(ctx: RequestContext) -> None:
    principal = ctx.principal
    if principal.kind == "key":
        return
    token = principal.token
    if token is None or WORKERS_ROUTES_EDIT not in token.permissions or token.zone_ids is not None:
        raise errors.authentication_error()


def _script_route_json(state: State, route: WorkerRoute) -> dict[str, Any]:
    zone = state.zones.get(route.zone_id)
    return {
        **route.to_json(),
        "zone_id": route.zone_id,
        "zone_name": zone.name if zone is not None else None,
    }


def get_script_routes(ctx: RequestContext) -> Response:
    account, script = _script(ctx, write=False)
    _account_wide_routes(ctx)
    state = ctx.state
    zones = {z.id for z in state.zones.values() if z.account_id == account.id}
    routes = [
        r for r in state.worker_routes.values() if r.script == script.name and r.zone_id in zones
    ]
    return ok([_script_route_json(state, r) for r in routes])


def put_script_routes(ctx: RequestContext) -> Response:
    account, script = _script(ctx, write=True)
    _account_wide_routes(ctx)
    state = ctx.state
    body = ctx.request.json()
    if not isinstance(body, list):
        raise validation_error("Expected a list of routes.")
    wanted: list[tuple[str, Zone]] = []
    domains: list[tuple[str, Zone]] = []
    for item in body:
        if isinstance(item, str):
            item = {"pattern": item}
        if not isinstance(item, dict):
            raise validation_error("Each route must be an object with a pattern.")
        pattern = _pattern(item.get("pattern"))
        zone = _route_zone(state, account, item, pattern)
        if item.get("custom_domain") is True:
            domains.append((route_host(pattern), zone))
            continue
        _check_pattern(state, zone, pattern, script.name, skip="")
        if (pattern, zone) not in wanted:
            wanted.append((pattern, zone))
    for hostname, zone in domains:
        _check_domain(state, account, hostname, zone, script.name, override_origin=True)
    zones = {z.id for z in state.zones.values() if z.account_id == account.id}
    existing = {
        (r.pattern, r.zone_id): r
        for r in state.worker_routes.values()
        if r.script == script.name and r.zone_id in zones
    }
    keep: set[str] = set()
    result: list[WorkerRoute] = []
    for pattern, zone in wanted:
        route = existing.get((pattern, zone.id))
        if route is None:
            route = WorkerRoute(new_id(), zone.id, pattern, script.name)
            state.worker_routes[route.id] = route
        keep.add(route.id)
        result.append(route)
    for route in existing.values():
        if route.id not in keep:
            del state.worker_routes[route.id]
    for hostname, zone in domains:
        _attach(state, account, hostname, zone, script.name, "production")
    return ok([_script_route_json(state, r) for r in result])


def _route_zone(state: State, account: Account, item: dict[str, Any], pattern: str) -> Zone:
    zone: Zone | None
    zone_id = item.get("zone_id")
    zone_name = item.get("zone_name")
    if zone_id is not None:
        zone = state.zones.get(str(zone_id))
        if zone is None or zone.account_id != account.id:
            raise validation_error(f"Zone {zone_id} not found in this account.")
    elif zone_name is not None:
        found = [
            z
            for z in state.zones.values()
            if z.account_id == account.id and z.name.lower() == str(zone_name).lower()
        ]
        if not found:
            raise validation_error(f"Zone {zone_name} not found in this account.")
        zone = found[0]
    else:
        zone = _zone_for_host(state, account.id, route_host(pattern))
        if zone is None:
            raise _pattern_error()
    if not _in_zone(route_host(pattern), zone):
        raise _pattern_error()
    return zone


# --- zone-level routes ------------------------------------------------------------------


def _zone(ctx: RequestContext, write: bool) -> Zone:
    zone = ctx.state.zones.get(ctx.params["zone_id"])
    if zone is None:
        raise errors.object_not_found(ctx.request.full_path)
    principal = ctx.principal
    allowed = principal.has(WORKERS_ROUTES_EDIT) or (
        not write and principal.has(WORKERS_ROUTES_READ)
    )
    if not allowed or not principal.in_scope(zone):
        raise errors.authentication_error()
    return zone


def _route(ctx: RequestContext, zone: Zone) -> WorkerRoute:
    route = ctx.state.worker_routes.get(ctx.params["route_id"])
    if route is None or route.zone_id != zone.id:
        raise ReplyError.single(404, 10005, "Route not found")
    return route


def _route_body(ctx: RequestContext) -> tuple[str, str | None]:
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise validation_error("Request body must be a JSON object.")
    script = body.get("script")
    if script is not None and not isinstance(script, str):
        raise validation_error("script must be a string.")
    return _pattern(body.get("pattern")), script or None


def list_zone_routes(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=False)
    routes = [r.to_json() for r in ctx.state.worker_routes.values() if r.zone_id == zone.id]
    return ok(routes)


def create_zone_route(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=True)
    pattern, script = _route_body(ctx)
    state = ctx.state
    if any(r.zone_id == zone.id and r.pattern == pattern for r in state.worker_routes.values()):
        holder = next(
            r.script
            for r in state.worker_routes.values()
            if r.zone_id == zone.id and r.pattern == pattern
        )
        raise _conflict(pattern, holder)
    _check_pattern(state, zone, pattern, script, skip="")
    route = WorkerRoute(new_id(), zone.id, pattern, script)
    state.worker_routes[route.id] = route
    return ok(route.to_json())


def get_zone_route(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=False)
    return ok(_route(ctx, zone).to_json())


def put_zone_route(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=True)
    route = _route(ctx, zone)
    pattern, script = _route_body(ctx)
    state = ctx.state
    for other in state.worker_routes.values():
        if other.zone_id == zone.id and other.pattern == pattern and other.id != route.id:
            raise _conflict(pattern, other.script)
    _check_pattern(state, zone, pattern, script, skip=route.id)
    route.pattern = pattern
    route.script = script
    return ok(route.to_json())


def delete_zone_route(ctx: RequestContext) -> Response:
    zone = _zone(ctx, write=True)
    route = _route(ctx, zone)
    del ctx.state.worker_routes[route.id]
    return ok({"id": route.id})


# --- custom domains ---------------------------------------------------------------------


def _domain_error(message: str) -> ReplyError:
    return ReplyError.single(400, 100116, message)


def _domain_zone(
    ctx: RequestContext, account: Account, hostname: str, zone_id: Any, zone_name: Any
) -> Zone:
    state = ctx.state
    zone: Zone | None = None
    if zone_id is not None:
        zone = state.zones.get(str(zone_id))
    elif zone_name is not None:
        zone = next(
            (
                z
                for z in state.zones.values()
                if z.account_id == account.id and z.name.lower() == str(zone_name).lower()
            ),
            None,
        )
    else:
        zone = _zone_for_host(state, account.id, hostname)
    if zone is None or zone.account_id != account.id:
        raise _domain_error(f"No zone of this account holds {hostname}.")
    if not _in_zone(hostname, zone):
        raise _domain_error(f"Hostname {hostname} does not belong to zone {zone.name}.")
    if not ctx.principal.in_scope(zone):
        raise errors.authentication_error()
    return zone


def _dns_conflict(state: State, zone: Zone, hostname: str) -> bool:
    return any(
        r.zone_id == zone.id and r.name == hostname and r.type in ("A", "AAAA", "CNAME")
        for r in state.dns_records.values()
    )


def _holder(state: State, account: Account, hostname: str) -> CustomDomain | None:
    for domain in state.worker_domains.values():
        if domain.account_id == account.id and domain.hostname == hostname:
            return domain
    return None


def _check_domain(
    state: State,
    account: Account,
    hostname: str,
    zone: Zone,
    service: str,
    *,
    override_origin: bool,
    override_dns: bool = False,
) -> None:
    holder = _holder(state, account, hostname)
    if holder is not None and holder.service != service and not override_origin:
        raise ReplyError.single(
            409,
            100118,
            f"Hostname {hostname} is already attached to Worker {holder.service}.",
        )
    if holder is None and not override_dns and _dns_conflict(state, zone, hostname):
        raise ReplyError.single(
            409,
            100117,
            f"Hostname '{hostname}' already has externally managed DNS records (A, AAAA, or "
            "CNAME). Either delete them, try a different hostname, or use the option "
            "'override_existing_dns_record' to override.",
        )


def _attach(
    state: State, account: Account, hostname: str, zone: Zone, service: str, environment: str
) -> CustomDomain:
    holder = _holder(state, account, hostname)
    if holder is not None:
        holder.service = service
        holder.environment = environment
        holder.zone_id = zone.id
        holder.zone_name = zone.name
        return holder
    domain = CustomDomain(new_id(), account.id, hostname, service, environment, zone.id, zone.name)
    state.worker_domains[domain.id] = domain
    return domain


def _hostname(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise validation_error("hostname is required and must be a non-empty string.")
    return value.strip().lower().rstrip(".")


def attach_domain(ctx: RequestContext) -> Response:
    account = account_for(ctx, WORKERS_SCRIPTS_EDIT)
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise validation_error("Request body must be a JSON object.")
    hostname = _hostname(body.get("hostname"))
    service = body.get("service")
    if not isinstance(service, str) or not service:
        raise validation_error("service is required.")
    if body.get("zone_id") is None and body.get("zone_name") is None:
        raise validation_error("zone_id is required.")
    environment = body.get("environment") or "production"
    if not isinstance(environment, str):
        raise validation_error("environment must be a string.")
    zone = _domain_zone(ctx, account, hostname, body.get("zone_id"), body.get("zone_name"))
    state = ctx.state
    if (account.id, service) not in state.workers:
        raise script_not_found()
    _check_domain(state, account, hostname, zone, service, override_origin=True)
    return ok(_attach(state, account, hostname, zone, service, environment).to_json())


def list_domains(ctx: RequestContext) -> Response:
    account = account_for(ctx, WORKERS_SCRIPTS_EDIT, WORKERS_SCRIPTS_READ)
    request = ctx.request
    rows = [d for d in ctx.state.worker_domains.values() if d.account_id == account.id]
    for key in ("hostname", "service", "zone_id", "zone_name", "environment"):
        wanted = request.param(key)
        if wanted is not None:
            rows = [d for d in rows if str(getattr(d, key)) == wanted]
    return ok([d.to_json() for d in rows])


def _domain(ctx: RequestContext, write: bool) -> CustomDomain:
    if write:
        account = account_for(ctx, WORKERS_SCRIPTS_EDIT)
    else:
        account = account_for(ctx, WORKERS_SCRIPTS_EDIT, WORKERS_SCRIPTS_READ)
    domain = ctx.state.worker_domains.get(ctx.params["domain_id"])
    if domain is None or domain.account_id != account.id:
        raise ReplyError.single(404, 100114, "Domain not found.")
    return domain


def get_domain(ctx: RequestContext) -> Response:
    return ok(_domain(ctx, write=False).to_json())


def delete_domain(ctx: RequestContext) -> Response:
    domain = _domain(ctx, write=True)
    del ctx.state.worker_domains[domain.id]
    return ok(None)


def _origins(
    ctx: RequestContext, account: Account, raw: Any
) -> list[tuple[str, Zone, dict[str, Any]]]:
    if not isinstance(raw, list):
        raise validation_error("origins must be a list.")
    result = []
    for item in raw:
        if not isinstance(item, dict):
            raise validation_error("Each origin must be an object with a hostname.")
        _flags(item, ("enabled", "previews_enabled"))
        hostname = _hostname(item.get("hostname"))
        zone = _domain_zone(ctx, account, hostname, item.get("zone_id"), item.get("zone_name"))
        result.append((hostname, zone, item))
    return result


def _flags(body: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if body.get(name) is not None and not isinstance(body[name], bool):
            raise validation_error(f"{name} must be a boolean.")


def domains_changeset(ctx: RequestContext) -> Response:
    account, script = _script(ctx, write=True)
    state = ctx.state
    origins = _origins(ctx, account, ctx.request.json())
    added: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    conflicting: list[dict[str, Any]] = []
    for hostname, zone, _ in origins:
        holder = _holder(state, account, hostname)
        entry = {"hostname": hostname, "zone_id": zone.id, "zone_name": zone.name}
        if holder is not None:
            modified = holder.service != script.name
            updated.append({**holder.to_json(), "modified": modified})
        elif _dns_conflict(state, zone, hostname):
            conflicting.append(entry)
        else:
            added.append(entry)
    removed: list[dict[str, Any]] = []
    if ctx.request.param("replace_state") == "true":
        names = {hostname for hostname, _, _ in origins}
        removed = [
            d.to_json()
            for d in state.worker_domains.values()
            if d.account_id == account.id and d.service == script.name and d.hostname not in names
        ]
    return ok({"added": added, "removed": removed, "updated": updated, "conflicting": conflicting})


def put_domain_records(ctx: RequestContext) -> Response:
    account, script = _script(ctx, write=True)
    state = ctx.state
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise validation_error("Request body must be a JSON object.")
    _flags(body, ("override_scope", "override_existing_origin", "override_existing_dns_record"))
    origins = _origins(ctx, account, body.get("origins"))
    override_origin = body.get("override_existing_origin") is True
    override_dns = body.get("override_existing_dns_record") is True
    for hostname, zone, _ in origins:
        _check_domain(
            state,
            account,
            hostname,
            zone,
            script.name,
            override_origin=override_origin,
            override_dns=override_dns,
        )
    if body.get("override_scope") is True:
        names = {hostname for hostname, _, _ in origins}
        for domain_id, domain in list(state.worker_domains.items()):
            if (
                domain.account_id == account.id
                and domain.service == script.name
                and domain.hostname not in names
            ):
                del state.worker_domains[domain_id]
    attached = [
        _attach(state, account, hostname, zone, script.name, "production")
        for hostname, zone, _ in origins
    ]
    return ok([d.to_json() for d in attached])
