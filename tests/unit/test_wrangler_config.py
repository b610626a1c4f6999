"""Tests for reading wrangler configuration files (cfaction.ops.worker.wrangler): the three
formats, environments as wrangler applies them, binding conversion, keys cfaction does not
apply, and every error as the user sees it. Pure: files in tmp_path, no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cfaction.errors import InputError
from cfaction.ops.worker.wrangler import (
    RouteSpec,
    WorkerConfig,
    load_worker_config,
    strip_jsonc,
)
from cfaction.workspace import Workspace

ACCOUNT = "0123456789abcdef0123456789abcdef"

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
    {"type": "kv_namespace", "name": "CACHE", "namespace_id": "kv-id"},
    {"type": "r2_bucket", "name": "FILES", "bucket_name": "files", "jurisdiction": "eu"},
    {"type": "d1", "name": "DB", "id": "d1-id"},
    {
        "type": "service",
        "name": "AUTH",
        "service": "auth-worker",
        "environment": "production",
        "entrypoint": "AuthRPC",
    },
    {"type": "queue", "name": "JOBS", "queue_name": "jobs"},
    {"type": "analytics_engine", "name": "EVENTS", "dataset": "events"},
)
EXPECTED_ROUTES = (
    RouteSpec("example.com/*"),
    RouteSpec("api.example.com/*", zone_name="example.com"),
    RouteSpec("shop.example.com", custom_domain=True),
)


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


# every supported key, in each format


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("wrangler.toml", FULL_TOML),
        ("wrangler.json", json.dumps(FULL_JSON, indent=2)),
        ("wrangler.jsonc", FULL_JSONC),
    ],
)
def test_every_supported_key_is_read_the_same_from_toml_json_and_jsonc(
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
    assert config.unsupported == ()
    assert config.ignored == (("$schema",) if name.endswith("c") else ())
    assert config.not_inherited == ()


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
        vars={},
        bindings=(),
        routes=(),
        workers_dev=None,
        account_id=None,
        unsupported=(),
        ignored=(),
    )


def test_json_files_may_have_comments_and_trailing_commas_as_in_wrangler(
    tmp_path: Path,
) -> None:
    config = load(tmp_path, '{"name": "w", // the name\n "workers_dev": true,}', "wrangler.json")

    assert (config.name, config.workers_dev) == ("w", True)


# JSONC scanning


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
    problem = error(tmp_path, '{"a": [1,,],}', "wrangler.jsonc").problem

    assert "not valid JSON" in problem and "line 1" in problem


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
    assert config.not_inherited == ("vars", "kv_namespaces")
    assert config.unsupported == ()


def test_an_environment_with_its_own_settings_uses_them(tmp_path: Path) -> None:
    config = load(tmp_path, ENV_TOML, env="production")

    assert config.name == "prod"
    assert config.workers_dev is False
    assert config.compatibility_flags == ()
    assert config.compatibility_date == "2025-01-15"
    assert config.routes == (RouteSpec("www.example.com/*", zone_name="example.com"),)
    assert config.vars == {"MODE": "live"}
    assert config.bindings == (
        {"type": "kv_namespace", "name": "CACHE", "namespace_id": "live-kv"},
    )
    assert config.not_inherited == ()


def test_without_an_environment_the_top_level_is_used_and_env_is_not_reported(
    tmp_path: Path,
) -> None:
    for environment in (None, "", "  "):
        config = load(tmp_path, ENV_TOML, env=environment)

        assert config.name == "my-worker"
        assert config.vars == {"MODE": "production"}
        assert config.bindings[0]["namespace_id"] == "prod-kv"
        assert config.unsupported == config.ignored == ()


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
    assert config.unsupported == ("env.staging.durable_objects",)


def test_an_unknown_environment_names_those_defined(tmp_path: Path) -> None:
    failure = error(tmp_path, ENV_TOML, env="qa")

    assert failure.input_name == "environment"
    assert (
        failure.problem
        == f"'qa' is not in {tmp_path / 'wrangler.toml'}; it defines: staging, production."
    )
    assert "leave it empty" in failure.fix


def test_an_environment_in_a_file_without_environments(tmp_path: Path) -> None:
    failure = error(tmp_path, 'name = "w"\n', env="staging")

    assert failure.input_name == "environment"
    assert "defines no environments" in failure.problem
    assert "[env.<name>]" in failure.fix


def test_an_environment_that_is_not_a_table(tmp_path: Path) -> None:
    failure = error(tmp_path, '{"env": {"dev": "yes"}}', "wrangler.json", env="dev")

    assert failure.input_name == "config"
    assert "env.dev is a string, not an object" in failure.problem


def test_keys_inside_an_environment_are_checked_and_named_with_their_path(
    tmp_path: Path,
) -> None:
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

    config = load(tmp_path, text, env="staging")

    assert config.unsupported == (
        "env.staging.site",
        "env.staging.migrations",
        "env.staging.triggers.crons",
        "env.staging.durable_objects",
        "env.staging.queues.consumers",
    )
    assert config.ignored == ("minify", "env.staging.build", "env.staging.keep_vars")


def test_inherited_unsupported_keys_are_reported_by_their_top_level_name(tmp_path: Path) -> None:
    text = """
