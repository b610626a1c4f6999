"""Node.js compatibility of a Worker bundle, decided and computed as wrangler does, in Python
(the image has no Node).

The line references below are to wrangler 4.86.0; the plugins and the pinned preset and
unenv are the same in wrangler 4.125.0, which cfaction follows, and whose one change here,
the default-on date, is ``node_compat_mode(..., runtime_default_on=True)`` (the bundler
passes it).

Two answers:

* :func:`node_compat_mode`: which of ``"v2"``, ``"v1"``, ``"als"`` or ``None`` applies to a
  compatibility date and flags, and the flag combinations wrangler refuses
  (:class:`NodeCompatError`).
* :func:`unenv_env`: in v2 mode, the ``env`` (``alias``, ``inject``, ``external``,
  ``polyfill``) that wrangler's hybrid plugin gets from unenv's ``defineEnv`` with the
  Cloudflare preset, for the versions wrangler 4.86.0 pins: @cloudflare/unenv-preset
  :data:`PRESET_VERSION` and unenv :data:`UNENV_VERSION`. The specifiers are unresolved
  (``"node:fs" -> "unenv/node/fs"``), as ``defineEnv`` returns them without ``resolve``.

Plus what the hybrid plugin then does with that env (below), and small helpers for it:
:func:`is_node_builtin`, :func:`wraps_required_alias`, :func:`require_builtin_contents`,
:func:`require_alias_contents`, :func:`global_inject_modules`.

Public sources (line numbers at the tags named):

* cloudflare/workers-sdk, tag ``wrangler@4.86.0``: ``packages/miniflare/src/plugins/core/
  node-compat.ts`` (getNodeCompat), ``packages/wrangler/src/deployment-bundle/node-compat.ts``
  (validateNodeCompatMode), ``.../deployment-bundle/bundle.ts``,
  ``.../deployment-bundle/build-failures.ts``, ``.../esbuild-plugins/nodejs-plugins.ts``,
  ``.../esbuild-plugins/hybrid-nodejs-compat.ts``, ``.../esbuild-plugins/nodejs-compat.ts``,
  ``.../esbuild-plugins/als-external.ts``, ``packages/wrangler/src/paths.ts``.
* cloudflare/workers-sdk, tag ``@cloudflare/unenv-preset@2.16.1``:
  ``packages/unenv-preset/src/preset.ts`` and ``src/index.ts``.
* unjs/unenv, tag ``v2.0.0-rc.24``: ``src/preset.ts`` and ``src/env.ts``.

Mode (wrangler 4.86.0)
======================

``validateNodeCompatMode`` (wrangler node-compat.ts:17-52) takes miniflare's
``getNodeCompat`` (miniflare node-compat.ts:22-57):

* no date means ``"2000-01-01"`` (miniflare :23, wrangler :18); dates compare as strings.
* ``"v2"`` if ``nodejs_compat_v2`` is a flag, or ``nodejs_compat`` is one, the date is
  ``>= "2024-09-23"`` and ``no_nodejs_compat_v2`` is not a flag (:34-42); else ``"v1"`` with
  ``nodejs_compat``; else ``"als"`` with ``nodejs_als``; else ``None``.
* then errors, in this order (wrangler :33-43): ``experimental:nodejs_compat_v2`` among the
  flags; ``nodejs_compat`` together with ``nodejs_compat_v2``. With ``--no-bundle`` (or
  ``no_bundle``) and an explicit ``nodejs_compat_v2`` only a warning (:45-49), see
  :func:`no_bundle_warning`.
* 4.86.0 has no date default: workerd turns ``nodejs_compat`` and ``nodejs_compat_v2`` on by
  default from 2026-08-04, but wrangler only follows that from 4.122.0
  (``resolveNodejsCompat`` in ``packages/workers-utils/src/compatibility-date.ts``, called by
  getNodeCompat). So 4.86.0 bundles a Worker dated 2026-08-04 or later without flags in mode
  ``None``. ``node_compat_mode(..., runtime_default_on=True)`` applies the later rule.

The plugins per mode (nodejs-plugins.ts:19-28): ``"als"``: the ALS plugin, then the
nodejs-compat plugin; ``"v1"`` and ``None``: the nodejs-compat plugin; ``"v2"``: only the hybrid
plugin. In bundle.ts they come after wrangler's user-``alias`` plugin (:327-357, which
``require.resolve``s ``alias`` targets from the project root) and the module collector, and
before the cloudflare-internal plugin (:408-426). esbuild's ``platform`` is its default
(``browser``) and ``conditions`` are ``["workerd", "worker", "browser"]`` unless
``WRANGLER_BUILD_PLATFORM`` / ``WRANGLER_BUILD_CONDITIONS`` say otherwise (:69-90, :396-397).

* ALS plugin (als-external.ts:9-11): ``/^node:async_hooks(\\/|$)/`` -> ``external``.
* nodejs-compat plugin (nodejs-compat.ts:28-56): filter ``/node:.*/`` (unanchored: any path
  containing ``node:``); resolves the path normally (``build.resolve``) and returns that; if it
  fails, returns ``external: true`` and remembers the path. On end (:64-103): format ``iife``
  with any such path -> the "Unexpected external import of ..." error; mode not ``"v1"`` -> a
  warning per path ("The package ... wasn't found on the file system but is built into node.").
* A failed build's ``Could not resolve "<builtin>"`` errors get a note (build-failures.ts:21-44):
  mode ``None``/``"als"``: add ``nodejs_compat``; ``"v1"`` with a bare name: prefix ``node:`` or
  move the date to 2024-09-23 or later.

What the hybrid plugin does with the env (v2)
=============================================

All in hybrid-nodejs-compat.ts at ``wrangler@4.86.0``.

1. The env (:29-44): ``defineEnv({presets: [getCloudflarePreset({compatibilityDate,
   compatibilityFlags}), {alias: {debug: "debug"}}], npmShims: true}).env``, no ``resolve``
   option: :func:`unenv_env`. The second preset replaces unenv's ``debug -> unenv/npm/debug``
   shim with ``debug -> debug`` (so the real package is used, see 3c).
2. ``nodeJsModuleRegexp`` (:47-49): ``^(<nonPrefixedNodeModules joined by |>|node:.+)$``, i.e.
   :func:`is_node_builtin` (:data:`NODE_BUILTIN_MODULES`; bare ``sqlite`` and ``test`` are not
   in it, any ``node:`` + something is).
3. ``onResolve`` hooks in registration order (esbuild asks them in order; the first to return a
   path wins; ``null``/``undefined`` passes on):

   a. errorOnServiceWorkerFormat (:68-100): remembers every path matching the regexp, returns
      ``null``. On end, format ``iife`` and any remembered path -> one error,
      :func:`service_worker_import_error` (the same text as the nodejs-compat plugin's).
   b. handleRequireCallsToNodeJSBuiltins (:110-133): ``kind == "require-call"`` and the regexp
      matches -> ``{path, namespace: "node-built-in-modules"}``; its ``onLoad`` (filter
      ``/.*/``) returns :func:`require_builtin_contents` (``loader: "js"``). That namespace has
      no ``resolveDir``; the ``import`` inside comes back through these hooks as an
      ``import-statement`` and is aliased by c. This is the path of *every* ``require()`` of a
      builtin name, including those aliased to ``unenv/mock/proxy-cjs`` (``_http_*``,
      ``_stream_*``, ``_tls_*`` while not native): they never reach c's CJS wrapper.
   c. handleUnenvAliasedPackages (:142-200):

      * Each alias target goes through Node's ``require.resolve`` from wrangler-dist/cli.js
        (:148-155), CJS rules (conditions require/node/default, ``main`` not ``browser``); if it
        throws, the alias is dropped silently. So:

        - a native module (``p -> p`` and ``node:p -> node:p``): Node returns the name
          unchanged (``"fs"``, ``"node:fs"``), and the resolved path is that name; a name the
          Node running wrangler does not know throws and is dropped. Bare ``sqlite`` (native
          from 2026-01-29) is never a builtin, so it is dropped (unless an npm package
          ``sqlite`` is reachable); ``node:sqlite`` only exists from Node 22.5, so under Node 20
          it is dropped too, and ``import "node:sqlite"`` fails with ``Could not resolve``
          (observed with wrangler 4.86.0 on Node 20.20).
        - ``unenv/...``: unenv's package ``exports``: ``./mock/proxy-cjs`` and
          ``./mock/proxy-cjs/*`` -> ``lib/mock.cjs``, ``./*`` -> ``dist/runtime/*.mjs`` (every
          target of 2.0.0-rc.24 exists); ``@cloudflare/unenv-preset/...`` -> its
          ``dist/runtime/*.mjs``. Both packages are wrangler's own dependencies.
        - ``debug``: whatever ``debug`` Node finds from wrangler's install (wrangler does not
          depend on it, so in practice the project's, when wrangler sits in the project's
          ``node_modules``), its CJS main (``src/index.js``); otherwise dropped and ``debug``
          resolves as any package would (esbuild, ``browser`` field).

      * Filter (:157-159): ``^(<kept keys joined by |>)$``, unescaped; no key has a regexp
        metacharacter, so it is plain membership in the kept keys.
      * ``onResolve`` (:161-181): ``target = alias[path]``; ``kind == "require-call"`` and
        target starting ``unenv/npm/`` or ``unenv/mock/`` (see :func:`wraps_required_alias`) ->
        ``{path, namespace: "required-unenv-alias"}``; otherwise ``{path: <resolved>, external:
        target in env.external}``. After b, only npm shims get wrapped: ``cross-fetch``,
        ``fsevents``, ``inherits``, ``node-fetch``, ``node-fetch-native``, ``whatwg-url``,
        ``whatwg-url/webidl2js-wrapper`` and the ``unenv/mock/empty`` ones
        (``cross-fetch/polyfill``, ``node-fetch-native/polyfill``, ``isomorphic-fetch``);
        ``debug`` never is. Natives are external under the name written, bare stays bare,
        ``node:`` stays ``node:``; everything else is the absolute file. The shims apply even
        when the project has the real package (only the user ``alias`` plugin runs earlier).
      * ``onLoad`` for ``required-unenv-alias`` (:183-199): :func:`require_alias_contents`
        (``loader: "js"``); its ``import * as esm`` comes back through c as an
        ``import-statement``.

   d. handleNodeJSGlobals (:208-279):

      * ``prefix = path.resolve(getBasePath(), "_virtual_unenv_global_polyfill-")``
        (:213-217), ``getBasePath()`` being wrangler's package folder (paths.ts:71-74).
      * Each ``inject`` entry, in order (:233-248): a string is ``(module, "default",
        "defaultExport")``, a pair ``(module, name, name)``; entries are grouped by module in
        first-seen order, one virtual file ``prefix + module.replaceAll("/", "-")`` each.
      * ``build.initialOptions.inject`` becomes (:250-256) the injects already there
        (wrangler's own, from bundle.ts:249-320), then the virtual files, then each
        ``polyfill`` through ``require.resolve`` (absolute; a failure throws, no ``try``).
      * ``onResolve`` ``/_virtual_unenv_global_polyfill-(.+)$/`` -> ``{path}`` (``file``
        namespace, :258-260); ``onLoad`` same filter -> :func:`global_inject_modules`'
        contents, no loader (esbuild's default, ``js``), ``resolveDir`` defaulting to the
        virtual file's folder, wrangler's package, from which esbuild itself resolves the
        ``import`` (the module is no alias key).

      With preset 2.16.1 the only injects left are ``process`` (while ``node:process`` is the
      hybrid one) and ``console`` (dates before 2025-09-21), each a default export, and the
      only polyfill is ``@cloudflare/unenv-preset/polyfill/performance`` (dates before
      2026-03-17). ``Buffer``, ``global``, ``clearImmediate``, ``setImmediate`` (and
      ``process`` when native) are disabled with ``false`` and so absent.

4. A builtin with no kept alias (``node:test``, ``node:sqlite`` under Node 20, ...) reaches
   esbuild's resolver (after b's wrapper for a ``require``), which fails on the ``browser``
   platform with ``Could not resolve "..."``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

PRESET_VERSION = "2.16.1"
"""@cloudflare/unenv-preset as wrangler 4.86.0 pins it."""
UNENV_VERSION = "2.0.0-rc.24"
"""unenv as wrangler 4.86.0 pins it (its dist still says rc.23 inside; the package is rc.24)."""

Mode = Literal["v2", "v1", "als"] | None
"""miniflare's NodeJSCompatMode."""

