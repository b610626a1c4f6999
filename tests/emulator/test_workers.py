"""Tests for the emulator's Workers API (scripts, versions, deployments, secrets,
workers.dev, routes and custom domains), over real HTTP."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cfemu import Emulator, State, demo
from tests.emulator.helpers import (
    ACME,
    OTHER,
    OTHER_ACCOUNT_TOKEN,
    ZONE,
    assert_error,
    assert_ok,
    base_state,
    bearer,
)

UNKNOWN = "f" * 32
ZONE2 = "c" * 31 + "2"  # example.net, in Acme

TOKEN = "W" * 40  # every Workers permission, all zones
ZONE_ROUTES_TOKEN = "Z" * 40  # workers_routes:edit on ZONE only (not account-wide)
NO_WORKERS_TOKEN = "N" * 40
SCRIPTS = "workers_scripts:edit"
ROUTES = "workers_routes:edit"

ES_MODULE = (
    b"import wasm from './add.wasm';\nexport default { fetch() { return new Response('hi'); } };\n"
)
WASM = b"\x00asm\x01\x00\x00\x00\r\n\r\n--not-a-boundary\x00\xff"


@pytest.fixture
def state() -> State:
    """The base state plus example.net, Workers tokens and Acme's workers.dev subdomain."""
    state = base_state()
    state.add_zone("example.net", account_id=ACME, id=ZONE2)
    state.add_token(TOKEN, permissions={SCRIPTS, ROUTES, "zone:read", "dns:edit"})
    state.add_token(ZONE_ROUTES_TOKEN, permissions={SCRIPTS, ROUTES}, zone_ids={ZONE})
    state.add_token(NO_WORKERS_TOKEN, permissions={"zone:read", "dns:edit"})
    state.add_token(OTHER_ACCOUNT_TOKEN, permissions={SCRIPTS, ROUTES}, account_id=OTHER)
    state.workers_subdomains[ACME] = "acme"
    for digit in "012":  # the KV namespaces the uploads below bind
        state.add_kv_namespace(ACME, f"kv-{digit}", id=digit * 32)
    return state


class Api:
    def __init__(self, emu: Emulator, token: str = TOKEN) -> None:
        self.emu = emu
        self.token = token
        self.session = requests.Session()

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = bearer(token or self.token)
        headers.update(kwargs.pop("headers", {}))
        return self.session.request(
            method, self.emu.base_url + path, headers=headers, timeout=5, **kwargs
        )

    def script(self, name: str = "hello", account: str = ACME) -> str:
        return f"/accounts/{account}/workers/scripts/{name}"

    def upload(
        self,
        name: str = "hello",
        metadata: dict[str, Any] | None = None,
        modules: list[tuple[str, bytes, str]] | None = None,
        *,
        path_suffix: str = "",
        method: str = "PUT",
        token: str | None = None,
        account: str = ACME,
    ) -> Any:
        meta = {"main_module": "index.js", "compatibility_date": "2025-01-01"}
        if metadata is not None:
            meta = metadata
        parts: list[tuple[str, tuple[str | None, bytes | str, str]]] = [
            ("metadata", (None, json.dumps(meta), "application/json"))
        ]
        for part_name, content, content_type in (
            modules
            if modules is not None
            else [("index.js", ES_MODULE, "application/javascript+module")]
        ):
            parts.append((part_name, (part_name, content, content_type)))
        return self.call(method, self.script(name, account) + path_suffix, token=token, files=parts)


@pytest.fixture
def api(emu: Emulator) -> Iterator[Api]:
    client = Api(emu)
    yield client
    client.session.close()


# --- upload ---------------------------------------------------------------------------


