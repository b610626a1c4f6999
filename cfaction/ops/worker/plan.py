"""The Worker plan (reads only): the files of the upload, the account, the zones routes need,
what the deployed Worker has (its migration tag, tags, bindings), the resources and queues
its bindings name, and the metadata. Nothing changes before all of it is known, so a
problem found here costs no write.

Reads happen only when the config needs them: the Worker's service (``GET …/workers/
services/{name}``) for migrations, required secrets and the dashboard tags of
environments; its settings for bindings that may be inherited; the queues for producers and
consumers; the current deployment for a gradual rollout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cfaction.client import Client
from cfaction.errors import InputError, NotFoundError, ZoneError
from cfaction.ops.base import Context, Notice
from cfaction.ops.worker.inputs import WorkerInputs
from cfaction.ops.worker.migrations import pending_migrations
from cfaction.ops.worker.provision import (
    Queue,
    Resource,
    deployed_bindings,
    plan_dispatch_namespaces,
    plan_queues,
    plan_resources,
)
from cfaction.ops.worker.upload import (
    Upload,
    bindings,
    build_metadata,
    bundle_notices,
    check_sizes,
    read_upload,
)
from cfaction.ops.worker.versions import ReleasePlan, deployments, plan_release, stable_version
from cfaction.ops.worker.wrangler import RouteSpec
from cfaction.permissions import WORKERS_SCRIPTS_EDIT, ZONE_READ
from cfaction.zones import Zone

SERVICE_TAG = "cf:service="
ENVIRONMENT_TAG = "cf:environment="


@dataclass(frozen=True)
class Service:
    """What the API says of the Worker before the upload."""

    exists: bool
    migration_tag: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkerPlan:
    worker: WorkerInputs
    account_id: str
    zone: Zone | None
    upload: Upload
    metadata: dict[str, Any]
    """The upload's metadata; a created resource's ID is filled in by :meth:`metadata_with`."""
    route_zones: Mapping[str, Zone]
    workers_dev: bool
    """Whether the workers.dev URL is switched on (wrangler's default: only when nothing
    else routes to the Worker)."""
    serving_version: str = ""
    """For a gradual rollout: the version that serves most of the traffic now."""
    service: Service | None = None
    """What was read of the Worker, when something needed it."""
    tags: tuple[str, ...] | None = None
    """The Worker's tags after this deploy, when they change."""
    resources: tuple[Resource, ...] = ()
    queues: Mapping[str, Queue] = field(default_factory=dict)
    warnings: tuple[Notice, ...] = field(default=())

    @property
    def script_path(self) -> str:
        return script_path(self.account_id, self.worker.script_name)

    def metadata_with(self, created: Mapping[str, str]) -> dict[str, Any]:
        """The metadata with the fields of created resources filled in (binding -> value)."""
        fields = {r.binding: r.field for r in self.resources if r.action == "create"}
        result = dict(self.metadata)
        if "bindings" not in result:  # an assets-only Worker
            return result
        result["bindings"] = [
            {**b, fields[b["name"]]: created[b["name"]]} if b["name"] in created else b
            for b in self.metadata["bindings"]
        ]
        return result


def script_path(account_id: str, script_name: str) -> str:
    return f"/accounts/{account_id}/workers/scripts/{script_name}"


def plan(ctx: Context, worker: WorkerInputs) -> WorkerPlan | ReleasePlan:
    """The upload's plan, or (``version_id``, ``rollback``) the deployment's."""
    if worker.release is not None:
        account_id, zone, _ = _account(ctx, worker)
        return plan_release(ctx, worker, account_id, zone)
    upload = read_upload(worker)
    warnings = [*bundle_notices(upload), *check_sizes(upload)]
    account_id, zone, route_zones = _account(ctx, worker)
    path = script_path(account_id, worker.script_name)
    config = worker.config
    service = _service(ctx.client, account_id, worker) if _needs_service(worker) else None
    deployed = None
    if any(b.provision for b in worker.bindings) and (service is None or service.exists):
        deployed = deployed_bindings(ctx.client, path)
    resources = plan_resources(
        ctx.client, account_id, worker.script_name, worker.bindings, deployed
    )
    producers = [b for b in worker.bindings if b.binding["type"] == "queue"]
    queues, new_queues = plan_queues(ctx.client, account_id, producers, config.queue_consumers)
    namespaces = plan_dispatch_namespaces(ctx.client, account_id, worker.bindings)
    resources = [*resources, *new_queues, *namespaces]
    extra = [*_decided(resources, worker), *_required_secrets(worker, service)]
    migrations = (
        pending_migrations(config.migrations, service.migration_tag if service else None)
        if config.migrations
        else None
    )
    metadata = build_metadata(worker, upload, bindings(worker, upload, extra), migrations)
    workers_dev = worker.workers_dev
    if workers_dev is None:
        workers_dev = not worker.routes and not worker.custom_domains
    gradual = worker.deploy and worker.rollout_percentage < 100
    return WorkerPlan(
        worker=worker,
        account_id=account_id,
        zone=zone,
        upload=upload,
        metadata=metadata,
        route_zones=route_zones,
        workers_dev=workers_dev,
        serving_version=_serving_version(ctx.client, path) if gradual else "",
        service=service,
        tags=_tags(worker, service) if worker.deploy else None,
        resources=tuple(resources),
        queues=queues,
        warnings=tuple(warnings),
    )


