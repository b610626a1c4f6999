"""The Worker upload: its parts, the ``metadata`` part, and the multipart form, as
``wrangler deploy`` builds them (workers-sdk ``packages/deploy-helpers/src/deploy/helpers/
create-worker-upload-form.ts``; the fields are described on
https://developers.cloudflare.com/workers/configuration/multipart-upload-metadata/).

Part order: service-worker blobs, ``metadata``, the main module, the other modules, source
maps. Metadata fields follow wrangler's order, bindings are grouped by type in wrangler's
order, and ``unsafe.metadata`` is merged over the result last (a shallow merge, as wrangler
does).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cfaction.errors import ActionError, InputError
from cfaction.ops.base import Notice
from cfaction.ops.worker.assets.manifest import Manifest, build_manifest
from cfaction.ops.worker.bundling.bundle import Bundle, BundleOptions, bundle_worker
from cfaction.ops.worker.dependencies import package_dependencies
from cfaction.ops.worker.inputs import WorkerInputs
from cfaction.ops.worker.modules import (
    CONTENT_TYPES,
    SERVICE_WORKER_BLOBS,
    SOURCE_MAP_TYPE,
    Format,
    ModuleError,
    blob_binding_name,
    rewrite_source_map,
    source_map_url,
)

MAX_RAW_BYTES = 64 * 1024 * 1024
MAX_GZIP_BYTES = 10 * 1024 * 1024
FREE_GZIP_BYTES = 3 * 1024 * 1024
"""Worker size limits (https://developers.cloudflare.com/workers/platform/limits/#worker-size)."""
KEEP_SECRET_TYPES: Final = ("secret_text", "secret_key")
KEEP_VAR_TYPES: Final = ("plain_text", "json")
OBSERVABILITY_OFF: Final[Mapping[str, Any]] = {"enabled": False}

BINDING_ORDER: Final = [
    "inherit",
    "plain_text",
    "json",
    "secret_text",
    "kv_namespace",
    "send_email",
    "durable_object_namespace",
    "workflow",
    "queue",
    "r2_bucket",
    "d1",
    "vectorize",
    "hyperdrive",
    "secrets_store_secret",
    "ratelimit",
    "vpc_service",
    "vpc_network",
    "service",
    "analytics_engine",
    "dispatch_namespace",
    "mtls_certificate",
    "pipelines",
    "worker_loader",
    "logfwdr",
    "wasm_module",
    "browser",
    "ai",
    "images",
    "stream",
    "media",
    "version_metadata",
    "assets",
    "text_blob",
    "data_blob",
]
"""The order wrangler groups bindings in; other types (unsafe bindings) come after."""

Form = list[tuple[str, tuple[str | None, bytes | str, str]]]
"""Multipart parts as ``requests`` takes them: (field, (file name, content, type))."""


@dataclass(frozen=True)
class Part:
    name: str
    content_type: str
    data: bytes
    filename: str = ""

    @property
    def file_name(self) -> str:
        return self.filename or self.name


@dataclass(frozen=True)
class Upload:
    """What goes up: the module parts (entry first), the blob parts of a service worker, and
    the bindings and metadata fields made from files (blobs, package dependencies)."""

    parts: tuple[Part, ...]
    blob_parts: tuple[Part, ...]
    blob_bindings: tuple[dict[str, Any], ...]
    source_maps: tuple[Part, ...]
    package_dependencies: tuple[dict[str, str], ...]
    format: Format = "modules"
    bundle: Bundle | None = None
    """What bundling made, when the Worker was bundled."""
    assets: Manifest | None = None
    """The static assets, hashed (sent to the upload session, not in this form)."""

    @property
    def main_name(self) -> str:
        """The main module's part name (``main_module`` or ``body_part``); "" for an
        assets-only Worker, which has no code."""
        return self.parts[0].name if self.parts else ""

    @property
    def modules(self) -> tuple[Part, ...]:
        """Every part the Worker is made of, for the size check and the summary."""
        return (*self.blob_parts, *self.parts, *self.source_maps)


def read_upload(worker: WorkerInputs, environ: Mapping[str, str] | None = None) -> Upload:
    """Read (and with bundling, build) every file of the upload; nothing is sent.

    ``environ`` (default: this process's) says where the bundler's tools are.

    :raises InputError: for a source map that is missing or a ``data:`` URL.
    :raises BundleError: when esbuild cannot bundle the Worker.
    """
    assets = (
        build_manifest(worker.assets.directory, worker.workspace_root)
        if worker.assets is not None and worker.assets.directory is not None
        else None
    )
    if worker.entry is None:
        return Upload((), (), (), (), (), assets=assets)
    entry = worker.entry
    built = bundle_worker(bundle_options(worker), environ or os.environ) if worker.bundle else None
    fmt: Format = built.format if built else (worker.format or "modules")
    modules = built.modules if built else worker.modules
    if built is not None:
        parts = [Part(built.main_name, built.main_content_type, built.main)]
    else:
        main_type = (
            "application/javascript"
            if fmt == "service-worker"
            else (
                CONTENT_TYPES["PythonModule"]
                if entry.suffix == ".py"
                else CONTENT_TYPES["ESModule"]
            )
        )
        parts = [Part(worker.entry_name, main_type, entry.read_bytes())]
    blob_parts: list[Part] = []
    blob_bindings: list[dict[str, Any]] = []
    for blob in worker.config.blobs:
        data = blob.path.read_bytes() if blob.path.is_file() else _missing_blob(blob.path)
        blob_parts.append(Part(blob.name, _BLOB_TYPES[blob.type], data, str(blob.path.name)))
        blob_bindings.append({"name": blob.name, "type": blob.type, "part": blob.name})
    for module in modules:
        data = module.path.read_bytes()
        if fmt == "service-worker" and module.type in SERVICE_WORKER_BLOBS:
            binding = blob_binding_name(module.name)
            blob_parts.append(Part(binding, module.content_type, data, module.name))
            blob_bindings.append(
                {"name": binding, "type": SERVICE_WORKER_BLOBS[module.type], "part": binding}
            )
        else:
            parts.append(Part(module.name, module.content_type, data))
    if built is not None:
        maps = (
            [Part(f"{built.main_name}.map", SOURCE_MAP_TYPE, built.source_map)]
            if built.source_map is not None
            else []
        )
    else:
        maps = _source_maps(worker, parts) if worker.config.upload_source_maps else []
    dependencies = (
        package_dependencies(worker.project_root, worker.config.dependencies_exclude)
        if worker.config.dependencies_instrumentation
        else ()
    )
    return Upload(
        tuple(parts),
        tuple(blob_parts),
        tuple(blob_bindings),
        tuple(maps),
        dependencies,
        format=fmt,
        bundle=built,
        assets=assets,
    )


def bundle_options(worker: WorkerInputs) -> BundleOptions:
    """What wrangler bundles the Worker with, from the inputs and the config."""
    config = worker.config
    own = [
        b.binding
        for b in worker.bindings
        if b.binding["type"] in ("durable_object_namespace", "workflow")
        and not b.binding.get("script_name")
    ]
    assert worker.entry is not None, "an assets-only Worker is not bundled"
    return BundleOptions(
        entry=worker.entry,
        project_root=worker.project_root,
        compatibility_date=worker.compatibility_date,
        compatibility_flags=worker.compatibility_flags,
        format=worker.format,
        rules=config.rules,
        find_additional_modules=config.find_additional_modules is True,
        walked=worker.modules,
        preserve_file_names=bool(config.preserve_file_names),
        build=config.build,
        upload_source_maps=config.upload_source_maps,
        exported_classes=tuple(
            dict.fromkeys(
                str(b["class_name"]) for b in own if b["type"] == "durable_object_namespace"
            )
        ),
        exported_workflows=tuple(
            dict.fromkeys(str(b["class_name"]) for b in own if b["type"] == "workflow")
        ),
        node_env=os.environ.get("NODE_ENV") or "production",
        **build_environment(os.environ),
    )


def build_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The variables wrangler's bundler reads (``WRANGLER_BUILD_CONDITIONS``,
    ``WRANGLER_BUILD_PLATFORM``), applied as wrangler applies them.

    :raises InputError: for a platform esbuild does not have, as wrangler refuses it.
    """
    found: dict[str, Any] = {}
    conditions = environ.get("WRANGLER_BUILD_CONDITIONS")
    if conditions is not None:
        found["conditions"] = tuple(conditions.split(","))
    platform = environ.get("WRANGLER_BUILD_PLATFORM")
    if platform:
        if platform not in ("browser", "node", "neutral"):
            raise InputError(
                "WRANGLER_BUILD_PLATFORM",
                f"'{platform}' is not an esbuild platform.",
                "Write browser, node or neutral, or unset it.",
            )
        found["platform"] = platform
    return found


_BLOB_TYPES: Final = {
    "wasm_module": CONTENT_TYPES["CompiledWasm"],
    "text_blob": CONTENT_TYPES["Text"],
    "data_blob": CONTENT_TYPES["Data"],
}


def _missing_blob(path: Path) -> bytes:
    raise InputError(
        "config", f"the blob file '{path}' does not exist.", "Fix the path in the config."
    )


def _source_maps(worker: WorkerInputs, parts: Sequence[Part]) -> list[Part]:
    """The source maps the modules point at (``//# sourceMappingURL=``), as wrangler uploads
    them without bundling: ``<module>.map``, rewritten."""
    paths = {m.name: m.path for m in worker.modules}
    if worker.entry is not None:
        paths[worker.entry_name] = worker.entry
    maps = []
    for part in parts:
        path = paths[part.name]
        try:
            url = source_map_url(part.data)
        except ModuleError as error:
            raise InputError(
                "config", f"upload_source_maps: {part.name}: {error}.", "Point it at a .map file."
            ) from None
        if url is None:
            continue
        map_path = path.parent / url
        if not map_path.is_file():
            raise InputError(
                "config",
                f"upload_source_maps: {part.name} names the source map {url}, which does not "
                "exist.",
                "Build the source map next to the module, or set upload_source_maps = false.",
            )
        text = rewrite_source_map(map_path.read_text(encoding="utf-8"), part.name)
        maps.append(Part(f"{part.name}.map", SOURCE_MAP_TYPE, text.encode()))
    return maps


def bundle_notices(upload: Upload) -> list[Notice]:
    """esbuild's warnings (and the bundler's own), one annotation each."""
    if upload.bundle is None:
        return []
    return [Notice("Bundling", warning) for warning in upload.bundle.warnings]


def check_sizes(upload: Upload) -> list[Notice]:
    """Refuse a Worker above every plan's limits; warn above the Free plan's."""
    parts = upload.modules
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
        return [
            Notice(
                "Worker size",
                f"The Worker is {packed / 1e6:.1f} MB gzipped: above the Free plan's 3 MB limit "
                "(paid plans allow 10 MB).",
            )
        ]
    return []


def bindings(
    worker: WorkerInputs, upload: Upload, extra: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The metadata's bindings, grouped by type in wrangler's order: vars, secrets, the
    config's and the input's bindings (``extra`` replaces those of the same name, e.g. a
    provisioned or inherited one), unsafe bindings, then a service worker's module blobs."""
    replaced = {b["name"]: dict(b) for b in extra}
    found: list[dict[str, Any]] = []
    for name, value in worker.vars.items():
        if isinstance(value, str):
            found.append({"name": name, "type": "plain_text", "text": value})
        else:
            found.append({"name": name, "type": "json", "json": value})
    for name, value in worker.secrets.items():
        found.append({"name": name, "type": "secret_text", "text": value})
    for item in worker.bindings:
        found.append(replaced.pop(item.name) if item.name in replaced else dict(item.binding))
    found.extend(replaced.values())
    if worker.assets is not None and worker.assets.binding and worker.entry is not None:
        found.append({"name": worker.assets.binding, "type": "assets"})
    config_blobs = [
        b for b in upload.blob_bindings if b["part"] in {x.name for x in worker.config.blobs}
    ]
    found.extend(config_blobs)
    found.extend(dict(b) for b in worker.config.unsafe_bindings)
    order = {kind: index for index, kind in enumerate(BINDING_ORDER)}
    found.sort(key=lambda b: order.get(str(b.get("type")), len(order)))
    module_blobs = [b for b in upload.blob_bindings if b not in config_blobs]
    return found + module_blobs


