"""Bindings in a wrangler configuration: every kind wrangler 4 uploads, and its API shape.

Each :class:`BindingKind` row says where the entries live in the file (``kv_namespaces``,
``durable_objects.bindings``, …), the API ``type`` they become, and how each field of an
entry maps to a field of the binding, following what wrangler puts in the upload's
``metadata.bindings`` (workers-sdk ``packages/deploy-helpers/src/deploy/helpers/
create-worker-upload-form.ts`` and ``binding-utils.ts``; the API shapes are on
https://developers.cloudflare.com/workers/configuration/multipart-upload-metadata/#bindings).
Fields that only matter to local development or to other wrangler commands are listed as
``local`` and not uploaded.

A KV namespace, D1 database or R2 bucket entry without its ID (or bucket name) is
provisioned by name as wrangler 4 does (see :mod:`cfaction.ops.worker.provision`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

Kind = Literal["string", "integer", "number", "boolean", "object", "list"]
ResourceKind = Literal["kv", "d1", "r2"]

KIND_CHECKS: Final[Mapping[Kind, Callable[[Any], bool]]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
}


class BindingShapeError(ValueError):
    """An entry does not have the shape its kind needs; ``problem``/``fix`` for the user,
    ``where`` the sub-path (``.simple``) it is about."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@dataclass(frozen=True)
class Field:
    """One field of an entry: its key in the file and in the API binding."""

    key: str
    api: str = ""
    kind: Kind = "string"
    required: bool = False
    hint: str = ""
    empty_is_error: bool = False
    """``""`` is refused as wrangler refuses it, rather than read as absent."""

    @property
    def api_key(self) -> str:
        return self.api or self.key


@dataclass(frozen=True)
class Provisioned:
    """An entry that names no existing resource: the resource is found or created by name."""

    resource: ResourceKind
    field: str
    """The API binding field the resource's ID (or name) fills."""
    name_key: str
    """The entry's field that names the resource, when it has one (else a name is derived)."""


@dataclass(frozen=True)
class BindingKind:
    """Entries of one key of the file and the API binding type they make."""

    key: str
    type: str
    fields: tuple[Field, ...] = ()
    name_key: str = "binding"
    local: frozenset[str] = frozenset()
    """Fields for local development or other wrangler commands: not part of an upload."""
    single: bool = False
    """The key holds one object (``ai = {binding = "AI"}``), not a list of them."""
    provision: Provisioned | None = None
    convert: Callable[[Mapping[str, Any], dict[str, Any]], None] | None = None
    """Shapes a table of fields cannot say (nested objects, one-of fields)."""
    top_level_only: bool = False


@dataclass(frozen=True)
class ConfigBinding:
    """One binding of the file: where it is written and the API binding it makes."""

    where: str
    binding: dict[str, Any]
    provision: Provisioned | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields of the entry used besides the binding (a Workflow's ``limits`` and
    ``schedules``, a D1 database's ``database_name``)."""

    @property
    def name(self) -> str:
        return str(self.binding["name"])


def _drop_empty(entry: Mapping[str, Any], binding: dict[str, Any]) -> None:
    """Durable Object bindings: empty ``script_name``/``environment`` are left out."""
    for key in ("script_name", "environment"):
        if binding.get(key) == "":
            del binding[key]


def _dispatch_outbound(entry: Mapping[str, Any], binding: dict[str, Any]) -> None:
    """``outbound = {service, environment?, parameters?}`` becomes
    ``{worker: {service, environment?}, params?: [{name}]}``."""
    outbound = entry.get("outbound")
    if outbound is None:
        return
    if not isinstance(outbound, dict) or not isinstance(outbound.get("service"), str):
        raise BindingShapeError(
            "outbound has no service.", 'Write outbound = { service = "<worker name>" }.'
        )
    worker = {"service": outbound["service"]}
    if isinstance(outbound.get("environment"), str):
        worker["environment"] = outbound["environment"]
    result: dict[str, Any] = {"worker": worker}
    parameters = outbound.get("parameters")
    if parameters is not None:
        if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters):
            raise BindingShapeError(
                "outbound.parameters is not a list of names.", 'Write parameters = ["name"].'
            )
        result["params"] = [{"name": p} for p in parameters]
    binding["outbound"] = result