triggers = { crons = ["0 * * * *"] }
assets = { directory = "./public" }
durable_objects = { bindings = [] }
[env.staging]
name = "s"
"""

    config = load(tmp_path, text, env="staging")

    assert config.unsupported == ("triggers.crons", "assets")
    assert config.not_inherited == ("durable_objects",)


# bindings


def test_optional_binding_fields_are_left_out_when_not_given(tmp_path: Path) -> None:
    text = """
[[r2_buckets]]
binding = "FILES"
bucket_name = "files"
[[services]]
binding = "AUTH"
service = "auth"
[[analytics_engine_datasets]]
binding = "EVENTS"
"""

    config = load(tmp_path, text)

    assert config.bindings == (
        {"type": "r2_bucket", "name": "FILES", "bucket_name": "files"},
        {"type": "service", "name": "AUTH", "service": "auth"},
        {"type": "analytics_engine", "name": "EVENTS"},
    )


def test_service_props_and_queue_delivery_delay_are_passed_on(tmp_path: Path) -> None:
    data = {
        "services": [{"binding": "A", "service": "a", "props": {"tenant": 7}}],
        "queues": {"producers": [{"binding": "Q", "queue": "q", "delivery_delay": 30}]},
    }

    config = load_json(tmp_path, data)

    assert config.bindings == (
        {"type": "service", "name": "A", "service": "a", "props": {"tenant": 7}},
        {"type": "queue", "name": "Q", "queue_name": "q", "delivery_delay": 30},
    )


def test_local_development_fields_are_dropped_and_unknown_ones_reported(tmp_path: Path) -> None:
    text = """
