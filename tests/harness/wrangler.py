"""Real wrangler, for comparing cfaction with it: installed from npm once into a cache
folder, and run against an emulator the way the conformance test and the benchmark need."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN

WRANGLER_VERSION = "4.86.0"
"""The version the emulator was checked against; npm may offer newer ones."""
NPM_INSTALL = ["npm", "install", f"wrangler@{WRANGLER_VERSION}", "--no-fund", "--no-audit"]


def wrangler_binary() -> Path:
    """wrangler from the cache folder (``CFACTION_WRANGLER_DIR``, default
    ``~/.cache/cfaction/wrangler-<version>``), installed there with npm on first use."""
    folder = Path(
        os.environ.get("CFACTION_WRANGLER_DIR")
        or Path.home() / ".cache" / "cfaction" / f"wrangler-{WRANGLER_VERSION}"
    )
    binary = folder / "node_modules" / ".bin" / "wrangler"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*NPM_INSTALL, "--prefix", str(folder)], check=True, capture_output=True, timeout=900
        )
    return binary


def deploy(
    binary: Path, project: Path, base_url: str, home: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``wrangler deploy --no-bundle`` of ``project`` with the demo credentials, against the
    API at ``base_url``, with its own ``HOME`` and no metrics."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "CI": "true",
        "NO_COLOR": "1",
        "WRANGLER_SEND_METRICS": "false",
        "CLOUDFLARE_API_BASE_URL": base_url,
        "CLOUDFLARE_API_TOKEN": DEMO_TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": DEMO_ACCOUNT_ID,
    }
    return subprocess.run(
        [str(binary), "deploy", "--no-bundle"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
