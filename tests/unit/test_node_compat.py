"""Tests for cfaction.ops.worker.bundling.node_compat: wrangler 4.86.0's Node.js compatibility
mode, and unenv's env for v2 mode compared with the real @cloudflare/unenv-preset and unenv
(the pinned versions, installed from bundler/'s lock by tests/harness/bundler.py) run under
node."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from typing import Any

import pytest

from cfaction.ops.worker.bundling import node_compat
from cfaction.ops.worker.bundling.node_compat import (
    NODE_BUILTIN_MODULES,
    GlobalInjectModule,
    Mode,
    NodeCompatError,
    UnenvEnv,
    global_inject_modules,
    is_node_builtin,
    no_bundle_warning,
    node_compat_mode,
    require_alias_contents,
    require_builtin_contents,
    service_worker_import_error,
    unenv_env,
    wraps_required_alias,
)
from tests.harness.bundler import bundler_modules

# -- The mode -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "flags", "mode"),
    [
        pytest.param("2025-01-01", [], None, id="no flags"),
        pytest.param(None, [], None, id="no date, no flags"),
        pytest.param("2025-01-01", ["nodejs_als"], "als", id="als"),
        pytest.param("2024-09-22", ["nodejs_compat"], "v1", id="compat before the switch-over"),
        pytest.param("2024-09-23", ["nodejs_compat"], "v2", id="compat from the switch-over"),
        pytest.param(None, ["nodejs_compat"], "v1", id="compat, no date is 2000-01-01"),
        pytest.param(
            "2025-01-01", ["nodejs_compat", "no_nodejs_compat_v2"], "v1", id="compat, no v2"
        ),
        pytest.param("2020-01-01", ["nodejs_compat_v2"], "v2", id="v2 flag at any date"),
        pytest.param(
            "2025-01-01", ["nodejs_compat_v2", "no_nodejs_compat_v2"], "v2", id="v2 flag wins"
        ),
        pytest.param("2024-01-01", ["nodejs_compat", "nodejs_als"], "v1", id="compat over als"),
        pytest.param("2025-01-01", ["nodejs_als", "nodejs_compat_v2"], "v2", id="v2 over als"),
        pytest.param("2025-01-01", ["no_nodejs_compat_v2"], None, id="only the opt-out"),
        pytest.param("2026-08-04", [], None, id="4.86.0 ignores the default-on date"),
        pytest.param("2024-9-3", ["nodejs_compat"], "v2", id="dates compare as strings"),
    ],
)
def test_mode(date: str | None, flags: list[str], mode: Mode) -> None:
    assert node_compat_mode(date, flags) == mode


@pytest.mark.parametrize(
    ("date", "flags", "mode"),
    [
        pytest.param("2026-08-03", [], None, id="the day before"),
        pytest.param("2026-08-04", [], "v2", id="default on"),
        pytest.param("2026-08-04", ["nodejs_als"], "v2", id="default on, over als"),
        pytest.param("2026-08-04", ["no_nodejs_compat"], "v2", id="v2 has its own default"),
        pytest.param("2026-08-04", ["no_nodejs_compat_v2"], "v1", id="compat without v2"),
        pytest.param(
            "2026-08-04", ["no_nodejs_compat", "no_nodejs_compat_v2"], None, id="both off"
        ),
        pytest.param(
            "2026-08-04",
            ["no_nodejs_compat", "no_nodejs_compat_v2", "nodejs_als"],
            "als",
            id="both off, als",
        ),
        pytest.param("2024-09-23", ["nodejs_compat"], "v2", id="before: as 4.86.0"),
        pytest.param("2024-09-22", ["nodejs_compat"], "v1", id="before: v1 as 4.86.0"),
    ],
)
def test_mode_with_the_runtime_default(date: str, flags: list[str], mode: Mode) -> None:
    assert node_compat_mode(date, flags, runtime_default_on=True) == mode


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        pytest.param(
            ["experimental:nodejs_compat_v2"],
            "The `experimental:` prefix on `nodejs_compat_v2` is no longer valid."
            " Please remove it and try again.",
            id="experimental prefix",
        ),
        pytest.param(
            ["nodejs_compat", "nodejs_compat_v2"],
            "The `nodejs_compat` and `nodejs_compat_v2` compatibility flags cannot be used in"
            " together. Please select just one.",
            id="both flags",
        ),
        pytest.param(
            ["nodejs_compat", "nodejs_compat_v2", "experimental:nodejs_compat_v2"],
            "The `experimental:` prefix on `nodejs_compat_v2` is no longer valid."
            " Please remove it and try again.",
            id="the prefix is checked first",
        ),
    ],
)
def test_refused_flags(flags: list[str], message: str) -> None:
    with pytest.raises(NodeCompatError) as raised:
        node_compat_mode("2025-01-01", flags)
    assert str(raised.value) == message
    assert message == f"{raised.value.problem} {raised.value.fix}"
    assert isinstance(raised.value, ValueError)


def test_no_bundle_warning_only_for_an_explicit_v2_flag() -> None:
    assert no_bundle_warning(["nodejs_compat_v2"], no_bundle=True) == (
        "`nodejs_compat_v2` compatibility flag and `--no-bundle` can't be used together."
        " If you want to polyfill Node.js built-ins and disable Wrangler's bundling,"
        " please polyfill as part of your own bundling process."
    )
    assert no_bundle_warning(["nodejs_compat_v2"], no_bundle=False) is None
    assert no_bundle_warning(["nodejs_compat"], no_bundle=True) is None


# -- unenv's env, against the real preset --------------------------------------------------

# Every date at which the preset (2.16.1) switches something: each is tested the day before
# and the day itself.
THRESHOLDS = (
    "2025-08-15",  # http
    "2025-09-01",  # http server, http2
    "2025-09-15",  # os, fs, process v2 (which also needs the fetch iterable fixes)
    "2025-09-21",  # console
    "2025-10-01",  # vm
    "2025-12-04",  # punycode, cluster, trace_events, domain, wasi
    "2026-01-15",  # the fetch iterable adjustment, implied by fetch iterable support
    "2026-01-29",  # inspector, sqlite, dgram, _stream_wrap
    "2026-02-19",  # fetch iterable support: process v2
    "2026-03-17",  # repl, v8, tty, child_process, worker_threads, readline, perf_hooks
)
OLD = "2024-09-23"
NEW = "2099-01-01"
MODULE_FLAGS = (
    *("http_modules", "http_server_modules", "http2_module", "os_module", "fs_module"),
    *("punycode_module", "cluster_module", "trace_events_module", "domain_module"),
    *("wasi_module", "console_module", "vm_module", "inspector_module", "sqlite_module"),
    *("dgram_module", "stream_wrap_module", "repl_module", "process_v2", "v8_module"),
    *("tty_module", "child_process_module", "worker_threads_module", "readline_module"),
    "perf_hooks_module",
)
FETCH_SUPPORT = "fetch_iterable_type_support"
FETCH_ADJUSTMENT = "fetch_iterable_type_support_override_adjustment"


def _day_before(date: str) -> str:
    return (datetime.date.fromisoformat(date) - datetime.timedelta(days=1)).isoformat()


def _matrix() -> list[tuple[str, str | None, tuple[str, ...]]]:
    """(id, date, flags) of every compared case."""
    cases: list[tuple[str, str | None, tuple[str, ...]]] = [
        ("no date", None, ()),
        ("no date, compat", None, ("nodejs_compat",)),
        ("switch-over", OLD, ("nodejs_compat",)),
        ("far future", NEW, ("nodejs_compat",)),
        ("a date as strings compare", "2025-9-1", ("nodejs_compat",)),
    ]
    for date in THRESHOLDS:
        for day in (_day_before(date), date):
            cases.append((day, day, ("nodejs_compat",)))
    for day in (_day_before("2026-01-15"), "2026-01-15"):
        cases.append((f"{day} fetch support", day, ("nodejs_compat", FETCH_SUPPORT)))
    for name in MODULE_FLAGS:
        cases.append((f"enable {name}", OLD, (f"enable_nodejs_{name}",)))
        cases.append((f"disable {name}", NEW, (f"disable_nodejs_{name}",)))
        cases.append((f"both {name}", NEW, (f"enable_nodejs_{name}", f"disable_nodejs_{name}")))
    cases += [
        (
            "http and server",
            OLD,
            ("enable_nodejs_http_modules", "enable_nodejs_http_server_modules"),
        ),
        (
            "server needs http",
            NEW,
            ("disable_nodejs_http_modules", "enable_nodejs_http_server_modules"),
        ),
        ("http without server", "2025-08-20", ("disable_nodejs_http_server_modules",)),
        ("process v2 + support", OLD, ("enable_nodejs_process_v2", FETCH_SUPPORT)),
        ("process v2 + fixes", OLD, ("enable_nodejs_process_v2", FETCH_SUPPORT, FETCH_ADJUSTMENT)),
        ("process v2 + adjustment only", OLD, ("enable_nodejs_process_v2", FETCH_ADJUSTMENT)),
        ("process by date + fixes", "2025-09-15", (FETCH_SUPPORT, FETCH_ADJUSTMENT)),
        ("no fetch support", NEW, ("no_fetch_iterable_type_support",)),
        ("no fetch adjustment", NEW, ("no_" + FETCH_ADJUSTMENT,)),
        (
            "everything enabled",
            OLD,
            (*(f"enable_nodejs_{n}" for n in MODULE_FLAGS), FETCH_SUPPORT, FETCH_ADJUSTMENT),
        ),
        ("everything disabled", NEW, tuple(f"disable_nodejs_{n}" for n in MODULE_FLAGS)),
    ]
    return cases


MATRIX = _matrix()

# Runs the real thing: the hybrid plugin's defineEnv call (wrangler@4.86.0
# packages/wrangler/src/deployment-bundle/esbuild-plugins/hybrid-nodejs-compat.ts:29-44).
NODE_SCRIPT = """
import { readFileSync } from "node:fs";
import { defineEnv } from "unenv";
import { getCloudflarePreset, nonPrefixedNodeModules } from "@cloudflare/unenv-preset";

