"""Where the bundler's tools come from: the esbuild binary, and (for ``nodejs_compat``) the
pinned JavaScript of @cloudflare/unenv-preset and unenv that esbuild bundles polyfills from.

The action's image carries both and names them with ``ESBUILD_BINARY_PATH`` and
``CFACTION_UNENV_DIR``; the CLI finds esbuild on ``PATH`` too, and unenv in the project's
own ``node_modules`` when it has the pinned versions (a project that installs wrangler
4.125 does).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from cfaction.errors import ActionError
from cfaction.ops.worker.bundling.node_compat import PRESET_VERSION, UNENV_VERSION

ESBUILD_VERSION: Final = "0.28.1"
"""The esbuild wrangler 4.125 bundles with; the image carries this one."""
UNENV_PACKAGES: Final = {"@cloudflare/unenv-preset": PRESET_VERSION, "unenv": UNENV_VERSION}


class BundlerUnavailableError(ActionError):
    """A tool the bundle needs is not there; the message says how to get it."""

    title = "Bundling"


def find_esbuild(environ: Mapping[str, str]) -> Path:
    """``ESBUILD_BINARY_PATH``, else ``esbuild`` on ``PATH``."""
    given = environ.get("ESBUILD_BINARY_PATH", "").strip()
    if given:
        path = Path(given)
        if not path.is_file() or not os.access(path, os.X_OK):
            raise BundlerUnavailableError(
                f"ESBUILD_BINARY_PATH names {given}, which is not an executable file. "
                f"Point it at an esbuild {ESBUILD_VERSION} binary, or unset it to use the "
                "esbuild on PATH."
            )
        return path
    found = shutil.which("esbuild", path=environ.get("PATH"))
    if found is not None:
        return Path(found)
    raise BundlerUnavailableError(
        "The Worker is bundled (as wrangler deploy does unless no_bundle is set), and no "
        f"esbuild was found. Install esbuild {ESBUILD_VERSION} (npm install "
        f"esbuild@{ESBUILD_VERSION} gives node_modules/.bin/esbuild) and set "
        "ESBUILD_BINARY_PATH to it or put it on PATH; or set no_bundle: true to upload "
        "the files as they are. The action's image has it built in."
    )


def find_unenv(environ: Mapping[str, str], project_root: Path) -> Path:
    """A ``node_modules`` folder with the pinned preset and unenv: ``CFACTION_UNENV_DIR``,
    else the project's own."""
    given = environ.get("CFACTION_UNENV_DIR", "").strip()
    if given:
        folder = Path(given)
        found = installed_versions(folder)
        if found != UNENV_PACKAGES:
            raise BundlerUnavailableError(
                f"CFACTION_UNENV_DIR names {given}, which holds {_describe(found)}, not "
                f"{_describe(UNENV_PACKAGES)}. {_install_hint()}"
            )
        return folder
    own = project_root / "node_modules"
    if installed_versions(own) == UNENV_PACKAGES:
        return own
    raise BundlerUnavailableError(
        "nodejs_compat is on, so the bundle takes Node.js polyfills from "
        f"{_describe(UNENV_PACKAGES)}, as wrangler 4.125 does, and they were not found. "
        + _install_hint()
    )


def installed_versions(folder: Path) -> dict[str, str]:
    """The version of each pinned package in ``folder`` (``node_modules``), when present."""
    versions = {}
    for name in UNENV_PACKAGES:
        try:
            manifest = json.loads((folder / name / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and isinstance(manifest.get("version"), str):
            versions[name] = manifest["version"]
    return versions


def _describe(versions: Mapping[str, str]) -> str:
    if not versions:
        return "neither package"
    return " and ".join(f"{name} {version}" for name, version in versions.items())


def _install_hint() -> str:
    packages = " ".join(f"{name}@{version}" for name, version in UNENV_PACKAGES.items())
    return (
        f"Run npm install {packages} in a folder and set CFACTION_UNENV_DIR to its "
        "node_modules (the action's image carries them), or set no_bundle: true."
    )