InjectTarget = str | tuple[str, str]
"""A module whose default export becomes the global, or (module, export name)."""

NODEJS_COMPAT_V2_SWITCH_OVER_DATE = "2024-09-23"
"""From this date ``nodejs_compat`` means v2 (miniflare node-compat.ts:34)."""
NODEJS_COMPAT_DEFAULT_ON_DATE = "2026-08-04"
"""From this date workerd enables ``nodejs_compat`` and ``nodejs_compat_v2`` without flags;
wrangler 4.86.0 ignores it (workers-utils compatibility-date.ts, from wrangler 4.122.0)."""

_NO_DATE = "2000-01-01"  # miniflare node-compat.ts:23, wrangler node-compat.ts:18
_PRESET_NO_DATE = "2024-09-03"  # getCloudflarePreset's default (unenv-preset preset.ts:55)


class NodeCompatError(ValueError):
    """Compatibility flags wrangler refuses to bundle with. ``str()`` is wrangler's message
    (``problem`` then ``fix``), word for word."""

    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} {fix}")


def node_compat_mode(
    compatibility_date: str | None,
    flags: Sequence[str],
    *,
    runtime_default_on: bool = False,
) -> Mode:
    """The Node.js compatibility mode of a Worker, as wrangler 4.86.0's
    ``validateNodeCompatMode`` computes it (see the module docstring), or
    :class:`NodeCompatError` for the flags it refuses.

    ``runtime_default_on`` also applies workerd's default-on of ``nodejs_compat`` and
    ``nodejs_compat_v2`` from :data:`NODEJS_COMPAT_DEFAULT_ON_DATE` (each turned off only by
    its own ``no_`` flag), as wrangler does from 4.122.0; 4.86.0 does not."""
    date = _NO_DATE if compatibility_date is None else compatibility_date
    has = set(flags)
    # The validation runs after the mode is computed, but the mode has no side effects.
    if "experimental:nodejs_compat_v2" in has:
        raise NodeCompatError(
            "The `experimental:` prefix on `nodejs_compat_v2` is no longer valid.",
            "Please remove it and try again.",
        )
    if "nodejs_compat" in has and "nodejs_compat_v2" in has:
        # "in together" is wrangler's wording.
        raise NodeCompatError(
            "The `nodejs_compat` and `nodejs_compat_v2` compatibility flags cannot be used"
            " in together.",
            "Please select just one.",
        )
    default_on = runtime_default_on and date >= NODEJS_COMPAT_DEFAULT_ON_DATE
    compat = "nodejs_compat" in has or (default_on and "no_nodejs_compat" not in has)
    v2 = "nodejs_compat_v2" in has or (
        "no_nodejs_compat_v2" not in has
        and (default_on or (compat and date >= NODEJS_COMPAT_V2_SWITCH_OVER_DATE))
    )
    if v2:
        return "v2"
    if compat:
        return "v1"
    if "nodejs_als" in has:
        return "als"
    return None