def test_es_module_upload_with_wasm_and_text_modules(emu: Emulator, api: Api) -> None:
    metadata = {
        "main_module": "index.js",
        "compatibility_date": "2025-01-01",
        "compatibility_flags": ["nodejs_compat"],
        "bindings": [
            {"type": "plain_text", "name": "GREETING", "text": "hi"},
            {"type": "kv_namespace", "name": "KV", "namespace_id": "0" * 32},
        ],
    }
    modules = [
        ("index.js", ES_MODULE, "application/javascript+module"),
        ("add.wasm", WASM, "application/wasm"),
        ("words.txt", b"hello\nworld", "text/plain"),
    ]
    response = api.upload(metadata=metadata, modules=modules)
    body = assert_ok(response)
    script = emu.state.worker(ACME, "hello")
    version = script.deployed_version()
    assert version is not None
    assert body["id"] == "hello"
    assert body["etag"] == script.etag == version.etag
    assert body["handlers"] == ["fetch"]
    assert body["deployment_id"] == version.id
    assert body["usage_model"] == "standard"
    assert body["startup_time_ms"] == 1
    assert body["compatibility_date"] == "2025-01-01"
    mods = script.modules()
    assert mods["add.wasm"].content == WASM
    assert mods["add.wasm"].content_type == "application/wasm"
    assert mods["words.txt"].content == b"hello\nworld"
    assert mods["index.js"].content == ES_MODULE
    assert version.main_module == "index.js"
    assert version.compatibility_flags == ["nodejs_compat"]
    assert [d.versions for d in script.deployments] == [
        [{"version_id": version.id, "percentage": 100}]
    ]
    # Same content, same etag; different content, different etag.
    assert_ok(api.upload(metadata=metadata, modules=modules))
    assert emu.state.worker(ACME, "hello").etag == body["etag"]
    assert_ok(api.upload())
    assert emu.state.worker(ACME, "hello").etag != body["etag"]
    assert len(script.versions) == 3 and len(script.deployments) == 3


def test_service_worker_upload_with_body_part(emu: Emulator, api: Api) -> None:
    code = b"addEventListener('fetch', e => e.respondWith(new Response('ok')));"
    metadata = {
        "body_part": "script",
        "bindings": [{"type": "text_blob", "name": "TEXT", "part": "words"}],
    }
    modules = [("script", code, "application/javascript"), ("words", b"w", "text/plain")]
    assert_ok(api.upload(metadata=metadata, modules=modules))
    version = emu.state.worker(ACME, "hello").deployed_version()
    assert version is not None
    assert (version.body_part, version.main_module) == ("script", None)
    assert version.compatibility_date == "2021-11-02"
    # A text_blob naming a part that is not there.
    metadata["bindings"] = [{"type": "text_blob", "name": "TEXT", "part": "nope"}]
    assert_error(api.upload(metadata=metadata, modules=modules), 400, 10021)


def test_raw_javascript_body_is_a_service_worker(emu: Emulator, api: Api) -> None:
    response = api.call(
        "PUT",
        api.script("raw"),
        data=b"addEventListener('fetch', () => {})",
        headers={"Content-Type": "application/javascript"},
    )
    assert_ok(response)
    assert emu.state.worker(ACME, "raw").modules()["script.js"].content.startswith(b"addEvent")


def test_get_script_content_roundtrips_modules(api: Api) -> None:
    assert_ok(api.upload(modules=[("index.js", ES_MODULE, "application/javascript+module")]))
    response = api.call("GET", api.script())
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert ES_MODULE in response.content


@pytest.mark.parametrize(
    ("metadata", "modules", "fragment"),
    [
        ({"main_module": "main.js"}, None, 'No such module "main.js"'),
        ({"body_part": "x"}, None, 'No such module "x"'),
        ({"compatibility_date": "2025-01-01"}, None, "main_module or body_part"),
        (
            {"main_module": "index.js"},
            [("index.js", b"x", "application/json")],
            'Unsupported content type "application/json"',
        ),
        (
            {"main_module": "index.js", "bindings": [{"type": "kv_namespace", "name": "KV"}]},
            None,
            "binding KV of type kv_namespace must have a namespace_id specified",
        ),
        (
            {"main_module": "index.js", "bindings": [{"type": "magic", "name": "M"}]},
            None,
            'Unknown binding type "magic" for binding "M"',
        ),
        (
            {"main_module": "index.js", "bindings": [{"type": "plain_text", "text": "x"}]},
            None,
            "must have a name",
        ),
        (
            {
                "main_module": "index.js",
                "bindings": [{"type": "secrets_store_secret", "name": "S", "store_id": "s"}],
            },
            None,
            "binding S of type secrets_store_secret must have a secret_name specified",
        ),
        (
            {"main_module": "index.js", "bindings": [{"type": "r2_bucket", "name": "B"}]},
            None,
            "bucket_name",
        ),
    ],
)
def test_upload_validation(
    emu: Emulator,
    api: Api,
    metadata: dict[str, Any],
    modules: list[tuple[str, bytes, str]] | None,
    fragment: str,
) -> None:
    message = assert_error(api.upload(metadata=metadata, modules=modules), 400, 10021)
    assert fragment in message
    assert emu.state.workers == {}


