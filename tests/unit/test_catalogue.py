"""Tests for cfaction.catalogue: each entry fires for its code and names what to change, and
one lookup decides the error class, the retry rule and the hint together."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from cfaction.catalogue import (
    CATALOGUE,
    RETRY_TABLE,
    HintContext,
    Verdict,
    class_for_status,
    hint_for,
    lookup,
    retry_rule,
)
from cfaction.client import Client
from cfaction.credentials import Credentials
from cfaction.errors import (
    APIError,
    AuthError,
    ErrorDetail,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from cfaction.permissions import CACHE_PURGE, ZONE_READ
from tests.helpers import ACCOUNT_ID, BASE, TOKEN, ZONE_ID, failure, ok

ZONE_PATH = f"/zones/{ZONE_ID}"
ACCOUNT_PATH = f"/accounts/{ACCOUNT_ID}/workers/scripts/site"


def ctx(
    path: str = ZONE_PATH,
    *,
    mode: str = "token",
    method: str = "GET",
    permission: str | None = None,
) -> HintContext:
    return HintContext(credential_mode=mode, method=method, path=path, permission=permission)


def detail(code: int, message: str, *chain: tuple[int, str]) -> ErrorDetail:
    return ErrorDetail(code, message, tuple(ErrorDetail(c, m) for c, m in chain))


def test_6111_says_the_token_could_not_be_read_and_names_api_token() -> None:
    errors = [
        detail(6003, "Invalid request headers", (6111, "Invalid format for Authorization header"))
    ]

    hint = hint_for(400, errors, ctx())

    assert hint.startswith("Cloudflare could not read the API token.")
    assert "api_token holds only the token" in hint
    assert "global_key together with email" in hint


def test_6103_says_the_global_key_could_not_be_read() -> None:
    errors = [
        detail(6003, "Invalid request headers", (6103, "Invalid format for X-Auth-Key header"))
    ]

    hint = hint_for(400, errors, ctx(mode="global_key"))

    assert hint.startswith("Cloudflare could not read the Global API Key.")
    assert "put it in api_token and remove email and global_key" in hint


def test_6102_asks_for_the_login_email() -> None:
    errors = [
        detail(6003, "Invalid request headers", (6102, "Invalid format for X-Auth-Email header"))
    ]

    hint = hint_for(400, errors, ctx(mode="global_key"))

    assert hint == (
        "Set email to the address you log in to Cloudflare with (the owner of the Global key)."
    )


def test_9106_says_no_credentials_reached_cloudflare() -> None:
    errors = [detail(9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")]

    hint = hint_for(400, errors, ctx())

    assert hint.startswith("No credentials reached Cloudflare.")
    assert "Set api_token (or email and global_key)" in hint
    assert "secret exists" in hint


def test_9103_says_the_email_and_key_pair_is_unknown() -> None:
    errors = [detail(9103, "Unknown X-Auth-Key or X-Auth-Email")]

    hint = hint_for(403, errors, ctx(mode="global_key"))

    assert hint.startswith("Cloudflare does not know this email and Global API Key pair.")
    assert "global_key" in hint


def test_9109_from_a_location_points_to_the_token_ip_filter() -> None:
    errors = [detail(9109, "Cannot use the access token from location: 192.0.2.10")]

    hint = hint_for(403, errors, ctx())

    assert hint.startswith("The token's Client IP Address Filtering does not allow")
    assert "remove the IP filter" in hint


def test_9109_invalid_access_token_says_the_token_is_not_valid() -> None:
    errors = [detail(9109, "Invalid access token")]

    hint = hint_for(401, errors, ctx())

    assert hint.startswith("The API token is not valid:")
    assert "update the secret used for api_token" in hint
    assert "account_id" in hint


def test_1000_invalid_api_token_says_the_token_is_not_valid() -> None:
    errors = [detail(1000, "Invalid API Token")]

    assert hint_for(400, errors, ctx()).startswith("The API token is not valid:")


def test_1000_with_another_message_has_no_token_hint() -> None:
    assert hint_for(400, [detail(1000, "Something else entirely")], ctx()) == ""


def test_9109_unauthorized_is_a_permission_problem() -> None:
    errors = [detail(9109, "Unauthorized to access requested resource")]

    hint = hint_for(403, errors, ctx(permission=ZONE_READ))

    assert hint.startswith(f"The credentials are valid but not allowed to GET {ZONE_PATH}.")
    assert f"It needs {ZONE_READ}." in hint


def test_10000_with_a_permission_names_it_and_the_token_edit() -> None:
    path = f"{ZONE_PATH}/purge_cache"
    errors = [detail(10000, "Authentication error")]

    hint = hint_for(403, errors, ctx(path, method="POST", permission=CACHE_PURGE))

    assert hint == (
        f"The credentials are valid but not allowed to POST {path}. It needs {CACHE_PURGE}. "
        "Edit the token: add the permission and include this zone or account in its "
        "resources, or use a token that has them."
    )


def test_10000_without_a_permission_does_not_claim_one() -> None:
    hint = hint_for(403, [detail(10000, "Authentication error")], ctx())

    assert hint.startswith(f"The credentials are valid but not allowed to GET {ZONE_PATH}. Edit")
    assert "It needs" not in hint


def test_10000_with_a_global_key_talks_about_the_user_role_not_the_token() -> None:
    hint = hint_for(403, [detail(10000, "Authentication error")], ctx(mode="global_key"))

    assert "The Global API Key acts as its user" in hint
    assert "Edit the token" not in hint


def test_7003_on_a_zone_path_points_to_the_zone_input() -> None:
    errors = [
        detail(
            7003,
            "Could not route to /client/v4/zones/example.com, perhaps your object "
            "identifier is invalid?",
        ),
        detail(7000, "No route for that URI"),
    ]

    hint = hint_for(400, errors, ctx("/zones/example.com"))

    assert hint.startswith("Cloudflare does not know this zone ID. Check zone:")
    assert "write the domain name" in hint


def test_7003_on_an_account_path_points_to_account_id() -> None:
    errors = [detail(7003, "Could not route to /client/v4/accounts/x/workers/scripts/site")]

    hint = hint_for(404, errors, ctx(ACCOUNT_PATH))

    assert hint.startswith("Cloudflare does not know this account ID. Check account_id:")
    assert "dash.cloudflare.com/<account_id>" in hint


@pytest.mark.parametrize("code", [7000, 1003])
def test_other_bad_identifier_codes_point_to_the_zone_input(code: int) -> None:
    hint = hint_for(400, [detail(code, "Invalid or missing zone id.")], ctx())

    assert hint.startswith("Cloudflare does not know this zone ID.")


def test_1001_account_owned_tokens_says_to_use_a_user_token() -> None:
    errors = [detail(1001, "List accounts endpoint does not support account owned tokens.")]

    hint = hint_for(400, errors, ctx("/accounts"))

    assert hint == "This endpoint does not accept account-owned tokens; use a user API token here."


def test_1001_with_another_message_has_no_hint() -> None:
    assert hint_for(400, [detail(1001, "Some other 1001")], ctx()) == ""


@pytest.mark.parametrize(
    ("status", "errors"),
    [
        (429, []),
        (429, [detail(971, "Please wait and consider throttling your request speed")]),
        (400, [detail(971, "Please wait and consider throttling your request speed")]),
        (400, [detail(10100, "More than 1200 requests per 300 seconds reached.")]),
    ],
)
def test_rate_limits_suggest_max_retries_and_fewer_jobs(
    status: int, errors: list[ErrorDetail]
) -> None:
    hint = hint_for(status, errors, ctx())

    assert hint.startswith("Cloudflare rate-limited these credentials after every retry.")
    assert "raise max_retries" in hint


@pytest.mark.parametrize("status", [500, 502, 503, 522])
def test_server_errors_suggest_rerunning_later(status: int) -> None:
    hint = hint_for(status, [], ctx())

    assert hint.startswith("Cloudflare had a server-side problem on every attempt.")
    assert "https://www.cloudflarestatus.com" in hint


@pytest.mark.parametrize(
    ("status", "errors"),
    [
        (400, [detail(1234, "Unknown problem")]),
        (400, []),
        (404, []),
        (400, [ErrorDetail(None, "No code at all")]),
    ],
)
def test_an_unknown_code_gives_no_hint(status: int, errors: list[ErrorDetail]) -> None:
    assert hint_for(status, errors, ctx()) == ""


def test_a_code_deep_in_an_error_chain_is_found() -> None:
    nested = ErrorDetail(
        6003,
        "Invalid request headers",
        (ErrorDetail(1, "outer", (ErrorDetail(6111, "Invalid format for Authorization header"),)),),
    )

    assert hint_for(400, [nested], ctx()).startswith("Cloudflare could not read the API token.")


def test_a_credential_hint_wins_over_a_permission_hint() -> None:
    errors = [detail(10000, "Authentication error"), detail(9106, "Missing headers")]

    assert hint_for(403, errors, ctx()).startswith("No credentials reached Cloudflare.")


# one verdict: class, retry rule and hint decided together


SERVER_HINT = "Cloudflare had a server-side problem on every attempt."


def client(delays: list[float]) -> Client:
    return Client(
        base_url=BASE,
        credentials=Credentials(mode="token", token=TOKEN),
        max_retries=2,
        sleep=delays.append,
        rng=lambda: 0.0,
    )


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("mode", ["token", "global_key"])
def test_a_5xx_carrying_code_10000_is_a_server_error_never_not_allowed(
    status: int, mode: str
) -> None:
    errors = [detail(10000, "Authentication error")]

    verdict = lookup(status, errors, ctx(mode=mode, permission=ZONE_READ))

    assert verdict == Verdict(ServerError, "checked", verdict.hint)
    assert verdict.hint.startswith(SERVER_HINT)
    assert "not allowed" not in verdict.hint
    assert "It needs" not in verdict.hint
    assert hint_for(status, errors, ctx(mode=mode, permission=ZONE_READ)) == verdict.hint


def test_a_5xx_carrying_code_10000_is_retried_and_raised_as_a_server_error(
    rsps: responses.RequestsMock,
) -> None:
    for _ in range(3):
        rsps.get(f"{BASE}{ZONE_PATH}", status=503, json=failure(10000, "Authentication error"))
    delays: list[float] = []
    api = client(delays)

    with pytest.raises(ServerError) as excinfo:
        api.request("GET", ZONE_PATH, permission=ZONE_READ)

    assert type(excinfo.value) is ServerError
    assert excinfo.value.hint.startswith(SERVER_HINT)
    assert "not allowed" not in excinfo.value.hint
    assert api.calls == 3
    assert delays == [0.5, 1.0]


@pytest.mark.parametrize(
    "errors",
    [
        [],
        [detail(971, "Please wait and consider throttling your request speed")],
        [detail(10000, "Authentication error")],
        [detail(1234, "Unknown problem")],
    ],
)
def test_a_429_is_a_rate_limit_retried_always(errors: list[ErrorDetail]) -> None:
    for method in ("GET", "POST"):
        verdict = lookup(429, errors, ctx(method=method))

        assert verdict.error is RateLimitError
        assert verdict.retry == "always"
        assert verdict.hint.startswith("Cloudflare rate-limited these credentials")


def test_a_429_is_retried_even_for_a_post(rsps: responses.RequestsMock) -> None:
    url = f"{BASE}{ZONE_PATH}/dns_records"
    rsps.post(url, status=429, json=failure(10000, "Authentication error"))
    rsps.post(url, json=ok({"id": "r1"}))
    delays: list[float] = []
    api = client(delays)

    envelope = api.request("POST", f"{ZONE_PATH}/dns_records", json_body={"type": "A"})

    assert envelope.result == {"id": "r1"}
    assert api.calls == 2
    assert delays == [0.5]


@pytest.mark.parametrize(
    "errors", [[], [detail(1234, "Try again")], [ErrorDetail(None, "Conflict")]]
)
def test_a_409_with_no_known_code_is_retried_only_for_idempotent_requests(
    errors: list[ErrorDetail],
) -> None:
    verdict = lookup(409, errors, ctx())

    assert verdict == Verdict(APIError, "idempotent", "")


@pytest.mark.parametrize(("method", "calls"), [("PUT", 2), ("DELETE", 2), ("POST", 1)])
def test_a_409_with_no_known_code_is_resent_only_when_it_is_safe(
    rsps: responses.RequestsMock, method: str, calls: int
) -> None:
    path = f"{ZONE_PATH}/dns_records/r1"
    rsps.add(method, f"{BASE}{path}", status=409, json=failure(1234, "Try again"))
    if calls == 2:
        rsps.add(method, f"{BASE}{path}", json=ok({"id": "r1"}))
    api = client([])

    if calls == 2:
        assert api.request(method, path).result == {"id": "r1"}
    else:
        with pytest.raises(APIError) as excinfo:
            api.request(method, path)
        assert type(excinfo.value) is APIError
        assert excinfo.value.status == 409
    assert api.calls == calls


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (10215, "The latest version is not the one that serves all traffic"),
        (81057, "Cloudflare already has this record"),
        (81044, "A record cfaction planned to change no longer exists"),
        (100117, "The custom domain's hostname already has DNS records"),
    ],
)
def test_a_known_deterministic_code_is_never_retried(code: int, hint: str) -> None:
    for method in ("GET", "PUT", "POST"):
        verdict = lookup(409, [detail(code, "Conflict")], ctx(ACCOUNT_PATH, method=method))

        assert verdict.error is APIError
        assert verdict.retry == "never"
        assert verdict.hint.startswith(hint)


def test_10215_at_409_is_sent_once_even_for_a_put(rsps: responses.RequestsMock) -> None:
    path = f"{ACCOUNT_PATH}/secrets"
    rsps.put(f"{BASE}{path}", status=409, json=failure(10215, "Rollout in progress"))
    delays: list[float] = []
    api = client(delays)

    with pytest.raises(APIError) as excinfo:
        api.request("PUT", path, json_body={"name": "A", "text": "x", "type": "secret_text"})

    assert type(excinfo.value) is APIError
    assert excinfo.value.codes() == [10215]
    assert excinfo.value.hint.startswith("The latest version is not the one that serves")
    assert api.calls == 1
    assert delays == []


def test_an_html_page_with_status_200_is_a_server_error_retried_when_idempotent() -> None:
    assert lookup(200, [], ctx(), is_page=True) == Verdict(ServerError, "checked", "")
    assert lookup(200, [], ctx()) == Verdict(APIError, "never", "")


@pytest.mark.parametrize(("method", "calls"), [("GET", 2), ("POST", 1)])
def test_an_html_200_page_is_resent_only_when_it_is_safe(
    rsps: responses.RequestsMock, method: str, calls: int
) -> None:
    page = "<html><title>Just a moment...</title></html>"
    rsps.add(method, f"{BASE}{ZONE_PATH}", status=200, body=page, content_type="text/html")
    if calls == 2:
        rsps.add(method, f"{BASE}{ZONE_PATH}", json=ok({"id": ZONE_ID}))
    api = client([])

    if calls == 2:
        assert api.request(method, ZONE_PATH).result == {"id": ZONE_ID}
    else:
        with pytest.raises(ServerError) as excinfo:
            api.request(method, ZONE_PATH)
        assert excinfo.value.status == 200
        assert "Just a moment..." in excinfo.value.message
    assert api.calls == calls


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, APIError),
        (401, AuthError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (408, APIError),
        (409, APIError),
        (429, RateLimitError),
        (500, ServerError),
        (599, ServerError),
    ],
)
def test_without_an_entry_the_status_decides_the_class(
    status: int, expected: type[APIError]
) -> None:
    assert class_for_status(status) is expected
    assert lookup(status, [detail(1234, "Unknown")], ctx()).error is expected


def test_an_entry_without_a_class_takes_the_status_class_and_keeps_its_hint() -> None:
    errors = [detail(1001, "List accounts endpoint does not support account owned tokens.")]

    verdict = lookup(403, errors, ctx("/accounts"))

    assert verdict.error is PermissionDeniedError
    assert verdict.retry == "never"
    assert verdict.hint.startswith("This endpoint does not accept account-owned tokens")


def test_every_entry_hint_fills_in_without_leftover_placeholders() -> None:
    context = ctx(method="PATCH", permission=ZONE_READ)
    for entry in CATALOGUE:
        hint = entry.hint.format(method="PATCH", path=ZONE_PATH, needed=" It needs x.")
        assert "{" not in hint and "}" not in hint, entry
    assert lookup(403, [detail(10000, "x")], context).hint.startswith(
        f"The credentials are valid but not allowed to PATCH {ZONE_PATH}. It needs {ZONE_READ}."
    )


def test_a_throttle_code_is_retried_whatever_the_status_since_nothing_was_processed() -> None:
    verdict = lookup(400, [ErrorDetail(971, "Please wait and consider throttling")], ctx())

    assert (verdict.error, verdict.retry) == (RateLimitError, "always")
    assert verdict.hint.startswith("Cloudflare rate-limited these credentials")


@pytest.mark.parametrize(
    ("status", "codes", "page", "transport", "rule"),
    [
        (429, [], False, None, "always"),
        (400, [971], False, None, "always"),
        (503, [10100], False, None, "always"),  # a please-wait code wins over the status
        (500, [], False, None, "checked"),
        (502, [10000], False, None, "checked"),
        (522, [], True, None, "checked"),
        (200, [], True, None, "checked"),
        (None, [], False, "lost", "checked"),
        (None, [], False, "connect", "always"),
        (408, [], False, None, "idempotent"),
        (409, [1234], False, None, "idempotent"),
        (400, [], False, None, "never"),
        (403, [10000], False, None, "never"),
        (404, [], False, None, "never"),
        (200, [], False, None, "never"),
    ],
)
def test_the_retry_table_decides_by_status_code_and_transport_together(
    status: int | None, codes: list[int], page: bool, transport: Any, rule: str
) -> None:
    assert retry_rule(status, codes, is_page=page, transport=transport) == rule


def test_a_409_with_a_code_the_catalogue_knows_is_never_retried_by_the_table() -> None:
    assert retry_rule(409, [100117], known=True) == "never"
    assert lookup(409, [detail(100117, "Hostname already has DNS records")], ctx()).retry == (
        "never"
    )


def test_every_retry_rule_says_which_answers_it_covers_and_why() -> None:
    for rule in RETRY_TABLE:
        assert rule.answer and rule.why, rule
        assert rule.retry in ("always", "checked", "idempotent", "never"), rule
