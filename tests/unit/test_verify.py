"""Tests for ``operation: verify`` (cfaction.ops.verify): which endpoints it asks, in which
order, and what the outcome says, with a real Client whose HTTP is mocked by ``responses``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from responses import matchers

from cfaction.errors import AuthError, ServerError, ZoneError
from tests.helpers import ACCOUNT_ID, BASE, ZONE_ID, Run, failure, ok

ZONE = {
    "id": ZONE_ID,
    "name": "example.com",
    "status": "active",
    "account": {"id": ACCOUNT_ID, "name": "Acme"},
}


def calls(rsps: responses.RequestsMock) -> list[str]:
    return [f"{c.request.method} {c.request.url.removeprefix(BASE)}" for c in rsps.calls]


def token(status: str = "active", **extra: Any) -> dict[str, Any]:
    return ok({"id": "t1", "status": status, **extra})


def answer_zone(rsps: responses.RequestsMock, zone: dict[str, Any] = ZONE) -> None:
    rsps.get(f"{BASE}/zones/{ZONE_ID}", json=ok(zone))


def test_an_active_token_and_a_zone_id_cost_two_reads(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BASE}/user/tokens/verify", json=token())
    answer_zone(rsps)

    outcome = Run("verify", zone=ZONE_ID).perform()

    assert outcome.problems == []
    assert calls(rsps) == ["GET /user/tokens/verify", f"GET /zones/{ZONE_ID}"]
    assert outcome.outputs == {"token_status": "active"}
    assert (outcome.zone and outcome.zone.name, outcome.account_id) == ("example.com", ACCOUNT_ID)
    assert outcome.heading == "verify · example.com"
    assert outcome.notes == [
        "Credentials: API token: user-owned token, active ✅",
        f"Zone: example.com ({ZONE_ID}), account Acme, status active ✅",
    ]
    assert outcome.result["token_owner"] == "user"
    assert "| verify | Zone → Zone → Read | when zone is given |" in outcome.markdown
    assert "| purge | Zone → Cache Purge → Purge | always |" in outcome.markdown


def test_an_account_owned_token_is_verified_through_the_zones_account(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{BASE}/user/tokens/verify", status=401, json=failure(1000, "Invalid API Token"))
    answer_zone(rsps)
    rsps.get(f"{BASE}/accounts/{ACCOUNT_ID}/tokens/verify", json=token())

    outcome = Run("verify", zone=ZONE_ID).perform()

    assert outcome.problems == []
    assert calls(rsps) == [
        "GET /user/tokens/verify",
        f"GET /zones/{ZONE_ID}",
        f"GET /accounts/{ACCOUNT_ID}/tokens/verify",
    ]
    assert outcome.result["token_owner"] == "account"


def test_a_token_neither_endpoint_knows_says_what_to_check(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BASE}/user/tokens/verify", status=401, json=failure(1000, "Invalid API Token"))
    rsps.get(
        f"{BASE}/accounts/{ACCOUNT_ID}/tokens/verify",
        status=401,
        json=failure(1000, "Invalid API Token"),
    )

    outcome = Run("verify", account_id=ACCOUNT_ID).perform()

    (problem,) = outcome.problems
    assert isinstance(problem, AuthError)
    assert problem.hint.startswith(
        f"Neither the user token endpoint nor account {ACCOUNT_ID} accepts this token."
    )
    assert outcome.outputs["token_status"] == "invalid"


def test_without_an_account_a_refused_token_asks_for_account_id(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{BASE}/user/tokens/verify", status=401, json=failure(1000, "Invalid API Token"))

    outcome = Run("verify").perform()

    (problem,) = outcome.problems
    assert isinstance(problem, AuthError)
    assert "set account_id so cfaction can verify it" in problem.hint
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("status", ["disabled", "expired"])
def test_an_inactive_token_is_a_problem_and_the_zone_is_not_read(
    rsps: responses.RequestsMock, status: str
) -> None:
    rsps.get(f"{BASE}/user/tokens/verify", json=token(status))

    outcome = Run("verify", zone=ZONE_ID).perform()

    (problem,) = outcome.problems
    assert problem.title == "API token"
    assert problem.message.startswith(f"The API token is {status}, so Cloudflare will refuse it.")
    assert outcome.notes[1] == "Zone: not checked (the credentials failed)"
    assert len(rsps.calls) == 1


def test_a_token_that_expires_soon_is_a_warning(rsps: responses.RequestsMock) -> None:
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rsps.get(f"{BASE}/user/tokens/verify", json=token(expires_on=soon))

    outcome = Run("verify").perform()

    assert outcome.problems == []
    (warning,) = outcome.warnings
    assert warning.title == "API token"
    assert warning.message == (
        f"The API token expires on {soon}; roll it or extend its TTL before then."
    )


@pytest.mark.parametrize(
    ("zone", "given_account", "title", "message"),
    [
        (
            {**ZONE, "status": "pending"},
            None,
            "Zone",
            "Zone example.com is pending, not active: purges and Worker routes take effect "
            "only once its nameservers point to Cloudflare.",
        ),
        (
            ZONE,
            "f" * 32,
            "Input account_id",
            f"Zone example.com belongs to account {ACCOUNT_ID}, not account_id {'f' * 32}.",
        ),
    ],
)
def test_a_zone_that_looks_wrong_is_a_warning(
    rsps: responses.RequestsMock,
    zone: dict[str, Any],
    given_account: str | None,
    title: str,
    message: str,
) -> None:
    rsps.get(f"{BASE}/user/tokens/verify", json=token())
    answer_zone(rsps, zone)

    given = {"account_id": given_account} if given_account else {}
    outcome = Run("verify", zone=ZONE_ID, **given).perform()

    assert outcome.problems == []
    assert [(w.title, w.message) for w in outcome.warnings] == [(title, message)]
    assert outcome.notes[1].endswith("⚠️")


def test_a_global_key_is_proved_by_reading_the_user(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{BASE}/user",
        json=ok({"id": "u1"}),
        match=[matchers.header_matcher({"X-Auth-Email": "ops@example.com"})],
    )

    outcome = Run("verify", email="ops@example.com", global_key="a" * 37).perform()

    assert outcome.problems == []
    assert outcome.outputs == {"token_status": "valid"}
    assert outcome.notes[0] == "Credentials: email + Global API Key: accepted ✅"


def test_a_zone_name_no_zone_matches_is_a_problem_after_the_credentials(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{BASE}/user/tokens/verify", json=token())
    for name in ("www.example.net", "example.net"):
        rsps.get(
            f"{BASE}/zones",
            json=ok([], result_info={"page": 1, "per_page": 50, "total_pages": 1}),
            match=[matchers.query_param_matcher({"name": name, "page": "1", "per_page": "50"})],
        )

    outcome = Run("verify", zone="www.example.net").perform()

    (problem,) = outcome.problems
    assert isinstance(problem, ZoneError)
    assert outcome.notes[1].startswith("Zone: ❌ not reachable: No zone matches 'www.example.net'")
    assert outcome.outputs == {"token_status": "active"}


def test_verify_never_writes_even_without_dry_run(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BASE}/user/tokens/verify", json=token())

    run = Run("verify")
    outcome = run.perform()

    assert run.settings.operation.apply is None
    assert outcome.problems == []
    assert [c.request.method for c in rsps.calls] == ["GET"]


def test_a_server_error_leaves_the_token_status_unknown_not_invalid(
    rsps: responses.RequestsMock,
) -> None:
    for _ in range(3):  # the first attempt and max_retries 2
        rsps.get(f"{BASE}/user/tokens/verify", status=500, json=failure(10000, "Internal"))

    outcome = Run("verify", zone=ZONE_ID).perform()

    (problem,) = outcome.problems
    assert isinstance(problem, ServerError)
    assert "not allowed" not in problem.hint  # a 5xx carrying 10000 is not a permission
    assert outcome.outputs["token_status"] == "unknown"
    assert "not checked: Cloudflare did not answer" in outcome.markdown
    assert "not checked (the credentials could not be checked)" in outcome.markdown
