"""Workers script endpoints: upload, versions, deployments, secrets, settings, workers.dev.

Paths are under ``/accounts/{account_id}/workers``. Every endpoint checks, in order: the
account exists (else 404 7003/7000), the caller reaches the account and holds
"workers_scripts:edit" (GETs also accept "workers_scripts:read"; else 403 10000
"Authentication error"), then the script exists (else 404 10007 "This Worker does not
exist on your account.").

* ``PUT /scripts/{name}`` (query ``excludeScript``, ``bindings_inherit``): multipart upload
  (see workers.parse_upload) that creates a version and a 100% deployment of it. Name
  not matching ``^[a-z0-9_][a-z0-9-_]*$`` is 400 10016; validation failures 400 10021;
  too large 400 10027; an ``inherit`` binding with nothing to inherit and
  ``bindings_inherit=strict`` 400 10057; bindings naming resources the account lacks,
  Durable Object migrations and classes, tail consumers: upload_checks.py and
  durable_objects.py (10042, 10181, 10085, 10079, 10074, 10061, 10021); static assets
  (``metadata.assets`` {jwt: completion token, config}, ``keep_assets``, the ``assets``
  binding; without a main module an assets-only Worker): assets.py (10021). ``GET`` answers
  the deployed version's modules as multipart/form-data, ``DELETE`` removes the script
  (and its routes and domains). ``GET /scripts`` lists scripts.
* ``GET /services/{name}``: the service view wrangler reads (``default_environment.script
  .tag``/``.etag``/``.migration_tag``, None until a migration ran).
* ``POST /scripts/{name}/versions`` (multipart as upload; no deployment; a service-worker
  ``body_part`` upload is 400 10021, as versions need ES modules, our choice of code),
  ``GET .../versions`` ({items: [newest first]}, paged by page/per_page; ``deployable=true``
  answers the 100 newest, unpaged), ``GET .../versions/{version_id}`` (unknown: 404
  10007-style "Version not found", code 10230, our choice). A version answers ``metadata``
  {created_on, modified_on, source, author_id, author_email, has_preview, hasPreview} (both
  spellings: wrangler reads ``has_preview``, the OpenAPI schema names ``hasPreview``), its
  ``annotations``, ``resources`` {script, script_runtime, bindings} and startup_time_ms.
  ``has_preview``: workers.version_can_preview. The ``workers/alias`` annotation gives the
  version a preview alias (workers.check_alias, 400 10021; an alias on another version
  moves here); ``workers/message`` is truncated to 1000 bytes. A version's ``migrations``
  are checked at upload and applied when a deployment first includes the version, checked
  again then (our choice: the API docs say versions drop migrations, while wrangler sends
  pending ones on this path; applying at deploy keeps the script's tag and classes those
  of the code that runs). Its script-level settings (SCRIPT_SETTINGS, e.g. tail_consumers)
  also take effect at that deployment.
* ``GET/POST /scripts/{name}/deployments``: POST {strategy "percentage", versions 1 or 2
  with percentages 0.01..100 summing to 100 and existing ids among the 100 newest,
  annotations? (``workers/message`` truncated to 100 bytes)}; errors 400 10021 (real code;
  the texts are ours). A version not in the current deployment that is older than its
  newest version and whose secrets differ from that one's is refused with 400 10220 "A
  secret has changed since this version was active. ... The following secrets have
  changed: A, B" (real code and text, as wrangler's rollback parses it) unless
  ``?force=true``; its bindings must still name resources the account has (KV, D1, R2,
  queues, dispatch namespaces: upload_checks.check_resources and its codes, as the rollback
  docs require of KV, R2 and queues). GET answers
  {deployments: [newest first]}.
* ``GET/PUT /scripts/{name}/secrets``, ``GET/DELETE .../secrets/{secret}``,
  ``PATCH .../secrets-bulk``: every change makes a new version and a 100% deployment; 400
  10215 (real) while the latest deployment holds 2 versions or while the latest version is
  not the one deployed ("the latest version of your Worker isn't currently deployed",
  wrangler's secret/index.ts). Values are never returned. An unknown secret name
  (GET/DELETE) is 404 10056 "Secret X not found." (our choice).
* ``PATCH /workers/workers/{name or tag}/versions/latest`` (JSON merge patch, as ``wrangler
  versions secret put/bulk/delete`` send it): {env: {name: binding | null}, annotations?}
  makes a new version from the latest one (code, settings and other bindings kept), not
  deployed, allowed at any time; a null removes the binding. No version yet: 404 10222
  (real); other top-level keys are 400 10021 (our choice: only env and annotations are
  emulated). Answers the new version in the Workers API shape {id, number, created_on,
  annotations, bindings, compatibility_date, compatibility_flags, main_module, source}.
* Settings: script-level ones (workers.SCRIPT_SETTINGS: logpush, observability, tags,
  tail_consumers, streaming_tail_consumers) live on the script; version-level ones
  (workers.VERSION_SETTINGS: placement, limits) are read from the deployed version.
  ``GET/PATCH /scripts/{name}/settings`` (PATCH: JSON or a multipart ``settings`` part;
  with ``bindings``, ``placement`` or ``limits`` it makes a new version deployed at 100%,
  ``inherit`` bindings resolved) answers both kinds plus compatibility and bindings;
  ``GET/PATCH .../script-settings`` the script-level ones. Shapes as workers.py checks
  them (400 10021); tail consumers must name scripts of the account (400 10021).
* ``GET/PUT /subdomain`` (account workers.dev name; unset: 404 10007; PUT of a name another
  account holds: 409 10036, our choice), ``GET/POST/DELETE
  /scripts/{name}/subdomain`` ({enabled, previews_enabled}); a POST without
  ``previews_enabled`` sets previews to ``enabled`` (our choice, the default of
  Cloudflare-Workers-Script-Api-Date 2025-08-01 that wrangler sends).
* ``GET/PUT /scripts/{name}/schedules`` (cron triggers; PUT [{cron}] replaces, [] clears;
  an expression that is not 5 fields of cron syntax, see crons.py, is 400 10021, our
  choice); answers {schedules: [{cron, created_on, modified_on}]}.
* ``GET /memberships`` (user tokens): the accounts, for clients that look them up.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any, Final

from .. import errors
from ..app import Response, ok
from ..assets import VersionAssets, check_assets_bindings, resolve_version_assets
from ..crons import cron_problem
from ..errors import ReplyError
from ..model import Account, new_id, timestamp
from ..paging import paginate, parse_page_request
from ..permissions import WORKERS_SCRIPTS_EDIT
from ..routing import ID_PATTERN, RequestContext, Router
from ..state import State
from ..upload_checks import (
    apply_migration,
    check_bindings,
    check_resources,
    check_tail_consumers,
    check_upload,
)
from ..workers import (
    DEPLOYMENT_MESSAGE_BYTES,
    SCRIPT_SETTINGS,
    SECRET_TYPES,
    VERSION_MESSAGE_BYTES,
    VERSION_SETTINGS,
    Deployment,
    Upload,
    WorkerScript,
    WorkerVersion,
    changed_secrets,
    check_alias,
    check_script_name,
    check_settings,
    clean_annotations,
    merge_kept_bindings,
    new_version_id,
    parse_upload,
    public_binding,
    script_not_found,
    split_multipart,
    validate_bindings,
    validation_error,
    version_can_preview,
)

__all__ = [
    "WORKERS_SCRIPTS_READ",
    "account_for",
    "register",
    "script_json",
    "store_upload",
]

WORKERS_SCRIPTS_READ: Final = "workers_scripts:read"
ACCOUNT: Final = rf"/accounts/(?P<account_id>{ID_PATTERN})"
SCRIPT: Final = rf"{ACCOUNT}/workers/scripts/(?P<name>[^/]+)"


def register(router: Router) -> None:
    router.add("GET", r"/memberships", list_memberships)
    router.add("GET", rf"{ACCOUNT}/workers/subdomain", get_account_subdomain)
    router.add("PUT", rf"{ACCOUNT}/workers/subdomain", put_account_subdomain)
    router.add("GET", rf"{ACCOUNT}/workers/scripts", list_scripts)
    router.add("GET", rf"{ACCOUNT}/workers/services/(?P<name>[^/]+)", get_service)
    router.add("PUT", SCRIPT, upload_script)
    router.add("GET", SCRIPT, get_script_content)
    router.add("DELETE", SCRIPT, delete_script)
    router.add("POST", rf"{SCRIPT}/versions", upload_version)
    router.add("GET", rf"{SCRIPT}/versions", list_versions)
    router.add("GET", rf"{SCRIPT}/versions/(?P<version_id>[^/]+)", get_version)
    router.add("GET", rf"{SCRIPT}/deployments", list_deployments)
    router.add("POST", rf"{SCRIPT}/deployments", create_deployment)
    router.add("GET", rf"{SCRIPT}/secrets", list_secrets)
    router.add("PUT", rf"{SCRIPT}/secrets", put_secret)
    router.add("GET", rf"{SCRIPT}/secrets/(?P<secret>[^/]+)", get_secret)
    router.add("DELETE", rf"{SCRIPT}/secrets/(?P<secret>[^/]+)", delete_secret)
    router.add("PATCH", rf"{SCRIPT}/secrets-bulk", bulk_secrets)
    router.add("PATCH", rf"{ACCOUNT}/workers/workers/(?P<name>[^/]+)/versions/latest", patch_latest)
    router.add("GET", rf"{SCRIPT}/settings", get_settings)
    router.add("PATCH", rf"{SCRIPT}/settings", patch_settings)
    router.add("GET", rf"{SCRIPT}/script-settings", get_script_settings)
    router.add("PATCH", rf"{SCRIPT}/script-settings", patch_script_settings)
    router.add("GET", rf"{SCRIPT}/subdomain", get_script_subdomain)
    router.add("POST", rf"{SCRIPT}/subdomain", post_script_subdomain)
    router.add("DELETE", rf"{SCRIPT}/subdomain", delete_script_subdomain)
    router.add("GET", rf"{SCRIPT}/schedules", get_schedules)
    router.add("PUT", rf"{SCRIPT}/schedules", put_schedules)


# --- lookups --------------------------------------------------------------------------


def account_for(ctx: RequestContext, permission: str, *alternatives: str) -> Account:
    """The path's account, after the scope and permission checks (403 10000)."""
    account_id = ctx.params["account_id"]
    account = ctx.state.accounts.get(account_id)
    if account is None:
        raise errors.object_not_found(ctx.request.full_path)
    principal = ctx.principal
    held = any(principal.has(p) for p in (permission, *alternatives))
    if not principal.can_access_account(account_id) or not held:
        raise errors.authentication_error()
    return account


