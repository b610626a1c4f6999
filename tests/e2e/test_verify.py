"""``operation: verify`` end to end: the real entrypoint, run as the runner runs it, against
the emulator over HTTP. Each test checks what a user sees: exit code, outputs, annotations,
summary, and the requests that reached "Cloudflare"."""

from __future__ import annotations

import pytest

from cfemu import Emulator, Fault
from cfemu.demo import (
    DEMO_ACCOUNT_ID,
    DEMO_ACCOUNT_TOKEN,
    DEMO_EMAIL,
    DEMO_GLOBAL_KEY,
    DEMO_READONLY_TOKEN,
    DEMO_TOKEN,
    DEMO_ZONE_ID,
    DEMO_ZONE_TOKEN,
    DEMO_ZONES,
)
from tests.conftest import RunStep

pytestmark = pytest.mark.e2e

UNKNOWN_TOKEN = "UnknownToken0123456789abcdefghijklmnopqr"


def paths(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.log]


def test_active_user_token_and_zone_name_are_verified(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="verify", zone="www.example.com", api_token=DEMO_TOKEN)

    assert run.exit_code == 0, run.stdout
    assert run.outputs["token_status"] == "active"
    assert run.outputs["zone_id"] == DEMO_ZONE_ID
    assert run.outputs["zone_name"] == "example.com"
    assert run.outputs["account_id"] == DEMO_ACCOUNT_ID
    assert run.outputs["dry_run"] == "false"
    # verify, then the walk up: www.example.com (no zone), example.com (found).
    assert paths(emulator) == ["GET /user/tokens/verify", "GET /zones", "GET /zones"]
    assert [r.query["name"] for r in emulator.log[1:]] == [["www.example.com"], ["example.com"]]
    assert run.outputs["api_calls"] == "3"
    assert run.annotations("error") == []
    assert "## cfaction verify · example.com" in run.summary
    assert "user-owned token, active" in run.summary
    assert "Zone → Cache Purge → Purge" in run.summary
    assert "API calls: 3" in run.summary
    result = run.result()
    assert result["ok"] is True
    assert result["token_owner"] == "user"


def test_zone_id_is_checked_with_one_request(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="verify", zone=DEMO_ZONES["example.org"], api_token=DEMO_TOKEN)

    assert run.exit_code == 0
    assert paths(emulator) == ["GET /user/tokens/verify", f"GET /zones/{DEMO_ZONES['example.org']}"]
    assert run.outputs["zone_name"] == "example.org"


def test_account_owned_token_is_verified_with_account_id(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="verify", api_token=DEMO_ACCOUNT_TOKEN, account_id=DEMO_ACCOUNT_ID)

    assert run.exit_code == 0, run.stdout
    assert run.outputs["token_status"] == "active"
    assert run.outputs["account_id"] == DEMO_ACCOUNT_ID
    assert paths(emulator) == [
        "GET /user/tokens/verify",
        f"GET /accounts/{DEMO_ACCOUNT_ID}/tokens/verify",
    ]
    assert "account-owned token, active" in run.summary
    assert run.result()["token_owner"] == "account"


def test_account_owned_token_finds_its_account_through_the_zone(
    step: RunStep, emulator: Emulator
) -> None:
    run = step(operation="verify", api_token=DEMO_ACCOUNT_TOKEN, zone="example.com")

    assert run.exit_code == 0, run.stdout
    assert run.outputs["account_id"] == DEMO_ACCOUNT_ID
    assert run.outputs["zone_id"] == DEMO_ZONE_ID
    assert paths(emulator) == [
        "GET /user/tokens/verify",
        "GET /zones",
        f"GET /accounts/{DEMO_ACCOUNT_ID}/tokens/verify",
    ]


def test_account_owned_token_without_account_id_says_to_set_it(step: RunStep) -> None:
    run = step(operation="verify", api_token=DEMO_ACCOUNT_TOKEN)

    assert run.exit_code == 1
    assert run.outputs["token_status"] == "invalid"
    (error,) = run.annotations("error")
    assert error.properties["title"] == "Cloudflare error 1000"
    assert "Invalid API Token" in error.data
    assert "set account_id" in error.data


def test_bad_token_fails_with_what_to_change(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="verify", api_token=UNKNOWN_TOKEN)

    assert run.exit_code == 1
    assert run.outputs["token_status"] == "invalid"
    assert run.outputs["api_calls"] == "1"
    (error,) = run.annotations("error")
    assert "Invalid API Token (1000)" in error.data
    assert "deleted, rolled or expired" in error.data
    assert "❌ failed" in run.summary
    assert "What went wrong and what to change" in run.summary


def test_bad_token_with_account_id_reports_both_endpoints(
    step: RunStep, emulator: Emulator
) -> None:
    run = step(
        operation="verify", api_token=UNKNOWN_TOKEN, account_id=DEMO_ACCOUNT_ID, zone="example.com"
    )

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert f"nor account {DEMO_ACCOUNT_ID} accepts this token" in error.data
    assert "Zone" in run.summary and "not checked" in run.summary
    assert paths(emulator) == [
        "GET /user/tokens/verify",
        f"GET /accounts/{DEMO_ACCOUNT_ID}/tokens/verify",
    ]


def test_token_without_zone_access_is_told_which_permission_is_missing(step: RunStep) -> None:
    run = step(operation="verify", api_token=DEMO_READONLY_TOKEN, zone="example.com")

    assert run.exit_code == 1
    assert run.outputs["token_status"] == "active"
    assert run.outputs["zone_id"] == ""
    (error,) = run.annotations("error")
    assert error.properties["title"] == "Zone"
    assert "No zone matches 'example.com'" in error.data
    assert "Zone → Zone → Read" in error.data


