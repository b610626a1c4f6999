"""The Worker plan (reads only): the account, every zone a trigger needs, the parts and the
metadata of the upload, and whether workers.dev is on. Nothing changes before all of it is
known."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cfaction.errors import InputError, NotFoundError, ZoneError
from cfaction.ops.base import Context, Notice
from cfaction.ops.worker.inputs import WorkerInputs
from cfaction.ops.worker.upload import Part, build_metadata, check_sizes, read_parts
from cfaction.ops.worker.wrangler import RouteSpec
from cfaction.permissions import WORKERS_SCRIPTS_EDIT, ZONE_READ
from cfaction.zones import Zone


@dataclass(frozen=True)
class WorkerPlan:
    worker: WorkerInputs
    account_id: str
    zone: Zone | None
    parts: tuple[Part, ...]
    metadata: dict[str, Any]
    route_zones: Mapping[str, Zone]
    domain_zones: Mapping[str, Zone]
    workers_dev: bool
    """Whether the workers.dev URL is switched on (wrangler's default: only when nothing
    else routes to the Worker)."""
    serving_version: str = ""
    """For a gradual rollout: the version that serves most of the traffic now."""
    warnings: tuple[Notice, ...] = field(default=())

    @property
    def script_path(self) -> str:
        return script_path(self.account_id, self.worker.script_name)


def plan(ctx: Context, worker: WorkerInputs) -> WorkerPlan:
    account_id = ctx.settings.account_id or worker.account_id
    zone = _zone(ctx, need_account=account_id is None)
    account_id = account_id or (zone.account_id if zone else None)
    parts = read_parts(worker)
    warnings = check_sizes(parts)
    route_zones = {spec.pattern: _route_zone(ctx, spec) for spec in worker.routes}
    domain_zones = {
        host: _zone_for_host(ctx, host, "custom_domains") for host in worker.custom_domains
    }
    if account_id is None:
        account_id = next(
            (z.account_id for z in [*route_zones.values(), *domain_zones.values()] if z.account_id),
            None,
        )
    if account_id is None:
        raise InputError(
            "account_id",
            "is needed: the Worker's account is unknown.",
            "Set account_id (or account_id in the wrangler config), or give zone, whose "
            "account is used.",
        )
    workers_dev = worker.workers_dev
    if workers_dev is None:
        workers_dev = not worker.routes and not worker.custom_domains
    gradual = worker.rollout_percentage < 100
    serving = _serving_version(ctx, script_path(account_id, worker.script_name)) if gradual else ""
    return WorkerPlan(
        worker=worker,
        account_id=account_id,
        zone=zone,
        parts=tuple(parts),
        metadata=build_metadata(worker, parts),
        route_zones=route_zones,
        domain_zones=domain_zones,
        workers_dev=workers_dev,
        serving_version=serving,
        warnings=tuple(warnings),
    )


def _serving_version(ctx: Context, script_path: str) -> str:
    try:
        result = ctx.client.get(f"{script_path}/deployments", permission=WORKERS_SCRIPTS_EDIT)
    except NotFoundError:
        result = None
    deployments = (result or {}).get("deployments") if isinstance(result, Mapping) else None
    if not deployments:
        raise InputError(
            "rollout_percentage",
            "needs a version that serves now, and this Worker has none.",
            "Publish it once with rollout_percentage: 100.",
        )
    versions = deployments[0].get("versions") or []
    best = max(versions, key=lambda v: float(v.get("percentage") or 0))
    return str(best["version_id"])


def script_path(account_id: str, script_name: str) -> str:
    return f"/accounts/{account_id}/workers/scripts/{script_name}"


def _zone(ctx: Context, *, need_account: bool) -> Zone | None:
    """The zone input, read only as far as needed: a zone ID costs a call only when the
    account has to come from it."""
    ref = ctx.settings.zone
    if ref is None:
        return None
    zone = ctx.zones.resolve(ref)
    return ctx.zones.details(zone.id) if need_account and not zone.account_id else zone


def _route_zone(ctx: Context, spec: RouteSpec) -> Zone:
    if spec.zone_id:
        return Zone(spec.zone_id)
    host = spec.zone_name or spec.pattern.split("/", 1)[0].lstrip("*").lstrip(".")
    return _zone_for_host(ctx, host, "routes")


def _zone_for_host(ctx: Context, host: str, input_name: str) -> Zone:
    zone = ctx.zones.find_for_host(host)
    if zone is None:
        raise ZoneError(
            f"{input_name}: no zone these credentials can read matches '{host}'. The zone "
            f"must be on the Worker's account, and the token needs {ZONE_READ} for it."
        )
    return zone
