"""Publishing a Worker: the resources it needs, the upload and its deployment, its dashboard
tags, then its triggers (:mod:`cfaction.ops.worker.triggers`).

Publishing is immediate (``PUT …/scripts/{name}``, which creates a version and deploys it)
or gradual: below 100 %, the new version is uploaded (``POST …/versions``) and deployed
beside the version that serves now (``POST …/deployments``), see
https://developers.cloudflare.com/workers/configuration/versions-and-deployments/gradual-deployments/.
A failure stops what follows it; the result says how far it got, so the summary can say what
is live.

Neither the upload nor a deployment is safe to send twice (each makes a new version or a new
entry of the history), so each goes through :meth:`cfaction.client.Client.write`: when its
answer is lost, the newest versions (or deployments) are read first, and the one made since
the request went out is taken instead of sending it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cfaction.client import created_at
from cfaction.errors import ActionError, CloudflareError, InputError, NotFoundError
from cfaction.ops.base import Context
from cfaction.ops.worker.assets.sync import AssetsUploaded, AssetsUploadError, sync_assets
from cfaction.ops.worker.plan import WorkerPlan
from cfaction.ops.worker.provision import NAMED_ONLY, Resource, create
from cfaction.ops.worker.triggers import TriggerResults, account_subdomain, set_triggers
from cfaction.ops.worker.upload import form
from cfaction.ops.worker.versions import (
    Released,
    ReleasePlan,
    apply_release,
    deployments,
    post_deployment,
)
from cfaction.permissions import WORKERS_SCRIPTS_EDIT


@dataclass
class Published:
    """What the API told us about the publish, as far as it got."""

    etag: str = ""
    version_id: str = ""
    deployment_id: str = ""
    created: list[Resource] = field(default_factory=list)
    assets: AssetsUploaded | None = None
    """What the assets upload did (before the Worker upload)."""
    triggers: TriggerResults = field(default_factory=TriggerResults)
    preview_url: str = ""
    preview_alias_url: str = ""
    previous_version_id: str = ""
    uploaded: bool = False
    problem: ActionError | None = None
    """The failure that stopped the publish (the upload or what came before it)."""
    unfinished: list[tuple[str, CloudflareError]] = field(default_factory=list)
    """What failed after the upload without stopping the publish, and why: the deployment
    carrying ``message`` after an upload that deployed at once (the version is live without
    it), the read of the preview URLs of a version (it is uploaded)."""
    warnings: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.triggers.url


def apply(ctx: Context, plan: WorkerPlan | ReleasePlan) -> Published | Released:
    if isinstance(plan, ReleasePlan):
        return apply_release(ctx, plan)
    return publish(ctx, plan)


def publish(ctx: Context, plan: WorkerPlan) -> Published:
    published = Published()
    try:
        created = _create_resources(ctx, plan, published)
        metadata = plan.metadata_with(created)
        _upload_assets(ctx, plan, metadata, published)
        _publish(ctx, plan, metadata, published)
    except (CloudflareError, AssetsUploadError) as error:
        published.problem = error
        return published
    published.uploaded = True
    if not plan.worker.deploy:
        return published  # a version only: no tags, no triggers (versions upload)
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


def _upload_assets(
    ctx: Context, plan: WorkerPlan, metadata: dict[str, Any], published: Published
) -> None:
    """Upload the assets the account lacks; the completion token goes into the metadata.
    Before the Worker upload, so a live Worker never points at assets that are missing."""
    manifest = plan.upload.assets
    if manifest is None:
        return
    uploaded = sync_assets(
        ctx.client, plan.account_id, plan.worker.script_name, manifest, ctx.progress
    )
    published.assets = uploaded
    metadata["assets"] = {**metadata["assets"], "jwt": uploaded.jwt}


def _publish(
    ctx: Context, plan: WorkerPlan, metadata: dict[str, Any], published: Published
) -> None:
    worker = plan.worker
    base = plan.script_path
    annotations = {"workers/message": worker.message} if worker.message else None
    if not worker.deploy:
        _upload_version(ctx, plan, metadata, published)
        return
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
            # carries it (one extra call, only when message is given). The version is live
            # either way, so a failure here does not stop the triggers.
            try:
                _deploy(ctx, base, [(published.version_id, 100.0)], annotations)
            except CloudflareError as error:
                published.unfinished.append(("attaching the deployment message", error))
        _read_deployment(ctx, plan, published)
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
    published.previous_version_id = current
    ctx.progress(
        f"Deployed version {published.version_id} of {worker.script_name} to "
        f"{share:g} % beside version {current}."
    )


def _read_deployment(ctx: Context, plan: WorkerPlan, published: Published) -> None:
    """After an upload that deploys at once: the deployment it made (the upload's answer
    names only the version) and the version it replaced, from one read of the deployments.
    A failure to read only leaves them empty: the Worker is deployed either way."""
    try:
        history = deployments(ctx.client, plan.script_path)
    except CloudflareError as error:
        published.warnings.append(
            f"Could not read the deployment the upload made ({error.message}); deployment_id "
            "and previous_version_id are empty."
        )
        return
    ours = [d for d in history if any(v == published.version_id for v, _ in d.versions)]
    if ours:
        published.deployment_id = ours[0].id
    earlier = next(
        (
            d
            for d in history
            if d.full_version is not None and d.full_version != published.version_id
        ),
        None,
    )
    published.previous_version_id = (earlier.full_version or "") if earlier else ""


def _upload_version(
    ctx: Context, plan: WorkerPlan, metadata: dict[str, Any], published: Published
) -> None:
    """``deploy: false``: a new version, not deployed; its preview URLs when it has one."""
    worker = plan.worker
    try:
        result = _upload(ctx, "POST", f"{plan.script_path}/versions", plan, metadata)
    except NotFoundError as error:
        raise InputError(
            "deploy",
            f"false uploads a version of {worker.script_name}, which does not exist yet "
            f"({error.message}).",
            "Deploy it once (deploy: true), then upload versions for previews.",
        ) from None
    published.version_id = str(result.get("id") or "")
    resources = result.get("resources") or {}
    published.etag = str((resources.get("script") or {}).get("etag") or "")
    ctx.progress(f"Uploaded version {published.version_id} of {worker.script_name} (not deployed).")
    has_preview = bool((result.get("metadata") or {}).get("has_preview"))
    if not has_preview or not published.version_id:
        return
    try:
        subdomain = account_subdomain(ctx.client, plan.account_id)
    except CloudflareError as error:
        published.unfinished.append(("reading the preview URLs", error))
        return
    if not subdomain:
        return
    host = f"{worker.script_name}.{subdomain}.workers.dev"
    published.preview_url = f"https://{published.version_id[:8]}-{host}"
    if worker.preview_alias:
        published.preview_alias_url = f"https://{worker.preview_alias}-{host}"


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
    # bindings_inherit=strict: an inherited binding that is gone fails the upload (10057)
    # instead of going up without it; excludeScript keeps the script out of the answer.
    params = {"bindings_inherit": "strict"}
    if method == "PUT":
        params["excludeScript"] = "true"
    envelope = ctx.client.write(
        method,
        path,
        params=params,
        files=form(plan.upload, metadata),
        permission=WORKERS_SCRIPTS_EDIT,
        check=lambda since: _uploaded(ctx, plan, method, metadata, since),
    )
    return envelope.result if isinstance(envelope.result, dict) else {}


def _uploaded(
    ctx: Context, plan: WorkerPlan, method: str, metadata: Mapping[str, Any], since: float
) -> dict[str, Any] | None:
    """After the upload's answer was lost: the version it made, or None. That is the newest
    version made at or after ``since`` (by Cloudflare's clock) carrying the upload's message
    (a version upload keeps its annotations; a script upload keeps none), read from
    ``GET …/versions?deployable=true`` (the newest versions in full, annotations and etag
    included, as wrangler's ``fetchDeployableVersions`` reads them:
    https://github.com/cloudflare/workers-sdk/blob/main/packages/wrangler/src/versions/api.ts).
    A Worker that does not exist yet was not uploaded. Returns what the upload's answer
    would have said: for ``PUT``, ``etag`` and ``deployment_id`` (the version's ID); for a
    version upload, the version."""
    try:
        result = ctx.client.get(
            f"{plan.script_path}/versions",
            params={"deployable": "true"},
            permission=WORKERS_SCRIPTS_EDIT,
        )
    except NotFoundError:
        return None
    rows = result.get("items") if isinstance(result, Mapping) else None
    message = ""
    if method == "POST":
        message = str((metadata.get("annotations") or {}).get("workers/message") or "")
    made = [
        (when, row)
        for row in rows or []
        if isinstance(row, Mapping)
        and (when := created_at((row.get("metadata") or {}).get("created_on"))) is not None
        and when >= since
    ]
    for _, row in sorted(made, key=lambda item: item[0], reverse=True):
        kept = str((row.get("annotations") or {}).get("workers/message") or "")
        if message and not (kept and message.startswith(kept)):
            continue
        if method == "PUT":
            script = (row.get("resources") or {}).get("script") or {}
            return {"etag": script.get("etag") or "", "deployment_id": str(row.get("id") or "")}
        return dict(row)
    return None


def _deploy(
    ctx: Context, base: str, versions: list[tuple[str, float]], annotations: dict[str, str] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "strategy": "percentage",
        "versions": [{"version_id": v, "percentage": round(p, 2)} for v, p in versions],
    }
    if annotations:
        body["annotations"] = annotations
    return post_deployment(ctx.client, f"{base}/deployments", body)