def _account(ctx: RequestContext, write: bool = True) -> Account:
    if write:
        return account_for(ctx, WORKERS_SCRIPTS_EDIT)
    return account_for(ctx, WORKERS_SCRIPTS_EDIT, WORKERS_SCRIPTS_READ)


def _name(ctx: RequestContext) -> str:
    return urllib.parse.unquote(ctx.params["name"])


def _script(ctx: RequestContext, write: bool = True) -> WorkerScript:
    account = _account(ctx, write)
    script = ctx.state.workers.get((account.id, _name(ctx)))
    if script is None:
        raise script_not_found()
    return script


def _json_object(ctx: RequestContext) -> dict[str, Any]:
    data = ctx.request.json()
    if not isinstance(data, dict):
        raise validation_error("Request body must be a JSON object.")
    return data


# --- upload ---------------------------------------------------------------------------


def _parse(ctx: RequestContext, version_upload: bool) -> Upload:
    state = ctx.state
    return parse_upload(
        ctx.request.body,
        ctx.request.header("Content-Type") or "",
        max_gzip_bytes=state.workers_max_gzip_bytes,
        max_raw_bytes=state.workers_max_raw_bytes,
        version_upload=version_upload,
    )


def _resolve_bindings(
    bindings: list[dict[str, Any]], previous: WorkerVersion | None, strict: bool
) -> list[dict[str, Any]]:
    """Replace ``inherit`` bindings with the previous version's binding of that name."""
    old = {} if previous is None else {b["name"]: b for b in previous.bindings}
    resolved: list[dict[str, Any]] = []
    for binding in bindings:
        if binding.get("type") != "inherit":
            resolved.append(dict(binding))
            continue
        source = old.get(binding.get("old_name") or binding["name"])
        if source is None:
            if strict:
                raise ReplyError.single(
                    400,
                    10057,
                    f"Binding {binding['name']} of type inherit could not be resolved: "
                    "the previous version has no binding of that name.",
                )
            continue
        resolved.append({**source, "name": binding["name"]})
    return resolved


