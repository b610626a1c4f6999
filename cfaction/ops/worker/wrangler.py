"""The Worker settings of a wrangler configuration (input ``config`` of ``operation: worker``).

Reads one environment of ``wrangler.toml``, ``wrangler.json`` or ``wrangler.jsonc`` the way
wrangler 4 does and turns every key into what the upload needs: the Worker's settings,
bindings (:mod:`cfaction.ops.worker.bindings`), triggers, migrations and module rules. Every
key is applied, ignored because it cannot change the deployed Worker, or refused before any
API call (:mod:`cfaction.ops.worker.config_keys`); nothing is dropped silently.

Environments follow wrangler (workers-sdk ``packages/workers-utils/src/config/
validation.ts`` and ``validation-helpers.ts``):

* inheritable keys (``name``, ``main``, ``compatibility_date``, ``routes``, ``triggers``, …)
  come from the top level unless the environment sets them; the name becomes
  ``<name>-<environment>`` unless the environment sets ``name``;
* non-inheritable keys (``vars`` and every binding) are never inherited: an environment
  without its own ``vars`` has none, and wrangler warns about each such key;
* top-level-only keys (``keep_vars``, ``alias``, ``wasm_modules``, …) apply to every
  environment; written inside one they are ignored with a warning, as wrangler does.

One difference: wrangler inherits ``route`` and ``routes`` separately, so an environment
that sets ``route`` would still get the top-level ``routes`` (which win). Here an environment
that sets either one replaces both.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from cfaction.errors import InputError
from cfaction.ops.worker.bindings import (
    BINDING_KINDS,
    BindingKind,
    BindingShapeError,
    ConfigBinding,
    convert,
    unknown_fields,
)
from cfaction.ops.worker.config_keys import KEYS
from cfaction.ops.worker.wrangler_file import (
    describe_kind,
    parse_top_level,
    read_top_level,
    select_environment,
    strip_jsonc,
)
from cfaction.workspace import Workspace

__all__ = [
    "MODULE_RULE_TYPES",
    "AssetsSpec",
    "Blob",
    "BuildOptions",
    "Migration",
    "ModuleRule",
    "QueueConsumer",
    "RouteSpec",
    "WorkerConfig",
    "Workflow",
    "load_worker_config",
    "parse_worker_config",
    "strip_jsonc",
]

ROUTE_KEYS: Final = ("route", "routes")
ROUTE_FIELDS: Final = frozenset(
    {"pattern", "zone_name", "zone_id", "custom_domain", "enabled", "previews_enabled"}
)
NON_INHERITABLE: Final = frozenset(
    [
        "vars",
        "secrets",
        "define",
        "durable_objects",
        "workflows",
        "kv_namespaces",
        "cloudchamber",
        "containers",
        "send_email",
        "queues",
        "connect",
        "r2_buckets",
        "d1_databases",
        "vectorize",
        "ai_search_namespaces",
        "ai_search",
        "websearch",
        "agent_memory",
        "hyperdrive",
        "services",
        "analytics_engine_datasets",
        "dispatch_namespaces",
        "mtls_certificates",
        "tail_consumers",
        "streaming_tail_consumers",
        "unsafe",
        "browser",
        "ai",
        "images",
        "stream",
        "media",
        "pipelines",
        "secrets_store_secrets",
        "artifacts",
        "unsafe_hello_world",
        "flagship",
        "worker_loaders",
        "ratelimits",
        "vpc_services",
        "vpc_networks",
        "version_metadata",
    ]
)
"""wrangler's ``EnvironmentNonInheritable`` keys (workers-utils ``config/environment.ts``)."""
TOP_LEVEL_ONLY: Final = frozenset(
    [
        "$schema",
        "env",
        "send_metrics",
        "dependencies_instrumentation",
        "dev",
        "site",
        "wasm_modules",
        "text_blobs",
        "data_blobs",
        "alias",
        "keep_vars",
        "addresses",
        "pages_build_output_dir",
        "legacy_env",
    ]
)
"""Keys of the whole file (wrangler's ``ConfigFields``): they apply to every environment."""
MODULE_RULE_TYPES: Final = ("ESModule", "CommonJS", "CompiledWasm", "Text", "Data")
"""The rule types a config may name (wrangler's validation accepts these five)."""
BLOB_KEYS: Final = {
    "wasm_modules": "wasm_module",
    "text_blobs": "text_blob",
    "data_blobs": "data_blob",
}
QUEUE_CONSUMER_FIELDS: Final = frozenset(
    {
        "queue",
        "type",
        "max_batch_size",
        "max_batch_timeout",
        "max_retries",
        "dead_letter_queue",
        "max_concurrency",
        "visibility_timeout_ms",
        "retry_delay",
    }
)
MIGRATION_STEP_KEYS: Final = (
    "new_classes",
    "new_sqlite_classes",
    "renamed_classes",
    "deleted_classes",
    "transferred_classes",
)

