"""Tests for reading wrangler configuration files (cfaction.ops.worker.wrangler): the three
formats, environments as wrangler applies them, every binding kind and its API shape,
triggers, migrations, settings and module options, what happens to every key of wrangler's
schema (applied, ignored or refused), and every error as the user sees it.
Pure: files in tmp_path or parsed from text, no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cfaction.errors import InputError
from cfaction.ops.worker import wrangler_file
from cfaction.ops.worker.bindings import BINDING_KINDS, ConfigBinding, Provisioned
from cfaction.ops.worker.config_keys import KEYS
from cfaction.ops.worker.wrangler import (
    NON_INHERITABLE,
    TOP_LEVEL_ONLY,
    Blob,
    BuildOptions,
    Migration,
    ModuleRule,
    QueueConsumer,
    RouteSpec,
    WorkerConfig,
    Workflow,
    load_worker_config,
    parse_worker_config,
    strip_jsonc,
)
from cfaction.workspace import Workspace

ACCOUNT = "0123456789abcdef0123456789abcdef"
CONFIG = Path("/repo/app/wrangler.toml")
"""Where the parsed (not written) configurations live; paths in them are relative to it."""
CONFIG_JSON = CONFIG.with_name("wrangler.json")


# helpers


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(
    folder: Path, text: str, name: str = "wrangler.toml", env: str | None = None
) -> WorkerConfig:
    return load_worker_config(write(folder, name, text), env)


def load_json(folder: Path, data: Any, env: str | None = None) -> WorkerConfig:
    return load(folder, json.dumps(data), "wrangler.json", env)


def error(
    folder: Path, text: str, name: str = "wrangler.toml", env: str | None = None
) -> InputError:
    with pytest.raises(InputError) as excinfo:
        load(folder, text, name, env)
    return excinfo.value


def parse(text: str, env: str | None = None) -> WorkerConfig:
    """The configuration in TOML ``text``, as if it were /repo/app/wrangler.toml."""
    return parse_worker_config(CONFIG, text, env)


def parse_json(data: Any, env: str | None = None) -> WorkerConfig:
    """The configuration ``data``, as if it were /repo/app/wrangler.json."""
    return parse_worker_config(CONFIG_JSON, json.dumps(data), env)


def failure(text: str, env: str | None = None) -> InputError:
    """The InputError of the TOML ``text`` (always about the config input)."""
    with pytest.raises(InputError) as excinfo:
        parse(text, env)
    assert excinfo.value.input_name == "config"
    return excinfo.value


def problem(text: str, env: str | None = None) -> str:
    """The problem of the TOML ``text``, without the leading '<path>: '."""
    found = failure(text, env).problem
    prefix = f"{CONFIG}: "
    assert found.startswith(prefix)
    return found[len(prefix) :]


def json_problem(data: Any, env: str | None = None) -> str:
    """The problem of the JSON ``data``, without the leading '<path>: '."""
    with pytest.raises(InputError) as excinfo:
        parse_json(data, env)
    assert excinfo.value.input_name == "config"
    prefix = f"{CONFIG_JSON}: "
    assert excinfo.value.problem.startswith(prefix)
    return excinfo.value.problem[len(prefix) :]


def api_bindings(config: WorkerConfig) -> list[dict[str, Any]]:
    return [item.binding for item in config.bindings]


def assert_clean(config: WorkerConfig) -> None:
    """Nothing refused and nothing to warn about."""
    assert config.refused == ()
    assert config.warnings == ()


def not_inherited(key: str, env: str) -> str:
    return (
        f'"{key}" exists at the top level, but not on "env.{env}"; environments do not '
        "inherit it (as in wrangler), so this one has none."
    )


def whole_file_only(label: str, key: str) -> str:
    return (
        f"{label}: {key} applies to the whole file, not an environment; wrangler ignores it "
        "here, and so does cfaction."
    )


def not_a_wrangler_key(label: str) -> str:
    return (
        f"{label} is not a wrangler configuration key; wrangler ignores it, and so does cfaction."
    )


def unknown_field(label: str) -> str:
    return f"{label} is not a field wrangler uploads; it is ignored."


# every key in each format


FULL_TOML = f"""
name = "my-worker"
main = "src/index.js"
compatibility_date = "2025-01-15"
compatibility_flags = ["nodejs_compat"]
account_id = "{ACCOUNT}"
workers_dev = false
routes = [
  "example.com/*",
  {{ pattern = "api.example.com/*", zone_name = "example.com" }},
  {{ pattern = "shop.example.com", custom_domain = true }},
]

[vars]
GREETING = "hello"
COUNT = 3
DEBUG = true
LIST = ["a", 1]
NESTED = {{ a = {{ b = [1, 2.5] }} }}

[[kv_namespaces]]
binding = "CACHE"
id = "kv-id"
preview_id = "kv-preview"

[[r2_buckets]]
binding = "FILES"
bucket_name = "files"
jurisdiction = "eu"

[[d1_databases]]
binding = "DB"
database_name = "prod-db"
database_id = "d1-id"

[[services]]
binding = "AUTH"
service = "auth-worker"
environment = "production"
entrypoint = "AuthRPC"

[[queues.producers]]
binding = "JOBS"
queue = "jobs"

[[analytics_engine_datasets]]
binding = "EVENTS"
dataset = "events"
"""

FULL_JSON: dict[str, Any] = {
    "name": "my-worker",
    "main": "src/index.js",
    "compatibility_date": "2025-01-15",
    "compatibility_flags": ["nodejs_compat"],
    "account_id": ACCOUNT,
    "workers_dev": False,
    "routes": [
        "example.com/*",
        {"pattern": "api.example.com/*", "zone_name": "example.com"},
        {"pattern": "shop.example.com", "custom_domain": True},
    ],
    "vars": {
        "GREETING": "hello",
        "COUNT": 3,
        "DEBUG": True,
        "LIST": ["a", 1],
        "NESTED": {"a": {"b": [1, 2.5]}},
    },
    "kv_namespaces": [{"binding": "CACHE", "id": "kv-id", "preview_id": "kv-preview"}],
    "r2_buckets": [{"binding": "FILES", "bucket_name": "files", "jurisdiction": "eu"}],
    "d1_databases": [{"binding": "DB", "database_name": "prod-db", "database_id": "d1-id"}],
    "services": [
        {
            "binding": "AUTH",
            "service": "auth-worker",
            "environment": "production",
            "entrypoint": "AuthRPC",
        }
    ],
    "queues": {"producers": [{"binding": "JOBS", "queue": "jobs"}]},
    "analytics_engine_datasets": [{"binding": "EVENTS", "dataset": "events"}],
}

FULL_JSONC = f"""// wrangler.jsonc for my-worker
{{
  "$schema": "node_modules/wrangler/config-schema.json", // not a comment: "http://x"
  "name": "my-worker", /* the Worker's name */
  "main": "src/index.js",
  "compatibility_date": "2025-01-15",
  "compatibility_flags": ["nodejs_compat",],
  "account_id": "{ACCOUNT}",
  "workers_dev": false,
  /*
   * Routes: patterns hold "/*", which is not a comment inside a string.
   */
  "routes": [
    "example.com/*",
    {{ "pattern": "api.example.com/*", "zone_name": "example.com", }},
    {{ "pattern": "shop.example.com", "custom_domain": true }}, // trailing comma next
  ],
  "vars": {{
    "GREETING": "hello",
    "COUNT": 3,
    "DEBUG": true,
    "LIST": ["a", 1],
    "NESTED": {{ "a": {{ "b": [1, 2.5] }} }},
  }},
  "kv_namespaces": [{{ "binding": "CACHE", "id": "kv-id", "preview_id": "kv-preview" }}],
  "r2_buckets": [{{ "binding": "FILES", "bucket_name": "files", "jurisdiction": "eu" }}],
  "d1_databases": [
    {{ "binding": "DB", "database_name": "prod-db", "database_id": "d1-id" }},
  ],
  "services": [
    {{
      "binding": "AUTH",
      "service": "auth-worker",
      "environment": "production",
      "entrypoint": "AuthRPC", // the RPC class
    }},
  ],
  "queues": {{ "producers": [{{ "binding": "JOBS", "queue": "jobs" }}] }},
  "analytics_engine_datasets": [{{ "binding": "EVENTS", "dataset": "events" }}],
}}
"""

EXPECTED_BINDINGS = (
    ConfigBinding(
        "kv_namespaces[0]", {"name": "CACHE", "type": "kv_namespace", "namespace_id": "kv-id"}
    ),
    ConfigBinding("queues.producers[0]", {"name": "JOBS", "type": "queue", "queue_name": "jobs"}),
    ConfigBinding(
        "r2_buckets[0]",
        {"name": "FILES", "type": "r2_bucket", "bucket_name": "files", "jurisdiction": "eu"},
    ),
    ConfigBinding(
        "d1_databases[0]",
        {"name": "DB", "type": "d1", "id": "d1-id"},
        extra={"database_name": "prod-db"},
    ),
    ConfigBinding(
        "services[0]",
        {
            "name": "AUTH",
            "type": "service",
            "service": "auth-worker",
            "environment": "production",
            "entrypoint": "AuthRPC",
        },
    ),
    ConfigBinding(
        "analytics_engine_datasets[0]",
        {"name": "EVENTS", "type": "analytics_engine", "dataset": "events"},
    ),
)
EXPECTED_ROUTES = (
    RouteSpec("example.com/*"),
    RouteSpec("api.example.com/*", zone_name="example.com"),
    RouteSpec("shop.example.com", custom_domain=True),
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("wrangler.toml", FULL_TOML),
        ("wrangler.json", json.dumps(FULL_JSON, indent=2)),
        ("wrangler.jsonc", FULL_JSONC),
    ],
)
def test_every_key_is_read_the_same_from_toml_json_and_jsonc(
    tmp_path: Path, name: str, text: str
) -> None:
    config = load(tmp_path, text, name)

    assert config.path == tmp_path / name
    assert config.name == "my-worker"
    assert config.main == tmp_path / "src" / "index.js"
    assert config.compatibility_date == "2025-01-15"
    assert config.compatibility_flags == ("nodejs_compat",)
    assert config.account_id == ACCOUNT
    assert config.workers_dev is False
    assert config.routes == EXPECTED_ROUTES
    assert config.vars == FULL_JSON["vars"]
    assert config.bindings == EXPECTED_BINDINGS
    assert config.queue_consumers == ()
    assert_clean(config)  # "$schema" (jsonc) is ignored without a word, as in wrangler


def test_vars_keep_their_types(tmp_path: Path) -> None:
    config = load(tmp_path, FULL_TOML)

    assert config.vars["COUNT"] == 3 and type(config.vars["COUNT"]) is int
    assert config.vars["DEBUG"] is True
    assert config.vars["NESTED"] == {"a": {"b": [1, 2.5]}}


def test_an_empty_file_has_nothing_set(tmp_path: Path) -> None:
    config = load(tmp_path, "")

    assert config == WorkerConfig(
        path=tmp_path / "wrangler.toml",
        name=None,
        main=None,
        compatibility_date=None,
        compatibility_flags=(),
        account_id=None,
        workers_dev=None,
        preview_urls=None,
        routes=(),
        vars={},
        keep_vars=False,
        bindings=(),
        unsafe_bindings=(),
        unsafe_metadata={},
        blobs=(),
        required_secrets=(),
        migrations=(),
        crons=None,
        queue_consumers=(),
        workflows=(),
        settings={},
        rules=(),
        find_additional_modules=None,
        base_dir=None,
        preserve_file_names=None,
        no_bundle=None,
        upload_source_maps=None,
        python_exclude=("**/*.pyc",),
        build=BuildOptions(),
        dependencies_instrumentation=True,
        dependencies_exclude=(),
        environment=None,
        top_level_name=None,
        has_environments=False,
        refused=(),
        warnings=(),
    )


def test_parse_worker_config_reads_text_as_load_worker_config_reads_the_file(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "wrangler.toml", FULL_TOML)

    assert parse_worker_config(path, FULL_TOML) == load_worker_config(path)


def test_json_files_may_have_comments_and_trailing_commas_as_in_wrangler(
    tmp_path: Path,
) -> None:
    config = load(tmp_path, '{"name": "w", // the name\n "workers_dev": true,}', "wrangler.json")

    assert (config.name, config.workers_dev) == ("w", True)


# JSONC scanning


def test_strip_jsonc_is_still_importable_from_wrangler() -> None:
    assert strip_jsonc is wrangler_file.strip_jsonc


def test_comment_markers_inside_strings_are_kept(tmp_path: Path) -> None:
    text = r"""{
      "vars": {
        "URL": "https://example.com/a//b", // a real comment
        "GLOB": "/* not a comment */",
        "QUOTE": "say \"hi\" // still the string",
        "BACKSLASH": "C:\\", /* a comment after a string ending in \ */
        "COMMA": "a,]",
      },
    }"""

    config = load(tmp_path, text, "wrangler.jsonc")

    assert config.vars == {
        "URL": "https://example.com/a//b",
        "GLOB": "/* not a comment */",
        "QUOTE": 'say "hi" // still the string',
        "BACKSLASH": "C:\\",
        "COMMA": "a,]",
    }


def test_strip_jsonc_keeps_every_position() -> None:
    text = '{\n  "a": 1, // one\n  /* two\n  lines */ "b": [2,],\n}'

    stripped = strip_jsonc(text)

    assert len(stripped) == len(text)
    assert stripped.splitlines() == [
        "{",
        '  "a": 1,       ',
        "        ",
        '           "b": [2 ] ',
        "}",
    ]
    assert json.loads(stripped) == {"a": 1, "b": [2]}


def test_a_comma_with_nothing_before_it_stays_an_error(tmp_path: Path) -> None:
    found = error(tmp_path, '{"a": [1,,],}', "wrangler.jsonc").problem

    assert "not valid JSON" in found and "line 1" in found


# environments


ENV_TOML = f"""
name = "my-worker"
main = "src/index.js"
compatibility_date = "2025-01-15"
compatibility_flags = ["nodejs_compat"]
account_id = "{ACCOUNT}"
workers_dev = true
route = "example.com/*"

