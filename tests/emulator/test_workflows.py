"""Workflows over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cfemu import Emulator, State
from tests.emulator.helpers import ACME, OTHER, Client, assert_error, assert_ok, base_state

TOKEN = "F" * 40  # workflows:edit and workers_scripts:edit
READER = "R" * 40  # workflows:read
SCRIPTS_ONLY = "P" * 40
WORKFLOWS = f"/accounts/{ACME}/workflows"


@pytest.fixture
def state() -> State:
    state = base_state()
    state.add_token(TOKEN, permissions={"workflows:edit", "workers_scripts:edit"})
    state.add_token(READER, permissions={"workflows:read"})
    state.add_token(SCRIPTS_ONLY, permissions={"workers_scripts:edit"})
    return state


@pytest.fixture
def api(emu: Emulator) -> Iterator[Client]:
    client = Client(emu.base_url, TOKEN)
    assert_ok(client.upload("flows"))
    yield client
    client.close()


def test_put_creates_then_updates(emu: Emulator, api: Client) -> None:
    body = {
        "script_name": "flows",
        "class_name": "Checkout",
        "limits": {"steps": 500},
        "schedules": [{"cron": "0 * * * *"}],
    }
    created = assert_ok(api.call("PUT", f"{WORKFLOWS}/checkout", json=body))
    assert {k: created[k] for k in ("name", "script_name", "class_name")} == {
        "name": "checkout",
        "script_name": "flows",
        "class_name": "Checkout",
    }
    assert created["limits"] == {"steps": 500}
    assert created["schedules"] == [{"cron": "0 * * * *"}]
    assert len(created["id"]) == 36 and created["created_on"] == created["modified_on"]
    assert emu.state.workflows[(ACME, "checkout")].class_name == "Checkout"

    assert_ok(api.upload("flows2"))
    updated = assert_ok(
        api.call(
            "PUT", f"{WORKFLOWS}/checkout", json={"script_name": "flows2", "class_name": "Pay"}
        )
    )
    assert updated["id"] == created["id"] and updated["created_on"] == created["created_on"]
    assert (updated["script_name"], updated["class_name"]) == ("flows2", "Pay")
    assert "limits" not in updated and "schedules" not in updated
    assert assert_ok(api.call("GET", f"{WORKFLOWS}/checkout")) == updated
    assert assert_ok(api.call("GET", f"{WORKFLOWS}/checkout", token=READER)) == updated


def test_list_is_paged(emu: Emulator, api: Client) -> None:
    for number in range(3):
        emu.state.add_workflow(ACME, f"wf-{number}", "flows", "Flow")
    emu.state.add_workflow(OTHER, "theirs", "x", "X")

    response = api.call("GET", WORKFLOWS + "?per_page=2&page=2")

    assert [w["name"] for w in assert_ok(response)] == ["wf-2"]
    assert response.json()["result_info"]["total_count"] == 3
    assert len(assert_ok(api.call("GET", WORKFLOWS))) == 3


def test_get_and_delete(emu: Emulator, api: Client) -> None:
    assert_error(api.call("GET", f"{WORKFLOWS}/missing"), 404, 10200, "Workflow not found")
    emu.state.add_workflow(ACME, "flow", "flows", "Flow")

    assert assert_ok(api.call("DELETE", f"{WORKFLOWS}/flow")) is None

    assert emu.state.workflows == {}
    assert_error(api.call("DELETE", f"{WORKFLOWS}/flow"), 404, 10200)


@pytest.mark.parametrize(
    ("name", "body", "status", "code"),
    [
        ("flow", {"script_name": "nobody", "class_name": "Flow"}, 404, 10007),
        ("flow", {"class_name": "Flow"}, 400, 10021),
        ("flow", {"script_name": "flows"}, 400, 10021),
        ("flow", [], 400, 10021),
        ("flow", {"script_name": "flows", "class_name": "F", "limits": {"steps": 0}}, 400, 10021),
        (
            "flow",
            {"script_name": "flows", "class_name": "F", "limits": {"steps": 25001}},
            400,
            10021,
        ),
        ("flow", {"script_name": "flows", "class_name": "F", "limits": 5}, 400, 10021),
        (
            "flow",
            {"script_name": "flows", "class_name": "F", "schedules": [{"cron": "hourly"}]},
            400,
            10021,
        ),
        ("flow", {"script_name": "flows", "class_name": "F", "schedules": "x"}, 400, 10021),
        ("bad%20name", {"script_name": "flows", "class_name": "F"}, 400, 10021),
        ("x" * 65, {"script_name": "flows", "class_name": "F"}, 400, 10021),
    ],
)
def test_refusals(emu: Emulator, api: Client, name: str, body: Any, status: int, code: int) -> None:
    assert_error(api.call("PUT", f"{WORKFLOWS}/{name}", json=body), status, code)
    assert emu.state.workflows == {}


def test_permissions(api: Client) -> None:
    body = {"script_name": "flows", "class_name": "F"}
    assert_error(api.call("PUT", f"{WORKFLOWS}/f", json=body, token=READER), 403, 10000)
    assert_error(api.call("GET", WORKFLOWS, token=SCRIPTS_ONLY), 403, 10000)
