"""Tests for cfemu, driven over real HTTP the way a client would see it."""

from __future__ import annotations

import http.client
import json
import math
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from cfemu import Emulator, Fault, State, demo
from tests.emulator.helpers import (
    ACCOUNT_TOKEN,
    ACME,
    EMAIL,
    GLOBAL_KEY,
    KEY_HEADERS,
    MISSING_AUTH,
    OTHER,
    OTHER_ACCOUNT_TOKEN,
    SCOPED_TOKEN,
    UNKNOWN_ZONE,
    USER_TOKEN,
    ZONE,
    ZONE_OTHER,
    assert_error,
    assert_no_route,
    base_state,
    bearer,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ALL = {
    "zone:read",
    "cache_purge:purge",
    "dns:read",
    "dns:edit",
    "workers_scripts:edit",
    "workers_routes:edit",
    "account_settings:read",
    "user:read",
}

ZONE_ORG = "c" * 31 + "2"  # example.org, in Acme, pending, Pro plan

NO_ZONE_READ_TOKEN = "N" * 40
USER_ONLY_TOKEN = "R" * 40
DISABLED_TOKEN = "D" * 40
EXPIRED_TOKEN = "E" * 40
IP_TOKEN = "I" * 40
LOCAL_IP_TOKEN = "L" * 40
UNKNOWN_TOKEN = "X" * 40

# Twelve extra zones so pagination with per_page=5 spans three pages.
FILLER = [f"site{i:02d}.net" for i in range(12)]


@pytest.fixture
def state() -> State:
    """The base state plus example.org, the filler zones and a token per auth case."""
    state = base_state()
    state.add_zone("example.org", account_id=ACME, id=ZONE_ORG, status="pending", plan="pro")
    for name in FILLER:
        state.add_zone(name, account_id=ACME)
    state.add_token(USER_TOKEN, permissions=ALL)
    state.add_token(ACCOUNT_TOKEN, permissions=ALL, account_id=ACME)
    state.add_token(OTHER_ACCOUNT_TOKEN, permissions=ALL, account_id=OTHER)
    state.add_token(SCOPED_TOKEN, permissions={"zone:read"}, zone_ids={ZONE})
    state.add_token(NO_ZONE_READ_TOKEN, permissions={"cache_purge:purge"})
    state.add_token(USER_ONLY_TOKEN, permissions={"user:read"})
    state.add_token(DISABLED_TOKEN, permissions=ALL, status="disabled")
    state.add_token(EXPIRED_TOKEN, permissions=ALL, status="expired")
    state.add_token(IP_TOKEN, permissions=ALL, allowed_ips={"203.0.113.7"})
    state.add_token(LOCAL_IP_TOKEN, permissions=ALL, allowed_ips={"127.0.0.1", "::1"})
    return state


def get(emu: Emulator, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    return requests.get(emu.base_url + path, headers=headers or {}, timeout=5, **kw)


def names(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [zone["name"] for zone in response.json()["result"]]


# --- authentication ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/zones", "/user/tokens/verify", "/user"])
def test_no_credentials_is_9106(emu: Emulator, path: str) -> None:
    assert_error(get(emu, path), 400, 9106, MISSING_AUTH)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Token " + USER_TOKEN},
        {"Authorization": "bearer " + USER_TOKEN},
        {"Authorization": USER_TOKEN},
        {"X-Auth-Email": EMAIL},
    ],
)
def test_authorization_without_bearer_is_9106(emu: Emulator, headers: dict[str, str]) -> None:
    assert_error(get(emu, "/zones", headers), 400, 9106, MISSING_AUTH)


@pytest.mark.parametrize(
    "value",
    [
        "Bearer",
        "Bearer  " + USER_TOKEN,
        "Bearer " + GLOBAL_KEY,
        "Bearer short",
        "Bearer " + "x" * 39,
        "Bearer " + "y" * 38 + "!!",
        "Bearer " + USER_TOKEN + " extra",
    ],
)
def test_malformed_bearer_is_6003_6111(emu: Emulator, value: str) -> None:
    for path in ("/zones", "/user/tokens/verify"):
        assert_error(
            get(emu, path, {"Authorization": value}),
            400,
            6003,
            "Invalid request headers",
            [(6111, "Invalid format for Authorization header")],
        )


@pytest.mark.parametrize(
    "headers", [{"X-Auth-Key": GLOBAL_KEY}, {"X-Auth-Key": GLOBAL_KEY, "X-Auth-Email": "ops"}]
)
def test_key_without_or_with_bad_email_is_6102(emu: Emulator, headers: dict[str, str]) -> None:
    chain = [(6102, "Invalid format for X-Auth-Email header")]
    assert_error(get(emu, "/zones", headers), 400, 6003, "Invalid request headers", chain)


@pytest.mark.parametrize("key", [USER_TOKEN, "0123", "Z" * 37, GLOBAL_KEY.upper()])
def test_malformed_key_is_6103(emu: Emulator, key: str) -> None:
    headers = {"X-Auth-Email": EMAIL, "X-Auth-Key": key}
    chain = [(6103, "Invalid format for X-Auth-Key header")]
    assert_error(get(emu, "/zones", headers), 400, 6003, "Invalid request headers", chain)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Auth-Email": "someone@example.com", "X-Auth-Key": GLOBAL_KEY},
        {"X-Auth-Email": EMAIL, "X-Auth-Key": "f" * 37},
        {"X-Auth-Email": EMAIL, "X-Auth-Key": "cfk_" + "k" * 40},
    ],
)
def test_unknown_key_pair_is_9103(emu: Emulator, headers: dict[str, str]) -> None:
    assert_error(get(emu, "/zones", headers), 403, 9103, "Unknown X-Auth-Key or X-Auth-Email")