[vars]
MODE = "production"

[[kv_namespaces]]
binding = "CACHE"
id = "prod-kv"

[env.staging]

[env.production]
name = "prod"
workers_dev = false
compatibility_flags = []
routes = [{{ pattern = "www.example.com/*", zone_name = "example.com" }}]

[env.production.vars]
MODE = "live"

[[env.production.kv_namespaces]]
binding = "CACHE"
id = "live-kv"
"""


def test_an_environment_without_its_own_settings_inherits_only_inheritable_keys(
    tmp_path: Path,
) -> None:
    config = load(tmp_path, ENV_TOML, env="staging")

    assert config.name == "my-worker-staging"
    assert config.main == tmp_path / "src" / "index.js"
    assert config.compatibility_date == "2025-01-15"
    assert config.compatibility_flags == ("nodejs_compat",)
    assert config.account_id == ACCOUNT
    assert config.workers_dev is True
    assert config.routes == (RouteSpec("example.com/*"),)
    assert config.vars == {}
    assert config.bindings == ()
    assert config.warnings == (
        not_inherited("vars", "staging"),
        not_inherited("kv_namespaces", "staging"),
    )
    assert config.refused == ()


def test_an_environment_with_its_own_settings_uses_them(tmp_path: Path) -> None:
    config = load(tmp_path, ENV_TOML, env="production")

    assert config.name == "prod"
    assert config.workers_dev is False
    assert config.compatibility_flags == ()
    assert config.compatibility_date == "2025-01-15"
    assert config.routes == (RouteSpec("www.example.com/*", zone_name="example.com"),)
    assert config.vars == {"MODE": "live"}
    assert config.bindings == (
        ConfigBinding(
            "env.production.kv_namespaces[0]",
            {"name": "CACHE", "type": "kv_namespace", "namespace_id": "live-kv"},
        ),
    )
    assert_clean(config)


def test_an_environment_says_which_one_it_is_and_the_top_level_name(tmp_path: Path) -> None:
    config = load(tmp_path, ENV_TOML, env="production")

    assert config.environment == "production"
    assert config.top_level_name == "my-worker"
    assert config.has_environments is True


def test_without_an_environment_the_top_level_is_used_and_env_is_not_reported(
    tmp_path: Path,
) -> None:
    for environment in (None, "", "  "):
        config = load(tmp_path, ENV_TOML, env=environment)

        assert config.name == "my-worker"
        assert config.environment is None
        assert config.top_level_name == "my-worker"
        assert config.has_environments is True
        assert config.vars == {"MODE": "production"}
        assert api_bindings(config) == [
            {"name": "CACHE", "type": "kv_namespace", "namespace_id": "prod-kv"}
        ]
        assert_clean(config)


def test_an_environment_name_is_trimmed(tmp_path: Path) -> None:
    config = load(tmp_path, ENV_TOML, env=" staging ")

    assert (config.environment, config.name) == ("staging", "my-worker-staging")


def test_a_file_without_environments_or_with_an_empty_env_table_has_none() -> None:
    assert parse('name = "w"\n').has_environments is False
    assert parse('name = "w"\n[env]\n').has_environments is False


def test_an_environment_route_replaces_both_top_level_route_and_routes(tmp_path: Path) -> None:
    text = (
        'routes = ["a.example.com/*", "b.example.com/*"]\n[env.dev]\nroute = "dev.example.com/*"\n'
    )

    config = load(tmp_path, text, env="dev")

    assert config.routes == (RouteSpec("dev.example.com/*"),)


def test_an_environment_can_clear_inherited_routes(tmp_path: Path) -> None:
    config = load(tmp_path, 'route = "example.com/*"\n[env.dev]\nroutes = []\n', env="dev")

    assert config.routes == ()


def test_an_environment_without_any_name_has_none(tmp_path: Path) -> None:
    config = load(tmp_path, '[env.dev]\nmain = "dev.js"\n', env="dev")

    assert config.name is None
    assert config.top_level_name is None
    assert config.main == tmp_path / "dev.js"


def test_environments_in_json(tmp_path: Path) -> None:
    data = {
        "name": "w",
        "vars": {"A": "top"},
        "env": {"staging": {"vars": {"A": "staging"}, "durable_objects": {"bindings": []}}},
    }

    config = load_json(tmp_path, data, env="staging")

    assert config.name == "w-staging"
    assert config.vars == {"A": "staging"}
    assert config.bindings == ()
    assert_clean(config)


def test_an_unknown_environment_names_those_defined(tmp_path: Path) -> None:
    found = error(tmp_path, ENV_TOML, env="qa")

    assert found.input_name == "environment"
    assert (
        found.problem
        == f"'qa' is not in {tmp_path / 'wrangler.toml'}; it defines: staging, production."
    )
    assert "leave it empty" in found.fix


def test_an_environment_in_a_file_without_environments(tmp_path: Path) -> None:
    found = error(tmp_path, 'name = "w"\n', env="staging")

    assert found.input_name == "environment"
    assert "defines no environments" in found.problem
    assert "[env.<name>]" in found.fix


def test_an_environment_that_is_not_a_table(tmp_path: Path) -> None:
    found = error(tmp_path, '{"env": {"dev": "yes"}}', "wrangler.json", env="dev")

    assert found.input_name == "config"
    assert "env.dev is a string, not an object" in found.problem


def test_env_that_is_not_a_table_of_environments(tmp_path: Path) -> None:
    found = error(tmp_path, 'env = "dev"\n', env="dev")

    assert found.input_name == "config"
    assert found.problem.endswith("env is a string, not a table of environments.")


INHERITING_TOML = """
name = "w"
main = "src/index.js"
compatibility_date = "2025-01-15"
compatibility_flags = ["nodejs_compat"]
workers_dev = false
preview_urls = true
route = "example.com/*"
minify = true
keep_names = false
no_bundle = true
find_additional_modules = true
base_dir = "src"
preserve_file_names = true
upload_source_maps = true
tsconfig = "tsconfig.json"
jsx_factory = "h"
jsx_fragment = "Fragment"
logpush = true
triggers = { crons = ["0 * * * *"] }
placement = { mode = "smart" }
limits = { cpu_ms = 50 }
observability = { enabled = true }
cache = { enabled = true }
rules = [{ type = "Text", globs = ["**/*.md"] }]
python_modules = { exclude = ["**/*.md"] }
migrations = [{ tag = "v1", new_classes = ["Room"] }]
logfwdr = { bindings = [{ name = "LOGS", destination = "d" }] }
vars = { A = "1" }
define = { X = "1" }
secrets = { required = ["TOKEN"] }
tail_consumers = [{ service = "tail" }]
durable_objects = { bindings = [{ name = "ROOM", class_name = "Room" }] }
queues = { consumers = [{ queue = "q" }] }
ai = { binding = "AI" }
unsafe = { metadata = { a = 1 } }
[env.dev]
"""


def test_an_environment_inherits_every_inheritable_key_from_the_top_level() -> None:
    top = parse(INHERITING_TOML)

    config = parse(INHERITING_TOML, env="dev")

    assert config.name == "w-dev"
    for inherited in (
        "main",
        "compatibility_date",
        "compatibility_flags",
        "workers_dev",
        "preview_urls",
        "routes",
        "no_bundle",
        "find_additional_modules",
        "base_dir",
        "preserve_file_names",
        "upload_source_maps",
        "crons",
        "migrations",
        "rules",
        "python_exclude",
    ):
        assert getattr(top, inherited) != getattr(WorkerConfig(path=CONFIG), inherited)
        assert getattr(config, inherited) == getattr(top, inherited), inherited
    assert config.build == BuildOptions(
        minify=True,
        keep_names=False,
        jsx_factory="h",
        jsx_fragment="Fragment",
        tsconfig=Path("/repo/app/tsconfig.json"),
    )
    assert config.settings == {
        "logpush": True,
        "placement": {"mode": "smart"},
        "limits": {"cpu_ms": 50},
        "observability": {"enabled": True},
        "cache_options": {"enabled": True},
    }
    assert api_bindings(config) == [{"name": "LOGS", "type": "logfwdr", "destination": "d"}]


def test_an_environment_inherits_no_non_inheritable_key_and_each_is_warned_about() -> None:
    config = parse(INHERITING_TOML, env="dev")

    assert config.vars == {}
    assert config.build.define == {}
    assert config.required_secrets == ()
    assert config.queue_consumers == ()
    assert config.unsafe_metadata == {}
    assert "tail_consumers" not in config.settings
    assert config.warnings == tuple(
        not_inherited(key, "dev")
        for key in (
            "vars",
            "define",
            "secrets",
            "tail_consumers",
            "durable_objects",
            "queues",
            "ai",
            "unsafe",
        )
    )
    assert config.refused == ()


WRANGLER_INHERITABLE = frozenset(
    # workers-utils config/environment.ts, interface EnvironmentInheritable
    {
        *("name", "account_id", "compatibility_date", "compatibility_flags", "main"),
        *("find_additional_modules", "preserve_file_names", "base_dir", "workers_dev"),
        *("preview_urls", "routes", "route", "tsconfig", "jsx_factory", "jsx_fragment"),
        *("migrations", "exports", "triggers", "limits", "rules", "build", "no_bundle"),
        *("minify", "keep_names", "first_party_worker", "logfwdr", "logpush"),
        *("upload_source_maps", "placement", "assets", "observability", "access", "cache"),
        *("compliance_region", "python_modules", "previews"),
    }
)
WRANGLER_NON_INHERITABLE = frozenset(
    # workers-utils config/environment.ts, interface EnvironmentNonInheritable
    {
        *("vars", "secrets", "define", "durable_objects", "workflows", "kv_namespaces"),
        *("cloudchamber", "containers", "send_email", "queues", "connect", "r2_buckets"),
        *("d1_databases", "vectorize", "ai_search_namespaces", "ai_search", "websearch"),
        *("agent_memory", "hyperdrive", "services", "analytics_engine_datasets"),
        *("dispatch_namespaces", "mtls_certificates", "tail_consumers"),
        *("streaming_tail_consumers", "unsafe", "browser", "ai", "images", "stream"),
        *("media", "pipelines", "secrets_store_secrets", "artifacts", "unsafe_hello_world"),
        *("flagship", "worker_loaders", "ratelimits", "vpc_services", "vpc_networks"),
        "version_metadata",
    }
)
WRANGLER_TOP_LEVEL_ONLY = frozenset(
    # workers-utils config/config.ts: ConfigFields, PagesConfigFields, $schema and env
    {
        *("$schema", "env", "send_metrics", "dependencies_instrumentation", "dev", "site"),
        *("wasm_modules", "text_blobs", "data_blobs", "alias", "keep_vars", "addresses"),
        *("pages_build_output_dir", "legacy_env"),
    }
)


def test_the_non_inheritable_keys_are_wranglers() -> None:
    assert NON_INHERITABLE == WRANGLER_NON_INHERITABLE


def test_the_top_level_only_keys_are_wranglers() -> None:
    assert TOP_LEVEL_ONLY == WRANGLER_TOP_LEVEL_ONLY


def test_top_level_only_keys_of_the_top_level_apply_to_every_environment() -> None:
    text = """
keep_vars = true
alias = { "node-fetch" = "./shim.js" }
wasm_modules = { MOD = "mod.wasm" }
dependencies_instrumentation = { enabled = false }
[env.dev]
"""

    config = parse(text, env="dev")

    assert config.keep_vars is True
    assert config.build.alias == {"node-fetch": "./shim.js"}
    assert config.blobs == (Blob("wasm_module", "MOD", Path("/repo/app/mod.wasm")),)
    assert config.dependencies_instrumentation is False
    assert_clean(config)


TOP_LEVEL_ONLY_SAMPLES: dict[str, Any] = {
    "$schema": "node_modules/wrangler/config-schema.json",
    "env": {"nested": {}},
    "send_metrics": False,
    "dependencies_instrumentation": {"enabled": False},
    "dev": {"port": 8787},
    "site": {"bucket": "./public"},
    "wasm_modules": {"MOD": "mod.wasm"},
    "text_blobs": {"TXT": "a.txt"},
    "data_blobs": {"BIN": "a.bin"},
    "alias": {"node-fetch": "./shim.js"},
    "keep_vars": True,
    "addresses": ["*@example.com"],
    "pages_build_output_dir": "dist",
    "legacy_env": True,
}


def test_every_top_level_only_key_has_a_sample() -> None:
    assert set(TOP_LEVEL_ONLY_SAMPLES) == WRANGLER_TOP_LEVEL_ONLY


@pytest.mark.parametrize("key", sorted(TOP_LEVEL_ONLY_SAMPLES))
def test_a_top_level_only_key_inside_an_environment_is_ignored_with_a_warning(key: str) -> None:
    config = parse_json({"env": {"dev": {key: TOP_LEVEL_ONLY_SAMPLES[key]}}}, env="dev")

    assert config.warnings == (whole_file_only(f"env.dev.{key}", key),)
    assert config.refused == ()  # not even site, addresses, … : wrangler ignores them there
    assert config == WorkerConfig(
        path=CONFIG_JSON,
        environment="dev",
        has_environments=True,
        warnings=config.warnings,
    )


def test_a_top_level_only_key_in_an_environment_does_not_replace_the_top_level_one() -> None:
    config = parse("keep_vars = true\n[env.dev]\nkeep_vars = false\n", env="dev")

    assert config.keep_vars is True
    assert config.warnings == (whole_file_only("env.dev.keep_vars", "keep_vars"),)


def test_keys_inside_an_environment_are_applied_and_named_with_their_path() -> None:
    text = """
