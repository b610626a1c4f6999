"""The real @cloudflare/unenv-preset and unenv, at the versions wrangler 4.86.0 pins, for
comparing cfaction's Node.js compatibility tables with them: installed from npm once into a
cache folder, and run with node."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from cfaction.ops.worker.bundling.node_compat import PRESET_VERSION, UNENV_VERSION

PACKAGES = {"@cloudflare/unenv-preset": PRESET_VERSION, "unenv": UNENV_VERSION}
NPM_INSTALL = [
    "npm",
    "install",
    "--no-fund",
    "--no-audit",
    *(f"{name}@{version}" for name, version in PACKAGES.items()),
]


def unenv_packages() -> Path:
    """The ``node_modules`` folder of the cache folder (``CFACTION_UNENV_DIR``, default
    ``~/.cache/cfaction/unenv-<preset version>``) holding exactly the pinned versions,
    installed there with npm on first use (or when another version is found there)."""
    folder = Path(
        os.environ.get("CFACTION_UNENV_DIR")
        or Path.home() / ".cache" / "cfaction" / f"unenv-{PRESET_VERSION}"
    )
    modules = folder / "node_modules"
    if _installed(modules) != PACKAGES:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*NPM_INSTALL, "--prefix", str(folder)], check=True, capture_output=True, timeout=900
        )
        found = _installed(modules)
        if found != PACKAGES:
            raise RuntimeError(f"npm installed {found} in {folder}, not {PACKAGES}")
    return modules


def _installed(modules: Path) -> dict[str, str | None]:
    """The version of each pinned package found in ``modules`` (None: not there)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            manifest = json.loads((modules / name / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            versions[name] = None
        else:
            versions[name] = manifest.get("version")
    return versions