def test_global_key_works_and_email_is_case_insensitive(emu: Emulator) -> None:
    headers = {"X-Auth-Email": EMAIL.upper(), "X-Auth-Key": GLOBAL_KEY}
    assert len(names(get(emu, "/zones", headers, params={"per_page": 50}))) == 15


def test_key_headers_on_verify_endpoints_are_6111(emu: Emulator) -> None:
    chain = [(6111, "Invalid format for Authorization header")]
    for path in ("/user/tokens/verify", f"/accounts/{ACME}/tokens/verify"):
        assert_error(get(emu, path, KEY_HEADERS), 400, 6003, "Invalid request headers", chain)


def test_unknown_token(emu: Emulator) -> None:
    headers = bearer(UNKNOWN_TOKEN)
    assert_error(get(emu, "/user/tokens/verify", headers), 401, 1000, "Invalid API Token")
    assert_error(
        get(emu, f"/accounts/{ACME}/tokens/verify", headers), 401, 1000, "Invalid API Token"
    )
    assert_error(get(emu, "/zones", headers), 403, 9109, "Invalid access token")
    assert_error(get(emu, f"/zones/{ZONE}", headers), 403, 9109, "Invalid access token")


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        (DISABLED_TOKEN, "disabled", "This API Token is disabled"),
        (EXPIRED_TOKEN, "expired", "This API Token is expired"),
    ],
)
def test_inactive_token(emu: Emulator, token: str, status: str, message: str) -> None:
    response = get(emu, "/user/tokens/verify", bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["result"]["status"] == status
    assert body["messages"][0]["message"] == message
    assert_error(get(emu, "/zones", bearer(token)), 403, 9109, "Invalid access token")
    assert_error(get(emu, "/user", bearer(token)), 403, 9109, "Invalid access token")


def test_ip_restricted_token(emu: Emulator) -> None:
    message = "Cannot use the access token from location: 127.0.0.1"
    for path in ("/zones", "/user/tokens/verify", f"/zones/{ZONE}"):
        assert_error(get(emu, path, bearer(IP_TOKEN)), 403, 9109, message)
    assert get(emu, "/zones", bearer(LOCAL_IP_TOKEN)).status_code == 200


def test_missing_permission_is_10000(emu: Emulator) -> None:
    assert_error(get(emu, "/user", bearer(SCOPED_TOKEN)), 403, 10000, "Authentication error")


# --- token verify -----------------------------------------------------------------------


def test_verify_user_token(emu: Emulator) -> None:
    response = get(emu, "/user/tokens/verify", bearer(USER_TOKEN))
    token_id = emu.state.tokens[USER_TOKEN].id
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "errors": [],
        "messages": [
            {"code": 10000, "message": "This API Token is valid and active", "type": None}
        ],
        "result": {"id": token_id, "status": "active"},
    }
    assert re.fullmatch(r"[0-9a-f]{32}", token_id)


