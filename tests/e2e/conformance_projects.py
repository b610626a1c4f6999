"""The projects of the wrangler conformance matrix, how each tool deploys them, and the one
normalised view of an emulator's state that the matrix compares.

A :class:`Project` is a small Worker project for one family of wrangler configuration keys,
deployed one or more times (:class:`Step`); between deploys a step may change files or make
API calls (a var set in the dashboard, a secret put), done the same way in both emulators.
Every project sets ``no_bundle = true``: both tools then upload the same files.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from cfemu import Emulator, State, WorkerScript
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_KV_NAMESPACE_ID, DEMO_TOKEN, DEMO_ZONES
from cfemu.runner import StepResult, run_step
from tests.harness.wrangler import Wrangler, deploy

Files = Mapping[str, str | bytes]
OBSERVABILITY_OFF = {"enabled": False}
View = dict[str, Any]

# Resources some projects bind, made beforehand in both emulators with the same IDs.
D1_ID = "5a1b2c3d-0000-4000-8000-00000000d101"
QUEUE_IDS = {
    "jobs": "0000000000000000000000000000a001",
    "jobs-dlq": "0000000000000000000000000000a002",
}
HYPERDRIVE_ID = "0000000000000000000000000000bd01"
SECRETS_STORE_ID = "0000000000000000000000000000e501"
CERTIFICATE_ID = "0d5b7ee6-0000-4000-8000-00000000ce01"
WASM = b"\x00asm\x01\x00\x00\x00"


# --- running the tools ----------------------------------------------------------------


def wrangler_deploy(
    wrangler: Wrangler, project: Path, base_url: str, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``wrangler deploy --no-bundle [args]`` of ``project`` against ``base_url``
    (tests/harness/wrangler.py ``deploy``, which takes the extra arguments, ``--env`` one)."""
    return deploy(wrangler, project, base_url, home, *args)


CFACTION_INPUTS = {"config": "wrangler.toml"}
"""The step's inputs besides the credentials: the config, everything else at its default."""


def cfaction_deploy(base_url: str, files: Files, inputs: Mapping[str, str]) -> StepResult:
    """The action's ``operation: worker`` step on ``files``, as the runner runs it."""
    return run_step(
        {
            "operation": "worker",
            "api_token": DEMO_TOKEN,
            "account_id": DEMO_ACCOUNT_ID,
            "api_base_url": base_url,
            **CFACTION_INPUTS,
            **inputs,
        },
        files=files,
    )


class Api:
    """Calls to one emulator with the demo token, for what a project does besides deploying
    (a var set in the dashboard, a secret put); every call must succeed."""

    def __init__(self, emulator: Emulator) -> None:
        self.base_url = emulator.base_url
        self.account = f"/accounts/{DEMO_ACCOUNT_ID}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(
            method,
            self.base_url + self.account + path,
            headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
            timeout=10,
            **kwargs,
        )
        body = response.json()
        assert response.status_code == 200 and body["success"], (method, path, body)
        return body["result"]

    def upload(self, name: str) -> None:
        """A one-module Worker, as a dashboard user would make it."""
        metadata = {"main_module": "index.js", "compatibility_date": "2026-11-01"}
        files = [
            ("metadata", (None, json.dumps(metadata), "application/json")),
            ("index.js", ("index.js", b"export default {};\n", "application/javascript+module")),
        ]
        self.call("PUT", f"/workers/scripts/{name}", files=files)

    def add_var(self, script: str, name: str, value: str) -> None:
        """A plain-text var added through the settings API, the others kept."""
        bindings = self.call("GET", f"/workers/scripts/{script}/settings")["bindings"]
        bindings.append({"name": name, "type": "plain_text", "text": value})
        self.call("PATCH", f"/workers/scripts/{script}/settings", json={"bindings": bindings})

    def put_secret(self, script: str, name: str, value: str) -> None:
        self.call(
            "PUT",
            f"/workers/scripts/{script}/secrets",
            json={"name": name, "text": value, "type": "secret_text"},
        )