def test_upload_without_metadata_or_with_bad_json(api: Api) -> None:
    files = [("index.js", ("index.js", ES_MODULE, "application/javascript+module"))]
    assert "metadata" in assert_error(api.call("PUT", api.script(), files=files), 400, 10021)
    files.append(("metadata", (None, b"{not json", "application/json")))
    assert "valid JSON" in assert_error(api.call("PUT", api.script(), files=files), 400, 10021)


@pytest.mark.parametrize("name", ["Hello", "-x", "a.b", "a b", "x" * 64])
def test_script_name_pattern(emu: Emulator, api: Api, name: str) -> None:
    assert_error(api.upload(name=name.replace(" ", "%20")), 400, 10016)
    assert emu.state.workers == {}


@pytest.mark.parametrize("name", ["a", "_x", "my-worker_2", "9"])
def test_valid_script_names(api: Api, name: str) -> None:
    assert_ok(api.upload(name=name))


def test_size_limits(emu: Emulator, api: Api) -> None:
    emu.state.workers_max_raw_bytes = 1000
    big = [("index.js", b"//" + b"a" * 1000, "application/javascript+module")]
    assert "uncompressed" in assert_error(api.upload(modules=big), 400, 10027)
    emu.state.workers_max_raw_bytes = 10_000
    emu.state.workers_max_gzip_bytes = 100
    noisy = [("index.js", os.urandom(500), "application/javascript+module")]
    assert "compressed" in assert_error(api.upload(modules=noisy), 400, 10027)
    assert_ok(api.upload(modules=[("index.js", b"/" * 5000, "application/javascript+module")]))


def test_permissions_and_unknown_account(emu: Emulator, api: Api) -> None:
    assert_error(api.upload(token=NO_WORKERS_TOKEN), 403, 10000)
    assert_error(api.upload(token=OTHER_ACCOUNT_TOKEN), 403, 10000)
    body = api.upload(account=UNKNOWN).json()
    assert [e["code"] for e in body["errors"]] == [7003, 7000]
    assert_ok(api.upload(token=OTHER_ACCOUNT_TOKEN, account=OTHER))


@pytest.mark.parametrize(
    "suffix",
    [
        "",
        "/deployments",
        "/versions",
        "/secrets",
        "/subdomain",
        "/settings",
        "/script-settings",
        "/routes",
    ],
)
def test_unknown_script_is_10007(api: Api, suffix: str) -> None:
    message = assert_error(api.call("GET", api.script("nope") + suffix), 404, 10007)
    assert message == "This Worker does not exist on your account."


def test_services_endpoint(emu: Emulator, api: Api) -> None:
    assert_error(api.call("GET", f"/accounts/{ACME}/workers/services/hello"), 404, 10007)
    assert_ok(api.upload())
    service = assert_ok(api.call("GET", f"/accounts/{ACME}/workers/services/hello"))
    script = emu.state.worker(ACME, "hello")
    assert service["id"] == "hello"
    assert service["default_environment"]["environment"] == "production"
    assert service["default_environment"]["script"]["etag"] == script.etag
    assert service["default_environment"]["script"]["tag"] == script.tag
    assert [s["id"] for s in assert_ok(api.call("GET", f"/accounts/{ACME}/workers/scripts"))] == [
        "hello"
    ]