const { cases, lists } = JSON.parse(readFileSync(0, "utf8"));
const envs = cases.map(([compatibilityDate, compatibilityFlags]) => {
  const { alias, inject, external, polyfill } = defineEnv({
    presets: [
      getCloudflarePreset({
        compatibilityDate: compatibilityDate ?? undefined,
        compatibilityFlags,
      }),
      { alias: { debug: "debug" } },
    ],
    npmShims: true,
  }).env;
  return { alias: Object.entries(alias), inject: Object.entries(inject), external, polyfill };
});
const formatted = lists.map((paths) =>
  new Intl.ListFormat("en-US").format(paths.map((p) => `"${p}"`).sort())
);
process.stdout.write(JSON.stringify({ builtins: nonPrefixedNodeModules, envs, formatted }));
"""
PATH_LISTS = [["fs"], ["node:path", "fs"], ["zlib", "node:fs", "events", "a!", "a"]]


@pytest.fixture(scope="module")
def real() -> dict[str, Any]:
    """The real preset's answers: the env of every MATRIX case (by id), the builtins list,
    and the path lists of PATH_LISTS formatted as its error message does."""
    modules = bundler_modules()
    request = {"cases": [[date, list(flags)] for _, date, flags in MATRIX], "lists": PATH_LISTS}
    done = subprocess.run(
        ["node", "--input-type=module", "-e", NODE_SCRIPT],
        cwd=modules.parent,
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    answer["envs"] = {case[0]: env for case, env in zip(MATRIX, answer["envs"], strict=True)}
    return answer


def _as_json(env: UnenvEnv) -> dict[str, Any]:
    """The env as the node script prints it (ordered entries, lists for tuples)."""
    return {
        "alias": [[k, v] for k, v in env.alias.items()],
        "inject": [[k, v if isinstance(v, str) else list(v)] for k, v in env.inject.items()],
        "external": list(env.external),
        "polyfill": list(env.polyfill),
    }


def test_the_matrix_covers_every_date_of_the_tables() -> None:
    dates = set()
    for override in node_compat._OVERRIDES:
        switches = [override.switch, *override.requires, *override.only_with.values()]
        dates |= {s.date for s in switches}
    assert dates == set(THRESHOLDS)
    assert len({case_id for case_id, _, _ in MATRIX}) == len(MATRIX)


@pytest.mark.parametrize(("date", "flags"), [c[1:] for c in MATRIX], ids=[c[0] for c in MATRIX])
def test_unenv_env_is_the_real_one(
    real: dict[str, Any], request: pytest.FixtureRequest, date: str | None, flags: tuple[str, ...]
) -> None:
    case_id = request.node.callspec.id
    assert _as_json(unenv_env(date, flags)) == real["envs"][case_id]


def test_the_builtins_are_the_presets(real: dict[str, Any]) -> None:
    assert list(NODE_BUILTIN_MODULES) == real["builtins"]


def test_the_error_lists_paths_as_intl_does(real: dict[str, Any]) -> None:
    for paths, formatted in zip(PATH_LISTS, real["formatted"], strict=True):
        first_line = service_worker_import_error(paths).split("\n")[0]
        assert first_line == f"Unexpected external import of {formatted}."


def test_the_matrix_differs_where_the_preset_does(real: dict[str, Any]) -> None:
    """Each threshold changes the real env (so the comparison above tests something there)."""
    envs = real["envs"]
    for date in THRESHOLDS:
        assert envs[_day_before(date)] != envs[date] or date == "2026-01-15", date
    assert envs["2026-01-14 fetch support"] != envs["2026-01-15 fetch support"]


# -- unenv's env, readable cases -----------------------------------------------------------


def test_an_old_date_polyfills_with_unenv() -> None:
    env = unenv_env("2024-09-23", ["nodejs_compat"])
    assert env.alias["fs"] == env.alias["node:fs"] == "unenv/node/fs"
    assert env.alias["process"] == "@cloudflare/unenv-preset/node/process"
    assert env.alias["node:buffer"] == "node:buffer"
    assert env.alias["_http_agent"] == "unenv/mock/proxy-cjs"
    assert env.alias["node:sqlite"] == "unenv/node/sqlite"
    assert "sqlite" not in env.alias
    assert env.alias["debug"] == "debug"
    assert env.alias["cross-fetch/polyfill"] == "unenv/mock/empty"
    assert dict(env.inject) == {
        "process": "@cloudflare/unenv-preset/node/process",
        "console": "@cloudflare/unenv-preset/node/console",
    }
    assert env.polyfill == ("@cloudflare/unenv-preset/polyfill/performance",)
    assert env.external[:3] == ("_stream_duplex", "node:_stream_duplex", "_stream_passthrough")
    assert "fs" not in env.external


def test_a_new_date_uses_workerd() -> None:
    env = unenv_env("2026-03-17", ["nodejs_compat"])
    assert env.alias["fs"] == "fs"
    assert env.alias["sqlite"] == "sqlite"
    assert env.alias["node:sqlite"] == "node:sqlite"
    assert env.alias["process"] == "process"
    assert dict(env.inject) == {}
    assert env.polyfill == ()
    assert {"fs", "node:fs", "process", "node:process", "node:sqlite"} <= set(env.external)


def test_unenv_env_takes_any_sequence_of_flags() -> None:
    assert unenv_env("2025-01-01", ["enable_nodejs_fs_module"]) == unenv_env(
        "2025-01-01", ("enable_nodejs_fs_module",)
    )
    assert unenv_env(None, []) == unenv_env("2024-09-03", [])


# -- The hybrid plugin's helpers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("specifier", "matches"),
    [
        ("fs", True),
        ("fs/promises", True),
        ("_http_agent", True),
        ("node:fs", True),
        ("node:sqlite", True),
        ("node:anything/at/all", True),
        ("sqlite", False),
        ("test", False),
        ("fsx", False),
        ("xfs", False),
        ("fs/", False),
        ("node:", False),
        ("node:a\nb", False),
        ("fs\n", False),
        ("debug", False),
    ],
)
def test_is_node_builtin(specifier: str, matches: bool) -> None:
    assert is_node_builtin(specifier) is matches


def test_alias_keys_have_no_regexp_metacharacters() -> None:
    """So wrangler's unescaped ``^(keys)$`` filter is plain membership."""
    for _, date, flags in MATRIX:
        for key in unenv_env(date, flags).alias:
            assert re.fullmatch(r"[A-Za-z0-9_:/@-]+", key), key