# --- projects -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One deploy: the files changed since the previous step, API calls made first, and the
    environment deployed (``--env`` / the environment input; None: the top level)."""

    files: Files = field(default_factory=dict)
    before: Callable[[Api], None] | None = None
    environment: str | None = None


@dataclass(frozen=True)
class Project:
    """A small project for one key family, deployed once per step by each tool.

    ``setup`` prepares each emulator's State before it starts (resources the project binds,
    with fixed IDs); ``inputs`` are extra inputs of the cfaction step; ``check`` asserts a
    few facts of wrangler's views (one per step), so that the comparison is never between
    two empty results."""

    id: str
    files: Files
    steps: tuple[Step, ...] = (Step(),)
    setup: Callable[[State], None] | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    check: Callable[[Sequence[View]], None] | None = None

    def files_at(self, index: int) -> dict[str, str | bytes]:
        """Every file of the project as deployed at step ``index``."""
        files = dict(self.files)
        for step in self.steps[: index + 1]:
            files.update(step.files)
        return files


def toml(name: str, body: str = "", main: str = "src/index.js") -> str:
    """A wrangler.toml with the keys every project shares, then ``body``."""
    head = (
        f'name = "{name}"\nmain = "{main}"\ncompatibility_date = "2026-11-01"\nno_bundle = true\n'
    )
    return head + body


def worker(*lines: str, handlers: str = "fetch") -> str:
    """An ES module Worker: ``lines`` (imports, classes), then a default export with the
    named handlers."""
    methods = ", ".join(f"async {h}() {{ return new Response('ok'); }}" for h in handlers.split())
    return "\n".join([*lines, f"export default {{ {methods} }};", ""])


def parts_of(view: View, script: str) -> dict[str, str]:
    return {name: part[0] for name, part in view["workers"][script]["parts"].items()}


def bindings_of(view: View, script: str) -> dict[str, str]:
    return {b["name"]: b["type"] for b in view["workers"][script]["bindings"]}


# 1. modules and rules


def _check_modules(views: Sequence[View]) -> None:
    assert parts_of(views[0], "modules") == {
        "index.js": "application/javascript+module",
        "assets/banner.txt": "text/plain",
        "assets/page.html": "text/plain",
        "assets/schema.sql": "text/plain",
        "assets/notes.md": "text/plain",
        "assets/seed.bin": "application/octet-stream",
        "assets/add.wasm": "application/wasm",
        "lib/legacy.cjs": "application/javascript",
        "lib/format.js": "application/javascript+module",
    }


MODULES = Project(
    "modules-and-rules",
    files={
        # base_dir above the entry's folder: modules are named relative to src/, the entry
        # by its file name, so index.js imports them by those names.
        "wrangler.toml": toml(
            "modules",
            'base_dir = "src"\n'
            "rules = [\n"
            '  { type = "Text", globs = ["**/*.md"], fallthrough = true },\n'
            '  { type = "CommonJS", globs = ["lib/**/*.cjs"] },\n'
            '  { type = "ESModule", globs = ["lib/**/*.js"] },\n'
            "]\n",
            main="src/worker/index.js",
        ),
        "src/worker/index.js": worker(
            'import banner from "./assets/banner.txt";',
            'import page from "./assets/page.html";',
            'import schema from "./assets/schema.sql";',
            'import notes from "./assets/notes.md";',
            'import seed from "./assets/seed.bin";',
            'import add from "./assets/add.wasm";',
            'import legacy from "./lib/legacy.cjs";',
            'import { format } from "./lib/format.js";',
        ),
        "src/assets/banner.txt": "Welcome!\n",
        "src/assets/page.html": "<h1>Hello</h1>\n",
        "src/assets/schema.sql": "CREATE TABLE t (id INTEGER);\n",
        "src/assets/notes.md": "# Notes\n",
        "src/assets/seed.bin": b"\x00\x01\x02\xff",
        "src/assets/add.wasm": WASM,
        "src/assets/unused.json": '{"no": "rule"}\n',
        "src/lib/legacy.cjs": "module.exports = function legacy() { return 1; };\n",
        "src/lib/format.js": "export function format(x) { return String(x); }\n",
    },
    check=_check_modules,
)

NO_WALK = Project(
    "modules-without-walk",
    files={
        "wrangler.toml": toml("nowalk", "find_additional_modules = false\n"),
        "src/index.js": worker("const greeting = 'hi';"),
        "src/banner.txt": "not uploaded: the walk is off\n",
        "src/add.wasm": WASM,
    },
    check=lambda views: _only_main(views[0], "nowalk"),
)


def _only_main(view: View, script: str) -> None:
    assert parts_of(view, script) == {"index.js": "application/javascript+module"}


RULE_WITHOUT_FALLTHROUGH = Project(
    # A Data rule without fallthrough completes the Data type: the default **/*.bin rule is
    # dropped (wrangler warns), so seed.bin is not uploaded.
    "rule-without-fallthrough",
    files={
        "wrangler.toml": toml("completed", 'rules = [{ type = "Data", globs = ["**/*.dat"] }]\n'),
        "src/index.js": worker('import table from "./table.dat";'),
        "src/table.dat": b"\x01\x02",
        "src/seed.bin": b"\x03",
    },
    check=lambda views: _main_and_table(views[0]),
)


def _main_and_table(view: View) -> None:
    assert parts_of(view, "completed") == {
        "index.js": "application/javascript+module",
        "table.dat": "application/octet-stream",
    }


# 2. bindings


def _with_storage(state: State) -> None:
    state.add_d1_database(DEMO_ACCOUNT_ID, "app-db", uuid=D1_ID)
    state.add_r2_bucket(DEMO_ACCOUNT_ID, "uploads")


BINDINGS_TOML = f"""\
[vars]
GREETING = "hello"
SETTINGS = {{ retries = 3, regions = ["eu", "us"], strict = true }}

