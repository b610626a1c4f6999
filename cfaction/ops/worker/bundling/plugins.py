"""wrangler's esbuild plugins, answered in Python (workers-sdk ``packages/wrangler/src/
deployment-bundle/bundle.ts`` registers them in this order, and esbuild asks their hooks in
registration order):

1. :class:`AliasPlugin`: the config's ``alias``, exact specifiers only, each target found
   with Node's ``require.resolve`` from the project (bundle.ts ``aliasPlugin``);
2. :class:`ModuleCollector`: imports that module ``rules`` match become modules of their
   own (``module-collection.ts``);
3. Node.js compatibility: :class:`NodeCompatImports` (modes ``None``, ``v1``, ``als``;
   ``nodejs-compat.ts``, ``als-external.ts``) or :class:`HybridNodeCompat` (``v2``;
   ``hybrid-nodejs-compat.ts``), with :class:`UnenvFiles` serving unenv's files;
4. :class:`CloudflareImports`: ``cloudflare:*`` stays external (``cloudflare-internal.ts``).

wrangler's ``onStart``/``onEnd`` hooks become :meth:`errors` and :meth:`warnings` read after
the build. A hook that reports a problem answers with ``errors`` (the build fails with them,
as a thrown error would make it), never by raising.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cfaction.ops.worker.bundling.esbuild import (
    LoadArgs,
    LoadResult,
    OnLoadCallback,
    OnResolveCallback,
    Plugin,
    PluginBuild,
    ResolveArgs,
    ResolveResult,
)
from cfaction.ops.worker.bundling.node_compat import (
    GLOBAL_POLYFILL_PREFIX,
    NODE_BUILTIN_MODULES,
    REQUIRED_NODE_BUILT_IN_NAMESPACE,
    REQUIRED_UNENV_ALIAS_NAMESPACE,
    GlobalInjectModule,
    Mode,
    UnenvEnv,
    global_inject_modules,
    require_alias_contents,
    require_builtin_contents,
    service_worker_import_error,
    wraps_required_alias,
)
from cfaction.ops.worker.bundling.node_resolve import legacy_resolve, require_resolve
from cfaction.ops.worker.modules import Format, Module, ModuleType, glob_regex
from cfaction.ops.worker.wrangler import ModuleRule

JAVASCRIPT_RULE_TYPES: Final = frozenset({"ESModule", "CommonJS"})
UNENV_PACKAGES: Final = ("unenv", "@cloudflare/unenv-preset", "pathe")
"""The packages :class:`UnenvFiles` serves: what the preset's files import."""
WRANGLER_FOLDER: Final = "wrangler"
"""Where wrangler keeps its virtual global files: its own package folder."""
_SKIP: Final = object()
"""plugin_data of the collector's own ``build.resolve`` (wrangler's ``{skip: true}``)."""
_IDENTIFIER: Final = re.compile(r"[^a-zA-Z0-9_$]")


def go_regex(pattern: re.Pattern[str] | str) -> str:
    """A Python pattern as esbuild's Go ``regexp`` reads it: the same text (every pattern
    made here uses only syntax the two share)."""
    return pattern.pattern if isinstance(pattern, re.Pattern) else pattern


def _exact(names: Iterable[str]) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


def _strip_query(path: str) -> str:
    """``./a.wasm?module`` -> ``./a.wasm`` (wrangler's ``stripQueryString``)."""
    return path.split("?", 1)[0]


def _join(folder: str, path: str) -> str:
    """Node's ``path.join``: concatenated, then normalised (an absolute ``path`` stays
    under ``folder``)."""
    return os.path.normpath(f"{folder}/{path}")


# --- 1. alias ------------------------------------------------------------------------------