def test_delete_script(emu: Emulator, api: Api) -> None:
    assert_ok(api.upload())
    assert_ok(api.call("DELETE", api.script()))
    assert emu.state.workers == {}
    assert_error(api.call("DELETE", api.script()), 404, 10007)


# --- bindings carried over ------------------------------------------------------------


def test_keep_bindings_keeps_secrets_and_inherit(emu: Emulator, api: Api) -> None:
    first = {
        "main_module": "index.js",
        "bindings": [
            {"type": "secret_text", "name": "TOKEN", "text": "t0p"},
            {"type": "plain_text", "name": "VAR", "text": "old"},
            {"type": "kv_namespace", "name": "KV", "namespace_id": "1" * 32},
        ],
    }
    assert_ok(api.upload(metadata=first))
    second = {
        "main_module": "index.js",
        "bindings": [
            {"type": "plain_text", "name": "OTHER", "text": "x"},
            {"type": "inherit", "name": "KV"},
        ],
        "keep_bindings": ["secret_text", "secret_key"],
    }
    assert_ok(api.upload(metadata=second))
    script = emu.state.worker(ACME, "hello")
    names = {b["name"]: b for b in script.bindings()}
    assert set(names) == {"OTHER", "KV", "TOKEN"}
    assert names["KV"]["namespace_id"] == "1" * 32
    assert script.secret_value("TOKEN") == "t0p"
    # Without keep_bindings at all, secrets outlive the upload, as on a plain deploy.
    assert_ok(api.upload(metadata={"main_module": "index.js"}))
    assert emu.state.worker(ACME, "hello").secret_value("TOKEN") == "t0p"
    # A given keep_bindings carries over only the types it names: the secret is gone.
    assert_ok(api.upload(metadata={"main_module": "index.js", "keep_bindings": []}))
    assert emu.state.worker(ACME, "hello").secrets == {}
    # inherit of a binding that does not exist: 10057 with bindings_inherit=strict.
    bad = {"main_module": "index.js", "bindings": [{"type": "inherit", "name": "GONE"}]}
    assert_error(api.upload(metadata=bad, path_suffix="?bindings_inherit=strict"), 400, 10057)
    assert_ok(api.upload(metadata=bad))


# --- versions and deployments --------------------------------------------------------


def test_versions_and_gradual_deployment(emu: Emulator, api: Api) -> None:
    first = assert_ok(api.upload())["deployment_id"]
    meta = {
        "main_module": "index.js",
        "annotations": {"workers/message": "canary", "workers/tag": "v2"},
        "bindings": [{"type": "secret_text", "name": "S", "text": "hidden"}],
    }
    created = assert_ok(api.upload(metadata=meta, method="POST", path_suffix="/versions"))
    script = emu.state.worker(ACME, "hello")
    assert created["number"] == 2
    assert created["resources"]["script"]["etag"]
    assert created["resources"]["bindings"] == [{"type": "secret_text", "name": "S"}]
    assert created["annotations"]["workers/message"] == "canary"
    assert created["startup_time_ms"] == 1
    # Uploading a version deploys nothing.
    deployed = script.deployed_version()
    assert deployed is not None and deployed.id == first
    assert len(script.deployments) == 1

    listed = assert_ok(api.call("GET", api.script() + "/versions"))
    assert [v["id"] for v in listed["items"]] == [created["id"], first]
    one = assert_ok(api.call("GET", api.script() + f"/versions/{created['id']}"))
    assert one["number"] == 2
    assert_error(api.call("GET", api.script() + "/versions/nope"), 404, 10230)

    body = {
        "strategy": "percentage",
        "versions": [
            {"version_id": first, "percentage": 90},
            {"version_id": created["id"], "percentage": 10},
        ],
        "annotations": {"workers/message": "90/10"},
    }
    deployment = assert_ok(api.call("POST", api.script() + "/deployments", json=body))
    assert deployment["versions"] == body["versions"]
    assert deployment["strategy"] == "percentage"
    listed_deployments = assert_ok(api.call("GET", api.script() + "/deployments"))["deployments"]
    assert listed_deployments[0]["id"] == deployment["id"]
    assert len(listed_deployments) == 2
    deployed = emu.state.worker(ACME, "hello").deployed_version()
    assert deployed is not None and deployed.id == first


