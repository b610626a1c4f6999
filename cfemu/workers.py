"""Workers model: scripts, versions, deployments, routes and custom domains, plus the
multipart upload parser and binding validation the upload endpoints share.

Error codes (Cloudflare publishes no table; where the real code is unknown we chose one):

* 10007 (404) "This Worker does not exist on your account." (real).
* 10016 (400) invalid script name (our choice; names must match ``^[a-z0-9_][a-z0-9-_]*$``).
* 10021 (400) validation error (real code): no such main module / body part, a bad part
  content type, a bad binding, bad metadata, a bad deployment or secret body. Metadata
  shapes checked: logpush (bool), tags (strings), observability (enabled bool,
  head_sampling_rate 0..1, logs/traces the same), placement (mode smart|targeted|off,
  targeted needs region/host/hostname), limits (cpu_ms 1..300000, subrequests 1..10
  million), tail_consumers / streaming_tail_consumers ([{service, environment?,
  namespace?}]), cache_options / exports / assets (objects), containers /
  package_dependencies (lists of objects, at most 200 dependencies), usage_model.
  ``metadata.assets`` (completion token, config), ``keep_assets`` and the ``assets``
  binding are checked by assets.py; an upload with ``assets`` may have no main module
  (an assets-only Worker, as wrangler uploads one: metadata alone).
  Durable Object migrations are checked by durable_objects.py, what bindings name by
  upload_checks.py.
* 10027 (400) "script too large" (our choice): over ``State.workers_max_gzip_bytes``
  (10 MB) gzip-compressed or ``State.workers_max_raw_bytes`` (64 MiB) raw.
* 10215 (400) a secret edit while the latest deployment splits traffic, or while the latest
  version is not the one deployed (real; routes/workers.py).
* Annotations (OpenAPI of ``POST …/versions`` and ``…/deployments``, as the
  cloudflare-typescript SDK publishes it): ``workers/message`` is truncated to 1000 bytes on
  a version and 100 bytes on a deployment, ``workers/tag`` may hold at most 100 bytes (else
  10021, our choice of code), ``workers/alias`` names a preview alias (check_alias).

Versions and previews (https://developers.cloudflare.com/workers/versions-and-deployments/
preview-urls/): a version "can be previewed" (``has_preview``) when it is a modules (or
assets-only) Worker that implements no Durable Object (version_can_preview). Its preview
URL is ``https://<id[:8]>-<script>.<subdomain>.workers.dev``; an alias adds
``https://<alias>-<script>.<subdomain>.workers.dev``, served while the script's
``previews_enabled`` is on (WorkerScript.preview_version). Aliases (lowercase letters, digits
and dashes, starting with a letter and not ending with a dash; alias, a dash and the script
name at most 63 characters) move to the newest version given them; only the 1000 most
recently given are kept.
"""

from __future__ import annotations

import email.parser
import email.policy
import gzip
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .assets import VersionAssets
from .errors import ReplyError

__all__ = [
    "BINDING_FIELDS",
    "MODULE_CONTENT_TYPES",
    "SCRIPT_SETTINGS",
    "VERSION_SETTINGS",
    "CustomDomain",
    "Deployment",
    "Module",
    "ScriptSubdomain",
    "Upload",
    "WorkerRoute",
    "WorkerScript",
    "WorkerVersion",
    "changed_secrets",
    "check_alias",
    "check_settings",
    "clean_annotations",
    "parse_upload",
    "split_multipart",
    "validate_bindings",
    "version_can_preview",
]

SCRIPT_NAME_RE: Final = re.compile(r"[a-z0-9_][a-z0-9-_]*")
DEFAULT_COMPATIBILITY_DATE: Final = "2021-11-02"
DEFAULT_MAX_GZIP_BYTES: Final = 10 * 1000 * 1000
DEFAULT_MAX_RAW_BYTES: Final = 64 * 1024 * 1024