def _one_of(*keys: str) -> Callable[[Mapping[str, Any], dict[str, Any]], None]:
    """Exactly one of ``keys``, a non-empty string, copied as is."""

    def convert(entry: Mapping[str, Any], binding: dict[str, Any]) -> None:
        given = [k for k in keys if entry.get(k) not in (None, "")]
        if len(given) != 1 or not isinstance(entry[given[0]], str):
            raise BindingShapeError(
                f"needs exactly one of {' or '.join(keys)}.", f"Give {keys[0]}."
            )
        binding[given[0]] = entry[given[0]]

    return convert


def _pipeline_stream(entry: Mapping[str, Any], binding: dict[str, Any]) -> None:
    """``stream``, or the deprecated ``pipeline`` when there is no stream: wrangler sends the
    first of the two that is set, and only that one."""
    for key in ("stream", "pipeline"):
        value = entry.get(key)
        if value not in (None, ""):
            if not isinstance(value, str):
                raise BindingShapeError(f"{key} is not a string.", f"Write {key} as a string.")
            binding[key] = value
            return
    raise BindingShapeError("has no stream.", "Add the name of the stream to write to.")


_BINDING: Final = Field("binding", "name", required=True)
_REMOTE: Final = frozenset({"remote"})

BINDING_KINDS: Final[tuple[BindingKind, ...]] = (
    BindingKind(
        "kv_namespaces",
        "kv_namespace",
        (_BINDING, Field("id", "namespace_id", empty_is_error=True)),
        local=frozenset({"preview_id", "remote"}),
        provision=Provisioned("kv", "namespace_id", ""),
    ),
    BindingKind(
        "send_email",
        "send_email",
        (
            Field("destination_address"),
            Field("allowed_destination_addresses", kind="list"),
            Field("allowed_sender_addresses", kind="list"),
        ),
        name_key="name",
        local=_REMOTE,
    ),
    BindingKind(
        "durable_objects.bindings",
        "durable_object_namespace",
        (
            Field("class_name", required=True, hint="the exported class"),
            Field("script_name"),
            Field("environment"),
        ),
        name_key="name",
        convert=_drop_empty,
    ),
    BindingKind(
        "workflows",
        "workflow",
        (
            _BINDING,
            Field("name", "workflow_name", required=True, hint="the Workflow's name"),
            Field("class_name", required=True, hint="the exported WorkflowEntrypoint class"),
            Field("script_name"),
        ),
        local=frozenset({"limits", "schedules", "remote"}),
    ),
    BindingKind(
        "queues.producers",
        "queue",
        (
            _BINDING,
            Field("queue", "queue_name", required=True, hint="the queue's name"),
            Field("delivery_delay", kind="integer"),
        ),
        local=_REMOTE,
    ),
    BindingKind(
        "r2_buckets",
        "r2_bucket",
        (_BINDING, Field("bucket_name", empty_is_error=True), Field("jurisdiction")),
        local=frozenset({"preview_bucket_name", "remote", "local_dev"}),
        provision=Provisioned("r2", "bucket_name", ""),
    ),
    BindingKind(
        "d1_databases",
        "d1",
        (
            _BINDING,
            Field("database_id", "id"),
            Field("database_internal_env", "internalEnv"),
        ),
        local=frozenset(
            {
                "database_name",
                "preview_database_id",
                "migrations_table",
                "migrations_dir",
                "migrations_pattern",
                "remote",
            }
        ),
        provision=Provisioned("d1", "id", "database_name"),
    ),
    BindingKind(
        "vectorize",
        "vectorize",
        (_BINDING, Field("index_name", required=True, hint="the index's name")),
        local=_REMOTE,
    ),
    BindingKind(
        "hyperdrive",
        "hyperdrive",
        (_BINDING, Field("id", required=True, hint="the Hyperdrive configuration's ID")),
        local=frozenset({"localConnectionString"}),
    ),
    BindingKind(
        "secrets_store_secrets",
        "secrets_store_secret",
        (
            _BINDING,
            Field("store_id", required=True, hint="the secrets store's ID"),
            Field("secret_name", required=True, hint="the secret's name in the store"),
        ),
    ),
    BindingKind(
        "ratelimits",
        "ratelimit",
        (
            Field("namespace_id", required=True, hint="a namespace ID of your choice"),
            Field("simple", kind="object", required=True, hint="simple = { limit, period }"),
        ),
        name_key="name",
    ),
    BindingKind(
        "vpc_services",
        "vpc_service",
        (_BINDING, Field("service_id", required=True, hint="the VPC service's ID")),
        local=_REMOTE,
    ),
    BindingKind(
        "vpc_networks",
        "vpc_network",
        (_BINDING,),
        local=frozenset({"remote", "tunnel_id", "network_id"}),
        convert=_one_of("tunnel_id", "network_id"),
    ),
    BindingKind(
        "services",
        "service",
        (
            _BINDING,
            Field("service", required=True, hint="the name of the Worker to call"),
            Field("cross_account_grant"),
            Field("environment"),
            Field("entrypoint"),
            Field("props", kind="object"),
        ),
        local=frozenset({"remote", "dev"}),
    ),
    BindingKind(
        "analytics_engine_datasets",
        "analytics_engine",
        # Without dataset, Cloudflare writes to a dataset named after the binding.
        (_BINDING, Field("dataset", empty_is_error=True)),
    ),
    BindingKind(
        "dispatch_namespaces",
        "dispatch_namespace",
        (_BINDING, Field("namespace", required=True, hint="the dispatch namespace's name")),
        local=frozenset({"remote", "outbound"}),
        convert=_dispatch_outbound,
    ),
    BindingKind(
        "mtls_certificates",
        "mtls_certificate",
        (_BINDING, Field("certificate_id", required=True, hint="the certificate's ID")),
        local=_REMOTE,
    ),
    BindingKind(
        "pipelines",
        "pipelines",
        (_BINDING,),
        local=frozenset({"remote", "stream", "pipeline"}),
        convert=_pipeline_stream,
    ),
    BindingKind("worker_loaders", "worker_loader", (_BINDING,)),
    BindingKind("logfwdr.bindings", "logfwdr", (Field("destination", required=True),), "name"),
    BindingKind("browser", "browser", (_BINDING,), local=_REMOTE, single=True),
    BindingKind(
        "ai", "ai", (_BINDING, Field("staging", kind="boolean")), local=_REMOTE, single=True
    ),
    BindingKind("images", "images", (_BINDING,), local=_REMOTE, single=True),
    BindingKind("stream", "stream", (_BINDING,), local=_REMOTE, single=True),
    BindingKind("media", "media", (_BINDING,), local=_REMOTE, single=True),
    BindingKind("version_metadata", "version_metadata", (_BINDING,), single=True),
)
"""Every binding kind cfaction uploads, in the order wrangler adds them to the metadata."""