def test_verify_account_token(emu: Emulator) -> None:
    response = get(emu, f"/accounts/{ACME}/tokens/verify", bearer(ACCOUNT_TOKEN))
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == {"id": emu.state.tokens[ACCOUNT_TOKEN].id, "status": "active"}
    assert body["messages"][0]["code"] == 10000


@pytest.mark.parametrize(
    ("path", "token"),
    [
        ("/user/tokens/verify", ACCOUNT_TOKEN),
        (f"/accounts/{ACME}/tokens/verify", OTHER_ACCOUNT_TOKEN),
        (f"/accounts/{ACME}/tokens/verify", USER_TOKEN),
    ],
    ids=["account-token-on-user-verify", "foreign-account-token", "user-token"],
)
def test_verify_rejects_tokens_of_another_owner(emu: Emulator, path: str, token: str) -> None:
    """Account-owned tokens only verify at their own account's URL, user tokens only at
    /user/tokens/verify."""
    assert_error(get(emu, path, bearer(token)), 401, 1000, "Invalid API Token")


def test_account_verify_with_malformed_account_id(emu: Emulator) -> None:
    response = get(emu, "/accounts/Acme/tokens/verify", bearer(ACCOUNT_TOKEN))
    assert_no_route(response, 400, "/client/v4/accounts/Acme/tokens/verify")


# --- /user ------------------------------------------------------------------------------


def test_user_with_global_key(emu: Emulator) -> None:
    response = get(emu, "/user", KEY_HEADERS)
    assert response.status_code == 200
    user = response.json()["result"]
    assert user["email"] == EMAIL
    assert user["first_name"] is None
    assert re.fullmatch(r"[0-9a-f]{32}", user["id"])


def test_user_with_user_token(emu: Emulator) -> None:
    response = get(emu, "/user", bearer(USER_ONLY_TOKEN))
    assert response.status_code == 200
    assert response.json()["result"]["id"] == emu.state.user.id


def test_user_with_account_token_is_unauthorized(emu: Emulator) -> None:
    response = get(emu, "/user", bearer(ACCOUNT_TOKEN))
    assert_error(response, 403, 9109, "Unauthorized to access requested resource")


# --- GET /zones -------------------------------------------------------------------------


def test_zone_list_shape(emu: Emulator) -> None:
    response = get(emu, "/zones", KEY_HEADERS, params={"name": "example.org"})
    body = response.json()
    assert body["success"] is True
    assert body["result_info"] == {
        "page": 1,
        "per_page": 20,
        "count": 1,
        "total_count": 1,
        "total_pages": 1,
    }
    zone = body["result"][0]
    assert zone["id"] == ZONE_ORG
    assert zone["status"] == "pending"
    assert zone["account"] == {"id": ACME, "name": "Acme"}
    assert zone["owner"]["type"] == "user"
    assert zone["plan"]["name"] == "Pro Website"
    assert zone["paused"] is False
    assert zone["type"] == "full"
    assert len(zone["name_servers"]) == 2
    assert zone["activated_on"] is None
    for field in ("created_on", "modified_on", "meta", "original_name_servers"):
        assert field in zone


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("example.com", ["example.com"]),
        ("EXAMPLE.COM", ["example.com"]),
        ("equal:example.com", ["example.com"]),
        ("example", []),
        ("contains:example", ["example.com", "example.org"]),
        ("starts_with:Other", ["other.io"]),
        ("ends_with:.org", ["example.org"]),
        ("contains:site0", [f"site0{i}.net" for i in range(10)]),
    ],
)
def test_zone_name_filter(emu: Emulator, name: str, expected: list[str]) -> None:
    params = {"name": name, "per_page": 50}
    assert names(get(emu, "/zones", bearer(USER_TOKEN), params=params)) == expected


