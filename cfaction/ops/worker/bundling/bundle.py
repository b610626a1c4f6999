"""Bundling a Worker as ``wrangler deploy`` does, with the esbuild binary and wrangler's
plugins answered in Python (workers-sdk ``packages/wrangler/src/deployment-bundle/
bundle.ts`` ``bundleWorker``, ``guess-worker-format.ts``, ``source-maps.ts``).

The options are wrangler's for a deploy: ES module output (``iife`` for a service worker),
target ``es2024``, ``.js``/``.mjs``/``.cjs`` read as JSX, conditions ``workerd``, ``worker``,
``browser``, ``keep_names`` on unless the config turns it off, a source map unless
``upload_source_maps = false``, the config's ``define`` after wrangler's own
(``navigator.userAgent`` from 2022-03-21, ``process.env.NODE_ENV``), JSX factory and
fragment, ``minify``, ``tsconfig``, ``alias``, module ``rules`` and Node.js compatibility.
The output is the entry's stem with ``.js``, as wrangler names it, built in memory: nothing
is written to the workspace.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from cfaction.errors import ActionError, Annotation
from cfaction.ops.worker.bundling.esbuild import (
    BuildResult,
    Esbuild,
    Message,
    Plugin,
)
from cfaction.ops.worker.bundling.node_compat import (
    NODE_BUILTIN_MODULES,
    Mode,
    NodeCompatError,
    node_compat_mode,
    unenv_env,
)
from cfaction.ops.worker.bundling.plugins import (
    AliasPlugin,
    CloudflareImports,
    HybridNodeCompat,
    ModuleCollector,
    NodeCompatImports,
    UnenvFiles,
)
from cfaction.ops.worker.bundling.tools import ESBUILD_VERSION, find_esbuild, find_unenv
from cfaction.ops.worker.modules import CONTENT_TYPES, Format, Module, parse_rules
from cfaction.ops.worker.wrangler import BuildOptions, ModuleRule

TARGET: Final = "es2024"
CONDITIONS: Final = ("workerd", "worker", "browser")
JSX_LOADERS: Final = (".js", ".mjs", ".cjs")
OUTPUT_FOLDER: Final = Path(".wrangler") / "tmp" / "deploy-cfaction"
"""Where the bundle would be written (it is kept in memory): inside the project, as
wrangler's own temporary folder, so the source map's paths come out the same."""
NAVIGATOR_DATE: Final = "2022-03-21"
_UNRESOLVED: Final = re.compile(r'^Could not resolve "(.+?)"$')


class BundleError(ActionError):
    """esbuild (or a check after it) refused the bundle. ``messages`` are esbuild's, each
    with its file (relative to ``root``, esbuild's working folder) and line when it has
    them; each becomes an annotation on that line."""

    title = "Bundling"

    def __init__(
        self, message: str, messages: Sequence[Message] = (), root: Path | None = None
    ) -> None:
        super().__init__(message)
        self.messages = tuple(messages)
        self.root = root

    def annotations(self) -> list[Annotation]:
        placed = []
        for message in self.messages:
            text = "\n".join([message.text, *message.notes])
            where = message.location
            if where is None or self.root is None or not where.file:
                placed.append(Annotation(text))
                continue
            placed.append(
                Annotation(
                    f"{where.file}:{where.line}:{where.column}: {text}",
                    file=str((self.root / where.file).absolute()),
                    line=where.line,
                    column=where.column + 1,
                )
            )
        return placed


@dataclass(frozen=True)
class BundleOptions:
    """What the bundle is made from (wrangler's ``bundleWorker`` options for a deploy)."""

    entry: Path
    project_root: Path
    """esbuild's working folder: the config's folder (else the workspace)."""
    compatibility_date: str
    compatibility_flags: tuple[str, ...] = ()
    format: Format | None = None
    """As the input forces it, or None to decide as wrangler does (exports mean modules)."""
    rules: tuple[ModuleRule, ...] = ()
    find_additional_modules: bool = False
    walked: tuple[Module, ...] = ()
    preserve_file_names: bool = False
    build: BuildOptions = field(default_factory=BuildOptions)
    upload_source_maps: bool | None = None
    exported_classes: tuple[str, ...] = ()
    """Durable Object classes of this Worker, which the entry must export."""
    exported_workflows: tuple[str, ...] = ()
    node_env: str = "production"
    """``process.env.NODE_ENV`` in the code: ``$NODE_ENV`` where wrangler runs, else this."""
    conditions: tuple[str, ...] = CONDITIONS
    """``$WRANGLER_BUILD_CONDITIONS`` (comma-separated) when set, as wrangler reads it."""
    platform: str | None = None
    """``$WRANGLER_BUILD_PLATFORM`` (browser, node, neutral); unset: esbuild's browser."""


@dataclass(frozen=True)
class Bundle:
    """The bundled Worker: its main module, the modules its imports made, its source map."""

    main_name: str
    main: bytes
    format: Format
    main_type: Literal["ESModule", "CommonJS"]
    modules: tuple[Module, ...]
    source_map: bytes | None
    """The map as uploaded (``<main>.map``), when ``upload_source_maps`` is on."""
    warnings: tuple[str, ...]
    inputs: int
    """Files esbuild read into the bundle."""
    seconds: float
    esbuild_version: str
    node_compat: Mode

    @property
    def main_content_type(self) -> str:
        return CONTENT_TYPES[self.main_type]


def bundle_worker(options: BundleOptions, environ: Mapping[str, str]) -> Bundle:
    """Bundle the Worker (reads files and runs esbuild; no network).

    :raises BundleError: for a build error, with esbuild's messages.
    :raises BundlerUnavailableError: when esbuild or the unenv files are missing.
    """
    started = time.monotonic()
    try:
        mode = node_compat_mode(
            options.compatibility_date, options.compatibility_flags, runtime_default_on=True
        )
    except NodeCompatError as error:
        raise BundleError(f"compatibility_flags: {error}") from None
    binary = find_esbuild(environ)
    unenv = find_unenv(environ, options.project_root) if mode == "v2" else None
    with Esbuild(binary) as esbuild:
        fmt = options.format or guess_format(esbuild, options)
        if options.find_additional_modules and fmt != "modules":
            raise BundleError(
                "find_additional_modules can only be used with an ES module entrypoint. "
                "Remove find_additional_modules = true from the config, or migrate to the ES "
                "module Worker format: https://developers.cloudflare.com/workers/learning/"
                "migrate-to-module-workers/"
            )
        build = _Build(options, fmt, mode, unenv)
        result = esbuild.build(
            [("", str(options.entry.absolute()))],
            build.flags(),
            working_dir=options.project_root,
            plugins=build.plugins(),
        )
    return build.finish(result, esbuild.version, time.monotonic() - started)


def guess_format(esbuild: Esbuild, options: BundleOptions) -> Format:
    """wrangler's ``guessWorkerFormat``: a quick build without bundling; a default export
    means an ES module Worker, anything else a service worker."""
    flags = [
        "--log-level=silent",
        "--log-limit=0",
        f"--target={TARGET}",
        "--supported:import-source=true",
        "--metafile",
        *_tsconfig_flags(options),
        *(f"--loader:{ext}=jsx" for ext in JSX_LOADERS),
    ]
    result = esbuild.build(
        [("", str(options.entry.absolute()))], flags, working_dir=options.project_root
    )
    if result.errors:
        raise _failure(result.errors, options, None)
    exports = _entry_output(result.metafile or {})[1].get("exports") or []
    return "modules" if "default" in exports else "service-worker"


def _tsconfig_flags(options: BundleOptions) -> list[str]:
    tsconfig = options.build.tsconfig
    return [f"--tsconfig={tsconfig}"] if tsconfig is not None else []


class _Build:
    """One bundle's flags and plugins, and what becomes of esbuild's answer."""

    def __init__(self, options: BundleOptions, fmt: Format, mode: Mode, unenv: Path | None):
        self.options = options
        self.format = fmt
        self.mode = mode
        self.outdir = options.project_root.absolute() / OUTPUT_FOLDER
        self.stem = options.entry.stem
        kept, removed, _ = parse_rules(options.rules)
        self.collector = ModuleCollector(
            rules=kept,
            removed=removed,
            format=fmt,
            entry=options.entry.absolute(),
            preserve_file_names=options.preserve_file_names,
            find_additional_modules=options.find_additional_modules,
            walked=options.walked,
        )
        self.cloudflare = CloudflareImports(fmt)
        self.node: NodeCompatImports | HybridNodeCompat
        if mode == "v2" and unenv is not None:
            files = UnenvFiles(unenv.absolute(), options.project_root.absolute() / "node_modules")
            env = unenv_env(options.compatibility_date, options.compatibility_flags)
            self.node = HybridNodeCompat(env, files, fmt, options.project_root.absolute())
        else:
            self.node = NodeCompatImports(mode, fmt, options.project_root.absolute())

    @property
    def sourcemap(self) -> bool:
        return self.options.upload_source_maps is not False

    def flags(self) -> list[str]:
        """The flags esbuild's JS API sends for wrangler's options, in its order."""
        build = self.options.build
        flags = [
            "--log-level=silent",
            "--log-limit=0",
            f"--source-root={self.outdir}",
            f"--target={TARGET}",
            f"--format={'esm' if self.format == 'modules' else 'iife'}",
        ]
        if self.options.platform:
            flags.append(f"--platform={self.options.platform}")
        if build.minify:
            flags.append("--minify")
        flags.append(f"--jsx-factory={build.jsx_factory or 'React.createElement'}")
        flags.append(f"--jsx-fragment={build.jsx_fragment or 'React.Fragment'}")
        flags += [f"--define:{key}={value}" for key, value in self.defines().items()]
        flags.append("--supported:import-source=true")
        if build.keep_names is not False:
            flags.append("--keep-names")
        if self.sourcemap:
            flags.append("--sourcemap")
        flags += ["--bundle", "--metafile", f"--outdir={self.outdir}"]
        flags += _tsconfig_flags(self.options)
        flags += [
            f"--entry-names={self.stem}",
            f"--conditions={','.join(self.options.conditions)}",
        ]
        flags.append("--external:__STATIC_CONTENT_MANIFEST")
        if isinstance(self.node, HybridNodeCompat):
            flags += [f"--inject:{path}" for path in self.node.inject_files()]
        flags += [f"--loader:{ext}=jsx" for ext in JSX_LOADERS]
        return flags

    def defines(self) -> dict[str, str]:
        options = self.options
        defines: dict[str, str] = {}
        if _navigator_defined(options.compatibility_date, options.compatibility_flags):
            defines["navigator.userAgent"] = '"Cloudflare-Workers"'
        node_env = json.dumps(options.node_env)
        for key in ("process", "global.process", "globalThis.process"):
            defines[f"{key}.env.NODE_ENV"] = node_env
        defines.update(options.build.define)
        return defines

    def plugins(self) -> list[Plugin]:
        alias = AliasPlugin(self.options.build.alias, self.options.project_root.absolute())
        return [
            alias.plugin(),
            self.collector.plugin(),
            *self.node.plugins(),
            self.cloudflare.plugin(),
        ]

    def finish(self, result: BuildResult, version: str, seconds: float) -> Bundle:
        if result.errors:
            raise _failure(result.errors, self.options, self.mode)
        late = [*self.node.errors(), *self.cloudflare.errors()]
        if late:
            raise BundleError(late[0], [Message(text) for text in late])
        metafile = result.metafile or {}
        _, output = _entry_output(metafile)
        exports = list(output.get("exports") or [])
        self._check_exports(exports)
        main_file = self.outdir / f"{self.stem}.js"
        files = {Path(f.path): f.contents for f in result.output_files}
        main = files.get(main_file)
        if main is None:
            raise BundleError(f"esbuild wrote no {main_file.name}; it wrote {sorted(files)}.")
        source_map = None
        if self.options.upload_source_maps:
            raw = files.get(main_file.with_name(f"{main_file.name}.map"))
            if raw is not None:
                source_map = self._upload_map(raw, main_file)
        warnings = [str(m) for m in result.warnings] + self.node.warnings()
        if version != ESBUILD_VERSION:
            warnings.append(
                f"esbuild {version} bundled this Worker; wrangler 4.125 bundles with "
                f"{ESBUILD_VERSION}, so the output may differ from wrangler's in detail."
            )
        # Walked modules first, then what imports collected; a name once, the last wins.
        modules = {m.name: m for m in self.options.walked}
        for found in self.collector.modules:
            modules.pop(found.name, None)
            modules[found.name] = Module(found.name, found.path, found.type)
        return Bundle(
            main_name=main_file.name,
            main=main,
            format=self.format,
            main_type="ESModule" if exports else "CommonJS",
            modules=tuple(modules.values()),
            source_map=source_map,
            warnings=tuple(warnings),
            inputs=len(metafile.get("inputs") or {}),
            seconds=seconds,
            esbuild_version=version,
            node_compat=self.mode,
        )

    def _check_exports(self, exports: Sequence[str]) -> None:
        entry = os.path.relpath(self.options.entry, self.options.project_root)
        for what, names in (
            ("Durable Objects", self.options.exported_classes),
            ("Workflows", self.options.exported_workflows),
        ):
            missing = [name for name in names if name not in exports]
            if missing:
                raise BundleError(
                    f"Your Worker depends on the following {what}, which are not exported in "
                    f"your entrypoint file: {', '.join(missing)}. You should export these "
                    f"objects from your entrypoint, {entry}."
                )

    def _upload_map(self, raw: bytes, main_file: Path) -> bytes:
        """The map as wrangler uploads a bundle's (``loadSourceMap``): ``file`` is the main
        module, ``sourceRoot`` relative to the map's folder, ``sources`` relative to the
        project."""
        data: dict[str, Any] = json.loads(raw)
        data["file"] = main_file.name
        if data.get("sourceRoot"):
            data["sourceRoot"] = os.path.relpath(str(data["sourceRoot"]), main_file.parent)
            if data["sourceRoot"] == ".":
                data["sourceRoot"] = ""
        root = self.options.project_root.absolute()
        data["sources"] = [
            os.path.relpath(os.path.normpath(main_file.parent / str(source)), root)
            for source in data.get("sources") or []
        ]
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _navigator_defined(date: str, flags: Sequence[str]) -> bool:
    """wrangler's ``isNavigatorDefined``."""
    if "global_navigator" in flags and "no_global_navigator" in flags:
        raise BundleError(
            'compatibility_flags: "global_navigator" and "no_global_navigator" cannot both be '
            "set. Remove one of them."
        )
    if "global_navigator" in flags:
        return True
    if "no_global_navigator" in flags:
        return False
    return bool(date) and date >= NAVIGATOR_DATE


def _entry_output(metafile: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The one output with an entry point (wrangler's ``getEntryPointFromMetafile``)."""
    outputs = metafile.get("outputs") or {}
    entries = [
        (path, output)
        for path, output in outputs.items()
        if isinstance(output, dict) and output.get("entryPoint") is not None
    ]
    if len(entries) != 1:
        raise BundleError(f"esbuild's metafile has {len(entries)} entry points, not one.")
    return entries[0]


def _failure(errors: Sequence[Message], options: BundleOptions, mode: Mode) -> BundleError:
    """esbuild's errors, with wrangler's notes for a Node.js builtin the bundle cannot find
    (``rewriteNodeCompatBuildFailure``) and for a package that is not installed."""
    noted = [_with_note(message, options, mode) for message in errors]
    first = noted[0]
    count = f" (and {len(noted) - 1} more)" if len(noted) > 1 else ""
    return BundleError(f"Build failed: {first}{count}", noted, options.project_root)


def _with_note(message: Message, options: BundleOptions, mode: Mode) -> Message:
    found = _UNRESOLVED.match(message.text)
    if found is None:
        return message
    name = found[1]
    bare = name.removeprefix("node:")
    if bare in NODE_BUILTIN_MODULES:
        note = f'The package "{name}" wasn\'t found on the file system but is built into node.'
        if mode in (None, "als"):
            note += ' Add the "nodejs_compat" compatibility flag to your project.'
        elif mode == "v1" and not name.startswith("node:"):
            note += (
                ' Prefix the module name with "node:" or update your compatibility_date to '
                "2024-09-23 or later."
            )
        return Message(message.text, message.location, (note,), message.plugin_name)
    if not name.startswith((".", "/")):
        installed = (options.project_root / "node_modules").is_dir()
        note = (
            f'"{name}" is not installed in {options.project_root / "node_modules"}: run '
            "npm ci (or the project's install) in a step before this one."
            if not installed
            else f'"{name}" is not in node_modules: add it to package.json and install it '
            "before this step, or map it with alias in the config."
        )
        return Message(message.text, message.location, (*message.notes, note), message.plugin_name)
    return message


__all__ = [
    "ESBUILD_VERSION",
    "Bundle",
    "BundleError",
    "BundleOptions",
    "bundle_worker",
    "guess_format",
]