@pytest.mark.parametrize(
    ("target", "wrapped"),
    [
        ("unenv/npm/cross-fetch", True),
        ("unenv/mock/empty", True),
        ("unenv/mock/proxy-cjs", True),
        ("unenv/node/fs", False),
        ("debug", False),
        ("node:fs", False),
        ("@cloudflare/unenv-preset/node/process", False),
    ],
)
def test_wraps_required_alias(target: str, wrapped: bool) -> None:
    assert wraps_required_alias(target) is wrapped


def test_the_require_wrappers_are_wranglers() -> None:
    # As ts-dedent turns wrangler's templates into text (checked with wrangler 4.86.0's own).
    assert require_builtin_contents("node:fs") == (
        "import libDefault from 'node:fs';\nmodule.exports = libDefault;"
    )
    assert require_alias_contents("cross-fetch") == (
        "import * as esm from 'cross-fetch';\n"
        "module.exports = Object.entries(esm)\n"
        "\t\t\t.filter(([k,]) => k !== 'default')\n"
        "\t\t\t.reduce((cjs, [k, value]) =>\n"
        "\t\t\t\tObject.defineProperty(cjs, k, { value, enumerable: true }),\n"
        '\t\t\t\t"default" in esm ? esm.default : {}\n'
        "\t\t\t);"
    )


