"""``operation: worker`` end to end: the entrypoint as the runner runs it, on a project in a
temporary workspace, against the emulator's Workers API (which parses the multipart upload
and keeps versions, deployments, secrets and triggers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, DEMO_ZONES
from cfemu.runner import StepResult, run_step

pytestmark = pytest.mark.e2e

WASM = b"\x00asm\x01\x00\x00\x00"
MODULE_WORKER = (
    'import add from "./add.wasm";\nimport greeting from "./greeting.txt";\n'
    "export default { async fetch(request, env) { return new Response(greeting); } };\n"
)
SERVICE_WORKER = (
    "addEventListener('fetch', (event) => {\n  event.respondWith(new Response('hello'));\n});\n"
)
TOML = """\
name = "hello"
main = "src/index.js"
compatibility_date = "2026-11-01"
no_bundle = true
compatibility_flags = ["nodejs_compat"]

[vars]
GREETING = "world"
LIMITS = { max = 3 }

[[kv_namespaces]]
binding = "CACHE"
id = "0123456789abcdef0123456789abcdef"

[env.staging]
compatibility_date = "2026-11-05"

[env.staging.vars]
GREETING = "staging"
"""
PROJECT: dict[str, str | bytes] = {
    "wrangler.toml": TOML,
    "src/index.js": MODULE_WORKER,
    "src/add.wasm": WASM,
    "src/greeting.txt": "hello ",
}


def worker(
    emulator: Emulator, files: dict[str, str | bytes] | None = None, **inputs: str
) -> StepResult:
    emulator.log.clear()
    given = {
        "operation": "worker",
        "api_token": DEMO_TOKEN,
        "account_id": DEMO_ACCOUNT_ID,
        "api_base_url": emulator.base_url,
        "max_retries": "2",
        **inputs,
    }
    return run_step(given, files=files if files is not None else PROJECT)


def calls(emulator: Emulator) -> list[str]:
    return [
        f"{r.method} {r.path.replace(f'/accounts/{DEMO_ACCOUNT_ID}', '')}" for r in emulator.log
    ]


def stored(emulator: Emulator, name: str) -> Any:
    return emulator.state.worker(DEMO_ACCOUNT_ID, name)


def test_a_module_worker_with_wasm_and_text_modules_is_published(emulator: Emulator) -> None:
    run = worker(emulator, config="wrangler.toml", modules="src/*.wasm\nsrc/*.txt")

    assert run.exit_code == 0, run.stdout
    # A new Worker with workers.dev, from a config with environments: its service (for the
    # dashboard's tags, as wrangler sets them), upload, tags, account subdomain, script subdomain.
    assert calls(emulator) == [
        "GET /workers/services/hello",
        "PUT /workers/scripts/hello",
        "GET /workers/scripts/hello/deployments",  # deployment_id, previous_version_id
        "PATCH /workers/scripts/hello/script-settings",
        "GET /workers/subdomain",
        "POST /workers/scripts/hello/subdomain",
    ]
    assert stored(emulator, "hello").settings["tags"] == ["cf:service=hello"]
    script = stored(emulator, "hello")
    version = script.deployed_version()
    assert version.main_module == "index.js"
    assert {n: m.content_type for n, m in script.modules().items()} == {
        "index.js": "application/javascript+module",
        "add.wasm": "application/wasm",
        "greeting.txt": "text/plain",
    }
    assert script.modules()["add.wasm"].content == WASM
    assert (version.compatibility_date, version.compatibility_flags) == (
        "2026-11-01",
        ["nodejs_compat"],
    )
    bindings = {b["name"]: b for b in script.bindings()}
    assert bindings["GREETING"] == {"type": "plain_text", "name": "GREETING", "text": "world"}
    assert bindings["LIMITS"]["type"] == "json" and bindings["LIMITS"]["json"] == {"max": 3}
    assert bindings["CACHE"]["namespace_id"] == "0123456789abcdef0123456789abcdef"
    assert script.subdomain.enabled is True
    assert run.outputs["url"] == "https://hello.demo-account.workers.dev"
    assert run.outputs["version_id"] == version.id
    assert run.outputs["script_name"] == "hello"
    assert run.outputs["etag"]
    assert set(run.outputs) == {
        "zone_id",
        "zone_name",
        "account_id",
        "dry_run",
        "api_calls",
        "result",
        "script_name",
        "etag",
        "version_id",
        "deployment_id",
        "previous_version_id",
        "url",
        "preview_url",
        "preview_alias_url",
        "routes",
        "custom_domains",
        "report_path",
    }
    assert "| `add.wasm` | application/wasm | 8 B |" in run.summary


def test_a_service_worker_script_is_sent_as_the_body_part(emulator: Emulator) -> None:
    run = worker(
        emulator,
        {"worker.js": SERVICE_WORKER},
        script="worker.js",
        script_name="classic",
        compatibility_date="2026-11-01",
        workers_dev="false",
    )

    assert run.exit_code == 0, run.stdout
    version = stored(emulator, "classic").deployed_version()
    assert version.body_part == "worker.js" and version.main_module is None
    assert stored(emulator, "classic").modules()["worker.js"].content_type == (
        "application/javascript"
    )
    assert stored(emulator, "classic").subdomain.enabled is False
    assert run.outputs["url"] == ""


def test_an_environment_section_follows_wranglers_rules(emulator: Emulator) -> None:
    run = worker(
        emulator, config="wrangler.toml", environment="staging", modules="src/*.wasm\nsrc/*.txt"
    )

    assert run.exit_code == 0, run.stdout
    assert run.outputs["script_name"] == "hello-staging"
    script = stored(emulator, "hello-staging")
    assert script.deployed_version().compatibility_date == "2026-11-05"
    # vars and bindings are not inherited: only the environment's own vars.
    assert [(b["type"], b["name"]) for b in script.bindings()] == [("plain_text", "GREETING")]
    assert script.bindings()[0]["text"] == "staging"


def test_a_jsonc_config_is_read(emulator: Emulator) -> None:
    config = """{
  // the Worker
  "name": "jsonc-worker", /* trailing commas below */
  "main": "src/index.js",
  "compatibility_date": "2026-10-01",
  "no_bundle": true,
  "vars": {"URL": "https://example.com/a//b"},
}"""
    run = worker(
        emulator,
        {**PROJECT, "wrangler.jsonc": config},
        config="wrangler.jsonc",
        modules="src/*.wasm, src/*.txt",
    )

    assert run.exit_code == 0, run.stdout
    script = stored(emulator, "jsonc-worker")
    assert script.bindings() == [
        {"type": "plain_text", "name": "URL", "text": "https://example.com/a//b"}
    ]


def test_secrets_are_kept_or_replaced(emulator: Emulator) -> None:
    base = {"config": "wrangler.toml", "modules": "src/*.wasm\nsrc/*.txt"}

    first = worker(emulator, secrets="TOKEN_A=first-a\nTOKEN_B=first-b", **base)
    kept = worker(emulator, secrets="TOKEN_A=second-a", **base)

    assert (first.exit_code, kept.exit_code) == (0, 0)
    script = stored(emulator, "hello")
    assert script.secret_value("TOKEN_A") == "second-a"
    assert script.secret_value("TOKEN_B") == "first-b"  # kept (keep_secrets: true)

    replaced = worker(emulator, secrets="TOKEN_A=third-a", keep_secrets="false", **base)

    assert replaced.exit_code == 0
    assert set(stored(emulator, "hello").secrets) == {"TOKEN_A"}


def test_a_gradual_rollout_deploys_beside_the_current_version(emulator: Emulator) -> None:
    base = {"config": "wrangler.toml", "modules": "src/*.wasm\nsrc/*.txt", "workers_dev": "false"}
    worker(emulator, **base)
    current = stored(emulator, "hello").deployed_version().id

    run = worker(emulator, rollout_percentage="10", message="canary of v2", **base)

    assert run.exit_code == 0, run.stdout
    assert calls(emulator)[:4] == [
        "GET /workers/services/hello",
        "GET /workers/scripts/hello/deployments",
        "POST /workers/scripts/hello/versions",
        "POST /workers/scripts/hello/deployments",
    ]
    deployment = stored(emulator, "hello").latest_deployment()
    shares = {v["version_id"]: v["percentage"] for v in deployment.versions}
    assert shares == {run.outputs["version_id"]: 10, current: 90}
    assert deployment.annotations == {"workers/message": "canary of v2"}
    assert run.outputs["deployment_id"] == deployment.id


def test_a_gradual_rollout_of_a_new_worker_is_refused(emulator: Emulator) -> None:
    run = worker(
        emulator, config="wrangler.toml", rollout_percentage="10", modules="src/*.wasm\nsrc/*.txt"
    )

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert "Publish it once with rollout_percentage: 100" in error.data
    assert not any(r.method in ("PUT", "POST") for r in emulator.log)


def test_routes_cost_one_call_and_turn_workers_dev_off(emulator: Emulator) -> None:
    run = worker(
        emulator,
        config="wrangler.toml",
        modules="src/*.wasm\nsrc/*.txt",
        routes="example.com/api/*\nwww.example.com/*",
    )

    assert run.exit_code == 0, run.stdout
    mutations = [c for c in calls(emulator) if not c.startswith("GET")]
    # wrangler's order: the upload, the dashboard tags, workers.dev, then the routes.
    assert mutations == [
        "PUT /workers/scripts/hello",
        "PATCH /workers/scripts/hello/script-settings",
        "POST /workers/scripts/hello/subdomain",
        "PUT /workers/scripts/hello/routes",
    ]
    assert [c for c in calls(emulator) if c.startswith("GET")] == [
        "GET /zones",
        "GET /zones",
        "GET /workers/services/hello",
        "GET /workers/scripts/hello/deployments",
    ]
    patterns = {r.pattern for r in emulator.state.worker_routes_of("hello")}
    assert patterns == {"example.com/api/*", "www.example.com/*"}
    assert json.loads(run.outputs["routes"]) == ["example.com/api/*", "www.example.com/*"]
    assert stored(emulator, "hello").subdomain.enabled is False


def test_routes_fall_back_to_zone_calls_without_account_wide_permission(
    emulator: Emulator,
) -> None:
    token = "ZoneRoutes0123456789abcdefghijklmnopqrst"
    emulator.state.add_token(
        token,
        permissions={"zone:read", "workers_scripts:edit", "workers_routes:edit"},
        zone_ids={DEMO_ZONES["example.com"]},
    )

    run = worker(
        emulator,
        config="wrangler.toml",
        modules="src/*.wasm\nsrc/*.txt",
        api_token=token,
        routes="example.com/api/*",
    )

    assert run.exit_code == 0, run.stdout
    zone_routes = f"/zones/{DEMO_ZONES['example.com']}/workers/routes"
    assert f"GET {zone_routes}" in calls(emulator)
    assert f"POST {zone_routes}" in calls(emulator)
    assert {r.pattern for r in emulator.state.worker_routes_of("hello")} == {"example.com/api/*"}


def test_custom_domains_cost_one_call(emulator: Emulator) -> None:
    run = worker(
        emulator,
        config="wrangler.toml",
        modules="src/*.wasm\nsrc/*.txt",
        custom_domains="api.example.com\nshop.example.org",
    )

    assert run.exit_code == 0, run.stdout
    assert calls(emulator).count("PUT /workers/scripts/hello/domains/records") == 1
    assert not any(c.startswith("GET /zones") for c in calls(emulator))
    hosts = {d.hostname: d.service for d in emulator.state.worker_domains.values()}
    assert hosts == {"api.example.com": "hello", "shop.example.org": "hello"}
    assert json.loads(run.outputs["custom_domains"]) == ["api.example.com", "shop.example.org"]


def test_dry_run_builds_everything_and_changes_nothing(emulator: Emulator) -> None:
    run = worker(
        emulator,
        config="wrangler.toml",
        modules="src/*.wasm\nsrc/*.txt",
        secrets="KEY=dry-secret",
        routes="example.com/*",
        dry_run="true",
    )

    assert run.exit_code == 0, run.stdout
    assert all(r.method == "GET" for r in emulator.log)
    assert "hello" not in {n for _, n in emulator.state.workers}
    assert "worker · hello (dry run)" in run.summary
    assert "| `KEY` | secret_text | (secret) |" in run.summary
    assert "would be published" in run.summary


def test_the_apis_reason_is_shown_when_a_binding_is_refused(emulator: Emulator) -> None:
    run = worker(
        emulator,
        config="wrangler.toml",
        modules="src/*.wasm\nsrc/*.txt",
        bindings="- {type: d1, name: DB}",
    )

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert "(10021)" in error.data and "DB" in error.data
    assert "Fix the build or the bindings" in error.data


SECRET = "sentinel-worker-secret-0123456789"


def test_secrets_never_leak(emulator: Emulator) -> None:
    run = worker(
        emulator,
        config="wrangler.toml",
        modules="src/*.wasm\nsrc/*.txt",
        secrets=f"API_KEY={SECRET}\nOTHER=  {SECRET}-2  ",
    )

    assert run.exit_code == 0, run.stdout
    assert SECRET in run.masks and f"{SECRET}-2" in run.masks
    for line in run.log_lines():
        assert SECRET not in line
    assert all(SECRET not in value for value in run.outputs.values())
    assert SECRET not in run.summary
    assert stored(emulator, "hello").secret_value("OTHER") == f"{SECRET}-2"


@pytest.mark.parametrize(
    ("inputs", "name", "advice"),
    [
        (
            {"script": "src/index.js", "compatibility_date": "2026-11-01"},
            "script_name",
            "Set script_name",
        ),
        (
            {"config": "wrangler.toml", "script_name": "My Worker!"},
            "script_name",
            "Write e.g. my-worker",
        ),
        (
            {
                "script": "src/index.js",
                "script_name": "w",
                "compatibility_date": "2026-11-01",
                "environment": "staging",
            },
            "environment",
            "Set config to your wrangler.toml",
        ),
        (
            {"script": "src/index.js", "script_name": "w"},
            "compatibility_date",
            "Write the date your Worker was tested with",
        ),
        (
            {"script": "src/index.js", "script_name": "w", "compatibility_date": "01/11/2026"},
            "compatibility_date",
            "Write YYYY-MM-DD",
        ),
        ({"config": "wrangler.toml", "environment": "qa"}, "environment", "staging"),
        (
            {"config": "wrangler.toml", "rollout_percentage": "0"},
            "rollout_percentage",
            "Write e.g. 10",
        ),
        ({"config": "wrangler.toml", "format": "esm"}, "format", "Write modules"),
        ({"config": "wrangler.toml", "secrets": "NOT A LINE"}, "secrets", "KEY=value"),
        ({"config": "wrangler.toml", "bindings": "- {name: X}"}, "bindings", "a type and a name"),
        ({"config": "wrangler.toml", "modules": "src/*.png"}, "modules", "matches no file"),
        (
            {"config": "wrangler.toml", "custom_domains": "https://api.example.com/"},
            "custom_domains",
            "no scheme",
        ),
        (
            {"config": "wrangler.toml", "vars": "GREETING=x", "secrets": "GREETING=hello"},
            "secrets",
            "used once per Worker",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_invalid_worker_inputs_are_named_before_any_call(
    emulator: Emulator, inputs: dict[str, str], name: str, advice: str
) -> None:
    run = worker(emulator, **inputs)

    assert run.exit_code == 1
    errors = run.annotations("error")
    assert [e.properties["title"] for e in errors] == [f"Input {name}"]
    assert advice in errors[0].data
    assert emulator.log == []


def test_a_worker_over_the_size_limit_gets_the_size_hint(emulator: Emulator) -> None:
    emulator.state.workers_max_gzip_bytes = 100  # the emulator plays a stricter plan

    run = worker(emulator, config="wrangler.toml", modules="src/*.wasm\nsrc/*.txt")

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert "(10027)" in error.data
    assert "upload only the modules it imports" in error.data


def test_the_account_comes_from_the_zone_when_not_given(emulator: Emulator) -> None:
    emulator.log.clear()
    run = run_step(
        {
            "operation": "worker",
            "api_token": DEMO_TOKEN,
            "zone": "example.com",
            "api_base_url": emulator.base_url,
            "config": "wrangler.toml",
            "modules": "src/*.wasm\nsrc/*.txt",
        },
        files=PROJECT,
    )

    assert run.exit_code == 0, run.stdout
    assert calls(emulator)[0] == "GET /zones"
    assert run.outputs["account_id"] == DEMO_ACCOUNT_ID
    assert "hello" in {n for _, n in emulator.state.workers}


def test_a_dispatch_namespace_a_binding_names_is_created_once(emulator: Emulator) -> None:
    toml = TOML + '\n[[dispatch_namespaces]]\nbinding = "TENANTS"\nnamespace = "tenants"\n'
    files = {**PROJECT, "wrangler.toml": toml}

    first = worker(emulator, files, config="wrangler.toml")
    first_calls = calls(emulator)
    again = worker(emulator, files, config="wrangler.toml")

    assert (first.exit_code, again.exit_code) == (0, 0), first.stdout
    listed = first_calls.index("GET /workers/dispatch/namespaces")
    created = first_calls.index("POST /workers/dispatch/namespaces")
    assert listed < created < first_calls.index("PUT /workers/scripts/hello")
    assert "POST /workers/dispatch/namespaces" not in calls(emulator)
    assert "dispatch namespace tenants: created" in first.summary
    names = [n.namespace_name for n in emulator.state.dispatch_namespaces.values()]
    assert names == ["tenants"]
    [binding] = [b for b in stored(emulator, "hello").bindings() if b["name"] == "TENANTS"]
    assert binding == {"name": "TENANTS", "type": "dispatch_namespace", "namespace": "tenants"}
