"""Publishing a Worker: the resources it needs, the upload and its deployment, its dashboard
tags, then its triggers (:mod:`cfaction.ops.worker.triggers`).

Publishing is immediate (``PUT …/scripts/{name}``, which creates a version and deploys it)
or gradual: below 100 %, the new version is uploaded (``POST …/versions``) and deployed
beside the version that serves now (``POST …/deployments``), see
https://developers.cloudflare.com/workers/configuration/versions-and-deployments/gradual-deployments/.
A failure stops what follows it; the result says how far it got, so the summary can say what
is live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cfaction.errors import ActionError, CloudflareError
from cfaction.ops.base import Context
from cfaction.ops.worker.plan import WorkerPlan
from cfaction.ops.worker.provision import NAMED_ONLY, Resource, create
from cfaction.ops.worker.triggers import TriggerResults, set_triggers
from cfaction.ops.worker.upload import form
from cfaction.permissions import WORKERS_SCRIPTS_EDIT


@dataclass
class Published:
    """What the API told us about the publish, as far as it got."""

    etag: str = ""
    version_id: str = ""
    deployment_id: str = ""
    created: list[Resource] = field(default_factory=list)
    triggers: TriggerResults = field(default_factory=TriggerResults)
    uploaded: bool = False
    problem: ActionError | None = None
    """The failure that stopped the publish (the upload or what came before it)."""
    warnings: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.triggers.url


def apply(ctx: Context, plan: WorkerPlan) -> Published:
    published = Published()
    try:
        created = _create_resources(ctx, plan, published)
        _publish(ctx, plan, plan.metadata_with(created), published)
    except CloudflareError as error:
        published.problem = error
        return published
    published.uploaded = True
    _set_tags(ctx, plan, published)
    queue_ids = {r.name: r.id for r in published.created if r.kind == "queue"}
    published.triggers = set_triggers(ctx, plan, queue_ids)
    return published


def _create_resources(ctx: Context, plan: WorkerPlan, published: Published) -> dict[str, str]:
    """Create what the plan found missing; returns binding name -> the binding field's value."""
    values: dict[str, str] = {}
    for resource in plan.resources:
        if resource.action != "create":
            continue
        value, resource_id = create(ctx.client, plan.account_id, resource)
        ctx.progress(f"Created {resource.describe()}.")
        published.created.append(
            Resource(
                resource.kind,
                resource.binding,
                resource.name,
                "create",
                resource.field,
                resource_id,
            )
        )
        if resource.kind not in NAMED_ONLY:
            values[resource.binding] = value
    return values


def _publish(
    ctx: Context, plan: WorkerPlan, metadata: dict[str, Any], published: Published
) -> None:
    worker = plan.worker
    base = plan.script_path
    annotations = {"workers/message": worker.message} if worker.message else None
    if worker.rollout_percentage >= 100:
        result = _upload(ctx, "PUT", base, plan, metadata)
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
    result = _upload(ctx, "POST", f"{base}/versions", plan, metadata)
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


def _set_tags(ctx: Context, plan: WorkerPlan, published: Published) -> None:
    """The dashboard's service and environment tags; a failure only warns, as in wrangler."""
    if plan.tags is None:
        return
    try:
        ctx.client.request(
            "PATCH",
            f"{plan.script_path}/script-settings",
            json_body={"tags": list(plan.tags)},
            idempotent=True,
            permission=WORKERS_SCRIPTS_EDIT,
        )
    except CloudflareError as error:
        published.warnings.append(
            f"Could not apply the service and environment tags ({error.message}); the Worker "
            "is deployed, but the dashboard does not group it with its environments."
        )


def _upload(
    ctx: Context, method: str, path: str, plan: WorkerPlan, metadata: dict[str, Any]
) -> dict[str, Any]:
    envelope = ctx.client.request(
        method,
        path,
        files=form(plan.upload, metadata),
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
