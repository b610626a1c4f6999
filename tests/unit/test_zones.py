"""Tests for cfaction.zones: IDs as is, names resolved by walking up labels, all cached."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from cfaction.client import Client
from cfaction.credentials import Credentials
from cfaction.errors import PermissionDeniedError, ZoneError
from cfaction.permissions import ZONE_READ
from cfaction.values import ZoneRef
from cfaction.zones import Zone, ZoneResolver
from tests.helpers import ACCOUNT_ID, BASE, TOKEN, ZONE_ID, failure, ok

ZONES = f"{BASE}/zones"
OTHER_ZONE_ID = "9a7806061c88ada191ed06f989cc3dac"
OTHER_ACCOUNT_ID = "f2c5b7f0b3e44d1c8b2d3e4f5a6b7c8d"


def zone_row(
    name: str, zone_id: str = ZONE_ID, account_id: str = ACCOUNT_ID, account_name: str = "Acme"
) -> dict[str, Any]:
    return {
        "id": zone_id,
        "name": name,
        "status": "active",
        "account": {"id": account_id, "name": account_name},
    }


def no_sleep(delay: float) -> None:
    raise AssertionError(f"no retry expected, but the client slept {delay} s")


@pytest.fixture
def client() -> Client:
    return Client(
        base_url=BASE,
        credentials=Credentials(mode="token", token=TOKEN),
        max_retries=0,
        sleep=no_sleep,
    )


def answer_lookup(
    rsps: responses.RequestsMock,
    name: str,
    rows: list[dict[str, Any]],
    account_id: str | None = None,
) -> None:
    """Register one ``GET /zones?name=<name>`` answer, matched on its exact query."""
    params = {"name": name, "page": "1", "per_page": "50"}
    if account_id:
        params["account.id"] = account_id
    rsps.get(
        ZONES,
        json=ok(
            rows,
            result_info={
                "page": 1,
                "per_page": 50,
                "count": len(rows),
                "total_count": len(rows),
                "total_pages": 1 if rows else 0,
            },
        ),
        match=[responses.matchers.query_param_matcher(params)],
    )


def looked_up(rsps: responses.RequestsMock) -> list[str]:
    """The ``name=`` of every request sent, in order."""
    return [query(call)["name"][0] for call in rsps.calls]


def query(call: Any) -> dict[str, list[str]]:
    """The query parameters of one recorded request."""
    return parse_qs(urlsplit(call.request.url).query)


# zone IDs


def test_a_zone_id_is_used_as_is_with_no_request(
    rsps: responses.RequestsMock, client: Client
) -> None:
    zone = ZoneResolver(client).resolve(ZoneRef(id=ZONE_ID))

    assert zone == Zone(ZONE_ID)
    assert zone.display_name == ZONE_ID
    assert client.calls == 0


def test_details_gets_the_zone_once_and_then_uses_the_cache(
    rsps: responses.RequestsMock, client: Client
) -> None:
    rsps.get(f"{ZONES}/{ZONE_ID}", json=ok(zone_row("example.com")))
    resolver = ZoneResolver(client)

    first = resolver.details(ZONE_ID)
    second = resolver.details(ZONE_ID)
    resolved = resolver.resolve(ZoneRef(id=ZONE_ID), details=True)
    plain = resolver.resolve(ZoneRef(id=ZONE_ID))

    expected = Zone(ZONE_ID, "example.com", ACCOUNT_ID, "Acme", "active")
    assert first == second == resolved == plain == expected
    assert first.display_name == "example.com"
    assert client.calls == 1


def test_resolve_with_details_asks_for_the_zone_by_id(
    rsps: responses.RequestsMock, client: Client
) -> None:
    rsps.get(f"{ZONES}/{ZONE_ID}", json=ok(zone_row("example.com")))

    zone = ZoneResolver(client).resolve(ZoneRef(id=ZONE_ID), details=True)

    assert zone.name == "example.com"
    assert zone.account_id == ACCOUNT_ID
    assert client.calls == 1


def test_details_of_a_refused_zone_names_zone_read_in_the_hint(
    rsps: responses.RequestsMock, client: Client
) -> None:
    rsps.get(
        f"{ZONES}/{ZONE_ID}",
        status=403,
        json=failure(10000, "Authentication error"),
    )

    with pytest.raises(PermissionDeniedError) as excinfo:
        ZoneResolver(client).details(ZONE_ID)

    assert f"It needs {ZONE_READ}." in excinfo.value.hint


# names


def test_a_hostname_walks_up_its_labels_until_a_zone_matches(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(rsps, "www.shop.example.co.uk", [])
    answer_lookup(rsps, "shop.example.co.uk", [])
    answer_lookup(rsps, "example.co.uk", [zone_row("example.co.uk")])

    zone = ZoneResolver(client).resolve(ZoneRef(name="www.shop.example.co.uk"))

    assert zone == Zone(ZONE_ID, "example.co.uk", ACCOUNT_ID, "Acme", "active")
    assert looked_up(rsps) == ["www.shop.example.co.uk", "shop.example.co.uk", "example.co.uk"]
    assert client.calls == 3


def test_an_exact_zone_name_costs_one_request(rsps: responses.RequestsMock, client: Client) -> None:
    answer_lookup(rsps, "example.com", [zone_row("example.com")])

    zone = ZoneResolver(client).resolve(ZoneRef(name="example.com"))

    assert zone.id == ZONE_ID
    assert client.calls == 1


def test_a_known_account_id_restricts_every_lookup(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(rsps, "www.example.com", [], account_id=ACCOUNT_ID)
    answer_lookup(rsps, "example.com", [zone_row("example.com")], account_id=ACCOUNT_ID)

    zone = ZoneResolver(client, ACCOUNT_ID).resolve(ZoneRef(name="www.example.com"))

    assert zone.id == ZONE_ID
    for call in rsps.calls:
        assert query(call)["account.id"] == [ACCOUNT_ID]


def test_without_an_account_id_no_account_filter_is_sent(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(rsps, "example.com", [zone_row("example.com")])

    ZoneResolver(client).resolve(ZoneRef(name="example.com"))

    assert "account.id" not in query(rsps.calls[0])


def test_each_candidate_is_looked_up_at_most_once_across_hostnames(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(rsps, "a.example.com", [])
    answer_lookup(rsps, "example.com", [zone_row("example.com")])
    answer_lookup(rsps, "b.example.com", [])
    resolver = ZoneResolver(client)

    zones = [
        resolver.find_for_host(host)
        for host in (
            "a.example.com",
            "b.example.com",
            "a.example.com",
            "example.com",
            "B.Example.com.",
        )
    ]

    assert {zone.id if zone else None for zone in zones} == {ZONE_ID}
    assert looked_up(rsps) == ["a.example.com", "example.com", "b.example.com"]
    assert client.calls == 3


def test_a_zone_found_by_name_needs_no_details_request(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(rsps, "example.com", [zone_row("example.com")])
    resolver = ZoneResolver(client)

    by_name = resolver.resolve(ZoneRef(name="example.com"))
    by_id = resolver.resolve(ZoneRef(id=ZONE_ID), details=True)

    assert by_id == by_name
    assert client.calls == 1


def test_rows_that_are_not_an_exact_match_are_ignored(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(
        rsps, "example.com", [zone_row("notexample.com", OTHER_ZONE_ID), zone_row("Example.com")]
    )

    zone = ZoneResolver(client).resolve(ZoneRef(name="example.com"))

    assert zone.id == ZONE_ID


def test_a_name_that_matches_no_zone_lists_what_was_tried_and_the_permission(
    rsps: responses.RequestsMock, client: Client
) -> None:
    for name in ("www.shop.example.co.uk", "shop.example.co.uk", "example.co.uk", "co.uk"):
        answer_lookup(rsps, name, [])

    with pytest.raises(ZoneError) as excinfo:
        ZoneResolver(client).resolve(ZoneRef(name="www.shop.example.co.uk"))

    message = excinfo.value.message
    assert message.startswith("No zone matches 'www.shop.example.co.uk'")
    assert (
        "(looked up: www.shop.example.co.uk, shop.example.co.uk, example.co.uk, co.uk)" in message
    )
    assert "Zone → Zone → Read" in message
    assert "give the Zone ID" in message
    assert excinfo.value.title == "Zone"
    assert client.calls == 4


def test_a_name_not_found_in_the_given_account_says_which_account(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(rsps, "example.com", [], account_id=ACCOUNT_ID)

    with pytest.raises(ZoneError) as excinfo:
        ZoneResolver(client, ACCOUNT_ID).resolve(ZoneRef(name="example.com"))

    assert excinfo.value.message.startswith(
        f"No zone in account {ACCOUNT_ID} matches 'example.com' (looked up: example.com)."
    )


def test_find_for_host_returns_none_when_nothing_matches(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(rsps, "example.org", [])

    assert ZoneResolver(client).find_for_host("example.org") is None


def test_a_name_matching_zones_in_two_accounts_lists_both_accounts(
    rsps: responses.RequestsMock, client: Client
) -> None:
    answer_lookup(rsps, "www.example.com", [])
    answer_lookup(
        rsps,
        "example.com",
        [
            zone_row("example.com", ZONE_ID, ACCOUNT_ID, "Acme"),
            zone_row("example.com", OTHER_ZONE_ID, OTHER_ACCOUNT_ID, "Acme Staging"),
        ],
    )

    with pytest.raises(ZoneError) as excinfo:
        ZoneResolver(client).resolve(ZoneRef(name="www.example.com"))

    message = excinfo.value.message
    assert message.startswith("The name 'example.com' matches 2 zones:")
    assert f"{ZONE_ID} in account Acme ({ACCOUNT_ID})" in message
    assert f"{OTHER_ZONE_ID} in account Acme Staging ({OTHER_ACCOUNT_ID})" in message
    assert "Set account_id" in message


def test_zone_from_api_tolerates_a_missing_account() -> None:
    assert Zone.from_api({"id": ZONE_ID, "name": "example.com"}) == Zone(ZONE_ID, "example.com")