@pytest.mark.parametrize(
    "versions",
    [
        [],
        [{"version_id": "V1", "percentage": 50}],
        [{"version_id": "V1", "percentage": 100}, {"version_id": "V2", "percentage": 0}],
        [{"version_id": "V1", "percentage": 60}, {"version_id": "V2", "percentage": 60}],
        [{"version_id": "missing", "percentage": 100}],
        [{"version_id": "V1", "percentage": 50}, {"version_id": "V1", "percentage": 50}],
        [
            {"version_id": "V1", "percentage": 34},
            {"version_id": "V2", "percentage": 33},
            {"version_id": "V2", "percentage": 33},
        ],
    ],
)
def test_bad_deployments(api: Api, versions: list[dict[str, Any]]) -> None:
    v1 = assert_ok(api.upload())["deployment_id"]
    v2 = assert_ok(api.upload(method="POST", path_suffix="/versions"))["id"]
    for item in versions:
        item["version_id"] = {"V1": v1, "V2": v2}.get(item["version_id"], item["version_id"])
    body = {"strategy": "percentage", "versions": versions}
    assert_error(api.call("POST", api.script() + "/deployments", json=body), 400, 10021)


def test_deployment_strategy_must_be_percentage(api: Api) -> None:
    v1 = assert_ok(api.upload())["deployment_id"]
    body = {"strategy": "all", "versions": [{"version_id": v1, "percentage": 100}]}
    assert_error(api.call("POST", api.script() + "/deployments", json=body), 400, 10021)


# --- secrets --------------------------------------------------------------------------


def test_secrets_endpoints(emu: Emulator, api: Api) -> None:
    assert_error(
        api.call("PUT", api.script() + "/secrets", json={"name": "A", "text": "1"}), 404, 10007
    )
    assert_ok(api.upload())
    secret = {"name": "A", "text": "one", "type": "secret_text"}
    assert assert_ok(api.call("PUT", api.script() + "/secrets", json=secret)) == {
        "name": "A",
        "type": "secret_text",
    }
    script = emu.state.worker(ACME, "hello")
    assert len(script.versions) == 2 and len(script.deployments) == 2
    assert script.secret_value("A") == "one"
    listed = assert_ok(api.call("GET", api.script() + "/secrets"))
    assert listed == [{"name": "A", "type": "secret_text"}]
    assert "one" not in api.call("GET", api.script() + "/secrets/A").text
    assert "one" not in api.call("GET", api.script() + "/settings").text

    bulk = {"secrets": {"B": {"text": "two", "type": "secret_text"}, "A": None}}
    assert_ok(
        api.call(
            "PATCH",
            api.script() + "/secrets-bulk",
            data=json.dumps(bulk),
            headers={"Content-Type": "application/merge-patch+json"},
        )
    )
    assert set(emu.state.worker(ACME, "hello").secrets) == {"B"}
    assert_ok(api.call("DELETE", api.script() + "/secrets/B?url_encoded=true"))
    assert emu.state.worker(ACME, "hello").secrets == {}
    assert_error(api.call("DELETE", api.script() + "/secrets/B"), 404, 10056)
    assert_error(api.call("PUT", api.script() + "/secrets", json={"text": "x"}), 400, 10021)


def test_secret_edit_during_gradual_rollout_is_10215(emu: Emulator, api: Api) -> None:
    v1 = assert_ok(api.upload())["deployment_id"]
    v2 = assert_ok(api.upload(method="POST", path_suffix="/versions"))["id"]
    split = {
        "strategy": "percentage",
        "versions": [{"version_id": v1, "percentage": 50}, {"version_id": v2, "percentage": 50}],
    }
    assert_ok(api.call("POST", api.script() + "/deployments", json=split))
    secret = {"name": "A", "text": "1", "type": "secret_text"}
    assert_error(api.call("PUT", api.script() + "/secrets", json=secret), 400, 10215)


