"""Workers cfaction publishes boot and answer: the emulator starts every uploaded version in
workerd (the open-source Workers runtime, installed from npm by tests/harness/workerd.py)
and refuses one that fails to start with 10021, as Cloudflare does. This is where module
types matter: a CommonJS module uploaded as an ES module, or a Data module uploaded as
Text, is not the same Worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, demo_state
from cfemu.runner import StepResult, run_step
from cfemu.workerd import serve
from tests.harness.workerd import workerd_binary

pytestmark = pytest.mark.e2e

ENTRY = """\
import greeting from "./greeting.txt";
import blob from "./blob.bin";
import helper from "./lib/helper.cjs";
export default {
  async fetch() {
    const kind = blob instanceof ArrayBuffer ? "ArrayBuffer" : typeof blob;
    return new Response(`${greeting}|${kind}:${blob.byteLength}|${helper.shout("hi")}`);
  },
};
"""
HELPER = "module.exports = { shout: (text) => text.toUpperCase() + '!' };\n"


def project(
    rules: str = 'rules = [{ type = "CommonJS", globs = ["**/*.cjs"] }]',
) -> dict[str, str | bytes]:
    return {
        "wrangler.toml": (
            'name = "runtime"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n'
            f"no_bundle = true\nworkers_dev = false\n{rules}\n"
        ),
        "src/index.js": ENTRY,
        "src/greeting.txt": "hello",
        "src/blob.bin": b"\x00\x01\x02\x03",
        "src/lib/helper.cjs": HELPER,
    }


@pytest.fixture(scope="module")
def workerd() -> Path:
    return workerd_binary()


@pytest.fixture
def emulator(workerd: Path) -> Iterator[Emulator]:
    with Emulator(demo_state(), workerd=workerd) as emu:
        yield emu


def publish(emulator: Emulator, files: dict[str, str | bytes]) -> StepResult:
    return run_step(
        {
            "operation": "worker",
            "api_token": DEMO_TOKEN,
            "account_id": DEMO_ACCOUNT_ID,
            "api_base_url": emulator.base_url,
            "max_retries": "0",
            "config": "wrangler.toml",
        },
        files=files,
    )


def test_the_published_worker_boots_and_answers_with_every_module_type(
    emulator: Emulator, workerd: Path
) -> None:
    run = publish(emulator, project())

    assert run.exit_code == 0, run.stdout
    version = emulator.state.worker(DEMO_ACCOUNT_ID, "runtime").deployed_version()
    assert {m.name: m.content_type for m in version.modules} == {
        "index.js": "application/javascript+module",
        "greeting.txt": "text/plain",
        "blob.bin": "application/octet-stream",
        "lib/helper.cjs": "application/javascript",
    }
    with serve(workerd, version) as worker:
        status, _, body = worker.get("/")
    assert (status, body) == (200, b"hello|ArrayBuffer:4|HI!")


def test_a_commonjs_module_uploaded_as_an_es_module_is_refused_at_upload(
    emulator: Emulator,
) -> None:
    run = publish(emulator, project('rules = [{ type = "ESModule", globs = ["**/*.cjs"] }]'))

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert error.properties["title"] == "Cloudflare error 10021"
    assert "does not provide an export named 'default'" in error.data
    assert [r.path for r in emulator.log if r.method != "GET"] == [
        f"/accounts/{DEMO_ACCOUNT_ID}/workers/scripts/runtime"
    ]
    assert "nothing was published" in run.summary


def test_a_text_rule_without_fallthrough_drops_the_default_text_rule_as_wrangler_does(
    emulator: Emulator,
) -> None:
    run = publish(emulator, project('rules = [{ type = "Text", globs = ["**/*.bin"] }]'))

    assert run.exit_code == 1
    warning = run.annotations("warning")[0].data
    assert (
        'The module rule {"type":"Text","globs":["**/*.bin"]} does not have a fallback' in warning
    )
    (error,) = run.annotations("error")
    assert 'No such module "greeting.txt"' in error.data


def test_a_data_module_uploaded_as_text_is_a_different_worker(
    emulator: Emulator, workerd: Path
) -> None:
    rules = (
        'rules = [{ type = "CommonJS", globs = ["**/*.cjs"] },'
        ' { type = "Text", globs = ["**/*.bin"], fallthrough = true }]'
    )
    run = publish(emulator, project(rules))

    assert run.exit_code == 0, run.stdout
    # The Text rule matched first; the default Data rule's match is dropped, as in wrangler.
    assert [w.data for w in run.annotations("warning")] == [
        "config wrangler.toml: Ignoring duplicate module: blob.bin (Data)"
    ]
    version = emulator.state.worker(DEMO_ACCOUNT_ID, "runtime").deployed_version()
    assert version.module("blob.bin").content_type == "text/plain"
    with serve(workerd, version) as worker:
        status, _, body = worker.get("/")
    assert status == 200
    assert b"|string:undefined|" in body
