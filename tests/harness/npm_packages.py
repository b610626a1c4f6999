"""npm packages a test project depends on (``hono`` and the like), installed from npm once
into a cache folder and copied into each project's ``node_modules`` as the project's own
``npm ci`` would leave them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path


def installed(packages: Mapping[str, str]) -> Path:
    """A ``node_modules`` folder holding exactly ``packages`` (name -> version) and their
    dependencies, from ``~/.cache/cfaction/npm-<hash of the list>`` (``npm install`` there
    on first use)."""
    wanted = json.dumps(dict(sorted(packages.items())))
    folder = (
        Path.home()
        / ".cache"
        / "cfaction"
        / f"npm-{hashlib.sha256(wanted.encode()).hexdigest()[:12]}"
    )
    modules = folder / "node_modules"
    if not (folder / ".complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            "npm",
            "install",
            "--no-fund",
            "--no-audit",
            "--ignore-scripts",
            *(f"{name}@{version}" for name, version in packages.items()),
        ]
        done = subprocess.run(
            [*command, "--prefix", str(folder)],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"`{' '.join(command)}` failed:\n{done.stdout}{done.stderr}")
        (folder / ".complete").touch()
    return modules


def link_tree(source: Path, target: Path) -> None:
    """Copy a folder tree as hard links (a plain copy across file systems), so a project
    gets a real ``node_modules`` without the time or space of copying it."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link, symlinks=True, dirs_exist_ok=True)