[[d1_databases]]
binding = "DB"
database_id = "d1"
database_name = "db"
preview_database_id = "p"
migrations_dir = "m"
remote = true
[[services]]
binding = "A"
service = "a"
cross_account_grant = "x"
"""

    config = load(tmp_path, text)

    assert config.bindings[0] == {"type": "d1", "name": "DB", "id": "d1"}
    assert config.unsupported == ("services[0].cross_account_grant",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[kv_namespaces]]\nbinding = "A"\n', "kv_namespaces[0] has no id."),
        ('[[kv_namespaces]]\nid = "x"\n', "kv_namespaces[0] has no binding."),
        (
            '[[kv_namespaces]]\nbinding = "A"\nid = "x"\n'
            '[[kv_namespaces]]\nbinding = "B"\nid = ""\n',
            "kv_namespaces[1] has no id.",
        ),
        ('[[r2_buckets]]\nbinding = "A"\n', "r2_buckets[0] has no bucket_name."),
        (
            '[[d1_databases]]\nbinding = "A"\ndatabase_name = "db"\n',
            "d1_databases[0] has no database_id.",
        ),
        ('[[services]]\nbinding = "A"\n', "services[0] has no service."),
        ('[[queues.producers]]\nbinding = "A"\n', "queues.producers[0] has no queue."),
        (
            '[[analytics_engine_datasets]]\ndataset = "d"\n',
            "analytics_engine_datasets[0] has no binding.",
        ),
        (
            '[env.dev]\n[[env.dev.kv_namespaces]]\nbinding = "A"\n',
            "env.dev.kv_namespaces[0] has no id.",
        ),
    ],
)
def test_a_binding_without_a_required_field_is_named(
    tmp_path: Path, text: str, problem: str
) -> None:
    environment = "dev" if "env.dev" in text else None

    failure = error(tmp_path, text, env=environment)

    assert failure.input_name == "config"
    assert failure.problem == f"{tmp_path / 'wrangler.toml'}: {problem}"
    assert failure.fix.startswith("Add ")


def test_the_missing_id_hint_says_cfaction_does_not_create_namespaces(tmp_path: Path) -> None:
    failure = error(tmp_path, '[[kv_namespaces]]\nbinding = "A"\n')

    assert "wrangler kv namespace list" in failure.fix
    assert "does not create" in failure.fix


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '[[kv_namespaces]]\nbinding = "A"\nid = 5\n',
            "kv_namespaces[0].id is a number, not a string.",
        ),
        (
            '[[services]]\nbinding = "A"\nservice = "a"\nprops = "x"\n',
            "services[0].props is a string, not a table.",
        ),
        (
            '[[queues.producers]]\nbinding = "Q"\nqueue = "q"\ndelivery_delay = true\n',
            "queues.producers[0].delivery_delay is a boolean, not a whole number.",
        ),
        ("kv_namespaces = [1]\n", "kv_namespaces[0] is a number, not a table."),
        ('queues = ["q"]\n', "queues is a list, not a table with producers/consumers."),
    ],
)
def test_binding_fields_of_the_wrong_type_are_named(
    tmp_path: Path, text: str, problem: str
) -> None:
    assert error(tmp_path, text).problem.endswith(problem)


def test_a_single_table_instead_of_a_list_points_to_double_brackets(tmp_path: Path) -> None:
    failure = error(tmp_path, '[kv_namespaces]\nbinding = "A"\nid = "x"\n')

    assert failure.problem.endswith("kv_namespaces is a table, not a list of tables.")
    assert "[[kv_namespaces]]" in failure.fix


def test_a_binding_list_in_json_that_is_an_object(tmp_path: Path) -> None:
    failure = error(tmp_path, '{"r2_buckets": {"binding": "A"}}', "wrangler.json")

    assert failure.problem.endswith("r2_buckets is an object, not a list of objects.")
    assert '"r2_buckets": [' in failure.fix


def test_binding_names_must_be_unique_across_vars_and_bindings(tmp_path: Path) -> None:
    text = '[vars]\nCACHE = "x"\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "k"\n'

    failure = error(tmp_path, text)

    assert failure.problem.endswith("vars.CACHE and kv_namespaces[0] are both named CACHE.")


def test_two_bindings_with_one_name_are_refused(tmp_path: Path) -> None:
    text = (
        '[[r2_buckets]]\nbinding = "X"\nbucket_name = "b"\n'
        '[[services]]\nbinding = "X"\nservice = "s"\n'
    )

    assert error(tmp_path, text).problem.endswith("r2_buckets[0] and services[0] are both named X.")


# unsupported and ignored keys


def test_keys_cfaction_does_not_apply_are_listed_in_file_order(tmp_path: Path) -> None:
    text = """
