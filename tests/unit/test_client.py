"""Tests for cfaction.client: the v4 envelope, error classes, retries, headers, pagination.

Every test uses ``responses`` with ``assert_all_requests_are_fired=True`` and an injected
``sleep`` that records the delays, so nothing waits and nothing reaches the network.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from cfaction import __version__
from cfaction.client import USER_AGENT, Client, Envelope
from cfaction.credentials import Credentials
from cfaction.errors import (
    APIError,
    AuthError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from cfaction.permissions import ZONE_READ
from tests.helpers import BASE, ok
from tests.helpers import OLD_STYLE_TOKEN as TOKEN

EMAIL = "ops@example.com"
GLOBAL_KEY = "0123456789abcdef0123456789abcdef01234"
ZONES = f"{BASE}/zones"

HTML_522 = """<!DOCTYPE html>
<html lang="en-US"><head>
<title>example.com | 522: Connection
  timed out</title>
<meta charset="UTF-8" /></head>
<body><h1>Connection timed out</h1><p>Error code 522</p></body></html>
"""


def failure(*errors: dict[str, Any]) -> dict[str, Any]:
    """A failed v4 envelope with any number of errors (helpers.failure has exactly one)."""
    return {"success": False, "errors": list(errors), "messages": [], "result": None}


def error(code: int, message: str, *chain: tuple[int, str]) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "message": message}
    if chain:
        item["error_chain"] = [{"code": c, "message": m} for c, m in chain]
    return item


@pytest.fixture
def delays() -> list[float]:
    """The delays the client slept, in order (nothing actually sleeps)."""
    return []


def make_client(
    delays: list[float],
    *,
    max_retries: int = 2,
    rng_value: float = 0.5,
    credentials: Credentials | None = None,
    base_url: str = BASE,
    notes: list[str] | None = None,
) -> Client:
    return Client(
        base_url=base_url,
        credentials=credentials or Credentials(mode="token", token=TOKEN),
        max_retries=max_retries,
        timeout=7,
        sleep=delays.append,
        rng=lambda: rng_value,
        on_retry=notes.append if notes is not None else None,
    )


def query(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


# the envelope


def test_a_successful_envelope_gives_result_result_info_and_messages(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    body = ok(
        {"id": "abc", "status": "active"},
        messages=[{"code": 10000, "message": "This API Token is valid and active", "type": None}],
        result_info={"page": 1, "total_pages": 1},
    )
    rsps.get(f"{BASE}/user/tokens/verify", json=body, headers={"Ratelimit": "r=50"})
    client = make_client(delays)

    envelope = client.request("GET", "/user/tokens/verify")

    assert isinstance(envelope, Envelope)
    assert envelope.result == {"id": "abc", "status": "active"}
    assert envelope.result_info == {"page": 1, "total_pages": 1}
    assert envelope.messages == ("This API Token is valid and active",)
    assert envelope.status == 200
    assert envelope.headers["Ratelimit"] == "r=50"
    assert client.calls == 1


def test_get_returns_only_the_result(rsps: responses.RequestsMock, delays: list[float]) -> None:
    rsps.get(ZONES, json=ok([{"id": "z1"}]))

    assert make_client(delays).get("/zones") == [{"id": "z1"}]


def test_success_false_on_http_200_raises_and_is_not_retried(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, json=failure(error(1004, "DNS Validation Error")), status=200)
    client = make_client(delays)

    with pytest.raises(APIError) as excinfo:
        client.request("GET", "/zones")

    raised = excinfo.value
    assert type(raised) is APIError
    assert raised.status == 200
    assert raised.codes() == [1004]
    assert raised.message == "DNS Validation Error (1004) [HTTP 200 on GET /zones]"
    assert raised.title == "Cloudflare error 1004"
    assert client.calls == 1
    assert delays == []


def test_the_post_body_is_sent_as_json(rsps: responses.RequestsMock, delays: list[float]) -> None:
    rsps.post(
        f"{BASE}/zones/z1/purge_cache",
        json=ok({"id": "p1"}),
        match=[matchers.json_params_matcher({"files": ["https://example.com/a"]})],
    )

    envelope = make_client(delays).request(
        "POST", "/zones/z1/purge_cache", json_body={"files": ["https://example.com/a"]}
    )

    assert envelope.result == {"id": "p1"}


# error classes


def test_6003_with_a_6111_chain_is_an_auth_error_with_both_codes_and_the_6111_hint(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(
        ZONES,
        status=400,
        json=failure(
            error(
                6003, "Invalid request headers", (6111, "Invalid format for Authorization header")
            )
        ),
    )
    client = make_client(delays)

    with pytest.raises(AuthError) as excinfo:
        client.request("GET", "/zones")

    raised = excinfo.value
    assert raised.codes() == [6003, 6111]
    assert raised.status == 400
    assert raised.message == (
        "Invalid request headers (6003) → Invalid format for Authorization header (6111) "
        "[HTTP 400 on GET /zones]"
    )
    assert raised.title == "Cloudflare error 6003"
    assert raised.hint.startswith("Cloudflare could not read the API token.")
    assert "api_token" in raised.hint
    assert client.calls == 1


def test_10000_is_permission_denied_and_the_hint_names_the_permission_passed(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(f"{ZONES}/z1", status=403, json=failure(error(10000, "Authentication error")))
    client = make_client(delays)

    with pytest.raises(PermissionDeniedError) as excinfo:
        client.request("GET", "/zones/z1", permission=ZONE_READ)

    raised = excinfo.value
    assert raised.codes() == [10000]
    assert "not allowed to GET /zones/z1" in raised.hint
    assert f"It needs {ZONE_READ}." in raised.hint
    assert raised.method == "GET"
    assert raised.path == "/zones/z1"
    assert client.calls == 1


@pytest.mark.parametrize(
    ("status", "body", "expected", "codes"),
    [
        (401, failure(error(9109, "Invalid access token")), AuthError, [9109]),
        (
            403,
            failure(error(9109, "Unauthorized to access requested resource")),
            PermissionDeniedError,
            [9109],
        ),
        (
            403,
            failure(error(9109, "Cannot use the access token from location: 192.0.2.1")),
            AuthError,
            [9109],
        ),
        (400, failure(error(1000, "Invalid API Token")), AuthError, [1000]),
        (
            400,
            failure(error(9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")),
            AuthError,
            [9106],
        ),
        (403, failure(error(9103, "Unknown X-Auth-Key or X-Auth-Email")), AuthError, [9103]),
        (
            400,
            failure(
                error(
                    7003,
                    "Could not route to /client/v4/zones/example.com, perhaps "
                    "your object identifier is invalid?",
                ),
                error(7000, "No route for that URI"),
            ),
            NotFoundError,
            [7003, 7000],
        ),
        (400, failure(error(1003, "Invalid or missing zone id.")), NotFoundError, [1003]),
        (404, failure(error(1234, "Not found")), NotFoundError, [1234]),
        (401, failure(), AuthError, []),
        (403, {"code": 10000, "error": "Authentication error"}, PermissionDeniedError, [10000]),
        (400, failure(error(1004, "DNS Validation Error")), APIError, [1004]),
    ],
)
def test_error_class_follows_status_and_code(
    rsps: responses.RequestsMock,
    delays: list[float],
    status: int,
    body: dict[str, Any],
    expected: type[APIError],
    codes: list[int],
) -> None:
    rsps.get(ZONES, status=status, json=body)
    client = make_client(delays)

    with pytest.raises(APIError) as excinfo:
        client.request("GET", "/zones")

    assert type(excinfo.value) is expected
    assert excinfo.value.status == status
    assert excinfo.value.codes() == codes
    assert client.calls == 1


def test_a_404_without_a_body_is_not_found(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(f"{ZONES}/z1", status=404, body="")

    with pytest.raises(NotFoundError) as excinfo:
        make_client(delays).request("GET", "/zones/z1")

    assert excinfo.value.message == "empty response body [HTTP 404 on GET /zones/z1]"
    assert excinfo.value.title == "Cloudflare HTTP 404"


def test_an_html_403_page_is_permission_denied_with_its_title(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(
        ZONES,
        status=403,
        body="<html><title>Attention Required!</title></html>",
        content_type="text/html",
    )

    with pytest.raises(PermissionDeniedError) as excinfo:
        make_client(delays).request("GET", "/zones")

    assert "Attention Required!" in excinfo.value.message


def test_429_is_a_rate_limit_error_after_every_retry(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    body = failure(error(971, "Please wait and consider throttling your request speed"))
    for _ in range(3):
        rsps.get(ZONES, status=429, json=body)
    client = make_client(delays, max_retries=2)

    with pytest.raises(RateLimitError) as excinfo:
        client.request("GET", "/zones")

    assert excinfo.value.codes() == [971]
    assert "rate-limited" in excinfo.value.hint
    assert client.calls == 3
    assert len(rsps.calls) == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_a_server_error_after_every_retry(
    rsps: responses.RequestsMock, delays: list[float], status: int
) -> None:
    for _ in range(3):
        rsps.get(ZONES, status=status, json=failure(error(10001, "Internal error")))
    client = make_client(delays, max_retries=2)

    with pytest.raises(ServerError) as excinfo:
        client.request("GET", "/zones")

    assert excinfo.value.status == status
    assert "server-side problem" in excinfo.value.hint
    assert client.calls == 3


def test_an_html_522_page_is_retried_then_a_server_error_naming_the_page_title(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    for _ in range(3):
        rsps.get(ZONES, status=522, body=HTML_522, content_type="text/html")
    client = make_client(delays, max_retries=2)

    with pytest.raises(ServerError) as excinfo:
        client.request("GET", "/zones")

    raised = excinfo.value
    assert "example.com | 522: Connection timed out" in raised.message
    assert raised.message.startswith("Cloudflare returned an HTML error page")
    assert raised.message.endswith("[HTTP 522 on GET /zones]")
    assert raised.title == "Cloudflare HTTP 522"
    assert client.calls == 3
    assert len(delays) == 2


def test_an_empty_502_body_is_retried_and_then_succeeds(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=502, body="")
    rsps.get(ZONES, json=ok([]))
    client = make_client(delays)

    assert client.get("/zones") == []
    assert client.calls == 2
    assert delays == [0.75]


def test_a_non_json_200_page_is_a_server_error(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, body="plain text, not JSON")

    with pytest.raises(ServerError) as excinfo:
        make_client(delays, max_retries=0).request("GET", "/zones")

    assert "non-JSON body: “plain text, not JSON”" in excinfo.value.message


# retries


def test_max_retries_2_makes_exactly_3_calls_then_raises(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    for _ in range(3):
        rsps.get(ZONES, status=503, json=failure(error(10001, "Service unavailable")))
    client = make_client(delays, max_retries=2)

    with pytest.raises(ServerError):
        client.request("GET", "/zones")

    assert client.calls == 3
    assert len(rsps.calls) == 3
    assert len(delays) == 2


def test_max_retries_0_makes_one_call(rsps: responses.RequestsMock, delays: list[float]) -> None:
    rsps.get(ZONES, status=503, json=failure(error(10001, "Service unavailable")))
    client = make_client(delays, max_retries=0)

    with pytest.raises(ServerError):
        client.request("GET", "/zones")

    assert client.calls == 1
    assert delays == []


def test_calls_counts_every_attempt_across_requests(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=503, body="")
    rsps.get(ZONES, json=ok([]))
    rsps.get(f"{BASE}/user", json=ok({"id": "u1"}))
    client = make_client(delays)

    client.request("GET", "/zones")
    client.request("GET", "/user")

    assert client.calls == 3


def test_retry_after_header_is_honoured(rsps: responses.RequestsMock, delays: list[float]) -> None:
    rsps.get(
        ZONES, status=429, json=failure(error(971, "Please wait")), headers={"Retry-After": "7"}
    )
    rsps.get(ZONES, json=ok([]))
    client = make_client(delays)

    client.request("GET", "/zones")

    assert delays == [7.0]
    assert client.calls == 2


def test_retry_after_is_honoured_on_a_503_too(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=503, body="", headers={"Retry-After": "2.5"})
    rsps.get(ZONES, json=ok([]))

    make_client(delays).request("GET", "/zones")

    assert delays == [2.5]


def test_retry_after_of_zero_retries_at_once(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=429, body="", headers={"Retry-After": "0"})
    rsps.get(ZONES, json=ok([]))

    make_client(delays).request("GET", "/zones")

    assert delays == [0.0]


def test_retry_after_as_an_http_date_is_turned_into_seconds(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    when = formatdate(time.time() + 120, usegmt=True)
    rsps.get(ZONES, status=429, body="", headers={"Retry-After": when})
    rsps.get(ZONES, json=ok([]))

    make_client(delays).request("GET", "/zones")

    assert len(delays) == 1
    assert 118 < delays[0] <= 120


def test_retry_after_as_a_past_http_date_means_no_wait(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=429, body="", headers={"Retry-After": formatdate(0, usegmt=True)})
    rsps.get(ZONES, json=ok([]))

    make_client(delays).request("GET", "/zones")

    assert delays == [0.0]


def test_an_unreadable_retry_after_falls_back_to_backoff(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=429, body="", headers={"Retry-After": "soon"})
    rsps.get(ZONES, json=ok([]))

    make_client(delays).request("GET", "/zones")

    assert delays == [0.75]


@pytest.mark.parametrize(
    "retry_after", ["301", "3600", formatdate(time.time() + 3600, usegmt=True)]
)
def test_retry_after_above_300_seconds_raises_at_once_without_sleeping(
    rsps: responses.RequestsMock, delays: list[float], retry_after: str
) -> None:
    rsps.get(
        ZONES,
        status=429,
        json=failure(error(971, "Please wait")),
        headers={"Retry-After": retry_after},
    )
    client = make_client(delays, max_retries=5)

    with pytest.raises(RateLimitError) as excinfo:
        client.request("GET", "/zones")

    assert excinfo.value.retry_after is not None
    assert excinfo.value.retry_after > 300
    assert client.calls == 1
    assert delays == []
    # What happened, and advice that can help: not a higher max_retries, nor "every retry".
    assert f"Cloudflare asked to wait {excinfo.value.retry_after:,.0f} s" in excinfo.value.hint
    assert "longer than the 300 s cfaction waits" in excinfo.value.hint
    assert "raise max_retries" not in excinfo.value.hint
    assert "after every retry" not in excinfo.value.hint


def test_a_5xx_retry_after_above_300_seconds_says_so_without_rate_limit_advice(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=503, body="", headers={"Retry-After": "900"})
    client = make_client(delays)

    with pytest.raises(ServerError) as excinfo:
        client.request("GET", "/zones")

    assert excinfo.value.hint.startswith("Cloudflare asked to wait 900 s before")
    assert "rate limit" not in excinfo.value.hint
    assert client.calls == 1


def test_retry_after_of_exactly_300_seconds_is_still_waited(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=429, body="", headers={"Retry-After": "300"})
    rsps.get(ZONES, json=ok([]))

    make_client(delays).request("GET", "/zones")

    assert delays == [300.0]


@pytest.mark.parametrize(
    ("rng_value", "expected"),
    [
        (0.5, [0.75, 1.5, 3.0, 6.0, 12.0, 22.5, 22.5]),
        (0.0, [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]),
        (1.0, [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]),
    ],
)
def test_backoff_grows_exponentially_with_jitter_and_is_capped_at_30_seconds(
    rsps: responses.RequestsMock, delays: list[float], rng_value: float, expected: list[float]
) -> None:
    for _ in range(8):
        rsps.get(ZONES, status=503, body="")
    client = make_client(delays, max_retries=7, rng_value=rng_value)

    with pytest.raises(ServerError):
        client.request("GET", "/zones")

    assert delays == expected
    assert client.calls == 8


def test_each_retry_is_reported_with_its_number(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=503, body="")
    rsps.get(ZONES, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.get(ZONES, json=ok([]))
    notes: list[str] = []

    make_client(delays, max_retries=2, rng_value=0.0, notes=notes).request("GET", "/zones")

    assert notes == [
        "GET /zones: HTTP 503; retry 1 of 2 in 0.5 s",
        "GET /zones: no answer; retry 2 of 2 in 1.0 s",
    ]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_never_retried(
    rsps: responses.RequestsMock, delays: list[float], status: int
) -> None:
    rsps.get(ZONES, status=status, json=failure(error(1234, "Nope")))
    client = make_client(delays, max_retries=5)

    with pytest.raises(APIError):
        client.request("GET", "/zones")

    assert client.calls == 1
    assert delays == []


@pytest.mark.parametrize("status", [408, 409])
def test_408_and_409_are_retried_for_a_get(
    rsps: responses.RequestsMock, delays: list[float], status: int
) -> None:
    rsps.get(ZONES, status=status, json=failure(error(1234, "Try again")))
    rsps.get(ZONES, json=ok([]))
    client = make_client(delays)

    client.request("GET", "/zones")

    assert client.calls == 2


def test_a_post_is_not_retried_on_500_by_default(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.post(f"{BASE}/zones/z1/dns_records", status=500, body="")
    client = make_client(delays, max_retries=5)

    with pytest.raises(ServerError):
        client.request("POST", "/zones/z1/dns_records", json_body={"type": "A"})

    assert client.calls == 1
    assert delays == []


def test_a_post_marked_idempotent_is_retried_on_500(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    url = f"{BASE}/zones/z1/purge_cache"
    rsps.post(url, status=500, body="")
    rsps.post(url, json=ok({"id": "p1"}))
    client = make_client(delays)

    envelope = client.request("POST", "/zones/z1/purge_cache", json_body={}, idempotent=True)

    assert envelope.result == {"id": "p1"}
    assert client.calls == 2


def test_a_post_is_retried_on_429(rsps: responses.RequestsMock, delays: list[float]) -> None:
    url = f"{BASE}/zones/z1/dns_records"
    rsps.post(url, status=429, body="", headers={"Retry-After": "1"})
    rsps.post(url, json=ok({"id": "r1"}))
    client = make_client(delays)

    envelope = client.request("POST", "/zones/z1/dns_records", json_body={"type": "A"})

    assert envelope.result == {"id": "r1"}
    assert client.calls == 2
    assert delays == [1.0]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_put_and_delete_are_retried_on_503(
    rsps: responses.RequestsMock, delays: list[float], method: str
) -> None:
    url = f"{BASE}/zones/z1/dns_records/r1"
    rsps.add(method, url, status=503, body="")
    rsps.add(method, url, json=ok({"id": "r1"}))
    client = make_client(delays)

    client.request(method, "/zones/z1/dns_records/r1")

    assert client.calls == 2


def test_a_get_read_timeout_is_retried_then_a_transport_error(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    for _ in range(3):
        rsps.get(ZONES, body=requests.exceptions.ReadTimeout("read timed out"))
    client = make_client(delays, max_retries=2)

    with pytest.raises(TransportError) as excinfo:
        client.request("GET", "/zones")

    raised = excinfo.value
    assert raised.message == "The request timed out (ReadTimeout) [GET /zones]"
    assert f"No answer from {BASE} within 7 s on every attempt" in raised.hint
    assert "api_base_url" in raised.hint
    assert client.calls == 3
    assert len(delays) == 2


def test_a_get_read_timeout_then_an_answer_succeeds(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.get(ZONES, json=ok([{"id": "z1"}]))
    client = make_client(delays)

    assert client.get("/zones") == [{"id": "z1"}]
    assert client.calls == 2


def test_a_post_read_timeout_is_not_retried(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.post(
        f"{BASE}/zones/z1/dns_records", body=requests.exceptions.ReadTimeout("read timed out")
    )
    client = make_client(delays, max_retries=5)

    with pytest.raises(TransportError) as excinfo:
        client.request("POST", "/zones/z1/dns_records", json_body={"type": "A"})

    assert "timed out (ReadTimeout)" in excinfo.value.message
    assert client.calls == 1
    assert delays == []


def test_a_post_connect_timeout_is_retried_because_nothing_was_sent(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    url = f"{BASE}/zones/z1/dns_records"
    rsps.post(url, body=requests.exceptions.ConnectTimeout("connect timed out"))
    rsps.post(url, json=ok({"id": "r1"}))
    client = make_client(delays)

    envelope = client.request("POST", "/zones/z1/dns_records", json_body={"type": "A"})

    assert envelope.result == {"id": "r1"}
    assert client.calls == 2


def test_a_get_connection_error_is_retried_then_a_transport_error(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    for _ in range(2):
        rsps.get(ZONES, body=requests.exceptions.ConnectionError("refused"))
    client = make_client(delays, max_retries=1)

    with pytest.raises(TransportError) as excinfo:
        client.request("GET", "/zones")

    assert excinfo.value.message == "The request failed to connect (ConnectionError) [GET /zones]"
    assert client.calls == 2


# headers and base URL


def test_token_requests_send_the_user_agent_and_bearer_token(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, json=ok([]))

    make_client(delays).request("GET", "/zones")

    headers = rsps.calls[0].request.headers
    assert headers["User-Agent"] == f"cfaction/{__version__}" == USER_AGENT
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert "X-Auth-Key" not in headers
    assert "X-Auth-Email" not in headers


def test_global_key_requests_send_x_auth_email_and_key(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(f"{BASE}/user", json=ok({"id": "u1"}))
    credentials = Credentials(mode="global_key", email=EMAIL, key=GLOBAL_KEY)

    make_client(delays, credentials=credentials).request("GET", "/user")

    headers = rsps.calls[0].request.headers
    assert headers["X-Auth-Email"] == EMAIL
    assert headers["X-Auth-Key"] == GLOBAL_KEY
    assert headers["User-Agent"] == f"cfaction/{__version__}"
    assert "Authorization" not in headers


@pytest.mark.parametrize("base_url", [BASE, BASE + "/", BASE + "//"])
def test_the_base_url_is_joined_with_the_path_whatever_its_trailing_slash(
    rsps: responses.RequestsMock, delays: list[float], base_url: str
) -> None:
    rsps.get(f"{BASE}/zones/z1", json=ok({"id": "z1"}))

    make_client(delays, base_url=base_url).request("GET", "/zones/z1")

    assert rsps.calls[0].request.url == f"{BASE}/zones/z1"


def test_a_custom_loopback_base_url_is_used(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get("http://127.0.0.1:8787/client/v4/user", json=ok({"id": "u1"}))

    make_client(delays, base_url="http://127.0.0.1:8787/client/v4").request("GET", "/user")

    assert rsps.calls[0].request.url == "http://127.0.0.1:8787/client/v4/user"


# pagination


def page_matcher(page: int, per_page: int, **params: str) -> Any:
    return matchers.query_param_matcher({**params, "page": str(page), "per_page": str(per_page)})


def test_pagination_follows_total_pages_even_when_pages_are_short(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    for page in (1, 2, 3):
        rows = [{"id": f"{page}-{n}"} for n in range(2)]
        rsps.get(
            ZONES,
            json=ok(rows, result_info={"page": page, "per_page": 50, "total_pages": 3}),
            match=[page_matcher(page, 50, name="example.com")],
        )
    client = make_client(delays)

    rows = list(client.paginate("/zones", {"name": "example.com"}))

    assert [row["id"] for row in rows] == ["1-0", "1-1", "2-0", "2-1", "3-0", "3-1"]
    assert client.calls == 3
    assert [query(call) for call in rsps.calls] == [
        {"name": ["example.com"], "page": [str(p)], "per_page": ["50"]} for p in (1, 2, 3)
    ]


def test_pagination_stops_on_an_empty_page_even_if_total_pages_says_more(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    info = {"total_pages": 5}
    rsps.get(ZONES, json=ok([{"id": "a"}], result_info=info), match=[page_matcher(1, 5)])
    rsps.get(ZONES, json=ok([], result_info=info), match=[page_matcher(2, 5)])
    client = make_client(delays)

    rows = list(client.paginate("/zones", per_page=5))

    assert rows == [{"id": "a"}]
    assert client.calls == 2


def test_pagination_without_total_pages_stops_on_an_empty_page(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, json=ok([{"id": "a"}, {"id": "b"}]), match=[page_matcher(1, 2)])
    rsps.get(ZONES, json=ok([]), match=[page_matcher(2, 2)])
    client = make_client(delays)

    rows = list(client.paginate("/zones", per_page=2))

    assert rows == [{"id": "a"}, {"id": "b"}]
    assert client.calls == 2


def test_pagination_without_total_pages_stops_on_a_short_page(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(
        ZONES,
        json=ok([{"id": "a"}, {"id": "b"}, {"id": "c"}], result_info={"page": 1, "count": 3}),
        match=[page_matcher(1, 3)],
    )
    rsps.get(ZONES, json=ok([{"id": "d"}]), match=[page_matcher(2, 3)])
    client = make_client(delays)

    rows = list(client.paginate("/zones", per_page=3))

    assert [row["id"] for row in rows] == ["a", "b", "c", "d"]
    assert client.calls == 2


def test_pagination_of_a_single_page_makes_one_call(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(
        ZONES, json=ok([{"id": "a"}], result_info={"total_pages": 1}), match=[page_matcher(1, 50)]
    )
    client = make_client(delays)

    assert list(client.paginate("/zones")) == [{"id": "a"}]
    assert client.calls == 1


def test_pagination_passes_the_permission_to_the_hint(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.get(ZONES, status=403, json=failure(error(10000, "Authentication error")))

    with pytest.raises(PermissionDeniedError) as excinfo:
        list(make_client(delays).paginate("/zones", permission=ZONE_READ))

    assert f"It needs {ZONE_READ}." in excinfo.value.hint


# writes that are not safe to repeat: checked after a lost answer (Client.write)

SCRIPTS = f"{BASE}/accounts/a1/workers/scripts/w"


class Check:
    """A lost-answer check that answers from a list, and records the ``since`` it got."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.since: list[float] = []

    def __call__(self, since: float) -> Any:
        self.since.append(since)
        return self.answers.pop(0)