BINDING_KEYS: Final = frozenset(kind.key.partition(".")[0] for kind in BINDING_KINDS)
"""The top-level keys that hold bindings."""


def convert(kind: BindingKind, entry: Mapping[str, Any]) -> dict[str, Any]:
    """The API binding of one entry (``name`` first, then ``type``, then its fields).

    :raises BindingShapeError: for a missing required field or a field of the wrong kind.
    """
    name = entry.get(kind.name_key)
    if kind.name_key == "name" and name is None and kind.key == "send_email":
        name = entry.get("binding")  # wrangler accepts either
    if not isinstance(name, str) or not name:
        raise BindingShapeError(
            f"has no {kind.name_key}.", "Add the name the Worker's code uses (env.NAME)."
        )
    binding: dict[str, Any] = {"name": name, "type": kind.type}
    for spec in kind.fields:
        if spec.key == kind.name_key:
            continue
        value = entry.get(spec.key)
        if value == "" and spec.empty_is_error:
            raise BindingShapeError(f"{spec.key} is empty.", f"Give {spec.key} or remove it.")
        if value is None or value == "":
            if spec.required:
                raise BindingShapeError(f"has no {spec.key}.", f"Add {spec.hint or spec.key}.")
            continue
        if not KIND_CHECKS[spec.kind](value):
            raise BindingShapeError(
                f"{spec.key} is not {_a(spec.kind)}.", f"Write {spec.key} as {_a(spec.kind)}."
            )
        binding[spec.api_key] = value
    if kind.convert is not None:
        kind.convert(entry, binding)
    return binding


def unknown_fields(kind: BindingKind, entry: Mapping[str, Any]) -> list[str]:
    """Fields of an entry that neither the upload nor local development knows."""
    known = {spec.key for spec in kind.fields} | kind.local | {kind.name_key}
    if kind.key == "send_email":
        known.add("binding")
    return [key for key in entry if key not in known]


def _a(kind: Kind) -> str:
    return {
        "string": "a string",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "object": "a table",
        "list": "a list",
    }[kind]
