"""Tests for the inputs of ``operation: worker`` (cfaction.ops.worker.inputs): merging with the
wrangler config, the files it may upload, and every check made before any API call. Files
live in tmp_path, the workspace; no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from cfaction.main import _secrets
from cfaction.ops.worker.inputs import MAX_MESSAGE, WorkerInputs
from cfaction.ops.worker.secrets import secret_values
from cfaction.ops.worker.wrangler import RouteSpec
from tests.helpers import ACCOUNT_ID, load_error, load_errors, load_settings

MODULE = "export default { fetch() { return new Response('hi'); } };\n"
MINIFIED = "var a={fetch(){return new Response('hi')}};export{a as default};\n"
SERVICE_WORKER = "addEventListener('fetch', (e) => e.respondWith(new Response('hi')));\n"
TOML = """\
name = "hello"
main = "src/index.js"
compatibility_date = "2026-11-01"
no_bundle = true
compatibility_flags = ["nodejs_compat"]
account_id = "0123456789abcdef0123456789abcdef"
routes = ["example.com/*"]
workers_dev = false

[vars]
GREETING = "world"

[[kv_namespaces]]
binding = "CACHE"
id = "kv-id"

[env.staging]
compatibility_date = "2026-11-05"
routes = ["staging.example.com/*"]

