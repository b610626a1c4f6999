"""Real wrangler (``wrangler deploy --no-bundle``, the version tests/harness/wrangler.py
pins) against the emulator, with a project that uses what the emulator checks: Durable
Object migrations, KV, R2 and D1 bindings, a queue producer and consumer, cron triggers, a
Workflow and script settings. The first deploy takes the script PUT path (migrations), the
second the versions path (nothing pending), the third the PUT path again (a new tag).

Skipped when npm is missing; wrangler is installed from npm on first use and cached.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_KV_NAMESPACE_ID, DEMO_TOKEN, demo_state
from cfemu.runner import write_files
from tests.emulator.helpers import Client, assert_ok
from tests.harness.wrangler import Wrangler, deploy, installed_wrangler

pytestmark = pytest.mark.e2e

CONFIG = """\
name = "full"
main = "src/index.js"
compatibility_date = "2026-11-01"
workers_dev = true
logpush = true
tail_consumers = [{ service = "tailer" }]

[triggers]
crons = ["*/5 * * * *", "0 0 * JAN-JUN FRI"]

[observability]
enabled = true
head_sampling_rate = 0.5

[placement]
mode = "smart"

[limits]
cpu_ms = 50

[[durable_objects.bindings]]
name = "ROOM"
class_name = "Room"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]

[[kv_namespaces]]
binding = "CACHE"
id = "%(kv)s"

[[r2_buckets]]
binding = "FILES"
bucket_name = "files"

[[d1_databases]]
binding = "DB"
database_name = "db"
database_id = "%(d1)s"

[[queues.producers]]
binding = "JOBS"
queue = "jobs"

[[queues.consumers]]
queue = "jobs"
max_batch_size = 5
max_batch_timeout = 3
max_retries = 4
dead_letter_queue = "jobs-dlq"

[[workflows]]
binding = "FLOW"
name = "flow"
class_name = "Flow"
"""
SECOND_MIGRATION = '\n[[migrations]]\ntag = "v2"\nnew_classes = ["Lobby"]\n'
SOURCE = """\
import { DurableObject, WorkflowEntrypoint } from "cloudflare:workers";
export class Room extends DurableObject {}
export class Lobby extends DurableObject {}
export class Flow extends WorkflowEntrypoint { async run() {} }
export default {
  async fetch() { return new Response("hi"); },
  async queue() {},
  async scheduled() {},
};
"""


@pytest.fixture(scope="module")
def wrangler() -> Wrangler:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so wrangler cannot be installed")
    return installed_wrangler()


def test_real_wrangler_deploys_a_project_using_every_checked_feature(
    wrangler: Path, tmp_path: Path
) -> None:
    state = demo_state()
    database = state.add_d1_database(DEMO_ACCOUNT_ID, "db")
    state.add_r2_bucket(DEMO_ACCOUNT_ID, "files")
    jobs = state.add_queue(DEMO_ACCOUNT_ID, "jobs")
    config = CONFIG % {"kv": DEMO_KV_NAMESPACE_ID, "d1": database.uuid}
    project = tmp_path / "project"
    home = tmp_path / "home"
    home.mkdir()
    write_files(project, {"wrangler.toml": config, "src/index.js": SOURCE})

    with Emulator(state) as emu:
        client = Client(emu.base_url, DEMO_TOKEN)
        assert_ok(client.upload("tailer", account=DEMO_ACCOUNT_ID))
        client.close()
        for round_ in range(3):
            if round_ == 2:
                write_files(project, {"wrangler.toml": config + SECOND_MIGRATION})
            emu.log.clear()
            run = deploy(wrangler, project, emu.base_url, home)
            assert run.returncode == 0, run.stdout + run.stderr
            calls = [(r.method, r.path.rsplit("/full", 1)[-1]) for r in emu.log.snapshot()]
            script = state.worker(DEMO_ACCOUNT_ID, "full")
            if round_ == 0:
                assert ("PUT", "") in calls
                assert script.migration_tag == "v1"
            if round_ == 1:
                assert ("POST", "/versions") in calls and ("PUT", "") not in calls
                assert script.migration_tag == "v1"

        assert script.migration_tag == "v2"
        assert script.durable_object_classes == {
            "Room": {"sqlite": True},
            "Lobby": {"sqlite": False},
        }
        assert [s["cron"] for s in script.schedules] == ["*/5 * * * *", "0 0 * JAN-JUN FRI"]
        assert script.settings["logpush"] is True
        assert script.settings["tail_consumers"] == [{"service": "tailer"}]
        version = script.deployed_version()
        assert version is not None
        assert version.metadata["placement"] == {"mode": "smart"}
        assert version.metadata["limits"] == {"cpu_ms": 50}
        bindings = {b["name"]: b["type"] for b in script.bindings()}
        assert bindings == {
            "ROOM": "durable_object_namespace",
            "FLOW": "workflow",
            "CACHE": "kv_namespace",
            "FILES": "r2_bucket",
            "DB": "d1",
            "JOBS": "queue",
        }
        [consumer] = jobs.consumers
        assert (consumer.script, consumer.dead_letter_queue) == ("full", "jobs-dlq")
        assert consumer.settings["batch_size"] == 5
        assert consumer.settings["max_wait_time_ms"] == 3000
        assert state.queue_named(DEMO_ACCOUNT_ID, "jobs-dlq") is not None
        workflow = state.workflows[(DEMO_ACCOUNT_ID, "flow")]
        assert (workflow.script_name, workflow.class_name) == ("full", "Flow")
        assert script.subdomain.enabled is True


def test_real_wrangler_is_refused_a_binding_to_a_class_without_migration(
    wrangler: Path, tmp_path: Path
) -> None:
    config = (
        'name = "nomig"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n'
        '[[durable_objects.bindings]]\nname = "ROOM"\nclass_name = "Room"\n'
    )
    project = tmp_path / "project"
    home = tmp_path / "home"
    home.mkdir()
    write_files(project, {"wrangler.toml": config, "src/index.js": SOURCE})

    with Emulator(demo_state()) as emu:
        run = deploy(wrangler, project, emu.base_url, home)

        assert run.returncode != 0
        assert "[code: 10061]" in run.stdout + run.stderr
        assert (DEMO_ACCOUNT_ID, "nomig") not in emu.state.workers