def _account(ctx: Context, worker: WorkerInputs) -> tuple[str, Zone | None, dict[str, Zone]]:
    """The account (the input, the config, else the zone's or a route zone's), the zone
    input and the routes' zones, read only as far as needed."""
    account_id = ctx.settings.account_id or worker.account_id
    zone = _zone(ctx, need_account=account_id is None)
    account_id = account_id or (zone.account_id if zone else None)
    route_zones = {spec.pattern: _route_zone(ctx, spec) for spec in worker.routes}
    if account_id is None:
        account_id = next((z.account_id for z in route_zones.values() if z.account_id), None)
    if account_id is None:
        raise InputError(
            "account_id",
            "is needed: the Worker's account is unknown.",
            "Set account_id (or account_id in the wrangler config), or give zone, whose "
            "account is used.",
        )
    return account_id, zone, route_zones


def _needs_service(worker: WorkerInputs) -> bool:
    config = worker.config
    return bool(config.migrations or config.required_secrets or config.has_environments)


def _service(client: Client, account_id: str, worker: WorkerInputs) -> Service:
    try:
        result = client.get(
            f"/accounts/{account_id}/workers/services/{worker.script_name}",
            permission=WORKERS_SCRIPTS_EDIT,
        )
    except NotFoundError:
        return Service(exists=False)
    script = (result.get("default_environment") or {}).get("script") or {}
    tags = script.get("tags") or []
    return Service(
        exists=True,
        migration_tag=script.get("migration_tag") or None,
        tags=tuple(str(t) for t in tags),
    )


def _decided(resources: list[Resource], worker: WorkerInputs) -> list[dict[str, Any]]:
    """Bindings replaced by what the plan decided: inherited ones, and D1 databases found
    by name (their ID filled in)."""
    written = {b.name: b.binding for b in worker.bindings}
    extra: list[dict[str, Any]] = []
    for resource in resources:
        if resource.action == "inherit":
            extra.append({"name": resource.binding, "type": "inherit"})
        elif resource.action == "found" and resource.kind == "d1":
            extra.append({**written[resource.binding], "id": resource.id})
    return extra


def _required_secrets(worker: WorkerInputs, service: Service | None) -> list[dict[str, Any]]:
    """``secrets.required`` not given as any binding: kept from the deployed Worker
    (``inherit``); a new Worker cannot inherit, so that stops the run."""
    named = {*worker.vars, *worker.secrets, *(b.name for b in worker.bindings)}
    missing = [name for name in worker.config.required_secrets if name not in named]
    if not missing:
        return []
    if service is not None and not service.exists:
        raise InputError(
            "secrets",
            f"does not give the required secrets {', '.join(missing)} (secrets.required in the "
            "config), and the Worker does not exist yet, so it has none to keep.",
            "Give them in secrets (KEY=value lines, from your repository secrets).",
        )
    return [{"name": name, "type": "inherit"} for name in missing]


def _tags(worker: WorkerInputs, service: Service | None) -> tuple[str, ...] | None:
    """The dashboard tags wrangler sets when the config has environments
    (``cf:service=<top-level name>``, ``cf:environment=<env>``); None when unchanged."""
    config = worker.config
    if not config.has_environments or service is None or not config.top_level_name:
        return None
    tags = [t for t in service.tags if not t.startswith((SERVICE_TAG, ENVIRONMENT_TAG))]
    tags.append(f"{SERVICE_TAG}{config.top_level_name}")
    if config.environment:
        tags.append(f"{ENVIRONMENT_TAG}{config.environment}")
    return tuple(tags) if tuple(tags) != service.tags else None


def _serving_version(client: Client, path: str) -> str:
    """The version the rollout keeps beside the new one (:func:`stable_version`)."""
    stable = stable_version(deployments(client, path))
    if stable is None:
        raise InputError(
            "rollout_percentage",
            "needs a version that serves now, and this Worker has none.",
            "Publish it once with rollout_percentage: 100.",
        )
    return stable


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
    zone = ctx.zones.find_for_host(host)
    if zone is None:
        raise ZoneError(
            f"routes: no zone these credentials can read matches '{host}'. The zone "
            f"must be on the Worker's account, and the token needs {ZONE_READ} for it."
        )
    return zone
