"""The built Docker image, run exactly as the GitHub runner runs a container action
(github-actions-contract.md §2.1): ``docker run --rm --workdir /github/workspace``, every
declared input as ``INPUT_*`` (``""`` when it has no default), the ``GITHUB_*`` variables
with container paths, and the runner's five mounts: ``run_container_step`` in
cfemu/runner.py. The emulator listens on the host's loopback and the
container shares the host network.

The released ``action.yml`` (``scripts/release_action``: ``image: docker://…``) runs too,
against the built image tagged as a release would name it (:func:`run_action_step`).

Run it with ``scripts/container test``, which starts an engine, builds the image and sets
``CFACTION_IMAGE``; plain ``scripts/test`` deselects these tests (marker ``container``).
Without an engine they skip with the reason, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cfemu import Emulator
from cfemu.demo import (
    DEMO_ACCOUNT_ID,
    DEMO_TOKEN,
    DEMO_ZONE_ID,
    demo_state,
)
from cfemu.runner import REPO_ROOT, run_action_step, run_container_step
from tests.harness.bundler import BUNDLER

pytestmark = pytest.mark.container

IMAGE = os.environ.get("CFACTION_IMAGE", "cfaction:test")
RELEASED = "ghcr.io/cfaction-test/cfaction:0.0.0-local"
"""The name the built image is tagged with locally, as the release workflow names the image
(only on the engine: nothing is pushed)."""


def unavailable(reason: str) -> None:
    """Fail in CI, where the engine must work; skip with the reason elsewhere."""
    message = f"{reason} (run scripts/container test)"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def image() -> str:
    reason = os.environ.get("CFACTION_CONTAINER_UNAVAILABLE", "")
    if reason:
        unavailable(reason)
    try:
        found = subprocess.run(
            ["docker", "image", "inspect", IMAGE],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        unavailable(f"docker did not answer: {error}")
    if found.returncode != 0:
        unavailable(f"no image {IMAGE}: {found.stderr.strip()}")
    return IMAGE


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(demo_state()) as emu:
        yield emu


def api(emulator: Emulator, **inputs: str) -> dict[str, str]:
    return {"api_base_url": emulator.base_url, "max_retries": "2", **inputs}


def test_verify(image: str, emulator: Emulator, tmp_path: Path) -> None:
    run = run_container_step(
        image,
        api(emulator, operation="verify", zone="www.example.com", api_token=DEMO_TOKEN),
        root=tmp_path,
    )

    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.outputs["token_status"] == "active"
    assert run.outputs["zone_id"] == DEMO_ZONE_ID
    assert run.outputs["zone_name"] == "example.com"
    assert run.outputs["account_id"] == DEMO_ACCOUNT_ID
    assert run.outputs["api_calls"] == "3"
    assert run.result()["ok"] is True
    assert "cfaction verify" in run.summary and "example.com" in run.summary
    assert run.annotations("error") == []


def test_purge(image: str, emulator: Emulator, tmp_path: Path) -> None:
    run = run_container_step(
        image,
        api(
            emulator,
            operation="purge",
            zone="www.example.com",
            api_token=DEMO_TOKEN,
            files="/index.html\n/blog/\nhttps://www.example.com/feed.xml",
            tags="release-1",
        ),
        root=tmp_path,
    )

    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.outputs["purged"] == "4"
    assert run.outputs["batches"] == "2"
    assert json.loads(run.outputs["zones"]) == [{"id": DEMO_ZONE_ID, "name": "example.com"}]
    assert len(json.loads(run.outputs["purge_ids"])) == 2
    purged = [r.json for r in emulator.log if r.path.endswith("/purge_cache")]
    assert purged == [
        {
            "files": [
                "https://www.example.com/index.html",
                "https://www.example.com/blog/",
                "https://www.example.com/feed.xml",
            ]
        },
        {"tags": ["release-1"]},
    ]
    assert "purge" in run.summary and "example.com" in run.summary


def test_dns_from_a_records_file_then_a_rerun_changes_nothing(
    image: str, emulator: Emulator, tmp_path: Path
) -> None:
    # `records` as a path in the workspace: read through the /github/workspace mount.
    files = {
        "dns/records.yml": (
            "- {type: A, name: app, content: 192.0.2.20, proxied: true}\n"
            "- {type: TXT, name: '@', content: \"verify=abc123\"}\n"
        )
    }
    inputs = api(
        emulator,
        operation="dns",
        zone="example.com",
        api_token=DEMO_TOKEN,
        records="dns/records.yml",
    )

    first = run_container_step(image, inputs, files=files, root=tmp_path / "first")
    second = run_container_step(image, inputs, files=files, root=tmp_path / "second")

    assert first.exit_code == 0, first.stdout + first.stderr
    assert (first.outputs["created"], first.outputs["unchanged"]) == ("2", "0")
    names = {(r["type"], r["name"]) for r in json.loads(first.outputs["records"])}
    assert names == {("A", "app.example.com"), ("TXT", "example.com")}
    assert second.exit_code == 0, second.stdout + second.stderr
    assert (second.outputs["created"], second.outputs["updated"]) == ("0", "0")
    assert second.outputs["unchanged"] == "2"
    assert "dns" in first.summary and "app.example.com" in first.summary


def test_worker_from_a_project_in_the_workspace(
    image: str, emulator: Emulator, tmp_path: Path
) -> None:
    project: dict[str, str | bytes] = {
        "wrangler.toml": (
            'name = "hello"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n'
            '[vars]\nGREETING = "world"\n'
        ),
        "src/index.js": (
            'import greeting from "./greeting.txt";\n'
            "export default { async fetch() { return new Response(greeting); } };\n"
        ),
        "src/greeting.txt": "hello ",
        "src/add.wasm": b"\x00asm\x01\x00\x00\x00",
    }
    run = run_container_step(
        image,
        api(
            emulator,
            operation="worker",
            config="wrangler.toml",
            no_bundle="true",
            modules="src/*.txt\nsrc/*.wasm",
            secrets="API_KEY=s3cret-value",
            api_token=DEMO_TOKEN,
            account_id=DEMO_ACCOUNT_ID,
        ),
        files=project,
        root=tmp_path,
    )

    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.outputs["script_name"] == "hello"
    assert run.outputs["url"] == "https://hello.demo-account.workers.dev"
    script = emulator.state.worker(DEMO_ACCOUNT_ID, "hello")
    assert run.outputs["version_id"] == script.deployed_version().id
    assert set(script.modules()) == {"index.js", "greeting.txt", "add.wasm"}
    assert script.secret_value("API_KEY") == "s3cret-value"
    assert "s3cret-value" in run.masks
    assert "s3cret-value" not in "\n".join(run.log_lines()) + run.summary
    assert "hello" in run.summary


def test_a_typescript_worker_is_bundled_with_the_images_esbuild(
    image: str, emulator: Emulator, tmp_path: Path
) -> None:
    # Bundling is the default: the image's esbuild runs, and nodejs_compat makes cfaction
    # check the polyfills at CFACTION_UNENV_DIR (at this date node:buffer stays external).
    project: dict[str, str | bytes] = {
        "wrangler.toml": (
            'name = "hello"\nmain = "src/index.ts"\ncompatibility_date = "2026-11-01"\n'
            'compatibility_flags = ["nodejs_compat"]\n'
        ),
        "src/index.ts": (
            'import { Buffer } from "node:buffer";\n'
            'import greeting from "./greeting.txt";\n'
            "export default {\n"
            "  async fetch(): Promise<Response> {\n"
            '    return new Response(greeting + Buffer.from("hi").toString("base64"));\n'
            "  },\n"
            "};\n"
        ),
        "src/greeting.txt": "hello ",
    }
    run = run_container_step(
        image,
        api(
            emulator,
            operation="worker",
            config="wrangler.toml",
            api_token=DEMO_TOKEN,
            account_id=DEMO_ACCOUNT_ID,
        ),
        files=project,
        root=tmp_path,
    )

    assert run.exit_code == 0, run.stdout + run.stderr
    modules = emulator.state.worker(DEMO_ACCOUNT_ID, "hello").modules()
    text = [m for name, m in modules.items() if name.endswith("greeting.txt")]
    assert sorted(modules) == sorted(["index.js", *(m.name for m in text)]) and len(text) == 1
    assert text[0].content == b"hello "
    script = modules["index.js"].content.decode()
    assert 'from "node:buffer"' in script and text[0].name in script
    assert "Promise<Response>" not in script


def test_a_bad_input_fails_the_step_before_any_call(
    image: str, emulator: Emulator, tmp_path: Path
) -> None:
    run = run_container_step(
        image,
        api(emulator, operation="purge", zone="example.com", api_token=DEMO_TOKEN),
        root=tmp_path,
    )

    assert run.exit_code == 1
    assert run.annotations("error"), run.stdout + run.stderr
    assert list(emulator.log) == []
    assert run.result()["ok"] is False


def test_the_image_holds_only_what_the_action_runs(image: str) -> None:
    probe = (
        "import importlib.util, os, shutil, sys\n"
        "sys.path.insert(0, '/app')\n"
        "print(sorted(os.listdir('/app')))\n"
        "print(importlib.util.find_spec('cfemu') is None)\n"
        "print([t for t in ('gcc', 'cc', 'make') if shutil.which(t)])\n"
        "print([os.path.join(d, n) for d, _, files in os.walk('/app') for n in files\n"
        "       if n.endswith('.py') and d != '/app'\n"
        "       and not os.path.exists(importlib.util.cache_from_source(os.path.join(d, n)))])\n"
        "print(os.path.exists('/tmp/requirements.txt'), os.path.exists('/root/.cache/pip'))\n"
    )
    completed = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "/usr/local/bin/python", image, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "['cfaction', 'entrypoint.py']",
        "True",
        "[]",
        "[]",
        "False False",
    ]


def test_the_image_has_what_bundling_needs_and_no_node(image: str) -> None:
    pinned = json.loads((BUNDLER / "package.json").read_text(encoding="utf-8"))["dependencies"]
    esbuild = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "/opt/cfaction/esbuild", image, "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    probe = (
        "import json, os, shutil\n"
        "modules = os.environ['CFACTION_UNENV_DIR']\n"
        "print(os.environ['ESBUILD_BINARY_PATH'], modules)\n"
        "for name in ('@cloudflare/unenv-preset', 'unenv', 'pathe'):\n"
        "    with open(os.path.join(modules, name, 'package.json')) as file:\n"
        "        print(name, json.load(file)['version'])\n"
        "print(os.path.isfile(os.path.join(modules, 'unenv', 'lib', 'mock.cjs')))\n"
        "print([t for t in ('node', 'nodejs', 'npm', 'npx') if shutil.which(t)])\n"
        "print(sorted(os.path.join(d, n) for top in ('/usr', '/opt', '/bin', '/root')\n"
        "             for d, _, files in os.walk(top) for n in files\n"
        "             if n in ('node', 'nodejs') or n.endswith(('.d.ts', '.d.mts', '.map'))))\n"
    )
    completed = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "/usr/local/bin/python", image, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (esbuild.returncode, esbuild.stdout.strip()) == (0, pinned["esbuild"]), esbuild.stderr
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == "/opt/cfaction/esbuild /opt/cfaction/bundler/node_modules"
    assert lines[1:3] == [
        f"@cloudflare/unenv-preset {pinned['@cloudflare/unenv-preset']}",
        f"unenv {pinned['unenv']}",
    ]
    assert lines[3].startswith("pathe ")
    assert lines[4:] == ["True", "[]", "[]"]


def test_a_purge_in_the_image_compiles_no_module(
    image: str, emulator: Emulator, tmp_path: Path
) -> None:
    # The image carries the bytecode of every module a run imports (the Dockerfile's
    # warm-up): with PYTHONVERBOSE, a module compiled from source logs
    # "# code object from /path/module.py" (a .pyc logs its quoted __pycache__ path).
    run = run_container_step(
        image,
        api(
            emulator,
            operation="purge",
            zone="www.example.com",
            api_token=DEMO_TOKEN,
            files="/index.html",
        ),
        env={"PYTHONVERBOSE": "1"},
        root=tmp_path,
    )

    assert run.exit_code == 0, run.stdout + run.stderr
    assert "# code object from '" in run.stderr, "PYTHONVERBOSE did not reach the container"
    compiled = re.findall(r"^# code object from (/\S+\.py)$", run.stderr, flags=re.MULTILINE)
    assert compiled == []


@pytest.fixture
def released_action(image: str, tmp_path: Path) -> Iterator[Path]:
    """The action.yml a release makes, naming the built image by a release-like tag."""
    subprocess.run(["docker", "tag", image, RELEASED], check=True, timeout=60)
    out = tmp_path / "released" / "action.yml"
    out.parent.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "release_action"),
            "--image",
            RELEASED,
            "--output",
            str(out),
            str(REPO_ROOT / "action.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    try:
        yield out
    finally:
        subprocess.run(["docker", "rmi", RELEASED], capture_output=True, timeout=60, check=False)


def test_the_released_action_yml_runs_the_prebuilt_image(
    released_action: Path, emulator: Emulator, tmp_path: Path
) -> None:
    # As `uses: owner/cfaction@v1` after a release: the runner reads the released
    # action.yml (its inputs and defaults) and runs the image it names, no build.
    assert f"image: docker://{RELEASED}" in released_action.read_text(encoding="utf-8")

    run = run_action_step(
        released_action,
        api(
            emulator,
            operation="purge",
            zone="www.example.com",
            api_token=DEMO_TOKEN,
            files="/index.html\n/blog/",
        ),
        root=tmp_path / "step",
    )

    assert run.exit_code == 0, run.stdout + run.stderr
    assert (run.outputs["purged"], run.outputs["batches"]) == ("2", "1")
    purged = [r.json for r in emulator.log if r.path.endswith("/purge_cache")]
    assert purged == [
        {"files": ["https://www.example.com/index.html", "https://www.example.com/blog/"]}
    ]
    assert run.result()["ok"] is True
    assert run.annotations("error") == []
