"""The Worker settings of a wrangler configuration file (input ``config`` of ``operation: worker``).

Reads ``wrangler.toml``, ``wrangler.json`` or ``wrangler.jsonc``, applies one
``[env.<name>]`` section the way wrangler does, and turns the bindings cfaction can upload
into API binding objects (https://developers.cloudflare.com/workers/configuration/
multipart-upload-metadata/#bindings). A key cfaction does not apply is listed,
never dropped silently: in ``unsupported`` when it would change the deployed Worker
(Durable Objects, crons, assets, …), in ``ignored`` when it only matters for building or
local development (``build``, ``rules``, ``dev``, …), since cfaction uploads built files.

Environments follow wrangler (workers-sdk ``workers-utils/src/config/validation.ts``):

* inheritable keys (``name``, ``main``, ``compatibility_date``, ``routes``, ``triggers``, …)
  come from the top level unless the environment sets them; the name becomes
  ``<name>-<environment>`` unless the environment sets ``name``;
* non-inheritable keys (``vars`` and every binding) are never inherited: an environment
  without its own ``vars`` has none, and ``not_inherited`` lists the top-level ones it lost
  (wrangler warns about each).

One difference: wrangler inherits ``route`` and ``routes`` separately, so an environment
that sets ``route`` would still get the top-level ``routes`` (which win). Here an environment
that sets either one replaces both.

Like wrangler, ``.json`` files are read as JSONC too (comments and trailing commas).
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Final

from cfaction.errors import InputError
from cfaction.workspace import Workspace


def _keys(text: str) -> frozenset[str]:
    return frozenset(text.split())


FORMATS: Final = (".toml", ".json", ".jsonc")

ROUTE_KEYS: Final = ("route", "routes")
ROUTE_FIELDS: Final = frozenset({"pattern", "zone_name", "zone_id", "custom_domain"})

SUPPORTED_KEYS: Final = _keys(
    """
    name main compatibility_date compatibility_flags account_id workers_dev route routes
    vars kv_namespaces r2_buckets d1_databases services queues analytics_engine_datasets
    """
)
"""The keys cfaction applies (``queues``: only ``producers``)."""

IGNORED_KEYS: Final = _keys(
    """
    $schema alias base_dir build define dependencies_instrumentation dev
    find_additional_modules jsx_factory jsx_fragment keep_names keep_vars legacy_env minify
    no_bundle node_compat preserve_file_names python_modules rules send_metrics tsconfig
    upload_source_maps
    """
)
"""Keys for bundling, local development or wrangler itself: nothing to apply to built files."""

NON_INHERITABLE: Final = _keys(
    """
    agent_memory ai ai_search ai_search_namespaces analytics_engine_datasets artifacts
    browser cloudchamber connect containers d1_databases define dispatch_namespaces
    durable_objects flagship hyperdrive images kv_namespaces media mtls_certificates
    pipelines queues r2_buckets ratelimits secrets secrets_store_secrets send_email services
    stream streaming_tail_consumers tail_consumers unsafe unsafe_hello_world vars vectorize
    version_metadata vpc_networks vpc_services websearch worker_loaders workflows
    """
)
"""wrangler's ``EnvironmentNonInheritable`` keys (workers-utils ``config/environment.ts``)."""

TOP_LEVEL_ONLY: Final = _keys(
    """
    $schema addresses alias data_blobs dependencies_instrumentation dev env keep_vars
    legacy_env pages_build_output_dir send_metrics site text_blobs wasm_modules
    """
)
"""Keys of the whole file (wrangler's ``ConfigFields``): they apply to every environment, and
an environment cannot set them."""

_SPLIT_KEYS: Final = frozenset({"triggers"})
"""Unsupported keys reported by sub-key (``triggers.crons``), which says more than the key."""

_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RouteSpec:
    """One route as written: a pattern, with the zone it belongs to when the file says."""

    pattern: str
    zone_name: str | None = None
    zone_id: str | None = None
    custom_domain: bool = False


@dataclass(frozen=True)
class WorkerConfig:
    """What a wrangler configuration file says about the Worker, for one environment.

    ``None`` and empty values mean "not in the file". ``unsupported``, ``ignored`` and
    ``not_inherited`` hold dotted key names (``env.staging.durable_objects``) for the
    caller to report.
    """

    path: Path
    name: str | None
    main: Path | None
    compatibility_date: str | None
    compatibility_flags: tuple[str, ...]
    vars: dict[str, Any]
    bindings: tuple[dict[str, Any], ...]
    routes: tuple[RouteSpec, ...]
    workers_dev: bool | None
    account_id: str | None
    unsupported: tuple[str, ...]
    ignored: tuple[str, ...]
    not_inherited: tuple[str, ...] = ()
    """Top-level non-inheritable keys (``vars``, ``kv_namespaces``, …) that the selected
    environment does not set, so it does not get them."""