[[kv_namespaces]]
binding = "CACHE"
id = "{DEMO_KV_NAMESPACE_ID}"

[[r2_buckets]]
binding = "UPLOADS"
bucket_name = "uploads"

[[d1_databases]]
binding = "DB"
database_name = "app-db"
database_id = "{D1_ID}"

[[services]]
binding = "AUTH"
service = "auth-worker"
entrypoint = "AuthEntrypoint"
props = {{ tier = "gold", limits = [1, 2] }}

[[services]]
binding = "BILLING"
service = "billing-worker"

[[analytics_engine_datasets]]
binding = "EVENTS"
dataset = "events"

[ai]
binding = "AI"

[browser]
binding = "BROWSER"

[[hyperdrive]]
binding = "PG"
id = "{HYPERDRIVE_ID}"

[[vectorize]]
binding = "INDEX"
index_name = "docs"

[[dispatch_namespaces]]
binding = "TENANTS"
namespace = "tenants"
outbound = {{ service = "outbound-worker", parameters = ["customer"] }}

[[send_email]]
name = "MAIL"
destination_address = "ops@example.com"

[[ratelimits]]
name = "LIMITER"
namespace_id = "1001"
simple = {{ limit = 100, period = 60 }}

[[mtls_certificates]]
binding = "CERT"
certificate_id = "{CERTIFICATE_ID}"

[[secrets_store_secrets]]
binding = "API_KEY"
store_id = "{SECRETS_STORE_ID}"
secret_name = "api-key"

[version_metadata]
binding = "VERSION"

[images]
binding = "IMAGES"

[[pipelines]]
binding = "CLICKS"
pipeline = "clicks"

[[worker_loaders]]
binding = "LOADER"

[[unsafe.bindings]]
name = "RAW"
type = "plain_text"
text = "passed through as written"
"""

BINDINGS = Project(
    "bindings",
    files={
        "wrangler.toml": toml("bindings", BINDINGS_TOML),
        "src/index.js": worker(),
    },
    setup=_with_storage,
    check=lambda views: _binding_types(views[0]),
)


def _binding_types(view: View) -> None:
    assert bindings_of(view, "bindings") == {
        "GREETING": "plain_text",
        "SETTINGS": "json",
        "CACHE": "kv_namespace",
        "UPLOADS": "r2_bucket",
        "DB": "d1",
        "AUTH": "service",
        "BILLING": "service",
        "EVENTS": "analytics_engine",
        "AI": "ai",
        "BROWSER": "browser",
        "PG": "hyperdrive",
        "INDEX": "vectorize",
        "TENANTS": "dispatch_namespace",
        "MAIL": "send_email",
        "LIMITER": "ratelimit",
        "CERT": "mtls_certificate",
        "API_KEY": "secrets_store_secret",
        "VERSION": "version_metadata",
        "IMAGES": "images",
        "CLICKS": "pipelines",
        "LOADER": "worker_loader",
        "RAW": "plain_text",
    }


# 3. Durable Objects and migrations

DO_TOML = """\
[[durable_objects.bindings]]
name = "COUNTER"
class_name = "%(counter)s"

[[durable_objects.bindings]]
name = "ROOM"
class_name = "Room"

[[migrations]]
tag = "v1"
new_classes = ["Counter"]

[[migrations]]
tag = "v2"
new_sqlite_classes = ["Room"]
"""
RENAME = '\n[[migrations]]\ntag = "v3"\nrenamed_classes = [{ from = "Counter", to = "Tally" }]\n'


def _do_source(counter: str) -> str:
    return worker(
        'import { DurableObject } from "cloudflare:workers";',
        f"export class {counter} extends DurableObject {{}}",
        "export class Room extends DurableObject {}",
    )


def _check_migrations(views: Sequence[View]) -> None:
    first, second = (v["workers"]["objects"] for v in views)
    assert (first["migration_tag"], second["migration_tag"]) == ("v2", "v3")
    assert second["durable_object_classes"] == {
        "Tally": {"sqlite": False},
        "Room": {"sqlite": True},
    }


DURABLE_OBJECTS = Project(
    "durable-objects-migrations",
    files={
        "wrangler.toml": toml("objects", DO_TOML % {"counter": "Counter"}),
        "src/index.js": _do_source("Counter"),
    },
    steps=(
        Step(),
        Step(
            files={
                "wrangler.toml": toml("objects", DO_TOML % {"counter": "Tally"} + RENAME),
                "src/index.js": _do_source("Tally"),
            }
        ),
    ),
    check=_check_migrations,
)


# 4. cron triggers


def _check_crons(views: Sequence[View]) -> None:
    assert views[0]["workers"]["crons"]["schedules"] == ["*/5 * * * *", "0 12 * * MON"]
    assert views[1]["workers"]["crons"]["schedules"] == []


CRONS = Project(
    "crons",
    files={
        "wrangler.toml": toml("crons", '[triggers]\ncrons = ["*/5 * * * *", "0 12 * * MON"]\n'),
        "src/index.js": worker(handlers="fetch scheduled"),
    },
    steps=(Step(), Step(files={"wrangler.toml": toml("crons", "[triggers]\ncrons = []\n")})),
    check=_check_crons,
)


# 5. queues


def _with_queues(state: State) -> None:
    for name, queue_id in QUEUE_IDS.items():
        state.add_queue(DEMO_ACCOUNT_ID, name, id=queue_id)


QUEUES_TOML = """\
[[queues.producers]]
binding = "JOBS"
queue = "jobs"