MODULE_CONTENT_TYPES: Final = frozenset(
    {
        "application/javascript+module",
        "text/javascript+module",
        "application/javascript",
        "text/javascript",
        "application/wasm",
        "text/plain",
        "application/octet-stream",
        "application/source-map",
        "text/x-python",
        "text/x-python-requirement",
    }
)

# Binding type -> required fields besides "type" and "name".
BINDING_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "plain_text": ("text",),
    "json": ("json",),
    "secret_text": ("text",),
    "secret_key": ("format", "algorithm", "usages"),
    "kv_namespace": ("namespace_id",),
    "r2_bucket": ("bucket_name",),
    "d1": ("id",),
    "service": ("service",),
    "durable_object_namespace": ("class_name",),
    "queue": ("queue_name",),
    "analytics_engine": ("dataset",),
    "vectorize": ("index_name",),
    "hyperdrive": ("id",),
    "mtls_certificate": ("certificate_id",),
    "secrets_store_secret": ("store_id", "secret_name"),
    "workflow": ("workflow_name", "class_name"),
    "dispatch_namespace": ("namespace",),
    "pipelines": (),  # stream, or the older pipeline
    "ratelimit": ("namespace_id",),
    "ai": (),
    "browser": (),
    "images": (),
    "version_metadata": (),
    "assets": (),
    "inherit": (),
    "send_email": (),
    "worker_loader": (),
    "media": (),
    "stream": (),
    "logfwdr": ("destination",),
    "vpc_service": ("service_id",),
    "vpc_network": (),  # tunnel_id or network_id
    "text_blob": ("part",),
    "data_blob": ("part",),
    "wasm_module": ("part",),
}
SECRET_TYPES: Final = frozenset({"secret_text", "secret_key"})
# Settings of the script as a whole (GET/PATCH .../script-settings), and those each version
# carries (its placement and limits, read from the deployed version).
SCRIPT_SETTINGS: Final = (
    "logpush",
    "observability",
    "tags",
    "tail_consumers",
    "streaming_tail_consumers",
)
VERSION_SETTINGS: Final = ("placement", "limits")
PLACEMENT_MODES: Final = ("smart", "targeted", "off")
# https://developers.cloudflare.com/workers/platform/limits/ (CPU time up to 5 minutes,
# subrequests configurable up to 10 million); wrangler sends at most 200 dependencies.
MAX_CPU_MS: Final = 300_000
MAX_SUBREQUESTS: Final = 10_000_000
MAX_PACKAGE_DEPENDENCIES: Final = 200
# Fields whose values the API never returns.
_HIDDEN_FIELDS: Final = ("text", "key_base64", "key_jwk")
# Preview aliases (https://developers.cloudflare.com/workers/versions-and-deployments/
# preview-urls/#rules-and-limitations; the pattern is wrangler's, cloudflare/workers-sdk
# packages/deploy-helpers/src/deploy/helpers/preview-alias.ts, lowercase only as the docs
# say): "<alias>-<script>" is one DNS label of at most 63 characters, and only the 1000
# most recently given aliases are kept.
ALIAS_RE: Final = re.compile(r"[a-z](?:[a-z0-9-]*[a-z0-9])?")
MAX_DNS_LABEL: Final = 63
MAX_ALIASES: Final = 1000
# A version's preview URL starts with the first 8 characters of its id (wrangler's
# versions-upload.ts builds it from versionId.slice(0, 8)).
VERSION_PREFIX_LENGTH: Final = 8
# https://developers.cloudflare.com/workers/versions-and-deployments/rollbacks/#limits:
# only the 100 most recently published versions can be deployed again.
MAX_DEPLOYABLE_VERSIONS: Final = 100
# Annotation limits of the OpenAPI schema (cloudflare-typescript
# src/resources/workers/scripts/versions.ts and deployments.ts).
VERSION_MESSAGE_BYTES: Final = 1000
DEPLOYMENT_MESSAGE_BYTES: Final = 100
TAG_BYTES: Final = 100


