"""Worker versions, deployments, preview URLs and aliases, rollbacks and secrets on
versions in the emulator, over real HTTP: what ``wrangler versions upload``, ``versions
deploy``, ``rollback``, ``versions secret put/bulk`` and ``secret put/bulk`` rely on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cfemu import Emulator, State
from cfemu import workers as worker_model
from cfemu.assets import VersionAssets
from cfemu.workers import WorkerScript
from tests.emulator.helpers import (
    ACME,
    ES_WORKER,
    Client,
    assert_error,
    assert_ok,
    base_state,
)

TOKEN = "V" * 40  # workers_scripts:edit on every account
READ_TOKEN = "R" * 40  # workers_scripts:read only
KV = "1" * 32
SCRIPT = f"/accounts/{ACME}/workers/scripts/hello"
LATEST = f"/accounts/{ACME}/workers/workers/hello/versions/latest"
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def state() -> State:
    """The base state, a Workers token, a read-only one, Acme's workers.dev subdomain
    "acme" and a KV namespace (KV)."""
    state = base_state()
    state.add_token(TOKEN, permissions={"workers_scripts:edit"})
    state.add_token(READ_TOKEN, permissions={"workers_scripts:read"})
    state.workers_subdomains[ACME] = "acme"
    state.add_kv_namespace(ACME, "kv", id=KV)
    return state


@pytest.fixture
def api(emu: Emulator) -> Iterator[Client]:
    client = Client(emu.base_url, TOKEN)
    yield client
    client.close()


def previews_on(api: Client, enabled: bool = True) -> None:
    body = {"enabled": True, "previews_enabled": enabled}
    assert assert_ok(api.call("POST", SCRIPT + "/subdomain", json=body)) == body


def upload_version(api: Client, annotations: dict[str, Any] | None = None, **meta: Any) -> Any:
    """POST .../versions?bindings_inherit=strict, as wrangler sends it; the result."""
    metadata = {**meta, **({"annotations": annotations} if annotations is not None else {})}
    return assert_ok(api.upload(metadata=metadata, version=True, query="?bindings_inherit=strict"))


def deploy(api: Client, *shares: tuple[str, float], query: str = "", **body: Any) -> Any:
    payload = {
        "strategy": "percentage",
        "versions": [{"version_id": v, "percentage": p} for v, p in shares],
        **body,
    }
    return api.call("POST", SCRIPT + "/deployments" + query, json=payload)


def put_secret(api: Client, name: str, text: str) -> Any:
    return api.call("PUT", SCRIPT + "/secrets", json={"name": name, "text": text})


def patch_latest(api: Client, body: Any, path: str = LATEST) -> Any:
    return api.call("PATCH", path, data=json.dumps(body), headers=MERGE_PATCH)


# --- versions upload ------------------------------------------------------------------


def test_a_version_upload_is_stored_not_deployed(emu: Emulator, api: Client) -> None:
    first = assert_ok(api.upload())["deployment_id"]  # PUT deploys at once
    script = emu.state.worker(ACME, "hello")
    assert [d.versions for d in script.deployments] == [[{"version_id": first, "percentage": 100}]]

    annotations = {"workers/message": "PR 42", "workers/tag": "abc123", "workers/alias": "pr-42"}
    created = upload_version(api, annotations)

    assert created["number"] == 2
    assert created["metadata"]["has_preview"] is True
    assert created["metadata"]["hasPreview"] is True
    assert set(created["metadata"]) >= {"created_on", "modified_on", "source", "author_email"}
    assert created["annotations"] == annotations
    assert created["resources"]["script_runtime"]["compatibility_date"] == "2025-01-01"
    deployed = script.deployed_version()
    assert deployed is not None and deployed.id == first
    assert len(script.deployments) == 1
    assert script.aliases == {"pr-42": created["id"]}
    assert assert_ok(api.call("GET", SCRIPT + f"/versions/{created['id']}")) == created


def test_wrangler_s_null_annotations_are_dropped_and_a_long_message_truncated(
    emu: Emulator, api: Client
) -> None:
    assert_ok(api.upload())
    message = "é" * 600  # 1200 bytes: the API keeps 1000
    created = upload_version(api, {"workers/message": message, "workers/tag": None})

    assert created["annotations"] == {"workers/message": "é" * 500}
    assert emu.state.worker(ACME, "hello").aliases == {}


def test_a_version_tag_over_100_bytes_is_refused(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload())
    meta = {"annotations": {"workers/tag": "t" * 101}}
    assert_error(api.upload(metadata=meta, version=True), 400, 10021)
    assert len(emu.state.worker(ACME, "hello").versions) == 1
    assert upload_version(api, {"workers/tag": "t" * 100})["annotations"]["workers/tag"]


def test_versions_need_es_modules(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload())
    files = [
        ("metadata", (None, json.dumps({"body_part": "script.js"}), "application/json")),
        ("script.js", ("script.js", b"addEventListener('fetch', () => {})", "text/javascript")),
    ]
    answer = api.call("POST", SCRIPT + "/versions", files=files)
    assert_error(answer, 400, 10021)
    assert len(emu.state.worker(ACME, "hello").versions) == 1


def test_a_service_worker_or_durable_object_version_has_no_preview(
    emu: Emulator, api: Client
) -> None:
    files = [
        ("metadata", (None, json.dumps({"body_part": "script.js"}), "application/json")),
        ("script.js", ("script.js", b"addEventListener('fetch', () => {})", "text/javascript")),
    ]
    assert_ok(api.call("PUT", f"/accounts/{ACME}/workers/scripts/sw", files=files))
    sw = emu.state.worker(ACME, "sw").deployed_version()
    assert sw is not None and sw.has_preview is False

    room = {"type": "durable_object_namespace", "name": "ROOM", "class_name": "Room"}
    migrations = {"new_tag": "v1", "new_sqlite_classes": ["Room"]}
    assert_ok(api.upload(metadata={"bindings": [room], "migrations": migrations}))
    created = upload_version(api, {"workers/alias": "pr-1"}, bindings=[room])
    assert created["metadata"]["has_preview"] is False
    previews_on(api)
    assert emu.state.preview_version(ACME, "hello", "pr-1-hello") is None
    assert emu.state.preview_version(ACME, "hello", created["id"][:8] + "-hello") is None


def test_an_assets_only_version_can_be_previewed() -> None:
    script = WorkerScript(ACME, "site", "t" * 32, "x", "x")

    def version(**fields: Any) -> worker_model.WorkerVersion:
        base: dict[str, Any] = {"main_module": None, "body_part": None}
        return worker_model.WorkerVersion(
            "id", 1, "x", {}, [], [], "2025-01-01", [], annotations={}, etag="", **base | fields
        )

    assets = VersionAssets(manifest={}, config={}, session_id="s")
    assert worker_model.version_can_preview(version(assets=assets), script) is True
    assert worker_model.version_can_preview(version(), script) is False
    assert worker_model.version_can_preview(version(body_part="w.js"), script) is False
    assert worker_model.version_can_preview(version(main_module="i.js"), script) is True


# --- preview URLs and aliases ---------------------------------------------------------


def test_preview_urls_serve_the_version_while_previews_are_enabled(
    emu: Emulator, api: Client
) -> None:
    assert_ok(api.upload())
    created = upload_version(api, {"workers/alias": "pr-42"})
    state = emu.state
    prefix = created["id"][:8]
    # Disabled (the emulator's default for a new script): no preview is served.
    assert state.preview_version(ACME, "hello", "pr-42-hello") is None

    previews_on(api)
    answer = assert_ok(api.call("GET", SCRIPT + "/subdomain"))
    assert answer["previews_enabled"] is True
    by_alias = state.preview_version(ACME, "hello", "pr-42-hello")
    by_prefix = state.preview_version(ACME, "hello", f"{prefix}-hello")
    assert by_alias is not None and by_alias.id == created["id"]
    assert by_prefix is not None and by_prefix.id == created["id"]
    url = state.preview_url_version("https://pr-42-hello.acme.workers.dev/path?q=1")
    assert url is not None and url.id == created["id"]
    host = state.preview_url_version(f"{prefix}-hello.acme.workers.dev")
    assert host is not None and host.id == created["id"]
    for miss in (
        "https://pr-43-hello.acme.workers.dev/",  # no such alias
        "https://pr-42-hello.other.workers.dev/",  # another subdomain
        "https://pr-42-hello.acme.example.com/",  # not workers.dev
        "https://pr-42-other.acme.workers.dev/",  # no such Worker
    ):
        assert state.preview_url_version(miss) is None, miss
    assert state.preview_version(ACME, "hello", "pr-42") is None
    assert state.preview_version(ACME, "nope", "pr-42-nope") is None

    previews_on(api, enabled=False)
    assert state.preview_version(ACME, "hello", "pr-42-hello") is None
    assert state.preview_url_version("https://pr-42-hello.acme.workers.dev/") is None


def test_an_alias_moves_to_the_newest_version_given_it(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload())
    previews_on(api)
    second = upload_version(api, {"workers/alias": "pr-42"})
    third = upload_version(api, {"workers/alias": "pr-42"})
    state = emu.state

    moved = state.preview_version(ACME, "hello", "pr-42-hello")
    assert moved is not None and moved.id == third["id"]
    kept = state.preview_version(ACME, "hello", second["id"][:8] + "-hello")
    assert kept is not None and kept.id == second["id"]
    assert state.worker(ACME, "hello").aliases == {"pr-42": third["id"]}


def test_only_the_most_recently_given_aliases_are_kept(
    emu: Emulator, api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_model, "MAX_ALIASES", 2)
    assert_ok(api.upload())
    for alias in ("a", "b", "a", "c"):
        upload_version(api, {"workers/alias": alias})
    assert list(emu.state.worker(ACME, "hello").aliases) == ["a", "c"]


@pytest.mark.parametrize("alias", ["Pr-42", "42-pr", "pr_42", "pr-", "-pr", "", "pr.42", 42])
def test_an_invalid_alias_is_refused(emu: Emulator, api: Client, alias: Any) -> None:
    assert_ok(api.upload())
    meta = {"annotations": {"workers/alias": alias}}
    assert_error(api.upload(metadata=meta, version=True), 400, 10021)
    script = emu.state.worker(ACME, "hello")
    assert (len(script.versions), script.aliases) == (1, {})


def test_alias_and_script_name_must_fit_one_dns_label(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload())
    fits = "a" * (63 - len("-hello"))
    upload_version(api, {"workers/alias": fits})
    meta = {"annotations": {"workers/alias": fits + "b"}}
    assert_error(
        api.upload(metadata=meta, version=True),
        400,
        10021,
        "validation failures: Alias name too long. The alias name and script name combined "
        "together must total less than 63 characters in length.",
    )
    assert list(emu.state.worker(ACME, "hello").aliases) == [fits]


# --- listing and reading versions -----------------------------------------------------


def test_versions_list_newest_first_paged_and_deployable(
    emu: Emulator, api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_ok(api.upload())
    ids = [emu.state.worker(ACME, "hello").versions[0].id]
    ids += [upload_version(api)["id"] for _ in range(3)]

    listed = api.call("GET", SCRIPT + "/versions?per_page=2&page=2")
    assert [v["id"] for v in assert_ok(listed)["items"]] == [ids[1], ids[0]]
    info = listed.json()["result_info"]
    assert (info["total_count"], info["total_pages"]) == (4, 2)
    items = assert_ok(api.call("GET", SCRIPT + "/versions"))["items"]
    assert [v["number"] for v in items] == [4, 3, 2, 1]

    monkeypatch.setattr(worker_model, "MAX_DEPLOYABLE_VERSIONS", 2)
    deployable = api.call("GET", SCRIPT + "/versions?deployable=true&per_page=1")
    assert [v["id"] for v in assert_ok(deployable)["items"]] == [ids[3], ids[2]]
    # An older one can no longer be deployed.
    assert_error(deploy(api, (ids[1], 100)), 400, 10021)


def test_an_unknown_version_is_404_10230(api: Client) -> None:
    assert_ok(api.upload())
    assert_error(api.call("GET", SCRIPT + "/versions/" + "0" * 36), 404, 10230)
    assert_error(api.call("GET", f"/accounts/{ACME}/workers/scripts/nope/versions"), 404, 10007)


# --- deployments ----------------------------------------------------------------------


def test_promoting_a_version_and_a_gradual_deployment(emu: Emulator, api: Client) -> None:
    first = assert_ok(api.upload())["deployment_id"]
    second = upload_version(api)["id"]
    message = "m" * 150  # deployments keep 100 bytes

    split = assert_ok(
        deploy(api, (first, 90), (second, 10), annotations={"workers/message": message})
    )
    assert split["strategy"] == "percentage"
    assert split["versions"] == [
        {"version_id": first, "percentage": 90},
        {"version_id": second, "percentage": 10},
    ]
    assert split["annotations"] == {"workers/message": "m" * 100}
    assert set(split) >= {"id", "created_on", "source", "author_email"}
    promoted = assert_ok(deploy(api, (second, 100), query="?force=true"))

    listed = assert_ok(api.call("GET", SCRIPT + "/deployments"))["deployments"]
    assert [d["id"] for d in listed[:2]] == [promoted["id"], split["id"]]
    assert listed[0]["created_on"] > listed[1]["created_on"] > listed[2]["created_on"]
    deployed = emu.state.worker(ACME, "hello").deployed_version()
    assert deployed is not None and deployed.id == second


@pytest.mark.parametrize(
    "shares",
    [
        [("V2", 100.0), ("missing", 0.0)],
        [("missing", 100.0)],
        [("V1", 50.0), ("V2", 40.0)],
        [("V1", 40.0), ("V2", 30.0), ("V1", 30.0)],
    ],
)
def test_bad_deployments_are_10021(
    emu: Emulator, api: Client, shares: list[tuple[str, float]]
) -> None:
    v1 = assert_ok(api.upload())["deployment_id"]
    v2 = upload_version(api)["id"]
    named = [({"V1": v1, "V2": v2}.get(v, v), p) for v, p in shares]
    assert_error(deploy(api, *named), 400, 10021)
    assert len(emu.state.worker(ACME, "hello").deployments) == 1


# --- rollbacks ------------------------------------------------------------------------


def test_a_rollback_past_a_secret_change_needs_force(emu: Emulator, api: Client) -> None:
    first = assert_ok(api.upload())["deployment_id"]
    assert_ok(put_secret(api, "API_KEY", "one"))
    assert_ok(put_secret(api, "OTHER", "two"))
    script = emu.state.worker(ACME, "hello")

    assert_error(
        deploy(api, (first, 100)),
        400,
        10220,
        "A secret has changed since this version was active. If you are sure this is ok, add "
        "a ?force=true query parameter to allow the rollback. The following secrets have "
        "changed: API_KEY, OTHER",
    )
    assert_error(deploy(api, (first, 100), query="?force=false"), 400, 10220)
    assert len(script.deployments) == 3

    rolled = assert_ok(deploy(api, (first, 100), query="?force=true"))
    assert rolled["versions"] == [{"version_id": first, "percentage": 100}]
    deployed = script.deployed_version()
    assert deployed is not None and deployed.id == first


def test_a_rollback_with_the_same_secrets_needs_no_force(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload())
    assert_ok(put_secret(api, "API_KEY", "one"))
    with_secret = emu.state.worker(ACME, "hello").versions[-1].id
    assert_ok(api.upload())  # new code; the secret is kept

    assert_ok(deploy(api, (with_secret, 100)))


def test_deploying_a_newer_version_with_new_secrets_needs_no_force(
    emu: Emulator, api: Client
) -> None:
    assert_ok(api.upload())
    created = assert_ok(
        patch_latest(api, {"env": {"API_KEY": {"type": "secret_text", "text": "new"}}})
    )
    assert_ok(deploy(api, (created["id"], 100)))
    assert emu.state.worker(ACME, "hello").secret_value("API_KEY") == "new"


def test_a_version_serving_in_a_split_is_not_a_rollback(emu: Emulator, api: Client) -> None:
    first = assert_ok(api.upload())["deployment_id"]
    second = assert_ok(patch_latest(api, {"env": {"K": {"type": "secret_text", "text": "x"}}}))
    assert_ok(deploy(api, (first, 50), (second["id"], 50)))

    assert_ok(deploy(api, (first, 100)))  # back to the stable half


def test_a_rollback_to_a_binding_that_no_longer_exists_is_refused(
    emu: Emulator, api: Client
) -> None:
    kv = {"type": "kv_namespace", "name": "CACHE", "namespace_id": KV}
    first = assert_ok(api.upload(metadata={"bindings": [kv]}))["deployment_id"]
    assert_ok(api.upload())
    del emu.state.kv_namespaces[KV]

    assert_error(deploy(api, (first, 100), query="?force=true"), 400, 10042)


# --- secrets on versions --------------------------------------------------------------


def test_patch_latest_makes_an_undeployed_version_with_the_secret_changes(
    emu: Emulator, api: Client
) -> None:
    kv = {"type": "kv_namespace", "name": "CACHE", "namespace_id": KV}
    assert_ok(api.upload(metadata={"bindings": [kv]}))
    assert_ok(put_secret(api, "OLD", "gone soon"))
    deployed = emu.state.worker(ACME, "hello").deployed_version()
    key = {
        "type": "secret_key",
        "format": "raw",
        "algorithm": {"name": "HMAC", "hash": "SHA-256"},
        "usages": ["sign"],
        "key_base64": "c2VjcmV0",
    }
    body = {
        "env": {"API_KEY": {"type": "secret_text", "text": "s3cr3t"}, "SIGNING": key, "OLD": None},
        "annotations": {"workers/message": 'Updated secret "API_KEY"', "workers/tag": None},
    }

    created = assert_ok(patch_latest(api, body))

    script = emu.state.worker(ACME, "hello")
    assert script.deployed_version() is deployed
    latest = script.latest_version()
    assert latest is not None and latest.id == created["id"]
    assert created["number"] == 3
    assert created["annotations"] == {
        "workers/message": 'Updated secret "API_KEY"',
        "workers/triggered_by": "secret",
    }
    assert {b["name"]: b["type"] for b in created["bindings"]} == {
        "CACHE": "kv_namespace",
        "API_KEY": "secret_text",
        "SIGNING": "secret_key",
    }
    assert "s3cr3t" not in json.dumps(created) and "c2VjcmV0" not in json.dumps(created)
    assert latest.secrets()["API_KEY"]["text"] == "s3cr3t"
    assert latest.secrets()["SIGNING"]["key_base64"] == "c2VjcmV0"
    assert deployed is not None and latest.modules == deployed.modules
    assert latest.has_preview is True
    # Allowed although the latest version is not deployed, and by the script's tag too.
    again = assert_ok(
        patch_latest(api, {"env": {"B": {"type": "secret_text", "text": "b"}}}, path=LATEST)
    )
    by_tag = LATEST.replace("/hello/", f"/{script.tag}/")
    third = assert_ok(
        patch_latest(api, {"env": {"C": {"type": "secret_text", "text": "c"}}}, by_tag)
    )
    assert (again["number"], third["number"]) == (4, 5)
    assert set(script.versions[-1].secrets()) == {"API_KEY", "SIGNING", "B", "C"}


def test_patch_latest_errors(emu: Emulator, api: Client) -> None:
    assert_error(patch_latest(api, {"env": {}}), 404, 10007)
    with emu.state.lock:
        emu.state.workers[(ACME, "hello")] = WorkerScript(ACME, "hello", "t" * 32, "x", "x")
    assert_error(
        patch_latest(api, {"env": {"A": {"type": "secret_text", "text": "1"}}}),
        404,
        10222,
        "This Worker has no versions, which means this Worker has no content or versioned "
        "settings.",
    )
    del emu.state.workers[(ACME, "hello")]
    assert_ok(api.upload())
    for body in (
        {"env": []},
        {"env": {"A": "plain string"}},
        {"env": {"A": {"type": "secret_text"}}},
        {"env": {"A": {"type": "nope", "text": "1"}}},
        {"compatibility_date": "2025-01-01"},
        {"annotations": {"workers/tag": "t" * 101}},
        ["env"],
    ):
        assert_error(patch_latest(api, body), 400, 10021)
    assert len(emu.state.worker(ACME, "hello").versions) == 1
    denied = api.call("PATCH", LATEST, token=READ_TOKEN, json={"env": {}})
    assert_error(denied, 403, 10000)


def test_classic_secret_edits_deploy_but_not_while_the_latest_is_undeployed(
    emu: Emulator, api: Client
) -> None:
    first = assert_ok(api.upload())["deployment_id"]
    uploaded = upload_version(api)["id"]
    bulk = {"secrets": {"A": {"name": "A", "text": "1", "type": "secret_text"}}}
    script = emu.state.worker(ACME, "hello")

    assert_error(put_secret(api, "A", "1"), 400, 10215)
    bulk_answer = api.call(
        "PATCH", SCRIPT + "/secrets-bulk", data=json.dumps(bulk), headers=MERGE_PATCH
    )
    assert_error(bulk_answer, 400, 10215)
    assert len(script.versions) == 2

    assert_ok(deploy(api, (uploaded, 100)))
    assert_ok(put_secret(api, "A", "1"))
    deployed = script.deployed_version()
    assert deployed is script.latest_version() and deployed is not None
    assert deployed.secrets()["A"]["text"] == "1"
    assert script.deployments[-1].versions == [{"version_id": deployed.id, "percentage": 100}]

    # After a rollback the latest version is not the deployed one either.
    assert_ok(deploy(api, (first, 100), query="?force=true"))
    assert_error(put_secret(api, "A", "2"), 400, 10215)
    assert_ok(patch_latest(api, {"env": {"A": {"type": "secret_text", "text": "2"}}}))
    newest = script.latest_version()
    assert newest is not None and newest.secrets()["A"]["text"] == "2"
    assert [m.content for m in newest.modules] == [ES_WORKER]