[[queues.consumers]]
queue = "jobs"
max_batch_size = 25
max_batch_timeout = 3
max_retries = %(retries)d
max_concurrency = 4
retry_delay = 30
dead_letter_queue = "jobs-dlq"
"""


def _check_queues(views: Sequence[View]) -> None:
    [consumer] = views[1]["queues"]["jobs"]["consumers"]
    assert consumer["script"] == "queues"
    assert consumer["dead_letter_queue"] == "jobs-dlq"
    assert consumer["settings"]["max_retries"] == 7


QUEUES = Project(
    "queues",
    files={
        "wrangler.toml": toml("queues", QUEUES_TOML % {"retries": 5}),
        "src/index.js": worker(handlers="fetch queue"),
    },
    steps=(
        Step(),
        Step(files={"wrangler.toml": toml("queues", QUEUES_TOML % {"retries": 7})}),
    ),
    setup=_with_queues,
    check=_check_queues,
)


# 6. Workflows

WORKFLOW_SOURCE = worker(
    'import { WorkflowEntrypoint } from "cloudflare:workers";',
    "export class OrderFlow extends WorkflowEntrypoint { async run() {} }",
)


def _check_workflow(views: Sequence[View]) -> None:
    flow = views[0]["workflows"]["order-flow"]
    assert (flow["script_name"], flow["class_name"]) == ("flows", "OrderFlow")
    assert flow["limits"] == {"steps": 500}


WORKFLOWS = Project(
    "workflows",
    files={
        "wrangler.toml": toml(
            "flows",
            '[[workflows]]\nbinding = "ORDERS"\nname = "order-flow"\nclass_name = "OrderFlow"\n'
            "limits = { steps = 500 }\n",
        ),
        "src/index.js": WORKFLOW_SOURCE,
    },
    check=_check_workflow,
)

WORKFLOW_SCHEDULES = Project(
    "workflow-schedules",
    files={
        "wrangler.toml": toml(
            "flows",
            '[[workflows]]\nbinding = "ORDERS"\nname = "order-flow"\nclass_name = "OrderFlow"\n'
            'limits = { steps = 500 }\nschedules = ["0 * * * *"]\n',
        ),
        "src/index.js": WORKFLOW_SOURCE,
    },
)


# 7. settings

SETTINGS_TOML = """\
logpush = true
keep_vars = true
tail_consumers = [{ service = "tailer" }]
streaming_tail_consumers = [{ service = "streamer" }]

[vars]
MODE = "live"

[observability]
enabled = true
head_sampling_rate = 0.25

[observability.logs]
enabled = true
head_sampling_rate = 0.5
invocation_logs = false

[limits]
cpu_ms = 100
subrequests = 200

[placement]
%(placement)s
"""


def _tail_workers(api: Api) -> None:
    api.upload("tailer")
    api.upload("streamer")


def _check_settings(views: Sequence[View]) -> None:
    first, second = (v["workers"]["settings"] for v in views)
    assert first["metadata"]["placement"] == {"mode": "smart", "hint": "wnam"}
    assert second["metadata"]["placement"] == {"mode": "targeted", "region": "aws:us-east-1"}
    assert first["settings"]["logpush"] is True
    assert bindings_of(views[1], "settings")["FROM_DASHBOARD"] == "plain_text"


SETTINGS = Project(
    "settings",
    files={
        "wrangler.toml": toml(
            "settings", SETTINGS_TOML % {"placement": 'mode = "smart"\nhint = "wnam"'}
        ),
        "src/index.js": worker(),
    },
    steps=(
        Step(before=_tail_workers),
        Step(
            files={
                "wrangler.toml": toml(
                    "settings", SETTINGS_TOML % {"placement": 'region = "aws:us-east-1"'}
                )
            },
            before=lambda api: api.add_var("settings", "FROM_DASHBOARD", "kept"),
        ),
    ),
    check=_check_settings,
)


def _check_settings_removed(views: Sequence[View]) -> None:
    # wrangler's re-deploy (a version, then PATCH script-settings) switches observability
    # off when the file no longer has it; logpush and tail consumers are left as they were.
    settings = views[1]["workers"]["unset"]["settings"]
    assert settings["observability"] == {"enabled": False}
    assert settings["logpush"] is True
    assert settings["tail_consumers"] == [{"service": "tailer"}]


SETTINGS_REMOVED = Project(
    "settings-removed",
    files={
        "wrangler.toml": toml(
            "unset", SETTINGS_TOML % {"placement": 'mode = "smart"\nhint = "wnam"'}
        ),
        "src/index.js": worker(),
    },
    steps=(
        Step(before=_tail_workers),
        Step(files={"wrangler.toml": toml("unset", '[vars]\nMODE = "live"\n')}),
    ),
    check=_check_settings_removed,
)


# 8. routes, custom domains, workers.dev and preview URLs

ROUTES_TOML = """\
workers_dev = %(workers_dev)s
preview_urls = %(preview_urls)s
routes = [
  "example.com/plain/*",
  { pattern = "example.org/by-name/*", zone_name = "example.org" },
  { pattern = "api.example.com", custom_domain = true },
%(more)s]
"""
MORE_ROUTES = f"""\
  {{ pattern = "example.co.uk/by-id/*", zone_id = "{DEMO_ZONES["example.co.uk"]}" }},
  {{ pattern = "shop.example.org", zone_name = "example.org", custom_domain = true }},