_BINDINGS_TABLES: Final = frozenset({"durable_objects", "logfwdr"})
"""Tables whose entries live under ``bindings``, which wrangler requires."""
_EXTRA_FIELDS: Final = ("limits", "schedules", "database_name")
"""Entry fields used besides the binding: a Workflow's own settings, a D1 database's name."""
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_FIELDS: Final = ("max_batch_size", "max_batch_timeout", "max_retries", "retry_delay")


@dataclass(frozen=True)
class RouteSpec:
    """One route as written: a pattern, with the zone it belongs to when the file says."""

    pattern: str
    zone_name: str | None = None
    zone_id: str | None = None
    custom_domain: bool = False


@dataclass(frozen=True)
class Migration:
    """One entry of ``migrations``: its tag and its step (the entry without the tag)."""

    tag: str
    step: dict[str, Any]


@dataclass(frozen=True)
class QueueConsumer:
    """One entry of ``queues.consumers``, as written."""

    where: str
    queue: str
    settings: dict[str, Any]
    dead_letter_queue: str | None = None


@dataclass(frozen=True)
class Workflow:
    """A Workflow this Worker binds; it defines it when ``script_name`` is unset or its own."""

    where: str
    name: str
    class_name: str
    script_name: str | None = None
    limits: dict[str, Any] | None = None
    schedules: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ModuleRule:
    """One entry of ``rules``: files matching ``globs`` are modules of ``type``."""

    type: str
    globs: tuple[str, ...]
    fallthrough: bool | None = None


@dataclass(frozen=True)
class Blob:
    """A service-worker blob (``wasm_modules``, ``text_blobs``, ``data_blobs``): a binding of
    ``type`` named ``name`` whose content is the file ``path``."""

    type: str
    name: str
    path: Path


@dataclass(frozen=True)
class BuildOptions:
    """What the config says about bundling with esbuild."""

    define: dict[str, str] = field(default_factory=dict)
    alias: dict[str, str] = field(default_factory=dict)
    minify: bool | None = None
    keep_names: bool | None = None
    jsx_factory: str | None = None
    jsx_fragment: str | None = None
    tsconfig: Path | None = None


HTML_HANDLING: Final = (
    "auto-trailing-slash",
    "force-trailing-slash",
    "drop-trailing-slash",
    "none",
)
NOT_FOUND_HANDLING: Final = ("single-page-application", "404-page", "none")
ASSETS_FIELDS: Final = frozenset(
    {"directory", "binding", "html_handling", "not_found_handling", "run_worker_first"}
)


@dataclass(frozen=True)
class AssetsSpec:
    """``assets``: the folder of static files, the binding the Worker reads them through,
    and the routing settings sent with them (workers-sdk ``packages/workers-utils/src/
    config/validation.ts`` ``validateAssetsConfig``)."""

    directory: Path | None
    """Relative to the config file's folder, resolved; None when the config names none
    (the ``assets`` input must then give it)."""
    binding: str | None = None
    html_handling: str | None = None
    not_found_handling: str | None = None
    run_worker_first: bool | tuple[str, ...] | None = None