"$schema" = "x"
name = "w"
build = { command = "npm run build" }
rules = [{ type = "Text", globs = ["**/*.txt"] }]
minify = true
no_bundle = true
send_metrics = false
upload_source_maps = true
find_additional_modules = true
base_dir = "src"
preserve_file_names = true
keep_vars = true
tsconfig = "tsconfig.json"
logpush = true
placement = { mode = "smart" }
migrations = [{ tag = "v1", new_classes = ["Room"] }]
assets = { directory = "./public" }
observability = { enabled = true }
tail_consumers = [{ service = "tail" }]
made_up_key = 1
[dev]
port = 8787
[triggers]
crons = ["*/5 * * * *"]
[durable_objects]
bindings = [{ name = "ROOM", class_name = "Room" }]
[[hyperdrive]]
binding = "HD"
id = "h"
[queues]
producers = [{ binding = "Q", queue = "q" }]
consumers = [{ queue = "q" }]
"""

    config = load(tmp_path, text)

    assert config.unsupported == (
        "logpush",
        "placement",
        "migrations",
        "assets",
        "observability",
        "tail_consumers",
        "made_up_key",
        "triggers.crons",
        "durable_objects",
        "hyperdrive",
        "queues.consumers",
    )
    assert config.ignored == (
        "$schema",
        "build",
        "rules",
        "minify",
        "no_bundle",
        "send_metrics",
        "upload_source_maps",
        "find_additional_modules",
        "base_dir",
        "preserve_file_names",
        "keep_vars",
        "tsconfig",
        "dev",
    )
    assert config.bindings == ({"type": "queue", "name": "Q", "queue_name": "q"},)


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


def test_an_empty_route_means_none_as_in_wrangler(tmp_path: Path) -> None:
    assert load(tmp_path, 'route = ""\n').routes == ()


def test_unknown_route_fields_are_reported(tmp_path: Path) -> None:
    text = (
        'routes = [{ pattern = "shop.example.com", custom_domain = true, '
        "previews_enabled = true }]\n"
    )

    config = load(tmp_path, text)

    assert config.routes == (RouteSpec("shop.example.com", custom_domain=True),)
    assert config.unsupported == ("routes[0].previews_enabled",)


@pytest.mark.parametrize(
    ("text", "problem"),
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
def test_invalid_routes_are_named(tmp_path: Path, text: str, problem: str) -> None:
    assert error(tmp_path, text).problem.endswith(problem)


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


@pytest.mark.parametrize(
    ("text", "problem"),
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
        ("compatibility_flags = [1]\n", "compatibility_flags[0] is a number, not a flag name."),
        ('name = ""\n', "name is empty."),
        ("name = 5\n", "name is a number, not a string."),
        ('main = ""\n', "main is empty."),
        ('workers_dev = "yes"\n', "workers_dev is a string, not a boolean."),
        ("account_id = 1\n", "account_id is a number, not a string."),
        ('vars = "A=1"\n', "vars is a string, not a table of names and values."),
        (
            "[vars]\nWHEN = 2025-01-15\n",
            "vars.WHEN is a TOML date/time, not a string, number, boolean, list or object.",
        ),
        ("[vars]\nX = { at = [07:30:00] }\n", "vars.X.at[0] is a TOML date/time"),
        ("[vars]\nX = nan\n", "vars.X is nan, which JSON cannot hold."),
    ],
)
def test_invalid_values_are_named(tmp_path: Path, text: str, problem: str) -> None:
    failure = error(tmp_path, text)

    assert failure.input_name == "config"
    assert problem in failure.problem


def test_a_null_var_is_refused(tmp_path: Path) -> None:
    failure = error(tmp_path, '{"vars": {"A": null}}', "wrangler.json")

    assert failure.problem.endswith("vars.A is null.")


def test_an_empty_account_id_is_not_set(tmp_path: Path) -> None:
    assert load(tmp_path, 'account_id = ""\n').account_id is None


def test_errors_inside_an_environment_name_the_environment(tmp_path: Path) -> None:
    failure = error(tmp_path, '[env.dev]\nworkers_dev = "no"\n', env="dev")

    assert failure.problem.endswith("env.dev.workers_dev is a string, not a boolean.")


# files that cannot be read


def test_a_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    failure = error(tmp_path, 'name = "w"\nmain "src/index.js"\n')

    assert failure.input_name == "config"
    assert "is not valid TOML" in failure.problem
    assert "line 2, column 6" in failure.problem


def test_a_json_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    failure = error(tmp_path, '{\n  "name": "w"\n  "main": "x"\n}', "wrangler.json")

    assert failure.problem.endswith(
        "is not valid JSON: Expecting ',' delimiter at line 3, column 3."
    )


def test_jsonc_error_positions_count_the_comments(tmp_path: Path) -> None:
    text = '{\n  /* a long\n     comment */ "name": "w", // c\n  "main" "x"\n}'

    failure = error(tmp_path, text, "wrangler.jsonc")

    assert "Expecting ':' delimiter at line 4, column 10" in failure.problem


def test_an_unclosed_block_comment_gives_its_position(tmp_path: Path) -> None:
    failure = error(tmp_path, '{\n  "name": "w" /* never closed\n}', "wrangler.jsonc")

    assert "a /* comment is never closed (line 2, column 15)" in failure.problem


def test_a_json_file_that_is_not_an_object(tmp_path: Path) -> None:
    assert (
        "holds a list, not an object of settings" in error(tmp_path, "[]", "wrangler.json").problem
    )


def test_another_suffix_is_refused(tmp_path: Path) -> None:
    failure = error(tmp_path, "name: w\n", "wrangler.yaml")

    assert failure.input_name == "config"
    assert "is not a wrangler.toml, wrangler.json or wrangler.jsonc file" in failure.problem


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
