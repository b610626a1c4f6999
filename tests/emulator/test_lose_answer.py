"""Tests for the emulator's fault kind "lose_answer": the request is served (its changes take
effect), then the connection is closed without an answer, as when a response is lost on its
way back. Over real HTTP, against the demo state (the ``emu`` fixture's default)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from cfemu import Emulator, Fault
from cfemu.demo import DEMO_TOKEN, DEMO_ZONE_ID
from cfemu.faults import FAULT_KINDS, render_fault
from tests.emulator.helpers import bearer

HEADERS = bearer(DEMO_TOKEN)
PURGE = f"/zones/{DEMO_ZONE_ID}/purge_cache"
BATCH = f"/zones/{DEMO_ZONE_ID}/dns_records/batch"


def post(session: requests.Session, emu: Emulator, path: str, body: Any) -> requests.Response:
    return session.post(emu.base_url + path, json=body, headers=HEADERS, timeout=5)


def test_a_purge_whose_answer_is_lost_is_recorded_and_the_connection_drops(
    emu: Emulator, session: requests.Session
) -> None:
    emu.faults.add(Fault(kind="lose_answer"))

    with pytest.raises(requests.ConnectionError):
        post(session, emu, PURGE, {"purge_everything": True})

    (purge,) = emu.state.purges
    assert (purge.zone_id, purge.kind) == (DEMO_ZONE_ID, "everything")
    (entry,) = emu.log
    assert (entry.method, entry.path, entry.status, entry.fault) == (
        "POST",
        PURGE,
        None,
        "lose_answer",
    )
    assert entry.json == {"purge_everything": True}


def test_a_dns_batch_whose_answer_is_lost_creates_its_records(
    emu: Emulator, session: requests.Session
) -> None:
    emu.faults.add(Fault(kind="lose_answer", method="POST", path="batch"))
    posts = [
        {"type": "A", "name": "lost", "content": "192.0.2.1"},
        {"type": "TXT", "name": "lost", "content": "still here"},
    ]

    with pytest.raises(requests.ConnectionError):
        post(session, emu, BATCH, {"posts": posts})

    stored = emu.state.records(DEMO_ZONE_ID, name="lost")
    assert [(r.type, r.name, r.content) for r in stored] == [
        ("A", "lost.example.com", "192.0.2.1"),
        ("TXT", "lost.example.com", '"still here"'),
    ]
    assert [(e.path, e.fault, e.status) for e in emu.log] == [(BATCH, "lose_answer", None)]


def test_a_refused_request_whose_answer_is_lost_still_changes_nothing(
    emu: Emulator, session: requests.Session
) -> None:
    emu.faults.add(Fault(kind="lose_answer"))
    posts = [
        {"type": "A", "name": "ok", "content": "192.0.2.1"},
        {"type": "A", "name": "bad", "content": "not-an-address"},
    ]

    with pytest.raises(requests.ConnectionError):
        post(session, emu, BATCH, {"posts": posts})

    assert emu.state.records(DEMO_ZONE_ID) == []
    assert [e.fault for e in emu.log] == ["lose_answer"]


def test_only_matching_requests_lose_their_answer_and_the_next_one_is_answered(
    emu: Emulator, session: requests.Session
) -> None:
    emu.faults.add(Fault(kind="lose_answer", method="POST", path="purge_cache"))

    listed = session.get(emu.base_url + "/zones", headers=HEADERS, timeout=5)
    with pytest.raises(requests.ConnectionError):
        post(session, emu, PURGE, {"tags": ["a"]})
    answered = post(session, emu, PURGE, {"tags": ["b"]})

    assert listed.status_code == 200
    assert answered.status_code == 200
    assert answered.json()["success"] is True
    assert [p.items for p in emu.state.purges] == [("a",), ("b",)]
    assert [(e.method, e.fault, e.status) for e in emu.log] == [
        ("GET", None, 200),
        ("POST", "lose_answer", None),
        ("POST", None, 200),
    ]
    assert emu.faults.active() == []


def test_a_lost_answer_can_be_repeated_and_skipped_like_any_fault(
    emu: Emulator, session: requests.Session
) -> None:
    emu.faults.add(Fault(kind="lose_answer", path="purge_cache", skip=1, times=2))
    outcomes: list[int | None] = []
    for tag in "abcd":
        try:
            outcomes.append(post(session, emu, PURGE, {"tags": [tag]}).status_code)
        except requests.ConnectionError:
            outcomes.append(None)

    assert outcomes == [200, None, None, 200]
    assert len(emu.state.purges) == 4


def test_fault_from_json_accepts_lose_answer_with_the_defaults() -> None:
    fault = Fault.from_json({"kind": "lose_answer"})

    assert fault == Fault(kind="lose_answer")
    assert (fault.method, fault.path, fault.skip, fault.times) == (None, None, 0, 1)
    assert Fault.from_json(fault.to_json()) == fault
    assert "lose_answer" in FAULT_KINDS


def test_the_admin_endpoint_adds_a_lose_answer_fault(
    emu: Emulator, session: requests.Session
) -> None:
    admin = emu.root_url + "/__emulator/faults"

    added = requests.post(admin, json={"kind": "lose_answer", "method": "POST"}, timeout=5)

    assert added.status_code == 200
    assert added.json()["fault"]["kind"] == "lose_answer"
    with pytest.raises(requests.ConnectionError):
        post(session, emu, PURGE, {"purge_everything": True})
    assert len(emu.state.purges) == 1


def test_a_lost_answer_has_no_response_of_its_own_to_render() -> None:
    with pytest.raises(ValueError) as excinfo:
        render_fault(Fault(kind="lose_answer"))

    assert "lose_answer" in str(excinfo.value)
