"""Tests for cfaction.hints: each catalogue entry fires for its code and names what to change."""

from __future__ import annotations

import pytest

from cfaction.errors import ErrorDetail
from cfaction.hints import HintContext, hint_for
from cfaction.permissions import CACHE_PURGE, ZONE_READ

ZONE_PATH = "/zones/023e105f4ecef8ad9ca31a8372d0c353"
ACCOUNT_PATH = "/accounts/01a7362d577a6c3019a474fd6f485823/workers/scripts/site"


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
