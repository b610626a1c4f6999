"""Node's module resolution, the two ways wrangler uses it while bundling.

* :func:`require_resolve` is ``require.resolve(request, {paths: [folder]})`` of Node 22
  (https://nodejs.org/api/modules.html#all-together): builtins answer their own name; a
  path is tried as a file (as written, then with ``.js``, ``.json``, ``.node``) and as a
  folder (``package.json`` ``main``, then ``index``); a package is looked up in every
  ``node_modules`` from the folder up, through its ``exports``
  (https://nodejs.org/api/packages.html#package-entry-points) with the conditions ``require``
  is resolved under (``require``, ``module-sync``, ``node``, ``node-addons``, ``default``).
  wrangler resolves the user's ``alias`` targets this way from the project, and the unenv
  aliases from its own install.
* :func:`legacy_resolve` is the npm package ``resolve``'s ``resolve.sync`` (v1, which knows
  no ``exports``), which wrangler's module collector tries for a rule's import
  (browserify/resolve ``lib/sync.js``).

Both follow symlinks, as Node does, and answer None when nothing is found.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from cfaction.ops.worker.bundling.node_compat import NODE_BUILTIN_MODULES

EXTENSIONS: Final = (".js", ".json", ".node")
REQUIRE_CONDITIONS: Final = ("require", "module-sync", "node", "node-addons", "default")
PREFIX_ONLY_BUILTINS: Final = frozenset({"sea", "sqlite", "test", "test/reporters"})
"""Node 22 modules that exist only as ``node:<name>``."""
MAX_MANIFEST_BYTES: Final = 4 * 1024 * 1024


def is_node_resolvable_builtin(request: str) -> bool:
    """Whether Node 22's ``require.resolve`` answers ``request`` with itself."""
    if request.startswith("node:"):
        name = request[5:]
        return name in NODE_BUILTIN_MODULES or name in PREFIX_ONLY_BUILTINS
    return request in NODE_BUILTIN_MODULES


def require_resolve(request: str, paths: Sequence[Path]) -> str | None:
    """The absolute file ``require.resolve(request, {paths})`` gives (a builtin: its name)."""
    if is_node_resolvable_builtin(request):
        return request
    for base in paths:
        found = _resolve_from(request, base.absolute())
        if found is not None:
            return str(found.resolve())
    return None


def legacy_resolve(request: str, basedir: Path) -> str | None:
    """``resolve.sync(request, {basedir})``: a file or folder, or a package's file found in
    a ``node_modules`` above ``basedir``, ignoring ``exports``."""
    if _is_path(request):
        target = basedir / request
        found = _as_file(target, (".js",)) or _as_folder(target, (".js",))
    else:
        found = None
        for folder in _node_modules_folders(basedir.absolute()):
            target = folder / request
            found = _as_file(target, (".js",)) or _as_folder(target, (".js",))
            if found is not None:
                break
    return str(found.resolve()) if found is not None else None


def _is_path(request: str) -> bool:
    return request.startswith(("./", "../", "/")) or request in (".", "..")


def _resolve_from(request: str, base: Path) -> Path | None:
    if _is_path(request):
        target = base / request
        return _as_file(target, EXTENSIONS) or _as_folder(target, EXTENSIONS)
    name, subpath = _split_package(request)
    for folder in _node_modules_folders(base):
        package = folder / name
        manifest = _manifest(package)
        if manifest is not None and "exports" in manifest:
            return _exports_target(package, manifest["exports"], subpath)
        target = folder / request
        found = _as_file(target, EXTENSIONS) or _as_folder(target, EXTENSIONS)
        if found is not None:
            return found
    return None


def _split_package(request: str) -> tuple[str, str]:
    """``@scope/name/sub`` -> (``@scope/name``, ``./sub``); ``name`` -> (``name``, ``.``)."""
    parts = request.split("/")
    size = 2 if request.startswith("@") and len(parts) > 1 else 1
    name = "/".join(parts[:size])
    rest = "/".join(parts[size:])
    return name, f"./{rest}" if rest else "."


def _node_modules_folders(base: Path) -> list[Path]:
    folders = []
    for folder in (base, *base.parents):
        if folder.name != "node_modules":
            folders.append(folder / "node_modules")
    return folders


def _as_file(target: Path, extensions: Sequence[str]) -> Path | None:
    if target.is_file():
        return target
    for extension in extensions:
        candidate = target.with_name(target.name + extension)
        if candidate.is_file():
            return candidate
    return None


def _as_folder(target: Path, extensions: Sequence[str]) -> Path | None:
    manifest = _manifest(target)
    main = manifest.get("main") if manifest is not None else None
    if isinstance(main, str) and main:
        entry = target / main
        found = _as_file(entry, extensions) or _as_file(entry / "index", extensions)
        if found is not None:
            return found
    return _as_file(target / "index", extensions)


def _manifest(package: Path) -> dict[str, Any] | None:
    path = package / "package.json"
    try:
        if not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _exports_target(package: Path, exports: Any, subpath: str) -> Path | None:
    """The file ``exports`` maps ``subpath`` to, for the require conditions (None: the
    package does not export it, which Node reports as ERR_PACKAGE_PATH_NOT_EXPORTED)."""
    if isinstance(exports, str | list) or (
        isinstance(exports, dict) and not any(k.startswith(".") for k in exports)
    ):
        exports = {".": exports}
    if not isinstance(exports, dict):
        return None
    if subpath in exports and "*" not in subpath:
        return _target(package, exports[subpath], "")
    best: tuple[str, str] | None = None
    for key in exports:
        if key.count("*") != 1:
            continue
        prefix, suffix = key.split("*")
        if (
            subpath.startswith(prefix)
            and subpath.endswith(suffix)
            and len(subpath) >= len(key)
            and (best is None or _pattern_order(key) < _pattern_order(best[0]))
        ):
            best = (key, subpath[len(prefix) : len(subpath) - len(suffix)])
    if best is None:
        return None
    return _target(package, exports[best[0]], best[1])


def _pattern_order(key: str) -> tuple[int, int]:
    """Node's PATTERN_KEY_COMPARE: the longer prefix first, then the longer key."""
    return (-key.index("*"), -len(key))


def _target(package: Path, target: Any, match: str) -> Path | None:
    if isinstance(target, str):
        if not target.startswith("./"):
            return None
        relative = target.replace("*", match) if match else target
        path = (package / relative).absolute()
        if os.path.commonpath([path, package.absolute()]) != str(package.absolute()):
            return None
        return path if path.is_file() else None
    if isinstance(target, list):
        for item in target:
            found = _target(package, item, match)
            if found is not None:
                return found
        return None
    if isinstance(target, dict):
        for condition, value in target.items():
            if condition in REQUIRE_CONDITIONS:
                found = _target(package, value, match)
                if found is not None:
                    return found
        return None
    return None
