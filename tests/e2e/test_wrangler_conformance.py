"""Conformance with wrangler itself: the same project published by ``wrangler deploy
--no-bundle`` and by cfaction, each against its own emulator, must leave equivalent Workers:
main module, parts and their types and bytes, compatibility date and flags, bindings, routes
and the workers.dev state.

wrangler is installed from npm on first use into a cache folder (``CFACTION_WRANGLER_DIR``,
default ``~/.cache/cfaction/wrangler-<version>``), so later runs reuse it. The test is
skipped, with the reason shown, only when npm itself is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, demo_state
from cfemu.runner import run_step, write_files
from tests.harness.wrangler import deploy, wrangler_binary

pytestmark = pytest.mark.e2e

PROJECT: dict[str, str | bytes] = {
    "wrangler.toml": """\
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
""",
    "src/index.js": (
        'import add from "./lib/add.wasm";\n'
        'import banner from "./banner.txt";\n'
        "export default {\n"
        "  async fetch(request, env) { return new Response(banner + env.GREETING); },\n"
        "};\n"
    ),
    "src/banner.txt": "Welcome!\n",
    "src/lib/add.wasm": b"\x00asm\x01\x00\x00\x00",
}


@pytest.fixture(scope="module")
def wrangler() -> Path:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so wrangler cannot be installed to compare with")
    return wrangler_binary()


def published(emulator: Emulator) -> dict[str, Any]:
    """What matters of the stored Worker, in a comparable form."""
    script = emulator.state.worker(DEMO_ACCOUNT_ID, "conformance")
    version = script.deployed_version()
    return {
        "main_module": version.main_module,
        "parts": {
            name: (module.content_type, module.content) for name, module in script.modules().items()
        },
        "compatibility_date": version.compatibility_date,
        "compatibility_flags": sorted(version.compatibility_flags),
        "bindings": sorted((b for b in script.bindings()), key=lambda b: str(b["name"])),
        "routes": sorted(
            (r.pattern, r.zone_id) for r in emulator.state.worker_routes_of("conformance")
        ),
        "workers_dev": script.subdomain.enabled,
    }


def test_cfaction_publishes_the_same_worker_as_wrangler(wrangler: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_files(project, PROJECT)
    home = tmp_path / "home"
    home.mkdir()
    with Emulator(demo_state()) as by_wrangler:
        deployed = deploy(wrangler, project, by_wrangler.base_url, home)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        expected = published(by_wrangler)

    with Emulator(demo_state()) as by_cfaction:
        run = run_step(
            {
                "operation": "worker",
                "api_token": DEMO_TOKEN,
                "account_id": DEMO_ACCOUNT_ID,
                "api_base_url": by_cfaction.base_url,
                "config": "wrangler.toml",
                "modules": "src/**/*.txt\nsrc/**/*.wasm",
            },
            files=PROJECT,
        )
        assert run.exit_code == 0, run.stdout
        actual = published(by_cfaction)

    assert actual == expected
    assert set(expected["parts"]) == {"index.js", "banner.txt", "lib/add.wasm"}