@dataclass(frozen=True)
class WorkerConfig:
    """What a wrangler configuration file says about the Worker, for one environment.

    ``None`` and empty values mean "not in the file". ``refused`` holds (key, what to do)
    for keys cfaction does not apply; ``warnings`` what wrangler would warn about and
    deploy anyway (keys that are not wrangler's, fields it does not read).
    """

    path: Path
    name: str | None = None
    main: Path | None = None
    compatibility_date: str | None = None
    compatibility_flags: tuple[str, ...] = ()
    account_id: str | None = None
    workers_dev: bool | None = None
    preview_urls: bool | None = None
    routes: tuple[RouteSpec, ...] = ()
    vars: dict[str, Any] = field(default_factory=dict)
    keep_vars: bool = False
    bindings: tuple[ConfigBinding, ...] = ()
    unsafe_bindings: tuple[dict[str, Any], ...] = ()
    unsafe_metadata: dict[str, Any] = field(default_factory=dict)
    blobs: tuple[Blob, ...] = ()
    required_secrets: tuple[str, ...] = ()
    migrations: tuple[Migration, ...] = ()
    crons: tuple[str, ...] | None = None
    queue_consumers: tuple[QueueConsumer, ...] = ()
    workflows: tuple[Workflow, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    """Metadata fields: observability, placement, limits, logpush, tail_consumers,
    streaming_tail_consumers, cache_options."""
    rules: tuple[ModuleRule, ...] = ()
    find_additional_modules: bool | None = None
    base_dir: Path | None = None
    preserve_file_names: bool | None = None
    no_bundle: bool | None = None
    upload_source_maps: bool | None = None
    python_exclude: tuple[str, ...] = ("**/*.pyc",)
    build: BuildOptions = field(default_factory=BuildOptions)
    assets: AssetsSpec | None = None
    dependencies_instrumentation: bool = True
    dependencies_exclude: tuple[str, ...] = ()
    environment: str | None = None
    top_level_name: str | None = None
    has_environments: bool = False
    refused: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()


def load_worker_config(
    path: Path, environment: str | None = None, *, workspace: Workspace | None = None
) -> WorkerConfig:
    """Read the wrangler configuration file at ``path`` for ``environment``
    (None or empty: the top level), from ``workspace`` (default: the file's own folder).

    :raises InputError: named ``config`` when the file cannot be read, parsed or used (the
        message names the key, and the line and column of a syntax error), named
        ``environment`` when the file defines no such environment.
    """
    return _from_top(path, read_top_level(path, workspace), environment)


def parse_worker_config(path: Path, text: str, environment: str | None = None) -> WorkerConfig:
    """The settings in ``text``, the content of the configuration file ``path``."""
    return _from_top(path, parse_top_level(path, text), environment)


def _from_top(path: Path, top: dict[str, Any], environment: str | None) -> WorkerConfig:
    env_name = (environment or "").strip() or None
    env = select_environment(path, top, env_name) if env_name else None
    return _Loader(path, top, env, env_name).load()


class _Loader:
    """Reads the settings of one environment (or the top level) out of the parsed file."""

    def __init__(
        self, path: Path, top: dict[str, Any], env: dict[str, Any] | None, env_name: str | None
    ) -> None:
        self.path = path
        self.top = top
        self.env = env
        self.env_name = env_name
        toml = path.suffix.lower() == ".toml"
        self.a_table = "a table" if toml else "an object"
        self.entries = self._entries()
        self.values = {
            key: (label, value) for key, label, value, applied in self.entries if applied
        }
        self.refused: list[tuple[str, str]] = []
        self.warnings: list[str] = []

    def _entries(self) -> list[tuple[str, str, Any, bool]]:
        """The keys in effect as (key, dotted name, value, applied), inherited ones first.

        Not applied: a file-wide key written inside an environment (wrangler ignores it).
        """
        if self.env is None:
            return [(key, key, value, True) for key, value in self.top.items() if key != "env"]
        env = self.env
        own_routes = any(key in env for key in ROUTE_KEYS)
        inherited = [
            (key, key, value, True)
            for key, value in self.top.items()
            if key != "env"
            and key not in NON_INHERITABLE
            and (key not in env or key in TOP_LEVEL_ONLY)
            and not (own_routes and key in ROUTE_KEYS)
        ]
        prefix = f"env.{self.env_name}."
        own = [(key, prefix + key, value, key not in TOP_LEVEL_ONLY) for key, value in env.items()]
        return inherited + own

    def load(self) -> WorkerConfig:
        self._classify()
        named = self._bindings()
        vars_ = self._vars()
        self._check_unique_names(vars_, named)
        top_name = self.top.get("name") if isinstance(self.top.get("name"), str) else None
        return WorkerConfig(
            path=self.path,
            name=self._name(),
            main=self._main(),
            compatibility_date=self._date(),
            compatibility_flags=self._strings("compatibility_flags") or (),
            account_id=self._text("account_id") or None,  # wrangler reads "" as not set
            workers_dev=self._bool("workers_dev"),
            preview_urls=self._bool("preview_urls"),
            routes=self._routes(),
            vars=vars_,
            keep_vars=bool(self._bool("keep_vars")),
            bindings=tuple(named),
            unsafe_bindings=self._unsafe_bindings(),
            unsafe_metadata=self._unsafe_metadata(),
            blobs=self._blobs(),
            required_secrets=self._required_secrets(),
            migrations=self._migrations(),
            crons=self._crons(),
            queue_consumers=self._queue_consumers(),
            workflows=self._workflows(named),
            settings=self._settings(),
            rules=self._rules(),
            find_additional_modules=self._bool("find_additional_modules"),
            base_dir=self._path("base_dir"),
            preserve_file_names=self._bool("preserve_file_names"),
            no_bundle=self._bool("no_bundle"),
            upload_source_maps=self._bool("upload_source_maps"),
            python_exclude=self._python_exclude(),
            build=self._build_options(),
            assets=self._assets(),
            dependencies_instrumentation=self._instrumentation()[0],
            dependencies_exclude=self._instrumentation()[1],
            environment=self.env_name,
            top_level_name=top_name,
            has_environments=isinstance(self.top.get("env"), dict) and bool(self.top["env"]),
            refused=tuple(dict.fromkeys(self.refused)),
            warnings=tuple(dict.fromkeys(self.warnings)),
        )

    # messages

    def _error(self, problem: str, fix: str) -> InputError:
        return InputError("config", f"{self.path}: {problem}", fix)

    def _type_error(self, label: str, value: Any, wanted: str, fix: str = "") -> InputError:
        return self._error(f"{label} is {describe_kind(value, self.a_table)}, not {wanted}.", fix)

    # key classification

    def _classify(self) -> None:
        for key, label, value, applied in self.entries:
            rule = KEYS.get(key)
            if not applied:
                self.warnings.append(
                    f"{label}: {key} applies to the whole file, not an environment; "
                    "wrangler ignores it here, and so does cfaction."
                )
            elif rule is None:
                self.warnings.append(
                    f"{label} is not a wrangler configuration key; wrangler ignores it, and so "
                    "does cfaction."
                )
            elif rule.disposition == "refused" or (
                key == "compliance_region" and value != "public"
            ):
                self.refused.append((label, rule.note))
            elif key in ("triggers", "unsafe") and isinstance(value, dict):
                for sub in value:
                    sub_rule = KEYS.get(f"{key}.{sub}")
                    if sub_rule is not None and sub_rule.disposition == "refused":
                        self.refused.append((f"{label}.{sub}", sub_rule.note))
        if self.env is not None:
            for key in self.top:
                if key in NON_INHERITABLE and key not in self.env:
                    self.warnings.append(
                        f'"{key}" exists at the top level, but not on "env.{self.env_name}"; '
                        "environments do not inherit it (as in wrangler), so this one has none."
                    )

    # plain settings

    def _value(self, key: str) -> tuple[str, Any]:
        return self.values.get(key, (key, None))

    def _text(self, key: str) -> str | None:
        label, value = self._value(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._type_error(label, value, "a string", f"Write {key} as a quoted string.")
        return value

    def _bool(self, key: str) -> bool | None:
        label, value = self._value(key)
        if value is None or isinstance(value, bool):
            return value
        raise self._type_error(label, value, "a boolean", f"Write {key} = true or false.")

    def _strings(self, key: str) -> tuple[str, ...] | None:
        label, value = self._value(key)
        if value is None:
            return None
        return self._string_list(label, value, f'Write a list, e.g. {key} = ["…"].')

    def _string_list(self, label: str, value: Any, fix: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self._type_error(label, value, "a list", fix)
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item:
                raise self._type_error(f"{label}[{index}]", item, "a non-empty string", fix)
        return tuple(value)

    def _filled(self, key: str, fix: str) -> str | None:
        """A string key that, when written, must not be empty."""
        text = self._text(key)
        if text is not None and not text.strip():
            raise self._error(f"{self.values[key][0]} is empty.", fix)
        return text

    def _name(self) -> str | None:
        name = self._filled("name", "Write the Worker's name, or remove name.")
        if name is not None and self.env is not None and "name" not in self.env:
            return f"{name}-{self.env_name}"
        return name

    def _main(self) -> Path | None:
        main = self._filled("main", "Write the entry module's path, or remove it.")
        return None if main is None else self._relative_path(main)

    def _path(self, key: str) -> Path | None:
        text = self._filled(key, f"Write {key} as a path, or remove it.")
        return None if text is None else self._relative_path(text)

    def _relative_path(self, text: str) -> Path:
        """A path of the config: relative to the config file's folder."""
        return Path(os.path.normpath(self.path.parent / text))

    def _date(self) -> str | None:
        label, value = self._value("compatibility_date")
        fix = 'Write it as a quoted date, e.g. compatibility_date = "2025-01-15".'
        if value is None:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()  # TOML reads an unquoted 2025-01-15 as a date
        if not isinstance(value, str):
            raise self._type_error(label, value, "a date in the form YYYY-MM-DD", fix)
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            date.fromisoformat(value)
        except ValueError:
            raise self._error(
                f"{label} '{value}' is not a date in the form YYYY-MM-DD.", fix
            ) from None
        return value

    def _table(self, key: str) -> tuple[str, dict[str, Any]] | None:
        label, value = self._value(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._type_error(label, value, self.a_table)
        return label, value

    # vars and secrets

    def _vars(self) -> dict[str, Any]:
        found = self._table("vars")
        if found is None:
            return {}
        label, value = found
        for name, item in value.items():
            where = f"{label}.{name}"
            if item is None:
                raise self._error(
                    f"{where} is null.",
                    "Give it a string, number, boolean, list or object, or remove it.",
                )
            self._check_json(where, item)
        return dict(value)

    def _check_json(self, where: str, value: Any) -> None:
        """Raise unless ``value`` can be sent as JSON (a ``json`` binding)."""
        if isinstance(value, list):
            for index, item in enumerate(value):
                self._check_json(f"{where}[{index}]", item)
        elif isinstance(value, dict):
            for key, item in value.items():
                self._check_json(f"{where}.{key}", item)
        elif isinstance(value, float) and not math.isfinite(value):
            raise self._error(f"{where} is {value}, which JSON cannot hold.", "Write a number.")
        elif not (value is None or isinstance(value, str | int | float)):
            raise self._type_error(
                where,
                value,
                "a string, number, boolean, list or object",
                "Quote it to make it a string.",
            )

    def _required_secrets(self) -> tuple[str, ...]:
        found = self._table("secrets")
        if found is None:
            return ()
        label, value = found
        for sub in value:
            if sub != "required":
                self.warnings.append(f"{label}.{sub} is not read by wrangler deploy.")
        required = value.get("required")
        if required is None:
            return ()
        return self._string_list(f"{label}.required", required, 'Write required = ["NAME"].')

    # bindings

    def _bindings(self) -> list[ConfigBinding]:
        """Every binding as written, in BINDING_KINDS order."""
        named: list[ConfigBinding] = []
        for kind in BINDING_KINDS:
            for where, entry in self._binding_entries(kind):
                try:
                    binding = convert(kind, entry)
                except BindingShapeError as error:
                    raise self._error(f"{where} {error.problem}", error.fix) from None
                for key in unknown_fields(kind, entry):
                    self.warnings.append(
                        f"{where}.{key} is not a field wrangler uploads; it is ignored."
                    )
                missing = kind.provision is not None and kind.provision.field not in binding
                named.append(
                    ConfigBinding(
                        where,
                        binding,
                        kind.provision if missing else None,
                        {k: entry[k] for k in _EXTRA_FIELDS if k in entry},
                    )
                )
        return named

    def _binding_entries(self, kind: BindingKind) -> list[tuple[str, Any]]:
        """The entries of ``kind.key`` ('queues.producers': a list inside a table)."""
        top_key, _, sub = kind.key.partition(".")
        label, value = self._value(top_key)
        if value is None:
            return []
        if kind.single:
            if not isinstance(value, dict):
                raise self._type_error(label, value, self.a_table, f"Write {label} = {{ … }}.")
            return [(label, value)]
        if sub:
            if not isinstance(value, dict):
                raise self._type_error(label, value, f"{self.a_table} with {sub}")
            if top_key in _BINDINGS_TABLES:
                self._check_bindings_table(label, value)
            label, value = f"{label}.{sub}", value.get(sub)
            if value is None:
                return []
        if not isinstance(value, list):
            fix = (
                f"Write each entry as a [[{label}]] table (double brackets)."
                if self.a_table == "a table"
                else f'Write "{label.rsplit(".", 1)[-1]}": [{{…}}, …].'
            )
            raise self._type_error(label, value, f"a list of {self.a_table.split()[-1]}s", fix)
        entries = []
        for index, entry in enumerate(value):
            where = f"{label}[{index}]"
            if not isinstance(entry, dict):
                raise self._type_error(where, entry, self.a_table)
            entries.append((where, entry))
        return entries

    def _check_bindings_table(self, label: str, value: Mapping[str, Any]) -> None:
        """``durable_objects`` and ``logfwdr`` must hold ``bindings`` (wrangler's
        ``validateBindingsProperty``); ``logfwdr.schema`` moved to ``unsafe.capnp``."""
        if "bindings" not in value:
            raise self._error(
                f"{label} has no bindings.",
                f"Write each binding as a [[{label}.bindings]] table."
                if self.a_table == "a table"
                else f'Write "{label}": {{ "bindings": [{{…}}] }}.',
            )
        if label.rsplit(".", 1)[-1] == "logfwdr" and "schema" in value:
            raise self._error(
                f"{label}.schema is no longer read by wrangler.",
                "Remove schema; the schema is given with unsafe.capnp now.",
            )

    def _unsafe_bindings(self) -> tuple[dict[str, Any], ...]:
        found = self._table("unsafe")
        if found is None or found[1].get("bindings") is None:
            return ()
        label, value = found
        items = value["bindings"]
        if not isinstance(items, list):
            raise self._type_error(f"{label}.bindings", items, "a list")
        result = []
        for index, item in enumerate(items):
            where = f"{label}.bindings[{index}]"
            if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) and item.get(k) for k in ("name", "type")
            ):
                raise self._error(f"{where} has no name or type.", "Give both, as strings.")
            result.append({k: v for k, v in item.items() if k != "dev"})
        return tuple(result)

    def _unsafe_metadata(self) -> dict[str, Any]:
        found = self._table("unsafe")
        if found is None or found[1].get("metadata") is None:
            return {}
        label, value = found
        metadata = value["metadata"]
        if not isinstance(metadata, dict):
            raise self._type_error(f"{label}.metadata", metadata, self.a_table)
        return dict(metadata)

    def _blobs(self) -> tuple[Blob, ...]:
        blobs = []
        for key, kind in BLOB_KEYS.items():
            found = self._table(key)
            if found is None:
                continue
            label, value = found
            for name, path in value.items():
                if not isinstance(path, str) or not path:
                    raise self._type_error(f"{label}.{name}", path, "a path")
                blobs.append(Blob(kind, name, self._relative_path(path)))
        return tuple(blobs)

    def _check_unique_names(self, vars_: dict[str, Any], named: list[ConfigBinding]) -> None:
        """The Worker sees vars and bindings side by side as env.NAME: no name twice."""
        vars_label = self._value("vars")[0]
        seen: dict[str, str] = {name: f"{vars_label}.{name}" for name in vars_}
        for item in named:
            first = seen.setdefault(item.name, item.where)
            if first != item.where:
                raise self._error(
                    f"{first} and {item.where} are both named {item.name}.",
                    "Give each binding its own name: the Worker reads them all as env.NAME.",
                )

    # migrations and triggers

    def _migrations(self) -> tuple[Migration, ...]:
        label, value = self._value("migrations")
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self._type_error(label, value, "a list", f"Write each as a [[{label}]] table.")
        result, tags = [], set()
        for index, entry in enumerate(value):
            where = f"{label}[{index}]"
            if not isinstance(entry, dict):
                raise self._type_error(where, entry, self.a_table)
            tag = entry.get("tag")
            if not isinstance(tag, str) or not tag:
                raise self._error(f"{where} has no tag.", 'Add tag = "v1" (unique per entry).')
            if tag in tags:
                raise self._error(
                    f"{where} repeats the tag {tag}.", "Give each migration its own tag."
                )
            tags.add(tag)
            step = {k: v for k, v in entry.items() if k != "tag"}
            for key in step:
                if key not in MIGRATION_STEP_KEYS:
                    raise self._error(
                        f"{where}.{key} is not a migration step.",
                        f"Use {', '.join(MIGRATION_STEP_KEYS)}.",
                    )
            self._check_migration_step(where, step)
            result.append(Migration(tag, step))
        return tuple(result)

    def _check_migration_step(self, where: str, step: dict[str, Any]) -> None:
        for key in ("new_classes", "new_sqlite_classes", "deleted_classes"):
            if key in step:
                self._string_list(f"{where}.{key}", step[key], f'Write {key} = ["MyClass"].')
        pairs = {
            "renamed_classes": ("from", "to"),
            "transferred_classes": ("from", "from_script", "to"),
        }
        for key, fields in pairs.items():
            items = step.get(key)
            if items is None:
                continue
            fix = f"Write {key} = [{{ {', '.join(f'{f} = …' for f in fields)} }}]."
            if not isinstance(items, list):
                raise self._type_error(f"{where}.{key}", items, "a list", fix)
            for index, item in enumerate(items):
                if not isinstance(item, dict) or not all(
                    isinstance(item.get(f), str) and item.get(f) for f in fields
                ):
                    raise self._error(f"{where}.{key}[{index}] needs {', '.join(fields)}.", fix)

    def _crons(self) -> tuple[str, ...] | None:
        found = self._table("triggers")
        if found is None:
            return None
        label, value = found
        for sub in value:
            if sub not in ("crons", "events"):
                self.warnings.append(f"{label}.{sub} is not a trigger wrangler reads; ignored.")
        if value.get("crons") is None:
            return None
        return self._string_list(f"{label}.crons", value["crons"], 'Write crons = ["*/5 * * * *"].')

    def _queue_consumers(self) -> tuple[QueueConsumer, ...]:
        found = self._table("queues")
        if found is None:
            return ()
        label, value = found
        for sub in value:
            if sub not in ("producers", "consumers"):
                self.warnings.append(f"{label}.{sub} is not read by wrangler deploy; ignored.")
        items = value.get("consumers")
        if items is None:
            return ()
        if not isinstance(items, list):
            raise self._type_error(f"{label}.consumers", items, "a list")
        consumers = []
        for index, entry in enumerate(items):
            where = f"{label}.consumers[{index}]"
            if not isinstance(entry, dict):
                raise self._type_error(where, entry, self.a_table)
            queue = entry.get("queue")
            if not isinstance(queue, str) or not queue:
                raise self._error(f"{where} has no queue.", "Add the name of the queue to consume.")
            if entry.get("type", "worker") != "worker":
                raise self._error(f'{where}.type must be "worker".', "Remove type.")
            for key in entry:
                if key not in QUEUE_CONSUMER_FIELDS:
                    self.warnings.append(f"{where}.{key} is not a consumer setting; ignored.")
            for key in (*_NUMBER_FIELDS, "visibility_timeout_ms"):
                item = entry.get(key)
                if item is not None and (
                    isinstance(item, bool) or not isinstance(item, int | float)
                ):
                    raise self._type_error(f"{where}.{key}", item, "a number")
            concurrency = entry.get("max_concurrency")
            if concurrency is not None and (
                isinstance(concurrency, bool) or not isinstance(concurrency, int)
            ):
                raise self._type_error(f"{where}.max_concurrency", concurrency, "a whole number")
            dead_letter = entry.get("dead_letter_queue")
            if dead_letter is not None and not isinstance(dead_letter, str):
                raise self._type_error(f"{where}.dead_letter_queue", dead_letter, "a queue name")
            settings = {
                k: entry[k]
                for k in (*_NUMBER_FIELDS, "max_concurrency", "visibility_timeout_ms")
                if k in entry
            }
            consumers.append(QueueConsumer(where, queue, settings, dead_letter))
        return tuple(consumers)

    def _workflows(self, named: list[ConfigBinding]) -> tuple[Workflow, ...]:
        workflows = []
        for item in named:
            if item.binding["type"] != "workflow":
                continue
            limits = item.extra.get("limits")
            if limits is not None and not isinstance(limits, dict):
                raise self._type_error(f"{item.where}.limits", limits, self.a_table)
            schedules = item.extra.get("schedules")
            if isinstance(schedules, str):
                schedules = [schedules]
            if schedules is not None:
                schedules = self._string_list(
                    f"{item.where}.schedules", schedules, 'Write schedules = ["0 * * * *"].'
                )
            workflows.append(
                Workflow(
                    item.where,
                    item.binding["workflow_name"],
                    item.binding["class_name"],
                    item.binding.get("script_name"),
                    dict(limits) if limits is not None else None,
                    tuple(schedules) if schedules is not None else None,
                )
            )
        return tuple(workflows)

    # settings sent with the upload

    def _settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        for key in ("observability", "limits"):
            found = self._table(key)
            if found is not None:
                settings[key] = dict(found[1])
        placement = self._placement()
        if placement is not None:
            settings["placement"] = placement
        logpush = self._bool("logpush")
        if logpush is not None:
            settings["logpush"] = logpush
        for key, fields in (
            ("tail_consumers", ("service", "environment")),
            ("streaming_tail_consumers", ("service", "entrypoint")),
        ):
            label, value = self._value(key)
            if value is None:
                continue
            if not isinstance(value, list) or not all(
                isinstance(item, dict) and isinstance(item.get("service"), str) for item in value
            ):
                raise self._error(
                    f"{label} is not a list of {{ service = … }} entries.",
                    f'Write {key} = [{{ service = "my-tail" }}].',
                )
            settings[key] = [{k: item[k] for k in fields if k in item} for item in value]
        found = self._table("cache")
        if found is not None:
            settings["cache_options"] = dict(found[1])
        return settings

    def _placement(self) -> dict[str, Any] | None:
        """``placement`` checked as wrangler checks it and sent as it sends it: smart (with
        its hint), targeted (one of region, host, hostname), or nothing (mode off, or
        targeted without a target)."""
        found = self._table("placement")
        if found is None:
            return None
        label, value = found
        mode = value.get("mode")
        hint = value.get("hint")
        targets = [k for k in ("region", "host", "hostname") if k in value]
        if len(targets) > 1 or (targets and "hint" in value):
            raise self._error(
                f"{label} mixes {', '.join(['hint', *targets] if 'hint' in value else targets)}.",
                "Give one of hint, region, host or hostname.",
            )
        for key in ("hint", *targets):
            if key in value and not isinstance(value[key], str):
                raise self._type_error(f"{label}.{key}", value[key], "a string")
        if "hint" in value:
            if mode not in ("off", "smart") or (hint and mode != "smart"):
                raise self._error(f'{label}.hint needs mode = "smart".', 'Write mode = "smart".')
        elif targets:
            if mode not in (None, "off", "targeted"):
                raise self._error(
                    f'{label}.mode must be "targeted" with {targets[0]}.', "Remove mode."
                )
        elif mode not in ("off", "smart", "targeted"):
            raise self._error(
                f"{label}.mode '{mode}' is not off, smart or targeted.", 'Write mode = "smart".'
            )
        if not hint and mode == "off":
            return None
        if hint or mode == "smart":
            return {"mode": "smart", **({"hint": hint} if hint is not None else {})}
        for key in targets:
            if value[key]:
                return {"mode": "targeted", key: value[key]}
        return None

    # modules

    def _rules(self) -> tuple[ModuleRule, ...]:
        label, value = self._value("rules")
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self._type_error(
                label, value, "a list", f"Write each rule as a [[{label}]] table."
            )
        rules = []
        for index, entry in enumerate(value):
            where = f"{label}[{index}]"
            if not isinstance(entry, dict):
                raise self._type_error(where, entry, self.a_table)
            kind = entry.get("type")
            if kind not in MODULE_RULE_TYPES:
                raise self._error(
                    f"{where}.type '{kind}' is not a module type.",
                    f"Write one of {', '.join(MODULE_RULE_TYPES)}.",
                )
            globs = self._string_list(
                f"{where}.globs", entry.get("globs"), 'Write globs = ["**/*.txt"].'
            )
            fallthrough = entry.get("fallthrough")
            if fallthrough is not None and not isinstance(fallthrough, bool):
                raise self._type_error(f"{where}.fallthrough", fallthrough, "a boolean")
            rules.append(ModuleRule(str(kind), globs, fallthrough))
        return tuple(rules)

    def _python_exclude(self) -> tuple[str, ...]:
        found = self._table("python_modules")
        if found is None or found[1].get("exclude") is None:
            return ("**/*.pyc",)
        label, value = found
        return self._string_list(
            f"{label}.exclude", value["exclude"], 'Write exclude = ["**/*.pyc"].'
        )

    def _assets(self) -> AssetsSpec | None:
        found = self._table("assets")
        if found is None:
            return None
        label, value = found
        for key in value:
            if key not in ASSETS_FIELDS:
                self.warnings.append(f"{label}.{key} is not an assets field; ignored.")
        directory = value.get("directory")
        if directory is not None and not isinstance(directory, str):
            raise self._type_error(f"{label}.directory", directory, "a string")
        if directory == "":
            raise self._error(
                f"{label}.directory is empty.", 'Write directory = "./public", your site folder.'
            )
        binding = value.get("binding")
        if binding is not None and (not isinstance(binding, str) or not binding):
            raise self._type_error(f"{label}.binding", binding, "a binding name")
        choices = {"html_handling": HTML_HANDLING, "not_found_handling": NOT_FOUND_HANDLING}
        for key, allowed in choices.items():
            item = value.get(key)
            if item is not None and item not in allowed:
                raise self._error(
                    f"{label}.{key} '{item}' is not one of {', '.join(allowed)}.",
                    f'Write e.g. {key} = "{allowed[0]}".',
                )
        first = value.get("run_worker_first")
        if first is not None and not isinstance(first, bool):
            first = self._string_list(
                f"{label}.run_worker_first",
                first,
                'Write run_worker_first = true, or a list of routes such as ["/api/*"].',
            )
        return AssetsSpec(
            directory=self._relative_path(directory) if directory else None,
            binding=binding,
            html_handling=value.get("html_handling"),
            not_found_handling=value.get("not_found_handling"),
            run_worker_first=first,
        )

    def _build_options(self) -> BuildOptions:
        return BuildOptions(
            define=self._string_map("define"),
            alias=self._string_map("alias"),
            minify=self._bool("minify"),
            keep_names=self._bool("keep_names"),
            jsx_factory=self._text("jsx_factory"),
            jsx_fragment=self._text("jsx_fragment"),
            tsconfig=self._path("tsconfig"),
        )

    def _string_map(self, key: str) -> dict[str, str]:
        found = self._table(key)
        if found is None:
            return {}
        label, value = found
        for name, item in value.items():
            if not isinstance(item, str):
                raise self._type_error(f"{label}.{name}", item, "a string", "Quote the value.")
        return dict(value)

    def _instrumentation(self) -> tuple[bool, tuple[str, ...]]:
        found = self._table("dependencies_instrumentation")
        if found is None:
            return True, ()
        label, value = found
        enabled = value.get("enabled", True)
        if not isinstance(enabled, bool):
            raise self._type_error(f"{label}.enabled", enabled, "a boolean")
        exclude = value.get("exclude_packages")
        names = (
            ()
            if exclude is None
            else self._string_list(
                f"{label}.exclude_packages", exclude, 'Write exclude_packages = ["name"].'
            )
        )
        return enabled, names

    # routes

    def _routes(self) -> tuple[RouteSpec, ...]:
        route = self.values.get("route")
        routes = self.values.get("routes")
        if route is not None and routes is not None:
            raise self._error(
                f"both {route[0]} and {routes[0]} are set.",
                "Keep one: route for a single pattern, routes for a list.",
            )
        if route is not None:
            label, value = route
            return () if value == "" else (self._route(label, value),)  # "" = none, as wrangler
        if routes is None:
            return ()
        label, value = routes
        if not isinstance(value, list):
            raise self._type_error(
                label, value, "a list", f'Write e.g. {label} = ["example.com/*"].'
            )
        return tuple(self._route(f"{label}[{index}]", item) for index, item in enumerate(value))

    def _route(self, label: str, value: Any) -> RouteSpec:
        fix = f'Write a pattern such as "example.com/*", or {self.a_table} with a pattern.'
        if isinstance(value, str):
            if not value.strip():
                raise self._error(f"{label} is empty.", fix)
            return RouteSpec(value.strip())
        if not isinstance(value, dict):
            raise self._type_error(label, value, f"a pattern or {self.a_table}", fix)
        fields: dict[str, Any] = {}
        for key in ("pattern", "zone_name", "zone_id"):
            item = value.get(key)
            if item is not None and not isinstance(item, str):
                raise self._type_error(f"{label}.{key}", item, "a string")
            fields[key] = item.strip() if item else None
        if not fields["pattern"]:
            raise self._error(f"{label} has no pattern.", fix)
        for key in value:
            if key not in ROUTE_FIELDS:
                raise self._error(
                    f"{label}.{key} is not a route field.",
                    "Write pattern with zone_name, zone_id or custom_domain.",
                )
        custom_domain = value.get("custom_domain", False)
        if not isinstance(custom_domain, bool):
            raise self._type_error(f"{label}.custom_domain", custom_domain, "a boolean")
        if fields["zone_id"] and fields["zone_name"]:
            raise self._error(f"{label} has both zone_id and zone_name.", "Keep one of them.")
        if not (fields["zone_id"] or fields["zone_name"] or "custom_domain" in value):
            raise self._error(
                f"{label} has a pattern but no zone_name, zone_id or custom_domain.",
                f'Add zone_name = "example.com", or write the pattern as a string: '
                f'"{fields["pattern"]}".',
            )
        for key in ("enabled", "previews_enabled"):
            if key in value and not custom_domain:
                raise self._error(f"{label}.{key} needs custom_domain = true.", f"Remove {key}.")
            if key in value:
                self.refused.append(
                    (f"{label}.{key}", "per-domain enabled flags are not set by cfaction")
                )
        return RouteSpec(custom_domain=custom_domain, **fields)