def test_patch_settings_multipart_keeps_named_bindings(emu: Emulator, api: Api) -> None:
    meta = {
        "main_module": "index.js",
        "bindings": [{"type": "kv_namespace", "name": "KV", "namespace_id": "2" * 32}],
    }
    assert_ok(api.upload(metadata=meta))
    settings = {
        "bindings": [
            {"type": "kv_namespace", "name": "KV"},
            {"type": "secret_text", "name": "S", "text": "v"},
        ]
    }
    files = {"settings": (None, json.dumps(settings))}
    answer = assert_ok(api.call("PATCH", api.script() + "/settings", files=files))
    assert {"type": "secret_text", "name": "S"} in answer["bindings"]
    script = emu.state.worker(ACME, "hello")
    assert {b["name"]: b for b in script.bindings()}["KV"]["namespace_id"] == "2" * 32
    assert script.secret_value("S") == "v"


def test_script_settings(emu: Emulator, api: Api) -> None:
    assert_ok(api.upload())
    assert_ok(api.upload(name="tail"))  # tail consumers must exist
    body = {
        "tags": ["a", "b"],
        "logpush": True,
        "observability": {"enabled": True, "head_sampling_rate": 0.5},
        "tail_consumers": [{"service": "tail"}],
    }
    answer = assert_ok(api.call("PATCH", api.script() + "/script-settings", json=body))
    assert answer == body
    assert assert_ok(api.call("GET", api.script() + "/script-settings")) == body
    assert emu.state.worker(ACME, "hello").settings["tags"] == ["a", "b"]
    assert_error(
        api.call("PATCH", api.script() + "/script-settings", json={"tags": "x"}), 400, 10021
    )


# --- workers.dev ----------------------------------------------------------------------


def test_subdomains(emu: Emulator, api: Api) -> None:
    assert assert_ok(api.call("GET", f"/accounts/{ACME}/workers/subdomain")) == {
        "subdomain": "acme"
    }
    assert_error(
        api.call("GET", f"/accounts/{OTHER}/workers/subdomain", token=OTHER_ACCOUNT_TOKEN),
        404,
        10007,
    )
    assert_ok(api.upload())
    sub = api.script() + "/subdomain"
    assert assert_ok(api.call("GET", sub)) == {"enabled": False, "previews_enabled": False}
    on = {"enabled": True, "previews_enabled": True}
    assert assert_ok(api.call("POST", sub, json=on)) == on
    assert emu.state.worker(ACME, "hello").subdomain.enabled is True
    assert_error(api.call("POST", sub, json={"previews_enabled": True}), 400, 10021)
    assert assert_ok(api.call("DELETE", sub)) == {"enabled": False, "previews_enabled": False}


def test_demo_state_has_a_workers_subdomain() -> None:
    state = demo.demo_state()
    assert state.workers_subdomains == {demo.DEMO_ACCOUNT_ID: demo.DEMO_WORKERS_SUBDOMAIN}


# --- routes ---------------------------------------------------------------------------


def test_script_routes_need_account_wide_permission(emu: Emulator, api: Api) -> None:
    assert_ok(api.upload())
    routes = [
        {"pattern": "example.com/a/*", "zone_id": ZONE},
        {"pattern": "*.example.net/*", "zone_name": "example.net"},
        {"pattern": "https://shop.example.com/*"},
    ]
    answer = assert_ok(api.call("PUT", api.script() + "/routes", json=routes))
    assert [(r["pattern"], r["zone_name"]) for r in answer] == [
        ("example.com/a/*", "example.com"),
        ("*.example.net/*", "example.net"),
        ("https://shop.example.com/*", "example.com"),
    ]
    assert len(emu.state.worker_routes_of("hello")) == 3
    assert len(assert_ok(api.call("GET", api.script() + "/routes"))) == 3
    # PUT replaces every route of the script.
    assert_ok(api.call("PUT", api.script() + "/routes", json=[{"pattern": "example.com/b"}]))
    assert [r.pattern for r in emu.state.worker_routes_of("hello")] == ["example.com/b"]
    # Zone-scoped workers_routes:edit is not account-wide.
    assert_error(
        api.call("PUT", api.script() + "/routes", token=ZONE_ROUTES_TOKEN, json=[]), 403, 10000
    )
    assert_error(
        api.call("PUT", api.script() + "/routes", token=NO_WORKERS_TOKEN, json=[]), 403, 10000
    )