name = "w"
minify = true
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]
triggers = { crons = ["0 * * * *"] }
[env.staging]
build = { command = "npm run build" }
site = { bucket = "./public" }
keep_vars = true
migrations = []
triggers = { crons = [] }
[[env.staging.durable_objects.bindings]]
name = "ROOM"
class_name = "Room"
[[env.staging.queues.consumers]]
queue = "jobs"
"""

    config = parse(text, env="staging")

    assert config.build.minify is True
    assert config.keep_vars is False
    assert config.migrations == ()
    assert config.crons == ()
    assert config.bindings == (
        ConfigBinding(
            "env.staging.durable_objects.bindings[0]",
            {"name": "ROOM", "type": "durable_object_namespace", "class_name": "Room"},
        ),
    )
    assert config.queue_consumers == (QueueConsumer("env.staging.queues.consumers[0]", "jobs", {}),)
    assert config.warnings == (
        whole_file_only("env.staging.site", "site"),
        whole_file_only("env.staging.keep_vars", "keep_vars"),
    )
    assert config.refused == ()


def test_inherited_keys_are_reported_by_their_top_level_name() -> None:
    text = """
triggers = { crons = ["0 * * * *"] }
site = { bucket = "./public" }
durable_objects = { bindings = [] }
[env.staging]
name = "s"
"""

    config = parse(text, env="staging")

    assert config.crons == ("0 * * * *",)
    assert config.refused == (("site", KEYS["site"].note),)
    assert config.warnings == (not_inherited("durable_objects", "staging"),)


def test_a_refused_non_inheritable_key_of_the_top_level_does_not_reach_an_environment() -> None:
    text = '[[containers]]\nclass_name = "Box"\nimage = "./Dockerfile"\n[env.dev]\n'

    config = parse(text, env="dev")

    assert config.refused == ()
    assert config.warnings == (not_inherited("containers", "dev"),)


def test_a_refused_key_inside_an_environment_is_named_with_its_path() -> None:
    text = '[[env.staging.containers]]\nclass_name = "Box"\nimage = "./Dockerfile"\n'
    config = parse(text, env="staging")

    assert config.refused == (("env.staging.containers", KEYS["containers"].note),)


def test_another_environments_keys_do_not_matter() -> None:
    text = '[env.a]\nsite = { bucket = "x" }\nmade_up = 1\n[env.b]\nname = "b"\n'

    assert_clean(parse(text, env="b"))


# bindings: every kind and its API shape


BINDING_CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (kind key, TOML, where, API binding)
    (
        "kv_namespaces",
        '[[kv_namespaces]]\nbinding = "KV"\nid = "ns-id"\npreview_id = "p"\nremote = true\n',
        "kv_namespaces[0]",
        {"name": "KV", "type": "kv_namespace", "namespace_id": "ns-id"},
    ),
    (
        "send_email",
        '[[send_email]]\nname = "MAIL"\ndestination_address = "a@example.com"\n'
        'allowed_sender_addresses = ["b@example.com"]\n',
        "send_email[0]",
        {
            "name": "MAIL",
            "type": "send_email",
            "destination_address": "a@example.com",
            "allowed_sender_addresses": ["b@example.com"],
        },
    ),
    (
        "durable_objects.bindings",
        '[[durable_objects.bindings]]\nname = "ROOM"\nclass_name = "Room"\n'
        'script_name = "rooms"\nenvironment = "production"\n',
        "durable_objects.bindings[0]",
        {
            "name": "ROOM",
            "type": "durable_object_namespace",
            "class_name": "Room",
            "script_name": "rooms",
            "environment": "production",
        },
    ),
    (
        "workflows",
        '[[workflows]]\nbinding = "FLOW"\nname = "my-flow"\nclass_name = "MyFlow"\n'
        'script_name = "flows"\n',
        "workflows[0]",
        {
            "name": "FLOW",
            "type": "workflow",
            "workflow_name": "my-flow",
            "class_name": "MyFlow",
            "script_name": "flows",
        },
    ),
    (
        "queues.producers",
        '[[queues.producers]]\nbinding = "JOBS"\nqueue = "jobs"\ndelivery_delay = 30\n',
        "queues.producers[0]",
        {"name": "JOBS", "type": "queue", "queue_name": "jobs", "delivery_delay": 30},
    ),
    (
        "r2_buckets",
        '[[r2_buckets]]\nbinding = "FILES"\nbucket_name = "files"\njurisdiction = "eu"\n'
        'preview_bucket_name = "p"\n',
        "r2_buckets[0]",
        {"name": "FILES", "type": "r2_bucket", "bucket_name": "files", "jurisdiction": "eu"},
    ),
    (
        "d1_databases",
        '[[d1_databases]]\nbinding = "DB"\ndatabase_id = "d1-id"\n'
        'database_internal_env = "staging"\nmigrations_dir = "m"\n',
        "d1_databases[0]",
        {"name": "DB", "type": "d1", "id": "d1-id", "internalEnv": "staging"},
    ),
    (
        "vectorize",
        '[[vectorize]]\nbinding = "VEC"\nindex_name = "embeddings"\n',
        "vectorize[0]",
        {"name": "VEC", "type": "vectorize", "index_name": "embeddings"},
    ),
    (
        "hyperdrive",
        '[[hyperdrive]]\nbinding = "HD"\nid = "hd-id"\nlocalConnectionString = "postgres://"\n',
        "hyperdrive[0]",
        {"name": "HD", "type": "hyperdrive", "id": "hd-id"},
    ),
    (
        "secrets_store_secrets",
        '[[secrets_store_secrets]]\nbinding = "KEY"\nstore_id = "store"\nsecret_name = "api"\n',
        "secrets_store_secrets[0]",
        {"name": "KEY", "type": "secrets_store_secret", "store_id": "store", "secret_name": "api"},
    ),
    (
        "ratelimits",
        '[[ratelimits]]\nname = "LIMIT"\nnamespace_id = "1001"\n'
        "simple = { limit = 100, period = 60 }\n",
        "ratelimits[0]",
        {
            "name": "LIMIT",
            "type": "ratelimit",
            "namespace_id": "1001",
            "simple": {"limit": 100, "period": 60},
        },
    ),
    (
        "vpc_services",
        '[[vpc_services]]\nbinding = "VPC"\nservice_id = "svc"\n',
        "vpc_services[0]",
        {"name": "VPC", "type": "vpc_service", "service_id": "svc"},
    ),
    (
        "vpc_networks",
        '[[vpc_networks]]\nbinding = "NET"\ntunnel_id = "tunnel"\n',
        "vpc_networks[0]",
        {"name": "NET", "type": "vpc_network", "tunnel_id": "tunnel"},
    ),
    (
        "services",
        '[[services]]\nbinding = "AUTH"\nservice = "auth"\nenvironment = "production"\n'
        'entrypoint = "AuthRPC"\nprops = { tenant = 7 }\n',
        "services[0]",
        {
            "name": "AUTH",
            "type": "service",
            "service": "auth",
            "environment": "production",
            "entrypoint": "AuthRPC",
            "props": {"tenant": 7},
        },
    ),
    (
        "analytics_engine_datasets",
        '[[analytics_engine_datasets]]\nbinding = "EVENTS"\ndataset = "events"\n',
        "analytics_engine_datasets[0]",
        {"name": "EVENTS", "type": "analytics_engine", "dataset": "events"},
    ),
    (
        "dispatch_namespaces",
        '[[dispatch_namespaces]]\nbinding = "DISPATCH"\nnamespace = "customers"\n'
        'outbound = { service = "out", environment = "production", '
        'parameters = ["customer", "plan"] }\n',
        "dispatch_namespaces[0]",
        {
            "name": "DISPATCH",
            "type": "dispatch_namespace",
            "namespace": "customers",
            "outbound": {
                "worker": {"service": "out", "environment": "production"},
                "params": [{"name": "customer"}, {"name": "plan"}],
            },
        },
    ),
    (
        "mtls_certificates",
        '[[mtls_certificates]]\nbinding = "CERT"\ncertificate_id = "cert"\n',
        "mtls_certificates[0]",
        {"name": "CERT", "type": "mtls_certificate", "certificate_id": "cert"},
    ),
    (
        "pipelines",
        '[[pipelines]]\nbinding = "PIPE"\nstream = "events"\n',
        "pipelines[0]",
        {"name": "PIPE", "type": "pipelines", "stream": "events"},
    ),
    (
        "worker_loaders",
        '[[worker_loaders]]\nbinding = "LOADER"\n',
        "worker_loaders[0]",
        {"name": "LOADER", "type": "worker_loader"},
    ),
    (
        "logfwdr.bindings",
        '[[logfwdr.bindings]]\nname = "LOGS"\ndestination = "dest"\n',
        "logfwdr.bindings[0]",
        {"name": "LOGS", "type": "logfwdr", "destination": "dest"},
    ),
    (
        "browser",
        '[browser]\nbinding = "BROWSER"\n',
        "browser",
        {"name": "BROWSER", "type": "browser"},
    ),
    (
        "ai",
        '[ai]\nbinding = "AI"\nstaging = true\nremote = true\n',
        "ai",
        {"name": "AI", "type": "ai", "staging": True},
    ),
    ("images", '[images]\nbinding = "IMAGES"\n', "images", {"name": "IMAGES", "type": "images"}),
    ("stream", '[stream]\nbinding = "STREAM"\n', "stream", {"name": "STREAM", "type": "stream"}),
    ("media", '[media]\nbinding = "MEDIA"\n', "media", {"name": "MEDIA", "type": "media"}),
    (
        "version_metadata",
        '[version_metadata]\nbinding = "VERSION"\n',
        "version_metadata",
        {"name": "VERSION", "type": "version_metadata"},
    ),
]


def test_every_binding_kind_has_a_case() -> None:
    assert [case[0] for case in BINDING_CASES] == [kind.key for kind in BINDING_KINDS]


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [pytest.param(text, where, expected, id=key) for key, text, where, expected in BINDING_CASES],
)
def test_a_binding_entry_becomes_its_api_binding(
    text: str, where: str, expected: dict[str, Any]
) -> None:
    config = parse(text)

    assert config.bindings == (ConfigBinding(where, expected),)
    assert_clean(config)


def test_the_bindings_of_a_json_file_are_the_same_as_of_toml() -> None:
    data = {
        "ai": {"binding": "AI"},
        "durable_objects": {"bindings": [{"name": "ROOM", "class_name": "Room"}]},
        "kv_namespaces": [{"binding": "KV", "id": "k"}],
    }

    config = parse_json(data)

    assert config.bindings == (
        ConfigBinding(
            "kv_namespaces[0]", {"name": "KV", "type": "kv_namespace", "namespace_id": "k"}
        ),
        ConfigBinding(
            "durable_objects.bindings[0]",
            {"name": "ROOM", "type": "durable_object_namespace", "class_name": "Room"},
        ),
        ConfigBinding("ai", {"name": "AI", "type": "ai"}),
    )


def test_bindings_come_in_the_order_wrangler_puts_them_in_the_metadata() -> None:
    text = "\n".join(text for _, text, _, _ in reversed(BINDING_CASES))

    types = [binding["type"] for binding in api_bindings(parse(text))]

    assert types == [
        *("kv_namespace", "send_email", "durable_object_namespace", "workflow", "queue"),
        *("r2_bucket", "d1", "vectorize", "hyperdrive", "secrets_store_secret", "ratelimit"),
        *("vpc_service", "vpc_network", "service", "analytics_engine", "dispatch_namespace"),
        *("mtls_certificate", "pipelines", "worker_loader", "logfwdr"),
        *("browser", "ai", "images", "stream", "media", "version_metadata"),
    ]


def test_bindings_of_one_kind_keep_their_file_order() -> None:
    text = (
        '[[kv_namespaces]]\nbinding = "B"\nid = "b"\n[[kv_namespaces]]\nbinding = "A"\nid = "a"\n'
    )

    bindings = parse(text).bindings

    assert [(item.where, item.name) for item in bindings] == [
        ("kv_namespaces[0]", "B"),
        ("kv_namespaces[1]", "A"),
    ]


def test_optional_binding_fields_are_left_out_when_not_given() -> None:
    text = """
