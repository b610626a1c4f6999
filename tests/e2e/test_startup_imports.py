"""What a run imports: only the operation it performs. A purge (or a verify) run in a fresh
interpreter against the emulator, then ``sys.modules``: no other operation's package, no
YAML, no bundler, so the first API request goes out without paying for them (bench/startup.py
measures the time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_TOKEN
from cfemu.runner import FILE_COMMANDS, REPO_ROOT, input_environment, parse_workflow_commands

pytestmark = pytest.mark.e2e

PROBE = """\
import json, os, sys
from cfaction.main import run_action
code = run_action()
with open(os.environ["PROBE_OUT"], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""

OTHER_OPERATIONS = {
    "purge": ("cfaction.ops.dns", "cfaction.ops.worker", "cfaction.ops.verify"),
    "verify": ("cfaction.ops.dns", "cfaction.ops.worker", "cfaction.ops.purge"),
}
NEVER = ("yaml", "_yaml", "blake3", "cfaction.cli", "cfaction.github.feedback", "cfemu")
"""Needed by neither a purge nor a verify: YAML (records, vars, bindings, wrangler configs;
cfaction.documents imports it when a document is YAML), the asset hasher, the CLI, the
GitHub feedback (pull-request comments and deployments, imported when one is asked for), the
emulator."""


def imported(tmp_path: Path, inputs: dict[str, str]) -> tuple[int, list[str], str]:
    """Run ``inputs`` as a step with ``python -c``: (exit code, sys.modules, stdout)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GITHUB_ACTIONS": "true",
        "PYTHONPATH": str(REPO_ROOT),
        "GITHUB_WORKSPACE": str(tmp_path),
        "PROBE_OUT": str(tmp_path / "probe.json"),
        **input_environment(inputs, defaults=False),
    }
    for name in FILE_COMMANDS:
        path = tmp_path / name.lower()
        path.touch()
        env[name] = str(path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    probe = json.loads((tmp_path / "probe.json").read_text(encoding="utf-8"))
    return probe["code"], probe["modules"], done.stdout


def offending(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_a_purge_imports_only_the_purge_operation(emulator: Emulator, tmp_path: Path) -> None:
    inputs = {
        "operation": "purge",
        "zone": "example.com",
        "files": "/index.html",
        "api_token": DEMO_TOKEN,
        "api_base_url": emulator.base_url,
    }

    code, modules, _ = imported(tmp_path, inputs)

    assert code == 0
    assert [r.path for r in emulator.log if r.path.endswith("/purge_cache")], "nothing purged"
    assert "cfaction.ops.purge" in modules and "requests" in modules
    assert offending(modules, OTHER_OPERATIONS["purge"]) == []
    assert offending(modules, NEVER) == []


def test_a_verify_imports_only_the_verify_operation(emulator: Emulator, tmp_path: Path) -> None:
    inputs = {
        "operation": "verify",
        "zone": "example.com",
        "api_token": DEMO_TOKEN,
        "api_base_url": emulator.base_url,
    }

    code, modules, _ = imported(tmp_path, inputs)

    assert code == 0
    assert "cfaction.ops.verify" in modules
    assert offending(modules, OTHER_OPERATIONS["verify"]) == []
    assert offending(modules, NEVER) == []


def test_worker_secrets_are_masked_without_the_operation_being_run(
    emulator: Emulator, tmp_path: Path
) -> None:
    # A Worker secret given to another operation is still masked before anything is
    # printed: its input names the package, which is then imported for that alone.
    inputs = {
        "operation": "verify",
        "api_token": DEMO_TOKEN,
        "api_base_url": emulator.base_url,
        "secrets": "API_KEY=s3cret-value-123",
    }

    code, modules, stdout = imported(tmp_path, inputs)

    assert code == 0
    masks = [c.data for c in parse_workflow_commands(stdout) if c.name == "add-mask"]
    assert "s3cret-value-123" in masks
    assert "cfaction.ops.worker.secrets" in modules
    assert offending(modules, ("cfaction.ops.purge", "cfaction.ops.dns")) == []