@dataclass(frozen=True)
class _Field:
    """One field of a binding entry: its key in the file and in the API binding."""

    key: str
    api: str
    kind: type = str
    required: bool = False
    hint: str = ""


@dataclass(frozen=True)
class _BindingKind:
    """A list of binding entries in the file (``kv_namespaces``) and the API type it makes."""

    key: str
    type: str
    fields: tuple[_Field, ...]
    local: frozenset[str] = frozenset()
    """Fields for local development or wrangler's own commands: not part of an upload."""


_BINDING: Final = _Field(
    "binding", "name", required=True, hint="the name the Worker's code uses (env.NAME)"
)
BINDING_KINDS: Final = (
    _BindingKind(
        "kv_namespaces",
        "kv_namespace",
        (
            _BINDING,
            _Field(
                "id",
                "namespace_id",
                required=True,
                hint="the namespace ID (wrangler kv namespace list shows it); cfaction binds "
                "existing namespaces and does not create them",
            ),
        ),
        frozenset({"preview_id", "remote"}),
    ),
    _BindingKind(
        "r2_buckets",
        "r2_bucket",
        (
            _BINDING,
            _Field(
                "bucket_name",
                "bucket_name",
                required=True,
                hint="the bucket's name; cfaction binds existing buckets and does not create them",
            ),
            _Field("jurisdiction", "jurisdiction"),
        ),
        frozenset({"preview_bucket_name", "remote", "local_dev"}),
    ),
    _BindingKind(
        "d1_databases",
        "d1",
        (
            _BINDING,
            _Field(
                "database_id",
                "id",
                required=True,
                hint="the database ID (wrangler d1 list shows it); cfaction binds existing "
                "databases and does not create them",
            ),
        ),
        frozenset(
            {
                "database_name",
                "preview_database_id",
                "migrations_table",
                "migrations_dir",
                "migrations_pattern",
                "remote",
            }
        ),
    ),
    _BindingKind(
        "services",
        "service",
        (
            _BINDING,
            _Field("service", "service", required=True, hint="the name of the Worker to call"),
            _Field("environment", "environment"),
            _Field("entrypoint", "entrypoint"),
            _Field("props", "props", kind=dict),
        ),
        frozenset({"remote"}),
    ),
    _BindingKind(
        "queues.producers",
        "queue",
        (
            _BINDING,
            _Field("queue", "queue_name", required=True, hint="the name of the queue"),
            _Field("delivery_delay", "delivery_delay", kind=int),
        ),
        frozenset({"remote"}),
    ),
    _BindingKind(
        "analytics_engine_datasets",
        "analytics_engine",
        # Without dataset, Cloudflare writes to a dataset named after the binding (as wrangler).
        (_BINDING, _Field("dataset", "dataset")),
    ),
)


def load_worker_config(
    path: Path, environment: str | None = None, *, workspace: Workspace | None = None
) -> WorkerConfig:
    """Read the wrangler configuration file at ``path`` for ``environment``
    (None or empty: the top level), from ``workspace`` (default: the file's own folder).

    :raises InputError: named ``config`` when the file cannot be read, parsed or used (the
        message names the key, and the line and column of a syntax error), named
        ``environment`` when the file defines no such environment.
    """
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            "config",
            f"'{path}' is not a wrangler.toml, wrangler.json or wrangler.jsonc file.",
            "Point config at the Worker's wrangler.toml, wrangler.json or wrangler.jsonc.",
        )
    folder = workspace or Workspace.at(path.resolve().parent)
    text = folder.read_text(
        "config",
        path if workspace else path.resolve(),
        label=f"'{path}'",
        missing_fix="Check the path (relative to the workspace).",
    )
    return parse_worker_config(path, text, environment)


def parse_worker_config(path: Path, text: str, environment: str | None = None) -> WorkerConfig:
    """The settings in ``text``, the content of the configuration file ``path``."""
    top = _top_level(path, text)
    env_name = (environment or "").strip() or None
    env = _environment(path, top, env_name) if env_name else None
    return _Loader(path, top, env, env_name).load()