[env.staging.vars]
GREETING = "staging"
"""


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def project(root: Path, **extra: str | bytes) -> Path:
    return write(root, {"wrangler.toml": TOML, "src/index.js": MODULE, **extra})


def worker(root: Path, **given: str) -> WorkerInputs:
    inputs = load_settings(root, operation="worker", **given).inputs
    assert isinstance(inputs, WorkerInputs)
    return inputs


# the config and the inputs


def test_the_config_supplies_every_input_that_is_not_given(tmp_path: Path) -> None:
    inputs = worker(project(tmp_path), config="wrangler.toml")

    assert inputs.script_name == "hello"
    assert inputs.entry == (tmp_path / "src/index.js").resolve()
    assert inputs.format == "modules"
    assert inputs.compatibility_date == "2026-11-01"
    assert inputs.compatibility_flags == ("nodejs_compat",)
    assert inputs.vars == {"GREETING": "world"}
    assert [(b.where, b.binding) for b in inputs.bindings] == [
        ("kv_namespaces[0]", {"name": "CACHE", "type": "kv_namespace", "namespace_id": "kv-id"})
    ]
    assert inputs.routes == (RouteSpec("example.com/*"),)
    assert inputs.workers_dev is False
    assert inputs.account_id == "0123456789abcdef0123456789abcdef"
    assert inputs.config_path == "wrangler.toml"
    assert inputs.keep_secrets is True
    assert inputs.rollout_percentage == 100.0


def test_an_environment_renames_the_worker_and_replaces_what_it_sets(tmp_path: Path) -> None:
    inputs = worker(project(tmp_path), config="wrangler.toml", environment="staging")

    assert inputs.script_name == "hello-staging"
    assert inputs.compatibility_date == "2026-11-05"
    assert inputs.vars == {"GREETING": "staging"}
    assert inputs.routes == (RouteSpec("staging.example.com/*"),)
    assert inputs.bindings == ()  # bindings are not inherited by an environment


def test_inputs_given_win_over_the_config(tmp_path: Path) -> None:
    write(project(tmp_path), {"dist/main.mjs": MODULE})

    inputs = worker(
        tmp_path,
        config="wrangler.toml",
        script_name="other",
        script="dist/main.mjs",
        compatibility_date="2026-01-02",
        compatibility_flags="a, b",
        vars="MODE=prod",
        routes="api.example.com/*",
        workers_dev="true",
    )

    assert inputs.script_name == "other"
    assert inputs.entry == (tmp_path / "dist/main.mjs").resolve()
    assert inputs.compatibility_date == "2026-01-02"
    assert inputs.compatibility_flags == ("a", "b")
    assert inputs.vars == {"GREETING": "world", "MODE": "prod"}  # vars add, as --var does
    assert inputs.routes == (RouteSpec("api.example.com/*"),)
    assert inputs.workers_dev is True


def test_without_config_script_name_script_and_date_are_required(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, operation="worker")

    assert [(e.input_name, e.problem) for e in errors] == [
        ("script_name", "is required (or name in config)."),
        ("script", "is required (or main in config)."),
        ("compatibility_date", "is required (or compatibility_date in config)."),
    ]


def test_an_environment_without_config_is_an_error(tmp_path: Path) -> None:
    errors = load_errors(
        write(tmp_path, {"w.js": MODULE}),
        operation="worker",
        environment="staging",
        script_name="w",
        script="w.js",
        compatibility_date="2026-11-01",
    )

    assert [(e.input_name, e.problem) for e in errors] == [
        ("environment", "is set but config is empty.")
    ]


def test_a_config_that_does_not_parse_is_the_only_error_reported(tmp_path: Path) -> None:
    write(tmp_path, {"wrangler.toml": "name = \n"})

    error = load_error(tmp_path, operation="worker", config="wrangler.toml", format="nonsense")

    assert error.input_name == "config"
    assert "is not valid TOML" in error.problem


@pytest.mark.parametrize("config", ["../wrangler.toml", "/etc/passwd"])
def test_a_config_outside_the_workspace_is_refused(tmp_path: Path, config: str) -> None:
    (tmp_path / "ws").mkdir()

    error = load_error(tmp_path / "ws", operation="worker", config=config)

    assert error.input_name == "config"
    assert error.problem == f"'{config}' is outside the workspace."


def test_a_missing_main_says_to_build_first(tmp_path: Path) -> None:
    write(tmp_path, {"wrangler.toml": TOML})

    error = load_error(tmp_path, operation="worker", config="wrangler.toml")

    assert error.input_name == "config"
    assert "(main in the config) does not exist in the workspace." in error.problem
    assert error.fix.startswith("Run the Worker's build (build.command, if the config has one)")


# files and formats


def test_modules_are_found_by_the_default_rules_as_wrangler_finds_them(tmp_path: Path) -> None:
    project(
        tmp_path,
        **{"src/a.wasm": b"\0asm", "src/t/b.txt": "b", "src/index.map": "{}", "src/z.sql": "s"},
    )

    inputs = worker(tmp_path, config="wrangler.toml")

    assert [(m.name, m.type) for m in inputs.modules] == [
        ("a.wasm", "CompiledWasm"),
        ("t/b.txt", "Text"),
        ("z.sql", "Text"),
    ]


def test_the_modules_input_adds_files_by_their_ending(tmp_path: Path) -> None:
    project(tmp_path, **{"src/lib/util.js": "export const a = 1;\n", "src/t/b.txt": "b"})

    inputs = worker(
        tmp_path, config="wrangler.toml", modules="src/**/*.txt\nsrc/lib/*.js, src/*.js"
    )

    assert [(m.name, m.type) for m in inputs.modules] == [
        ("t/b.txt", "Text"),
        ("lib/util.js", "ESModule"),
    ]


def test_rules_type_modules_and_fallthrough_keeps_the_defaults(tmp_path: Path) -> None:
    write(
        project(tmp_path, **{"src/data.txt": "d", "src/lib/x.cjs": "module.exports = 1;\n"}),
        {
            "wrangler.toml": TOML.replace(
                "workers_dev = false",
                "workers_dev = false\n"
                'rules = [{ type = "Data", globs = ["**/*.txt"] },'
                ' { type = "CommonJS", globs = ["**/*.cjs"] }]',
            )
        },
    )

    inputs = worker(tmp_path, config="wrangler.toml")

    assert [(m.name, m.type, m.content_type) for m in inputs.modules] == [
        ("data.txt", "Data", "application/octet-stream"),
        ("lib/x.cjs", "CommonJS", "application/javascript"),
    ]


def test_a_module_outside_the_entry_folder_is_refused(tmp_path: Path) -> None:
    project(tmp_path, **{"other/x.txt": "x"})

    error = load_error(tmp_path, operation="worker", config="wrangler.toml", modules="other/*.txt")

    assert error.input_name == "modules"
    assert error.problem == "'other/x.txt' is outside the entry module's folder (src)."


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("src/*.css", "'src/*.css' matches no file in the workspace."),
        ("../*.js", "'../*.js' leaves the workspace."),
        ("/etc/*", "'/etc/*' leaves the workspace."),
    ],
)
def test_modules_that_match_nothing_or_leave_the_workspace_are_refused(
    tmp_path: Path, pattern: str, problem: str
) -> None:
    error = load_error(
        project(tmp_path), operation="worker", config="wrangler.toml", modules=pattern
    )

    assert (error.input_name, error.problem) == ("modules", problem)


def test_a_module_without_a_module_type_is_refused(tmp_path: Path) -> None:
    project(tmp_path, **{"src/style.css": "a{}"})

    error = load_error(tmp_path, operation="worker", config="wrangler.toml", modules="src/*.css")

    assert error.problem == "'src/style.css' has no module type."


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        (MODULE, "index.js", "modules"),
        (MINIFIED, "index.js", "modules"),
        ("export const a = 1;\n", "index.js", "service-worker"),
        (SERVICE_WORKER, "index.js", "service-worker"),
        (SERVICE_WORKER, "index.mjs", "service-worker"),
        ("// export default {}\nconst s = 'export default';\n", "index.js", "service-worker"),
    ],
)
def test_format_auto_tells_an_es_module_from_a_service_worker(
    tmp_path: Path, source: str, name: str, expected: str
) -> None:
    write(tmp_path, {name: source})

    inputs = worker(
        tmp_path, script_name="w", script=name, compatibility_date="2026-11-01", no_bundle="true"
    )

    assert inputs.format == expected


def test_a_service_worker_cannot_have_javascript_modules(tmp_path: Path) -> None:
    write(tmp_path, {"sw.js": SERVICE_WORKER, "lib.js": "export const a = 1;\n"})

    error = load_error(
        tmp_path,
        operation="worker",
        script_name="w",
        script="sw.js",
        modules="lib.js",
        compatibility_date="2026-11-01",
        format="service-worker",
        no_bundle="true",
    )

    assert (error.input_name, error.problem) == (
        "modules",
        "lib.js is a JavaScript module, and a service worker is one script.",
    )


def test_an_entry_that_is_not_javascript_is_refused_as_a_module(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "# hi"})

    error = load_error(
        tmp_path,
        operation="worker",
        script_name="w",
        script="README.md",
        compatibility_date="2026-11-01",
        format="modules",
        no_bundle="true",
    )

    assert (error.input_name, error.problem) == (
        "script",
        "'README.md' is not a JavaScript or Python module.",
    )


# values


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("My Worker", "'My Worker' is not a valid Worker name"),
        ("-w", "'-w' is not a valid Worker name"),
        ("w" * 64, f"'{'w' * 64}' is not a valid Worker name"),
    ],
)
def test_script_names_follow_the_api_pattern(tmp_path: Path, name: str, problem: str) -> None:
    error = load_error(
        project(tmp_path), operation="worker", config="wrangler.toml", script_name=name
    )

    assert error.input_name == "script_name"
    assert error.problem.startswith(problem)


@pytest.mark.parametrize("date", ["2026-13-01", "01-11-2026", "tomorrow"])
def test_the_compatibility_date_is_a_real_date(tmp_path: Path, date: str) -> None:
    error = load_error(
        project(tmp_path), operation="worker", config="wrangler.toml", compatibility_date=date
    )

    assert error.input_name == "compatibility_date"


def test_vars_as_yaml_keep_their_types_by_yaml_1_2_rules(tmp_path: Path) -> None:
    inputs = worker(
        project(tmp_path),
        config="wrangler.toml",
        vars="{URL: 'https://x', COUNT: 3, DEBUG: true, FLAG: yes, MODE: 0755}",
    )

    assert inputs.vars == {
        "GREETING": "world",
        "URL": "https://x",
        "COUNT": 3,
        "DEBUG": True,
        "FLAG": "yes",
        "MODE": "0755",
    }


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("vars", "- a\n- b", "is neither a YAML/JSON mapping nor KEY=value lines."),
        ("vars", "1BAD=x", "'1BAD' is not a valid binding name."),
        ("secrets", "KEY", "line 1 is not KEY=value."),
        ("secrets", "A=1\nA=2", "names A twice (line 2)."),
        ("bindings", "{type: kv_namespace}", "is not a list."),
        ("bindings", "[{type: kv_namespace}]", "bindings[0] has no type or name."),
        (
            "custom_domains",
            "https://api.example.com",
            "'https://api.example.com' is not a hostname.",
        ),
        ("rollout_percentage", "0", "'0' is not a percentage above 0 and up to 100."),
        ("rollout_percentage", "101", "'101' is not a percentage above 0 and up to 100."),
        ("keep_secrets", "yes", "'yes' is not a boolean."),
        ("format", "esm", "'esm' is not a format."),
    ],
)
def test_invalid_values_name_their_input(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    error = load_error(
        project(tmp_path), operation="worker", config="wrangler.toml", **{name: text}
    )

    assert (error.input_name, error.problem) == (name, problem)


def test_a_name_used_by_two_kinds_of_binding_is_an_error(tmp_path: Path) -> None:
    error = load_error(
        project(tmp_path), operation="worker", config="wrangler.toml", secrets="GREETING=hello"
    )

    assert (error.input_name, error.problem) == ("secrets", "GREETING is also defined in vars.")


def test_a_long_message_is_cut_with_a_warning(tmp_path: Path) -> None:
    settings = load_settings(
        project(tmp_path), operation="worker", config="wrangler.toml", message="m" * 80
    )

    assert settings.inputs.message == "m" * (MAX_MESSAGE - 1) + "…"
    assert [(w.input_name, w.message) for w in settings.warnings] == [
        ("message", "has 80 characters; Cloudflare keeps 50, so it was cut.")
    ]


def test_the_account_comes_from_the_input_before_the_config(tmp_path: Path) -> None:
    settings = load_settings(
        project(tmp_path), operation="worker", config="wrangler.toml", account_id=ACCOUNT_ID
    )

    assert settings.common.account_id == ACCOUNT_ID
    assert settings.inputs.account_id == "0123456789abcdef0123456789abcdef"


# secrets


def test_every_secret_value_is_masked_before_anything_is_printed() -> None:
    raw = {"secrets": "A=first\nB =  second  \n# C=comment-kept\nNOT A LINE", "api_token": "T" * 40}

    # Not a valid input (the last line), so every line's value is masked, as it might be one.
    assert set(secret_values(raw)) == {
        "first",
        "  second  ",
        "second",
        "comment-kept",
        "NOT A LINE",
    }
    assert {"first", "second", "T" * 40} <= set(_secrets(raw))


# bundling: wrangler bundles unless no_bundle

BUNDLED_TOML = TOML.replace("no_bundle = true\n", "")


def test_the_worker_is_bundled_unless_no_bundle_as_wrangler_does(tmp_path: Path) -> None:
    write(tmp_path, {"wrangler.toml": BUNDLED_TOML, "src/index.js": MODULE})

    bundled = worker(tmp_path, config="wrangler.toml")
    as_is = worker(tmp_path, config="wrangler.toml", no_bundle="true")

    assert (bundled.bundle, bundled.format, bundled.modules) == (True, None, ())
    assert (as_is.bundle, as_is.format) == (False, "modules")


def test_the_no_bundle_input_wins_over_the_config(tmp_path: Path) -> None:
    project(tmp_path)  # the config says no_bundle = true

    assert worker(tmp_path, config="wrangler.toml", no_bundle="false").bundle is True
    assert load_error(
        tmp_path, operation="worker", config="wrangler.toml", no_bundle="maybe"
    ).input_name == ("no_bundle")


def test_a_typescript_entry_is_bundled_and_refused_as_it_is(tmp_path: Path) -> None:
    toml = BUNDLED_TOML.replace("src/index.js", "src/index.ts")
    write(tmp_path, {"wrangler.toml": toml, "src/index.ts": "export default {} as object;\n"})

    assert worker(tmp_path, config="wrangler.toml").entry.name == "index.ts"
    error = load_error(tmp_path, operation="worker", config="wrangler.toml", no_bundle="true")
    assert (error.input_name, error.problem) == (
        "script",
        "'index.ts' is not a JavaScript or Python module.",
    )


def test_an_entry_esbuild_cannot_bundle_is_named(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "# hi"})

    error = load_error(
        tmp_path, operation="worker", script_name="w", script="README.md",
        compatibility_date="2026-11-01",
    )  # fmt: skip

    assert (error.input_name, error.problem) == (
        "script",
        "'README.md' is not a JavaScript or TypeScript module, which is what esbuild bundles.",
    )


def test_the_modules_input_needs_no_bundle(tmp_path: Path) -> None:
    write(tmp_path, {"wrangler.toml": BUNDLED_TOML, "src/index.js": MODULE, "src/t.txt": "t"})

    error = load_error(tmp_path, operation="worker", config="wrangler.toml", modules="src/t.txt")

    assert error.input_name == "modules"
    assert "this Worker is bundled" in error.problem
    assert "no_bundle: true" in error.fix


def test_a_bundle_walks_modules_only_with_find_additional_modules(tmp_path: Path) -> None:
    files = {"src/index.js": MODULE, "src/t.txt": "t"}
    write(tmp_path, {"wrangler.toml": BUNDLED_TOML, **files})
    assert worker(tmp_path, config="wrangler.toml").modules == ()

    walking = BUNDLED_TOML.replace("workers_dev = false\n", "workers_dev = false\n"
                                   "find_additional_modules = true\n")  # fmt: skip
    write(tmp_path, {"wrangler.toml": walking})
    assert [m.name for m in worker(tmp_path, config="wrangler.toml").modules] == ["t.txt"]


def test_a_python_worker_is_uploaded_as_it_is(tmp_path: Path) -> None:
    toml = BUNDLED_TOML.replace("src/index.js", "src/entry.py").replace(
        '["nodejs_compat"]', '["python_workers"]'
    )
    write(tmp_path, {"wrangler.toml": toml, "src/entry.py": "def on_fetch(r): pass\n"})

    inputs = worker(tmp_path, config="wrangler.toml")

    assert (inputs.bundle, inputs.format) == (False, "modules")


def test_minify_without_bundling_is_warned_about_as_wrangler_does(tmp_path: Path) -> None:
    toml = TOML.replace("no_bundle = true\n", "no_bundle = true\nminify = true\n")
    project(tmp_path, **{"wrangler.toml": toml})

    settings = load_settings(tmp_path, operation="worker", config="wrangler.toml")

    assert [w.message for w in settings.warnings if "minify" in w.message] == [
        "minify and no_bundle can't be used together: the files are uploaded as they are; "
        "minify them in your own build."
    ]


# bad input (issue 15): refused before any call, nothing walked outside the workspace


def no_bundle(root: Path, **given: str) -> dict[str, str]:
    write(root, {"src/index.js": MODULE})
    return {
        "operation": "worker",
        "account_id": ACCOUNT_ID,
        "script_name": "w",
        "script": "src/index.js",
        "compatibility_date": "2026-11-01",
        "no_bundle": "true",
        **given,
    }


@pytest.mark.parametrize(
    ("routes", "problem"),
    [
        ("${{ vars.ROUTE }}", "holds a GitHub expression (${{ … }}) that was never evaluated"),
        ("example.com/api/* example.com/v2/*", "contains a space"),
        ("example.com/a*b", "has a * inside its path; only a trailing * is allowed there"),
        ("ex*ample.com/*", "has a * inside its host; only a leading * is allowed there"),
        ("example.com/*?x=1", "has a query string or fragment, which a route never matches on"),
        ("ftp://example.com/*", "has a scheme other than http:// or https://"),
        ("example.com:8080/*", "does not start with a hostname ('example.com:8080')"),
    ],
)
def test_a_route_cloudflare_would_refuse_after_the_upload_is_refused_first(
    tmp_path: Path, routes: str, problem: str
) -> None:
    error = load_error(tmp_path, **no_bundle(tmp_path, routes=routes))

    assert error.input_name == "routes"
    assert error.problem.endswith(f"{problem}.")
    assert "Write host/path, e.g. example.com/*" in error.fix


@pytest.mark.parametrize(
    "routes", ["example.com/*", "*.example.com/api/*", "*example.com/*", "https://example.com/"]
)
def test_routes_cloudflare_takes_are_taken(tmp_path: Path, routes: str) -> None:
    inputs = load_settings(tmp_path, **no_bundle(tmp_path, routes=routes)).inputs

    assert isinstance(inputs, WorkerInputs)
    assert [r.pattern for r in inputs.routes] == [routes]


def test_a_route_with_a_space_in_the_config_names_config(tmp_path: Path) -> None:
    project(tmp_path, **{"wrangler.toml": TOML.replace('"example.com/*"', '"example.com/ *"')})

    error = load_error(tmp_path, operation="worker", config="wrangler.toml")

    assert error.input_name == "config"
    assert error.problem == "the route 'example.com/ *' contains a space."


@pytest.mark.parametrize(
    ("pattern", "link", "problem"),
    [
        ("src/out/*", ("/etc", "src/out"), "'src/out/*' reaches 'src/out', which links outside"),
        ("src/**", ("/", "src/root"), "'src/**' reaches 'src/root', which links outside"),
        (
            "src/*.mjs",
            ("/etc/hostname", "src/lib.mjs"),
            "'src/*.mjs' matches 'src/lib.mjs', which links outside",
        ),
    ],
)
def test_a_modules_glob_never_walks_or_takes_anything_outside_the_workspace(
    tmp_path: Path, pattern: str, link: tuple[str, str], problem: str
) -> None:
    raw = no_bundle(tmp_path, modules=pattern)
    (tmp_path / link[1]).symlink_to(link[0])

    error = load_error(tmp_path, **raw)

    assert error.input_name == "modules"
    assert error.problem.startswith(problem)


def test_a_globstar_follows_links_inside_the_workspace_once(tmp_path: Path) -> None:
    raw = no_bundle(tmp_path, modules="src/**/*.txt")
    write(tmp_path, {"src/lib/a.txt": "a"})
    (tmp_path / "src" / "alias").symlink_to(tmp_path / "src" / "lib")
    (tmp_path / "src" / "lib" / "loop").symlink_to(tmp_path / "src")  # a cycle

    inputs = worker(tmp_path, **{k: v for k, v in raw.items() if k != "operation"})

    assert [(m.name, m.type) for m in inputs.modules] == [("lib/a.txt", "Text")]


def test_a_modules_glob_that_matches_only_folders_says_so(tmp_path: Path) -> None:
    raw = no_bundle(tmp_path, modules="src/lib")
    write(tmp_path, {"src/lib/a.txt": "a"})

    error = load_error(tmp_path, **raw)

    assert error.problem == "'src/lib' matches only folders (src/lib), and modules are files."
    assert "src/**/*.js" in error.fix


def test_a_script_path_longer_than_any_path_is_refused_without_quoting_it(tmp_path: Path) -> None:
    error = load_error(tmp_path, **no_bundle(tmp_path, script="a/" * 60_000))

    assert error.input_name == "script"
    assert error.problem.startswith("the path has 120,000 bytes; a path has at most 4,096")
    assert len(str(error)) < 300


def test_a_script_that_is_not_javascript_is_refused_without_bundling(tmp_path: Path) -> None:
    raw = no_bundle(tmp_path, script="readme.md")
    write(tmp_path, {"readme.md": "# hi\n"})

    error = load_error(tmp_path, **raw)

    assert error.input_name == "script"
    assert error.problem == "'readme.md' is not a JavaScript or Python module."


def test_a_module_rule_can_make_any_entry_a_javascript_module(tmp_path: Path) -> None:
    project(
        tmp_path,
        **{
            "src/worker.md": MODULE,
            "wrangler.toml": TOML.replace('main = "src/index.js"', 'main = "src/worker.md"')
            + '\n[[rules]]\ntype = "ESModule"\nglobs = ["**/*.md"]\n',
        },
    )

    inputs = worker(tmp_path, config="wrangler.toml")

    assert inputs.entry_name == "worker.md"
    assert inputs.format == "modules"


def test_a_text_rule_does_not_make_an_entry_javascript(tmp_path: Path) -> None:
    write(tmp_path, {"notes.txt": MODULE})

    error = load_error(tmp_path, **no_bundle(tmp_path, script="notes.txt"))

    assert error.problem == "'notes.txt' is not a JavaScript or Python module."


BOMB = "".join(
    f"l{n}: &l{n} [" + ", ".join(["lol" if n == 0 else f"*l{n - 1}"] * 9) + "]\n" for n in range(9)
)


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("vars", BOMB, "has YAML aliases (*name) that stand for more than 1,000,000"),
        ("bindings", "- " + BOMB.replace("\n", "\n  "), "has YAML aliases (*name)"),
        ("vars", '{"A": ' * 3000 + "1" + "}" * 3000, "nests deeper than 64 levels"),
        ("vars", "A: 1\nA: 2", "names the key 'A' twice (line 2)."),
        ("vars", '{"A": 1, "A": 2}', "names the key 'A' twice (line 1)."),
        ("vars", "{1: a}", "has the name 1, which is not text."),
    ],
)
def test_vars_and_bindings_beyond_the_bounds_are_refused(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    error = load_error(tmp_path, **no_bundle(tmp_path, **{name: text}))

    assert error.input_name == name
    assert error.problem.startswith(problem)


def test_a_secrets_file_nested_past_the_limit_is_refused(tmp_path: Path) -> None:
    raw = no_bundle(tmp_path, secrets="@secrets.json")
    write(tmp_path, {"secrets.json": '{"A": ' * 3000 + '"x"' + "}" * 3000})

    error = load_error(tmp_path, **raw)

    assert error.input_name == "secrets"
    assert error.problem == "'secrets.json' nests deeper than 64 levels of arrays and objects."