[[r2_buckets]]
binding = "FILES"
bucket_name = "files"
[[services]]
binding = "AUTH"
service = "auth"
[[analytics_engine_datasets]]
binding = "EVENTS"
[[workflows]]
binding = "FLOW"
name = "flow"
class_name = "Flow"
[ai]
binding = "AI"
"""

    assert api_bindings(parse(text)) == [
        {"name": "FLOW", "type": "workflow", "workflow_name": "flow", "class_name": "Flow"},
        {"name": "FILES", "type": "r2_bucket", "bucket_name": "files"},
        {"name": "AUTH", "type": "service", "service": "auth"},
        {"name": "EVENTS", "type": "analytics_engine"},
        {"name": "AI", "type": "ai"},
    ]


def test_empty_durable_object_script_name_and_environment_are_dropped() -> None:
    text = (
        '[[durable_objects.bindings]]\nname = "ROOM"\nclass_name = "Room"\n'
        'script_name = ""\nenvironment = ""\n'
    )

    assert api_bindings(parse(text)) == [
        {"name": "ROOM", "type": "durable_object_namespace", "class_name": "Room"}
    ]


def test_a_dispatch_outbound_without_environment_or_parameters_has_only_the_worker() -> None:
    text = (
        '[[dispatch_namespaces]]\nbinding = "D"\nnamespace = "n"\noutbound = { service = "out" }\n'
    )

    assert api_bindings(parse(text)) == [
        {
            "name": "D",
            "type": "dispatch_namespace",
            "namespace": "n",
            "outbound": {"worker": {"service": "out"}},
        }
    ]


def test_a_dispatch_namespace_without_outbound_has_none() -> None:
    text = '[[dispatch_namespaces]]\nbinding = "D"\nnamespace = "n"\n'

    assert api_bindings(parse(text)) == [
        {"name": "D", "type": "dispatch_namespace", "namespace": "n"}
    ]


def test_a_pipeline_binding_may_use_the_older_pipeline_field() -> None:
    text = '[[pipelines]]\nbinding = "PIPE"\npipeline = "old"\n'

    assert api_bindings(parse(text)) == [{"name": "PIPE", "type": "pipelines", "pipeline": "old"}]


def test_a_pipeline_binding_with_stream_and_pipeline_sends_stream_as_wrangler() -> None:
    text = '[[pipelines]]\nbinding = "PIPE"\nstream = "new"\npipeline = "old"\n'

    assert api_bindings(parse(text)) == [{"name": "PIPE", "type": "pipelines", "stream": "new"}]


def test_a_vpc_network_binding_may_name_a_network_instead_of_a_tunnel() -> None:
    text = '[[vpc_networks]]\nbinding = "NET"\nnetwork_id = "net"\n'

    assert api_bindings(parse(text)) == [
        {"name": "NET", "type": "vpc_network", "network_id": "net"}
    ]


def test_a_send_email_binding_may_be_named_with_binding_and_list_allowed_destinations() -> None:
    text = (
        '[[send_email]]\nbinding = "MAIL"\n'
        'allowed_destination_addresses = ["a@example.com", "b@example.com"]\n'
    )

    config = parse(text)

    assert api_bindings(config) == [
        {
            "name": "MAIL",
            "type": "send_email",
            "allowed_destination_addresses": ["a@example.com", "b@example.com"],
        }
    ]
    assert_clean(config)


def test_local_development_fields_are_dropped_and_unknown_ones_warned_about() -> None:
    text = """
[[d1_databases]]
binding = "DB"
database_id = "d1"
database_name = "db"
preview_database_id = "p"
migrations_dir = "m"
migrations_table = "t"
migrations_pattern = "*.sql"
remote = true
[[kv_namespaces]]
binding = "KV"
id = "k"
ttl = 60
[[hyperdrive]]
binding = "HD"
id = "h"
remote = true
"""

    config = parse(text)

    assert api_bindings(config) == [
        {"name": "KV", "type": "kv_namespace", "namespace_id": "k"},
        {"name": "DB", "type": "d1", "id": "d1"},
        {"name": "HD", "type": "hyperdrive", "id": "h"},
    ]
    # wrangler does not allow remote on hyperdrive either
    assert config.warnings == (
        unknown_field("kv_namespaces[0].ttl"),
        unknown_field("hyperdrive[0].remote"),
    )
    assert config.refused == ()


def test_an_unknown_field_in_an_environment_binding_is_named_with_its_path() -> None:
    text = '[env.dev]\n[[env.dev.kv_namespaces]]\nbinding = "KV"\nid = "k"\nttl = 60\n'

    assert parse(text, env="dev").warnings == (unknown_field("env.dev.kv_namespaces[0].ttl"),)


def test_a_service_cross_account_grant_is_uploaded_as_wrangler_does() -> None:
    text = '[[services]]\nbinding = "A"\nservice = "a"\ncross_account_grant = "grant"\n'

    config = parse(text)

    assert api_bindings(config) == [
        {"name": "A", "type": "service", "service": "a", "cross_account_grant": "grant"}
    ]
    assert_clean(config)


# bindings provisioned by name


def test_a_kv_namespace_without_id_is_provisioned() -> None:
    config = parse('[[kv_namespaces]]\nbinding = "CACHE"\n')

    assert config.bindings == (
        ConfigBinding(
            "kv_namespaces[0]",
            {"name": "CACHE", "type": "kv_namespace"},
            Provisioned("kv", "namespace_id", ""),
        ),
    )
    assert_clean(config)


def test_an_r2_bucket_without_bucket_name_is_provisioned_in_its_jurisdiction() -> None:
    config = parse('[[r2_buckets]]\nbinding = "FILES"\njurisdiction = "eu"\n')

    assert config.bindings == (
        ConfigBinding(
            "r2_buckets[0]",
            {"name": "FILES", "type": "r2_bucket", "jurisdiction": "eu"},
            Provisioned("r2", "bucket_name", ""),
        ),
    )


def test_a_d1_database_without_id_is_provisioned_by_its_database_name() -> None:
    config = parse('[[d1_databases]]\nbinding = "DB"\ndatabase_name = "prod-db"\n')

    assert config.bindings == (
        ConfigBinding(
            "d1_databases[0]",
            {"name": "DB", "type": "d1"},
            Provisioned("d1", "id", "database_name"),
            {"database_name": "prod-db"},
        ),
    )
    assert_clean(config)


def test_a_d1_database_without_id_or_name_is_provisioned_without_a_name() -> None:
    config = parse('[[d1_databases]]\nbinding = "DB"\n')

    assert config.bindings == (
        ConfigBinding(
            "d1_databases[0]",
            {"name": "DB", "type": "d1"},
            Provisioned("d1", "id", "database_name"),
        ),
    )


def test_a_d1_database_with_an_empty_id_is_provisioned_as_in_wrangler() -> None:
    config = parse('[[d1_databases]]\nbinding = "DB"\ndatabase_id = ""\n')

    assert config.bindings[0].provision == Provisioned("d1", "id", "database_name")
    assert config.bindings[0].binding == {"name": "DB", "type": "d1"}


def test_bindings_with_their_ids_are_not_provisioned() -> None:
    config = parse(FULL_TOML)

    assert [item.provision for item in config.bindings] == [None] * 6


def test_a_provisioned_binding_in_an_environment_is_named_with_its_path() -> None:
    config = parse('[env.dev]\n[[env.dev.kv_namespaces]]\nbinding = "A"\n', env="dev")

    assert config.bindings == (
        ConfigBinding(
            "env.dev.kv_namespaces[0]",
            {"name": "A", "type": "kv_namespace"},
            Provisioned("kv", "namespace_id", ""),
        ),
    )


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[[kv_namespaces]]\nbinding = "A"\nid = ""\n', "kv_namespaces[0]"),
        ('[[r2_buckets]]\nbinding = "A"\nbucket_name = ""\n', "r2_buckets[0]"),
        (
            '[[analytics_engine_datasets]]\nbinding = "A"\ndataset = ""\n',
            "analytics_engine_datasets[0]",
        ),
    ],
)
def test_an_empty_resource_id_is_an_error_as_in_wrangler(text: str, field: str) -> None:
    assert field in problem(text)


# bindings: errors


@pytest.mark.parametrize(
    ("text", "expected", "fix"),
    [
        (
            '[[kv_namespaces]]\nid = "x"\n',
            "kv_namespaces[0] has no binding.",
            "Add the name the Worker's code uses (env.NAME).",
        ),
        (
            '[[kv_namespaces]]\nbinding = "A"\nid = "x"\n[[kv_namespaces]]\nid = "y"\n',
            "kv_namespaces[1] has no binding.",
            "Add the name the Worker's code uses (env.NAME).",
        ),
        (
            '[[services]]\nbinding = "A"\n',
            "services[0] has no service.",
            "Add the name of the Worker to call.",
        ),
        (
            '[[queues.producers]]\nbinding = "A"\n',
            "queues.producers[0] has no queue.",
            "Add the queue's name.",
        ),
        (
            '[[analytics_engine_datasets]]\ndataset = "d"\n',
            "analytics_engine_datasets[0] has no binding.",
            "Add the name the Worker's code uses (env.NAME).",
        ),
        (
            '[[durable_objects.bindings]]\nname = "ROOM"\n',
            "durable_objects.bindings[0] has no class_name.",
            "Add the exported class.",
        ),
        (
            '[[durable_objects.bindings]]\nclass_name = "Room"\n',
            "durable_objects.bindings[0] has no name.",
            "Add the name the Worker's code uses (env.NAME).",
        ),
        (
            '[[workflows]]\nbinding = "F"\nclass_name = "Flow"\n',
            "workflows[0] has no name.",
            "Add the Workflow's name.",
        ),
        (
            '[[workflows]]\nbinding = "F"\nname = "flow"\n',
            "workflows[0] has no class_name.",
            "Add the exported WorkflowEntrypoint class.",
        ),
        (
            '[[vectorize]]\nbinding = "V"\n',
            "vectorize[0] has no index_name.",
            "Add the index's name.",
        ),
        (
            '[[hyperdrive]]\nbinding = "H"\n',
            "hyperdrive[0] has no id.",
            "Add the Hyperdrive configuration's ID.",
        ),
        (
            '[[secrets_store_secrets]]\nbinding = "S"\nstore_id = "s"\n',
            "secrets_store_secrets[0] has no secret_name.",
            "Add the secret's name in the store.",
        ),
        (
            '[[ratelimits]]\nname = "R"\nnamespace_id = "1"\n',
            "ratelimits[0] has no simple.",
            "Add simple = { limit, period }.",
        ),
        (
            '[[ratelimits]]\nname = "R"\nsimple = { limit = 1, period = 10 }\n',
            "ratelimits[0] has no namespace_id.",
            "Add a namespace ID of your choice.",
        ),
        (
            '[[vpc_services]]\nbinding = "V"\n',
            "vpc_services[0] has no service_id.",
            "Add the VPC service's ID.",
        ),
        (
            '[[vpc_networks]]\nbinding = "V"\n',
            "vpc_networks[0] needs exactly one of tunnel_id or network_id.",
            "Give tunnel_id.",
        ),
        (
            '[[vpc_networks]]\nbinding = "V"\ntunnel_id = "t"\nnetwork_id = "n"\n',
            "vpc_networks[0] needs exactly one of tunnel_id or network_id.",
            "Give tunnel_id.",
        ),
        (
            '[[pipelines]]\nbinding = "P"\n',
            "pipelines[0] has no stream.",
            "Add the name of the stream to write to.",
        ),
        (
            '[[dispatch_namespaces]]\nbinding = "D"\n',
            "dispatch_namespaces[0] has no namespace.",
            "Add the dispatch namespace's name.",
        ),
        (
            '[[dispatch_namespaces]]\nbinding = "D"\nnamespace = "n"\n'
            'outbound = { environment = "p" }\n',
            "dispatch_namespaces[0] outbound has no service.",
            'Write outbound = { service = "<worker name>" }.',
        ),
        (
            '[[dispatch_namespaces]]\nbinding = "D"\nnamespace = "n"\n'
            'outbound = { service = "s", parameters = "p" }\n',
            "dispatch_namespaces[0] outbound.parameters is not a list of names.",
            'Write parameters = ["name"].',
        ),
        (
            '[[mtls_certificates]]\nbinding = "C"\n',
            "mtls_certificates[0] has no certificate_id.",
            "Add the certificate's ID.",
        ),
        (
            '[[logfwdr.bindings]]\nname = "L"\n',
            "logfwdr.bindings[0] has no destination.",
            "Add destination.",
        ),
        (
            '[[send_email]]\ndestination_address = "a@example.com"\n',
            "send_email[0] has no name.",
            "Add the name the Worker's code uses (env.NAME).",
        ),
        (
            "[ai]\nstaging = true\n",
            "ai has no binding.",
            "Add the name the Worker's code uses (env.NAME).",
        ),
        (
            '[env.dev]\n[[env.dev.services]]\nbinding = "A"\n',
            "env.dev.services[0] has no service.",
            "Add the name of the Worker to call.",
        ),
    ],
)
def test_a_binding_without_a_required_field_is_named(text: str, expected: str, fix: str) -> None:
    found = failure(text, env="dev" if "env.dev" in text else None)

    assert found.problem == f"{CONFIG}: {expected}"
    assert found.fix == fix


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[kv_namespaces]]\nbinding = "A"\nid = 5\n', "kv_namespaces[0] id is not a string."),
        (
            '[[services]]\nbinding = "A"\nservice = "a"\nprops = "x"\n',
            "services[0] props is not a table.",
        ),
        (
            '[[queues.producers]]\nbinding = "Q"\nqueue = "q"\ndelivery_delay = true\n',
            "queues.producers[0] delivery_delay is not a whole number.",
        ),
        ('[ai]\nbinding = "AI"\nstaging = "yes"\n', "ai staging is not true or false."),
        (
            '[[send_email]]\nname = "M"\nallowed_sender_addresses = "a@example.com"\n',
            "send_email[0] allowed_sender_addresses is not a list.",
        ),
        (
            '[[ratelimits]]\nname = "R"\nnamespace_id = "1"\nsimple = 5\n',
            "ratelimits[0] simple is not a table.",
        ),
        ("[[kv_namespaces]]\nbinding = 5\n", "kv_namespaces[0] has no binding."),
        ("kv_namespaces = [1]\n", "kv_namespaces[0] is a number, not a table."),
        ('queues = ["q"]\n', "queues is a list, not a table with producers."),
        ("durable_objects = [1]\n", "durable_objects is a list, not a table with bindings."),
        ('ai = [{ binding = "AI" }]\n', "ai is a list, not a table."),
    ],
)
def test_binding_fields_of_the_wrong_type_are_named(text: str, expected: str) -> None:
    assert problem(text) == expected


def test_a_single_table_instead_of_a_list_points_to_double_brackets(tmp_path: Path) -> None:
    found = error(tmp_path, '[kv_namespaces]\nbinding = "A"\nid = "x"\n')

    assert found.problem.endswith("kv_namespaces is a table, not a list of tables.")
    assert "[[kv_namespaces]]" in found.fix


def test_a_nested_binding_list_that_is_a_table_points_to_double_brackets() -> None:
    found = failure('[durable_objects]\nbindings = { name = "A", class_name = "A" }\n')

    assert found.problem.endswith("durable_objects.bindings is a table, not a list of tables.")
    assert (
        found.fix == "Write each entry as a [[durable_objects.bindings]] table (double brackets)."
    )


def test_a_binding_list_in_json_that_is_an_object(tmp_path: Path) -> None:
    found = error(tmp_path, '{"r2_buckets": {"binding": "A"}}', "wrangler.json")

    assert found.problem.endswith("r2_buckets is an object, not a list of objects.")
    assert '"r2_buckets": [' in found.fix


def test_binding_names_must_be_unique_across_vars_and_bindings(tmp_path: Path) -> None:
    text = '[vars]\nCACHE = "x"\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "k"\n'

    found = error(tmp_path, text)

    assert found.problem.endswith("vars.CACHE and kv_namespaces[0] are both named CACHE.")
    assert found.fix == "Give each binding its own name: the Worker reads them all as env.NAME."


def test_two_bindings_with_one_name_are_refused(tmp_path: Path) -> None:
    text = (
        '[[r2_buckets]]\nbinding = "X"\nbucket_name = "b"\n'
        '[[services]]\nbinding = "X"\nservice = "s"\n'
    )

    assert error(tmp_path, text).problem.endswith("r2_buckets[0] and services[0] are both named X.")


def test_durable_object_and_single_object_binding_names_count_too() -> None:
    text = '[[durable_objects.bindings]]\nname = "AI"\nclass_name = "A"\n[ai]\nbinding = "AI"\n'

    assert problem(text) == "durable_objects.bindings[0] and ai are both named AI."


@pytest.mark.parametrize(
    "text",
    [
        'durable_objects = { binding = [{ name = "ROOM", class_name = "Room" }] }\n',
        'logfwdr = { schema = "schema.capnp", bindings = [] }\n',
    ],
)
def test_a_binding_table_that_wrangler_rejects_is_an_error(text: str) -> None:
    failure(text)


# unsafe


def test_unsafe_bindings_are_kept_verbatim_without_dev() -> None:
    text = """
