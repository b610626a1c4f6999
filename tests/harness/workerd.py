"""workerd, the open-source Workers runtime, for booting Workers the emulator stores: installed
from npm once into a cache folder, the way wrangler.py installs wrangler."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

WORKERD_VERSION = "1.20261117.1"
"""The version cfemu.workerd was checked against; npm may offer newer ones."""
NPM_INSTALL = ["npm", "install", f"workerd@{WORKERD_VERSION}", "--no-fund", "--no-audit"]


def workerd_folder() -> Path:
    """The cache folder: ``CFACTION_WORKERD_DIR``, default
    ``~/.cache/cfaction/workerd-<version>``."""
    return Path(
        os.environ.get("CFACTION_WORKERD_DIR")
        or Path.home() / ".cache" / "cfaction" / f"workerd-{WORKERD_VERSION}"
    )


def _installed(folder: Path) -> Path | None:
    # The native binary of the platform package npm picked (@cloudflare/workerd-linux-64 and
    # so on), not node_modules/.bin/workerd, which is a Node shim when install scripts are off.
    found = sorted(folder.glob("node_modules/@cloudflare/workerd-*/bin/workerd*"))
    return found[0] if found else None


def workerd_binary() -> Path:
    """The workerd binary from the cache folder, installed there with npm on first use.

    Raises RuntimeError, with npm's output, when the install fails (npm or the registry
    unreachable) or leaves no binary for this platform.
    """
    folder = workerd_folder()
    binary = _installed(folder)
    if binary is not None:
        return binary
    folder.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [*NPM_INSTALL, "--prefix", str(folder)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    binary = _installed(folder)
    if run.returncode != 0 or binary is None:
        raise RuntimeError(
            f"`{' '.join(NPM_INSTALL)}` in {folder} failed (exit {run.returncode}) or left no "
            f"workerd binary for this platform:\n{run.stdout}{run.stderr}"
        )
    return binary
