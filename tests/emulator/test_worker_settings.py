"""Worker metadata fields and settings, cron schedules, workers.dev previews and the custom
domain flags, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cfemu import Emulator, State
from tests.emulator.helpers import ACME, ZONE, Client, assert_error, assert_ok, base_state

TOKEN = "S" * 40
SCRIPT = f"/accounts/{ACME}/workers/scripts/hello"


@pytest.fixture
def state() -> State:
    state = base_state()
    state.add_token(TOKEN, permissions={"workers_scripts:edit", "workers_routes:edit"})
    return state


@pytest.fixture
def api(emu: Emulator) -> Iterator[Client]:
    client = Client(emu.base_url, TOKEN)
    yield client
    client.close()


def deploy(api: Client, version_id: str) -> Any:
    body = {"strategy": "percentage", "versions": [{"version_id": version_id, "percentage": 100}]}
    return assert_ok(api.call("POST", SCRIPT + "/deployments", json=body))


EVERYTHING: dict[str, Any] = {
    "compatibility_flags": [],
    "logpush": True,
    "placement": {"mode": "smart", "hint": "wnam"},
    "limits": {"cpu_ms": 50, "subrequests": 100},
    "tail_consumers": [{"service": "tail"}],
    "streaming_tail_consumers": [{"service": "tail"}],
    "observability": {
        "enabled": True,
        "head_sampling_rate": 0.5,
        "logs": {"enabled": True, "invocation_logs": False, "head_sampling_rate": 1},
    },
    "cache_options": {"enabled": True},
    "annotations": {"workers/message": "release"},
    "keep_bindings": ["secret_text"],
    "exports": {"Room": {"type": "durable_object"}},
    "containers": [{"class_name": "Box"}],
    "package_dependencies": [
        {"name": "hono", "packageJsonVersion": "^4", "installedVersion": "4.1"}
    ],
    "assets": {"jwt": "token", "config": {"html_handling": "auto-trailing-slash"}},
    "usage_model": "standard",
    "tags": ["a"],
}


def test_every_metadata_key_is_stored_and_the_settings_follow(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload("tail"))
    # A real completion token: a session with nothing to upload answers with one at once.
    started = api.call("POST", SCRIPT + "/assets-upload-session", json={"manifest": {}})
    assert started.status_code == 201, started.text
    token = started.json()["result"]["jwt"]
    everything = {**EVERYTHING, "assets": {**EVERYTHING["assets"], "jwt": token}}

    assert_ok(api.upload(metadata=everything))

    script = emu.state.worker(ACME, "hello")
    version = script.deployed_version()
    assert version is not None
    assert {k: version.metadata[k] for k in everything} == everything
    settings = assert_ok(api.call("GET", SCRIPT + "/settings"))
    assert settings["logpush"] is True
    assert settings["placement"] == EVERYTHING["placement"]
    assert settings["limits"] == EVERYTHING["limits"]
    assert settings["tail_consumers"] == [{"service": "tail"}]
    assert settings["streaming_tail_consumers"] == [{"service": "tail"}]
    assert settings["observability"] == EVERYTHING["observability"]
    assert settings["tags"] == ["a"]
    script_settings = assert_ok(api.call("GET", SCRIPT + "/script-settings"))
    assert script_settings == {
        "logpush": True,
        "tail_consumers": [{"service": "tail"}],
        "observability": EVERYTHING["observability"],
        "tags": ["a"],
        "streaming_tail_consumers": [{"service": "tail"}],
    }
    listed = assert_ok(api.call("GET", f"/accounts/{ACME}/workers/scripts"))
    assert {s["id"]: s["placement"] for s in listed}["hello"] == EVERYTHING["placement"]


@pytest.mark.parametrize(
    "metadata",
    [
        {"logpush": "yes"},
        {"tags": "a"},
        {"observability": True},
        {"observability": {"enabled": "yes"}},
        {"observability": {"enabled": True, "head_sampling_rate": 1.5}},
        {"observability": {"enabled": True, "head_sampling_rate": -0.1}},
        {"observability": {"logs": {"head_sampling_rate": 2}}},
        {"observability": {"logs": []}},
        {"observability": {"traces": {"enabled": 1}}},
        {"placement": {"mode": "fast"}},
        {"placement": "smart"},
        {"placement": {"mode": "targeted"}},
        {"placement": {"mode": "smart", "hint": 3}},
        {"limits": {"cpu_ms": 0}},
        {"limits": {"cpu_ms": 300001}},
        {"limits": {"cpu_ms": 10.5}},
        {"limits": {"cpu_ms": True}},
        {"limits": {"subrequests": 0}},
        {"limits": []},
        {"tail_consumers": {"service": "x"}},
        {"tail_consumers": [{"name": "x"}]},
        {"tail_consumers": [{"service": "x", "environment": 3}]},
        {"streaming_tail_consumers": ["x"]},
        {"cache_options": True},
        {"exports": []},
        {"assets": "x"},
        {"containers": {"class_name": "Box"}},
        {"package_dependencies": [1]},
        {"package_dependencies": [{"name": str(n)} for n in range(201)]},
        {"usage_model": "premium"},
    ],
)
def test_malformed_settings_are_10021(emu: Emulator, api: Client, metadata: dict[str, Any]) -> None:
    assert_error(api.upload(metadata=metadata), 400, 10021)
    assert emu.state.workers == {}


@pytest.mark.parametrize(
    "metadata",
    [
        {"placement": {"mode": "targeted", "region": "aws:us-east-1"}},
        {"placement": {"mode": "off"}},
        {"placement": {"hostname": "db.example.com"}},
        {"limits": {"cpu_ms": 300000}},
        {"observability": {"enabled": False, "head_sampling_rate": 0}},
    ],
)
def test_settings_at_their_limits_are_accepted(api: Client, metadata: dict[str, Any]) -> None:
    assert_ok(api.upload(metadata=metadata))


@pytest.mark.parametrize("key", ["tail_consumers", "streaming_tail_consumers"])
def test_tail_consumers_must_exist(emu: Emulator, api: Client, key: str) -> None:
    response = api.upload(metadata={key: [{"service": "nobody"}]})

    assert_error(response, 400, 10021, "tail consumer nobody does not exist")
    assert emu.state.workers == {}
    assert_ok(api.upload(metadata={key: [{"service": "hello"}]}))  # itself
    assert_error(
        api.call("PATCH", SCRIPT + "/script-settings", json={key: [{"service": "nobody"}]}),
        400,
        10021,
    )


def test_version_settings_come_from_the_deployed_version(emu: Emulator, api: Client) -> None:
    first = assert_ok(api.upload(metadata={"limits": {"cpu_ms": 10}, "logpush": True}))
    assert_ok(api.upload("tail"))
    meta = {
        "limits": {"cpu_ms": 20},
        "placement": {"mode": "smart"},
        "tail_consumers": [{"service": "tail"}],
    }
    created = assert_ok(api.upload(metadata=meta, version=True))

    # Uploading the version changes nothing yet.
    settings = assert_ok(api.call("GET", SCRIPT + "/settings"))
    assert (settings["limits"], settings["placement"], settings["tail_consumers"]) == (
        {"cpu_ms": 10},
        {},
        None,
    )
    deploy(api, created["id"])
    settings = assert_ok(api.call("GET", SCRIPT + "/settings"))
    assert settings["limits"] == {"cpu_ms": 20}
    assert settings["placement"] == {"mode": "smart"}
    assert settings["tail_consumers"] == [{"service": "tail"}]
    assert settings["logpush"] is True  # the version did not carry it: kept

    # Rolling back brings the old version's limits back; script settings stay.
    deploy(api, first["deployment_id"])
    settings = assert_ok(api.call("GET", SCRIPT + "/settings"))
    assert settings["limits"] == {"cpu_ms": 10} and settings["placement"] == {}
    assert settings["tail_consumers"] == [{"service": "tail"}]


def test_patch_settings_with_version_settings_makes_a_version(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload())
    body = {"limits": {"cpu_ms": 100}, "placement": {"mode": "smart"}, "logpush": True}

    answer = assert_ok(api.call("PATCH", SCRIPT + "/settings", json=body))

    script = emu.state.worker(ACME, "hello")
    assert len(script.versions) == 2 and len(script.deployments) == 2
    assert answer["limits"] == {"cpu_ms": 100} and answer["placement"] == {"mode": "smart"}
    assert answer["logpush"] is True
    # Script-level settings alone make no version.
    assert_ok(api.call("PATCH", SCRIPT + "/settings", json={"logpush": False}))
    assert len(script.versions) == 2
    assert_error(
        api.call("PATCH", SCRIPT + "/settings", json={"limits": {"cpu_ms": 0}}), 400, 10021
    )
    assert len(script.versions) == 2


def test_script_settings_survive_a_secret_change(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload(metadata={"logpush": True}))
    assert_ok(api.call("PATCH", SCRIPT + "/script-settings", json={"logpush": False}))

    secret = {"name": "S", "text": "v", "type": "secret_text"}
    assert_ok(api.call("PUT", SCRIPT + "/secrets", json=secret))

    assert assert_ok(api.call("GET", SCRIPT + "/script-settings"))["logpush"] is False


def test_patch_script_settings_ignores_version_settings(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload(metadata={"placement": {"mode": "smart"}}))
    body = {"placement": {"mode": "off"}, "observability": {"enabled": True}}

    answer = assert_ok(api.call("PATCH", SCRIPT + "/script-settings", json=body))

    assert answer["observability"] == {"enabled": True} and "placement" not in answer
    assert assert_ok(api.call("GET", SCRIPT + "/settings"))["placement"] == {"mode": "smart"}
    assert_error(
        api.call("PATCH", SCRIPT + "/script-settings", json={"observability": {"enabled": 1}}),
        400,
        10021,
    )


# --- schedules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cron",
    [
        "*/5 * * * *",
        "0 0 * JAN-JUN FRI",
        "0 0 LW JUL-DEC *",
        "59 23 31 12 7",
        "0 12 * * MON-FRI",
        "15,45 1-5/2 1,15 * *",
        "0 0 L * *",
        "0 0 * * 5L",
        "0 0 * * MON#2",
        "0 0 15W * *",
    ],
)
def test_valid_crons(emu: Emulator, api: Client, cron: str) -> None:
    assert_ok(api.upload())
    answer = assert_ok(api.call("PUT", SCRIPT + "/schedules", json=[{"cron": cron}]))
    [schedule] = answer["schedules"]
    assert set(schedule) == {"cron", "created_on", "modified_on"} and schedule["cron"] == cron


@pytest.mark.parametrize(
    "cron",
    [
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * 32 * *",
        "* * * 13 *",
        "* * * * 8",
        "* * * FOO *",
        "5-1 * * * *",
        "*/0 * * * *",
        "a * * * *",
        "",
        "1,,2 * * * *",
        3,
        None,
    ],
)
def test_invalid_crons_are_10021(emu: Emulator, api: Client, cron: Any) -> None:
    assert_ok(api.upload())
    assert_ok(api.call("PUT", SCRIPT + "/schedules", json=[{"cron": "0 0 * * *"}]))

    response = api.call("PUT", SCRIPT + "/schedules", json=[{"cron": "* * * * *"}, {"cron": cron}])

    assert_error(response, 400, 10021)
    assert [s["cron"] for s in emu.state.worker(ACME, "hello").schedules] == ["0 0 * * *"]


def test_schedules_replace_and_clear(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload())
    crons = [{"cron": "*/5 * * * *"}, {"cron": "0 0 * * *"}]
    assert_ok(api.call("PUT", SCRIPT + "/schedules", json=crons))
    listed = assert_ok(api.call("GET", SCRIPT + "/schedules"))
    assert [s["cron"] for s in listed["schedules"]] == ["*/5 * * * *", "0 0 * * *"]

    assert assert_ok(api.call("PUT", SCRIPT + "/schedules", json=[])) == {"schedules": []}
    assert emu.state.worker(ACME, "hello").schedules == []
    for body in ({"cron": "* * * * *"}, ["* * * * *"]):
        assert_error(api.call("PUT", SCRIPT + "/schedules", json=body), 400, 10021)


# --- workers.dev previews -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"enabled": True}, {"enabled": True, "previews_enabled": True}),
        ({"enabled": False}, {"enabled": False, "previews_enabled": False}),
        (
            {"enabled": True, "previews_enabled": False},
            {"enabled": True, "previews_enabled": False},
        ),
        (
            {"enabled": False, "previews_enabled": True},
            {"enabled": False, "previews_enabled": True},
        ),
        ({"enabled": True, "previews_enabled": None}, {"enabled": True, "previews_enabled": True}),
    ],
)
def test_previews_follow_workers_dev_unless_sent(
    emu: Emulator, api: Client, body: dict[str, Any], expected: dict[str, bool]
) -> None:
    assert_ok(api.upload())
    # Start from the opposite state, so "absent" cannot mean "unchanged".
    start = {"enabled": not body["enabled"], "previews_enabled": not expected["previews_enabled"]}
    assert_ok(api.call("POST", SCRIPT + "/subdomain", json=start))

    answer = api.call(
        "POST",
        SCRIPT + "/subdomain",
        json=body,
        headers={"Cloudflare-Workers-Script-Api-Date": "2025-08-01"},
    )

    assert assert_ok(answer) == expected
    assert_error(
        api.call("POST", SCRIPT + "/subdomain", json={"enabled": True, "previews_enabled": "no"}),
        400,
        10021,
    )


# --- custom domains -----------------------------------------------------------------------


def test_domain_records_refuse_external_dns_unless_overridden(emu: Emulator, api: Client) -> None:
    assert_ok(api.upload())
    emu.state.add_dns_record(ZONE, "A", "api.example.com", "192.0.2.1")
    records = SCRIPT + "/domains/records"
    origins = [{"hostname": "api.example.com", "zone_id": ZONE, "enabled": True}]

    for flag in (None, False):
        body: dict[str, Any] = {"override_scope": True, "origins": origins}
        if flag is not None:
            body["override_existing_dns_record"] = flag
        assert_error(
            api.call("PUT", records, json=body),
            409,
            100117,
            "Hostname 'api.example.com' already has externally managed DNS records (A, AAAA, "
            "or CNAME). Either delete them, try a different hostname, or use the option "
            "'override_existing_dns_record' to override.",
        )
    assert emu.state.worker_domains == {}

    body = {
        "override_scope": True,
        "override_existing_origin": True,
        "override_existing_dns_record": True,
        "origins": [{"hostname": "api.example.com", "zone_name": "example.com"}],
    }
    [domain] = assert_ok(api.call("PUT", records, json=body))
    assert (domain["hostname"], domain["service"], domain["zone_id"]) == (
        "api.example.com",
        "hello",
        ZONE,
    )
    # The externally managed record is left in place (our choice).
    assert [r.content for r in emu.state.records(ZONE, "api")] == ["192.0.2.1"]


@pytest.mark.parametrize(
    "body",
    [
        {"origins": [{"hostname": "a.example.com"}], "override_existing_dns_record": "yes"},
        {"origins": [{"hostname": "a.example.com"}], "override_scope": 1},
        {"origins": [{"hostname": "a.example.com", "enabled": "true"}]},
        {"origins": [{"hostname": "a.example.com", "previews_enabled": 0}]},
        {"origins": "a.example.com"},
    ],
)
def test_domain_records_flags_must_be_booleans(emu: Emulator, api: Client, body: Any) -> None:
    assert_ok(api.upload())
    assert_error(api.call("PUT", SCRIPT + "/domains/records", json=body), 400, 10021)
    assert emu.state.worker_domains == {}