[[unsafe.bindings]]
name = "SPECIAL"
type = "some_new_type"
dev = { plugin = { package = "p", name = "n" } }
flag = true
settings = { a = [1, 2] }
[unsafe.metadata]
tags = ["a"]
usage_model = "standard"
"""

    config = parse(text)

    assert config.unsafe_bindings == (
        {"name": "SPECIAL", "type": "some_new_type", "flag": True, "settings": {"a": [1, 2]}},
    )
    assert config.unsafe_metadata == {"tags": ["a"], "usage_model": "standard"}
    assert config.bindings == ()
    assert_clean(config)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[unsafe.bindings]]\ntype = "t"\n', "unsafe.bindings[0] has no name or type."),
        ('[[unsafe.bindings]]\nname = "N"\n', "unsafe.bindings[0] has no name or type."),
        ("unsafe = { bindings = 1 }\n", "unsafe.bindings is a number, not a list."),
        ('unsafe = { metadata = "x" }\n', "unsafe.metadata is a string, not a table."),
        ('unsafe = "x"\n', "unsafe is a string, not a table."),
    ],
)
def test_invalid_unsafe_entries_are_named(text: str, expected: str) -> None:
    assert problem(text) == expected


def test_unsafe_capnp_is_refused() -> None:
    config = parse('unsafe = { capnp = { compiled_schema = "schema.bin" } }\n')

    assert config.refused == (("unsafe.capnp", KEYS["unsafe.capnp"].note),)


# service-worker blobs


def test_blobs_are_read_with_paths_relative_to_the_config_file() -> None:
    text = """
[wasm_modules]
MOD = "lib/mod.wasm"
[text_blobs]
TXT = "../shared/notes.txt"
[data_blobs]
BIN = "./data.bin"
"""

    config = parse(text)

    assert config.blobs == (
        Blob("wasm_module", "MOD", Path("/repo/app/lib/mod.wasm")),
        Blob("text_blob", "TXT", Path("/repo/shared/notes.txt")),
        Blob("data_blob", "BIN", Path("/repo/app/data.bin")),
    )
    assert config.bindings == ()
    assert_clean(config)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[wasm_modules]\nMOD = 1\n", "wasm_modules.MOD is a number, not a path."),
        ('[text_blobs]\nTXT = ""\n', "text_blobs.TXT is an empty string, not a path."),
        ('data_blobs = ["a.bin"]\n', "data_blobs is a list, not a table."),
    ],
)
def test_invalid_blobs_are_named(text: str, expected: str) -> None:
    assert problem(text) == expected


# migrations


def test_migrations_keep_their_tags_and_steps_verbatim() -> None:
    text = """
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]
new_classes = ["Legacy"]
[[migrations]]
tag = "v2"
renamed_classes = [{ from = "Room", to = "Chat" }]
deleted_classes = ["Legacy"]
[[migrations]]
tag = "v3"
transferred_classes = [{ from = "Chat", from_script = "other", to = "Chat" }]
"""

    config = parse(text)

    assert config.migrations == (
        Migration("v1", {"new_sqlite_classes": ["Room"], "new_classes": ["Legacy"]}),
        Migration(
            "v2",
            {"renamed_classes": [{"from": "Room", "to": "Chat"}], "deleted_classes": ["Legacy"]},
        ),
        Migration(
            "v3", {"transferred_classes": [{"from": "Chat", "from_script": "other", "to": "Chat"}]}
        ),
    )
    assert list(config.migrations[0].step) == ["new_sqlite_classes", "new_classes"]
    assert_clean(config)


def test_a_migration_with_only_a_tag_has_an_empty_step() -> None:
    assert parse('[[migrations]]\ntag = "v1"\n').migrations == (Migration("v1", {}),)


@pytest.mark.parametrize(
    ("text", "expected", "fix"),
    [
        (
            '[[migrations]]\nnew_classes = ["A"]\n',
            "migrations[0] has no tag.",
            'Add tag = "v1" (unique per entry).',
        ),
        (
            '[[migrations]]\ntag = ""\n',
            "migrations[0] has no tag.",
            'Add tag = "v1" (unique per entry).',
        ),
        (
            '[[migrations]]\ntag = "v1"\n[[migrations]]\ntag = "v1"\n',
            "migrations[1] repeats the tag v1.",
            "Give each migration its own tag.",
        ),
        (
            '[[migrations]]\ntag = "v1"\nnew_class = ["A"]\n',
            "migrations[0].new_class is not a migration step.",
            "Use new_classes, new_sqlite_classes, renamed_classes, deleted_classes, "
            "transferred_classes.",
        ),
        (
            '[[migrations]]\ntag = "v1"\nnew_classes = "A"\n',
            "migrations[0].new_classes is a string, not a list.",
            'Write new_classes = ["MyClass"].',
        ),
        (
            '[[migrations]]\ntag = "v1"\ndeleted_classes = [""]\n',
            "migrations[0].deleted_classes[0] is an empty string, not a non-empty string.",
            'Write deleted_classes = ["MyClass"].',
        ),
        (
            '[[migrations]]\ntag = "v1"\nrenamed_classes = [{ from = "A" }]\n',
            "migrations[0].renamed_classes[0] needs from, to.",
            "Write renamed_classes = [{ from = …, to = … }].",
        ),
        (
            '[[migrations]]\ntag = "v1"\nrenamed_classes = ["A"]\n',
            "migrations[0].renamed_classes[0] needs from, to.",
            "Write renamed_classes = [{ from = …, to = … }].",
        ),
        (
            '[[migrations]]\ntag = "v1"\nrenamed_classes = { from = "A", to = "B" }\n',
            "migrations[0].renamed_classes is a table, not a list.",
            "Write renamed_classes = [{ from = …, to = … }].",
        ),
        (
            '[[migrations]]\ntag = "v1"\ntransferred_classes = [{ from = "A", to = "B" }]\n',
            "migrations[0].transferred_classes[0] needs from, from_script, to.",
            "Write transferred_classes = [{ from = …, from_script = …, to = … }].",
        ),
        (
            '[migrations]\ntag = "v1"\n',
            "migrations is a table, not a list.",
            "Write each as a [[migrations]] table.",
        ),
        ('migrations = ["v1"]\n', "migrations[0] is a string, not a table.", ""),
    ],
)
def test_migration_shape_errors_are_named(text: str, expected: str, fix: str) -> None:
    found = failure(text)

    assert found.problem == f"{CONFIG}: {expected}"
    assert found.fix == fix


# triggers


def test_crons_are_none_without_triggers() -> None:
    assert parse('name = "w"\n').crons is None


def test_crons_are_read_in_order() -> None:
    config = parse('[triggers]\ncrons = ["*/5 * * * *", "0 0 * * *"]\n')

    assert config.crons == ("*/5 * * * *", "0 0 * * *")
    assert_clean(config)


def test_an_empty_crons_list_is_kept_to_clear_the_schedules() -> None:
    assert parse("[triggers]\ncrons = []\n").crons == ()


def test_triggers_without_crons_leave_the_schedules_alone() -> None:
    assert parse("[triggers]\n").crons is None


def test_trigger_events_are_refused_and_do_not_set_crons() -> None:
    text = """
[[triggers.events]]
type = "cf.artifacts.repo.pushed"
targets = [{ type = "workflow", workflow_name = "build" }]
"""

    config = parse(text)

    assert config.refused == (("triggers.events", KEYS["triggers.events"].note),)
    assert config.crons is None
    assert config.warnings == ()


def test_an_unknown_trigger_next_to_crons_is_warned_about() -> None:
    config = parse('[triggers]\ncrons = ["0 * * * *"]\nschedule = ["1 * * * *"]\n')

    assert config.crons == ("0 * * * *",)
    assert config.warnings == ("triggers.schedule is not a trigger wrangler reads; ignored.",)


def test_an_unknown_trigger_without_crons_is_warned_about() -> None:
    config = parse('[triggers]\ncron = ["0 * * * *"]\n')

    assert config.warnings == ("triggers.cron is not a trigger wrangler reads; ignored.",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('triggers = "0 * * * *"\n', "triggers is a string, not a table."),
        ('[triggers]\ncrons = "0 * * * *"\n', "triggers.crons is a string, not a list."),
        ("[triggers]\ncrons = [5]\n", "triggers.crons[0] is a number, not a non-empty string."),
    ],
)
def test_invalid_crons_are_named(text: str, expected: str) -> None:
    assert problem(text) == expected


# queue consumers


def test_queue_consumers_keep_their_settings() -> None:
    text = """
