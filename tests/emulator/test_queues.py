"""Queues and queue consumers over real HTTP, with the producers uploads make."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cfemu import Emulator, State
from tests.emulator.helpers import (
    ACME,
    OTHER,
    Client,
    assert_error,
    assert_no_route,
    assert_ok,
    base_state,
)

TOKEN = "Q" * 40  # queues:edit and workers_scripts:edit
READER = "R" * 40  # queues:read
SCRIPTS_ONLY = "P" * 40
QUEUES = f"/accounts/{ACME}/queues"


@pytest.fixture
def state() -> State:
    state = base_state()
    state.add_token(TOKEN, permissions={"queues:edit", "workers_scripts:edit"})
    state.add_token(READER, permissions={"queues:read"})
    state.add_token(SCRIPTS_ONLY, permissions={"workers_scripts:edit"})
    return state


@pytest.fixture
def api(emu: Emulator) -> Iterator[Client]:
    client = Client(emu.base_url, TOKEN)
    yield client
    client.close()


def consumer_body(script: str = "consumer", **extra: Any) -> dict[str, Any]:
    return {"type": "worker", "script_name": script, **extra}


def test_create_get_and_list_queues(emu: Emulator, api: Client) -> None:
    created = assert_ok(api.call("POST", QUEUES, json={"queue_name": "jobs"}))
    assert created["queue_name"] == "jobs" and len(created["queue_id"]) == 32
    assert (created["producers"], created["consumers"]) == ([], [])
    assert (created["producers_total_count"], created["consumers_total_count"]) == (0, 0)
    assert created["created_on"] == created["modified_on"]

    assert assert_ok(api.call("GET", f"{QUEUES}/{created['queue_id']}")) == created
    emu.state.add_queue(ACME, "mail")
    emu.state.add_queue(ACME, "logs")
    emu.state.add_queue(OTHER, "jobs")
    listed = api.call("GET", QUEUES)
    assert [q["queue_name"] for q in assert_ok(listed)] == ["jobs", "mail", "logs"]
    assert listed.json()["result_info"]["total_count"] == 3
    some = assert_ok(api.call("GET", QUEUES + "?page=1&name=logs&name=jobs"))
    assert [q["queue_name"] for q in some] == ["jobs", "logs"]
    assert assert_ok(api.call("GET", QUEUES + "?name=nope")) == []
    second = assert_ok(api.call("GET", QUEUES + "?per_page=2&page=2"))
    assert [q["queue_name"] for q in second] == ["logs"]
    assert assert_ok(api.call("GET", QUEUES, token=READER))


@pytest.mark.parametrize("name", ["", "Jobs", "-jobs", "a" * 64, "has space", None])
def test_queue_names(emu: Emulator, api: Client, name: Any) -> None:
    assert_error(api.call("POST", QUEUES, json={"queue_name": name}), 400, 10021)
    assert emu.state.queues == {}


def test_queue_refusals(api: Client) -> None:
    assert_ok(api.call("POST", QUEUES, json={"queue_name": "jobs"}))
    assert_error(
        api.call("POST", QUEUES, json={"queue_name": "jobs"}),
        409,
        11009,
        "A queue with this name already exists",
    )
    assert_error(api.call("POST", QUEUES, json={"queue_name": "x", "settings": 3}), 400, 10021)
    assert_error(api.call("GET", f"{QUEUES}/{'f' * 32}"), 404, 11000, "Queue does not exist")
    assert_error(api.call("GET", f"{QUEUES}/{'f' * 32}/consumers"), 404, 11000)
    assert_no_route(api.call("GET", f"{QUEUES}/not-an-id"), 400, f"/client/v4{QUEUES}/not-an-id")
    assert_error(api.call("POST", QUEUES, json={"queue_name": "q"}, token=READER), 403, 10000)
    assert_error(api.call("GET", QUEUES, token=SCRIPTS_ONLY), 403, 10000)


def test_worker_consumer_lifecycle(emu: Emulator, api: Client) -> None:
    queue = emu.state.add_queue(ACME, "jobs")
    assert_ok(api.upload("consumer"))
    consumers = f"{QUEUES}/{queue.queue_id}/consumers"
    settings = {"batch_size": 5, "max_retries": 10, "max_wait_time_ms": 3000, "retry_delay": 5}

    created = assert_ok(
        api.call(
            "POST", consumers, json=consumer_body(dead_letter_queue="jobs-dlq", settings=settings)
        )
    )

    assert created["type"] == "worker"
    assert created["script"] == created["script_name"] == "consumer"
    assert created["queue_name"] == "jobs" and created["dead_letter_queue"] == "jobs-dlq"
    assert created["settings"] == settings and created["created_on"]
    # The dead letter queue did not exist: it was made.
    assert emu.state.queue_named(ACME, "jobs-dlq") is not None
    assert assert_ok(api.call("GET", consumers)) == [created]
    shown = assert_ok(api.call("GET", f"{QUEUES}/{queue.queue_id}"))
    assert (shown["consumers"], shown["consumers_total_count"]) == ([created], 1)

    # PUT replaces the consumer; defaults fill what is not sent.
    path = f"{consumers}/{created['consumer_id']}"
    updated = assert_ok(api.call("PUT", path, json=consumer_body(settings={"batch_size": 50})))
    assert updated["consumer_id"] == created["consumer_id"]
    assert updated["settings"] == {"batch_size": 50, "max_retries": 3, "max_wait_time_ms": 5000}
    assert "dead_letter_queue" not in updated
    assert [c.settings["batch_size"] for c in queue.consumers] == [50]

    assert assert_ok(api.call("DELETE", path)) is None
    assert queue.consumers == []
    assert_error(api.call("DELETE", path), 404, 11002, "Consumer does not exist")
    assert_error(api.call("PUT", path, json=consumer_body()), 404, 11002)


def test_one_worker_consumer_per_queue(emu: Emulator, api: Client) -> None:
    queue = emu.state.add_queue(ACME, "jobs")
    assert_ok(api.upload("consumer"))
    assert_ok(api.upload("second"))
    consumers = f"{QUEUES}/{queue.queue_id}/consumers"
    first = assert_ok(api.call("POST", consumers, json=consumer_body()))

    response = api.call("POST", consumers, json=consumer_body("second"))

    assert_error(response, 400, 11004, "workers.api.error.consumer_exists")
    assert [c.script for c in queue.consumers] == ["consumer"]
    # An HTTP pull consumer is another kind; a PUT may move the worker consumer.
    pull = assert_ok(api.call("POST", consumers, json={"type": "http_pull"}))
    assert pull["type"] == "http_pull" and "script" not in pull
    moved = api.call("PUT", f"{consumers}/{first['consumer_id']}", json=consumer_body("second"))
    assert assert_ok(moved)["script"] == "second"
    assert_error(
        api.call("PUT", f"{consumers}/{pull['consumer_id']}", json=consumer_body()), 400, 11004
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (consumer_body("nobody"), 10007),
        ({"type": "worker"}, 10021),
        ({"type": "push"}, 10021),
        (consumer_body(dead_letter_queue="jobs"), 10021),
        (consumer_body(dead_letter_queue="Bad Name"), 10021),
        (consumer_body(environment_name=3), 10021),
        (consumer_body(settings=[]), 10021),
        (consumer_body(settings={"batch_size": 0}), 10021),
        (consumer_body(settings={"batch_size": 101}), 10021),
        (consumer_body(settings={"max_retries": 101}), 10021),
        (consumer_body(settings={"max_retries": -1}), 10021),
        (consumer_body(settings={"max_wait_time_ms": 60001}), 10021),
        (consumer_body(settings={"max_concurrency": 0}), 10021),
        (consumer_body(settings={"max_concurrency": 251}), 10021),
        (consumer_body(settings={"retry_delay": 43201}), 10021),
        (consumer_body(settings={"visibility_timeout_ms": 43_200_001}), 10021),
        (consumer_body(settings={"batch_size": True}), 10021),
        (consumer_body(settings={"batch_size": 1.5}), 10021),
        (consumer_body(settings={"colour": 1}), 10021),
        ([], 10021),
    ],
)
def test_consumer_refusals(emu: Emulator, api: Client, body: Any, code: int) -> None:
    queue = emu.state.add_queue(ACME, "jobs")
    assert_ok(api.upload("consumer"))

    response = api.call("POST", f"{QUEUES}/{queue.queue_id}/consumers", json=body)

    assert_error(response, 404 if code == 10007 else 400, code)
    assert queue.consumers == []
    assert [q.queue_name for q in emu.state.queues.values()] == ["jobs"]


def test_consumer_settings_at_their_limits(emu: Emulator, api: Client) -> None:
    queue = emu.state.add_queue(ACME, "jobs")
    assert_ok(api.upload("consumer"))
    settings = {
        "batch_size": 100,
        "max_retries": 0,
        "max_wait_time_ms": 60000,
        "max_concurrency": None,
        "retry_delay": 43200,
    }
    created = assert_ok(
        api.call(
            "POST",
            f"{QUEUES}/{queue.queue_id}/consumers",
            json=consumer_body(settings=settings, environment_name=""),
        )
    )
    assert created["settings"] == settings


def test_producers_follow_the_deployed_bindings(emu: Emulator, api: Client) -> None:
    queue = emu.state.add_queue(ACME, "jobs")
    binding = {"type": "queue", "name": "JOBS", "queue_name": "jobs"}
    assert_ok(api.upload("producer", metadata={"bindings": [binding]}))

    shown = assert_ok(api.call("GET", f"{QUEUES}/{queue.queue_id}"))
    assert shown["producers"] == [{"type": "worker", "script": "producer"}]
    assert shown["producers_total_count"] == 1

    assert_ok(api.upload("producer"))  # no longer bound
    assert assert_ok(api.call("GET", f"{QUEUES}/{queue.queue_id}"))["producers"] == []