def _new_version(
    script: WorkerScript,
    metadata: dict[str, Any],
    modules: list[Any],
    main_module: str | None,
    body_part: str | None,
    etag: str,
    strict_inherit: bool,
    annotations: dict[str, Any] | None = None,
    boot_check: Callable[[WorkerVersion], str | None] | None = None,
    assets: VersionAssets | None = None,
) -> WorkerVersion:
    """A new version of ``script`` (not deployed). ``boot_check``: see State.boot_check."""
    previous = script.latest_version()
    bindings = _resolve_bindings(list(metadata.get("bindings", [])), previous, strict_inherit)
    bindings = merge_kept_bindings(bindings, metadata.get("keep_bindings"), previous)
    version = WorkerVersion(
        id=new_version_id(),
        number=len(script.versions) + 1,
        created_on=timestamp(),
        metadata=metadata,
        modules=list(modules),
        bindings=bindings,
        compatibility_date=str(metadata.get("compatibility_date") or "2021-11-02"),
        compatibility_flags=list(metadata.get("compatibility_flags", [])),
        main_module=main_module,
        body_part=body_part,
        annotations=dict(annotations if annotations is not None else {}),
        etag=etag,
        settings_applied=False,
    )
    version.assets = assets
    version.has_preview = version_can_preview(version, script)
    # An assets-only version has no code to start.
    failure = boot_check(version) if boot_check is not None and version.entry else None
    if failure is not None:
        raise validation_error(failure)
    script.versions.append(version)
    script.modified_on = version.created_on
    return version


def _take_settings(script: WorkerScript, version: WorkerVersion) -> None:
    """Apply, once, the script-level settings the version's own metadata carries."""
    if version.settings_applied:
        return
    for key in SCRIPT_SETTINGS:
        if key in version.metadata:
            script.settings[key] = version.metadata[key]
    version.settings_applied = True


def _deploy(
    script: WorkerScript,
    versions: list[dict[str, Any]],
    annotations: dict[str, Any] | None = None,
    source: str = "api",
) -> Deployment:
    deployment = Deployment(
        id=new_version_id(),
        created_on=timestamp(),
        versions=versions,
        annotations=dict(annotations or {}),
        source=source,
    )
    script.deployments.append(deployment)
    script.modified_on = deployment.created_on
    deployed = script.deployed_version()
    if deployed is not None:
        _take_settings(script, deployed)
    return deployment


def _get_or_create(state: State, account_id: str, name: str) -> WorkerScript:
    script = state.workers.get((account_id, name))
    if script is None:
        now = timestamp()
        script = WorkerScript(
            account_id=account_id,
            name=name,
            tag=new_id(),
            created_on=now,
            modified_on=now,
            settings={
                "logpush": False,
                "tail_consumers": None,
                "observability": {"enabled": False},
                "tags": [],
            },
        )
        state.workers[(account_id, name)] = script
    return script


def _upload_assets(
    state: State, account_id: str, name: str, upload: Upload
) -> VersionAssets | None:
    """The static assets (or None) the upload's metadata gives the new version; the latest
    version's are what ``keep_assets`` keeps."""
    script = state.workers.get((account_id, name))
    latest = script.latest_version() if script is not None else None
    return resolve_version_assets(
        state.assets,
        account_id,
        name,
        upload.metadata,
        latest.assets if latest is not None else None,
        has_code=upload.main_module is not None or upload.body_part is not None,
    )