[[queues.consumers]]
queue = "jobs"
max_batch_size = 10
max_batch_timeout = 2.5
max_retries = 3
dead_letter_queue = "jobs-dlq"
max_concurrency = 2
visibility_timeout_ms = 1000
retry_delay = 30
[[queues.consumers]]
queue = "other"
type = "worker"
"""

    config = parse(text)

    assert config.queue_consumers == (
        QueueConsumer(
            "queues.consumers[0]",
            "jobs",
            {
                "max_batch_size": 10,
                "max_batch_timeout": 2.5,
                "max_retries": 3,
                "retry_delay": 30,
                "max_concurrency": 2,
                "visibility_timeout_ms": 1000,
            },
            "jobs-dlq",
        ),
        QueueConsumer("queues.consumers[1]", "other", {}),
    )
    assert config.bindings == ()
    assert_clean(config)


def test_a_null_max_concurrency_is_kept() -> None:
    config = parse_json({"queues": {"consumers": [{"queue": "q", "max_concurrency": None}]}})

    assert config.queue_consumers == (
        QueueConsumer("queues.consumers[0]", "q", {"max_concurrency": None}),
    )


def test_producers_and_consumers_are_read_side_by_side() -> None:
    text = '[queues]\nproducers = [{ binding = "Q", queue = "q" }]\nconsumers = [{ queue = "q" }]\n'

    config = parse(text)

    assert api_bindings(config) == [{"name": "Q", "type": "queue", "queue_name": "q"}]
    assert config.queue_consumers == (QueueConsumer("queues.consumers[0]", "q", {}),)


def test_an_unknown_consumer_field_is_warned_about() -> None:
    config = parse('[[queues.consumers]]\nqueue = "q"\nbatch_size = 5\n')

    assert config.queue_consumers == (QueueConsumer("queues.consumers[0]", "q", {}),)
    assert config.warnings == (
        "queues.consumers[0].batch_size is not a consumer setting; ignored.",
    )


def test_an_unknown_queues_key_next_to_consumers_is_warned_about() -> None:
    config = parse('[queues]\nconsumers = [{ queue = "q" }]\nconsumer = []\n')

    assert config.warnings == ("queues.consumer is not read by wrangler deploy; ignored.",)


def test_an_unknown_queues_key_without_consumers_is_warned_about() -> None:
    config = parse('[[queues.consumer]]\nqueue = "q"\n')

    assert config.warnings == ("queues.consumer is not read by wrangler deploy; ignored.",)


@pytest.mark.parametrize(
    ("text", "expected", "fix"),
    [
        (
            "[[queues.consumers]]\nmax_retries = 1\n",
            "queues.consumers[0] has no queue.",
            "Add the name of the queue to consume.",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\ntype = "http_pull"\n',
            'queues.consumers[0].type must be "worker".',
            "Remove type.",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\nmax_batch_size = "10"\n',
            "queues.consumers[0].max_batch_size is a string, not a number.",
            "",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\nmax_retries = true\n',
            "queues.consumers[0].max_retries is a boolean, not a number.",
            "",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\nvisibility_timeout_ms = "1s"\n',
            "queues.consumers[0].visibility_timeout_ms is a string, not a number.",
            "",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\nmax_concurrency = 1.5\n',
            "queues.consumers[0].max_concurrency is a number, not a whole number.",
            "",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\ndead_letter_queue = 1\n',
            "queues.consumers[0].dead_letter_queue is a number, not a queue name.",
            "",
        ),
        ('[queues]\nconsumers = { queue = "q" }\n', "queues.consumers is a table, not a list.", ""),
        ('[queues]\nconsumers = ["q"]\n', "queues.consumers[0] is a string, not a table.", ""),
    ],
)
def test_invalid_queue_consumers_are_named(text: str, expected: str, fix: str) -> None:
    found = failure(text)

    assert found.problem == f"{CONFIG}: {expected}"
    assert found.fix == fix


# workflows


def test_a_workflow_defined_here_keeps_its_limits_and_schedules() -> None:
    text = """
[[workflows]]
binding = "FLOW"
name = "my-flow"
class_name = "MyFlow"
limits = { steps = 100 }
schedules = ["0 * * * *", "30 * * * *"]
"""

    config = parse(text)

    assert config.workflows == (
        Workflow(
            "workflows[0]",
            "my-flow",
            "MyFlow",
            None,
            {"steps": 100},
            ("0 * * * *", "30 * * * *"),
        ),
    )
    assert config.bindings == (
        ConfigBinding(
            "workflows[0]",
            {
                "name": "FLOW",
                "type": "workflow",
                "workflow_name": "my-flow",
                "class_name": "MyFlow",
            },
            extra={"limits": {"steps": 100}, "schedules": ["0 * * * *", "30 * * * *"]},
        ),
    )
    assert_clean(config)


def test_a_single_workflow_schedule_string_becomes_a_one_item_tuple() -> None:
    text = '[[workflows]]\nbinding = "F"\nname = "f"\nclass_name = "F"\nschedules = "0 * * * *"\n'

    assert parse(text).workflows[0].schedules == ("0 * * * *",)


def test_a_workflow_of_another_script_has_neither_limits_nor_schedules() -> None:
    text = '[[workflows]]\nbinding = "F"\nname = "f"\nclass_name = "F"\nscript_name = "other"\n'

    assert parse(text).workflows == (Workflow("workflows[0]", "f", "F", "other"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('limits = "100"\n', "workflows[0].limits is a string, not a table."),
        ("schedules = [1]\n", "workflows[0].schedules[0] is a number, not a non-empty string."),
        (
            'schedules = ""\n',
            "workflows[0].schedules[0] is an empty string, not a non-empty string.",
        ),
        ("schedules = 5\n", "workflows[0].schedules is a number, not a list."),
    ],
)
def test_invalid_workflow_settings_are_named(text: str, expected: str) -> None:
    entry = '[[workflows]]\nbinding = "F"\nname = "f"\nclass_name = "F"\n'

    assert problem(entry + text) == expected


# settings sent with the upload


def test_observability_and_limits_are_sent_verbatim() -> None:
    text = """
[observability]
enabled = true
head_sampling_rate = 0.5
logs = { invocation_logs = false, destinations = ["d"] }
[limits]
cpu_ms = 50
subrequests = 100
"""

    config = parse(text)

    assert config.settings == {
        "observability": {
            "enabled": True,
            "head_sampling_rate": 0.5,
            "logs": {"invocation_logs": False, "destinations": ["d"]},
        },
        "limits": {"cpu_ms": 50, "subrequests": 100},
    }
    assert_clean(config)


@pytest.mark.parametrize(("value", "sent"), [("true", True), ("false", False)])
def test_logpush_is_sent_true_or_false(value: str, sent: bool) -> None:
    assert parse(f"logpush = {value}\n").settings == {"logpush": sent}


def test_tail_consumers_are_sent_with_service_and_environment() -> None:
    text = """
tail_consumers = [{ service = "tail" }, { service = "tail2", environment = "production" }]
streaming_tail_consumers = [{ service = "stream-tail" }]
"""

    config = parse(text)

    assert config.settings == {
        "tail_consumers": [{"service": "tail"}, {"service": "tail2", "environment": "production"}],
        "streaming_tail_consumers": [{"service": "stream-tail"}],
    }
    assert_clean(config)


def test_empty_tail_consumer_lists_are_sent() -> None:
    text = "tail_consumers = []\nstreaming_tail_consumers = []\n"

    assert parse(text).settings == {"tail_consumers": [], "streaming_tail_consumers": []}


def test_a_streaming_tail_consumer_keeps_its_entrypoint() -> None:
    config = parse('streaming_tail_consumers = [{ service = "t", entrypoint = "Tail" }]\n')

    assert config.settings == {"streaming_tail_consumers": [{"service": "t", "entrypoint": "Tail"}]}


@pytest.mark.parametrize(
    ("text", "expected", "fix"),
    [
        (
            'tail_consumers = ["tail"]\n',
            "tail_consumers is not a list of { service = … } entries.",
            'Write tail_consumers = [{ service = "my-tail" }].',
        ),
        (
            'streaming_tail_consumers = { service = "t" }\n',
            "streaming_tail_consumers is not a list of { service = … } entries.",
            'Write streaming_tail_consumers = [{ service = "my-tail" }].',
        ),
        ('observability = "on"\n', "observability is a string, not a table.", ""),
        ("limits = 50\n", "limits is a number, not a table.", ""),
        (
            'logpush = "yes"\n',
            "logpush is a string, not a boolean.",
            "Write logpush = true or false.",
        ),
        ("cache = true\n", "cache is a boolean, not a table.", ""),
    ],
)
def test_invalid_settings_are_named(text: str, expected: str, fix: str) -> None:
    found = failure(text)

    assert found.problem == f"{CONFIG}: {expected}"
    assert found.fix == fix


def test_cache_is_sent_as_cache_options() -> None:
    config = parse("[cache]\nenabled = true\ncross_version_cache = false\n")

    assert config.settings == {"cache_options": {"enabled": True, "cross_version_cache": False}}
    assert_clean(config)


@pytest.mark.parametrize(
    ("placement", "sent"),
    [
        ('{ mode = "smart" }', {"mode": "smart"}),
        ('{ mode = "smart", hint = "aws:us-east-1" }', {"mode": "smart", "hint": "aws:us-east-1"}),
        ('{ region = "aws:us-east-1" }', {"mode": "targeted", "region": "aws:us-east-1"}),
        (
            '{ mode = "targeted", host = "db.example.com:5432" }',
            {"mode": "targeted", "host": "db.example.com:5432"},
        ),
        ('{ hostname = "api.example.com" }', {"mode": "targeted", "hostname": "api.example.com"}),
        ('{ mode = "off" }', None),
        ('{ mode = "targeted" }', None),
        ('{ mode = "off", region = "aws:us-east-1" }', None),
    ],
)
def test_placement_is_sent_as_wrangler_sends_it(
    placement: str, sent: dict[str, Any] | None
) -> None:
    config = parse(f"placement = {placement}\n")

    assert config.settings == ({} if sent is None else {"placement": sent})
    assert_clean(config)


@pytest.mark.parametrize(
    ("placement", "expected", "fix"),
    [
        (
            '{ region = "aws:us-east-1", host = "db.example.com" }',
            "placement mixes region, host.",
            "Give one of hint, region, host or hostname.",
        ),
        (
            '{ mode = "smart", hint = "aws:us-east-1", region = "aws:us-east-1" }',
            "placement mixes hint, region.",
            "Give one of hint, region, host or hostname.",
        ),
        (
            '{ mode = "smart", hostname = "api.example.com" }',
            'placement.mode must be "targeted" with hostname.',
            "Remove mode.",
        ),
        (
            '{ mode = "auto" }',
            "placement.mode 'auto' is not off, smart or targeted.",
            'Write mode = "smart".',
        ),
        ('"smart"', "placement is a string, not a table.", ""),
    ],
)
def test_invalid_placement_is_named(placement: str, expected: str, fix: str) -> None:
    found = failure(f"placement = {placement}\n")

    assert found.problem == f"{CONFIG}: {expected}"
    assert found.fix == fix


@pytest.mark.parametrize(
    "placement", ['{ mode = "off", hint = "aws:us-east-1" }', '{ hint = "aws:us-east-1" }']
)
def test_a_placement_hint_without_mode_smart_is_an_error_as_in_wrangler(placement: str) -> None:
    assert "placement" in problem(f"placement = {placement}\n")


# modules and bundling


def test_module_rules_are_read_in_order() -> None:
    text = """
[[rules]]
type = "Text"
globs = ["**/*.md", "**/*.csv"]
fallthrough = true
[[rules]]
type = "ESModule"
globs = ["**/*.mjs"]
"""

    config = parse(text)

    assert config.rules == (
        ModuleRule("Text", ("**/*.md", "**/*.csv"), True),
        ModuleRule("ESModule", ("**/*.mjs",), None),
    )
    assert_clean(config)


@pytest.mark.parametrize("kind", ["ESModule", "CommonJS", "CompiledWasm", "Text", "Data"])
def test_every_rule_type_wrangler_validates_is_accepted(kind: str) -> None:
    rules = parse(f'[[rules]]\ntype = "{kind}"\nglobs = ["**/*.x"]\nfallthrough = false\n').rules

    assert rules == (ModuleRule(kind, ("**/*.x",), False),)


@pytest.mark.parametrize(
    ("text", "expected", "fix"),
    [
        (
            '[[rules]]\ntype = "PythonModule"\nglobs = ["**/*.py"]\n',
            "rules[0].type 'PythonModule' is not a module type.",
            "Write one of ESModule, CommonJS, CompiledWasm, Text, Data.",
        ),
        (
            '[[rules]]\nglobs = ["**/*.txt"]\n',
            "rules[0].type 'None' is not a module type.",
            "Write one of ESModule, CommonJS, CompiledWasm, Text, Data.",
        ),
        (
            '[[rules]]\ntype = "Text"\n',
            "rules[0].globs is null, not a list.",
            'Write globs = ["**/*.txt"].',
        ),
        (
            '[[rules]]\ntype = "Text"\nglobs = "**/*.txt"\n',
            "rules[0].globs is a string, not a list.",
            'Write globs = ["**/*.txt"].',
        ),
        (
            '[[rules]]\ntype = "Text"\nglobs = ["*.txt"]\nfallthrough = "yes"\n',
            "rules[0].fallthrough is a string, not a boolean.",
            "",
        ),
        (
            'rules = { type = "Text" }\n',
            "rules is a table, not a list.",
            "Write each rule as a [[rules]] table.",
        ),
    ],
)
def test_invalid_rules_are_named(text: str, expected: str, fix: str) -> None:
    found = failure(text)

    assert found.problem == f"{CONFIG}: {expected}"
    assert found.fix == fix


def test_module_options_are_read() -> None:
    text = """
find_additional_modules = true
base_dir = "src"
preserve_file_names = true
no_bundle = true
upload_source_maps = false
"""

    config = parse(text)

    assert config.find_additional_modules is True
    assert config.base_dir == Path("/repo/app/src")
    assert config.preserve_file_names is True
    assert config.no_bundle is True
    assert config.upload_source_maps is False
    assert_clean(config)


@pytest.mark.parametrize(
    "key", ["find_additional_modules", "preserve_file_names", "no_bundle", "upload_source_maps"]
)
def test_module_switches_must_be_booleans(key: str) -> None:
    assert problem(f'{key} = "yes"\n') == f"{key} is a string, not a boolean."


def test_build_options_are_read() -> None:
    text = """
