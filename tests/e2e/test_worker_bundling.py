"""Bundling end to end: cfaction bundles a project's sources as ``wrangler deploy`` does,
the emulator starts the stored Worker in workerd (refusing one that fails to start), the
Worker answers, and real wrangler (tests/harness/wrangler.py) bundling the same project
stores the same bytes.

The projects: TypeScript with an npm dependency (hono) and a route; ``.txt``, ``.bin`` and
``.wasm`` imports; ``nodejs_compat`` with ``node:buffer``, ``node:crypto`` and
``process.env``; a minified build with its source map; a service worker with a wasm
import. npm packages come from tests/harness/npm_packages.py, put into each project as its
own ``npm ci`` would leave them.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, demo_state
from cfemu.runner import StepResult, run_step, write_files
from cfemu.workerd import serve
from tests.harness.npm_packages import installed, link_tree
from tests.harness.workerd import workerd_binary
from tests.harness.wrangler import Wrangler, deploy, install_folder, installed_wrangler

pytestmark = pytest.mark.e2e

HONO = {"hono": "4.9.8"}
# A wasm module exporting add(a, b) = a + b.
ADD_WASM = bytes.fromhex(
    "0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b"
)
Files = dict[str, str | bytes]

TYPESCRIPT = {
    "src/index.ts": """\
import { Hono } from "hono";

type Env = { GREETING: string };
const app = new Hono<{ Bindings: Env }>();
app.get("/", (c) => c.text(`${c.env.GREETING} from hono`));
app.get("/items/:id", (c) => c.json({ id: Number(c.req.param("id")) * 2 }));
export default app;
""",
}
RULE_IMPORTS = {
    "src/index.js": """\
import greeting from "./greeting.txt";
import blob from "./data/blob.bin";
import addModule from "./add.wasm";

const { add } = new WebAssembly.Instance(addModule).exports;
export default {
  async fetch() {
    return new Response(`${greeting.trim()}|${new Uint8Array(blob).join(",")}|${add(2, 3)}`);
  },
};
""",
    "src/greeting.txt": "hello text\n",
    "src/data/blob.bin": b"\x01\x02\x03",
    "src/add.wasm": ADD_WASM,
}
NODE = {
    "src/index.js": """\
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { EventEmitter } from "events";
const { format } = require("util");

