"""A Node.js new enough for current wrangler (>= 22): the machine's own ``node`` when it is,
else the official build from the npm package ``node-linux-<arch>@22`` installed once into a
cache folder, the way wrangler.py installs wrangler."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

NODE_MAJOR = 22
MINIMUM = (22, 12)
"""wrangler 4's ``engines`` floor for the versions the harness uses."""


def _version(node: str | Path) -> tuple[int, int] | None:
    try:
        done = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    found = re.match(r"v(\d+)\.(\d+)", done.stdout.strip())
    return (int(found[1]), int(found[2])) if found else None


def _package() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}[machine]
    return f"node-linux-{arch}"


def node_binary() -> Path:
    """``node`` >= 22.12 from PATH, else from ``CFACTION_NODE_DIR`` (default
    ``~/.cache/cfaction/node-22``), installed there with npm on first use."""
    system = shutil.which("node")
    if system is not None and (_version(system) or (0, 0)) >= MINIMUM:
        return Path(system)
    folder = Path(
        os.environ.get("CFACTION_NODE_DIR")
        or Path.home() / ".cache" / "cfaction" / f"node-{NODE_MAJOR}"
    )
    binary = folder / "node_modules" / _package() / "bin" / "node"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        command = ["npm", "install", f"{_package()}@{NODE_MAJOR}", "--no-fund", "--no-audit"]
        done = subprocess.run(
            [*command, "--prefix", str(folder)],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0 or not binary.exists():
            raise RuntimeError(
                f"`{' '.join(command)}` in {folder} failed (exit {done.returncode}):\n"
                f"{done.stdout}{done.stderr}"
            )
    if (_version(binary) or (0, 0)) < MINIMUM:
        raise RuntimeError(f"{binary} is older than Node {MINIMUM[0]}.{MINIMUM[1]}")
    return binary