def no_bundle_warning(flags: Sequence[str], *, no_bundle: bool) -> str | None:
    """wrangler's warning for an explicit ``nodejs_compat_v2`` flag without bundling
    (wrangler node-compat.ts:45-49), or None."""
    if no_bundle and "nodejs_compat_v2" in flags:
        return (
            "`nodejs_compat_v2` compatibility flag and `--no-bundle` can't be used together."
            " If you want to polyfill Node.js built-ins and disable Wrangler's bundling,"
            " please polyfill as part of your own bundling process."
        )
    return None


@dataclass(frozen=True)
class UnenvEnv:
    """unenv's resolved environment, before wrangler resolves any specifier. The mappings
    keep ``defineEnv``'s key order (which orders the injected virtual files)."""

    alias: Mapping[str, str]
    """Specifier -> target specifier: ``"node:fs" -> "unenv/node/fs"`` (a polyfill),
    ``"fs" -> "fs"`` (native; also in ``external``), ``"process" ->
    "@cloudflare/unenv-preset/node/process"`` (hybrid), npm shims, ``"debug" -> "debug"``."""
    inject: Mapping[str, InjectTarget]
    """Global name -> module (its default export) or (module, export)."""
    external: tuple[str, ...]
    """The native modules, each bare then ``node:``-prefixed."""
    polyfill: tuple[str, ...]
    """Side-effect modules to inject."""