def store_upload(
    state: State, account_id: str, name: str, upload: Upload, strict_inherit: bool = False
) -> tuple[WorkerScript, WorkerVersion]:
    """Store an upload as PUT /scripts/{name} does: a new version deployed at 100%, its
    migration applied. Everything is checked first (upload_checks.check_upload)."""
    exists = (account_id, name) in state.workers
    plan = check_upload(
        state, account_id, name, upload.metadata, state.workers.get((account_id, name))
    )
    assets = _upload_assets(state, account_id, name, upload)
    script = _get_or_create(state, account_id, name)
    try:
        version = _new_version(
            script,
            upload.metadata,
            upload.modules,
            upload.main_module,
            upload.body_part,
            upload.etag,
            strict_inherit,
            {"workers/triggered_by": "upload"},
            state.boot_check,
            assets,
        )
    except ReplyError:
        if not exists:
            del state.workers[(account_id, name)]
        raise
    if plan is not None:
        apply_migration(state, script, plan)
    _deploy(script, [{"version_id": version.id, "percentage": 100}], source="api")
    return script, version


def upload_script(ctx: RequestContext) -> Response:
    account = _account(ctx)
    name = _name(ctx)
    check_script_name(name)
    upload = _parse(ctx, version_upload=False)
    strict = ctx.request.param("bindings_inherit") == "strict"
    script, version = store_upload(ctx.state, account.id, name, upload, strict)
    result = script_json(script)
    result["deployment_id"] = version.id
    return ok(result)


def script_json(script: WorkerScript) -> dict[str, Any]:
    version = script.deployed_version() or script.latest_version()
    settings = script.settings
    return {
        "id": script.name,
        "tag": script.tag,
        "etag": script.etag,
        "handlers": ["fetch"],
        "named_handlers": [],
        "created_on": script.created_on,
        "modified_on": script.modified_on,
        "startup_time_ms": 1,
        "usage_model": "standard",
        "compatibility_date": version.compatibility_date if version else None,
        "compatibility_flags": list(version.compatibility_flags) if version else [],
        "has_modules": bool(version and version.main_module),
        "has_assets": bool(version and version.assets),
        "logpush": settings.get("logpush", False),
        "placement": (version.metadata.get("placement") if version else None) or {},
        "tail_consumers": settings.get("tail_consumers"),
        "observability": settings.get("observability"),
        "tags": settings.get("tags") or [],
        "last_deployed_from": "api",
        "migration_tag": script.migration_tag,
    }


def list_scripts(ctx: RequestContext) -> Response:
    account = _account(ctx, write=False)
    scripts = [s for (acct, _), s in ctx.state.workers.items() if acct == account.id]
    return ok([script_json(s) for s in scripts])


def get_service(ctx: RequestContext) -> Response:
    script = _script(ctx, write=False)
    body = script_json(script)
    return ok(
        {
            "id": script.name,
            "default_environment": {
                "environment": "production",
                "created_on": script.created_on,
                "modified_on": script.modified_on,
                "script": body,
            },
            "created_on": script.created_on,
            "modified_on": script.modified_on,
            "environments": [{"environment": "production"}],
        }
    )