def test_a_write_answered_at_once_costs_one_call_and_no_check(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.post(f"{SCRIPTS}/versions", json=ok({"id": "v1"}))
    check = Check()
    client = make_client(delays)

    envelope = client.write("POST", "/accounts/a1/workers/scripts/w/versions", check=check)

    assert (envelope.result, envelope.recovered) == ({"id": "v1"}, False)
    assert (client.calls, check.since, delays) == (1, [], [])


@pytest.mark.parametrize(
    "lost",
    [
        {"status": 500, "json": failure(error(10001, "Internal server error"))},
        {"status": 522, "body": HTML_522},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ConnectionError("connection reset by peer")},
    ],
    ids=["500", "HTML 522", "timeout", "reset"],
)
def test_a_write_whose_answer_is_lost_is_not_sent_again_when_the_check_finds_it(
    rsps: responses.RequestsMock, delays: list[float], lost: dict[str, Any]
) -> None:
    rsps.post(f"{SCRIPTS}/versions", **lost)
    check = Check({"id": "v1"})
    notes: list[str] = []
    client = make_client(delays, notes=notes)
    started = time.time()

    envelope = client.write("POST", "/accounts/a1/workers/scripts/w/versions", check=check)

    assert (envelope.result, envelope.recovered) == ({"id": "v1"}, True)
    assert client.calls == 1  # the check's own reads are the caller's
    assert len(delays) == 1  # a pause lets a slow attempt finish before the check
    # Before any answer told Cloudflare's clock, the check looks 30 s back.
    assert started - 30 <= check.since[0] < started - 29
    assert "but the write was applied; not sent again" in notes[-1]