def test_token_scoped_to_another_zone_gets_a_permission_hint(step: RunStep) -> None:
    run = step(operation="verify", api_token=DEMO_ZONE_TOKEN, zone=DEMO_ZONES["example.org"])

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert error.properties["title"] == "Cloudflare error 9109"
    assert "Unauthorized to access requested resource" in error.data
    assert "It needs Zone → Zone → Read" in error.data


def test_disabled_token_fails(step: RunStep, emulator: Emulator) -> None:
    emulator.state.add_token("Disabled0123456789abcdefghijklmnopqrstuv", status="disabled")

    run = step(operation="verify", api_token="Disabled0123456789abcdefghijklmnopqrstuv")

    assert run.exit_code == 1
    assert run.outputs["token_status"] == "disabled"
    (error,) = run.annotations("error")
    assert "The API token is disabled" in error.data


def test_global_key_pair_is_verified_with_get_user(step: RunStep, emulator: Emulator) -> None:
    run = step(
        operation="verify", email=DEMO_EMAIL, global_key=DEMO_GLOBAL_KEY, zone="example.co.uk"
    )

    assert run.exit_code == 0, run.stdout
    assert run.outputs["token_status"] == "valid"
    assert run.outputs["zone_id"] == DEMO_ZONES["example.co.uk"]
    assert paths(emulator)[0] == "GET /user"
    assert emulator.log[0].header("X-Auth-Email") == DEMO_EMAIL
    assert emulator.log[0].header("Authorization") is None


def test_wrong_global_key_says_which_pair_is_unknown(step: RunStep) -> None:
    run = step(operation="verify", email="someone@example.com", global_key=DEMO_GLOBAL_KEY)

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert error.properties["title"] == "Cloudflare error 9103"
    assert "does not know this email and Global API Key pair" in error.data


def test_pasted_bearer_prefix_works_with_a_warning(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="verify", api_token=f"Bearer {DEMO_TOKEN}\n")

    assert run.exit_code == 0
    (warning,) = run.annotations("warning")
    assert "Bearer" in warning.data and warning.properties["title"] == "Input api_token"
    assert emulator.log[0].header("Authorization") == f"Bearer {DEMO_TOKEN}"


def test_malformed_token_gets_the_header_format_hint(step: RunStep) -> None:
    # A bearer token's characters, but not in the form Cloudflare issues (no dots)
    run = step(operation="verify", api_token="dotted.token.of.a.bearer.form.0123456789")

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert "Invalid format for Authorization header (6111)" in error.data
    assert "holds only the token" in error.data


def test_ip_filtered_token_is_explained(step: RunStep, emulator: Emulator) -> None:
    emulator.state.add_token("IpFiltered0123456789abcdefghijklmnopqrst", allowed_ips={"192.0.2.1"})

    run = step(operation="verify", api_token="IpFiltered0123456789abcdefghijklmnopqrst")

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert "Cannot use the access token from location" in error.data
    assert "IP Address Filtering" in error.data


def test_zone_name_in_two_accounts_is_an_error_listing_both(
    step: RunStep, emulator: Emulator
) -> None:
    other = emulator.state.add_account("Other Account")
    duplicate = emulator.state.add_zone("example.com", account_id=other.id, status="pending")

    run = step(operation="verify", email=DEMO_EMAIL, global_key=DEMO_GLOBAL_KEY, zone="example.com")

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert "matches 2 zones" in error.data
    assert DEMO_ZONE_ID in error.data and duplicate.id in error.data
    assert "Other Account" in error.data and "Set account_id" in error.data


def test_account_id_picks_the_zone_of_that_account(step: RunStep, emulator: Emulator) -> None:
    other = emulator.state.add_account("Other Account")
    emulator.state.add_zone("example.com", account_id=other.id)

    run = step(
        operation="verify", api_token=DEMO_TOKEN, zone="example.com", account_id=DEMO_ACCOUNT_ID
    )

    assert run.exit_code == 0
    assert run.outputs["zone_id"] == DEMO_ZONE_ID
    assert emulator.log[1].query["account.id"] == [DEMO_ACCOUNT_ID]


def test_rate_limit_and_server_errors_are_retried(step: RunStep, emulator: Emulator) -> None:
    emulator.faults.add(Fault(kind="status", status=429, retry_after=0, path="/tokens/verify"))
    emulator.faults.add(Fault(kind="html", status=522, path="^/zones$", times=1))

    run = step(operation="verify", api_token=DEMO_TOKEN, zone="example.com")

    assert run.exit_code == 0, run.stdout
    assert paths(emulator) == ["GET /user/tokens/verify"] * 2 + ["GET /zones"] * 2
    assert run.outputs["api_calls"] == "4"
    assert any("HTTP 429; retry 1 of 2" in line for line in run.log_lines())


def test_retries_end_with_a_clear_error(step: RunStep, emulator: Emulator) -> None:
    emulator.faults.add(Fault(kind="status", status=429, retry_after=0, times=0))

    run = step(operation="verify", api_token=DEMO_TOKEN, max_retries="1")

    assert run.exit_code == 1
    assert run.outputs["api_calls"] == "2"
    (error,) = run.annotations("error")
    assert "Please wait and consider throttling" in error.data
    assert "raise max_retries" in error.data


def test_summary_input_false_writes_no_summary(step: RunStep) -> None:
    run = step(operation="verify", api_token=DEMO_TOKEN, summary="false")

    assert run.exit_code == 0
    assert run.summary == ""