def test_script_routes_pattern_checks(api: Api) -> None:
    assert_ok(api.upload())
    bad_zone = [{"pattern": "example.org/*"}]
    assert "zone name" in assert_error(
        api.call("PUT", api.script() + "/routes", json=bad_zone), 400, 10022
    )
    mismatch = [{"pattern": "example.net/*", "zone_id": ZONE}]
    assert_error(api.call("PUT", api.script() + "/routes", json=mismatch), 400, 10022)
    assert_ok(api.upload(name="other"))
    assert_ok(api.call("PUT", api.script("other") + "/routes", json=[{"pattern": "example.com/x"}]))
    taken = [{"pattern": "example.com/x"}]
    assert_error(api.call("PUT", api.script() + "/routes", json=taken), 400, 10020)


def test_zone_routes_crud_and_conflicts(emu: Emulator, api: Api) -> None:
    base = f"/zones/{ZONE}/workers/routes"
    token = ZONE_ROUTES_TOKEN  # the zone fallback works with zone-scoped tokens
    created = assert_ok(
        api.call("POST", base, token=token, json={"pattern": "example.com/*", "script": "w"})
    )
    assert set(created) == {"id", "pattern", "script"}
    assert assert_ok(api.call("GET", base, token=token)) == [created]
    assert assert_ok(api.call("GET", f"{base}/{created['id']}", token=token)) == created
    dup = {"pattern": "example.com/*", "script": "x"}
    assert_error(api.call("POST", base, token=token, json=dup), 400, 10020)
    same = {"pattern": "example.com/*", "script": "w"}
    assert_error(api.call("POST", base, token=token, json=same), 400, 10020)
    assert_error(api.call("POST", base, token=token, json={"pattern": "example.net/*"}), 400, 10022)
    assert_error(api.call("POST", base, token=token, json={"script": "w"}), 400, 10021)
    second = assert_ok(api.call("POST", base, token=token, json={"pattern": "www.example.com/*"}))
    assert second["script"] is None
    assert_error(
        api.call("PUT", f"{base}/{second['id']}", token=token, json={"pattern": "example.com/*"}),
        400,
        10020,
    )
    updated = assert_ok(
        api.call(
            "PUT",
            f"{base}/{second['id']}",
            token=token,
            json={"pattern": "api.example.com/*", "script": "w"},
        )
    )
    assert updated == {"id": second["id"], "pattern": "api.example.com/*", "script": "w"}
    assert {r.pattern for r in emu.state.worker_routes_of("w")} == {
        "example.com/*",
        "api.example.com/*",
    }
    assert_ok(api.call("DELETE", f"{base}/{second['id']}", token=token))
    assert_error(api.call("GET", f"{base}/{second['id']}", token=token), 404, 10005)
    # Out of the token's scope, or no permission.
    assert_error(api.call("GET", f"/zones/{ZONE2}/workers/routes", token=token), 403, 10000)
    assert_error(api.call("GET", base, token=NO_WORKERS_TOKEN), 403, 10000)
    body = api.call("GET", f"/zones/{UNKNOWN}/workers/routes").json()
    assert [e["code"] for e in body["errors"]] == [7003, 7000]


# --- custom domains -------------------------------------------------------------------