"""


def _check_routes(views: Sequence[View]) -> None:
    first, second = (v["workers"]["routed"] for v in views)
    assert first["routes"] == [
        ["example.co.uk/by-id/*", "example.co.uk"],
        ["example.com/plain/*", "example.com"],
        ["example.org/by-name/*", "example.org"],
    ]
    assert first["custom_domains"] == [
        ["api.example.com", "example.com", "production"],
        ["shop.example.org", "example.org", "production"],
    ]
    assert first["subdomain"] == {"enabled": False, "previews_enabled": True}
    # The second deploy drops a route and a domain.
    assert len(second["routes"]) == 2
    assert second["custom_domains"] == [["api.example.com", "example.com", "production"]]
    assert second["subdomain"] == {"enabled": True, "previews_enabled": False}


ROUTES = Project(
    "routes-and-domains",
    files={
        "wrangler.toml": toml(
            "routed",
            ROUTES_TOML % {"workers_dev": "false", "preview_urls": "true", "more": MORE_ROUTES},
        ),
        "src/index.js": worker(),
    },
    steps=(
        Step(),
        Step(
            files={
                "wrangler.toml": toml(
                    "routed",
                    ROUTES_TOML % {"workers_dev": "true", "preview_urls": "false", "more": ""},
                )
            }
        ),
    ),
    check=_check_routes,
)


# 9. environments

ENV_TOML = f"""\
route = "example.com/app/*"

[vars]
STAGE = "production"

[[kv_namespaces]]
binding = "CACHE"
id = "{DEMO_KV_NAMESPACE_ID}"

[env.staging]
routes = ["example.org/staging/*"]
vars = {{ STAGE = "staging", DEBUG = true }}

[[env.staging.services]]
binding = "AUTH"
service = "auth-staging"
"""


def _check_environment(views: Sequence[View]) -> None:
    staging = views[0]["workers"]["app-staging"]
    assert staging["settings"]["tags"] == ["cf:service=app", "cf:environment=staging"]
    assert staging["routes"] == [["example.org/staging/*", "example.org"]]
    assert bindings_of(views[0], "app-staging") == {
        "STAGE": "plain_text",
        "DEBUG": "json",
        "AUTH": "service",
    }
    top = views[1]["workers"]["app"]
    assert top["routes"] == [["example.com/app/*", "example.com"]]
    assert bindings_of(views[1], "app") == {"STAGE": "plain_text", "CACHE": "kv_namespace"}


ENVIRONMENTS = Project(
    "environments",
    files={"wrangler.toml": toml("app", ENV_TOML), "src/index.js": worker()},
    # The environment, then the top level of the same file.
    steps=(Step(environment="staging"), Step()),
    check=_check_environment,
)


# 10. provisioning by name

PROVISION_TOML = """\
[[kv_namespaces]]
binding = "SESSION_STORE"

[[d1_databases]]
binding = "DB"
database_name = "provisioned-db"

[[r2_buckets]]
binding = "MEDIA"
bucket_name = "provisioned-media"
"""


def _check_provisioning(views: Sequence[View]) -> None:
    for view in views:
        assert view["kv_namespaces"] == [
            "demo-cache",
            "provisioned-session-store",
        ]
        assert view["d1_databases"] == ["provisioned-db"]
        assert [b[0] for b in view["r2_buckets"]] == ["provisioned-media"]
    targets = {b["name"]: b for b in views[1]["workers"]["provisioned"]["bindings"]}
    assert targets["SESSION_STORE"]["namespace_id"] == "<kv provisioned-session-store>"
    assert targets["DB"]["id"] == "<d1 provisioned-db>"


PROVISIONING = Project(
    "provisioning",
    files={"wrangler.toml": toml("provisioned", PROVISION_TOML), "src/index.js": worker()},
    # The second deploy finds what the first one made (or inherits it).
    steps=(Step(), Step()),
    check=_check_provisioning,
)


# 11. a service worker with blobs

SERVICE_WORKER_TOML = """\
[wasm_modules]
ADD = "blobs/add.wasm"