minify = true
keep_names = false
jsx_factory = "h"
jsx_fragment = "Fragment"
tsconfig = "../tsconfig.build.json"
[define]
"process.env.MODE" = '"production"'
DEBUG = "false"
[alias]
"node-fetch" = "./shims/fetch.js"
"""

    config = parse(text)

    assert config.build == BuildOptions(
        define={"process.env.MODE": '"production"', "DEBUG": "false"},
        alias={"node-fetch": "./shims/fetch.js"},
        minify=True,
        keep_names=False,
        jsx_factory="h",
        jsx_fragment="Fragment",
        tsconfig=Path("/repo/tsconfig.build.json"),
    )
    assert_clean(config)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[define]\nDEBUG = false\n", "define.DEBUG is a boolean, not a string."),
        ("[alias]\nx = 1\n", "alias.x is a number, not a string."),
        ('define = "X=1"\n', "define is a string, not a table."),
        ('minify = "yes"\n', "minify is a string, not a boolean."),
        ("keep_names = 1\n", "keep_names is a number, not a boolean."),
        ("jsx_factory = 1\n", "jsx_factory is a number, not a string."),
        ('tsconfig = ""\n', "tsconfig is empty."),
        ('base_dir = ""\n', "base_dir is empty."),
    ],
)
def test_invalid_build_options_are_named(text: str, expected: str) -> None:
    assert problem(text) == expected


def test_python_modules_exclude_defaults_to_compiled_files() -> None:
    assert parse("").python_exclude == ("**/*.pyc",)
    assert parse("[python_modules]\n").python_exclude == ("**/*.pyc",)


def test_python_modules_exclude_replaces_the_default() -> None:
    assert parse('python_modules = { exclude = ["**/*.md"] }\n').python_exclude == ("**/*.md",)
    assert parse("python_modules = { exclude = [] }\n").python_exclude == ()


def test_an_invalid_python_modules_exclude_is_named() -> None:
    assert problem('python_modules = { exclude = "*.pyc" }\n') == (
        "python_modules.exclude is a string, not a list."
    )


def test_dependencies_instrumentation_is_on_by_default() -> None:
    config = parse("")

    assert (config.dependencies_instrumentation, config.dependencies_exclude) == (True, ())


def test_dependencies_instrumentation_can_be_turned_off_and_exclude_packages() -> None:
    text = (
        '[dependencies_instrumentation]\nenabled = false\nexclude_packages = ["@internal/*", "x"]\n'
    )

    config = parse(text)

    assert config.dependencies_instrumentation is False
    assert config.dependencies_exclude == ("@internal/*", "x")
    assert_clean(config)


def test_dependencies_instrumentation_without_enabled_stays_on() -> None:
    config = parse('dependencies_instrumentation = { exclude_packages = ["x"] }\n')

    assert (config.dependencies_instrumentation, config.dependencies_exclude) == (True, ("x",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'dependencies_instrumentation = { enabled = "no" }\n',
            "dependencies_instrumentation.enabled is a string, not a boolean.",
        ),
        (
            'dependencies_instrumentation = { exclude_packages = "x" }\n',
            "dependencies_instrumentation.exclude_packages is a string, not a list.",
        ),
        (
            "dependencies_instrumentation = false\n",
            "dependencies_instrumentation is a boolean, not a table.",
        ),
    ],
)
def test_invalid_dependencies_instrumentation_is_named(text: str, expected: str) -> None:
    assert problem(text) == expected


# secrets, keep_vars, compliance_region


def test_required_secrets_are_read() -> None:
    config = parse('[secrets]\nrequired = ["API_KEY", "TOKEN"]\n')

    assert config.required_secrets == ("API_KEY", "TOKEN")
    assert_clean(config)


def test_secrets_without_required_require_none() -> None:
    assert parse("[secrets]\n").required_secrets == ()


def test_an_unknown_secrets_key_is_warned_about() -> None:
    config = parse('[secrets]\nrequired = ["A"]\noptional = ["B"]\n')

    assert config.required_secrets == ("A",)
    assert config.warnings == ("secrets.optional is not read by wrangler deploy.",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('secrets = ["A"]\n', "secrets is a list, not a table."),
        ('[secrets]\nrequired = "A"\n', "secrets.required is a string, not a list."),
        ("[secrets]\nrequired = [1]\n", "secrets.required[0] is a number, not a non-empty string."),
    ],
)
def test_invalid_required_secrets_are_named(text: str, expected: str) -> None:
    assert problem(text) == expected


def test_keep_vars_is_read() -> None:
    assert parse("keep_vars = true\n").keep_vars is True
    assert parse("keep_vars = false\n").keep_vars is False
    assert problem('keep_vars = "yes"\n') == "keep_vars is a string, not a boolean."


def test_compliance_region_public_is_applied() -> None:
    assert_clean(parse('compliance_region = "public"\n'))


def test_any_other_compliance_region_is_refused() -> None:
    config = parse('compliance_region = "fedramp_high"\n')

    assert config.refused == (("compliance_region", KEYS["compliance_region"].note),)


def test_an_inherited_compliance_region_is_refused_by_its_top_level_name() -> None:
    config = parse('compliance_region = "fedramp_high"\n[env.dev]\n', env="dev")

    assert config.refused == (("compliance_region", KEYS["compliance_region"].note),)


# what happens to every key


WRANGLER_KEYS = WRANGLER_INHERITABLE | WRANGLER_NON_INHERITABLE | WRANGLER_TOP_LEVEL_ONLY


def test_the_key_table_holds_every_wrangler_key_and_nothing_else() -> None:
    # and node_compat: removed in wrangler 4, an error there
    assert {key for key in KEYS if "." not in key} == WRANGLER_KEYS | {"node_compat"}
    assert {key for key in KEYS if "." in key} == {"unsafe.capnp", "triggers.events"}


REFUSED_SAMPLES: dict[str, dict[str, Any]] = {
    "unsafe.capnp": {"unsafe": {"capnp": {"compiled_schema": "schema.bin"}}},
    "triggers.events": {
        "triggers": {
            "events": [
                {
                    "type": "cf.artifacts.repo.pushed",
                    "targets": [{"type": "workflow", "workflow_name": "build"}],
                }
            ]
        }
    },
    "ai_search_namespaces": {"ai_search_namespaces": [{"binding": "S", "namespace": "n"}]},
    "ai_search": {"ai_search": [{"binding": "S", "instance_name": "i"}]},
    "agent_memory": {"agent_memory": [{"binding": "M", "namespace": "n"}]},
    "websearch": {"websearch": {"binding": "W"}},
    "artifacts": {"artifacts": [{"binding": "A", "namespace": "n"}]},
    "flagship": {"flagship": [{"binding": "F", "app_id": "app"}]},
    "unsafe_hello_world": {"unsafe_hello_world": [{"binding": "H", "enable_timer": True}]},
    "containers": {"containers": [{"class_name": "Box", "image": "./Dockerfile"}]},
    "exports": {"exports": {"Room": {"type": "durable-object", "storage": "sqlite"}}},
    "site": {"site": {"bucket": "./public"}},
    "addresses": {"addresses": ["*@example.com"]},
    "pages_build_output_dir": {"pages_build_output_dir": "dist"},
    "legacy_env": {"legacy_env": True},
    "node_compat": {"node_compat": True},
}
IGNORED_SAMPLES: dict[str, Any] = {
    "$schema": "node_modules/wrangler/config-schema.json",
    "build": {"command": "npm run build", "cwd": ".", "watch_dir": "src"},
    "dev": {"port": 8787, "local_protocol": "https"},
    "send_metrics": False,
    "access": {"dev": {"aud": "aud"}},
    "connect": [{"protocol": "tcp", "port": 8080}],
    "cloudchamber": {"image": "x"},
    "previews": {"vars": {"A": "1"}},
    "first_party_worker": True,
}
APPLIED_SAMPLES: dict[str, Any] = {
    "assets": {"directory": "./public", "binding": "ASSETS"},
    "name": "w",
    "main": "src/index.js",
    "account_id": ACCOUNT,
    "compatibility_date": "2025-01-15",
    "compatibility_flags": ["nodejs_compat"],
    "env": {"dev": {}},
    "workers_dev": True,
    "preview_urls": False,
    "route": "example.com/*",
    "routes": ["example.com/*"],
    "compliance_region": "public",
    "no_bundle": True,
    "find_additional_modules": False,
    "base_dir": "src",
    "rules": [{"type": "Text", "globs": ["**/*.md"]}],
    "preserve_file_names": True,
    "upload_source_maps": True,
    "define": {"X": "1"},
    "alias": {"a": "b"},
    "minify": True,
    "keep_names": False,
    "jsx_factory": "h",
    "jsx_fragment": "F",
    "tsconfig": "tsconfig.json",
    "wasm_modules": {"MOD": "m.wasm"},
    "text_blobs": {"TXT": "t.txt"},
    "data_blobs": {"BIN": "b.bin"},
    "dependencies_instrumentation": {"enabled": False},
    "vars": {"A": "1"},
    "keep_vars": True,
    "secrets": {"required": ["TOKEN"]},
    "migrations": [{"tag": "v1", "new_sqlite_classes": ["Room"]}],
    "observability": {"enabled": True},
    "placement": {"mode": "smart"},
    "limits": {"cpu_ms": 50},
    "logpush": True,
    "tail_consumers": [{"service": "tail"}],
    "streaming_tail_consumers": [{"service": "tail"}],
    "cache": {"enabled": True},
    "unsafe": {"metadata": {"a": 1}},
    "triggers": {"crons": ["0 * * * *"]},
    "queues": {"consumers": [{"queue": "q"}]},
    "workflows": [{"binding": "F", "name": "f", "class_name": "F"}],
    "python_modules": {"exclude": []},
    # one entry of each binding kind
    "kv_namespaces": [{"binding": "KV", "id": "k"}],
    "send_email": [{"name": "MAIL"}],
    "durable_objects": {"bindings": [{"name": "ROOM", "class_name": "Room"}]},
    "r2_buckets": [{"binding": "R2", "bucket_name": "b"}],
    "d1_databases": [{"binding": "DB", "database_id": "d"}],
    "vectorize": [{"binding": "V", "index_name": "i"}],
    "hyperdrive": [{"binding": "H", "id": "h"}],
    "secrets_store_secrets": [{"binding": "S", "store_id": "s", "secret_name": "n"}],
    "ratelimits": [{"name": "R", "namespace_id": "1", "simple": {"limit": 1, "period": 10}}],
    "vpc_services": [{"binding": "VS", "service_id": "s"}],
    "vpc_networks": [{"binding": "VN", "tunnel_id": "t"}],
    "services": [{"binding": "SV", "service": "s"}],
    "analytics_engine_datasets": [{"binding": "AE"}],
    "dispatch_namespaces": [{"binding": "D", "namespace": "n"}],
    "mtls_certificates": [{"binding": "C", "certificate_id": "c"}],
    "pipelines": [{"binding": "P", "stream": "s"}],
    "worker_loaders": [{"binding": "WL"}],
    "logfwdr": {"bindings": [{"name": "L", "destination": "d"}]},
    "ai": {"binding": "AI"},
    "browser": {"binding": "B"},
    "images": {"binding": "I"},
    "media": {"binding": "ME"},
    "stream": {"binding": "ST"},
    "version_metadata": {"binding": "VM"},
}


def test_every_key_of_the_table_has_a_sample_of_its_disposition() -> None:
    def keys(disposition: str) -> set[str]:
        return {key for key, rule in KEYS.items() if rule.disposition == disposition}

    assert set(REFUSED_SAMPLES) == keys("refused")
    assert set(IGNORED_SAMPLES) == keys("ignored")
    assert set(APPLIED_SAMPLES) == keys("applied")


@pytest.mark.parametrize("key", sorted(REFUSED_SAMPLES))
def test_a_refused_key_gives_exactly_one_refusal_naming_it(key: str) -> None:
    config = parse_json(REFUSED_SAMPLES[key])

    assert config.refused == ((key, KEYS[key].note),)
    assert config.warnings == ()


@pytest.mark.parametrize(
    "key", sorted(key for key in REFUSED_SAMPLES if key.partition(".")[0] not in TOP_LEVEL_ONLY)
)
def test_a_refused_key_inside_an_environment_is_refused_with_its_path(key: str) -> None:
    config = parse_json({"env": {"dev": REFUSED_SAMPLES[key]}}, env="dev")

    assert config.refused == ((f"env.dev.{key}", KEYS[key].note),)
    assert config.warnings == ()


@pytest.mark.parametrize("key", sorted(IGNORED_SAMPLES))
def test_an_ignored_key_gives_neither_a_refusal_nor_a_warning(key: str) -> None:
    config = parse_json({key: IGNORED_SAMPLES[key]})

    assert config == WorkerConfig(path=CONFIG_JSON)


@pytest.mark.parametrize("key", sorted(APPLIED_SAMPLES))
def test_an_applied_key_is_applied_without_a_refusal_or_a_warning(key: str) -> None:
    config = parse_json({key: APPLIED_SAMPLES[key]})

    assert_clean(config)
    if key != "compliance_region":  # "public" is what cfaction does anyway
        assert config != WorkerConfig(path=CONFIG_JSON)


@pytest.mark.parametrize(
    "key",
    [
        "type",
        "zone_id",
        "webpack_config",
        "kv-namespaces",
        "experimental_services",
        "miniflare",
        "made_up",
    ],
)
def test_a_key_that_is_not_wranglers_is_warned_about_not_refused(key: str) -> None:
    config = parse_json({key: "x"})

    assert config.warnings == (not_a_wrangler_key(key),)
    assert config.refused == ()


def test_a_key_that_is_not_wranglers_inside_an_environment_is_named_with_its_path() -> None:
    config = parse('[env.dev]\nzone_id = "z"\n', env="dev")

    assert config.warnings == (not_a_wrangler_key("env.dev.zone_id"),)
    assert config.refused == ()


def test_refusals_and_warnings_come_in_file_order() -> None:
    text = """
