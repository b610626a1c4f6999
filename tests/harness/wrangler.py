"""Real wrangler, for comparing cfaction with it: installed from npm once into a cache
folder, and run under a Node it supports against an emulator the way the conformance test,
the call budget test and the benchmark need."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN
from tests.harness.node import node_binary

WRANGLER_VERSION = "4.125.0"
"""The wrangler cfaction follows (its deploy code is what the product reproduces); npm offers
newer ones."""
NPM_INSTALL = ["npm", "install", f"wrangler@{WRANGLER_VERSION}", "--no-fund", "--no-audit"]


@dataclass(frozen=True)
class Wrangler:
    """An installed wrangler and the Node that runs it."""

    node: Path
    script: Path
    """wrangler's ``bin/wrangler.js``."""

    @property
    def command(self) -> list[str]:
        return [str(self.node), str(self.script)]

    def environment(self, base_url: str, home: Path) -> dict[str, str]:
        """Demo credentials for the API at ``base_url``, its own ``HOME``, CI mode, no
        metrics, and this Node first on PATH for whatever wrangler starts."""
        return {
            "PATH": os.pathsep.join([str(self.node.parent), os.environ.get("PATH", "")]),
            "HOME": str(home),
            "CI": "true",
            "NO_COLOR": "1",
            "WRANGLER_SEND_METRICS": "false",
            "CLOUDFLARE_API_BASE_URL": base_url,
            "CLOUDFLARE_API_TOKEN": DEMO_TOKEN,
            "CLOUDFLARE_ACCOUNT_ID": DEMO_ACCOUNT_ID,
        }


def install_folder() -> Path:
    """``CFACTION_WRANGLER_DIR``, default ``~/.cache/cfaction/wrangler-<version>``."""
    return Path(
        os.environ.get("CFACTION_WRANGLER_DIR")
        or Path.home() / ".cache" / "cfaction" / f"wrangler-{WRANGLER_VERSION}"
    )


def installed_wrangler() -> Wrangler:
    """wrangler from the cache folder, installed there with npm (under the Node it needs)
    on first use."""
    node = node_binary()
    folder = install_folder()
    script = folder / "node_modules" / "wrangler" / "bin" / "wrangler.js"
    if not script.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path = os.pathsep.join([str(node.parent), os.environ.get("PATH", "")])
        subprocess.run(
            [*NPM_INSTALL, "--prefix", str(folder)],
            check=True,
            capture_output=True,
            timeout=900,
            env={**os.environ, "PATH": path},
        )
    return Wrangler(node, script)


def deploy(
    wrangler: Wrangler,
    project: Path,
    base_url: str,
    home: Path,
    *args: str,
    timeout: float = 300,
    no_bundle: bool = True,
) -> subprocess.CompletedProcess[str]:
    """``wrangler deploy --no-bundle [args]`` of ``project`` against the API at
    ``base_url``, with :meth:`Wrangler.environment` (``no_bundle=False``: wrangler bundles)."""
    return subprocess.run(
        [*wrangler.command, "deploy", *(["--no-bundle"] if no_bundle else []), *args],
        cwd=project,
        env=wrangler.environment(base_url, home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