[text_blobs]
GREETING_TEXT = "blobs/greeting.txt"

[data_blobs]
LOGO = "blobs/logo.bin"
"""


def _check_service_worker(views: Sequence[View]) -> None:
    script = views[0]["workers"]["legacy"]
    assert script["metadata"]["body_part"] == "worker.js"
    assert bindings_of(views[0], "legacy") == {
        "ADD": "wasm_module",
        "GREETING_TEXT": "text_blob",
        "LOGO": "data_blob",
        "footer_txt": "text_blob",
    }


SERVICE_WORKER = Project(
    "service-worker-blobs",
    files={
        "wrangler.toml": toml("legacy", SERVICE_WORKER_TOML, main="src/worker.js"),
        "src/worker.js": (
            "addEventListener('fetch', (event) => {\n"
            "  event.respondWith(new Response(GREETING_TEXT + footer_txt));\n"
            "});\n"
        ),
        # Found by the walk: a service worker gets it as a text_blob named footer_txt.
        "src/footer.txt": "-- the footer\n",
        "blobs/add.wasm": WASM,
        "blobs/greeting.txt": "Hello from a blob\n",
        "blobs/logo.bin": b"\x89PNG\r\n",
    },
    check=_check_service_worker,
)


# 12. source maps


def _source_map(file: str, source: str) -> str:
    return json.dumps(
        {
            "version": 3,
            "file": file,
            "sourceRoot": "./",
            "sources": [f"../../src/{source}"],
            "names": [],
            "mappings": "AAAA",
        }
    )


def _check_source_maps(views: Sequence[View]) -> None:
    assert parts_of(views[0], "mapped") == {
        "index.js": "application/javascript+module",
        "lib/util.js": "application/javascript+module",
        "index.js.map": "application/source-map",
        "lib/util.js.map": "application/source-map",
    }


SOURCE_MAPS = Project(
    "source-maps",
    files={
        "wrangler.toml": toml(
            "mapped",
            'upload_source_maps = true\nrules = [{ type = "ESModule", globs = ["lib/*.js"] }]\n',
            main="dist/index.js",
        ),
        "dist/index.js": worker('import { util } from "./lib/util.js";')
        + "//# sourceMappingURL=index.js.map\n",
        "dist/index.js.map": _source_map("index.js", "index.ts"),
        "dist/lib/util.js": (
            "export function util() { return 1; }\n//# sourceMappingURL=util.js.map\n"
        ),
        "dist/lib/util.js.map": _source_map("util.js", "lib/util.ts"),
    },
    check=_check_source_maps,
)


# 13. secrets.required on a re-deploy


def _check_secrets(views: Sequence[View]) -> None:
    [secret] = [b for b in views[1]["workers"]["secretive"]["bindings"] if b["name"] == "API_TOKEN"]
    assert secret == {"name": "API_TOKEN", "type": "secret_text", "text": "s3cr3t"}


SECRETS = Project(
    "secrets-required",
    files={
        "wrangler.toml": toml("secretive", '[vars]\nMODE = "live"\n'),
        "src/index.js": worker(),
    },
    steps=(
        Step(),
        Step(
            files={
                "wrangler.toml": toml(
                    "secretive", '[vars]\nMODE = "live"\n\n[secrets]\nrequired = ["API_TOKEN"]\n'
                )
            },
            before=lambda api: api.put_secret("secretive", "API_TOKEN", "s3cr3t"),
        ),
    ),
    check=_check_secrets,
)


# static assets, with a Worker in front of them


def _check_assets(views: Sequence[View]) -> None:
    assets = views[0]["workers"]["shop"]["assets"]
    assert sorted(assets["manifest"]) == [
        "/about/index.html",
        "/css/site.css",
        "/data/items.json",
        "/index.html",
    ]
    assert assets["config"]["not_found_handling"] == "single-page-application"
    assert assets["config"]["_headers"].startswith("/*")


ASSETS = Project(
    "assets",
    files={
        "wrangler.toml": toml(
            "shop",
            '[assets]\ndirectory = "./public"\nbinding = "ASSETS"\n'
            'html_handling = "drop-trailing-slash"\n'
            'not_found_handling = "single-page-application"\n'
            'run_worker_first = ["/api/*", "!/api/docs/*"]\n',
        ),
        "src/index.js": worker("const api = true;"),
        "public/index.html": "<h1>shop</h1>\n",
        "public/about/index.html": "<h1>about</h1>\n",
        "public/css/site.css": "body{}\n",
        "public/data/items.json": '{"items": []}\n',
        "public/_headers": "/*\n  X-Frame-Options: DENY\n",
        "public/_redirects": "/old / 301\n",
        "public/.assetsignore": "*.map\n",
        "public/app.js.map": "{}",
    },
    steps=(Step(), Step(files={"public/css/site.css": "body{margin:0}\n"})),
    check=_check_assets,
)


# a secret put between two deploys outlives the second one


def _check_secret_kept(views: Sequence[View]) -> None:
    # Neither tool sends keep_bindings here; the Worker's secrets stay, as they always have.
    [secret] = [b for b in views[1]["workers"]["keeper"]["bindings"] if b["name"] == "API_TOKEN"]
    assert secret == {"name": "API_TOKEN", "type": "secret_text", "text": "s3cr3t"}


SECRET_OUTLIVES_REDEPLOY = Project(
    "secret-outlives-redeploy",
    files={"wrangler.toml": toml("keeper", '[vars]\nMODE = "live"\n'), "src/index.js": worker()},
    steps=(Step(), Step(before=lambda api: api.put_secret("keeper", "API_TOKEN", "s3cr3t"))),
    check=_check_secret_kept,
)


# the project the conformance test started with

BASIC_TOML = """\
name = "conformance"
main = "src/index.js"
compatibility_date = "2026-11-01"
compatibility_flags = ["nodejs_compat"]
workers_dev = true
routes = [{ pattern = "example.com/conformance/*", zone_name = "example.com" }]
find_additional_modules = true