def unenv_env(compatibility_date: str | None, flags: Sequence[str]) -> UnenvEnv:
    """What ``defineEnv`` returns in wrangler 4.86.0's hybrid plugin (v2 mode) for this date
    and these flags, with the pinned preset and unenv. No date means the preset's default,
    2024-09-03."""
    date = _PRESET_NO_DATE if compatibility_date is None else compatibility_date
    return _unenv_env(date, tuple(flags))


# -- The hybrid plugin's helpers ------------------------------------------------------------

# nonPrefixedNodeModules: cloudflare/workers-sdk packages/unenv-preset/src/index.ts (2.16.1)
NODE_BUILTIN_MODULES: tuple[str, ...] = (
    "_http_agent", "_http_client", "_http_common", "_http_incoming", "_http_outgoing",
    "_http_server", "_stream_duplex", "_stream_passthrough", "_stream_readable",
    "_stream_transform", "_stream_wrap", "_stream_writable", "_tls_common", "_tls_wrap",
    "assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console",
    "constants", "crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain",
    "events", "fs", "fs/promises", "http", "http2", "https", "inspector", "inspector/promises",
    "module", "net", "os", "path", "path/posix", "path/win32", "perf_hooks", "process",
    "punycode", "querystring", "readline", "readline/promises", "repl", "stream",
    "stream/consumers", "stream/promises", "stream/web", "string_decoder", "sys", "timers",
    "timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types", "v8", "vm",
    "wasi", "worker_threads", "zlib",
)  # fmt: skip
"""Node's builtin modules without the ``node:`` prefix (which newer ones need)."""

# esbuild runs filters as Go regexps: `$` is the end of the text, `.` is anything but "\n".
_NODE_BUILTIN_RE = re.compile("(?:" + "|".join(map(re.escape, NODE_BUILTIN_MODULES)) + "|node:.+)")


def is_node_builtin(specifier: str) -> bool:
    """Whether the hybrid plugin's ``nodeJsModuleRegexp`` matches (hybrid-nodejs-compat.ts:47):
    a bare name of :data:`NODE_BUILTIN_MODULES`, or ``node:`` and anything after."""
    return _NODE_BUILTIN_RE.fullmatch(specifier) is not None


