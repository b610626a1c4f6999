"""Publishing a Worker: the upload, its deployment, then its triggers.

Publishing is immediate (``PUT …/scripts/{name}``, which creates a version and deploys it)
or gradual: below 100 %, the new version is uploaded (``POST …/versions``) and deployed
beside the version that serves now (``POST …/deployments``), see
https://developers.cloudflare.com/workers/configuration/versions-and-deployments/gradual-deployments/.
Triggers follow: routes with one ``PUT …/scripts/{name}/routes`` (per-zone route calls when
the token may not set routes account-wide, as wrangler does), one ``PUT …/workers/domains``
per custom domain, and the workers.dev subdomain (the account's subdomain read once, the
script's switched on or off).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cfaction.errors import ActionError, CloudflareError, PermissionDeniedError
from cfaction.ops.base import Context
from cfaction.ops.worker.plan import WorkerPlan
from cfaction.ops.worker.upload import form
from cfaction.permissions import WORKERS_ROUTES_EDIT, WORKERS_SCRIPTS_EDIT


@dataclass
class Published:
    """What the API told us about the publish, as far as it got."""

    etag: str = ""
    version_id: str = ""
    deployment_id: str = ""
    url: str = ""
    routes: list[str] = field(default_factory=list)
    custom_domains: list[str] = field(default_factory=list)
    workers_dev: bool | None = None
    problem: ActionError | None = None
    """The failure that stopped the publish; what is above it was done."""


def apply(ctx: Context, plan: WorkerPlan) -> Published:
    published = Published()
    try:
        _publish(ctx, plan, published)
        _set_triggers(ctx, plan, published)
    except CloudflareError as error:
        published.problem = error
    return published


def _publish(ctx: Context, plan: WorkerPlan, published: Published) -> None:
    worker = plan.worker
    base = plan.script_path
    annotations = {"workers/message": worker.message} if worker.message else None
    if worker.rollout_percentage >= 100:
        result = _upload(ctx, "PUT", base, plan, plan.metadata)
        published.etag = str(result.get("etag") or "")
        published.version_id = str(result.get("deployment_id") or "")
        ctx.progress(
            f"Uploaded and deployed {worker.script_name} (version "
            f"{published.version_id or 'unknown'})."
        )
        if annotations and published.version_id:
            # The upload deploys without a message; a deployment of the same version
            # carries it (one extra call, only when message is given).
            deployment = _deploy(ctx, base, [(published.version_id, 100.0)], annotations)
            published.deployment_id = str(deployment.get("id") or "")
        return
    current = plan.serving_version
    version_metadata = {**plan.metadata, **({"annotations": annotations} if annotations else {})}
    result = _upload(ctx, "POST", f"{base}/versions", plan, version_metadata)
    published.version_id = str(result.get("id") or "")
    resources = result.get("resources") or {}
    published.etag = str((resources.get("script") or {}).get("etag") or "")
    share = worker.rollout_percentage
    deployment = _deploy(
        ctx, base, [(published.version_id, share), (current, 100.0 - share)], annotations
    )
    published.deployment_id = str(deployment.get("id") or "")
    ctx.progress(
        f"Deployed version {published.version_id} of {worker.script_name} to "
        f"{share:g} % beside version {current}."
    )


def _set_triggers(ctx: Context, plan: WorkerPlan, published: Published) -> None:
    worker = plan.worker
    if worker.routes:
        _set_routes(ctx, plan)
        published.routes = [spec.pattern for spec in worker.routes]
    for host, zone in plan.domain_zones.items():
        ctx.client.request(
            "PUT",
            f"/accounts/{plan.account_id}/workers/domains",
            json_body={
                "hostname": host,
                "service": worker.script_name,
                "zone_id": zone.id,
                "environment": "production",
            },
            permission=WORKERS_ROUTES_EDIT,
        )
        published.custom_domains.append(host)
    if plan.workers_dev:
        subdomain = ctx.client.get(
            f"/accounts/{plan.account_id}/workers/subdomain", permission=WORKERS_SCRIPTS_EDIT
        )
        name = subdomain.get("subdomain") if isinstance(subdomain, Mapping) else None
        if name:
            published.url = f"https://{worker.script_name}.{name}.workers.dev"
    ctx.client.request(
        "POST",
        f"{plan.script_path}/subdomain",
        json_body={"enabled": plan.workers_dev, "previews_enabled": False},
        idempotent=True,
        permission=WORKERS_SCRIPTS_EDIT,
    )
    published.workers_dev = plan.workers_dev


def _set_routes(ctx: Context, plan: WorkerPlan) -> None:
    worker = plan.worker
    body = [
        {"pattern": spec.pattern, "zone_id": plan.route_zones[spec.pattern].id}
        for spec in worker.routes
    ]
    try:
        ctx.client.request(
            "PUT", f"{plan.script_path}/routes", json_body=body, permission=WORKERS_ROUTES_EDIT
        )
        return
    except PermissionDeniedError:
        ctx.progress("The token may not set routes account-wide; setting them zone by zone.")
    by_zone: dict[str, list[str]] = {}
    for pattern, zone in plan.route_zones.items():
        by_zone.setdefault(zone.id, []).append(pattern)
    for zone_id, patterns in by_zone.items():
        _set_zone_routes(ctx, zone_id, patterns, worker.script_name)


def _set_zone_routes(ctx: Context, zone_id: str, patterns: list[str], script: str) -> None:
    path = f"/zones/{zone_id}/workers/routes"
    existing = {
        r.get("pattern"): r for r in ctx.client.get(path, permission=WORKERS_ROUTES_EDIT) or []
    }
    for pattern in patterns:
        route = existing.get(pattern)
        body = {"pattern": pattern, "script": script}
        if route is None:
            ctx.client.request("POST", path, json_body=body, permission=WORKERS_ROUTES_EDIT)
        elif route.get("script") != script:
            ctx.client.request(
                "PUT", f"{path}/{route['id']}", json_body=body, permission=WORKERS_ROUTES_EDIT
            )


def _upload(
    ctx: Context, method: str, path: str, plan: WorkerPlan, metadata: dict[str, Any]
) -> dict[str, Any]:
    envelope = ctx.client.request(
        method,
        path,
        files=form(plan.parts, metadata),
        idempotent=True,
        permission=WORKERS_SCRIPTS_EDIT,
    )
    return envelope.result if isinstance(envelope.result, dict) else {}


def _deploy(
    ctx: Context, base: str, versions: list[tuple[str, float]], annotations: dict[str, str] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "strategy": "percentage",
        "versions": [{"version_id": v, "percentage": round(p, 2)} for v, p in versions],
    }
    if annotations:
        body["annotations"] = annotations
    envelope = ctx.client.request(
        "POST", f"{base}/deployments", json_body=body, permission=WORKERS_SCRIPTS_EDIT
    )
    return envelope.result if isinstance(envelope.result, dict) else {}
