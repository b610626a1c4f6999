"""Real wrangler (the version tests/harness/wrangler.py pins) driving Worker versions
against the emulator: ``versions upload --preview-alias``, ``versions secret put`` and
``bulk``, ``versions deploy <id>@100% --yes``, ``rollback --message x --yes`` (past a secret
change, so wrangler meets 10220 and forces, as its non-interactive confirmation does),
and ``secret put``/``bulk``, refused with 10215 while the latest version is not deployed.
What the emulator then holds is what Cloudflare would: versions, deployments, the alias
and the secrets.

Skipped when npm is missing; wrangler is installed from npm on first use and cached.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_WORKERS_SUBDOMAIN, demo_state
from cfemu.runner import write_files
from tests.harness.wrangler import Wrangler, deploy, installed_wrangler

pytestmark = pytest.mark.e2e

NAME = "versioned"
CONFIG = f'name = "{NAME}"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n'
SOURCE = 'export default { fetch() { return new Response("v%d"); } };\n'
SCRIPT_PATH = f"/accounts/{DEMO_ACCOUNT_ID}/workers/scripts/{NAME}"


@pytest.fixture(scope="module")
def wrangler() -> Wrangler:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so wrangler cannot be installed")
    return installed_wrangler()


def run(
    wrangler: Wrangler,
    project: Path,
    base_url: str,
    home: Path,
    *args: str,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``wrangler <args>`` in ``project`` against the API at ``base_url``, as deploy() runs
    wrangler deploy."""
    return subprocess.run(
        [*wrangler.command, *args],
        cwd=project,
        env=wrangler.environment(base_url, home),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def test_real_wrangler_uploads_previews_promotes_rolls_back_and_sets_secrets(
    wrangler: Wrangler, tmp_path: Path
) -> None:
    state = demo_state()
    project = tmp_path / "project"
    home = tmp_path / "home"
    home.mkdir()
    write_files(project, {"wrangler.toml": CONFIG, "src/index.js": SOURCE % 1})

    with Emulator(state) as emu:
        first = deploy(wrangler, project, emu.base_url, home)
        assert first.returncode == 0, output(first)
        script = state.worker(DEMO_ACCOUNT_ID, NAME)
        v1 = script.versions[-1]
        assert script.subdomain.previews_enabled is True  # previews follow workers_dev

        # versions upload --preview-alias: a version that is not deployed, with its URLs.
        write_files(project, {"src/index.js": SOURCE % 2})
        emu.log.clear()
        uploaded = run(
            wrangler,
            project,
            emu.base_url,
            home,
            "versions",
            "upload",
            "--no-bundle",
            "--preview-alias",
            "pr-42",
            "--message",
            "PR 42",
            "--tag",
            "pr-42",
        )
        assert uploaded.returncode == 0, output(uploaded)
        found = re.search(r"Worker Version ID: ([0-9a-f-]{36})", uploaded.stdout)
        assert found is not None, output(uploaded)
        v2 = script.version(found[1])
        assert v2 is not None and v2 is script.latest_version()
        [post] = [r for r in emu.log.snapshot() if r.method == "POST"]
        assert (post.path, post.query) == (
            SCRIPT_PATH + "/versions",
            {"bindings_inherit": ["strict"]},
        )
        assert v2.annotations == {
            "workers/message": "PR 42",
            "workers/tag": "pr-42",
            "workers/alias": "pr-42",
        }
        assert v2.has_preview is True
        deployed = script.deployed_version()
        assert deployed is not None and deployed.id == v1.id
        assert len(script.deployments) == 1
        assert script.aliases == {"pr-42": v2.id}
        suffix = f"-{NAME}.{DEMO_WORKERS_SUBDOMAIN}.workers.dev"
        version_url = f"https://{v2.id[:8]}{suffix}"
        alias_url = f"https://pr-42{suffix}"
        assert f"Version Preview URL: {version_url}" in uploaded.stdout
        assert f"Version Preview Alias URL: {alias_url}" in uploaded.stdout
        assert state.preview_url_version(alias_url) is v2
        assert state.preview_url_version(version_url) is v2
        assert [m.content for m in v2.modules] == [(SOURCE % 2).encode()]

        # secret put refuses while the latest version is not deployed (10215).
        refused = run(wrangler, project, emu.base_url, home, "secret", "put", "EARLY", stdin="no\n")
        assert refused.returncode != 0
        assert "latest version of your Worker isn't currently deployed" in output(refused)
        assert len(script.versions) == 2

        # versions secret put: a new version from the latest one, not deployed.
        emu.log.clear()
        put = run(
            wrangler,
            project,
            emu.base_url,
            home,
            "versions",
            "secret",
            "put",
            "API_KEY",
            stdin="s3cr3t\n",
        )
        assert put.returncode == 0, output(put)
        [patch] = [r for r in emu.log.snapshot() if r.method == "PATCH"]
        assert patch.path == f"/accounts/{DEMO_ACCOUNT_ID}/workers/workers/{NAME}/versions/latest"
        assert patch.header("Content-Type") == "application/merge-patch+json"
        v3 = script.latest_version()
        assert v3 is not None and v3.number == 3 and v3.id in put.stdout
        assert v3.secrets()["API_KEY"]["text"] == "s3cr3t"
        assert v3.annotations["workers/message"] == 'Updated secret "API_KEY"'
        assert v3.modules == v2.modules
        assert script.deployed_version() is v1

        # versions deploy <id>@100% --yes: the uploaded version serves all traffic.
        promoted = run(
            wrangler,
            project,
            emu.base_url,
            home,
            "versions",
            "deploy",
            f"{v3.id}@100%",
            "--message",
            "ship PR 42",
            "--yes",
        )
        assert promoted.returncode == 0, output(promoted)
        assert script.deployed_version() is v3
        latest = script.deployments[-1]
        assert latest.versions == [{"version_id": v3.id, "percentage": 100}]
        assert latest.annotations == {"workers/message": "ship PR 42"}

        # rollback --message x --yes: back to v1, past the API_KEY change, so the first
        # POST is refused with 10220 and wrangler sends it again with force=true.
        emu.log.clear()
        rolled = run(wrangler, project, emu.base_url, home, "rollback", "--message", "x", "--yes")
        assert rolled.returncode == 0, output(rolled)
        posts = [r for r in emu.log.snapshot() if r.method == "POST"]
        assert [(r.path, r.query, r.status) for r in posts] == [
            (SCRIPT_PATH + "/deployments", {}, 400),
            (SCRIPT_PATH + "/deployments", {"force": ["true"]}, 200),
        ]
        assert "API_KEY" in rolled.stdout
        assert script.deployed_version() is v1
        assert script.deployments[-1].annotations == {"workers/message": "x"}
        assert len(script.deployments) == 3

        # versions secret bulk: one more undeployed version with both secrets changed.
        secrets_file = tmp_path / "secrets.json"
        secrets_file.write_text(json.dumps({"API_KEY": "rotated", "TOKEN": "t0k3n"}))
        bulk = run(
            wrangler, project, emu.base_url, home, "versions", "secret", "bulk", str(secrets_file)
        )
        assert bulk.returncode == 0, output(bulk)
        v4 = script.latest_version()
        assert v4 is not None and v4.number == 4
        assert {k: b["text"] for k, b in v4.secrets().items()} == {
            "API_KEY": "rotated",
            "TOKEN": "t0k3n",
        }
        assert script.deployed_version() is v1

        # Once the latest version is deployed, secret put and bulk deploy new versions.
        again = run(
            wrangler, project, emu.base_url, home, "versions", "deploy", f"{v4.id}@100%", "--yes"
        )
        assert again.returncode == 0, output(again)
        put_classic = run(
            wrangler, project, emu.base_url, home, "secret", "put", "EXTRA", stdin="e\n"
        )
        assert put_classic.returncode == 0, output(put_classic)
        bulk_file = tmp_path / "bulk.json"
        bulk_file.write_text(json.dumps({"TOKEN": None, "LAST": "l"}))
        bulk_classic = run(wrangler, project, emu.base_url, home, "secret", "bulk", str(bulk_file))
        assert bulk_classic.returncode == 0, output(bulk_classic)
        served = script.deployed_version()
        assert served is not None and served is script.latest_version()
        assert served.number == 6
        assert {k: b["text"] for k, b in served.secrets().items()} == {
            "API_KEY": "rotated",
            "EXTRA": "e",
            "LAST": "l",
        }
        assert [d.versions for d in script.deployments[-2:]] == [
            [{"version_id": script.versions[-2].id, "percentage": 100}],
            [{"version_id": served.id, "percentage": 100}],
        ]
        # The alias still serves the PR's version.
        assert state.preview_url_version(alias_url) is v2