def strip_jsonc(text: str) -> str:
    """JSONC as JSON: comments and trailing commas become spaces, so the line and column of
    every remaining character stay the same (for the JSON parser's error positions).

    :raises ValueError: for a ``/*`` comment that is never closed, with its position.
    """
    out = list(text)
    length = len(text)
    pending_comma: int | None = None  # a comma that is trailing if a } or ] comes next
    previous = ""  # the last character that is not space or comment
    i = 0
    while i < length:
        char = text[i]
        if char == '"':
            end = i + 1
            while end < length and text[end] not in '"\n':
                end += 2 if text[end] == "\\" else 1
            i = end + 1
            pending_comma, previous = None, '"'
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = length if end < 0 else end
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                line, column = _position(text, i)
                raise ValueError(f"a /* comment is never closed (line {line}, column {column})")
            end = close + 2
        else:
            if char == ",":
                # After {, [ or another comma the comma is an error; leave it to the parser.
                pending_comma = i if previous not in "{[," else None
            elif char in "}]" and pending_comma is not None:
                out[pending_comma] = " "
                pending_comma = None
            elif not char.isspace():
                pending_comma = None
            if not char.isspace():
                previous = char
            i += 1
            continue
        for j in range(i, end):
            if out[j] not in "\r\n":
                out[j] = " "
        i = end
    return "".join(out)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _top_level(path: Path, text: str) -> dict[str, Any]:
    """The file's top-level table."""
    data = _parse(path, text, path.suffix.lower())
    if not isinstance(data, dict):
        raise InputError(
            "config",
            f"{path} holds {_kind(data, 'an object')}, not an object of settings.",
            'Write the settings as one object: {"name": "my-worker", …}.',
        )
    return data


def _parse(path: Path, text: str, suffix: str) -> Any:
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InputError(
                "config", f"{path} is not valid TOML: {error}.", "Fix the TOML syntax there."
            ) from None
    try:
        return json.loads(strip_jsonc(text))
    except ValueError as error:
        problem = (
            f"{error.msg} at line {error.lineno}, column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else str(error)
        )
        raise InputError(
            "config",
            f"{path} is not valid JSON: {problem}.",
            "Fix the JSON syntax there (// and /* */ comments and trailing commas are allowed).",
        ) from None


def _environment(path: Path, top: dict[str, Any], name: str) -> dict[str, Any]:
    """The ``env.<name>`` table."""
    toml = path.suffix.lower() == ".toml"
    section = "[env.<name>] sections" if toml else '"env" entries'
    a_table = "a table" if toml else "an object"
    envs = top.get("env", {})
    if not isinstance(envs, dict):
        raise InputError(
            "config",
            f"{path}: env is {_kind(envs, a_table)}, not {a_table} of environments.",
            f"Define each environment in {section}.",
        )
    if name not in envs:
        if envs:
            problem = f"'{name}' is not in {path}; it defines: {', '.join(envs)}."
            fix = "Set environment to one of those, or leave it empty for the top level."
        else:
            problem = f"'{name}' is not in {path}; it defines no environments."
            fix = f"Add it to {path.name} ({section}), or leave environment empty."
        raise InputError("environment", problem, fix)
    env = envs[name]
    if not isinstance(env, dict):
        raise InputError(
            "config",
            f"{path}: env.{name} is {_kind(env, a_table)}, not {a_table} of settings.",
            f"Define the environment's settings in {section}.",
        )
    return env