def test_custom_domains(emu: Emulator, api: Api) -> None:
    domains = f"/accounts/{ACME}/workers/domains"
    attach = {
        "hostname": "api.example.com",
        "service": "hello",
        "zone_id": ZONE,
        "environment": "production",
    }
    assert_error(api.call("PUT", domains, json=attach), 404, 10007)
    assert_ok(api.upload())
    assert_ok(api.upload(name="other"))
    domain = assert_ok(api.call("PUT", domains, json=attach))
    assert {k: domain[k] for k in ("hostname", "service", "environment", "zone_id")} == attach
    assert domain["zone_name"] == "example.com"
    assert assert_ok(api.call("GET", domains)) == [domain]
    assert assert_ok(api.call("GET", f"{domains}/{domain['id']}")) == domain
    assert assert_ok(api.call("GET", domains + "?service=nobody")) == []
    # PUT again moves the hostname to another service.
    moved = assert_ok(api.call("PUT", domains, json={**attach, "service": "other"}))
    assert moved["id"] == domain["id"] and moved["service"] == "other"
    wrong_zone = {**attach, "hostname": "api.example.net"}
    assert_error(api.call("PUT", domains, json=wrong_zone), 400, 100116)
    assert_error(api.call("PUT", domains, json={"hostname": "x.example.com"}), 400, 10021)
    emu.state.add_dns_record(ZONE, "A", "taken.example.com", "192.0.2.1")
    assert_error(
        api.call("PUT", domains, json={**attach, "hostname": "taken.example.com"}), 409, 100117
    )
    assert_ok(api.call("DELETE", f"{domains}/{domain['id']}"))
    assert emu.state.worker_domains == {}


def test_script_scoped_domains_changeset_and_records(emu: Emulator, api: Api) -> None:
    assert_ok(api.upload())
    assert_ok(api.upload(name="other"))
    emu.state.add_dns_record(ZONE, "CNAME", "dns.example.com", "example.net")
    other_domain = {"hostname": "b.example.com", "service": "other", "zone_id": ZONE}
    assert_ok(api.call("PUT", f"/accounts/{ACME}/workers/domains", json=other_domain))
    origins = [
        {"hostname": "a.example.com"},
        {"hostname": "b.example.com"},
        {"hostname": "dns.example.com", "zone_name": "example.com"},
    ]
    changes = assert_ok(
        api.call("POST", api.script() + "/domains/changeset?replace_state=true", json=origins)
    )
    assert [d["hostname"] for d in changes["added"]] == ["a.example.com"]
    assert [(d["hostname"], d["modified"]) for d in changes["updated"]] == [("b.example.com", True)]
    assert [d["hostname"] for d in changes["conflicting"]] == ["dns.example.com"]
    assert emu.state.worker_domains.keys() == {
        d.id for d in emu.state.worker_domains.values() if d.service == "other"
    }
    records = api.script() + "/domains/records"
    body: dict[str, Any] = {"override_scope": True, "origins": origins}
    assert_error(api.call("PUT", records, json=body), 409, 100118)
    body["override_existing_origin"] = True
    assert_error(api.call("PUT", records, json=body), 409, 100117)
    body["override_existing_dns_record"] = True
    attached = assert_ok(api.call("PUT", records, json=body))
    assert sorted(d["hostname"] for d in attached) == [
        "a.example.com",
        "b.example.com",
        "dns.example.com",
    ]
    assert {d.service for d in emu.state.worker_domains.values()} == {"hello"}
    # override_scope drops the script's domains that are not listed.
    assert_ok(api.call("PUT", records, json={**body, "origins": [{"hostname": "a.example.com"}]}))
    assert [d.hostname for d in emu.state.worker_domains.values()] == ["a.example.com"]


def test_schedules(emu: Emulator, api: Api) -> None:
    assert_ok(api.upload())
    crons = [{"cron": "*/5 * * * *"}]
    answer = assert_ok(api.call("PUT", api.script() + "/schedules", json=crons))
    assert [s["cron"] for s in answer["schedules"]] == ["*/5 * * * *"]
    assert emu.state.worker(ACME, "hello").schedules[0]["cron"] == "*/5 * * * *"


# --- real wrangler (opt-in) -----------------------------------------------------------
