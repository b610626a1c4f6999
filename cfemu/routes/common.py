"""Lookups shared by route modules, with Cloudflare's not-found and scope answers."""

from __future__ import annotations

from .. import errors
from ..model import Zone
from ..routing import RequestContext


def zone_in_scope(ctx: RequestContext, zone_id: str) -> Zone:
    """The zone, or 404 (7003/7000) if unknown, or 403 9109 if outside the caller's scope.

    Permission checks are left to the caller, because endpoints differ in how they report
    a missing permission.
    """
    zone = ctx.state.zones.get(zone_id)
    if zone is None:
        raise errors.object_not_found(ctx.request.full_path)
    if not ctx.principal.in_scope(zone):
        raise errors.unauthorized_resource()
    return zone


def choice(value: str | None, name: str, allowed: tuple[str, ...]) -> str:
    """A list parameter that takes one of a few words (order, direction, match); the first
    is the default. Anything else is Cloudflare's 400 for a bad parameter."""
    if value is None:
        return allowed[0]
    if value not in allowed:
        raise errors.invalid_parameter(f"{name} must be one of: {', '.join(allowed)}")
    return value