type = "javascript"
site = { bucket = "./public" }
zone_id = "z"
node_compat = true
[[containers]]
class_name = "Box"
image = "./Dockerfile"
"""

    config = parse(text)

    assert config.refused == (
        ("site", KEYS["site"].note),
        ("node_compat", KEYS["node_compat"].note),
        ("containers", KEYS["containers"].note),
    )
    assert config.warnings == (not_a_wrangler_key("type"), not_a_wrangler_key("zone_id"))


# routes


def test_route_as_a_string(tmp_path: Path) -> None:
    assert load(tmp_path, 'route = "example.com/*"\n').routes == (RouteSpec("example.com/*"),)


def test_route_as_a_table_with_a_zone_id(tmp_path: Path) -> None:
    text = f'route = {{ pattern = "example.com/*", zone_id = "{ACCOUNT}" }}\n'

    assert load(tmp_path, text).routes == (RouteSpec("example.com/*", zone_id=ACCOUNT),)


def test_routes_mix_patterns_zones_and_custom_domains(tmp_path: Path) -> None:
    data = {
        "routes": [
            "a.example.com/*",
            {"pattern": "b.example.com/*", "zone_name": "example.com"},
            {"pattern": "c.example.com", "custom_domain": True, "zone_id": ACCOUNT},
            {"pattern": "d.example.com", "custom_domain": False},
        ]
    }

    assert load_json(tmp_path, data).routes == (
        RouteSpec("a.example.com/*"),
        RouteSpec("b.example.com/*", zone_name="example.com"),
        RouteSpec("c.example.com", zone_id=ACCOUNT, custom_domain=True),
        RouteSpec("d.example.com"),
    )


def test_route_patterns_and_zones_are_trimmed() -> None:
    config = parse(
        'routes = [" a.example.com/* ", '
        '{ pattern = " b.example.com/* ", zone_name = " example.com " }]\n'
    )

    assert config.routes == (
        RouteSpec("a.example.com/*"),
        RouteSpec("b.example.com/*", zone_name="example.com"),
    )


def test_an_empty_route_means_none_as_in_wrangler(tmp_path: Path) -> None:
    assert load(tmp_path, 'route = ""\n').routes == ()


def test_custom_domain_enabled_flags_are_refused() -> None:
    text = (
        'routes = [{ pattern = "shop.example.com", custom_domain = true, enabled = false, '
        "previews_enabled = true }]\n"
    )

    config = parse(text)

    assert config.routes == (RouteSpec("shop.example.com", custom_domain=True),)
    assert config.refused == (
        ("routes[0].enabled", "per-domain enabled flags are not set by cfaction"),
        ("routes[0].previews_enabled", "per-domain enabled flags are not set by cfaction"),
    )
    assert config.warnings == ()


@pytest.mark.parametrize("key", ["enabled", "previews_enabled"])
def test_an_enabled_flag_without_custom_domain_is_an_error(key: str) -> None:
    found = failure(
        f'route = {{ pattern = "example.com/*", zone_name = "example.com", {key} = true }}\n'
    )

    assert found.problem == f"{CONFIG}: route.{key} needs custom_domain = true."
    assert found.fix == f"Remove {key}."


@pytest.mark.parametrize(
    "route",
    [
        '{ pattern = "a.example.com/*" }',
        '{ pattern = "a.example.com/*", zone_id = "z", zone_name = "example.com" }',
        '{ pattern = "a.example.com/*", zone_name = "example.com", weight = 1 }',
    ],
)
def test_a_route_object_wrangler_rejects_is_an_error(route: str) -> None:
    assert problem(f"routes = [{route}]\n").startswith("routes[0]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'route = "a.example.com/*"\nroutes = ["b.example.com/*"]\n',
            "both route and routes are set.",
        ),
        ('routes = "example.com/*"\n', "routes is a string, not a list."),
        ('routes = [{ zone_name = "example.com" }]\n', "routes[0] has no pattern."),
        ("routes = [5]\n", "routes[0] is a number, not a pattern or a table."),
        ('routes = ["  "]\n', "routes[0] is empty."),
        (
            'route = { pattern = "x.com", custom_domain = "yes" }\n',
            "route.custom_domain is a string, not a boolean.",
        ),
        (
            'route = { pattern = "x.com", zone_name = 1 }\n',
            "route.zone_name is a number, not a string.",
        ),
    ],
)
def test_invalid_routes_are_named(tmp_path: Path, text: str, expected: str) -> None:
    assert error(tmp_path, text).problem.endswith(expected)


def test_both_route_and_routes_in_an_environment_are_named_with_their_path() -> None:
    text = '[env.dev]\nroute = "a.example.com/*"\nroutes = ["b.example.com/*"]\n'

    assert problem(text, env="dev") == "both env.dev.route and env.dev.routes are set."


# other values


def test_main_is_resolved_against_the_config_folder(tmp_path: Path) -> None:
    config = load(tmp_path / "app", 'main = "../dist/index.js"\n')

    assert config.main == tmp_path / "dist" / "index.js"


def test_main_stays_relative_for_a_relative_config_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "app/wrangler.toml", 'main = "./src/index.ts"\n')
    monkeypatch.chdir(tmp_path)

    config = load_worker_config(Path("app/wrangler.toml"))

    assert config.main == Path("app/src/index.ts")


def test_an_unquoted_toml_date_is_accepted(tmp_path: Path) -> None:
    assert load(tmp_path, "compatibility_date = 2024-09-23\n").compatibility_date == "2024-09-23"


def test_preview_urls_is_read() -> None:
    assert parse("preview_urls = false\n").preview_urls is False
    assert problem("preview_urls = 1\n") == "preview_urls is a number, not a boolean."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'compatibility_date = "2025-13-01"\n',
            "compatibility_date '2025-13-01' is not a date in the form YYYY-MM-DD.",
        ),
        ('compatibility_date = "15/01/2025"\n', "compatibility_date '15/01/2025' is not a date"),
        (
            "compatibility_date = 2025-01-15T10:00:00\n",
            "compatibility_date is a TOML date/time, not a date",
        ),
        ('compatibility_flags = "nodejs_compat"\n', "compatibility_flags is a string, not a list."),
        (
            "compatibility_flags = [1]\n",
            "compatibility_flags[0] is a number, not a non-empty string.",
        ),
        ('name = ""\n', "name is empty."),
        ("name = 5\n", "name is a number, not a string."),
        ('main = ""\n', "main is empty."),
        ('workers_dev = "yes"\n', "workers_dev is a string, not a boolean."),
        ("account_id = 1\n", "account_id is a number, not a string."),
        ('vars = "A=1"\n', "vars is a string, not a table."),
        (
            "[vars]\nWHEN = 2025-01-15\n",
            "vars.WHEN is a TOML date/time, not a string, number, boolean, list or object.",
        ),
        ("[vars]\nX = { at = [07:30:00] }\n", "vars.X.at[0] is a TOML date/time"),
        ("[vars]\nX = nan\n", "vars.X is nan, which JSON cannot hold."),
    ],
)
def test_invalid_values_are_named(tmp_path: Path, text: str, expected: str) -> None:
    found = error(tmp_path, text)

    assert found.input_name == "config"
    assert expected in found.problem


def test_a_null_var_is_refused(tmp_path: Path) -> None:
    found = error(tmp_path, '{"vars": {"A": null}}', "wrangler.json")

    assert found.problem.endswith("vars.A is null.")


def test_an_empty_account_id_is_not_set(tmp_path: Path) -> None:
    assert load(tmp_path, 'account_id = ""\n').account_id is None


def test_errors_inside_an_environment_name_the_environment(tmp_path: Path) -> None:
    found = error(tmp_path, '[env.dev]\nworkers_dev = "no"\n', env="dev")

    assert found.problem.endswith("env.dev.workers_dev is a string, not a boolean.")


def test_errors_in_json_say_object_where_toml_says_table() -> None:
    assert json_problem({"observability": True}) == "observability is a boolean, not an object."
    assert json_problem({"kv_namespaces": [1]}) == "kv_namespaces[0] is a number, not an object."


# files that cannot be read


def test_a_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    found = error(tmp_path, 'name = "w"\nmain "src/index.js"\n')

    assert found.input_name == "config"
    assert "is not valid TOML" in found.problem
    assert "line 2, column 6" in found.problem


def test_a_json_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    found = error(tmp_path, '{\n  "name": "w"\n  "main": "x"\n}', "wrangler.json")

    assert found.problem.endswith("is not valid JSON: Expecting ',' delimiter at line 3, column 3.")


def test_jsonc_error_positions_count_the_comments(tmp_path: Path) -> None:
    text = '{\n  /* a long\n     comment */ "name": "w", // c\n  "main" "x"\n}'

    found = error(tmp_path, text, "wrangler.jsonc")

    assert "Expecting ':' delimiter at line 4, column 10" in found.problem


def test_an_unclosed_block_comment_gives_its_position(tmp_path: Path) -> None:
    found = error(tmp_path, '{\n  "name": "w" /* never closed\n}', "wrangler.jsonc")

    assert "a /* comment is never closed (line 2, column 15)" in found.problem


def test_a_json_file_that_is_not_an_object(tmp_path: Path) -> None:
    assert (
        "holds a list, not an object of settings" in error(tmp_path, "[]", "wrangler.json").problem
    )


def test_another_suffix_is_refused(tmp_path: Path) -> None:
    found = error(tmp_path, "name: w\n", "wrangler.yaml")

    assert found.input_name == "config"
    assert "is not a wrangler.toml, wrangler.json or wrangler.jsonc file" in found.problem


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        load_worker_config(tmp_path / "wrangler.toml")

    assert excinfo.value.input_name == "config"
    assert (
        excinfo.value.problem
        == f"the file '{tmp_path / 'wrangler.toml'}' does not exist in the workspace."
    )
    assert excinfo.value.fix == "Check the path (relative to the workspace)."


def test_a_folder(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").mkdir()

    with pytest.raises(InputError) as excinfo:
        load_worker_config(tmp_path / "wrangler.toml")

    assert excinfo.value.input_name == "config"
    assert excinfo.value.problem == f"'{tmp_path / 'wrangler.toml'}' is a folder, not a file."


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "wrangler.toml"
    path.write_bytes(b'name = "caf\xe9"\n')

    with pytest.raises(InputError) as excinfo:
        load_worker_config(path)

    assert excinfo.value.input_name == "config"
    assert excinfo.value.problem == "'wrangler.toml' is not UTF-8 text (byte 11)."
    assert excinfo.value.fix == "Save the file as UTF-8."


def test_a_relative_path_is_read_from_the_given_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "repo", "app/wrangler.toml", 'name = "w"\n')
    monkeypatch.chdir(tmp_path)

    config = load_worker_config(
        Path("app/wrangler.toml"), workspace=Workspace.at(tmp_path / "repo")
    )

    assert config.name == "w"
    assert config.path == Path("app/wrangler.toml")


def test_a_missing_file_in_the_given_workspace_is_named_as_written(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        load_worker_config(Path("app/wrangler.toml"), workspace=Workspace.at(tmp_path))

    assert excinfo.value.input_name == "config"
    assert excinfo.value.problem == "the file 'app/wrangler.toml' does not exist in the workspace."


def test_a_file_outside_the_given_workspace_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "wrangler.toml", 'name = "w"\n')
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "wrangler.toml").symlink_to(path)

    for written in (path, Path("../wrangler.toml"), Path("wrangler.toml")):
        with pytest.raises(InputError) as excinfo:
            load_worker_config(written, workspace=Workspace.at(tmp_path / "repo"))

        assert excinfo.value.input_name == "config"
        assert excinfo.value.problem == f"'{written}' is outside the workspace."


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "wrangler.json"
    path.write_bytes(b'\xef\xbb\xbf{"name": "w"}')

    assert load_worker_config(path).name == "w"


# bounds (issue 15): the config file is read like every other document


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("wrangler.toml", f'name = "w"\nx = {DEEP}\n', "nests deeper than 64 levels"),
        ("wrangler.toml", 'name = "w"\nx = ' + "[" * 70 + "]" * 70, "nests deeper than 64 levels"),
        ("wrangler.json", f'{{"name": "w", "x": {DEEP}}}', "nests deeper than 64 levels"),
        ("wrangler.jsonc", f'// c\n{{"name": "w", "x": {DEEP}}}', "nests deeper than 64 levels"),
        ("wrangler.json", '{"name": "w", "name": "v"}', "names the key 'name' twice"),
        ("wrangler.jsonc", '{"vars": {"A": 1, /* c */ "A": 2}}', "names the key 'A' twice"),
        ("wrangler.json", '{"x": ' + "9" * 5000 + "}", "has a number of 5,000 digits"),
        ("wrangler.toml", "x = " + "9" * 5000, "has a number of more than 100 digits"),
        ("wrangler.toml", "x = " + "9" * 150, "has a number of more than 100 digits"),
    ],
)
def test_a_config_beyond_the_bounds_is_refused_naming_config(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    found = error(tmp_path, text, name)

    assert found.input_name == "config"
    assert found.problem.startswith(f"{tmp_path / name} {expected}")


def test_a_duplicate_toml_key_is_a_toml_error(tmp_path: Path) -> None:
    found = error(tmp_path, 'name = "w"\nname = "v"\n')

    assert "is not valid TOML" in found.problem