def test_zone_account_and_status_filters(emu: Emulator) -> None:
    headers = bearer(USER_TOKEN)
    assert names(get(emu, "/zones", headers, params={"account.id": OTHER})) == ["other.io"]
    by_name = get(emu, "/zones", headers, params={"account.name": "other corp"})
    assert names(by_name) == ["other.io"]
    assert names(get(emu, "/zones", headers, params={"status": "pending"})) == ["example.org"]
    both = {"name": "example.com", "account.id": OTHER}
    assert names(get(emu, "/zones", headers, params=both)) == []


def test_zone_list_respects_scope(emu: Emulator) -> None:
    assert names(get(emu, "/zones", bearer(SCOPED_TOKEN))) == ["example.com"]
    other = get(emu, "/zones", bearer(OTHER_ACCOUNT_TOKEN))
    assert names(other) == ["other.io"]
    acme = get(emu, "/zones", bearer(ACCOUNT_TOKEN), params={"per_page": 50})
    assert "other.io" not in names(acme)
    assert len(names(acme)) == 14


def test_zone_list_without_zone_read_is_empty(emu: Emulator) -> None:
    response = get(emu, "/zones", bearer(NO_ZONE_READ_TOKEN))
    assert response.status_code == 200
    assert response.json()["result"] == []
    assert response.json()["result_info"]["total_count"] == 0


def test_zone_order_and_direction(emu: Emulator) -> None:
    params = {"per_page": 50, "direction": "desc"}
    listed = names(get(emu, "/zones", bearer(USER_TOKEN), params=params))
    assert listed == sorted(listed, reverse=True)
    params = {"per_page": 50, "order": "account.name", "name": "ends_with:o"}
    assert names(get(emu, "/zones", bearer(USER_TOKEN), params=params)) == ["other.io"]
    response = get(emu, "/zones", bearer(USER_TOKEN), params={"order": "size"})
    assert_error(response, 400, 1004)


def collect_pages(emu: Emulator, per_page: int) -> tuple[list[str], list[dict[str, int]]]:
    """Follow result_info.total_pages like a well-behaved client."""
    seen: list[str] = []
    infos: list[dict[str, int]] = []
    page = 1
    while True:
        params = {"per_page": per_page, "page": page}
        response = get(emu, "/zones", bearer(ACCOUNT_TOKEN), params=params)
        seen += names(response)
        infos.append(response.json()["result_info"])
        if page >= infos[-1]["total_pages"]:
            return seen, infos
        page += 1


def test_zone_pagination(emu: Emulator) -> None:
    seen, infos = collect_pages(emu, 5)
    assert len(seen) == len(set(seen)) == 14
    assert seen == sorted(seen)
    assert [info["count"] for info in infos] == [5, 5, 4]
    assert {info["total_pages"] for info in infos} == {3}
    assert {info["total_count"] for info in infos} == {14}
    beyond = get(emu, "/zones", bearer(ACCOUNT_TOKEN), params={"per_page": 5, "page": 9})
    assert beyond.json()["result"] == []
    assert beyond.json()["result_info"]["count"] == 0


def test_max_page_rows_caps_pages(emu: Emulator) -> None:
    emu.state.max_page_rows = 4
    seen, infos = collect_pages(emu, 50)
    assert len(seen) == len(set(seen)) == 14
    assert [info["count"] for info in infos] == [4, 4, 4, 2]
    assert {info["per_page"] for info in infos} == {50}
    assert {info["total_pages"] for info in infos} == {math.ceil(14 / 4)}


@pytest.mark.parametrize("per_page", ["4", "51", "0", "ten"])
def test_per_page_out_of_range(emu: Emulator, per_page: str) -> None:
    response = get(emu, "/zones", bearer(USER_TOKEN), params={"per_page": per_page})
    assert_error(response, 400, 1004, "per_page must be a number between 5 and 50")


def test_bad_page_is_rejected(emu: Emulator) -> None:
    response = get(emu, "/zones", bearer(USER_TOKEN), params={"page": "0"})
    assert_error(response, 400, 1004)


# --- GET /zones/{zone_id} ---------------------------------------------------------------


def test_get_zone(emu: Emulator) -> None:
    response = get(emu, f"/zones/{ZONE}", bearer(SCOPED_TOKEN))
    assert response.status_code == 200
    zone = response.json()["result"]
    assert (zone["id"], zone["name"], zone["status"]) == (ZONE, "example.com", "active")
    assert zone["plan"]["name"] == "Free Website"
    assert zone["activated_on"] is not None