def validation_error(message: str) -> ReplyError:
    return ReplyError.single(400, 10021, message)


def script_not_found() -> ReplyError:
    return ReplyError.single(404, 10007, "This Worker does not exist on your account.")


def invalid_script_name() -> ReplyError:
    return ReplyError.single(
        400,
        10016,
        "Invalid Worker name. Worker names may only contain lowercase letters, numbers, "
        "dashes and underscores, and must not start with a dash.",
    )


def script_too_large(size: int, limit: int, what: str) -> ReplyError:
    return ReplyError.single(
        400, 10027, f"Script too large: {size} bytes {what} exceeds the limit of {limit} bytes."
    )


def new_version_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Module:
    """One multipart part of an upload: part (= module) name, content type and bytes."""

    name: str
    content_type: str
    content: bytes


@dataclass
class WorkerVersion:
    id: str
    number: int
    created_on: str
    metadata: dict[str, Any]
    modules: list[Module]
    bindings: list[dict[str, Any]]
    compatibility_date: str
    compatibility_flags: list[str]
    main_module: str | None
    body_part: str | None
    annotations: dict[str, Any]
    etag: str
    source: str = "api"
    # A version uploaded with migrations (POST .../versions) applies them when deployed:
    # the checked plan waits here (a durable_objects.MigrationPlan) until then.
    pending_migration: Any = None
    # Whether the script-level settings this version's metadata carries (SCRIPT_SETTINGS)
    # were applied to the script: at once for PUT uploads, at the first deployment for
    # POST .../versions; versions made from another one's metadata never apply them.
    settings_applied: bool = True
    # The static assets the version serves (assets.py): manifest and config; None: none.
    assets: VersionAssets | None = None
    # Whether the version can be previewed (metadata.has_preview): see version_can_preview.
    has_preview: bool = False

    @property
    def entry(self) -> str:
        return self.main_module or self.body_part or ""

    def module(self, name: str) -> Module | None:
        for module in self.modules:
            if module.name == name:
                return module
        return None

    def secrets(self) -> dict[str, dict[str, Any]]:
        return {b["name"]: b for b in self.bindings if b.get("type") in SECRET_TYPES}


@dataclass
class Deployment:
    id: str
    created_on: str
    versions: list[dict[str, Any]]
    annotations: dict[str, Any]
    strategy: str = "percentage"
    source: str = "api"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "strategy": self.strategy,
            "author_email": "user@example.com",
            "created_on": self.created_on,
            "annotations": dict(self.annotations),
            "versions": [dict(v) for v in self.versions],
        }


@dataclass
class ScriptSubdomain:
    enabled: bool = False
    previews_enabled: bool = False