def get_script_content(ctx: RequestContext) -> Response:
    script = _script(ctx, write=False)
    version = script.deployed_version()
    if version is None:
        raise script_not_found()
    boundary = "emulator" + new_id()
    chunks: list[bytes] = []
    for module in version.modules:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{module.name}"; '
            f'filename="{module.name}"\r\nContent-Type: {module.content_type}\r\n\r\n'.encode()
        )
        chunks.append(module.content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return Response(
        200,
        b"".join(chunks),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def delete_script(ctx: RequestContext) -> Response:
    script = _script(ctx)
    state = ctx.state
    del state.workers[(script.account_id, script.name)]
    account_zones = {z.id for z in state.zones.values() if z.account_id == script.account_id}
    for route_id, route in list(state.worker_routes.items()):
        if route.script == script.name and route.zone_id in account_zones:
            del state.worker_routes[route_id]
    for domain_id, domain in list(state.worker_domains.items()):
        if domain.account_id == script.account_id and domain.service == script.name:
            del state.worker_domains[domain_id]
    return ok({"id": script.name})


# --- versions and deployments -----------------------------------------------------------


def version_json(script: WorkerScript, version: WorkerVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "number": version.number,
        "metadata": {
            "created_on": version.created_on,
            "modified_on": version.created_on,
            "source": version.source,
            "author_id": "0" * 32,
            "author_email": "user@example.com",
            "has_preview": version.has_preview,
            "hasPreview": version.has_preview,
        },
        "annotations": dict(version.annotations),
        "resources": {
            "script": {
                "etag": version.etag,
                "handlers": ["fetch"],
                "last_deployed_from": "api",
            },
            "script_runtime": {
                "compatibility_date": version.compatibility_date,
                "compatibility_flags": list(version.compatibility_flags),
                "usage_model": "standard",
                "limits": {"cpu_ms": 30000},
            },
            "bindings": [public_binding(b) for b in version.bindings],
        },
        "startup_time_ms": 1,
    }


def upload_version(ctx: RequestContext) -> Response:
    account = _account(ctx)
    name = _name(ctx)
    check_script_name(name)
    script = ctx.state.workers.get((account.id, name))
    if script is None:
        raise script_not_found()
    upload = _parse(ctx, version_upload=True)
    if upload.body_part is not None:
        # https://developers.cloudflare.com/workers/versions-and-deployments/
        # #service-worker-syntax: versions need ES modules (the code is our choice).
        raise validation_error(
            "Service worker syntax is not supported for versions: upload an ES module "
            "(metadata.main_module)."
        )
    plan = check_upload(ctx.state, account.id, name, upload.metadata, script)
    assets = _upload_assets(ctx.state, account.id, name, upload)
    strict = ctx.request.param("bindings_inherit") == "strict"
    annotations = clean_annotations(upload.metadata.get("annotations"), VERSION_MESSAGE_BYTES)
    alias = annotations.get("workers/alias")
    if alias is not None:
        check_alias(alias, name)
    version = _new_version(
        script,
        upload.metadata,
        upload.modules,
        upload.main_module,
        upload.body_part,
        upload.etag,
        strict,
        annotations,
        ctx.state.boot_check,
        assets,
    )
    version.pending_migration = plan
    if alias is not None:
        script.give_alias(alias, version.id)
    return ok(version_json(script, version))


def list_versions(ctx: RequestContext) -> Response:
    script = _script(ctx, write=False)
    if ctx.request.param("deployable") == "true":
        # "Only return versions that can be used in a deployment. Ignores pagination."
        # (the OpenAPI schema of GET .../versions, in cloudflare-typescript).
        deployable = script.deployable_versions()
        info = {
            "page": 1,
            "per_page": len(deployable),
            "count": len(deployable),
            "total_count": len(deployable),
            "total_pages": 1,
        }
        return ok({"items": [version_json(script, v) for v in deployable]}, result_info=info)
    page = parse_page_request(
        ctx.request.query, default_per_page=10, min_per_page=1, max_per_page=100
    )
    rows, info = paginate(list(reversed(script.versions)), page, ctx.state.max_page_rows)
    return ok({"items": [version_json(script, v) for v in rows]}, result_info=info)


def get_version(ctx: RequestContext) -> Response:
    script = _script(ctx, write=False)
    version = script.version(ctx.params["version_id"])
    if version is None:
        raise ReplyError.single(404, 10230, "Version not found.")
    return ok(version_json(script, version))


def list_deployments(ctx: RequestContext) -> Response:
    script = _script(ctx, write=False)
    return ok({"deployments": [d.to_json() for d in reversed(script.deployments)]})


def _deployment_versions(script: WorkerScript, body: dict[str, Any]) -> list[dict[str, Any]]:
    strategy = body.get("strategy")
    if strategy != "percentage":
        raise validation_error('strategy must be "percentage".')
    versions = body.get("versions")
    if not isinstance(versions, list) or not 1 <= len(versions) <= 2:
        raise validation_error("A deployment must have 1 or 2 versions.")
    result: list[dict[str, Any]] = []
    total = 0.0
    for item in versions:
        if not isinstance(item, dict):
            raise validation_error("Each version must be an object.")
        version_id = item.get("version_id")
        percentage = item.get("percentage")
        if not isinstance(version_id, str) or len(version_id) > 36:
            raise validation_error("version_id must be a string of at most 36 characters.")
        if script.version(version_id) is None:
            raise validation_error(f"Version {version_id} not found for this Worker.")
        if all(v.id != version_id for v in script.deployable_versions()):
            # https://developers.cloudflare.com/workers/versions-and-deployments/rollbacks/
            # #limits (the code and text are our choice).
            raise validation_error(
                f"Version {version_id} cannot be deployed: only the 100 most recently "
                "published versions can be."
            )
        if any(v["version_id"] == version_id for v in result):
            raise validation_error(f"Version {version_id} is listed twice.")
        if (
            isinstance(percentage, bool)
            or not isinstance(percentage, int | float)
            or not 0.01 <= percentage <= 100
        ):
            raise validation_error("percentage must be a number between 0.01 and 100.")
        total += float(percentage)
        result.append({"version_id": version_id, "percentage": percentage})
    if abs(total - 100.0) > 1e-6:
        raise validation_error(f"Version percentages must sum to 100, not {total:g}.")
    return result


def create_deployment(ctx: RequestContext) -> Response:
    script = _script(ctx)
    body = _json_object(ctx)
    versions = _deployment_versions(script, body)
    annotations = clean_annotations(body.get("annotations"), DEPLOYMENT_MESSAGE_BYTES)
    _check_rollback(ctx, script, versions, force=ctx.request.param("force") == "true")
    # A version uploaded with migrations applies them now, checked again against the
    # script as it is (its tag may have moved since the upload).
    plans = []
    for item in versions:
        version = script.version(str(item["version_id"]))
        if version is not None and version.pending_migration is not None:
            plan = check_upload(ctx.state, script.account_id, script.name, version.metadata, script)
            plans.append((version, plan))
    deployment = _deploy(script, versions, annotations)
    for version, plan in plans:
        if plan is not None:
            apply_migration(ctx.state, script, plan)
        version.pending_migration = None
    return ok(deployment.to_json())


def _check_rollback(
    ctx: RequestContext, script: WorkerScript, versions: list[dict[str, Any]], force: bool
) -> None:
    """What a deployment of versions that are not serving now must pass: their bindings
    still name resources the account has (https://developers.cloudflare.com/workers/
    versions-and-deployments/rollbacks/#bindings), and, unless ``force``, one older than the
    newest version serving now must have that version's secrets (400 10220, the text of
    cloudflare/workers-sdk packages/wrangler/src/__tests__/rollback.test.ts, whose end
    wrangler's rollback parses for the secrets' names before it asks and forces)."""
    current = script.latest_deployment()
    serving = [] if current is None else [str(v["version_id"]) for v in current.versions]
    live = [v for v in (script.version(i) for i in serving) if v is not None]
    newest = max(live, key=lambda v: v.number) if live else None
    for item in versions:
        version = script.version(str(item["version_id"]))
        if version is None or version.id in serving:
            continue
        check_resources(ctx.state, script.account_id, version.bindings)
        if force or newest is None or version.number > newest.number:
            continue
        changed = changed_secrets(version, newest)
        if changed:
            raise ReplyError.single(
                400,
                10220,
                "A secret has changed since this version was active. If you are sure this "
                "is ok, add a ?force=true query parameter to allow the rollback. The "
                f"following secrets have changed: {', '.join(changed)}",
            )


# --- secrets ----------------------------------------------------------------------------


def _secret_base(script: WorkerScript) -> WorkerVersion:
    """The version a secret change starts from; 10215 while traffic is split or while the
    latest version is not the one deployed (a version uploaded, or a rollback, since)."""
    deployment = script.latest_deployment()
    latest = script.latest_version()
    split = deployment is not None and len(deployment.versions) > 1
    behind = deployment is not None and script.deployed_version() is not latest
    if split or behind:
        raise ReplyError.single(
            400,
            10215,
            "Secret edit failed. You attempted to modify a secret, but the latest version "
            "of your Worker isn't currently deployed. Please ensure that the latest version "
            "of your Worker is fully deployed (wrangler versions deploy) before modifying "
            "secrets.",
        )
    version = script.deployed_version() or script.latest_version()
    if version is None:
        raise script_not_found()
    return version


def _secret_version(
    script: WorkerScript,
    base: WorkerVersion,
    bindings: list[dict[str, Any]],
    overrides: dict[str, Any] | None = None,
    *,
    annotations: dict[str, Any] | None = None,
    deploy: bool = True,
) -> WorkerVersion:
    """A new version with base's code and the given bindings (and version settings from
    ``overrides``), deployed at 100% unless not ``deploy``."""
    metadata = {**base.metadata, **(overrides or {}), "bindings": bindings, "keep_bindings": []}
    version = WorkerVersion(
        id=new_version_id(),
        number=len(script.versions) + 1,
        created_on=timestamp(),
        metadata=metadata,
        modules=list(base.modules),
        bindings=bindings,
        compatibility_date=base.compatibility_date,
        compatibility_flags=list(base.compatibility_flags),
        main_module=base.main_module,
        body_part=base.body_part,
        annotations={**(annotations or {}), "workers/triggered_by": "secret"},
        etag=base.etag,
        assets=base.assets,
    )
    version.has_preview = version_can_preview(version, script)
    script.versions.append(version)
    if deploy:
        _deploy(script, [{"version_id": version.id, "percentage": 100}])
    else:
        script.modified_on = version.created_on
    return version


def _secret_json(binding: dict[str, Any]) -> dict[str, Any]:
    return {"name": binding["name"], "type": binding["type"]}


def _check_secret(body: dict[str, Any]) -> dict[str, Any]:
    kind = body.get("type", "secret_text")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise validation_error("A secret needs a name.")
    if kind not in SECRET_TYPES:
        raise validation_error('type must be "secret_text" or "secret_key".')
    binding = {**body, "type": kind}
    validate_bindings([binding])
    return binding


def list_secrets(ctx: RequestContext) -> Response:
    script = _script(ctx, write=False)
    return ok([_secret_json(b) for b in script.secrets.values()])


def get_secret(ctx: RequestContext) -> Response:
    script = _script(ctx, write=False)
    name = urllib.parse.unquote(ctx.params["secret"])
    binding = script.secrets.get(name)
    if binding is None:
        raise ReplyError.single(404, 10056, f"Secret {name} not found.")
    return ok(_secret_json(binding))


def put_secret(ctx: RequestContext) -> Response:
    script = _script(ctx)
    binding = _check_secret(_json_object(ctx))
    base = _secret_base(script)
    bindings = [b for b in base.bindings if b["name"] != binding["name"]] + [binding]
    _secret_version(script, base, bindings)
    return ok(_secret_json(binding))


def delete_secret(ctx: RequestContext) -> Response:
    script = _script(ctx)
    name = urllib.parse.unquote(ctx.params["secret"])
    if name not in script.secrets:
        raise ReplyError.single(404, 10056, f"Secret {name} not found.")
    base = _secret_base(script)
    _secret_version(script, base, [b for b in base.bindings if b["name"] != name])
    return ok(None)


def bulk_secrets(ctx: RequestContext) -> Response:
    script = _script(ctx)
    body = _json_object(ctx)
    changes = body.get("secrets")
    if not isinstance(changes, dict) or len(changes) > 100:
        raise validation_error("secrets must be an object of at most 100 entries.")
    base = _secret_base(script)
    bindings = [dict(b) for b in base.bindings]
    for name, value in changes.items():
        bindings = [b for b in bindings if b["name"] != name]
        if value is not None:
            if not isinstance(value, dict):
                raise validation_error(f"Secret {name} must be an object or null.")
            bindings.append(_check_secret({**value, "name": name}))
    _secret_version(script, base, bindings)
    return ok([_secret_json(b) for b in bindings if b["type"] in SECRET_TYPES])


def _worker_by_name_or_tag(ctx: RequestContext) -> WorkerScript:
    """The script a ``/workers/workers/{id}`` path names: by name, or by its tag."""
    account = _account(ctx)
    wanted = _name(ctx)
    script = ctx.state.workers.get((account.id, wanted))
    if script is None:
        script = next(
            (
                s
                for (acct, _), s in ctx.state.workers.items()
                if acct == account.id and s.tag == wanted
            ),
            None,
        )
    if script is None:
        raise script_not_found()
    return script


def _new_version_json(version: WorkerVersion) -> dict[str, Any]:
    """A version in the shape of the Workers API (``/workers/workers/{id}/versions``)."""
    return {
        "id": version.id,
        "number": version.number,
        "created_on": version.created_on,
        "annotations": dict(version.annotations),
        "bindings": [public_binding(b) for b in version.bindings],
        "compatibility_date": version.compatibility_date,
        "compatibility_flags": list(version.compatibility_flags),
        "main_module": version.main_module,
        "source": version.source,
    }


def patch_latest(ctx: RequestContext) -> Response:
    """PATCH .../workers/workers/{name}/versions/latest: a new version from the latest one
    with the ``env`` bindings merged in (RFC 7396: null removes), not deployed (cloudflare/
    workers-sdk packages/wrangler/src/versions/secrets/index.ts)."""
    script = _worker_by_name_or_tag(ctx)
    base = script.latest_version()
    if base is None:
        raise ReplyError.single(
            404,
            10222,
            "This Worker has no versions, which means this Worker has no content or "
            "versioned settings.",
        )
    body = _json_object(ctx)
    unknown = sorted(set(body) - {"env", "annotations"})
    if unknown:
        raise validation_error(
            f"Unsupported field(s) {', '.join(unknown)}: the emulator patches env and "
            "annotations only."
        )
    env = body.get("env")
    env = {} if env is None else env
    if not isinstance(env, dict):
        raise validation_error("env must be an object of bindings by name.")
    annotations = clean_annotations(body.get("annotations"), VERSION_MESSAGE_BYTES)
    bindings = [dict(b) for b in base.bindings]
    for name, value in env.items():
        bindings = [b for b in bindings if b["name"] != name]
        if value is None:
            continue
        if not isinstance(value, dict):
            raise validation_error(f"env.{name} must be a binding object or null.")
        bindings.append({**value, "name": name})
    validate_bindings(bindings)
    check_resources(ctx.state, script.account_id, [b for b in bindings if b.get("name") in env])
    version = _secret_version(script, base, bindings, annotations=annotations, deploy=False)
    # The base's migration, if it waits for a deployment, waits with this version too.
    version.pending_migration = base.pending_migration
    return ok(_new_version_json(version))


# --- settings ---------------------------------------------------------------------------


def _script_settings_json(script: WorkerScript) -> dict[str, Any]:
    settings = script.settings
    data = {
        "logpush": settings.get("logpush", False),
        "tail_consumers": settings.get("tail_consumers"),
        "observability": settings.get("observability"),
        "tags": settings.get("tags") or [],
    }
    if settings.get("streaming_tail_consumers") is not None:
        data["streaming_tail_consumers"] = settings["streaming_tail_consumers"]
    return data


def _settings_json(script: WorkerScript) -> dict[str, Any]:
    version = script.deployed_version() or script.latest_version()
    metadata = version.metadata if version else {}
    return {
        **_script_settings_json(script),
        "placement": metadata.get("placement") or {},
        "limits": metadata.get("limits") or {},
        "compatibility_date": version.compatibility_date if version else None,
        "compatibility_flags": list(version.compatibility_flags) if version else [],
        "usage_model": "standard",
        "bindings": [public_binding(b) for b in version.bindings] if version else [],
    }


def _check_settings(ctx: RequestContext, script: WorkerScript, body: dict[str, Any]) -> None:
    check_settings(body)
    for key in ("tail_consumers", "streaming_tail_consumers"):
        check_tail_consumers(ctx.state, script.account_id, script.name, body.get(key) or [])


def _apply_settings(script: WorkerScript, body: dict[str, Any]) -> None:
    """Store the script-level settings of a checked body."""
    for key in SCRIPT_SETTINGS:
        if key in body:
            script.settings[key] = body[key]


def get_script_settings(ctx: RequestContext) -> Response:
    return ok(_script_settings_json(_script(ctx, write=False)))


def patch_script_settings(ctx: RequestContext) -> Response:
    """Script-level settings only (SCRIPT_SETTINGS); other keys are ignored."""
    script = _script(ctx)
    body = _json_object(ctx)
    _check_settings(ctx, script, body)
    _apply_settings(script, body)
    return ok(_script_settings_json(script))


def get_settings(ctx: RequestContext) -> Response:
    return ok(_settings_json(_script(ctx, write=False)))


def _fill_from(bindings: Any, base: WorkerVersion) -> Any:
    """A binding sent as just {type, name} keeps the values of base's binding of that name
    and type (wrangler sends existing bindings this way)."""
    if not isinstance(bindings, list):
        return bindings
    old = {(b["name"], b.get("type")): b for b in base.bindings}
    filled: list[Any] = []
    for binding in bindings:
        if isinstance(binding, dict):
            previous = old.get((binding.get("name"), binding.get("type")))
            if previous is not None:
                binding = {**previous, **binding}
        filled.append(binding)
    return filled


def patch_settings(ctx: RequestContext) -> Response:
    """JSON, or multipart with a ``settings`` part (as wrangler secret bulk sends it)."""
    script = _script(ctx)
    content_type = ctx.request.header("Content-Type") or ""
    body: Any
    if content_type.lower().startswith("multipart/"):
        parts = {
            name: content for name, _, content in split_multipart(ctx.request.body, content_type)
        }
        if "settings" not in parts:
            raise validation_error("Missing settings part.")
        try:
            body = json.loads(parts["settings"])
        except ValueError as exc:
            raise validation_error("The settings part must be valid JSON.") from exc
    else:
        body = ctx.request.json()
    if not isinstance(body, dict):
        raise validation_error("settings must be a JSON object.")
    _check_settings(ctx, script, body)
    # Version settings (bindings, placement, limits) make a new version deployed at 100%.
    version_settings = {k: body[k] for k in VERSION_SETTINGS if k in body}
    if "bindings" in body or version_settings:
        base = _secret_base(script)
        bindings = [dict(b) for b in base.bindings]
        if "bindings" in body:
            bindings = _fill_from(body["bindings"], base)
            validate_bindings(bindings)
            check_bindings(ctx.state, script.account_id, script, bindings)
            bindings = _resolve_bindings(bindings, base, strict=True)
            check_assets_bindings(bindings, base.assets is not None)
        _apply_settings(script, body)
        _secret_version(script, base, bindings, version_settings)
    else:
        _apply_settings(script, body)
    return ok(_settings_json(script))


# --- workers.dev ------------------------------------------------------------------------


def get_account_subdomain(ctx: RequestContext) -> Response:
    account = _account(ctx, write=False)
    subdomain = ctx.state.workers_subdomains.get(account.id)
    if subdomain is None:
        raise ReplyError.single(404, 10007, "This account does not have a workers.dev subdomain.")
    return ok({"subdomain": subdomain})


def put_account_subdomain(ctx: RequestContext) -> Response:
    account = _account(ctx)
    body = _json_object(ctx)
    subdomain = body.get("subdomain")
    if not isinstance(subdomain, str) or not subdomain:
        raise validation_error("subdomain must be a non-empty string.")
    for other, taken in ctx.state.workers_subdomains.items():
        if taken == subdomain and other != account.id:
            raise ReplyError.single(409, 10036, "This subdomain is already taken.")
    ctx.state.workers_subdomains[account.id] = subdomain
    return ok({"subdomain": subdomain})


def _subdomain_json(script: WorkerScript) -> dict[str, Any]:
    return {
        "enabled": script.subdomain.enabled,
        "previews_enabled": script.subdomain.previews_enabled,
    }


def get_script_subdomain(ctx: RequestContext) -> Response:
    return ok(_subdomain_json(_script(ctx, write=False)))


def post_script_subdomain(ctx: RequestContext) -> Response:
    script = _script(ctx)
    body = _json_object(ctx)
    enabled = body.get("enabled")
    previews = body.get("previews_enabled")
    if not isinstance(enabled, bool):
        raise validation_error("enabled is required and must be a boolean.")
    if previews is None:
        # Not sent: the API's own default, previews following workers.dev (our choice,
        # matching Cloudflare-Workers-Script-Api-Date 2025-08-01, which wrangler sends).
        previews = enabled
    if not isinstance(previews, bool):
        raise validation_error("previews_enabled must be a boolean.")
    script.subdomain.enabled = enabled
    script.subdomain.previews_enabled = previews
    return ok(_subdomain_json(script))


def delete_script_subdomain(ctx: RequestContext) -> Response:
    script = _script(ctx)
    script.subdomain.enabled = False
    script.subdomain.previews_enabled = False
    return ok(_subdomain_json(script))


# --- schedules --------------------------------------------------------------------------


def get_schedules(ctx: RequestContext) -> Response:
    script = _script(ctx, write=False)
    return ok({"schedules": [dict(s) for s in script.schedules]})


def put_schedules(ctx: RequestContext) -> Response:
    script = _script(ctx)
    body = ctx.request.json()
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise validation_error("Expected a list of {cron} objects.")
    for item in body:
        problem = cron_problem(item.get("cron"))
        if problem is not None:
            raise validation_error(f"Invalid cron expression {item.get('cron')!r}: {problem}.")
    now = timestamp()
    script.schedules = [
        {"cron": item["cron"], "created_on": now, "modified_on": now} for item in body
    ]
    return ok({"schedules": [dict(s) for s in script.schedules]})


# --- memberships ----------------------------------------------------------------------


def list_memberships(ctx: RequestContext) -> Response:
    principal = ctx.principal
    if principal.account_owned:
        raise ReplyError.single(
            400, 1001, "Memberships endpoint does not support account owned tokens."
        )
    accounts = list(ctx.state.accounts.values())
    page = parse_page_request(
        ctx.request.query, default_per_page=20, min_per_page=5, max_per_page=50
    )
    rows, info = paginate(accounts, page, ctx.state.max_page_rows)
    return ok(
        [
            {
                "id": a.id[::-1],
                "status": "accepted",
                "account": {"id": a.id, "name": a.name},
                "roles": ["Administrator"],
                "permissions": {},
            }
            for a in rows
        ],
        result_info=info,
    )