@dataclass
class AliasPlugin:
    """The config's ``alias``: an import of exactly a key resolves to its target, found as
    ``require.resolve(target, {paths: [project]})`` finds it."""

    alias: Mapping[str, str]
    project_root: Path

    def plugin(self) -> Plugin:
        hooks: list[tuple[str, str, OnResolveCallback]] = []
        if self.alias:
            # wrangler's filter is the keys joined, unanchored; the hook checks the key.
            pattern = "|".join(re.escape(key) for key in self.alias)
            hooks.append((pattern, "", self._resolve))
        return Plugin("alias", on_resolve=hooks)

    def _resolve(self, args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        target = self.alias.get(args.path)
        if not target:
            return None
        found = require_resolve(target, [self.project_root])
        if found is None:
            return ResolveResult(
                errors=(
                    f"Cannot find module '{target}' (alias of \"{args.path}\" in the config), "
                    f"looked up from {self.project_root}",
                )
            )
        return ResolveResult(path=found)


# --- 2. module rules -----------------------------------------------------------------------


@dataclass(frozen=True)
class CollectedModule:
    """A module an import made: its upload name (``./<sha1>-<file>``), file and type."""

    name: str
    path: Path
    type: ModuleType
    data: bytes


@dataclass
class ModuleCollector:
    """Imports a rule matches become modules of the upload, named ``./<sha1 of the bytes>-
    <file name>`` (or the import as written, with ``preserve_file_names``), external in an
    ES module bundle; a service worker imports them as blob globals.

    ``rules``/``removed`` come from :func:`cfaction.ops.worker.modules.parse_rules`; each
    glob is matched against the import specifier (glob-to-regexp without globstar, so
    ``**/*.wasm`` needs a ``/`` in it: ``./a.wasm`` matches, a bare ``a.wasm`` does not).
    JavaScript rules only apply with ``find_additional_modules``, whose walked modules stay
    external imports under their own names.
    """

    rules: Sequence[ModuleRule]
    removed: Sequence[tuple[ModuleRule, str]]
    """Rules no ``fallthrough`` lets through, each with wrangler's JSON of it."""
    format: Format
    entry: Path
    preserve_file_names: bool = False
    find_additional_modules: bool = False
    """JavaScript rules apply, and imports of ``walked`` modules stay external."""
    walked: Sequence[Module] = ()
    collected: list[CollectedModule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def plugin(self) -> Plugin:
        resolve: list[tuple[str, str, OnResolveCallback]] = []
        load: list[tuple[str, str, OnLoadCallback]] = []
        siblings = self._sibling_files()
        if siblings:
            resolve.append((_exact(siblings), "", self._legacy))
        for rule in self.rules:
            if rule.type in JAVASCRIPT_RULE_TYPES and not self.find_additional_modules:
                continue
            for glob in rule.globs:
                pattern = go_regex(glob_regex(glob, globstar=False))
                resolve.append((pattern, "", self._rule_hook(rule)))
                if self.format == "service-worker":
                    load.append((pattern, "", self._blob_global))
        for rule, described in self.removed:
            for glob in rule.globs:
                pattern = go_regex(glob_regex(glob, globstar=False))
                resolve.append((pattern, "", self._removed_hook(described)))
        return Plugin("wrangler-module-collector", on_resolve=resolve, on_load=load)

    @property
    def modules(self) -> list[CollectedModule]:
        """The collected modules, each name once (the last import wins, as wrangler's
        ``dedupeModulesByName``)."""
        by_name: dict[str, CollectedModule] = {}
        for module in self.collected:
            by_name.pop(module.name, None)
            by_name[module.name] = module
        return list(by_name.values())

    def _sibling_files(self) -> list[str]:
        """wrangler 1's bare imports of the entry's neighbours (``"hello.wasm"``)."""
        folder = self.entry.parent
        try:
            return sorted(
                item.name
                for item in folder.iterdir()
                if item.is_file() and item.name != self.entry.name
            )
        except OSError:
            return []

    def _name(self, cleaned: str, data: bytes) -> str:
        if self.preserve_file_names:
            return cleaned
        return f"./{hashlib.sha1(data).hexdigest()}-{os.path.basename(cleaned)}"

    def _collect(self, name: str, path: Path, kind: ModuleType, data: bytes) -> ResolveResult:
        with self._lock:
            self.collected.append(CollectedModule(name, path, kind, data))
        return ResolveResult(
            path=name, external=self.format == "modules", namespace=f"wrangler-module-{kind}"
        )

    def _legacy(self, args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        if args.kind not in ("import-statement", "require-call"):
            return None
        cleaned = _strip_query(args.path)
        path = self.entry.parent / cleaned
        data = _read(path)
        if data is None:
            return None
        name = self._name(cleaned, data)
        for rule in self.rules:
            if any(glob_regex(g, globstar=False).search(name) for g in rule.globs):
                return self._collect(name, path, _module_type(rule.type), data)
        return None

    def _rule_hook(self, rule: ModuleRule) -> OnResolveCallback:
        kind = _module_type(rule.type)
        walked = {str(m.path.absolute()) for m in self.walked}

        def hook(args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
            if args.plugin_data is _SKIP:
                return None
            cleaned = _strip_query(args.path)
            path = _join(args.resolve_dir, cleaned)
            if path in walked:
                return ResolveResult(path=cleaned, external=True)
            if rule.type in JAVASCRIPT_RULE_TYPES:
                return None
            resolved = build.resolve(
                cleaned,
                kind=args.kind,
                importer=args.importer,
                resolve_dir=args.resolve_dir,
                plugin_data=_SKIP,
            )
            if resolved.path:
                path = resolved.path
            path = legacy_resolve(cleaned, Path(args.resolve_dir)) or path
            data = _read(Path(path))
            if data is None:
                return ResolveResult(errors=(f"ENOENT: no such file or directory, open '{path}'",))
            return self._collect(self._name(cleaned, data), Path(path), kind, data)

        return hook

    @staticmethod
    def _removed_hook(described: str) -> OnResolveCallback:
        def hook(args: ResolveArgs, build: PluginBuild) -> ResolveResult:
            return ResolveResult(
                errors=(
                    f"The file {args.path} matched a module rule in your configuration "
                    f"({described}), but was ignored because a previous rule with the same "
                    "type was not marked as `fallthrough = true`.",
                )
            )

        return hook

    @staticmethod
    def _blob_global(args: LoadArgs, build: PluginBuild) -> LoadResult:
        """A service worker reads a module as a global its upload binds (the same name)."""
        return LoadResult(contents=f"export default {_IDENTIFIER.sub('_', args.path)};")


def _module_type(kind: str) -> ModuleType:
    return kind  # type: ignore[return-value]  # the rule types are the module types


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


# --- 3. Node.js compatibility --------------------------------------------------------------


@dataclass
class NodeCompatImports:
    """Modes ``None``, ``v1`` and ``als``: a ``node:`` import that does not resolve to a
    package stays external (a warning unless ``v1``; an error in a service worker)."""

    mode: Mode
    format: Format
    project_root: Path
    unresolved: dict[str, list[str]] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def plugins(self) -> list[Plugin]:
        found = []
        if self.mode == "als":
            found.append(
                Plugin(
                    "async-local-storage-imports",
                    on_resolve=[(r"^node:async_hooks(\/|$)", "", _external)],
                )
            )
        found.append(Plugin("nodejs_compat-imports", on_resolve=[("node:.*", "", self._resolve)]))
        return found

    def _resolve(self, args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        key = f"{args.path}:{args.kind}:{args.resolve_dir}:{args.importer}"
        with self._lock:
            if key in self._seen:
                return None
            self._seen.add(key)
        result = build.resolve(
            args.path, kind=args.kind, resolve_dir=args.resolve_dir, importer=args.importer
        )
        if result.errors:
            with self._lock:
                self.unresolved.setdefault(args.path, []).append(args.importer)
            return ResolveResult(external=True)
        return ResolveResult(
            path=result.path,
            external=result.external,
            namespace=result.namespace,
            side_effects=result.side_effects,
            suffix=result.suffix,
            plugin_data=result.plugin_data,
        )

    def errors(self) -> list[str]:
        if self.format == "service-worker" and self.unresolved:
            return [service_worker_import_error(self.unresolved)]
        return []

    def warnings(self) -> list[str]:
        if self.mode == "v1":
            return []
        return [
            f'The package "{path}" wasn\'t found on the file system but is built into node.\n'
            'Your Worker may throw errors at runtime unless you enable the "nodejs_compat" '
            "compatibility flag. Refer to https://developers.cloudflare.com/workers/"
            "runtime-apis/nodejs/ for more details. Imported from:\n"
            + "\n".join(f" - {_relative(i, self.project_root)}" for i in importers)
            for path, importers in self.unresolved.items()
        ]


def _external(args: ResolveArgs, build: PluginBuild) -> ResolveResult:
    return ResolveResult(external=True)


def _relative(path: str, root: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return path


@dataclass
class UnenvFiles:
    """The unenv files a v2 bundle takes polyfills from, shown to esbuild where a project
    that installs wrangler has them: ``<project>/node_modules/unenv/…``,
    ``…/@cloudflare/unenv-preset/…``, ``…/pathe/…`` (and wrangler's virtual global files in
    ``…/wrangler/``). Their bytes come from ``real`` (the pinned copies cfaction ships), so
    the bundle's comments and source map name the same paths as wrangler's bundle of the
    same project, whatever folder the copies live in."""

    real: Path
    """A ``node_modules`` folder holding the pinned packages."""
    virtual: Path
    """``<project>/node_modules``."""

    def to_virtual(self, path: Path) -> Path:
        return self.virtual / path.relative_to(self.real)

    def is_virtual(self, path: str) -> bool:
        return any(
            path.startswith(f"{self.virtual}/{package}/")
            for package in (*UNENV_PACKAGES, WRANGLER_FOLDER)
        )

    def to_real(self, path: str) -> Path:
        return self.real / os.path.relpath(path, self.virtual)

    def plugin(self) -> Plugin:
        packages = "|".join(re.escape(p) for p in UNENV_PACKAGES)
        return Plugin(
            "cfaction-unenv-files",
            # Any namespace: esbuild resolves --inject files in the empty one.
            on_resolve=[(rf"^(\.|/|({packages})(/|$))", "", self._resolve)],
            on_load=[("^" + re.escape(f"{self.virtual}/"), "file", self._load)],
        )

    def _resolve(self, args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        """An import inside a served file: resolved by esbuild among the real files, then
        shown at the matching virtual path."""
        if args.namespace not in ("file", ""):
            return None
        if args.path.startswith("/") and self.is_virtual(args.path):
            return ResolveResult(path=args.path)
        if not self.is_virtual(args.importer) or args.plugin_data is _SKIP:
            return None
        real_dir = self.to_real(args.resolve_dir)
        if not real_dir.is_dir():  # wrangler's own folder: there are no copies of it
            real_dir = self.real.parent
        found = build.resolve(
            args.path,
            kind=args.kind,
            resolve_dir=str(real_dir),
            importer=str(self.to_real(args.importer)),
            plugin_data=_SKIP,
        )
        if found.errors or not found.path or found.external:
            return None
        return ResolveResult(
            path=str(self.to_virtual(Path(found.path))),
            side_effects=found.side_effects,
            suffix=found.suffix or None,
        )

    def _load(self, args: LoadArgs, build: PluginBuild) -> LoadResult | None:
        if not self.is_virtual(args.path) or Path(args.path).name.startswith(
            GLOBAL_POLYFILL_PREFIX
        ):
            return None
        data = _read(self.to_real(args.path))
        if data is None:
            return None
        return LoadResult(
            contents=data,
            loader=_loader(args.path),
            resolve_dir=os.path.dirname(args.path),
        )


def _loader(path: str) -> str:
    """wrangler's loaders (``.js``, ``.mjs``, ``.cjs`` as ``jsx``), else esbuild's."""
    suffix = os.path.splitext(path)[1]
    return {".json": "json", ".ts": "ts", ".mts": "ts", ".cts": "ts"}.get(suffix, "jsx")


_BUILTIN_PATTERN: Final = (
    "^(" + "|".join(re.escape(name) for name in NODE_BUILTIN_MODULES) + "|node:.+)$"
)


@dataclass
class HybridNodeCompat:
    """Mode ``v2``: Node's modules are workerd's own (external), unenv's polyfills
    (bundled from :class:`UnenvFiles`), or the preset's hybrids, with globals injected."""

    env: UnenvEnv
    files: UnenvFiles
    format: Format
    project_root: Path
    builtin_imports: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.resolved: dict[str, str] = {}
        for key, target in self.env.alias.items():
            found = self._resolve_target(target)
            if found is not None:
                self.resolved[key] = found

    def _resolve_target(self, target: str) -> str | None:
        """``require.resolve`` from wrangler's install: the pinned files, then (for a
        package wrangler does not carry, ``debug``) the project's."""
        found = require_resolve(target, [self.files.real.parent])
        if found is not None:
            path = Path(found)
            if path.is_absolute():
                return str(self.files.to_virtual(path))
            return found
        return require_resolve(target, [self.project_root])

    def inject_files(self) -> list[str]:
        """The files to ``--inject``: the virtual global files, then the polyfills."""
        files = [
            str(self.files.virtual / WRANGLER_FOLDER / module.file_name)
            for module in global_inject_modules(self.env.inject)
        ]
        for polyfill in self.env.polyfill:
            found = self._resolve_target(polyfill)
            if found is not None:
                files.append(found)
        return files

    def plugins(self) -> list[Plugin]:
        aliases = [key for key in self.env.alias if key in self.resolved]
        globals_by_name = {m.file_name: m for m in global_inject_modules(self.env.inject)}
        return [
            Plugin(
                "hybrid-nodejs_compat",
                on_resolve=[
                    (_BUILTIN_PATTERN, "", self._remember),
                    (_BUILTIN_PATTERN, "", self._required_builtin),
                    *([(_exact(aliases), "", self._alias)] if aliases else []),
                    (re.escape(GLOBAL_POLYFILL_PREFIX) + "(.+)$", "", self._global_file),
                ],
                on_load=[
                    (".*", REQUIRED_NODE_BUILT_IN_NAMESPACE, _required_builtin_module),
                    (".*", REQUIRED_UNENV_ALIAS_NAMESPACE, _required_alias_module),
                    (
                        re.escape(GLOBAL_POLYFILL_PREFIX) + "(.+)$",
                        "",
                        lambda args, build: _global_module(args, globals_by_name),
                    ),
                ],
            ),
            self.files.plugin(),
        ]

    def _remember(self, args: ResolveArgs, build: PluginBuild) -> None:
        with self._lock:
            self.builtin_imports.add(args.path)

    def _required_builtin(self, args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        if args.kind != "require-call":
            return None
        return ResolveResult(path=args.path, namespace=REQUIRED_NODE_BUILT_IN_NAMESPACE)

    def _alias(self, args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        target = self.env.alias.get(args.path)
        if target is None or args.path not in self.resolved:
            return None
        if args.kind == "require-call" and wraps_required_alias(target):
            return ResolveResult(path=args.path, namespace=REQUIRED_UNENV_ALIAS_NAMESPACE)
        return ResolveResult(path=self.resolved[args.path], external=target in self.env.external)

    @staticmethod
    def _global_file(args: ResolveArgs, build: PluginBuild) -> ResolveResult:
        return ResolveResult(path=args.path)

    def errors(self) -> list[str]:
        if self.format == "service-worker" and self.builtin_imports:
            return [service_worker_import_error(self.builtin_imports)]
        return []

    def warnings(self) -> list[str]:
        return []


def _required_builtin_module(args: LoadArgs, build: PluginBuild) -> LoadResult:
    return LoadResult(contents=require_builtin_contents(args.path), loader="js")


def _required_alias_module(args: LoadArgs, build: PluginBuild) -> LoadResult:
    return LoadResult(contents=require_alias_contents(args.path), loader="js")


def _global_module(args: LoadArgs, modules: Mapping[str, GlobalInjectModule]) -> LoadResult | None:
    """A virtual global file; no loader and no resolve folder, as wrangler answers, so its
    import resolves from the file's own (virtual) folder."""
    module = modules.get(os.path.basename(args.path))
    if module is None:
        return None
    return LoadResult(contents=module.contents)


# --- 4. cloudflare:* -----------------------------------------------------------------------


@dataclass
class CloudflareImports:
    """``cloudflare:*`` imports are the runtime's: external (an error in a service worker)."""

    format: Format
    paths: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def plugin(self) -> Plugin:
        return Plugin(
            "cloudflare-internal-imports", on_resolve=[("^cloudflare:.*", "", self._hook)]
        )

    def _hook(self, args: ResolveArgs, build: PluginBuild) -> ResolveResult:
        with self._lock:
            self.paths.add(args.path)
        return ResolveResult(external=True)

    def errors(self) -> list[str]:
        if self.format == "service-worker" and self.paths:
            return [service_worker_import_error(self.paths)]
        return []