@dataclass
class WorkerScript:
    """A Worker. ``versions`` and ``deployments`` are in creation order (oldest first)."""

    account_id: str
    name: str
    tag: str
    created_on: str
    modified_on: str
    versions: list[WorkerVersion] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    subdomain: ScriptSubdomain = field(default_factory=ScriptSubdomain)
    settings: dict[str, Any] = field(default_factory=dict)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    # Durable Objects (durable_objects.py): the tag of the last migration applied (None:
    # none ran) and the classes it left, name -> {"sqlite": bool}.
    migration_tag: str | None = None
    durable_object_classes: dict[str, dict[str, bool]] = field(default_factory=dict)
    # Preview aliases: alias -> version id, least recently given first (see give_alias).
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        """The etag of the deployed (else latest) version's content."""
        version = self.deployed_version() or self.latest_version()
        return version.etag if version is not None else ""

    def latest_version(self) -> WorkerVersion | None:
        return self.versions[-1] if self.versions else None

    def latest_deployment(self) -> Deployment | None:
        return self.deployments[-1] if self.deployments else None

    def version(self, version_id: str) -> WorkerVersion | None:
        for version in self.versions:
            if version.id == version_id:
                return version
        return None

    def deployed_version(self) -> WorkerVersion | None:
        """The version with the largest share of the latest deployment."""
        deployment = self.latest_deployment()
        if deployment is None:
            return None
        best = max(deployment.versions, key=lambda v: float(v["percentage"]))
        return self.version(str(best["version_id"]))

    def modules(self) -> dict[str, Module]:
        """The deployed version's modules by name."""
        version = self.deployed_version()
        return {} if version is None else {m.name: m for m in version.modules}

    def deployed_assets(self) -> VersionAssets | None:
        """The deployed version's static assets (manifest, config), or None."""
        version = self.deployed_version()
        return None if version is None else version.assets

    def bindings(self) -> list[dict[str, Any]]:
        """The deployed version's bindings, secrets' values included."""
        version = self.deployed_version()
        return [] if version is None else [dict(b) for b in version.bindings]

    @property
    def secrets(self) -> dict[str, dict[str, Any]]:
        """Secret bindings (name -> binding, value included) of the latest version."""
        version = self.latest_version()
        return {} if version is None else version.secrets()

    def secret_value(self, name: str) -> str | None:
        binding = self.secrets.get(name)
        return None if binding is None else binding.get("text")

    def give_alias(self, alias: str, version_id: str) -> None:
        """Point ``alias`` at the version (moving it from any other one); past MAX_ALIASES
        the least recently given alias is dropped."""
        self.aliases.pop(alias, None)
        self.aliases[alias] = version_id
        while len(self.aliases) > MAX_ALIASES:
            del self.aliases[next(iter(self.aliases))]

    def alias_version(self, alias: str) -> WorkerVersion | None:
        version_id = self.aliases.get(alias)
        return None if version_id is None else self.version(version_id)

    def version_aliases(self, version_id: str) -> list[str]:
        """The aliases that point at the version now."""
        return [alias for alias, target in self.aliases.items() if target == version_id]

    def deployable_versions(self) -> list[WorkerVersion]:
        """The versions a deployment may name: the MAX_DEPLOYABLE_VERSIONS newest, newest
        first."""
        return list(reversed(self.versions[-MAX_DEPLOYABLE_VERSIONS:]))

    def preview_version(self, label: str) -> WorkerVersion | None:
        """The version a preview hostname's first label (``<alias>-<script>`` or
        ``<version id[:8]>-<script>``) serves, or None: no such alias or version, previews
        disabled on the script, or a version that cannot be previewed. An alias wins over a
        version id prefix that happens to be spelt the same (our choice)."""
        suffix = "-" + self.name
        label = label.lower()
        if not self.subdomain.previews_enabled or not label.endswith(suffix):
            return None
        prefix = label[: -len(suffix)]
        version = self.alias_version(prefix)
        if version is None and re.fullmatch(rf"[0-9a-f]{{{VERSION_PREFIX_LENGTH}}}", prefix):
            matches = [v for v in self.versions if v.id.startswith(prefix)]
            version = matches[-1] if matches else None
        return version if version is not None and version.has_preview else None


@dataclass
class WorkerRoute:
    id: str
    zone_id: str
    pattern: str
    script: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "pattern": self.pattern, "script": self.script}


@dataclass
class CustomDomain:
    id: str
    account_id: str
    hostname: str
    service: str
    environment: str
    zone_id: str
    zone_name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "hostname": self.hostname,
            "service": self.service,
            "environment": self.environment,
            "zone_id": self.zone_id,
            "zone_name": self.zone_name,
            "cert_id": None,
        }


@dataclass
class Upload:
    """A parsed, validated multipart upload (not yet stored)."""

    metadata: dict[str, Any]
    modules: list[Module]
    main_module: str | None
    body_part: str | None

    @property
    def etag(self) -> str:
        digest = hashlib.sha256()
        for module in self.modules:
            digest.update(module.name.encode() + b"\0" + module.content_type.encode() + b"\0")
            digest.update(hashlib.sha256(module.content).digest())
        return digest.hexdigest()