export default {
  async fetch() {
    const digest = createHash("sha256").update("cfaction").digest("hex").slice(0, 12);
    const emitter = new EventEmitter();
    let heard = "";
    emitter.on("ping", (value) => (heard = value));
    emitter.emit("ping", "pong");
    return new Response(
      [Buffer.from("hi").toString("base64"), digest, process.env.NODE_ENV, heard,
       format("%s=%d", "n", 7)].join("|"),
    );
  },
};
""",
}


@pytest.fixture(scope="module")
def workerd() -> Path:
    return workerd_binary()


@pytest.fixture(scope="module")
def wrangler() -> Wrangler:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so wrangler cannot be installed to compare with")
    return installed_wrangler()


@pytest.fixture
def emulator(workerd: Path) -> Iterator[Emulator]:
    with Emulator(demo_state(), workerd=workerd) as emu:
        yield emu


def toml(name: str, main: str = "src/index.ts", body: str = "") -> str:
    return (
        f'name = "{name}"\nmain = "{main}"\ncompatibility_date = "2026-11-01"\n'
        f"workers_dev = true\n{body}"
    )


def publish(
    emulator: Emulator,
    files: Files,
    node_modules: Path | None = None,
    env: Mapping[str, str] | None = None,
    **inputs: str,
) -> StepResult:
    """The action's worker step on ``files`` (plus ``node_modules``, as ``npm ci`` leaves
    it), as the runner runs it."""
    emulator.log.clear()
    given = {
        "operation": "worker",
        "api_token": DEMO_TOKEN,
        "account_id": DEMO_ACCOUNT_ID,
        "api_base_url": emulator.base_url,
        "max_retries": "0",
        "config": "wrangler.toml",
        **inputs,
    }

    def prepare(workspace: Path) -> None:
        if node_modules is not None:
            link_tree(node_modules, workspace / "node_modules")

    return run_step(given, files=files, prepare=prepare, env=env)


def stored(emulator: Emulator, name: str) -> Any:
    return emulator.state.worker(DEMO_ACCOUNT_ID, name).deployed_version()


def parts(version: Any) -> dict[str, tuple[str, bytes]]:
    return {m.name: (m.content_type, m.content) for m in version.modules}


def by_wrangler(
    wrangler: Wrangler,
    workerd: Path,
    root: Path,
    files: Files,
    node_modules: Path | None = None,
) -> dict[str, tuple[str, bytes]]:
    """What ``wrangler deploy`` (bundling) stores for the same project."""
    project, home = root / "project", root / "home"
    write_files(project, files)
    if node_modules is not None:
        link_tree(node_modules, project / "node_modules")
    home.mkdir()
    with Emulator(demo_state(), workerd=workerd) as theirs:
        done = deploy(wrangler, project, theirs.base_url, home, no_bundle=False)
        assert done.returncode == 0, done.stdout + done.stderr
        [(_, name)] = list(theirs.state.workers)
        return parts(stored(theirs, name))


def hashed(name: str, content: str | bytes) -> str:
    """The module name wrangler gives an import: ``./<sha1 of the bytes>-<file name>``."""
    data = content.encode() if isinstance(content, str) else content
    return f"./{hashlib.sha1(data).hexdigest()}-{name}"


def get(workerd: Path, version: Any, path: str = "/") -> tuple[int, bytes]:
    with serve(workerd, version) as worker:
        status, _, body = worker.get(path)
    return status, body


# --- TypeScript and an npm package --------------------------------------------------------


def test_a_typescript_worker_with_hono_deploys_in_one_step_and_answers(
    emulator: Emulator, workerd: Path, wrangler: Wrangler, tmp_path: Path
) -> None:
    files: Files = {
        "wrangler.toml": toml(
            "hono-app",
            body='routes = [{ pattern = "example.com/app/*", zone_name = "example.com" }]\n'
            '[vars]\nGREETING = "hello"\n',
        ),
        "package.json": '{"name": "hono-app", "private": true, "dependencies": {"hono": "4.9.8"}}',
        **TYPESCRIPT,
    }
    modules = installed(HONO)

    run = publish(emulator, files, modules)

    assert run.exit_code == 0, run.stdout
    version = stored(emulator, "hono-app")
    assert list(parts(version)) == ["index.js"]
    assert version.module("index.js").content_type == "application/javascript+module"
    assert get(workerd, version) == (200, b"hello from hono")
    assert get(workerd, version, "/items/21") == (200, b'{"id":42}')
    assert [r.pattern for r in emulator.state.worker_routes_of("hono-app")] == ["example.com/app/*"]
    assert "Bundled `src/index.ts` into `index.js`" in run.summary
    assert parts(version) == by_wrangler(wrangler, workerd, tmp_path, files, modules)


# --- module rules -------------------------------------------------------------------------


def test_text_data_and_wasm_imports_become_modules_named_as_wrangler_names_them(
    emulator: Emulator, workerd: Path, wrangler: Wrangler, tmp_path: Path
) -> None:
    files: Files = {"wrangler.toml": toml("rules", "src/index.js"), **RULE_IMPORTS}

    run = publish(emulator, files)

    assert run.exit_code == 0, run.stdout
    version = stored(emulator, "rules")
    types = {name: kind for name, (kind, _) in parts(version).items()}
    assert types == {
        "index.js": "application/javascript+module",
        hashed("greeting.txt", RULE_IMPORTS["src/greeting.txt"]): "text/plain",
        hashed("blob.bin", RULE_IMPORTS["src/data/blob.bin"]): "application/octet-stream",
        hashed("add.wasm", ADD_WASM): "application/wasm",
    }
    assert get(workerd, version) == (200, b"hello text|1,2,3|5")
    assert parts(version) == by_wrangler(wrangler, workerd, tmp_path, files)


# --- nodejs_compat ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date",
    [
        "2026-11-01",  # workerd's own modules for nearly everything
        "2025-03-01",  # injected process and console globals, the performance polyfill
    ],
)
def test_a_nodejs_compat_worker_gets_wranglers_polyfills_and_answers(
    emulator: Emulator, workerd: Path, wrangler: Wrangler, tmp_path: Path, date: str
) -> None:
    config = toml("node", "src/index.js", 'compatibility_flags = ["nodejs_compat"]\n')
    files: Files = {"wrangler.toml": config.replace("2026-11-01", date), **NODE}
    # The project installs wrangler, as wrangler-action does: its unenv sits in the
    # project's node_modules, where cfaction's bundle names the polyfills too.
    modules = install_folder() / "node_modules"

    run = publish(emulator, files)

    assert run.exit_code == 0, run.stdout
    version = stored(emulator, "node")
    digest = hashlib.sha256(b"cfaction").hexdigest()[:12]
    assert get(workerd, version) == (200, f"aGk=|{digest}|production|pong|n=7".encode())
    assert "nodejs_compat (v2)" in run.summary
    own = Wrangler(wrangler.node, tmp_path / "project/node_modules/wrangler/bin/wrangler.js")
    assert parts(version) == by_wrangler(own, workerd, tmp_path, files, modules)


# --- minify, source maps, a service worker -------------------------------------------------


def test_a_minified_bundle_with_its_source_map_is_what_wrangler_uploads(
    emulator: Emulator, workerd: Path, wrangler: Wrangler, tmp_path: Path
) -> None:
    body = "minify = true\nupload_source_maps = true\n"
    files: Files = {"wrangler.toml": toml("small", body=body), **TYPESCRIPT}
    files["src/index.ts"] = str(files["src/index.ts"]).replace('from "hono"', 'from "hono/tiny"')
    files["wrangler.toml"] = str(files["wrangler.toml"]) + '[vars]\nGREETING = "tiny"\n'
    modules = installed(HONO)

    run = publish(emulator, files, modules)

    assert run.exit_code == 0, run.stdout
    version = stored(emulator, "small")
    main = version.module("index.js").content
    assert main.count(b"\n") <= 3  # minified: one line of code, the sourceMappingURL
    assert main.rstrip().endswith(b"//# sourceMappingURL=index.js.map")
    source_map = version.module("index.js.map")
    assert source_map.content_type == "application/source-map"
    assert b'"src/index.ts"' in source_map.content
    assert get(workerd, version) == (200, b"tiny from hono")
    assert parts(version) == by_wrangler(wrangler, workerd, tmp_path, files, modules)


def test_a_service_worker_reads_its_wasm_import_as_a_global_binding(
    emulator: Emulator, workerd: Path, wrangler: Wrangler, tmp_path: Path
) -> None:
    files: Files = {
        "wrangler.toml": toml("sw", "src/worker.js"),
        "src/worker.js": """\