[vars]
GREETING = "hello"
SETTINGS = { retries = 3, regions = ["eu", "us"] }

[[kv_namespaces]]
binding = "CACHE"
id = "0123456789abcdef0123456789abcdef"

[[services]]
binding = "AUTH"
service = "auth-worker"
"""

BASIC = Project(
    "basic",
    files={
        "wrangler.toml": BASIC_TOML,
        "src/index.js": (
            'import add from "./lib/add.wasm";\n'
            'import banner from "./banner.txt";\n'
            "export default {\n"
            "  async fetch(request, env) { return new Response(banner + env.GREETING); },\n"
            "};\n"
        ),
        "src/banner.txt": "Welcome!\n",
        "src/lib/add.wasm": WASM,
    },
    # The modules input says what the rules find anyway (it adds nothing).
    inputs={"no_bundle": "true", "modules": "src/**/*.txt\nsrc/**/*.wasm"},
    check=lambda views: _basic_parts(views[0]),
)


def _basic_parts(view: View) -> None:
    assert set(view["workers"]["conformance"]["parts"]) == {
        "index.js",
        "banner.txt",
        "lib/add.wasm",
    }


# --- the normalised view ----------------------------------------------------------------


def normalised(state: State) -> View:
    """What an emulator holds after a deploy, in a form two tools' results can be compared in:
    every Worker of the demo account (the deployed version's parts with their content types
    and bytes, its metadata and stored bindings, the number of versions and deployments, the
    latest deployment's percentages, script settings, workers.dev and previews, schedules,
    migration tag and Durable Object classes, routes, custom domains), the KV namespaces, D1
    databases and R2 buckets, the queues with their consumers, and the Workflows.

    Left out, because it is random or says which tool made it, and nothing else:

    * identifiers the API mints: script tags, version and deployment IDs, route, custom
      domain, queue, consumer and Workflow IDs. A binding's KV namespace ID or D1 database
      ID becomes ``<kv TITLE>`` / ``<d1 NAME>``, and routes and domains name their zone:
      provisioning creates resources with random IDs, so they are compared by name;
    * an assets upload's completion token (minted per session; the manifest, the config
      and the stored files' content types are compared instead);
    * etags and timestamps (``created_on``, ``modified_on``, ``created_at``,
      ``creation_date``);
    * the annotations the emulator puts on versions (``workers/triggered_by``: which
      endpoint made the version, and wrangler re-deploys through ``POST …/versions`` where
      cfaction PUTs the script) and the deployments' own fields (annotations, source,
      author): wrangler's deployment carries ``{"workers/message": undefined}``, i.e. ``{}``;
    * ``package_dependencies`` entries naming wrangler itself (wrangler reports its own
      package when the project depends on it); the field goes when nothing else is left;
    * whether "observability off" is spelled out: a Worker without observability has it
      off, and cfaction sends ``{"enabled": false}`` for a config without it on every
      deploy (wrangler PATCHes that on a re-deploy and sends nothing on a first one), so an
      absent observability reads as ``{"enabled": false}``, in the metadata and the settings;
    * order where the API gives it no meaning: bindings (keyed by name), routes, custom
      domains and a queue's consumers are sorted.

    The metadata's ``bindings`` are not compared as sent: the stored bindings are (with
    ``inherit`` resolved and kept bindings merged), which is what the Worker runs with.
    """
    with state.lock:
        kv_titles = {n.id: n.title for n in state.kv_namespaces.values()}
        d1_names = {d.uuid: d.name for d in state.d1_databases.values()}
        zone_names = {z.id: z.name for z in state.zones.values()}
        workers = {
            name: _script_view(state, script, kv_titles, d1_names, zone_names)
            for (account, name), script in sorted(state.workers.items())
            if account == DEMO_ACCOUNT_ID
        }
        queues = {
            queue.queue_name: {
                "settings": dict(queue.settings),
                "consumers": [
                    {
                        "type": c.type,
                        "script": c.script,
                        "environment": c.environment,
                        "dead_letter_queue": c.dead_letter_queue,
                        "settings": dict(c.settings),
                    }
                    for c in sorted(queue.consumers, key=lambda c: (c.type, c.script or ""))
                ],
            }
            for queue in sorted(state.queues.values(), key=lambda q: q.queue_name)
        }
        return {
            "workers": workers,
            "kv_namespaces": sorted(kv_titles.values()),
            "d1_databases": sorted(d1_names.values()),
            "r2_buckets": sorted(
                [b.name, b.location, b.storage_class] for b in state.r2_buckets.values()
            ),
            "queues": queues,
            "dispatch_namespaces": sorted(
                n.namespace_name for n in state.dispatch_namespaces.values()
            ),
            "workflows": {
                w.name: {
                    "script_name": w.script_name,
                    "class_name": w.class_name,
                    "limits": w.limits,
                    "schedules": w.schedules,
                }
                for w in sorted(state.workflows.values(), key=lambda w: w.name)
            },
        }


def _script_view(
    state: State,
    script: WorkerScript,
    kv_titles: Mapping[str, str],
    d1_names: Mapping[str, str],
    zone_names: Mapping[str, str],
) -> View:
    version = script.deployed_version()
    deployment = script.latest_deployment()
    assert version is not None and deployment is not None, f"{script.name} is not deployed"
    metadata = {k: v for k, v in version.metadata.items() if k != "bindings"}
    dependencies = [
        d for d in metadata.pop("package_dependencies", None) or [] if d.get("name") != "wrangler"
    ]
    if dependencies:
        metadata["package_dependencies"] = dependencies
    if isinstance(metadata.get("assets"), dict):
        # The completion token is minted per upload session; what it stands for is compared.
        metadata["assets"] = {k: v for k, v in metadata["assets"].items() if k != "jwt"}
    assets = None
    if version.assets is not None:
        stored = {
            entry.hash: state.assets.file(script.account_id, entry.hash)
            for entry in version.assets.manifest.values()
        }
        assets = {
            "manifest": {p: [e.hash, e.size] for p, e in sorted(version.assets.manifest.items())},
            "config": version.assets.config,
            "content_types": {h: f.content_type if f else None for h, f in sorted(stored.items())},
        }
    settings = dict(script.settings)
    for fields in (metadata, settings):
        if fields.get("observability") is None:
            fields["observability"] = OBSERVABILITY_OFF
    return {
        "parts": {m.name: [m.content_type, m.content] for m in version.modules},
        "assets": assets,
        "metadata": metadata,
        "bindings": sorted(
            (_binding(b, kv_titles, d1_names) for b in version.bindings),
            key=lambda b: str(b["name"]),
        ),
        "versions": len(script.versions),
        "deployments": len(script.deployments),
        "deployed": sorted(float(v["percentage"]) for v in deployment.versions),
        "settings": settings,
        "subdomain": {
            "enabled": script.subdomain.enabled,
            "previews_enabled": script.subdomain.previews_enabled,
        },
        "schedules": [s["cron"] for s in script.schedules],
        "migration_tag": script.migration_tag,
        "durable_object_classes": dict(script.durable_object_classes),
        "routes": sorted(
            [r.pattern, zone_names.get(r.zone_id, r.zone_id)]
            for r in state.worker_routes_of(script.name)
        ),
        "custom_domains": sorted(
            [d.hostname, d.zone_name, d.environment]
            for d in state.worker_domains.values()
            if d.service == script.name and d.account_id == script.account_id
        ),
    }


def _binding(
    binding: Mapping[str, Any], kv_titles: Mapping[str, str], d1_names: Mapping[str, str]
) -> dict[str, Any]:
    result = dict(binding)
    if result.get("type") == "kv_namespace" and result.get("namespace_id") in kv_titles:
        result["namespace_id"] = f"<kv {kv_titles[result['namespace_id']]}>"
    if result.get("type") == "d1" and result.get("id") in d1_names:
        result["id"] = f"<d1 {d1_names[result['id']]}>"
    return result


def differences(theirs: Any, ours: Any, path: str = "") -> list[str]:
    """Every leaf where two views differ, as ``path: wrangler … / cfaction …`` lines."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        found = []
        for key in sorted(set(theirs) | set(ours), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in ours:
                found.append(f"{where}: wrangler {theirs[key]!r} / cfaction (absent)")
            elif key not in theirs:
                found.append(f"{where}: wrangler (absent) / cfaction {ours[key]!r}")
            else:
                found += differences(theirs[key], ours[key], where)
        return found
    if isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        found = []
        for index, (a, b) in enumerate(zip(theirs, ours, strict=True)):
            found += differences(a, b, f"{path}[{index}]")
        return found
    return [] if theirs == ours else [f"{path}: wrangler {theirs!r} / cfaction {ours!r}"]