@pytest.mark.parametrize(
    ("zone_id", "status"),
    [("example.com", 400), (UNKNOWN_ZONE, 404)],
    ids=["malformed-id", "unknown-id"],
)
def test_get_zone_bad_id_is_7003_7000(emu: Emulator, zone_id: str, status: int) -> None:
    """A malformed id does not route (400); a well-formed one that names nothing is 404."""
    response = get(emu, f"/zones/{zone_id}", bearer(USER_TOKEN))
    assert_no_route(response, status, f"/client/v4/zones/{zone_id}")


@pytest.mark.parametrize(
    ("token", "zone_id"),
    [
        (SCOPED_TOKEN, ZONE_ORG),
        (ACCOUNT_TOKEN, ZONE_OTHER),
        (NO_ZONE_READ_TOKEN, ZONE),
    ],
)
def test_get_zone_out_of_scope(emu: Emulator, token: str, zone_id: str) -> None:
    response = get(emu, f"/zones/{zone_id}", bearer(token))
    assert_error(response, 403, 9109, "Unauthorized to access requested resource")


# --- routing and protocol ---------------------------------------------------------------


def test_unknown_routes(emu: Emulator) -> None:
    assert_no_route(get(emu, "/nothing/here"), 400, "/client/v4/nothing/here")
    response = requests.post(emu.base_url + "/zones", json={}, headers=bearer(USER_TOKEN))
    assert_no_route(response, 400, "/client/v4/zones")
    outside = requests.get(emu.root_url + "/zones", timeout=5)
    assert_no_route(outside, 400, "/zones")


def test_headers_and_keep_alive(emu: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        for _ in range(3):
            connection.request("GET", "/client/v4/zones", headers=bearer(USER_TOKEN))
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200
            assert response.getheader("Content-Type") == "application/json"
            assert response.getheader("Content-Length") == str(len(body))
            assert re.fullmatch(r"[0-9a-f]{16}-EMU", response.getheader("cf-ray") or "")
            assert not response.will_close
    finally:
        connection.close()


def test_concurrent_requests(emu: Emulator) -> None:
    statuses: list[int] = []

    def call() -> None:
        statuses.append(get(emu, "/zones", bearer(USER_TOKEN)).status_code)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 16
    assert len(emu.requests(path="^/zones$")) == 16


def test_state_changes_are_visible_while_running(emu: Emulator) -> None:
    emu.state.add_zone("late.dev", account_id=OTHER)
    assert "late.dev" in names(get(emu, "/zones", bearer(OTHER_ACCOUNT_TOKEN)))
    emu.state.tokens[USER_TOKEN].status = "disabled"
    assert_error(get(emu, "/zones", bearer(USER_TOKEN)), 403, 9109, "Invalid access token")


# --- faults -----------------------------------------------------------------------------


def test_fault_429_with_retry_after(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="status", status=429, retry_after=3))
    response = get(emu, "/zones", bearer(USER_TOKEN))
    assert_error(response, 429, 971, "Please wait and consider throttling your request speed")
    assert response.headers["Retry-After"] == "3"
    assert get(emu, "/zones", bearer(USER_TOKEN)).status_code == 200


def test_fault_fractional_retry_after_and_custom_code(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="status", status=503, code=1234, message="Hold on", retry_after=1.5))
    response = get(emu, "/zones")
    assert_error(response, 503, 1234, "Hold on")
    assert response.headers["Retry-After"] == "1.5"


def test_fault_502_json(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="status", status=502))
    response = get(emu, "/zones", bearer(USER_TOKEN))
    assert_error(response, 502, 10001, "Bad gateway")
    assert "Retry-After" not in response.headers


def test_fault_html_522(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="html", status=522))
    response = get(emu, "/zones", bearer(USER_TOKEN))
    assert response.status_code == 522
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")
    assert "cf-error-details" in response.text
    assert "Connection timed out" in response.text
    assert response.headers["cf-ray"].split("-")[0] in response.text
    with pytest.raises(ValueError):
        response.json()


def test_fault_empty_body(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="empty", status=503))
    response = get(emu, "/zones", bearer(USER_TOKEN))
    assert response.status_code == 503
    assert response.content == b""
    assert response.headers["Content-Length"] == "0"