def wraps_required_alias(target: str) -> bool:
    """Whether a ``require()`` of an alias with this (unresolved) target goes to the
    ``required-unenv-alias`` wrapper (hybrid-nodejs-compat.ts:165-174)."""
    return target.startswith(("unenv/npm/", "unenv/mock/"))


def service_worker_import_error(paths: Iterable[str]) -> str:
    """The build error for builtin imports in a Service Worker (``iife``) bundle
    (hybrid-nodejs-compat.ts:78-98): the paths quoted, sorted, joined as
    ``Intl.ListFormat("en-US")`` does ("a", "a and b", "a, b, and c")."""
    quoted = sorted(f'"{p}"' for p in dict.fromkeys(paths))
    listed = (
        " and ".join(quoted) if len(quoted) < 3 else f"{', '.join(quoted[:-1])}, and {quoted[-1]}"
    )
    return "\n".join(
        (
            f"Unexpected external import of {listed}.",
            "Your worker has no default export, which means it is assumed to be a Service Worker"
            " format Worker.",
            "Did you mean to create a ES Module format Worker?",
            "If so, try adding `export default { ... }` in your entry-point.",
            "See https://developers.cloudflare.com/workers/reference/migrate-to-module-workers/.",
        )
    )


REQUIRED_NODE_BUILT_IN_NAMESPACE = "node-built-in-modules"
REQUIRED_UNENV_ALIAS_NAMESPACE = "required-unenv-alias"
GLOBAL_POLYFILL_PREFIX = "_virtual_unenv_global_polyfill-"
"""The virtual files' name prefix; wrangler puts them in its own package folder."""


def require_builtin_contents(path: str) -> str:
    """The ``node-built-in-modules`` module for ``require(path)`` of a builtin
    (hybrid-nodejs-compat.ts:122-132, after ts-dedent)."""
    return f"import libDefault from '{path}';\nmodule.exports = libDefault;"


def require_alias_contents(path: str) -> str:
    """The ``required-unenv-alias`` module for ``require(path)`` of an npm shim
    (hybrid-nodejs-compat.ts:183-199, after ts-dedent, which keeps the deeper tabs)."""
    return (
        f"import * as esm from '{path}';\n"
        "module.exports = Object.entries(esm)\n"
        "\t\t\t.filter(([k,]) => k !== 'default')\n"
        "\t\t\t.reduce((cjs, [k, value]) =>\n"
        "\t\t\t\tObject.defineProperty(cjs, k, { value, enumerable: true }),\n"
        '\t\t\t\t"default" in esm ? esm.default : {}\n'
        "\t\t\t);"
    )


@dataclass(frozen=True)
class GlobalInjectModule:
    """One ``_virtual_unenv_global_polyfill-`` file: imports from ``module`` and assigns the
    globals."""

    module: str
    """The specifier imported, e.g. ``@cloudflare/unenv-preset/node/process``."""
    file_name: str
    """``_virtual_unenv_global_polyfill-`` + the module with ``/`` as ``-``."""
    contents: str


def global_inject_modules(inject: Mapping[str, InjectTarget]) -> tuple[GlobalInjectModule, ...]:
    """The virtual files for an env's ``inject``, in the order wrangler injects them
    (hybrid-nodejs-compat.ts:233-278)."""
    by_module: dict[str, list[tuple[str, str, str]]] = {}
    for global_name, target in inject.items():
        module, export, local = (
            (target, "default", "defaultExport")
            if isinstance(target, str)
            else (target[0], target[1], target[1])
        )
        by_module.setdefault(module, []).append((global_name, export, local))
    modules = []
    for module, entries in by_module.items():
        names = ", ".join(e if e == local else f"{e} as {local}" for _, e, local in entries)
        lines = [f'import {{ {names} }} from "{module}";']
        lines += [f"globalThis.{name} = {local};" for name, _, local in entries]
        file_name = GLOBAL_POLYFILL_PREFIX + module.replace("/", "-")
        modules.append(GlobalInjectModule(module, file_name, "\n".join(lines)))
    return tuple(modules)


# -- unenv 2.0.0-rc.24: its own preset --------------------------------------------------------

_MOCK = "unenv/mock/proxy-cjs"

