"""KV namespaces, D1 databases, R2 buckets and dispatch namespaces over real HTTP, and uploads
whose bindings must name them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cfemu import Emulator, State
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_KV_NAMESPACE_ID, DEMO_KV_NAMESPACE_TITLE, demo_state
from cfemu.permissions import ALL_PERMISSIONS
from tests.emulator.helpers import (
    ACME,
    OTHER,
    OTHER_ACCOUNT_TOKEN,
    Client,
    assert_error,
    assert_no_route,
    assert_ok,
    base_state,
)

TOKEN = "K" * 40  # every permission
READER = "R" * 40  # the :read permissions only
SCRIPTS_ONLY = "P" * 40  # workers_scripts:edit only

KV = f"/accounts/{ACME}/storage/kv/namespaces"
D1 = f"/accounts/{ACME}/d1/database"
R2 = f"/accounts/{ACME}/r2/buckets"
DISPATCH = f"/accounts/{ACME}/workers/dispatch/namespaces"


@pytest.fixture
def state() -> State:
    state = base_state()
    state.add_token(TOKEN, permissions=ALL_PERMISSIONS)
    state.add_token(READER, permissions={"workers_kv_storage:read", "d1:read", "r2:read"})
    state.add_token(SCRIPTS_ONLY, permissions={"workers_scripts:edit"})
    state.add_token(OTHER_ACCOUNT_TOKEN, permissions=ALL_PERMISSIONS, account_id=OTHER)
    return state


@pytest.fixture
def api(emu: Emulator) -> Iterator[Client]:
    client = Client(emu.base_url, TOKEN)
    yield client
    client.close()


# --- KV -----------------------------------------------------------------------------------


def test_kv_create_get_and_list(emu: Emulator, api: Client) -> None:
    created = assert_ok(api.call("POST", KV, json={"title": "cache"}))
    assert set(created) == {"id", "title", "supports_url_encoding"}
    assert created["title"] == "cache" and len(created["id"]) == 32
    assert emu.state.kv_namespaces[created["id"]].title == "cache"

    assert assert_ok(api.call("GET", f"{KV}/{created['id']}")) == created
    emu.state.add_kv_namespace(ACME, "assets")
    response = api.call("GET", KV + "?order=title&direction=asc&per_page=100")
    assert [n["title"] for n in assert_ok(response)] == ["assets", "cache"]
    assert response.json()["result_info"]["total_count"] == 2
    desc = assert_ok(api.call("GET", KV + "?order=title&direction=desc"))
    assert [n["title"] for n in desc] == ["cache", "assets"]
    assert assert_ok(api.call("GET", KV, token=READER)) == assert_ok(api.call("GET", KV))


def test_kv_pages(emu: Emulator, api: Client) -> None:
    for number in range(7):
        emu.state.add_kv_namespace(ACME, f"ns-{number}")
    response = api.call("GET", KV + "?per_page=5&page=2")
    assert [n["title"] for n in assert_ok(response)] == ["ns-5", "ns-6"]
    assert response.json()["result_info"]["total_pages"] == 2
    assert_error(api.call("GET", KV + "?per_page=101"), 400, 1004)
    assert_error(api.call("GET", KV + "?order=size"), 400, 1004)
    assert_error(api.call("GET", KV + "?direction=up"), 400, 1004)


def test_kv_refusals(emu: Emulator, api: Client) -> None:
    assert_ok(api.call("POST", KV, json={"title": "cache"}))
    assert_error(
        api.call("POST", KV, json={"title": "cache"}),
        400,
        10014,
        "create namespace: 'A namespace with this account ID and title already exists'",
    )
    for body in ({}, {"title": ""}, {"title": 3}, {"title": "x" * 513}, ["cache"]):
        assert_error(api.call("POST", KV, json=body), 400, 10021)
    assert_error(api.call("GET", f"{KV}/{'f' * 32}"), 404, 10009, "Unknown namespace.")
    # Another account's namespace is unknown here.
    theirs = emu.state.add_kv_namespace(OTHER, "theirs")
    assert_error(api.call("GET", f"{KV}/{theirs.id}"), 404, 10009)
    assert len(emu.state.kv_namespaces) == 2


def test_storage_permissions_and_accounts(api: Client) -> None:
    for path, body in ((KV, {"title": "t"}), (D1, {"name": "db"}), (R2, {"name": "bucket"})):
        assert_error(api.call("POST", path, token=READER, json=body), 403, 10000)
        assert_error(api.call("GET", path, token=SCRIPTS_ONLY), 403, 10000)
        assert_error(api.call("GET", path, token=OTHER_ACCOUNT_TOKEN), 403, 10000)
        unknown = path.replace(ACME, "e" * 32)
        assert_no_route(api.call("GET", unknown), 404, "/client/v4" + unknown)


def test_state_helpers_refuse_duplicates(emu: Emulator) -> None:
    state = emu.state
    state.add_kv_namespace(ACME, "a")
    state.add_d1_database(ACME, "db")
    state.add_r2_bucket(ACME, "bucket")
    state.add_queue(ACME, "jobs")
    for make in (
        lambda: state.add_kv_namespace(ACME, "a"),
        lambda: state.add_d1_database(ACME, "db"),
        lambda: state.add_r2_bucket(ACME, "bucket"),
        lambda: state.add_queue(ACME, "jobs"),
        lambda: state.add_kv_namespace("e" * 32, "a"),
        lambda: state.add_kv_namespace(ACME, "b", id="not-an-id"),
    ):
        with pytest.raises(ValueError):
            make()
    # The same name in another account is another resource.
    assert state.add_d1_database(OTHER, "db").account_id == OTHER


# --- D1 -----------------------------------------------------------------------------------


def test_d1_create_get_and_list(emu: Emulator, api: Client) -> None:
    created = assert_ok(api.call("POST", D1, json={"name": "prod-db"}))
    assert created["name"] == "prod-db" and created["version"] == "production"
    assert len(created["uuid"]) == 36 and created["created_at"]
    assert emu.state.d1_databases[created["uuid"]].name == "prod-db"

    assert assert_ok(api.call("GET", f"{D1}/{created['uuid']}")) == created
    assert assert_ok(api.call("GET", f"{D1}/prod-db")) == created
    emu.state.add_d1_database(ACME, "other-db")
    assert [d["name"] for d in assert_ok(api.call("GET", D1))] == ["prod-db", "other-db"]
    assert assert_ok(api.call("GET", D1 + "?name=other-db&per_page=10"))[0]["name"] == "other-db"
    assert assert_ok(api.call("GET", D1 + "?name=nope")) == []
    assert_error(api.call("GET", D1 + "?per_page=5"), 400, 1004)


def test_d1_refusals(api: Client) -> None:
    assert_ok(api.call("POST", D1, json={"name": "db"}))
    assert_error(
        api.call("POST", D1, json={"name": "db"}),
        400,
        7502,
        "A database with that name already exists",
    )
    for body in ({}, {"name": ""}, {"name": "Has Space"}, {"name": "x" * 65}, []):
        assert_error(api.call("POST", D1, json=body), 400, 7400)
    assert_error(
        api.call("GET", f"{D1}/missing"), 404, 7404, "The database missing could not be found"
    )


# --- R2 -----------------------------------------------------------------------------------


def test_r2_create_get_and_list(emu: Emulator, api: Client) -> None:
    created = assert_ok(api.call("POST", R2, json={"name": "files", "locationHint": "WEUR"}))
    assert (created["name"], created["location"], created["storage_class"]) == (
        "files",
        "weur",
        "Standard",
    )
    assert created["creation_date"].endswith("Z")
    assert (ACME, "files") in emu.state.r2_buckets

    assert assert_ok(api.call("GET", f"{R2}/files")) == created
    emu.state.add_r2_bucket(ACME, "assets")
    listed = assert_ok(api.call("GET", R2))
    assert [b["name"] for b in listed["buckets"]] == ["assets", "files"]
    assert [
        b["name"] for b in assert_ok(api.call("GET", R2 + "?name_contains=fil"))["buckets"]
    ] == ["files"]
    cold = {"name": "cold", "storageClass": "InfrequentAccess"}
    assert assert_ok(api.call("POST", R2, json=cold))["storage_class"] == "InfrequentAccess"


@pytest.mark.parametrize("name", ["ab", "x" * 64, "Upper", "-dash", "dash-", "under_score", 7])
def test_r2_bucket_names(emu: Emulator, api: Client, name: Any) -> None:
    response = api.call("POST", R2, json={"name": name})
    assert_error(response, 400, 10005, "The specified bucket name is not valid.")
    assert emu.state.r2_buckets == {}


def test_r2_refusals(api: Client) -> None:
    assert_ok(api.call("POST", R2, json={"name": "files"}))
    assert_error(
        api.call("POST", R2, json={"name": "files"}),
        409,
        10004,
        "The bucket you tried to create already exists, and you own it.",
    )
    assert_error(api.call("POST", R2, json={"name": "abc", "locationHint": "mars"}), 400, 10021)
    assert_error(api.call("POST", R2, json={"name": "abc", "storageClass": "Glacier"}), 400, 10021)
    assert_error(api.call("GET", f"{R2}/nope"), 404, 10006, "The specified bucket does not exist.")


# --- uploads naming resources -----------------------------------------------------------


def test_uploads_must_name_existing_resources(emu: Emulator, api: Client) -> None:
    state = emu.state
    kv = state.add_kv_namespace(ACME, "cache")
    db = state.add_d1_database(ACME, "db")
    state.add_r2_bucket(ACME, "files")
    state.add_queue(ACME, "jobs")
    bindings = [
        {"type": "kv_namespace", "name": "KV", "namespace_id": kv.id},
        {"type": "d1", "name": "DB", "id": db.uuid},
        {"type": "r2_bucket", "name": "FILES", "bucket_name": "files"},
        {"type": "queue", "name": "JOBS", "queue_name": "jobs"},
        {
            "type": "workflow",
            "name": "FLOW",
            "workflow_name": "flow",
            "class_name": "Flow",
            "script_name": "elsewhere",
        },
    ]

    assert_ok(api.upload(metadata={"bindings": bindings}))

    stored = {b["name"]: b for b in state.worker(ACME, "hello").bindings()}
    assert stored["FLOW"] == bindings[4]
    assert stored["DB"]["id"] == db.uuid


@pytest.mark.parametrize(
    ("binding", "code", "message"),
    [
        (
            {"type": "kv_namespace", "name": "KV", "namespace_id": "9" * 32},
            10042,
            f"KV namespace '{'9' * 32}' is not valid. Please verify the namespace_id in your "
            "configuration.",
        ),
        (
            {"type": "d1", "name": "DB", "id": "00000000-0000-0000-0000-000000000000"},
            10181,
            "D1 binding 'DB' references database '00000000-0000-0000-0000-000000000000' which "
            "was not found. Verify the database exists in your account and that the "
            "database_id in your configuration is correct.",
        ),
        (
            {"type": "r2_bucket", "name": "B", "bucket_name": "nope"},
            10085,
            "R2 bucket 'nope' not found. Verify the bucket exists in your account and that the "
            "bucket_name in your configuration is correct.",
        ),
        (
            {"type": "queue", "name": "Q", "queue_name": "nope"},
            10021,
            "binding Q of type queue must have a queue that already exists",
        ),
        (
            {"type": "dispatch_namespace", "name": "D", "namespace": "nope"},
            10021,
            "binding D of type dispatch_namespace must have a namespace that already exists",
        ),
    ],
    ids=["kv", "d1", "r2", "queue", "dispatch"],
)
def test_uploads_naming_missing_resources_are_refused(
    emu: Emulator, api: Client, binding: dict[str, Any], code: int, message: str
) -> None:
    assert_error(api.upload(metadata={"bindings": [binding]}), 400, code, message)
    assert emu.state.workers == {}
    # Nor may a version or a settings PATCH name them.
    assert_ok(api.upload())
    assert_error(api.upload(metadata={"bindings": [binding]}, version=True), 400, code)
    settings = f"/accounts/{ACME}/workers/scripts/hello/settings"
    assert_error(api.call("PATCH", settings, json={"bindings": [binding]}), 400, code)
    assert len(emu.state.worker(ACME, "hello").versions) == 1


def test_another_accounts_resources_do_not_count(emu: Emulator, api: Client) -> None:
    kv = emu.state.add_kv_namespace(OTHER, "theirs")
    db = emu.state.add_d1_database(OTHER, "theirs")
    emu.state.add_r2_bucket(OTHER, "theirs")
    emu.state.add_queue(OTHER, "theirs")
    for binding in (
        {"type": "kv_namespace", "name": "KV", "namespace_id": kv.id},
        {"type": "d1", "name": "DB", "id": db.uuid},
        {"type": "r2_bucket", "name": "B", "bucket_name": "theirs"},
        {"type": "queue", "name": "Q", "queue_name": "theirs"},
    ):
        assert api.upload(metadata={"bindings": [binding]}).status_code == 400
    assert emu.state.workers == {}


def test_inherit_bindings_still_work_after_a_resource_is_gone(emu: Emulator, api: Client) -> None:
    kv = emu.state.add_kv_namespace(ACME, "cache")
    binding = {"type": "kv_namespace", "name": "KV", "namespace_id": kv.id}
    assert_ok(api.upload(metadata={"bindings": [binding]}))
    del emu.state.kv_namespaces[kv.id]

    inherit = {"bindings": [{"type": "inherit", "name": "KV"}]}
    assert_ok(api.upload(metadata=inherit, query="?bindings_inherit=strict"))

    assert emu.state.worker(ACME, "hello").bindings() == [binding]


def test_the_demo_state_has_the_walkthroughs_kv_namespace() -> None:
    state = demo_state()
    [namespace] = state.kv_namespaces.values()
    assert (namespace.id, namespace.account_id, namespace.title) == (
        DEMO_KV_NAMESPACE_ID,
        DEMO_ACCOUNT_ID,
        DEMO_KV_NAMESPACE_TITLE,
    )
    assert (state.d1_databases, state.r2_buckets, state.queues, state.workflows) == ({}, {}, {}, {})


# --- dispatch namespaces ---------------------------------------------------------------


def test_dispatch_namespaces_are_created_listed_and_bound(emu: Emulator, api: Client) -> None:
    assert assert_ok(api.call("GET", DISPATCH)) == []
    created = assert_ok(api.call("POST", DISPATCH, json={"name": "customers"}))
    assert created["namespace_name"] == "customers" and created["script_count"] == 0
    assert [n["namespace_name"] for n in assert_ok(api.call("GET", DISPATCH))] == ["customers"]
    binding = {"type": "dispatch_namespace", "name": "D", "namespace": "customers"}
    assert_ok(api.upload(metadata={"bindings": [binding]}))

    assert_error(api.call("POST", DISPATCH, json={"name": "customers"}), 409, 100119)
    assert_error(api.call("POST", DISPATCH, json={"name": "Not Valid"}), 400, 10021)
    assert_error(api.call("POST", DISPATCH, json={}), 400, 10021)
    assert_error(api.call("POST", DISPATCH, token=READER, json={"name": "x"}), 403, 10000)