def test_global_inject_modules_of_an_old_date() -> None:
    env = unenv_env("2025-01-01", ["nodejs_compat"])
    assert global_inject_modules(env.inject) == (
        GlobalInjectModule(
            "@cloudflare/unenv-preset/node/process",
            "_virtual_unenv_global_polyfill-@cloudflare-unenv-preset-node-process",
            'import { default as defaultExport } from "@cloudflare/unenv-preset/node/process";\n'
            "globalThis.process = defaultExport;",
        ),
        GlobalInjectModule(
            "@cloudflare/unenv-preset/node/console",
            "_virtual_unenv_global_polyfill-@cloudflare-unenv-preset-node-console",
            'import { default as defaultExport } from "@cloudflare/unenv-preset/node/console";\n'
            "globalThis.console = defaultExport;",
        ),
    )


def test_global_inject_modules_group_by_module() -> None:
    inject: dict[str, str | tuple[str, str]] = {
        "Buffer": ("node:buffer", "Buffer"),
        "process": "unenv/node/process",
        "kMaxLength": ("node:buffer", "kMaxLength"),
    }
    first, second = global_inject_modules(inject)
    assert first == GlobalInjectModule(
        "node:buffer",
        "_virtual_unenv_global_polyfill-node:buffer",
        'import { Buffer, kMaxLength } from "node:buffer";\n'
        "globalThis.Buffer = Buffer;\nglobalThis.kMaxLength = kMaxLength;",
    )
    assert second.file_name == "_virtual_unenv_global_polyfill-unenv-node-process"


def test_service_worker_import_error() -> None:
    assert service_worker_import_error(["node:path", "fs", "fs"]) == (
        'Unexpected external import of "fs" and "node:path".\n'
        "Your worker has no default export, which means it is assumed to be a Service Worker"
        " format Worker.\n"
        "Did you mean to create a ES Module format Worker?\n"
        "If so, try adding `export default { ... }` in your entry-point.\n"
        "See https://developers.cloudflare.com/workers/reference/migrate-to-module-workers/."
    )
