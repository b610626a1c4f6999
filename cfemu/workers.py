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
  Durable Object migrations are checked by durable_objects.py, what bindings name by
  upload_checks.py.
* 10027 (400) "script too large" (our choice): over ``State.workers_max_gzip_bytes``
  (10 MB) gzip-compressed or ``State.workers_max_raw_bytes`` (64 MiB) raw.
* 10215 (400) a secret edit while the latest deployment splits traffic (real).
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
    "check_settings",
    "parse_upload",
    "split_multipart",
    "validate_bindings",
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


def split_multipart(body: bytes, content_type: str) -> list[tuple[str, str, bytes]]:
    """(part name, content type, bytes) for every part of a multipart/form-data body."""
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
    if not isinstance(annotations, dict):
        raise validation_error("annotations must be an object.")
    message = annotations.get("workers/message")
    if message is not None and (not isinstance(message, str) or len(message) > 50):
        raise validation_error("workers/message must be a string of at most 50 characters.")
    tag = annotations.get("workers/tag")
    if tag is not None and (not isinstance(tag, str) or len(tag) > 20):
        raise validation_error("workers/tag must be a string of at most 20 characters.")


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