def test_fault_latency_trips_client_timeout(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="latency", delay=0.6))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(emu.base_url + "/zones", headers=bearer(USER_TOKEN), timeout=0.15)
    deadline = time.monotonic() + 3
    while not emu.requests(path="^/zones$") and time.monotonic() < deadline:
        time.sleep(0.02)
    [entry] = emu.requests(path="^/zones$")
    assert (entry.fault, entry.status) == ("latency", 200)


def test_fault_latency_then_served_normally(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="latency", delay=0.2))
    started = time.monotonic()
    response = get(emu, "/zones", bearer(USER_TOKEN))
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 200
    assert response.json()["success"] is True


def test_fault_drop(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="drop"))
    with requests.Session() as session:
        with pytest.raises(requests.ConnectionError):
            session.get(emu.base_url + "/zones", headers=bearer(USER_TOKEN), timeout=5)
        assert session.get(emu.base_url + "/zones", headers=bearer(USER_TOKEN)).ok
    [dropped, served] = emu.log
    assert (dropped.fault, dropped.status) == ("drop", None)
    assert (served.fault, served.status) == (None, 200)


def test_fault_skip_times_method_and_path(emu: Emulator) -> None:
    emu.faults.add(
        Fault(kind="status", status=500, method="GET", path=r"^/zones$", skip=1, times=2)
    )
    headers = bearer(USER_TOKEN)
    other = get(emu, f"/zones/{ZONE}", headers)  # path does not match
    post = requests.post(emu.base_url + "/zones", headers=headers, timeout=5)  # method
    assert other.status_code == 200
    assert post.status_code == 400
    statuses = [get(emu, "/zones", headers).status_code for _ in range(4)]
    assert statuses == [200, 500, 500, 200]
    assert [e.fault for e in emu.requests(path="^/zones$", method="GET")] == [
        None,
        "status",
        "status",
        None,
    ]
    assert emu.faults.active() == []


def test_fault_forever_until_cleared(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="status", status=503, times=0))
    assert [get(emu, "/zones").status_code for _ in range(5)] == [503] * 5
    emu.faults.clear()
    assert get(emu, "/zones", bearer(USER_TOKEN)).status_code == 200


def test_faults_apply_in_order(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="status", status=429))
    emu.faults.add(Fault(kind="status", status=502))
    assert [get(emu, "/zones").status_code for _ in range(3)] == [429, 502, 400]


def test_fault_validation() -> None:
    with pytest.raises(ValueError):
        Fault(kind="boom")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Fault(kind="status", status=42)
    with pytest.raises(ValueError):
        Fault(kind="latency", delay=-1)
    with pytest.raises(ValueError):
        Fault(kind="status", path="(")


# --- request log ------------------------------------------------------------------------


def test_request_log(emu: Emulator) -> None:
    get(emu, "/zones", bearer(USER_TOKEN), params={"name": "example.com"})
    requests.post(
        emu.base_url + "/zones/" + ZONE + "/purge_cache",
        json={"purge_everything": True},
        headers=bearer(USER_TOKEN),
        timeout=5,
    )
    first, second = emu.log
    assert (first.method, first.path, first.status, first.fault) == ("GET", "/zones", 200, None)
    assert first.query == {"name": ["example.com"]}
    assert first.header("authorization") == f"Bearer {USER_TOKEN}"
    assert first.body == b""
    assert first.json is None
    assert second.method == "POST"
    assert second.json == {"purge_everything": True}
    assert json.loads(second.body) == {"purge_everything": True}
    assert emu.requests(method="post") == [second]
    assert emu.requests(path="purge") == [second]
    assert emu.requests(method="GET", path="purge") == []
    emu.clear_log()
    assert emu.log == []


# --- admin endpoints --------------------------------------------------------------------