def _kind(value: Any, a_table: str) -> str:
    """What a value is, for messages: 'a string', 'a list', ``a_table`` for a mapping."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return a_table
    if value is None:
        return "null"
    if isinstance(value, date | time):
        return "a TOML date/time"
    return type(value).__name__


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
        self.unsupported: list[str] = []
        self.ignored: list[str] = []

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
        return WorkerConfig(
            path=self.path,
            name=self._name(),
            main=self._main(),
            compatibility_date=self._date(),
            compatibility_flags=self._flags(),
            vars=vars_,
            bindings=tuple(binding for _, binding in named),
            routes=self._routes(),
            workers_dev=self._bool("workers_dev"),
            account_id=self._text("account_id") or None,  # wrangler reads "" as not set
            unsupported=tuple(dict.fromkeys(self.unsupported)),
            ignored=tuple(dict.fromkeys(self.ignored)),
            not_inherited=self._not_inherited(),
        )

    # messages

    def _error(self, problem: str, fix: str) -> InputError:
        return InputError("config", f"{self.path}: {problem}", fix)

    def _type_error(self, label: str, value: Any, wanted: str, fix: str = "") -> InputError:
        return self._error(f"{label} is {_kind(value, self.a_table)}, not {wanted}.", fix)

    # key classification

    def _classify(self) -> None:
        for key, label, value, applied in self.entries:
            if not applied:  # "env.staging.keep_vars" is still only a build setting
                (self.ignored if key in IGNORED_KEYS else self.unsupported).append(label)
            elif key == "queues" and isinstance(value, dict):
                self.unsupported.extend(f"{label}.{sub}" for sub in value if sub != "producers")
            elif key in SUPPORTED_KEYS:
                continue
            elif key in IGNORED_KEYS:
                self.ignored.append(label)
            elif key in _SPLIT_KEYS and isinstance(value, dict) and value:
                self.unsupported.extend(f"{label}.{sub}" for sub in value)
            else:
                self.unsupported.append(label)

    def _not_inherited(self) -> tuple[str, ...]:
        if self.env is None:
            return ()
        return tuple(
            key
            for key in self.top
            if key in NON_INHERITABLE and key not in IGNORED_KEYS and key not in self.env
        )

    # plain settings

    def _text(self, key: str) -> str | None:
        label, value = self.values.get(key, (key, None))
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._type_error(label, value, "a string", f"Write {key} as a quoted string.")
        return value

    def _bool(self, key: str) -> bool | None:
        label, value = self.values.get(key, (key, None))
        if value is None or isinstance(value, bool):
            return value
        raise self._type_error(label, value, "a boolean", f"Write {key} = true or false.")

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
        return None if main is None else Path(os.path.normpath(self.path.parent / main))

    def _date(self) -> str | None:
        label, value = self.values.get("compatibility_date", ("", None))
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

    def _flags(self) -> tuple[str, ...]:
        label, value = self.values.get("compatibility_flags", ("", None))
        if value is None:
            return ()
        fix = 'Write a list of flag names, e.g. ["nodejs_compat"].'
        if not isinstance(value, list):
            raise self._type_error(label, value, "a list", fix)
        for index, flag in enumerate(value):
            if not isinstance(flag, str) or not flag:
                raise self._type_error(f"{label}[{index}]", flag, "a flag name", fix)
        return tuple(value)

    # vars

    def _vars(self) -> dict[str, Any]:
        label, value = self.values.get("vars", ("", None))
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._type_error(label, value, f"{self.a_table} of names and values")
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

    # bindings

    def _bindings(self) -> list[tuple[str, dict[str, Any]]]:
        """Every binding as (where it is written, API binding object), in BINDING_KINDS order."""
        named: list[tuple[str, dict[str, Any]]] = []
        for kind in BINDING_KINDS:
            found = self._binding_list(kind.key)
            if found is None:
                continue
            label, entries = found
            for index, entry in enumerate(entries):
                where = f"{label}[{index}]"
                named.append((where, self._binding(kind, where, entry)))
        return named

    def _binding_list(self, key: str) -> tuple[str, list[Any]] | None:
        """The entries of ``key`` ('queues.producers': a list inside a table)."""
        top_key, _, sub = key.partition(".")
        label, value = self.values.get(top_key, (top_key, None))
        if value is None:
            return None
        if sub:
            if not isinstance(value, dict):
                raise self._type_error(label, value, f"{self.a_table} with producers/consumers")
            label, value = f"{label}.{sub}", value.get(sub)
            if value is None:
                return None
        if not isinstance(value, list):
            fix = (
                f"Write each entry as a [[{label}]] table (double brackets)."
                if self.a_table == "a table"
                else f'Write "{label.rsplit(".", 1)[-1]}": [{{…}}, …].'
            )
            raise self._type_error(label, value, f"a list of {self.a_table.split()[-1]}s", fix)
        return label, value

    def _binding(self, kind: _BindingKind, where: str, entry: Any) -> dict[str, Any]:
        if not isinstance(entry, dict):
            raise self._type_error(where, entry, self.a_table)
        binding: dict[str, Any] = {"type": kind.type}
        for spec in kind.fields:
            value = entry.get(spec.key)
            if value is None or value == "":
                if spec.required:
                    raise self._error(f"{where} has no {spec.key}.", f"Add {spec.hint}.")
                continue
            if not isinstance(value, spec.kind) or isinstance(value, bool):
                wanted = {str: "a string", int: "a whole number", dict: self.a_table}[spec.kind]
                raise self._type_error(f"{where}.{spec.key}", value, wanted)
            binding[spec.api] = value
        known = {spec.key for spec in kind.fields} | kind.local
        self.unsupported.extend(f"{where}.{key}" for key in entry if key not in known)
        return binding

    def _check_unique_names(
        self, vars_: dict[str, Any], named: list[tuple[str, dict[str, Any]]]
    ) -> None:
        """The Worker sees vars and bindings side by side as env.NAME: no name twice."""
        vars_label = self.values.get("vars", ("vars", None))[0]
        seen: dict[str, str] = {name: f"{vars_label}.{name}" for name in vars_}
        for where, binding in named:
            first = seen.setdefault(binding["name"], where)
            if first != where:
                raise self._error(
                    f"{first} and {where} are both named {binding['name']}.",
                    "Give each binding its own name: the Worker reads them all as env.NAME.",
                )

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
        custom_domain = value.get("custom_domain", False)
        if not isinstance(custom_domain, bool):
            raise self._type_error(f"{label}.custom_domain", custom_domain, "a boolean")
        self.unsupported.extend(f"{label}.{key}" for key in value if key not in ROUTE_FIELDS)
        return RouteSpec(custom_domain=custom_domain, **fields)
