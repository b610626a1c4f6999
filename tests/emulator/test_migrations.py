"""Durable Object migrations on Worker uploads, over real HTTP: tags, steps, classes and the
bindings that must name them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cfemu import Emulator, State
from tests.emulator.helpers import ACME, Client, assert_error, assert_ok, base_state

TOKEN = "M" * 40

PRECONDITION = "Actor migration tag precondition failed, got tag '{}' when expected tag is '{}'"
NOT_CONFIGURED = (
    "Cannot create binding for class '{}' because it is not currently configured to "
    "implement Durable Objects. Ensure a --new-class migration has been applied to it."
)


@pytest.fixture
def state() -> State:
    state = base_state()
    state.add_token(TOKEN, permissions={"workers_scripts:edit"})
    return state


@pytest.fixture
def api(emu: Emulator) -> Iterator[Client]:
    client = Client(emu.base_url, TOKEN)
    yield client
    client.close()


def do(name: str, class_name: str, script_name: str | None = None) -> dict[str, Any]:
    binding = {"type": "durable_object_namespace", "name": name, "class_name": class_name}
    if script_name is not None:
        binding["script_name"] = script_name
    return binding


def migrate(
    new_tag: str | None, old_tag: str | None = None, bindings: Any = (), **step: Any
) -> dict[str, Any]:
    migrations: dict[str, Any] = {"steps": [step] if step else []}
    if new_tag is not None:
        migrations["new_tag"] = new_tag
    if old_tag is not None:
        migrations["old_tag"] = old_tag
    return {"migrations": migrations, "bindings": list(bindings)}


def service(api: Client, name: str = "hello") -> Any:
    return assert_ok(api.call("GET", f"/accounts/{ACME}/workers/services/{name}"))


def test_a_new_class_migration_creates_the_class_and_the_tag(emu: Emulator, api: Client) -> None:
    meta = migrate("v1", bindings=[do("ROOM", "Room")], new_sqlite_classes=["Room"])
    body = assert_ok(api.upload(metadata=meta))

    script = emu.state.worker(ACME, "hello")
    assert script.migration_tag == "v1"
    assert script.durable_object_classes == {"Room": {"sqlite": True}}
    assert body["migration_tag"] == "v1"
    assert service(api)["default_environment"]["script"]["migration_tag"] == "v1"
    assert script.bindings()[0]["class_name"] == "Room"


def test_without_migrations_the_tag_is_none(api: Client) -> None:
    assert_ok(api.upload())

    assert service(api)["default_environment"]["script"]["migration_tag"] is None


def test_steps_apply_in_order(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload(metadata=migrate("v1", new_classes=["A", "B"], new_sqlite_classes=["C"])))
    meta = {
        "migrations": {
            "old_tag": "v1",
            "new_tag": "v3",
            "steps": [
                {"renamed_classes": [{"from": "A", "to": "A2"}], "deleted_classes": ["B"]},
                {"new_classes": ["B"]},
            ],
        },
        "bindings": [do("X", "A2"), do("Y", "B"), do("Z", "C")],
    }
    assert_ok(api.upload(metadata=meta))

    script = emu.state.worker(ACME, "hello")
    assert script.migration_tag == "v3"
    assert script.durable_object_classes == {
        "A2": {"sqlite": False},
        "B": {"sqlite": False},
        "C": {"sqlite": True},
    }


def test_the_legacy_single_step_form(emu: Emulator, api: Client) -> None:
    meta = {"migrations": {"new_tag": "v1", "new_classes": ["Room"]}, "bindings": [do("R", "Room")]}
    assert_ok(api.upload(metadata=meta))

    assert emu.state.worker(ACME, "hello").durable_object_classes == {"Room": {"sqlite": False}}


def test_an_upload_without_migrations_keeps_the_classes(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload(metadata=migrate("v1", new_classes=["Room"])))
    assert_ok(api.upload(metadata={"bindings": [do("ROOM", "Room")]}))

    script = emu.state.worker(ACME, "hello")
    assert (script.migration_tag, list(script.durable_object_classes)) == ("v1", ["Room"])


@pytest.mark.parametrize(
    ("old_tag", "current"),
    [("v0", "v1"), (None, "v1"), ("v1", None)],
    ids=["wrong", "missing", "none-yet"],
)
def test_the_old_tag_must_be_the_scripts_tag(
    emu: Emulator, api: Client, old_tag: str | None, current: str | None
) -> None:
    if current is not None:
        assert_ok(api.upload(metadata=migrate(current, new_classes=["Room"])))
    before = len(emu.state.workers)

    response = api.upload(metadata=migrate("v2", old_tag, new_classes=["Other"]))

    assert_error(response, 400, 10079, PRECONDITION.format(old_tag or "", current or ""))
    assert len(emu.state.workers) == before
    if current is not None:
        script = emu.state.worker(ACME, "hello")
        assert (script.migration_tag, list(script.durable_object_classes)) == ("v1", ["Room"])
        assert len(script.versions) == 1


def test_the_same_tag_with_no_steps_is_a_no_op(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload(metadata=migrate("v1", new_classes=["Room"])))

    assert_ok(api.upload(metadata=migrate("v1", "v1")))

    assert emu.state.worker(ACME, "hello").migration_tag == "v1"


@pytest.mark.parametrize(
    ("step", "code", "message"),
    [
        (
            {"new_classes": ["Room"]},
            10074,
            "Cannot apply new-class migration to class 'Room' that is already depended on by "
            "existing Durable Objects",
        ),
        (
            {"new_sqlite_classes": ["Room"]},
            10074,
            "Cannot apply new-sqlite-class migration to class 'Room' that is already depended "
            "on by existing Durable Objects",
        ),
        ({"renamed_classes": [{"from": "Nope", "to": "X"}]}, 10061, None),
        ({"renamed_classes": [{"from": "Room", "to": "Hall"}]}, 10074, None),
        ({"deleted_classes": ["Nope"]}, 10061, None),
        ({"new_classes": "Room"}, 10021, None),
        ({"renamed_classes": [{"from": "Room"}]}, 10021, None),
        ({"transferred_classes": [{"from": "Room", "to": "X"}]}, 10021, None),
    ],
)
def test_steps_that_cannot_apply_are_refused(
    emu: Emulator, api: Client, step: dict[str, Any], code: int, message: str | None
) -> None:
    assert_ok(api.upload(metadata=migrate("v1", new_classes=["Room", "Hall"])))

    assert_error(api.upload(metadata=migrate("v2", "v1", **step)), 400, code, message)

    script = emu.state.worker(ACME, "hello")
    assert script.migration_tag == "v1"
    assert set(script.durable_object_classes) == {"Room", "Hall"}


@pytest.mark.parametrize(
    "migrations",
    ["v1", {"new_tag": 1}, {"old_tag": ["v0"], "new_tag": "v1"}, {"steps": {"new_classes": []}}],
)
def test_malformed_migrations_are_10021(emu: Emulator, api: Client, migrations: Any) -> None:
    assert_error(api.upload(metadata={"migrations": migrations}), 400, 10021)
    assert emu.state.workers == {}


def test_a_binding_to_a_class_no_migration_created_is_10061(emu: Emulator, api: Client) -> None:
    response = api.upload(metadata={"bindings": [do("ROOM", "Room")]})

    assert_error(response, 400, 10061, NOT_CONFIGURED.format("Room"))
    assert emu.state.workers == {}


def test_deleting_a_class_that_a_binding_still_names_is_10061(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload(metadata=migrate("v1", bindings=[do("R", "Room")], new_classes=["Room"])))

    response = api.upload(metadata=migrate("v2", "v1", [do("R", "Room")], deleted_classes=["Room"]))

    assert_error(
        response,
        400,
        10061,
        "Cannot apply --delete-class migration to class 'Room' without also removing the "
        "binding that references it.",
    )
    assert_ok(api.upload(metadata=migrate("v2", "v1", deleted_classes=["Room"])))
    assert emu.state.worker(ACME, "hello").durable_object_classes == {}


def test_bindings_to_another_scripts_class(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload("owner", metadata=migrate("v1", new_classes=["Room"])))

    assert_ok(api.upload(metadata={"bindings": [do("R", "Room", script_name="owner")]}))
    assert_error(
        api.upload("b", metadata={"bindings": [do("R", "Hall", script_name="owner")]}),
        400,
        10061,
        NOT_CONFIGURED.format("Hall"),
    )
    assert_error(
        api.upload("c", metadata={"bindings": [do("R", "Room", script_name="nobody")]}),
        400,
        10061,
    )
    # A script_name naming the uploaded script itself is a local binding.
    assert_error(
        api.upload("d", metadata={"bindings": [do("R", "Room", script_name="d")]}), 400, 10061
    )


def test_a_transfer_moves_a_class_from_another_script(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload("old", metadata=migrate("v1", new_sqlite_classes=["Room"])))
    step = {"transferred_classes": [{"from": "Room", "from_script": "old", "to": "Hall"}]}

    assert_ok(api.upload("new", metadata=migrate("t1", bindings=[do("H", "Hall")], **step)))

    assert emu.state.worker(ACME, "new").durable_object_classes == {"Hall": {"sqlite": True}}
    assert emu.state.worker(ACME, "old").durable_object_classes == {}


@pytest.mark.parametrize(
    ("transfer", "code"),
    [
        ({"from": "Room", "from_script": "nobody", "to": "Hall"}, 10061),
        ({"from": "Nope", "from_script": "old", "to": "Hall"}, 10061),
        ({"from": "Room", "from_script": "new", "to": "Hall"}, 10021),
        ({"from": "Room", "from_script": "old", "to": "Mine"}, 10074),
    ],
)
def test_transfers_that_cannot_apply(
    emu: Emulator, api: Client, transfer: dict[str, str], code: int
) -> None:
    assert_ok(api.upload("old", metadata=migrate("v1", new_classes=["Room"])))
    assert_ok(api.upload("new", metadata=migrate("n1", new_classes=["Mine"])))

    step = {"transferred_classes": [transfer]}
    assert_error(api.upload("new", metadata=migrate("n2", "n1", **step)), 400, code)

    assert emu.state.worker(ACME, "old").durable_object_classes == {"Room": {"sqlite": False}}


def test_a_version_upload_applies_its_migration_when_deployed(emu: Emulator, api: Client) -> None:
    first = assert_ok(api.upload(metadata=migrate("v1", new_classes=["Room"])))["deployment_id"]
    meta = migrate("v2", "v1", [do("R", "Room"), do("H", "Hall")], new_classes=["Hall"])
    created = assert_ok(api.upload(metadata=meta, version=True, query="?bindings_inherit=strict"))
    script = emu.state.worker(ACME, "hello")
    assert (script.migration_tag, set(script.durable_object_classes)) == ("v1", {"Room"})
    # A version checks its migration at upload too.
    assert_error(api.upload(metadata=migrate("v2", "v0"), version=True), 400, 10079)
    bad = {"bindings": [do("H", "Hall")]}
    assert_error(api.upload(metadata=bad, version=True), 400, 10061)

    deployments = f"/accounts/{ACME}/workers/scripts/hello/deployments"
    body = {
        "strategy": "percentage",
        "versions": [{"version_id": created["id"], "percentage": 100}],
    }
    assert_ok(api.call("POST", deployments, json=body))

    assert (script.migration_tag, set(script.durable_object_classes)) == ("v2", {"Room", "Hall"})
    # Deploying the first version again changes no classes; the pending one is spent.
    back = {"strategy": "percentage", "versions": [{"version_id": first, "percentage": 100}]}
    assert_ok(api.call("POST", deployments, json=back))
    assert_ok(api.call("POST", deployments, json=body))
    assert script.migration_tag == "v2"


def test_a_pending_migration_is_checked_again_at_deploy(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload(metadata=migrate("v1", new_classes=["Room"])))
    created = assert_ok(
        api.upload(metadata=migrate("v2", "v1", new_classes=["Hall"]), version=True)
    )
    assert_ok(api.upload(metadata=migrate("v9", "v1", new_classes=["Other"])))

    body = {
        "strategy": "percentage",
        "versions": [{"version_id": created["id"], "percentage": 100}],
    }
    response = api.call("POST", f"/accounts/{ACME}/workers/scripts/hello/deployments", json=body)

    assert_error(response, 400, 10079, PRECONDITION.format("v1", "v9"))
    script = emu.state.worker(ACME, "hello")
    assert script.migration_tag == "v9" and len(script.deployments) == 2