def test_admin_health_and_log(emu: Emulator) -> None:
    admin = emu.root_url + "/__emulator"
    assert requests.get(admin + "/health", timeout=5).json() == {"ok": True}
    get(emu, "/zones", bearer(USER_TOKEN))
    get(emu, "/zones", KEY_HEADERS)
    big = b"x" * (64 * 1024 + 1)
    requests.post(emu.base_url + "/zones", data=big, timeout=5)
    entries = requests.get(admin + "/log", timeout=5).json()
    assert [e["path"] for e in entries] == ["/zones"] * 3
    assert entries[0]["headers"]["Authorization"] == "***"
    assert entries[1]["headers"]["X-Auth-Key"] == "***"
    assert entries[1]["headers"]["X-Auth-Email"] == EMAIL
    assert entries[0]["status"] == 200
    assert entries[2]["body"] is None
    assert entries[2]["body_omitted"] is True
    assert entries[2]["body_size"] == len(big)
    assert len(emu.log) == 3  # admin calls are not logged
    assert requests.delete(admin + "/log", timeout=5).json() == {"ok": True}
    assert emu.log == []
    assert requests.get(admin + "/log", timeout=5).json() == []


def test_admin_faults(emu: Emulator) -> None:
    admin = emu.root_url + "/__emulator/faults"
    added = requests.post(admin, json={"kind": "status", "status": 429, "retry_after": 2})
    assert added.status_code == 200
    assert added.json()["fault"]["kind"] == "status"
    assert requests.get(admin, timeout=5).json()[0]["status"] == 429
    response = get(emu, "/zones")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    bad = requests.post(admin, json={"kind": "status", "colour": "red"}, timeout=5)
    assert bad.status_code == 400
    assert bad.json()["ok"] is False
    assert requests.post(admin, json={"kind": "nope"}, timeout=5).status_code == 400
    requests.post(admin, json={"kind": "status", "times": 0}, timeout=5)
    assert requests.delete(admin, timeout=5).json() == {"ok": True}
    assert get(emu, "/zones").status_code == 400  # the plain 9106 again
    assert requests.get(emu.root_url + "/__emulator/nope", timeout=5).status_code == 404


# --- demo state and standalone run ------------------------------------------------------


def test_demo_constants() -> None:
    tokens = [
        demo.DEMO_TOKEN,
        demo.DEMO_ACCOUNT_TOKEN,
        demo.DEMO_READONLY_TOKEN,
        demo.DEMO_ZONE_TOKEN,
    ]
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
        assert "DEMO" in token
    assert demo.DEMO_ACCOUNT_TOKEN.startswith("cfat_")
    assert re.fullmatch(r"[0-9a-f]{37}", demo.DEMO_GLOBAL_KEY)
    state = demo.demo_state()
    assert sorted(z.name for z in state.zones.values()) == sorted(demo.DEMO_ZONES)
    assert state.accounts[demo.DEMO_ACCOUNT_ID].name == "Demo Account"


def test_demo_state_over_http() -> None:
    with Emulator(demo.demo_state()) as emu:
        readonly = get(emu, "/zones", bearer(demo.DEMO_READONLY_TOKEN))
        assert names(readonly) == []
        account_path = f"/accounts/{demo.DEMO_ACCOUNT_ID}/tokens/verify"
        assert get(emu, account_path, bearer(demo.DEMO_ACCOUNT_TOKEN)).status_code == 200
        assert get(emu, "/user/tokens/verify", bearer(demo.DEMO_ACCOUNT_TOKEN)).status_code == 401
        assert names(get(emu, "/zones", bearer(demo.DEMO_ZONE_TOKEN))) == ["example.com"]
        key = {"X-Auth-Email": demo.DEMO_EMAIL, "X-Auth-Key": demo.DEMO_GLOBAL_KEY}
        assert get(emu, "/user", key).json()["result"]["id"] == demo.DEMO_USER_ID


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_module_runs_standalone() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cfemu", "--port", str(port), "--quiet"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        root = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 5
        while True:
            try:
                health = requests.get(root + "/__emulator/health", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "emulator exited early"
                assert time.monotonic() < deadline, "emulator did not come up"
                time.sleep(0.05)
        assert health.json() == {"ok": True}
        verify = requests.get(
            root + "/client/v4/user/tokens/verify", headers=bearer(demo.DEMO_TOKEN), timeout=5
        )
        assert verify.json()["result"]["id"] == demo.DEMO_TOKEN_ID
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=5)
    assert process.returncode == 0, stderr
    assert f"{root}/client/v4" in stdout
    assert demo.DEMO_TOKEN in stdout
    assert demo.DEMO_GLOBAL_KEY in stdout