# nodeCompatAliases: unjs/unenv src/preset.ts (v2.0.0-rc.24); each bare name also gets its
# "node:" form (src/env.ts:73-88).
_UNENV_NODE_ALIASES: tuple[tuple[str, str], ...] = (
    ("_http_agent", _MOCK), ("_http_client", _MOCK), ("_http_common", _MOCK),
    ("_http_incoming", _MOCK), ("_http_outgoing", _MOCK), ("_http_server", _MOCK),
    ("_stream_duplex", _MOCK), ("_stream_passthrough", _MOCK), ("_stream_readable", _MOCK),
    ("_stream_transform", _MOCK), ("_stream_wrap", _MOCK), ("_stream_writable", _MOCK),
    ("_tls_common", _MOCK), ("_tls_wrap", _MOCK),
    ("assert", "unenv/node/assert"), ("assert/strict", "unenv/node/assert/strict"),
    ("async_hooks", "unenv/node/async_hooks"), ("buffer", "unenv/node/buffer"),
    ("child_process", "unenv/node/child_process"), ("cluster", "unenv/node/cluster"),
    ("console", "unenv/node/console"), ("constants", "unenv/node/constants"),
    ("crypto", "unenv/node/crypto"), ("dgram", "unenv/node/dgram"),
    ("diagnostics_channel", "unenv/node/diagnostics_channel"), ("dns", "unenv/node/dns"),
    ("dns/promises", "unenv/node/dns/promises"), ("domain", "unenv/node/domain"),
    ("events", "unenv/node/events"), ("fs", "unenv/node/fs"),
    ("fs/promises", "unenv/node/fs/promises"), ("http", "unenv/node/http"),
    ("http2", "unenv/node/http2"), ("https", "unenv/node/https"),
    ("inspector", "unenv/node/inspector"),
    ("inspector/promises", "unenv/node/inspector/promises"), ("module", "unenv/node/module"),
    ("net", "unenv/node/net"), ("os", "unenv/node/os"), ("path", "unenv/node/path"),
    ("path/posix", "unenv/node/path"), ("path/win32", "unenv/node/path"),
    ("perf_hooks", "unenv/node/perf_hooks"), ("process", "unenv/node/process"),
    ("punycode", "unenv/node/punycode"), ("querystring", "unenv/node/querystring"),
    ("readline", "unenv/node/readline"),
    ("readline/promises", "unenv/node/readline/promises"), ("repl", "unenv/node/repl"),
    ("stream", "unenv/node/stream"), ("stream/consumers", "unenv/node/stream/consumers"),
    ("stream/promises", "unenv/node/stream/promises"),
    ("stream/web", "unenv/node/stream/web"), ("string_decoder", "unenv/node/string_decoder"),
    ("sys", "unenv/node/util"), ("timers", "unenv/node/timers"),
    ("timers/promises", "unenv/node/timers/promises"), ("tls", "unenv/node/tls"),
    ("trace_events", "unenv/node/trace_events"), ("tty", "unenv/node/tty"),
    ("url", "unenv/node/url"), ("util", "unenv/node/util"),
    ("util/types", "unenv/node/util/types"), ("v8", "unenv/node/v8"), ("vm", "unenv/node/vm"),
    ("wasi", "unenv/node/wasi"), ("worker_threads", "unenv/node/worker_threads"),
    ("zlib", "unenv/node/zlib"),
    # Only with the "node:" prefix.
    ("node:sqlite", "unenv/node/sqlite"),
)  # fmt: skip

# nodeCompatInjects: unjs/unenv src/preset.ts (v2.0.0-rc.24)
_UNENV_INJECTS: tuple[tuple[str, InjectTarget], ...] = (
    ("process", "unenv/node/process"),
    ("global", "unenv/polyfill/globalthis"),
    ("Buffer", ("node:buffer", "Buffer")),
    ("clearImmediate", ("node:timers", "clearImmediate")),
    ("setImmediate", ("node:timers", "setImmediate")),
)

# npmShims: unjs/unenv src/preset.ts (v2.0.0-rc.24)
_UNENV_NPM_SHIMS: tuple[tuple[str, str], ...] = (
    ("cross-fetch", "unenv/npm/cross-fetch"),
    ("debug", "unenv/npm/debug"),
    ("fsevents", "unenv/npm/fsevents"),
    ("inherits", "unenv/npm/inherits"),
    ("node-fetch", "unenv/npm/node-fetch"),
    ("node-fetch-native", "unenv/npm/node-fetch"),
    ("whatwg-url", "unenv/npm/whatwg-url/index"),
    ("whatwg-url/webidl2js-wrapper", "unenv/npm/whatwg-url/webidl2js-wrapper"),
    ("cross-fetch/polyfill", "unenv/mock/empty"),
    ("node-fetch-native/polyfill", "unenv/mock/empty"),
    ("isomorphic-fetch", "unenv/mock/empty"),
)

# -- @cloudflare/unenv-preset 2.16.1 ----------------------------------------------------------