def public_binding(binding: Mapping[str, Any]) -> dict[str, Any]:
    """A binding as the API returns it: secret values left out."""
    return {k: v for k, v in binding.items() if k not in _HIDDEN_FIELDS}


def check_script_name(name: str) -> None:
    if SCRIPT_NAME_RE.fullmatch(name) is None or len(name) > 63:
        raise invalid_script_name()


# --- multipart --------------------------------------------------------------------------


def _header_message(raw: bytes) -> email.message.Message:
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    return parser.parsebytes(raw + b"\r\n\r\n", headersonly=True)


def split_multipart(
    body: bytes, content_type: str, *, raw_types: bool = False
) -> list[tuple[str, str, bytes]]:
    """(part name, content type, bytes) for every part of a multipart/form-data body.

    The content type is the bare media type ("text/plain" when the part has none), or with
    ``raw_types`` the part's Content-Type header as sent ("" when it has none)."""
    header = _header_message(b"Content-Type: " + content_type.encode("latin-1"))
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise validation_error("Expected a multipart/form-data body with a boundary.")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise validation_error("Malformed multipart/form-data body.")
    parts: list[tuple[str, str, bytes]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        elif chunk.startswith(b"\n"):
            chunk = chunk[1:]
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition(b"\n\n")
        if not sep:
            raise validation_error("Malformed multipart/form-data part.")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        message = _header_message(head)
        name = message.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise validation_error("Every multipart part needs a name.")
        part_type = message.get_content_type() if message.get("content-type") else "text/plain"
        if raw_types:
            raw = [str(v) for k, v in message.raw_items() if k.lower() == "content-type"]
            part_type = raw[0].strip() if raw else ""
        parts.append((name, part_type, content))
    return parts


def parse_upload(
    body: bytes,
    content_type: str,
    *,
    max_gzip_bytes: int,
    max_raw_bytes: int,
    version_upload: bool = False,
) -> Upload:
    """Parse and check an upload body (multipart, or a raw service-worker script)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/javascript", "text/javascript"):
        modules = [Module("script.js", "application/javascript", body)]
        upload = Upload({"body_part": "script.js"}, modules, None, "script.js")
        _check_size(modules, max_gzip_bytes, max_raw_bytes)
        return upload
    if media != "multipart/form-data":
        raise validation_error(
            f"Unsupported Content-Type {media or '(none)'}: expected multipart/form-data."
        )
    metadata: Any = None
    modules = []
    for name, part_type, content in split_multipart(body, content_type):
        if name == "metadata":
            try:
                metadata = json.loads(content)
            except ValueError as exc:
                raise validation_error("The metadata part must be valid JSON.") from exc
            continue
        if part_type not in MODULE_CONTENT_TYPES:
            raise validation_error(f'Unsupported content type "{part_type}" for module "{name}".')
        modules.append(Module(name, part_type, content))
    if metadata is None:
        raise validation_error("Missing metadata part: expected a JSON part named metadata.")
    if not isinstance(metadata, dict):
        raise validation_error("The metadata part must be a JSON object.")
    main_module = metadata.get("main_module")
    body_part = metadata.get("body_part")
    entry = main_module if main_module is not None else body_part
    if entry is None and (
        isinstance(metadata.get("assets"), dict) or metadata.get("keep_assets") is True
    ):
        # An assets-only Worker: wrangler sends metadata alone (cloudflare/workers-sdk
        # packages/deploy-helpers/src/deploy/helpers/create-worker-upload-form.ts).
        _check_metadata(metadata, modules, version_upload)
        _check_size(modules, max_gzip_bytes, max_raw_bytes)
        return Upload(metadata, modules, None, None)
    if entry is None:
        raise validation_error("metadata must name the entry part in main_module or body_part.")
    if not isinstance(entry, str) or all(m.name != entry for m in modules):
        raise validation_error(f'Uncaught Error: No such module "{entry}".')
    _check_metadata(metadata, modules, version_upload)
    _check_size(modules, max_gzip_bytes, max_raw_bytes)
    return Upload(
        metadata,
        modules,
        main_module if isinstance(main_module, str) else None,
        body_part if main_module is None and isinstance(body_part, str) else None,
    )


def _check_metadata(metadata: dict[str, Any], modules: list[Module], version_upload: bool) -> None:
    date = metadata.get("compatibility_date")
    if date is not None and (
        not isinstance(date, str) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) is None
    ):
        raise validation_error(f"Invalid compatibility_date {date!r}: expected YYYY-MM-DD.")
    flags = metadata.get("compatibility_flags", [])
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise validation_error("compatibility_flags must be a list of strings.")
    keep = metadata.get("keep_bindings", [])
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise validation_error("keep_bindings must be a list of binding types.")
    usage_model = metadata.get("usage_model")
    if usage_model not in (None, "standard", "bundled", "unbound"):
        raise validation_error(f"Invalid usage_model {usage_model!r}.")
    annotations = metadata.get("annotations")
    if annotations is not None:
        check_annotations(annotations)
    check_settings(metadata)
    for key in ("cache_options", "exports", "assets"):
        if metadata.get(key) is not None and not isinstance(metadata[key], dict):
            raise validation_error(f"{key} must be an object.")
    for key in ("containers", "package_dependencies"):
        items = metadata.get(key)
        if items is not None and (
            not isinstance(items, list) or not all(isinstance(i, dict) for i in items)
        ):
            raise validation_error(f"{key} must be a list of objects.")
    if len(metadata.get("package_dependencies") or []) > MAX_PACKAGE_DEPENDENCIES:
        raise validation_error(
            f"package_dependencies may list at most {MAX_PACKAGE_DEPENDENCIES} packages."
        )
    bindings = metadata.get("bindings", [])
    validate_bindings(bindings, {m.name for m in modules})


def _rate(value: Any, name: str) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
    ):
        raise validation_error(f"{name} must be a number between 0 and 1.")


def _flag(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise validation_error(f"{name} must be a boolean.")


def _check_observability(value: Any) -> None:
    if not isinstance(value, dict):
        raise validation_error("observability must be an object.")
    _flag(value.get("enabled"), "observability.enabled")
    _rate(value.get("head_sampling_rate"), "observability.head_sampling_rate")
    for part in ("logs", "traces"):
        section = value.get(part)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise validation_error(f"observability.{part} must be an object.")
        _flag(section.get("enabled"), f"observability.{part}.enabled")
        _flag(section.get("invocation_logs"), f"observability.{part}.invocation_logs")
        _rate(section.get("head_sampling_rate"), f"observability.{part}.head_sampling_rate")


def _check_placement(value: Any) -> None:
    if not isinstance(value, dict):
        raise validation_error("placement must be an object.")
    mode = value.get("mode")
    if mode is not None and mode not in PLACEMENT_MODES:
        raise validation_error(f"placement.mode must be one of {', '.join(PLACEMENT_MODES)}.")
    for key in ("hint", "region", "host", "hostname"):
        if value.get(key) is not None and not isinstance(value[key], str):
            raise validation_error(f"placement.{key} must be a string.")
    if mode == "targeted" and not any(value.get(k) for k in ("region", "host", "hostname")):
        raise validation_error("placement mode targeted needs a region, host or hostname.")


def _check_limits(value: Any) -> None:
    if not isinstance(value, dict):
        raise validation_error("limits must be an object.")
    for key, most in (("cpu_ms", MAX_CPU_MS), ("subrequests", MAX_SUBREQUESTS)):
        number = value.get(key)
        if number is not None and (
            isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= most
        ):
            raise validation_error(f"limits.{key} must be a whole number from 1 to {most}.")


def _check_consumers(value: Any, key: str) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise validation_error(f"{key} must be a list of {{service}} objects.")
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("service"), str):
            raise validation_error(f"each of {key} must be an object with a service.")
        for field_name in ("environment", "namespace"):
            if item.get(field_name) is not None and not isinstance(item[field_name], str):
                raise validation_error(f"{key}: {field_name} must be a string.")


def check_settings(settings: Mapping[str, Any]) -> None:
    """Raise 10021 for a malformed setting among SCRIPT_SETTINGS and VERSION_SETTINGS
    (shared by uploads and the settings PATCH endpoints)."""
    _flag(settings.get("logpush"), "logpush")
    tags = settings.get("tags")
    if tags is not None and (
        not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)
    ):
        raise validation_error("tags must be a list of strings.")
    if settings.get("observability") is not None:
        _check_observability(settings["observability"])
    if settings.get("placement") is not None:
        _check_placement(settings["placement"])
    if settings.get("limits") is not None:
        _check_limits(settings["limits"])
    _check_consumers(settings.get("tail_consumers"), "tail_consumers")
    _check_consumers(settings.get("streaming_tail_consumers"), "streaming_tail_consumers")


def check_annotations(annotations: Any) -> None:
    """Raise 10021 for annotations that are not an object of strings, or a ``workers/tag``
    over TAG_BYTES; a long ``workers/message`` is truncated (clean_annotations), not refused."""
    if not isinstance(annotations, dict):
        raise validation_error("annotations must be an object.")
    for key in ("workers/message", "workers/tag", "workers/alias"):
        value = annotations.get(key)
        if value is not None and not isinstance(value, str):
            raise validation_error(f"{key} must be a string.")
    tag = annotations.get("workers/tag")
    if tag is not None and len(tag.encode()) > TAG_BYTES:
        raise validation_error(f"workers/tag must be at most {TAG_BYTES} bytes.")


def _truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    return text.encode()[:limit].decode(errors="ignore")


def clean_annotations(annotations: Mapping[str, Any] | None, message_bytes: int) -> dict[str, Any]:
    """Checked annotations as stored: null values dropped, ``workers/message`` truncated to
    ``message_bytes`` (VERSION_MESSAGE_BYTES or DEPLOYMENT_MESSAGE_BYTES)."""
    if annotations is None:
        return {}
    check_annotations(annotations)
    cleaned = {k: v for k, v in annotations.items() if v is not None}
    if isinstance(cleaned.get("workers/message"), str):
        cleaned["workers/message"] = _truncate(cleaned["workers/message"], message_bytes)
    return cleaned


def check_alias(alias: Any, script_name: str) -> str:
    """The alias, or 400 10021: not lowercase letters, digits and dashes starting with a
    letter, or too long for one DNS label with the script name (Cloudflare's message for
    that one, as wrangler prints it in cloudflare/workers-sdk#14345 and its references)."""
    if not isinstance(alias, str) or ALIAS_RE.fullmatch(alias) is None:
        raise validation_error(
            f"validation failures: Invalid alias {alias!r}. An alias may only contain "
            "lowercase letters, numbers and dashes, must start with a letter and must not "
            "end with a dash."
        )
    if len(alias) + 1 + len(script_name) > MAX_DNS_LABEL:
        raise validation_error(
            "validation failures: Alias name too long. The alias name and script name "
            f"combined together must total less than {MAX_DNS_LABEL} characters in length."
        )
    return alias


def version_can_preview(version: WorkerVersion, script: WorkerScript) -> bool:
    """Whether Cloudflare generates preview URLs for the version: a modules Worker (versions
    need ES modules, https://developers.cloudflare.com/workers/versions-and-deployments/
    #service-worker-syntax) or an assets-only one, that implements no Durable Object
    ("Preview URLs are not generated for Workers that implement a Durable Object",
    preview-urls/#limitations): no binding to a class of its own, no migrations, no classes
    left by earlier ones."""
    if version.body_part or not (version.main_module or version.assets is not None):
        return False
    if version.metadata.get("migrations") or script.durable_object_classes:
        return False
    return not any(
        b.get("type") == "durable_object_namespace" and not b.get("script_name")
        for b in version.bindings
    )


def _secret_state(binding: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in binding.items() if k != "name"}


def changed_secrets(old: WorkerVersion, new: WorkerVersion) -> list[str]:
    """The secrets (by name, sorted) that differ between two versions: added, removed, or
    of another type or value."""
    before, after = old.secrets(), new.secrets()
    names = sorted(set(before) | set(after))
    return [
        n
        for n in names
        if n not in before or n not in after or _secret_state(before[n]) != _secret_state(after[n])
    ]


def validate_bindings(bindings: Any, part_names: Iterable[str] = ()) -> None:
    """Raise 10021 for a binding of unknown type, without a name, or missing a field."""
    parts = set(part_names)
    if not isinstance(bindings, list):
        raise validation_error("metadata.bindings must be a list.")
    seen: set[str] = set()
    for index, binding in enumerate(bindings):
        if not isinstance(binding, dict):
            raise validation_error(f"Binding #{index} must be an object.")
        name = binding.get("name")
        if not isinstance(name, str) or not name:
            raise validation_error(f"Binding #{index} must have a name.")
        kind = binding.get("type")
        if kind not in BINDING_FIELDS:
            raise validation_error(f'Unknown binding type "{kind}" for binding "{name}".')
        if name in seen:
            raise validation_error(f'Binding name "{name}" is used more than once.')
        seen.add(name)
        for needed in BINDING_FIELDS[str(kind)]:
            if binding.get(needed) is None:
                raise validation_error(
                    f"binding {name} of type {kind} must have a {needed} specified"
                )
        if kind in ("plain_text", "secret_text") and not isinstance(binding["text"], str):
            raise validation_error(f"binding {name} of type {kind}: text must be a string")
        if kind == "secret_key" and "key_base64" not in binding and "key_jwk" not in binding:
            raise validation_error(
                f"binding {name} of type secret_key must have a key_base64 or key_jwk specified"
            )
        if kind in ("text_blob", "data_blob", "wasm_module") and binding["part"] not in parts:
            raise validation_error(
                f'binding {name} of type {kind} refers to part "{binding["part"]}", '
                "which is not in the upload"
            )


def _check_size(modules: list[Module], max_gzip_bytes: int, max_raw_bytes: int) -> None:
    raw = sum(len(m.content) for m in modules)
    if raw > max_raw_bytes:
        raise script_too_large(raw, max_raw_bytes, "uncompressed")
    compressed = len(gzip.compress(b"".join(m.content for m in modules), compresslevel=6))
    if compressed > max_gzip_bytes:
        raise script_too_large(compressed, max_gzip_bytes, "compressed")


def merge_kept_bindings(
    new: list[dict[str, Any]], keep_types: Iterable[str] | None, previous: WorkerVersion | None
) -> list[dict[str, Any]]:
    """The new bindings plus the previous version's bindings of the kept types that the
    new metadata does not name.

    Without ``keep_bindings`` at all (``None``), the previous secrets are kept: secrets have
    always outlived a plain re-deploy (``wrangler deploy`` sends no ``keep_bindings`` and
    its users' secrets stay), and wrangler lists ``secret_text``/``secret_key`` whenever it
    does send the field (cloudflare/workers-sdk#5296), because a given list carries over
    only the types it names.
    """
    result = [dict(b) for b in new]
    if previous is None:
        return result
    kept = SECRET_TYPES if keep_types is None else set(keep_types)
    names = {b["name"] for b in result}
    for binding in previous.bindings:
        if binding.get("type") in kept and binding["name"] not in names:
            result.append(dict(binding))
    return result