def test_a_write_the_check_does_not_find_is_sent_again_then_fails_after_its_retries(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    for _ in range(3):
        rsps.post(f"{SCRIPTS}/deployments", status=502, body="")
    check = Check(None, None, None)
    client = make_client(delays)

    with pytest.raises(ServerError):
        client.write("POST", "/accounts/a1/workers/scripts/w/deployments", check=check)

    assert client.calls == 3
    assert len(check.since) == 3  # checked before each new attempt, and after the last


def test_a_resent_write_refused_as_already_there_takes_what_the_lost_attempt_made(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    path = "/accounts/a1/queues/q1/consumers"
    rsps.post(f"{BASE}{path}", body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.post(f"{BASE}{path}", status=400, json=failure(error(11004, "consumer exists")))
    # The first check missed the consumer (made after the check read); the refusal finds it.
    check = Check(None, {"consumer_id": "c1"})
    client = make_client(delays)

    envelope = client.write("POST", path, check=check, conflict_codes={11004})

    assert (envelope.result, envelope.recovered) == ({"consumer_id": "c1"}, True)
    assert client.calls == 2


def test_a_first_attempt_refused_with_a_conflict_code_is_an_error_not_a_recovery(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    path = "/accounts/a1/queues/q1/consumers"
    rsps.post(f"{BASE}{path}", status=400, json=failure(error(11004, "consumer exists")))
    check = Check()
    client = make_client(delays)

    with pytest.raises(APIError) as excinfo:
        client.write("POST", path, check=check, conflict_codes={11004})

    assert excinfo.value.codes() == [11004]
    assert check.since == []


def test_a_write_whose_check_cannot_read_is_not_sent_blindly(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.post(f"{SCRIPTS}/versions", status=500, json=failure(error(10001, "Internal error")))

    def unreadable(_since: float) -> Any:
        raise ServerError(status=500, method="GET", path="/accounts/a1/workers/scripts/w/versions")

    client = make_client(delays)

    with pytest.raises(ServerError) as excinfo:
        client.write("POST", "/accounts/a1/workers/scripts/w/versions", check=unreadable)

    assert client.calls == 1
    assert "it may or may not be in effect" in excinfo.value.hint


def test_a_write_looks_back_from_cloudflares_clock_once_an_answer_told_it(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    ahead = time.time() + 3600  # Cloudflare's clock an hour ahead of this machine's
    rsps.get(ZONES, json=ok([]), headers={"Date": formatdate(ahead, usegmt=True)})
    rsps.post(f"{SCRIPTS}/versions", body=requests.exceptions.ReadTimeout("read timed out"))
    check = Check({"id": "v1"})
    client = make_client(delays)
    client.request("GET", "/zones")

    client.write("POST", "/accounts/a1/workers/scripts/w/versions", check=check)

    # Whole seconds of Date, plus the 2 s margin.
    assert ahead - 4 < check.since[0] <= ahead - 1


def test_a_write_rate_limited_is_sent_again_without_a_check(
    rsps: responses.RequestsMock, delays: list[float]
) -> None:
    rsps.post(f"{SCRIPTS}/versions", status=429, body="", headers={"Retry-After": "2"})
    rsps.post(f"{SCRIPTS}/versions", json=ok({"id": "v1"}))
    check = Check()
    client = make_client(delays)

    envelope = client.write("POST", "/accounts/a1/workers/scripts/w/versions", check=check)

    assert envelope.result == {"id": "v1"}
    assert (delays, check.since) == ([2.0], [])