# defaultNativeModules: cloudflare/workers-sdk packages/unenv-preset/src/preset.ts (2.16.1)
_DEFAULT_NATIVE_MODULES: tuple[str, ...] = (
    "_stream_duplex", "_stream_passthrough", "_stream_readable", "_stream_transform",
    "_stream_writable", "_tls_common", "_tls_wrap", "assert", "assert/strict", "async_hooks",
    "buffer", "constants", "crypto", "diagnostics_channel", "dns", "dns/promises", "events",
    "net", "path", "path/posix", "path/win32", "querystring", "module", "stream",
    "stream/consumers", "stream/promises", "stream/web", "string_decoder", "sys", "timers",
    "timers/promises", "tls", "url", "util", "util/types", "zlib",
)  # fmt: skip


@dataclass(frozen=True)
class _Switch:
    """A workerd feature: on from a date or with a flag, off with a flag (which wins)."""

    date: str
    enable: str
    disable: str

    def on(self, date: str, flags: Collection[str]) -> bool:
        return (self.enable in flags or date >= self.date) and self.disable not in flags


@dataclass(frozen=True)
class _Override:
    """One ``get...Overrides`` of the preset: what its switch being on or off adds."""

    switch: _Switch
    native: tuple[str, ...]
    """Native modules while on."""
    only_with: Mapping[str, _Switch] = field(default_factory=dict)
    """Native modules kept only while this other switch is on too."""
    requires: tuple[_Switch, ...] = ()
    """Switches that must be on too for this one to count."""
    inject_on: Mapping[str, str | Literal[False]] = field(default_factory=dict)
    hybrid_off: tuple[str, ...] = ()
    inject_off: Mapping[str, str | Literal[False]] = field(default_factory=dict)
    polyfills_off: tuple[str, ...] = ()

    def applies(self, date: str, flags: Collection[str]) -> bool:
        return self.switch.on(date, flags) and all(s.on(date, flags) for s in self.requires)


def _module_switch(date: str, name: str) -> _Switch:
    return _Switch(date, f"enable_nodejs_{name}_module", f"disable_nodejs_{name}_module")


_PRESET = "@cloudflare/unenv-preset"

# The overrides of getCloudflarePreset, in its order, with their dates and flags:
# cloudflare/workers-sdk packages/unenv-preset/src/preset.ts (2.16.1)
_OVERRIDES: tuple[_Override, ...] = (
    _Override(
        _Switch("2025-08-15", "enable_nodejs_http_modules", "disable_nodejs_http_modules"),
        native=(
            "_http_agent",
            "_http_client",
            "_http_common",
            "_http_incoming",
            "_http_outgoing",
            "_http_server",
            "http",
            "https",
        ),
        only_with={
            "_http_server": _Switch(
                "2025-09-01",
                "enable_nodejs_http_server_modules",
                "disable_nodejs_http_server_modules",
            )
        },
    ),
    _Override(
        _Switch("2025-09-01", "enable_nodejs_http2_module", "disable_nodejs_http2_module"),
        native=("http2",),
    ),
    _Override(_module_switch("2025-09-15", "os"), native=("os",)),
    _Override(_module_switch("2025-09-15", "fs"), native=("fs/promises", "fs")),
    _Override(_module_switch("2025-12-04", "punycode"), native=("punycode",)),
    _Override(_module_switch("2025-12-04", "cluster"), native=("cluster",)),
    _Override(_module_switch("2025-12-04", "trace_events"), native=("trace_events",)),
    _Override(_module_switch("2025-12-04", "domain"), native=("domain",)),
    _Override(_module_switch("2025-12-04", "wasi"), native=("wasi",)),
    _Override(
        _module_switch("2025-09-21", "console"),
        native=("console",),
        hybrid_off=("console",),
        inject_off={"console": f"{_PRESET}/node/console"},
    ),
    _Override(_module_switch("2025-10-01", "vm"), native=("vm",)),
    _Override(
        _module_switch("2026-01-29", "inspector"), native=("inspector/promises", "inspector")
    ),
    _Override(_module_switch("2026-01-29", "sqlite"), native=("sqlite",)),
    _Override(_module_switch("2026-01-29", "dgram"), native=("dgram",)),
    _Override(_module_switch("2026-01-29", "stream_wrap"), native=("_stream_wrap",)),
    _Override(_module_switch("2026-03-17", "repl"), native=("repl",)),
    _Override(
        _Switch("2025-09-15", "enable_nodejs_process_v2", "disable_nodejs_process_v2"),
        native=("process",),
        # hasFetchIterableFixes: support, and the adjustment it implies from 2026-01-15.
        requires=(
            _Switch("2026-02-19", "fetch_iterable_type_support", "no_fetch_iterable_type_support"),
            _Switch(
                "2026-01-15",
                "fetch_iterable_type_support_override_adjustment",
                "no_fetch_iterable_type_support_override_adjustment",
            ),
        ),
        inject_on={"process": False},
        hybrid_off=("process",),
        inject_off={"process": f"{_PRESET}/node/process"},
    ),
    _Override(_module_switch("2026-03-17", "v8"), native=("v8",)),
    _Override(_module_switch("2026-03-17", "tty"), native=("tty",)),
    _Override(_module_switch("2026-03-17", "child_process"), native=("child_process",)),
    _Override(_module_switch("2026-03-17", "worker_threads"), native=("worker_threads",)),
    _Override(_module_switch("2026-03-17", "readline"), native=("readline", "readline/promises")),
    _Override(
        _module_switch("2026-03-17", "perf_hooks"),
        native=("perf_hooks",),
        polyfills_off=(f"{_PRESET}/polyfill/performance",),
    ),
)

