"""Tests for the bundler (cfaction.ops.worker.bundling): the esbuild flags wrangler's options
make, Node's resolution, the module rules, the source map wrangler uploads, the notes on
build errors, and bundles of small projects with the real esbuild binary (no network)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cfaction.errors import InputError
from cfaction.ops.worker.bundling.bundle import (
    Bundle,
    BundleError,
    BundleOptions,
    _Build,
    bundle_worker,
)
from cfaction.ops.worker.bundling.node_resolve import legacy_resolve, require_resolve
from cfaction.ops.worker.bundling.tools import BundlerUnavailableError, find_esbuild, find_unenv
from cfaction.ops.worker.upload import build_environment
from cfaction.ops.worker.wrangler import BuildOptions, ModuleRule


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def options(root: Path, entry: str = "src/index.js", **given: object) -> BundleOptions:
    values: dict[str, object] = {
        "entry": root / entry,
        "project_root": root,
        "compatibility_date": "2026-11-01",
        **given,
    }
    return BundleOptions(**values)  # type: ignore[arg-type]


def bundle(root: Path, **given: object) -> Bundle:
    return bundle_worker(options(root, **given), os.environ)


MODULE = "export default { fetch() { return new Response('hi'); } };\n"


# --- the flags ----------------------------------------------------------------------------


def test_the_flags_are_wranglers_for_a_deploy(tmp_path: Path) -> None:
    build = _Build(options(tmp_path), "modules", None, None)
    outdir = tmp_path.absolute() / ".wrangler/tmp/deploy-cfaction"

    assert build.flags() == [
        "--log-level=silent",
        "--log-limit=0",
        f"--source-root={outdir}",
        "--target=es2024",
        "--format=esm",
        "--jsx-factory=React.createElement",
        "--jsx-fragment=React.Fragment",
        '--define:navigator.userAgent="Cloudflare-Workers"',
        '--define:process.env.NODE_ENV="production"',
        '--define:global.process.env.NODE_ENV="production"',
        '--define:globalThis.process.env.NODE_ENV="production"',
        "--supported:import-source=true",
        "--keep-names",
        "--sourcemap",
        "--bundle",
        "--metafile",
        f"--outdir={outdir}",
        "--entry-names=index",
        "--conditions=workerd,worker,browser",
        "--external:__STATIC_CONTENT_MANIFEST",
        "--loader:.js=jsx",
        "--loader:.mjs=jsx",
        "--loader:.cjs=jsx",
    ]


def test_the_config_changes_the_flags_as_it_changes_wranglers(tmp_path: Path) -> None:
    build = BuildOptions(
        define={"DEBUG": "false", "process.env.NODE_ENV": '"test"'},
        minify=True,
        keep_names=False,
        jsx_factory="h",
        jsx_fragment="Fragment",
        tsconfig=tmp_path / "tsconfig.build.json",
    )
    given = options(
        tmp_path,
        compatibility_date="2022-03-20",
        build=build,
        upload_source_maps=False,
        node_env="staging",
        conditions=("custom",),
        platform="neutral",
    )

    flags = _Build(given, "service-worker", None, None).flags()

    assert "--format=iife" in flags and "--platform=neutral" in flags
    assert "--minify" in flags and "--keep-names" not in flags and "--sourcemap" not in flags
    assert flags.index("--jsx-factory=h") + 1 == flags.index("--jsx-fragment=Fragment")
    defines = [f for f in flags if f.startswith("--define:")]
    assert defines == [  # before 2022-03-21 no navigator; the config's define wins
        '--define:process.env.NODE_ENV="test"',
        '--define:global.process.env.NODE_ENV="staging"',
        '--define:globalThis.process.env.NODE_ENV="staging"',
        "--define:DEBUG=false",
    ]
    assert f"--tsconfig={tmp_path / 'tsconfig.build.json'}" in flags
    assert "--conditions=custom" in flags


@pytest.mark.parametrize(
    ("flags", "defined"),
    [(["global_navigator"], True), (["no_global_navigator"], False), ([], True)],
)
def test_navigator_follows_its_flags_and_date(
    tmp_path: Path, flags: list[str], defined: bool
) -> None:
    build = _Build(options(tmp_path, compatibility_flags=tuple(flags)), "modules", None, None)

    assert ("navigator.userAgent" in build.defines()) is defined


def test_wranglers_build_variables_are_read_and_a_bad_platform_refused() -> None:
    assert build_environment({}) == {}
    assert build_environment(
        {"WRANGLER_BUILD_CONDITIONS": "a,b", "WRANGLER_BUILD_PLATFORM": "node"}
    ) == {"conditions": ("a", "b"), "platform": "node"}
    with pytest.raises(InputError, match="not an esbuild platform"):
        build_environment({"WRANGLER_BUILD_PLATFORM": "deno"})


# --- Node's resolution --------------------------------------------------------------------


def test_require_resolve_follows_exports_main_and_builtins(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "node_modules/pkg/package.json": json.dumps(
                {
                    "exports": {
                        ".": {"import": "./esm.mjs", "require": "./cjs.js"},
                        "./feature/*": "./lib/*.js",
                        "./private": None,
                    }
                }
            ),
            "node_modules/pkg/cjs.js": "",
            "node_modules/pkg/esm.mjs": "",
            "node_modules/pkg/lib/a.js": "",
            "node_modules/old/package.json": json.dumps({"main": "main"}),
            "node_modules/old/main.js": "",
            "node_modules/@s/x/index.js": "",
            "src/local.js": "",
        },
    )
    base = [tmp_path / "src"]

    assert require_resolve("pkg", base) == str(tmp_path / "node_modules/pkg/cjs.js")
    assert require_resolve("pkg/feature/a", base) == str(tmp_path / "node_modules/pkg/lib/a.js")
    assert require_resolve("pkg/private", base) is None
    assert require_resolve("pkg/cjs.js", base) is None  # not exported
    assert require_resolve("old", base) == str(tmp_path / "node_modules/old/main.js")
    assert require_resolve("@s/x", base) == str(tmp_path / "node_modules/@s/x/index.js")
    assert require_resolve("./local", base) == str(tmp_path / "src/local.js")
    assert (require_resolve("fs", base), require_resolve("node:sqlite", base)) == (
        "fs",
        "node:sqlite",
    )
    assert require_resolve("sqlite", base) is None  # only node:sqlite exists


def test_legacy_resolve_ignores_exports_as_the_resolve_package_does(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "node_modules/pkg/package.json": json.dumps({"exports": {".": "./a.js"}}),
            "node_modules/pkg/data.wasm": b"\0asm",
        },
    )

    found = legacy_resolve("pkg/data.wasm", tmp_path)

    assert found == str(tmp_path / "node_modules/pkg/data.wasm")
    assert legacy_resolve("./missing.txt", tmp_path) is None


# --- the tools ----------------------------------------------------------------------------


def test_a_missing_esbuild_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(BundlerUnavailableError, match="no esbuild was found"):
        find_esbuild({"PATH": str(tmp_path)})
    with pytest.raises(BundlerUnavailableError, match="not an executable file"):
        find_esbuild({"ESBUILD_BINARY_PATH": str(tmp_path / "nope")})


def test_unenv_is_found_with_the_pinned_versions_only(tmp_path: Path) -> None:
    with pytest.raises(BundlerUnavailableError, match="neither package"):
        find_unenv({"CFACTION_UNENV_DIR": str(tmp_path)}, tmp_path)
    write(
        tmp_path,
        {
            "node_modules/unenv/package.json": '{"version": "2.0.0-rc.24"}',
            "node_modules/@cloudflare/unenv-preset/package.json": '{"version": "2.16.0"}',
        },
    )
    with pytest.raises(BundlerUnavailableError, match="they were not found"):
        find_unenv({}, tmp_path)
    write(tmp_path, {"node_modules/@cloudflare/unenv-preset/package.json": '{"version": "2.16.1"}'})
    assert find_unenv({}, tmp_path) == tmp_path / "node_modules"


# --- bundles ------------------------------------------------------------------------------


def test_a_typescript_entry_bundles_to_an_es_module_named_after_it(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/worker.ts": 'import { shout } from "./lib";\n'
            "export default { fetch(): Response { return new Response(shout('hi')); } };\n",
            "src/lib.ts": "export const shout = (s: string): string => s.toUpperCase();\n",
        },
    )

    built = bundle(tmp_path, entry="src/worker.ts")

    assert (built.main_name, built.format, built.main_type) == ("worker.js", "modules", "ESModule")
    assert b"toUpperCase" in built.main and b": string" not in built.main
    assert built.main.rstrip().endswith(b"//# sourceMappingURL=worker.js.map")
    assert (built.source_map, built.inputs, built.node_compat) == (None, 2, "v2")


def test_without_exports_the_entry_is_a_service_worker(tmp_path: Path) -> None:
    worker = "addEventListener('fetch', (e) => e.respondWith(new Response('x')));\n"
    write(tmp_path, {"src/index.js": worker})

    built = bundle(tmp_path)

    assert (built.format, built.main_type) == ("service-worker", "CommonJS")


def test_a_rule_import_becomes_a_module_of_its_own(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/index.js": 'import t from "./notes.md";\n'
            "export default { fetch() { return new Response(t); } };\n",
            "src/notes.md": "# notes\n",
        },
    )
    rules = (ModuleRule("Text", ("**/*.md",)),)

    built = bundle(tmp_path, rules=rules)
    preserved = bundle(tmp_path, rules=rules, preserve_file_names=True)

    [module] = built.modules
    assert (
        module.type == "Text" and module.name.startswith("./") and module.name.endswith("-notes.md")
    )
    assert f'from "{module.name}"'.encode() in built.main
    assert [m.name for m in preserved.modules] == ["./notes.md"]


def test_an_import_a_removed_rule_matches_names_the_rule(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/index.js": 'import t from "./a.txt";\n' + MODULE,
            "src/a.txt": "a",
        },
    )
    rules = (ModuleRule("Text", ("**/*.md",)),)  # completes Text: the default **/*.txt is out

    with pytest.raises(BundleError) as failed:
        bundle(tmp_path, rules=rules)

    assert "./a.txt matched a module rule in your configuration" in failed.value.messages[0].text
    assert '{"type":"Text","globs":["**/*.txt","**/*.html","**/*.sql"]}' in failed.value.message


def test_the_uploaded_source_map_names_the_project_files(tmp_path: Path) -> None:
    write(tmp_path, {"src/index.ts": "export default { fetch() { return new Response('m'); } };\n"})

    built = bundle(tmp_path, entry="src/index.ts", upload_source_maps=True)

    assert built.source_map is not None
    data = json.loads(built.source_map)
    assert (data["file"], data["sources"], data.get("sourceRoot")) == (
        "index.js",
        ["src/index.ts"],
        "",
    )


def test_a_build_error_carries_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, {"src/index.js": "export default {\n  fetch() { return 1 +; }\n};\n"})

    with pytest.raises(BundleError) as failed:
        bundle(tmp_path)

    [annotation] = failed.value.annotations()
    assert (annotation.file, annotation.line) == (str(tmp_path / "src/index.js"), 2)
    assert annotation.message.startswith("src/index.js:2:")


def test_a_missing_node_builtin_without_nodejs_compat_says_to_add_the_flag(tmp_path: Path) -> None:
    write(tmp_path, {"src/index.js": 'import fs from "fs";\nconsole.log(fs);\n' + MODULE})

    with pytest.raises(BundleError) as failed:
        bundle(tmp_path, compatibility_date="2024-01-01")

    [message] = failed.value.messages
    assert message.text == 'Could not resolve "fs"'
    assert 'Add the "nodejs_compat" compatibility flag' in message.notes[-1]


def test_an_unexported_durable_object_class_stops_the_bundle(tmp_path: Path) -> None:
    write(tmp_path, {"src/index.js": MODULE})

    with pytest.raises(BundleError, match="not exported in your entrypoint file: Room"):
        bundle(tmp_path, exported_classes=("Room",))


def test_find_additional_modules_needs_an_es_module_entry(tmp_path: Path) -> None:
    write(tmp_path, {"src/index.js": "addEventListener('fetch', () => {});\n"})

    with pytest.raises(BundleError, match="can only be used with an ES module entrypoint"):
        bundle(tmp_path, find_additional_modules=True)