def keep_bindings(keep_vars: bool, sends_secrets: bool, keep_secrets: bool) -> list[str] | None:
    """``metadata.keep_bindings``, or None to leave it out.

    A Worker's secrets outlive an upload that has no ``keep_bindings`` (a plain ``wrangler
    deploy`` sends none), while a given list carries over only the types it names. So, as
    wrangler does (``keepSecrets = keepVars || secretsFile``), the secret types are listed
    when the list is sent anyway for ``keep_vars`` or when the upload carries secrets of its
    own. ``keep_secrets: false`` sends the list without them, ``[]`` if nothing else is kept,
    so the secrets the upload does not carry are dropped.
    """
    kept = list(KEEP_VAR_TYPES) if keep_vars else []
    if not keep_secrets:
        return kept
    if keep_vars or sends_secrets:
        return [*kept, *KEEP_SECRET_TYPES]
    return None


def build_metadata(
    worker: WorkerInputs,
    upload: Upload,
    metadata_bindings: list[dict[str, Any]],
    migrations: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``metadata`` part, in wrangler's field order, then ``unsafe.metadata`` merged.
    The assets' ``jwt`` is left empty: the upload session's completion token fills it."""
    if worker.entry is None:
        return _assets_only_metadata(worker, upload)
    metadata: dict[str, Any] = {}
    if upload.format == "service-worker":
        metadata["body_part"] = upload.main_name
    else:
        metadata["main_module"] = upload.main_name
    metadata["bindings"] = metadata_bindings
    metadata["compatibility_date"] = worker.compatibility_date
    metadata["compatibility_flags"] = list(worker.compatibility_flags)
    if migrations:
        metadata["migrations"] = dict(migrations)
    version_only = not worker.deploy
    # A version upload always keeps the secrets (wrangler versions upload: keepSecrets true).
    sends_secrets = bool(worker.secrets) or version_only
    keep = keep_bindings(worker.config.keep_vars, sends_secrets, worker.keep_secrets)
    if keep is not None:
        metadata["keep_bindings"] = keep
    settings = worker.config.settings
    # logpush, observability and streaming tail consumers are settings of the Worker, not of
    # a version: a version upload leaves them out, as wrangler's does.
    versioned = ("placement", "tail_consumers", "limits")
    per_worker = ("logpush", "placement", "tail_consumers", "streaming_tail_consumers", "limits")
    for key in versioned if version_only else per_worker:
        if key in settings:
            metadata[key] = settings[key]
    if version_only:
        metadata["annotations"] = _version_annotations(worker)
    elif worker.message:
        metadata["annotations"] = {"workers/message": worker.message}
    if upload.assets is not None:
        metadata["assets"] = {"jwt": "", "config": assets_config(worker, upload.assets)}
    # A config without observability turns it off, as wrangler's re-deploy does
    # (``observability ?? {enabled: false}`` in its script-settings PATCH): the Worker ends
    # as wrangler leaves it, on a first deploy too, without the read wrangler spends on
    # telling the two apart.
    if not version_only:
        metadata["observability"] = dict(settings.get("observability", OBSERVABILITY_OFF))
    if "cache_options" in settings:
        metadata["cache_options"] = settings["cache_options"]
    if upload.package_dependencies:
        metadata["package_dependencies"] = [dict(d) for d in upload.package_dependencies]
    metadata.update(worker.config.unsafe_metadata)
    return metadata


def _version_annotations(worker: WorkerInputs) -> dict[str, str]:
    """A version upload's annotations: always sent, with the message and the alias."""
    annotations = {}
    if worker.message:
        annotations["workers/message"] = worker.message
    if worker.preview_alias:
        annotations["workers/alias"] = worker.preview_alias
    return annotations


def _assets_only_metadata(worker: WorkerInputs, upload: Upload) -> dict[str, Any]:
    """An assets-only Worker's metadata: the assets and the dates, nothing else, as
    wrangler sends it (``createWorkerUploadForm``'s short circuit)."""
    assert upload.assets is not None
    metadata: dict[str, Any] = {
        "assets": {"jwt": "", "config": assets_config(worker, upload.assets)}
    }
    if worker.message:
        metadata["annotations"] = {"workers/message": worker.message}
    metadata["compatibility_date"] = worker.compatibility_date
    metadata["compatibility_flags"] = list(worker.compatibility_flags)
    return metadata


def assets_config(worker: WorkerInputs, manifest: Manifest) -> dict[str, Any]:
    """``assets.config``: the routing settings that are set, and ``_redirects`` and
    ``_headers`` as written."""
    spec = worker.assets
    fields: dict[str, Any] = {
        "html_handling": spec.html_handling if spec else None,
        "not_found_handling": spec.not_found_handling if spec else None,
        "run_worker_first": (
            list(spec.run_worker_first)
            if spec and isinstance(spec.run_worker_first, tuple)
            else (spec.run_worker_first if spec else None)
        ),
        "_redirects": manifest.redirects,
        "_headers": manifest.headers,
    }
    return {key: value for key, value in fields.items() if value is not None}


def form(upload: Upload, metadata: Mapping[str, Any]) -> Form:
    """The multipart form of an upload, in wrangler's part order."""
    files: Form = [(p.name, (p.file_name, p.data, p.content_type)) for p in upload.blob_parts]
    files.append(("metadata", (None, json.dumps(metadata), "application/json")))
    files += [(p.name, (p.file_name, p.data, p.content_type)) for p in upload.parts]
    files += [(p.name, (p.file_name, p.data, p.content_type)) for p in upload.source_maps]
    return files
