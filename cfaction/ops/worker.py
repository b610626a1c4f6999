"""``operation: worker``: upload a built Worker in one multipart request and publish it.

The form has a ``metadata`` part (main module or body part, compatibility date and flags,
bindings from vars, secrets and raw bindings, ``keep_bindings`` for secrets) and one part per
module, named by its path relative to the entry's folder, with the Content-Type that gives
its module type (cloudflare-api.md §5).

Publishing is immediate (``PUT …/scripts/{name}``, which creates a version and deploys it)
or gradual: below 100 %, the new version is uploaded (``POST …/versions``) and deployed
beside the version that serves now (``POST …/deployments``). Triggers follow: routes with
one ``PUT …/scripts/{name}/routes`` (per-zone route calls when the token may not set routes
account-wide, as wrangler does), one ``PUT …/workers/domains`` per custom domain, and the
workers.dev subdomain (the account's subdomain read once, the script's switched on or off).
Every zone is resolved once, before anything changes.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cfaction import markdown
from cfaction.errors import ActionError, NotFoundError, PermissionDeniedError, ZoneError
from cfaction.inputs.worker import CONTENT_TYPES, WorkerInputs, describe_value
from cfaction.inputs.worker_config import RouteSpec
from cfaction.ops.base import Context, Outcome
from cfaction.permissions import WORKERS_ROUTES_EDIT, WORKERS_SCRIPTS_EDIT
from cfaction.zones import Zone

MAX_RAW_BYTES = 64 * 1024 * 1024
MAX_GZIP_BYTES = 10 * 1024 * 1024
FREE_GZIP_BYTES = 3 * 1024 * 1024
KEEP_SECRET_TYPES = ["secret_text", "secret_key"]


@dataclass(frozen=True)
class Part:
    name: str
    content_type: str
    data: bytes


@dataclass
class Published:
    """What the API told us about the publish."""

    etag: str = ""
    version_id: str = ""
    deployment_id: str = ""
    url: str = ""
    routes: list[str] = field(default_factory=list)
    custom_domains: list[str] = field(default_factory=list)
    workers_dev: bool | None = None


def run(ctx: Context) -> Outcome:
    worker = ctx.settings.worker
    assert worker is not None
    account_id = ctx.settings.account_id or worker.account_id
    zone = _zone(ctx, need_account=account_id is None)
    account_id = account_id or (zone.account_id if zone else None)
    parts = read_parts(worker)
    check_sizes(ctx, parts)
    metadata = build_metadata(worker, parts)
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
        raise ActionError(
            "The Worker's account is unknown. Set account_id (or account_id in the wrangler "
            "config), or give zone, whose account is used.",
            title="Input account_id",
        )
    published = Published()
    if not ctx.settings.dry_run:
        publish(ctx, worker, account_id, parts, metadata, published)
        set_triggers(ctx, worker, account_id, route_zones, domain_zones, published)
    return _outcome(ctx, worker, zone, account_id, parts, metadata, route_zones, published)


def read_parts(worker: WorkerInputs) -> list[Part]:
    entry_type = CONTENT_TYPES.get(worker.entry.suffix, "application/javascript+module")
    if worker.format == "service-worker":
        entry_type = "application/javascript"
    parts = [Part(worker.part_name(worker.entry), entry_type, worker.entry.read_bytes())]
    for path in worker.modules:
        parts.append(Part(worker.part_name(path), CONTENT_TYPES[path.suffix], path.read_bytes()))
    return parts


def check_sizes(ctx: Context, parts: list[Part]) -> None:
    raw = sum(len(p.data) for p in parts)
    packed = sum(len(gzip.compress(p.data, compresslevel=6)) for p in parts)
    if raw > MAX_RAW_BYTES or packed > MAX_GZIP_BYTES:
        raise ActionError(
            f"The Worker is {raw / 1e6:.1f} MB ({packed / 1e6:.1f} MB gzipped); Cloudflare "
            "accepts at most 64 MB, and 10 MB gzipped on paid plans (3 MB on Free). Upload "
            "only what the Worker imports (modules), and minify the build.",
            title="Worker size",
        )
    if packed > FREE_GZIP_BYTES:
        ctx.reporter.warning(
            f"The Worker is {packed / 1e6:.1f} MB gzipped: above the Free plan's 3 MB limit "
            "(paid plans allow 10 MB).",
            title="Worker size",
        )


def build_metadata(worker: WorkerInputs, parts: list[Part]) -> dict[str, Any]:
    bindings: list[dict[str, Any]] = []
    for name, value in worker.vars.items():
        if isinstance(value, str):
            bindings.append({"type": "plain_text", "name": name, "text": value})
        else:
            bindings.append({"type": "json", "name": name, "json": value})
    for name, value in worker.secrets.items():
        bindings.append({"type": "secret_text", "name": name, "text": value})
    bindings.extend(dict(b) for b in worker.bindings)
    metadata: dict[str, Any] = {
        "compatibility_date": worker.compatibility_date,
        "compatibility_flags": list(worker.compatibility_flags),
        "bindings": bindings,
    }
    entry = parts[0].name
    if worker.format == "service-worker":
        metadata["body_part"] = entry
    else:
        metadata["main_module"] = entry
    if worker.keep_secrets:
        metadata["keep_bindings"] = KEEP_SECRET_TYPES
    return metadata


def publish(
    ctx: Context,
    worker: WorkerInputs,
    account_id: str,
    parts: list[Part],
    metadata: dict[str, Any],
    published: Published,
) -> None:
    base = f"/accounts/{account_id}/workers/scripts/{worker.script_name}"
    annotations = {"workers/message": worker.message} if worker.message else None
    if worker.rollout_percentage >= 100:
        result = _upload(ctx, "PUT", base, parts, metadata)
        published.etag = str(result.get("etag") or "")
        published.version_id = str(result.get("deployment_id") or "")
        ctx.reporter.log(
            f"Uploaded and deployed {worker.script_name} (version "
            f"{published.version_id or 'unknown'})."
        )
        if annotations and published.version_id:
            # The upload deploys without a message; a deployment of the same version
            # carries it (one extra call, only when message is given).
            deployment = _deploy(ctx, base, [(published.version_id, 100.0)], annotations)
            published.deployment_id = str(deployment.get("id") or "")
        return
    current = _current_version(ctx, base)
    version_metadata = {**metadata, **({"annotations": annotations} if annotations else {})}
    result = _upload(ctx, "POST", f"{base}/versions", parts, version_metadata)
    published.version_id = str(result.get("id") or "")
    resources = result.get("resources") or {}
    published.etag = str((resources.get("script") or {}).get("etag") or "")
    share = worker.rollout_percentage
    deployment = _deploy(
        ctx, base, [(published.version_id, share), (current, 100.0 - share)], annotations
    )
    published.deployment_id = str(deployment.get("id") or "")
    ctx.reporter.log(
        f"Deployed version {published.version_id} of {worker.script_name} to "
        f"{share:g} % beside version {current}."
    )


def set_triggers(
    ctx: Context,
    worker: WorkerInputs,
    account_id: str,
    route_zones: Mapping[str, Zone],
    domain_zones: Mapping[str, Zone],
    published: Published,
) -> None:
    base = f"/accounts/{account_id}/workers/scripts/{worker.script_name}"
    if worker.routes:
        _set_routes(ctx, worker, base, route_zones)
        published.routes = [spec.pattern for spec in worker.routes]
    for host, zone in domain_zones.items():
        ctx.client.request(
            "PUT",
            f"/accounts/{account_id}/workers/domains",
            json_body={
                "hostname": host,
                "service": worker.script_name,
                "zone_id": zone.id,
                "environment": "production",
            },
            permission=WORKERS_ROUTES_EDIT,
        )
        published.custom_domains.append(host)
    enable = worker.workers_dev
    if enable is None:  # as wrangler: on only when nothing else routes to the Worker
        enable = not worker.routes and not worker.custom_domains
    published.workers_dev = enable
    if enable:
        subdomain = ctx.client.get(
            f"/accounts/{account_id}/workers/subdomain", permission=WORKERS_SCRIPTS_EDIT
        )
        name = subdomain.get("subdomain") if isinstance(subdomain, Mapping) else None
        if name:
            published.url = f"https://{worker.script_name}.{name}.workers.dev"
    ctx.client.request(
        "POST",
        f"{base}/subdomain",
        json_body={"enabled": enable, "previews_enabled": False},
        idempotent=True,
        permission=WORKERS_SCRIPTS_EDIT,
    )


def _set_routes(
    ctx: Context, worker: WorkerInputs, base: str, route_zones: Mapping[str, Zone]
) -> None:
    body = [
        {"pattern": spec.pattern, "zone_id": route_zones[spec.pattern].id} for spec in worker.routes
    ]
    try:
        ctx.client.request("PUT", f"{base}/routes", json_body=body, permission=WORKERS_ROUTES_EDIT)
        return
    except PermissionDeniedError:
        ctx.reporter.log("The token may not set routes account-wide; setting them zone by zone.")
    by_zone: dict[str, list[str]] = {}
    for pattern, zone in route_zones.items():
        by_zone.setdefault(zone.id, []).append(pattern)
    for zone_id, patterns in by_zone.items():
        path = f"/zones/{zone_id}/workers/routes"
        existing = {
            r.get("pattern"): r for r in ctx.client.get(path, permission=WORKERS_ROUTES_EDIT) or []
        }
        for pattern in patterns:
            route = existing.get(pattern)
            if route is None:
                ctx.client.request(
                    "POST",
                    path,
                    json_body={"pattern": pattern, "script": worker.script_name},
                    permission=WORKERS_ROUTES_EDIT,
                )
            elif route.get("script") != worker.script_name:
                ctx.client.request(
                    "PUT",
                    f"{path}/{route['id']}",
                    json_body={"pattern": pattern, "script": worker.script_name},
                    permission=WORKERS_ROUTES_EDIT,
                )


def _upload(
    ctx: Context, method: str, path: str, parts: list[Part], metadata: dict[str, Any]
) -> dict[str, Any]:
    files: list[tuple[str, tuple[str | None, bytes | str, str]]] = [
        ("metadata", (None, json.dumps(metadata), "application/json"))
    ]
    files += [(p.name, (p.name, p.data, p.content_type)) for p in parts]
    envelope = ctx.client.request(
        method, path, files=files, idempotent=True, permission=WORKERS_SCRIPTS_EDIT
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


def _current_version(ctx: Context, base: str) -> str:
    try:
        result = ctx.client.get(f"{base}/deployments", permission=WORKERS_SCRIPTS_EDIT)
    except NotFoundError:
        result = None
    deployments = (result or {}).get("deployments") if isinstance(result, Mapping) else None
    if not deployments:
        raise ActionError(
            "A gradual rollout needs a version that serves now, and this Worker has none. "
            "Publish it once with rollout_percentage: 100.",
            title="Input rollout_percentage",
        )
    versions = deployments[0].get("versions") or []
    best = max(versions, key=lambda v: float(v.get("percentage") or 0))
    return str(best["version_id"])


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
            "must be on the Worker's account, and the token needs Zone → Zone → Read for it."
        )
    return zone


def _outcome(
    ctx: Context,
    worker: WorkerInputs,
    zone: Zone | None,
    account_id: str,
    parts: list[Part],
    metadata: dict[str, Any],
    route_zones: Mapping[str, Zone],
    published: Published,
) -> Outcome:
    dry_run = ctx.settings.dry_run
    for key in worker.unsupported:
        ctx.reporter.warning(
            f"{worker.config_path}: '{key}' is not applied by cfaction.", title="Worker config"
        )
    sections = [
        markdown.table(
            ("Module", "Type", "Size"),
            [(markdown.code(p.name), p.content_type, f"{len(p.data):,} B") for p in parts],
        ),
        markdown.table(
            ("Binding", "Type", "Value"),
            [
                (markdown.code(b["name"]), b["type"], _binding_value(b, worker))
                for b in metadata["bindings"]
            ],
        )
        if metadata["bindings"]
        else "No bindings.",
        _triggers(worker, published, dry_run),
    ]
    if worker.unsupported:
        sections.append(
            "Config keys not applied: " + ", ".join(markdown.code(k) for k in worker.unsupported)
        )
    heading = f"worker · {worker.script_name}" + (" (dry run)" if dry_run else "")
    rollout = (
        f"{worker.rollout_percentage:g} % of traffic (gradual rollout)"
        if worker.rollout_percentage < 100
        else "100 % of traffic"
    )
    summary = (
        f"Compatibility date {worker.compatibility_date}; "
        f"{'would be published' if dry_run else 'published'} to {rollout}."
    )
    return Outcome(
        heading=heading,
        markdown="\n\n".join([summary, *sections]),
        outputs={
            "script_name": worker.script_name,
            "etag": published.etag,
            "version_id": published.version_id,
            "deployment_id": published.deployment_id,
            "url": published.url,
            "routes": published.routes if not dry_run else [s.pattern for s in worker.routes],
            "custom_domains": published.custom_domains
            if not dry_run
            else list(worker.custom_domains),
        },
        result={
            "script_name": worker.script_name,
            "account_id": account_id,
            "modules": [
                {"name": p.name, "type": p.content_type, "size": len(p.data)} for p in parts
            ],
            "bindings": [{"name": b["name"], "type": b["type"]} for b in metadata["bindings"]],
            "rollout_percentage": worker.rollout_percentage,
            "version_id": published.version_id,
            "deployment_id": published.deployment_id,
            "workers_dev": published.workers_dev,
            "route_zones": {p: z.id for p, z in route_zones.items()},
        },
        zone=zone,
        account_id=account_id,
    )


def _binding_value(binding: Mapping[str, Any], worker: WorkerInputs) -> str:
    kind = binding["type"]
    if kind in ("secret_text", "secret_key"):
        return "(secret)"
    if kind == "plain_text":
        return markdown.code(describe_value(binding.get("text", "")))
    if kind == "json":
        return markdown.code(describe_value(binding.get("json")))
    details = {k: v for k, v in binding.items() if k not in ("type", "name")}
    return markdown.cell(", ".join(f"{k}={v}" for k, v in details.items()))


def _triggers(worker: WorkerInputs, published: Published, dry_run: bool) -> str:
    rows = [("route", markdown.code(spec.pattern)) for spec in worker.routes]
    rows += [("custom domain", markdown.code(host)) for host in worker.custom_domains]
    if published.url:
        rows.append(("workers.dev", published.url))
    elif published.workers_dev is False:
        rows.append(("workers.dev", "disabled"))
    elif dry_run:
        enable = worker.workers_dev
        if enable is None:
            enable = not worker.routes and not worker.custom_domains
        rows.append(("workers.dev", "would be enabled" if enable else "would be disabled"))
    return markdown.table(("Trigger", "Value"), rows) if rows else "No triggers."
