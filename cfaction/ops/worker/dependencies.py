"""``package_dependencies``: the npm packages a Worker is built from, sent with the upload as
wrangler 4 does unless ``dependencies_instrumentation.enabled = false`` (workers-sdk
``packages/deploy-helpers/src/deploy/helpers/package-dependencies.ts``).

Only ``<project>/package.json`` is read: its ``dependencies`` then ``devDependencies``
(a name in both keeps its first place and takes the devDependencies version), skipping
``workspace:``, ``catalog:``, ``file:`` and ``link:`` versions, the ``exclude_packages``
patterns (``*`` matches anything, ``/`` included) and packages that are not installed; at
most 200. ``installedVersion`` is the ``version`` of the package's ``package.json`` in the
nearest ``node_modules`` (the project's, then each parent folder's). The field is left out
when nothing is left, or when package.json cannot be read or holds a version that is not a
string (wrangler then drops the whole field too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

MAX_PACKAGES: Final = 200
_SKIPPED_PREFIXES: Final = ("workspace:", "catalog:", "file:", "link:")


def package_dependencies(project: Path, exclude: Sequence[str] = ()) -> tuple[dict[str, str], ...]:
    """The dependencies to report, in package.json order (empty: leave the field out)."""
    manifest = _read_json(project / "package.json")
    if not isinstance(manifest, dict):
        return ()
    declared: dict[str, Any] = {}
    for section in ("dependencies", "devDependencies"):
        entries = manifest.get(section)
        if isinstance(entries, dict):
            declared.update(entries)
    patterns = [_pattern(p) for p in exclude]
    found: list[dict[str, str]] = []
    for name, version in declared.items():
        if len(found) >= MAX_PACKAGES:
            break
        if not isinstance(version, str):
            return ()
        if version.startswith(_SKIPPED_PREFIXES) or any(p.match(name) for p in patterns):
            continue
        installed = installed_version(project, name)
        if installed:
            found.append(
                {"name": name, "packageJsonVersion": version, "installedVersion": installed}
            )
    return tuple(found)


def installed_version(project: Path, name: str) -> str | None:
    """The installed version of ``name``, found as Node finds ``<name>/package.json``."""
    for folder in (project, *project.parents):
        manifest = _read_json(folder / "node_modules" / name / "package.json")
        if isinstance(manifest, dict):
            version = manifest.get("version")
            return version if isinstance(version, str) and version else None
    return None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pattern(glob: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in glob.split("*")) + "$")
