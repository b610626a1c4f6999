"""Workers the emulator stores boot and answer in workerd, the real Workers runtime
(cfemu/workerd.py), and the same bytes stored with the wrong content type fail the way
workerd fails.

Most Workers go through the emulator's upload API (a multipart PUT, as wrangler sends);
the bindings that need account resources (KV namespaces, Durable Object migrations) are
built as WorkerVersion objects directly. workerd comes from npm through
tests/harness/workerd.py (cached in ``CFACTION_WORKERD_DIR``, default
``~/.cache/cfaction/workerd-<version>``); when it cannot be installed these tests fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cfemu import Emulator, Module, State, WorkerVersion
from cfemu.workerd import WorkerdError, build_config, check_boots, serve
from tests.emulator.helpers import ACME, assert_ok, base_state, bearer
from tests.harness.workerd import workerd_binary

TOKEN = "W" * 40

# (module "add", (i32, i32) -> i32): local.get 0, local.get 1, i32.add
ADD_WASM = bytes.fromhex(
    "0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b"
)
DATA = bytes(range(256)) * 4 + b"\r\n\r\n--x\x00"  # binary, and a fake multipart boundary


@pytest.fixture(scope="session")
def workerd() -> Path:
    """The workerd binary, installed from npm on first use (a failed install fails)."""
    return workerd_binary()


@pytest.fixture
def state() -> State:
    state = base_state()
    state.add_token(TOKEN, permissions={"workers_scripts:edit"})
    return state


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as client:
        yield client


Part = tuple[str, bytes, str]  # name, content, content type


def upload(
    emu: Emulator,
    session: requests.Session,
    parts: list[Part],
    metadata: dict[str, Any] | None = None,
    name: str = "hello",
) -> WorkerVersion:
    """PUT the parts (the first is the main module) and return the deployed version."""
    meta = {"main_module": parts[0][0], "compatibility_date": "2025-01-01", **(metadata or {})}
    files: list[tuple[str, tuple[str | None, bytes | str, str]]] = [
        ("metadata", (None, json.dumps(meta), "application/json"))
    ]
    files += [(part, (part, content, kind)) for part, content, kind in parts]
    response = session.put(
        f"{emu.base_url}/accounts/{ACME}/workers/scripts/{name}",
        headers=bearer(TOKEN),
        files=files,
        timeout=10,
    )
    assert_ok(response)
    version = emu.state.worker(ACME, name).deployed_version()
    assert version is not None
    return version


def es(source: str, name: str = "index.js") -> Part:
    return (name, source.encode(), "application/javascript+module")


def version_of(parts: list[Part], bindings: list[dict[str, Any]]) -> WorkerVersion:
    """A stored version built directly, for bindings the upload API would check against
    account resources."""
    return WorkerVersion(
        id="0" * 32,
        number=1,
        created_on="2025-01-01T00:00:00.000000Z",
        metadata={},
        modules=[Module(name, kind, content) for name, content, kind in parts],
        bindings=bindings,
        compatibility_date="2025-01-01",
        compatibility_flags=[],
        main_module=parts[0][0],
        body_part=None,
        annotations={"workers/tag": "v1"},
        etag="",
    )


def answer(workerd: Path, version: WorkerVersion, path: str = "/") -> tuple[int, str, str]:
    """(status, body text, workerd's stderr) of GET path."""
    with serve(workerd, version) as served:
        status, _, body = served.get(path)
        return status, body.decode(), served.stderr()


# --- what boots and answers ------------------------------------------------------------------


def test_an_es_module_worker_answers_get_with_its_text(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = "export default { fetch() { return new Response('hello from workerd'); } };"
    version = upload(emu, session, [es(source)])

    with serve(workerd, version) as served:
        status, headers, body = served.get("/")

    assert (status, body) == (200, b"hello from workerd")
    assert headers["Content-Type"] == "text/plain;charset=UTF-8"
    assert check_boots(workerd, version).ok


def test_text_and_data_modules_import_as_a_string_and_an_array_buffer(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = """
        import words from "./words.txt";
        import blob from "./lib/blob.bin";
        export default { fetch() {
          return Response.json({ words, type: blob.constructor.name, length: blob.byteLength,
                                 last: new Uint8Array(blob).at(-1) });
        } };"""
    parts = [
        es(source),
        ("words.txt", "héllo\nworld".encode(), "text/plain"),
        ("lib/blob.bin", DATA, "application/octet-stream"),
    ]
    version = upload(emu, session, parts)

    status, body, _ = answer(workerd, version)

    assert status == 200
    assert json.loads(body) == {
        "words": "héllo\nworld",
        "type": "ArrayBuffer",
        "length": len(DATA),
        "last": 0,
    }


def test_a_wasm_module_is_instantiated_and_called(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = """
        import add from "./add.wasm";
        export default { async fetch() {
          const instance = await WebAssembly.instantiate(add);
          const sum = instance.exports.add(40, 2);
          return new Response(`${add instanceof WebAssembly.Module} ${sum}`);
        } };"""
    version = upload(emu, session, [es(source), ("add.wasm", ADD_WASM, "application/wasm")])

    assert answer(workerd, version)[:2] == (200, "true 42")


def test_a_commonjs_module_imported_from_the_es_entry_works(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = """
        import greet from "./greet.js";
        export default { fetch() { return new Response(greet("CommonJS")); } };"""
    common = b"const prefix = 'hello, ';\nmodule.exports = (who) => prefix + who;\n"
    version = upload(emu, session, [es(source), ("greet.js", common, "application/javascript")])

    assert answer(workerd, version)[:2] == (200, "hello, CommonJS")


def test_plain_text_json_and_secret_vars_are_in_env(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = """
        export default { fetch(request, env) {
          return Response.json({ greeting: env.GREETING, settings: env.SETTINGS,
                                 secret: env.API_KEY, missing: typeof env.NOPE });
        } };"""
    bindings = [
        {"type": "plain_text", "name": "GREETING", "text": 'hé "there" \\ \n'},
        {"type": "json", "name": "SETTINGS", "json": {"retries": 3, "regions": ["eu", "us"]}},
        {"type": "secret_text", "name": "API_KEY", "text": "s3cr3t"},
    ]
    version = upload(emu, session, [es(source)], {"bindings": bindings})

    status, body, _ = answer(workerd, version)

    assert status == 200
    assert json.loads(body) == {
        "greeting": 'hé "there" \\ \n',
        "settings": {"retries": 3, "regions": ["eu", "us"]},
        "secret": "s3cr3t",
        "missing": "undefined",
    }


def test_a_service_worker_script_sees_its_bindings_as_globals(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    script = b"""
        addEventListener("fetch", (event) => event.respondWith((async () => {
          const instance = await WebAssembly.instantiate(ADD);
          const sum = instance.exports.add(1, 2);
          return new Response(`${GREETING} ${WORDS} ${BLOB.byteLength} ${sum}`);
        })()));"""
    parts = [
        ("worker.js", script, "application/javascript"),
        ("add.wasm", ADD_WASM, "application/wasm"),
        ("words.txt", b"some words", "text/plain"),
        ("blob.bin", DATA, "application/octet-stream"),
    ]
    bindings = [
        {"type": "plain_text", "name": "GREETING", "text": "hi"},
        {"type": "wasm_module", "name": "ADD", "part": "add.wasm"},
        {"type": "text_blob", "name": "WORDS", "part": "words.txt"},
        {"type": "data_blob", "name": "BLOB", "part": "blob.bin"},
    ]
    metadata = {"main_module": None, "body_part": "worker.js", "bindings": bindings}
    version = upload(emu, session, parts, metadata)
    assert (version.main_module, version.body_part) == (None, "worker.js")

    assert answer(workerd, version)[:2] == (200, f"hi some words {len(DATA)} 3")


def test_kv_durable_object_key_and_version_metadata_bindings_have_stand_ins(
    workerd: Path,
) -> None:
    source = """
        import { DurableObject } from "cloudflare:workers";
        export class Counter extends DurableObject {
          async count() {
            const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
            await this.ctx.storage.put("n", n);
            return n;
          }
          sql() { return this.ctx.storage.sql.exec("select 6 * 7 as n").one().n; }
        }
        export default { async fetch(request, env) {
          await env.CACHE.put("a/b c", "one", { metadata: { m: 1 } });
          await env.CACHE.put("other", "two", { expirationTtl: 600 });
          await env.CACHE.delete("other");
          const counter = env.COUNTER.get(env.COUNTER.idFromName("x"));
          await counter.count();
          const data = new TextEncoder().encode("signed");
          const signature = await crypto.subtle.sign("HMAC", env.KEY, data);
          return Response.json({
            got: await env.CACHE.getWithMetadata("a/b c"),
            missing: await env.CACHE.get("other"),
            listed: (await env.CACHE.list({ prefix: "a/" })).keys,
            count: await counter.count(),
            sql: await counter.sql(),
            verified: await crypto.subtle.verify("HMAC", env.KEY, signature, data),
            version: env.VERSION,
            bucket: typeof env.BUCKET,
          });
        } };"""
    bindings: list[dict[str, Any]] = [
        {"type": "kv_namespace", "name": "CACHE", "namespace_id": "1" * 32},
        {"type": "durable_object_namespace", "name": "COUNTER", "class_name": "Counter"},
        {
            "type": "secret_key",
            "name": "KEY",
            "format": "raw",
            "algorithm": {"name": "HMAC", "hash": "SHA-256"},
            "usages": ["sign", "verify"],
            "key_base64": "c2VjcmV0LWtleQ==",
        },
        {"type": "version_metadata", "name": "VERSION"},
        {"type": "r2_bucket", "name": "BUCKET", "bucket_name": "assets"},
    ]
    version = version_of([es(source)], bindings)

    status, body, stderr = answer(workerd, version)

    assert status == 200, stderr
    assert json.loads(body) == {
        "got": {"value": "one", "metadata": {"m": 1}, "cacheStatus": None},
        "missing": None,
        "listed": [{"name": "a/b c", "metadata": {"m": 1}}],
        "count": 2,
        "sql": 42,
        "verified": True,
        "version": {"id": "0" * 32, "tag": "v1", "timestamp": "2025-01-01T00:00:00.000000Z"},
        "bucket": "undefined",
    }
    [skipped] = build_config(version).skipped_bindings
    assert (skipped.name, skipped.type) == ("BUCKET", "r2_bucket")


def test_python_modules_map_to_python_modules_and_requirements_are_left_out() -> None:
    parts = [
        ("entry.py", b"from workers import Response\n", "text/x-python"),
        ("requirements.txt", b"fastapi\n", "text/x-python-requirement"),
        ("index.js.map", b"{}", "application/source-map"),
    ]

    config = build_config(version_of(parts, []))

    assert '(name = "entry.py", pythonModule = embed "files/0")' in config.text
    assert config.files["files/0"] == b"from workers import Response\n"
    assert [(s.name, s.type) for s in config.skipped_modules] == [
        ("requirements.txt", "text/x-python-requirement"),
        ("index.js.map", "application/source-map"),
    ]


# --- the wrong content type fails as workerd fails ---------------------------------------------


def test_an_es_module_stored_as_commonjs_does_not_boot(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = "import words from './words.txt';\nexport default { fetch() {} };\n"
    words = ("words.txt", b"hi", "text/plain")
    right = upload(emu, session, [es(source), words], name="right")
    wrong = upload(emu, session, [("index.js", source.encode(), "application/javascript"), words])

    assert check_boots(workerd, right).ok
    result = check_boots(workerd, wrong)
    assert not result.ok
    assert result.exit_code == 1
    assert "SyntaxError: Cannot use import statement outside a module" in result.stderr


def test_a_commonjs_module_stored_as_an_es_module_does_not_boot(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = "import greet from './greet.js';\nexport default { fetch() {} };\n"
    common = b"module.exports = () => 'hi';\n"
    version = upload(emu, session, [es(source), es(common.decode(), "greet.js")])

    result = check_boots(workerd, version)

    assert not result.ok  # an ES module that exports nothing: no default for the import
    assert (
        "SyntaxError: The requested module './greet.js' does not provide an export named "
        "'default'" in result.stderr
    )


def test_a_data_module_stored_as_text_is_a_string_not_an_array_buffer(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = """
        import blob from "./blob.bin";
        export default { fetch() {
          if (!(blob instanceof ArrayBuffer)) throw new TypeError(`blob is a ${typeof blob}`);
          return new Response(String(blob.byteLength));
        } };"""
    as_data = upload(
        emu, session, [es(source), ("blob.bin", b"\x01\x02\x03", "application/octet-stream")]
    )
    as_text = upload(
        emu, session, [es(source), ("blob.bin", b"\x01\x02\x03", "text/plain")], name="t"
    )

    assert answer(workerd, as_data)[:2] == (200, "3")
    status, _, stderr = answer(workerd, as_text)
    assert status == 500
    assert "TypeError: blob is a string" in stderr


# --- what check_boots reports ----------------------------------------------------------------


def test_check_boots_reports_a_missing_module(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = "import helper from './lib/helper.js';\nexport default { fetch() {} };\n"
    version = upload(emu, session, [es(source)])  # the emulator does not follow imports

    result = check_boots(workerd, version)

    assert (result.ok, result.exit_code) == (False, 1)
    assert 'Uncaught Error: No such module "lib/helper.js".' in result.stderr
    assert 'imported from "index.js"' in result.stderr


def test_check_boots_reports_a_script_that_throws_at_startup(
    workerd: Path, emu: Emulator, session: requests.Session
) -> None:
    source = "throw new Error('no config at startup');\nexport default {};\n"
    version = upload(emu, session, [es(source)])

    result = check_boots(workerd, version)

    assert (result.ok, result.exit_code) == (False, 1)
    assert "Uncaught Error: no config at startup" in result.stderr
    with (
        pytest.raises(WorkerdError, match="no config at startup") as raised,
        serve(workerd, version),
    ):
        pass
    assert "Uncaught Error: no config at startup" in raised.value.stderr


def test_check_boots_gives_up_on_a_script_that_never_finishes_starting(workerd: Path) -> None:
    version = version_of([es("while (true) {}\nexport default {};\n")], [])

    result = check_boots(workerd, version, timeout=1)

    assert not result.ok
    assert "did not listen within 1 s" in result.stderr