import addModule from "./add.wasm";
const { add } = new WebAssembly.Instance(addModule).exports;
addEventListener("fetch", (event) => event.respondWith(new Response(String(add(40, 2)))));
""",
        "src/add.wasm": ADD_WASM,
    }

    run = publish(emulator, files)

    assert run.exit_code == 0, run.stdout
    version = stored(emulator, "sw")
    name = hashed("add.wasm", ADD_WASM).replace(".", "_").replace("/", "_").replace("-", "_")
    assert version.metadata["body_part"] == "worker.js"
    assert {"name": name, "type": "wasm_module", "part": name} in version.metadata["bindings"]
    assert get(workerd, version) == (200, b"42")
    assert parts(version) == by_wrangler(wrangler, workerd, tmp_path, files)


# --- what stops a bundle before any call ---------------------------------------------------


def test_a_build_error_is_annotated_on_its_line_and_nothing_is_sent(emulator: Emulator) -> None:
    files: Files = {
        "wrangler.toml": toml("broken"),
        "src/index.ts": "export default {\n  fetch() { return new Response('x' }\n};\n",
    }

    run = publish(emulator, files)

    assert run.exit_code == 1
    [error] = run.annotations("error")
    assert error.properties["file"] == "src/index.ts"
    assert (error.properties["line"], error.properties["col"]) == ("2", "37")
    assert 'Expected ")" but found "}"' in error.data
    assert list(emulator.log) == []


def test_an_uninstalled_package_says_to_install_it_first(emulator: Emulator) -> None:
    files: Files = {"wrangler.toml": toml("deps"), **TYPESCRIPT}

    run = publish(emulator, files)

    assert run.exit_code == 1
    [error] = run.annotations("error")
    assert 'Could not resolve "hono"' in error.data
    assert "run npm ci (or the project's install) in a step before this one" in error.data
    assert list(emulator.log) == []


def test_without_esbuild_the_run_says_how_to_get_it(emulator: Emulator) -> None:
    files: Files = {"wrangler.toml": toml("noesbuild", "src/index.js"), **RULE_IMPORTS}

    run = publish(emulator, files, env={"ESBUILD_BINARY_PATH": "", "PATH": "/nonexistent"})

    assert run.exit_code == 1
    [error] = run.annotations("error")
    assert "no esbuild was found" in error.data
    assert "ESBUILD_BINARY_PATH" in error.data and "no_bundle: true" in error.data
    assert list(emulator.log) == []


def test_a_durable_object_class_the_bundle_does_not_export_is_refused(
    emulator: Emulator,
) -> None:
    body = (
        '[[durable_objects.bindings]]\nname = "ROOM"\nclass_name = "Room"\n'
        '[[migrations]]\ntag = "v1"\nnew_classes = ["Room"]\n'
    )
    files: Files = {"wrangler.toml": toml("rooms", "src/index.js", body), **RULE_IMPORTS}

    run = publish(emulator, files)

    assert run.exit_code == 1
    [error] = run.annotations("error")
    assert "not exported in your entrypoint file: Room" in error.data
    assert list(emulator.log) == []


def test_a_dry_run_bundles_and_reports_and_sends_nothing(emulator: Emulator) -> None:
    files: Files = {"wrangler.toml": toml("dry", "src/index.js"), **RULE_IMPORTS}

    run = publish(emulator, files, dry_run="true")

    assert run.exit_code == 0, run.stdout
    assert "Bundled `src/index.js` into `index.js`" in run.summary
    assert "3 more module(s)" in run.summary
    assert all(r.method == "GET" for r in emulator.log)
    bundle = run.result()["bundle"]
    assert isinstance(bundle, dict)
    assert (bundle["main"], bundle["format"], len(bundle["modules"])) == ("index.js", "modules", 3)
