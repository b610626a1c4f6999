"""The call budget of a full Worker: a Durable Object with its migration, a cron, a queue
consumer, a route and a custom domain, first deployed and then re-deployed. cfaction's
requests are asserted exactly, and for each kind of trigger cfaction makes at most the calls
real wrangler (``wrangler deploy --no-bundle``, tests/harness/wrangler.py) makes for it,
against the same emulator state."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from cfemu import Emulator, LoggedRequest, State
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, demo_state
from cfemu.runner import run_step, write_files
from tests.harness.wrangler import Wrangler, deploy, installed_wrangler

pytestmark = pytest.mark.e2e

ACCOUNT = f"/accounts/{DEMO_ACCOUNT_ID}"
SCRIPT = f"{ACCOUNT}/workers/scripts/full"
CONFIG = """\
name = "full"
main = "src/index.js"
compatibility_date = "2026-11-01"
no_bundle = true
routes = [
  { pattern = "example.com/full/*", zone_name = "example.com" },
  { pattern = "full.example.com", custom_domain = true },
]

[triggers]
crons = ["*/5 * * * *"]

[[durable_objects.bindings]]
name = "ROOM"
class_name = "Room"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]

[[queues.consumers]]
queue = "jobs"
max_batch_size = 5
"""
SOURCE = """\
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {}
export default {
  async fetch() { return new Response("hi"); },
  async queue() {},
  async scheduled() {},
};
"""
PROJECT: dict[str, str | bytes] = {"wrangler.toml": CONFIG, "src/index.js": SOURCE}


def fresh_state() -> State:
    state = demo_state()
    state.add_queue(DEMO_ACCOUNT_ID, "jobs")
    return state


def calls(log: list[LoggedRequest]) -> list[str]:
    return [f"{r.method} {r.path}" for r in log]


def kind(call: str) -> str:
    """Which step a request belongs to, for the per-kind comparison with wrangler."""
    method, path = call.split(" ", 1)
    for suffix, name in (
        ("/schedules", "crons"),
        ("/routes", "routes"),
        ("/domains/records", "custom domains"),
        ("/domains/changeset", "custom domains"),
        ("/subdomain", "workers.dev"),
    ):
        if path.endswith(suffix):
            return name
    if "/queues" in path:
        return "queue consumers"
    if path.startswith("/zones"):
        return "zones"
    if path == SCRIPT or path.startswith(f"{SCRIPT}/versions") or "/deployments" in path:
        return "upload"
    return f"other {method} {path}"


@pytest.fixture(scope="module")
def wrangler() -> Wrangler:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so wrangler cannot be installed to compare with")
    return installed_wrangler()


def cfaction_deploys(emulator: Emulator) -> list[list[str]]:
    rounds = []
    for _ in range(2):
        emulator.log.clear()
        run = run_step(
            {
                "operation": "worker",
                "api_token": DEMO_TOKEN,
                "account_id": DEMO_ACCOUNT_ID,
                "api_base_url": emulator.base_url,
                "config": "wrangler.toml",
            },
            files=PROJECT,
        )
        assert run.exit_code == 0, run.stdout
        rounds.append(calls(emulator.log.snapshot()))
    return rounds


def test_a_full_worker_costs_the_exact_calls_on_first_deploy_and_redeploy() -> None:
    with Emulator(fresh_state()) as emulator:
        first, second = cfaction_deploys(emulator)
        script = emulator.state.worker(DEMO_ACCOUNT_ID, "full")
        assert script.migration_tag == "v1"
        assert "migrations" in script.versions[0].metadata
        assert "migrations" not in script.versions[1].metadata
        queue = emulator.state.queue_named(DEMO_ACCOUNT_ID, "jobs")
        (consumer,) = queue.consumers

    reads = [
        "GET /zones",  # the route's zone, by name
        f"GET {ACCOUNT}/workers/services/full",  # the migration tag
        f"GET {ACCOUNT}/queues",  # the consumer's queue: id and consumers
    ]
    assert first == [
        *reads,
        f"PUT {SCRIPT}",  # upload + deploy, with the migration
        f"GET {SCRIPT}/deployments",  # the deployment it made, the version it replaced
        f"POST {SCRIPT}/subdomain",  # workers.dev off: routes exist
        f"PUT {SCRIPT}/routes",
        f"PUT {SCRIPT}/domains/records",
        f"PUT {SCRIPT}/schedules",
        f"POST {ACCOUNT}/queues/{queue.queue_id}/consumers",
    ]
    # Re-deploy: the migration is at its tag (none sent), the consumer is updated in place.
    assert second == [
        *first[:-1],
        f"PUT {ACCOUNT}/queues/{queue.queue_id}/consumers/{consumer.consumer_id}",
    ]


def test_each_trigger_kind_costs_at_most_what_wrangler_spends_on_it(
    wrangler: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    write_files(project, PROJECT)
    home = tmp_path / "home"
    home.mkdir()
    by_wrangler: list[Counter[str]] = []
    with Emulator(fresh_state()) as emulator:
        for _ in range(2):
            emulator.log.clear()
            done = deploy(wrangler, project, emulator.base_url, home)
            assert done.returncode == 0, done.stdout + done.stderr
            by_wrangler.append(Counter(kind(c) for c in calls(emulator.log.snapshot())))
    with Emulator(fresh_state()) as emulator:
        by_cfaction = [Counter(kind(c) for c in round_) for round_ in cfaction_deploys(emulator)]

    for ours, theirs in zip(by_cfaction, by_wrangler, strict=True):
        for step in (
            "upload",
            "workers.dev",
            "routes",
            "custom domains",
            "crons",
            "queue consumers",
        ):
            assert ours[step] <= theirs[step], (step, ours, theirs)
        assert sum(ours.values()) < sum(theirs.values())