# The globals workerd provides, turned off over unenv's injects (preset.ts, getCloudflarePreset).
_NATIVE_GLOBALS = ("Buffer", "global", "clearImmediate", "setImmediate")

# The preset wrangler adds after the Cloudflare one (hybrid-nodejs-compat.ts:35-41).
_WRANGLER_ALIASES = (("debug", "debug"),)


@dataclass(frozen=True)
class _Preset:
    alias: Sequence[tuple[str, str]] = ()
    inject: Sequence[tuple[str, InjectTarget | Literal[False]]] = ()
    polyfill: Sequence[str] = ()
    external: Sequence[str] = ()


def _unenv_preset() -> _Preset:
    """unenv's own preset with nodeCompat and npmShims (unjs/unenv src/env.ts:60-95)."""
    alias = [
        pair
        for bare, target in _UNENV_NODE_ALIASES
        for pair in (
            [(bare, target)]
            if bare.startswith("node:")
            else [(bare, target), (f"node:{bare}", target)]
        )
    ]
    return _Preset(alias=alias + list(_UNENV_NPM_SHIMS), inject=_UNENV_INJECTS)


def _cloudflare_preset(date: str, flags: Collection[str]) -> _Preset:
    """getCloudflarePreset({compatibilityDate, compatibilityFlags}) without ``meta``."""
    native = list(_DEFAULT_NATIVE_MODULES)
    hybrid: list[str] = []
    injects: dict[str, str | Literal[False]] = {}
    polyfills: list[str] = []
    for override in _OVERRIDES:
        if override.applies(date, flags):
            native += [
                m
                for m in override.native
                if m not in override.only_with or override.only_with[m].on(date, flags)
            ]
            injects.update(override.inject_on)
        else:
            hybrid += override.hybrid_off
            injects.update(override.inject_off)
            polyfills += override.polyfills_off
    alias: dict[str, str] = {}
    for module in native:
        alias[module] = module
        alias[f"node:{module}"] = f"node:{module}"
    for module in hybrid:
        alias[module] = alias[f"node:{module}"] = f"{_PRESET}/node/{module}"
    inject: dict[str, InjectTarget | Literal[False]] = dict.fromkeys(_NATIVE_GLOBALS, False)
    inject.update(injects)
    return _Preset(
        alias=list(alias.items()),
        inject=list(inject.items()),
        polyfill=polyfills,
        external=[name for m in native for name in (m, f"node:{m}")],
    )


def _without_negations(items: Iterable[str]) -> tuple[str, ...]:
    """unenv's resolveArray: deduplicated, and ``!x`` removes itself and ``x``."""
    listed = list(items)
    kept = dict.fromkeys(listed)
    for item in listed:
        if item.startswith("!"):
            kept.pop(item, None)
            kept.pop(item[1:], None)
    return tuple(kept)


def _merge(presets: Iterable[_Preset]) -> UnenvEnv:
    """unenv's mergePresets (unjs/unenv src/env.ts:165-223)."""
    alias: dict[str, str] = {}
    inject: dict[str, InjectTarget] = {}
    polyfill: list[str] = []
    external: list[str] = []
    for preset in presets:
        targets = dict(preset.alias)
        # Most specific first: more path segments, then longer (a stable sort, like JS's).
        for key in sorted(targets, key=lambda k: (-len(k.split("/")), -len(k))):
            alias[key] = targets[key]
        for name, value in preset.inject:
            if value is False:
                inject.pop(name, None)
            else:
                inject[name] = value
        polyfill += [p for p in preset.polyfill if p]
        external += preset.external
    return UnenvEnv(
        alias=MappingProxyType(alias),
        inject=MappingProxyType(inject),
        external=_without_negations(external),
        polyfill=_without_negations(polyfill),
    )


@functools.lru_cache(maxsize=64)
def _unenv_env(date: str, flags: tuple[str, ...]) -> UnenvEnv:
    wrangler = _Preset(alias=_WRANGLER_ALIASES)
    return _merge([_unenv_preset(), _cloudflare_preset(date, frozenset(flags)), wrangler])
