"""Tests for cfaction.ops.purge: the plan (zones, routing, de-duplication, batches), the
apply step (what is sent, what a failure skips) and the Outcome, with a real Client whose
HTTP is mocked by ``responses``. Request counts are exact; nothing sleeps."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import responses
from responses import matchers

from cfaction.errors import (
    ActionError,
    APIError,
    AuthError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    ZoneError,
)
from cfaction.ops.purge.plan import PurgePlan
from cfaction.ops.purge.summary import MAX_ERROR_ANNOTATIONS, MAX_LISTED_FAILURES
from cfaction.zones import Zone
from tests.helpers import ACCOUNT_ID, BASE, ZONE_ID, Run, failure, ok

EXAMPLE_COM = ZONE_ID
EXAMPLE_ORG = "9a7806061c88ada191ed06f989cc3dac"
SHOP = "5b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
NAMES = {EXAMPLE_COM: "example.com", EXAMPLE_ORG: "example.org", SHOP: "shop.example.com"}


def purge_run(**given: str) -> Run:
    """``operation: purge`` with ``given`` inputs, aimed at BASE."""
    return Run("purge", None, **given)


def plan_for(**given: str) -> PurgePlan:
    plan = purge_run(**given).plan()
    assert isinstance(plan, PurgePlan)
    return plan


# answers


def zone_row(zone_id: str) -> dict[str, Any]:
    return {
        "id": zone_id,
        "name": NAMES[zone_id],
        "status": "active",
        "account": {"id": ACCOUNT_ID, "name": "Acme"},
    }


def answer_lookup(rsps: responses.RequestsMock, name: str, zone_id: str | None = None) -> None:
    """One ``GET /zones?name=<name>``: the zone ``zone_id``, or no zone."""
    rows = [zone_row(zone_id)] if zone_id else []
    rsps.get(
        f"{BASE}/zones",
        json=ok(rows, result_info={"page": 1, "per_page": 50, "total_pages": 1}),
        match=[matchers.query_param_matcher({"name": name, "page": "1", "per_page": "50"})],
    )


def answer_details(rsps: responses.RequestsMock, zone_id: str) -> None:
    rsps.get(f"{BASE}/zones/{zone_id}", json=ok(zone_row(zone_id)))


def answer_purge(
    rsps: responses.RequestsMock,
    zone_id: str,
    purge_id: str = "p",
    *,
    status: int = 200,
    body: dict[str, Any] | None = None,
) -> None:
    rsps.post(
        f"{BASE}/zones/{zone_id}/purge_cache",
        status=status,
        json=body if body is not None else ok({"id": purge_id}),
    )


def sent(rsps: responses.RequestsMock) -> list[str]:
    """Every request sent, as ``METHOD /path?name=…`` (the name query only)."""
    lines = []
    for call in rsps.calls:
        parts = urlsplit(call.request.url)
        path = parts.path.removeprefix("/client/v4")
        name = [q for q in parts.query.split("&") if q.startswith("name=")]
        lines.append(f"{call.request.method} {path}" + (f"?{name[0]}" if name else ""))
    return lines


def lookups(rsps: responses.RequestsMock) -> list[str]:
    return [line.split("?name=")[1] for line in sent(rsps) if "?name=" in line]


def posts(rsps: responses.RequestsMock) -> list[tuple[str, Any]]:
    """(zone ID, JSON body) of every purge request, retries included."""
    return [
        (urlsplit(call.request.url).path.split("/")[-2], json.loads(call.request.body or b""))
        for call in rsps.calls
        if call.request.method == "POST"
    ]


def shape(plan: PurgePlan) -> list[tuple[str | None, str, int, int, int]]:
    """(zone name or ID, kind, items, number, of) of every batch."""
    return [(b.zone.name or b.zone.id, b.kind, len(b.items), b.number, b.of) for b in plan.batches]


def lines(prefix: str, count: int) -> str:
    return "\n".join(f"{prefix}{i}" for i in range(count))


# plan: order and sizes


def test_each_zone_gets_batches_in_the_kind_order_everything_files_tags_hosts_prefixes(
    rsps: responses.RequestsMock,
) -> None:
    plan = plan_for(
        zone=EXAMPLE_COM,
        prefixes="example.com/p",
        hosts="www.example.com",
        tags="t",
        files="https://example.com/f",
    )

    assert [(b.kind, b.items) for b in plan.batches] == [
        ("files", ("https://example.com/f",)),
        ("tags", ("t",)),
        ("hosts", ("www.example.com",)),
        ("prefixes", ("example.com/p",)),
    ]
    assert sent(rsps) == []


def test_purge_everything_is_one_batch_per_listed_zone(rsps: responses.RequestsMock) -> None:
    plan = plan_for(zone=f"{EXAMPLE_COM}\n{EXAMPLE_ORG}", purge_everything="true")

    assert [(b.zone.id, b.kind, b.items, b.body()) for b in plan.batches] == [
        (EXAMPLE_COM, "everything", (True,), {"purge_everything": True}),
        (EXAMPLE_ORG, "everything", (True,), {"purge_everything": True}),
    ]
    assert sent(rsps) == []


def test_batches_are_grouped_by_zone_then_kind_with_tags_for_every_listed_zone(
    rsps: responses.RequestsMock,
) -> None:
    answer_details(rsps, EXAMPLE_COM)
    answer_details(rsps, EXAMPLE_ORG)

    plan = plan_for(
        zone=f"{EXAMPLE_COM}\n{EXAMPLE_ORG}",
        files="https://example.org/1\nhttps://example.com/2",
        tags="t",
        hosts="www.example.org",
    )

    assert shape(plan) == [
        ("example.com", "files", 1, 1, 1),
        ("example.com", "tags", 1, 1, 1),
        ("example.org", "files", 1, 1, 1),
        ("example.org", "tags", 1, 1, 1),
        ("example.org", "hosts", 1, 1, 1),
    ]
    assert [z.name for z in plan.zones] == ["example.com", "example.org"]


@pytest.mark.parametrize(
    ("batch_size", "sizes"), [("100", [100, 100, 50]), ("500", [250]), ("1", [1] * 250)]
)
def test_files_are_cut_into_batches_of_batch_size(
    rsps: responses.RequestsMock, batch_size: str, sizes: list[int]
) -> None:
    plan = plan_for(
        zone=EXAMPLE_COM, files=lines("https://example.com/", 250), batch_size=batch_size
    )

    assert [len(b.items) for b in plan.batches] == sizes
    assert [(b.number, b.of) for b in plan.batches] == [
        (n, len(sizes)) for n in range(1, len(sizes) + 1)
    ]


def test_files_use_batch_size_up_to_500(rsps: responses.RequestsMock) -> None:
    plan = plan_for(zone=EXAMPLE_COM, files=lines("https://example.com/", 1200), batch_size="500")

    assert [len(b.items) for b in plan.batches] == [500, 500, 200]


@pytest.mark.parametrize(
    ("kind", "item"),
    [("tags", "tag-"), ("hosts", "h{}.example.com"), ("prefixes", "example.com/p")],
)
@pytest.mark.parametrize("batch_size", ["100", "500"])
def test_tags_hosts_and_prefixes_are_at_most_100_per_batch(
    rsps: responses.RequestsMock, kind: str, item: str, batch_size: str
) -> None:
    items = [item.format(i) if "{}" in item else f"{item}{i}" for i in range(250)]

    plan = plan_for(zone=EXAMPLE_COM, batch_size=batch_size, **{kind: "\n".join(items)})

    assert [len(b.items) for b in plan.batches] == [100, 100, 50]
    assert [x for b in plan.batches for x in b.items] == items  # input order kept


def test_a_small_batch_size_also_applies_to_tags(rsps: responses.RequestsMock) -> None:
    plan = plan_for(zone=EXAMPLE_COM, tags="a,b,c,d,e", batch_size="2")

    assert [b.items for b in plan.batches] == [("a", "b"), ("c", "d"), ("e",)]


# plan: input order and duplicates


def test_path_lines_and_urls_are_one_item_once_joined_keeping_the_first_spelling(
    rsps: responses.RequestsMock,
) -> None:
    answer_lookup(rsps, "example.com", EXAMPLE_COM)

    plan = plan_for(
        zone="example.com",
        files="\n".join(
            [
                "/b",
                "https://example.com/a",
                "/a",
                "HTTPS://EXAMPLE.COM/b",
                "https://example.com/A",
                "http://example.com/a",
            ]
        ),
    )

    (batch,) = plan.batches
    assert batch.items == (
        "https://example.com/b",
        "https://example.com/a",
        "https://example.com/A",
        "http://example.com/a",
    )
    assert lookups(rsps) == ["example.com"]


def test_url_variants_are_duplicates_only_with_the_same_headers(
    rsps: responses.RequestsMock,
) -> None:
    variant = {"url": "/a", "headers": {"CF-Device-Type": "mobile"}}
    same_variant = {"url": "https://example.com/a", "headers": {"cf-device-type": "mobile"}}

    answer_details(rsps, EXAMPLE_COM)
    plan = plan_for(
        zone=EXAMPLE_COM,
        files=json.dumps(["/a", variant, same_variant, "https://example.com/a"]),
    )

    (batch,) = plan.batches
    assert batch.items == (
        "https://example.com/a",
        {"url": "https://example.com/a", "headers": {"CF-Device-Type": "mobile"}},
    )
    assert batch.labels == (
        "https://example.com/a",
        "https://example.com/a [CF-Device-Type: mobile]",
    )


def test_tags_are_de_duplicated_case_insensitively_keeping_the_first_spelling(
    rsps: responses.RequestsMock,
) -> None:
    plan = plan_for(zone=EXAMPLE_COM, tags="Blog, news, BLOG, blog, News, sale")

    assert [b.items for b in plan.batches] == [("Blog", "news", "sale")]


def test_hosts_and_prefixes_are_de_duplicated_after_normalisation(
    rsps: responses.RequestsMock,
) -> None:
    plan = plan_for(
        zone=EXAMPLE_COM,
        hosts="WWW.example.com, www.example.com., img.example.com",
        prefixes="Example.com/Blog, example.com/Blog, example.com/blog",
    )

    assert [b.items for b in plan.batches] == [
        ("www.example.com", "img.example.com"),
        ("example.com/Blog", "example.com/blog"),
    ]


def test_the_same_url_routed_to_two_zones_is_purged_in_each(
    rsps: responses.RequestsMock,
) -> None:
    # De-duplication is per zone: a host listed twice is one item per zone it goes to.
    answer_details(rsps, EXAMPLE_COM)
    answer_details(rsps, SHOP)

    plan = plan_for(
        zone=f"{EXAMPLE_COM}\n{SHOP}",
        hosts="shop.example.com, example.com, shop.example.com",
    )

    assert [(b.zone.id, b.items) for b in plan.batches] == [
        (EXAMPLE_COM, ("example.com",)),
        (SHOP, ("shop.example.com",)),
    ]


# plan: zone requests


def test_a_zone_id_costs_no_request_without_path_lines(rsps: responses.RequestsMock) -> None:
    plan = plan_for(
        zone=EXAMPLE_COM,
        files="https://example.com/a\nhttps://cdn.other.net/b",
        tags="t",
        hosts="example.com",
    )

    assert sent(rsps) == []
    assert plan.zones == (Zone(EXAMPLE_COM),)
    assert plan.warnings == ()  # the zone's name is not known, so nothing is "outside"


def test_path_lines_with_a_zone_id_cost_exactly_one_zone_read(
    rsps: responses.RequestsMock,
) -> None:
    answer_details(rsps, EXAMPLE_COM)

    plan = plan_for(zone=EXAMPLE_COM, files="/a\n/b\nhttps://example.com/c\n/d")

    assert sent(rsps) == [f"GET /zones/{EXAMPLE_COM}"]
    assert plan.batches[0].items == (
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/c",
        "https://example.com/d",
    )
    assert plan.zones[0].name == "example.com"
    assert plan.zones[0].account_id == ACCOUNT_ID


def test_path_lines_join_the_hostname_written_in_zone(rsps: responses.RequestsMock) -> None:
    answer_lookup(rsps, "www.example.com")
    answer_lookup(rsps, "example.com", EXAMPLE_COM)

    plan = plan_for(zone="WWW.Example.com", files="/a")

    assert plan.batches[0].items == ("https://www.example.com/a",)
    assert plan.zones[0].id == EXAMPLE_COM
    assert plan.warnings == ()


def test_several_zones_by_id_cost_one_zone_read_each_and_the_longest_name_wins(
    rsps: responses.RequestsMock,
) -> None:
    answer_details(rsps, EXAMPLE_COM)
    answer_details(rsps, SHOP)

    plan = plan_for(
        zone=f"{EXAMPLE_COM}\n{SHOP}",
        files="\n".join(
            [
                "https://shop.example.com/1",
                "https://www.example.com/2",
                "https://cdn.shop.example.com/3",
                "https://example.com/4",
                "https://shopexample.com.example.com/5",
            ]
        ),
        hosts="shop.example.com",
        prefixes="cdn.shop.example.com/x",
    )

    assert sent(rsps) == [f"GET /zones/{EXAMPLE_COM}", f"GET /zones/{SHOP}"]
    assert [(b.zone.name, b.kind, b.items) for b in plan.batches] == [
        (
            "example.com",
            "files",
            (
                "https://www.example.com/2",
                "https://example.com/4",
                "https://shopexample.com.example.com/5",
            ),
        ),
        (
            "shop.example.com",
            "files",
            ("https://shop.example.com/1", "https://cdn.shop.example.com/3"),
        ),
        ("shop.example.com", "hosts", ("shop.example.com",)),
        ("shop.example.com", "prefixes", ("cdn.shop.example.com/x",)),
    ]
    assert plan.warnings == ()


def test_several_zones_with_only_tags_cost_no_request(rsps: responses.RequestsMock) -> None:
    plan = plan_for(zone=f"{EXAMPLE_COM}\n{EXAMPLE_ORG}", tags="a")

    assert sent(rsps) == []
    assert [(b.zone, b.items) for b in plan.batches] == [
        (Zone(EXAMPLE_COM), ("a",)),
        (Zone(EXAMPLE_ORG), ("a",)),
    ]


def test_an_item_in_none_of_the_listed_zones_stops_the_run_before_any_purge(
    rsps: responses.RequestsMock,
) -> None:
    answer_details(rsps, EXAMPLE_COM)
    answer_details(rsps, EXAMPLE_ORG)
    run = purge_run(
        zone=f"{EXAMPLE_COM}\n{EXAMPLE_ORG}",
        files="https://example.com/1\nhttps://unknown.example.net/2",
        hosts="example.net",
        tags="t",
    )

    outcome = run.perform()

    (problem,) = outcome.problems
    assert isinstance(problem, ZoneError)
    message = problem.message
    assert "Nothing was purged" in message
    assert "none of the zones in zone (example.com, example.org)" in message
    assert "unknown.example.net (files), example.net (hosts)" in message
    assert "Add their zones to zone, or remove these items." in message
    assert posts(rsps) == []


def test_without_zone_items_are_routed_by_hostname_with_cached_lookups(
    rsps: responses.RequestsMock,
) -> None:
    answer_lookup(rsps, "www.example.com")
    answer_lookup(rsps, "example.com", EXAMPLE_COM)
    answer_lookup(rsps, "example.org", EXAMPLE_ORG)
    answer_lookup(rsps, "img.example.com")

    plan = plan_for(
        files="\n".join(
            [
                "https://www.example.com/1",
                "https://example.org/2",
                "https://img.example.com/3",
                "https://WWW.example.com/4",
            ]
        ),
        hosts="example.org, www.example.com",
        prefixes="img.example.com/x",
    )

    assert lookups(rsps) == ["www.example.com", "example.com", "example.org", "img.example.com"]
    assert [(b.zone.name, b.kind, b.items) for b in plan.batches] == [
        (
            "example.com",
            "files",
            ("https://www.example.com/1", "https://img.example.com/3", "https://WWW.example.com/4"),
        ),
        ("example.com", "hosts", ("www.example.com",)),
        ("example.com", "prefixes", ("img.example.com/x",)),
        ("example.org", "files", ("https://example.org/2",)),
        ("example.org", "hosts", ("example.org",)),
    ]
    assert [z.id for z in plan.zones] == [EXAMPLE_COM, EXAMPLE_ORG]
    assert plan.warnings == ()


def test_without_zone_a_host_in_no_zone_raises_a_zone_error_naming_zone_read(
    rsps: responses.RequestsMock,
) -> None:
    answer_lookup(rsps, "cdn.example.net")
    answer_lookup(rsps, "example.net")
    run = purge_run(hosts="cdn.example.net")

    outcome = run.perform()

    (problem,) = outcome.problems
    assert isinstance(problem, ZoneError)
    message = problem.message
    assert "no zone these credentials can read: cdn.example.net (hosts)" in message
    assert "Zone → Zone → Read" in message
    assert posts(rsps) == []


def test_items_outside_the_single_zone_give_exactly_one_warning(
    rsps: responses.RequestsMock,
) -> None:
    answer_lookup(rsps, "example.com", EXAMPLE_COM)
    outside = [f"https://cdn.other.net/{i}" for i in range(6)]

    plan = plan_for(
        zone="example.com",
        files="\n".join([*outside, outside[0], "https://www.example.com/in", "/in"]),
        hosts="img.other.net, example.com",
        prefixes="other.net/x",
    )

    assert len(plan.warnings) == 1
    title, message = plan.warnings[0].title, plan.warnings[0].message
    assert title == "Purge items outside the zone"
    assert message.startswith(
        "8 item(s) are not in zone example.com: https://cdn.other.net/0, https://cdn.other.net/1, "
        "https://cdn.other.net/2, https://cdn.other.net/3, https://cdn.other.net/4 and 3 more. "
        "They are purged in that zone anyway"
    )
    # They are still purged, in the one zone.
    assert [len(b.items) for b in plan.batches] == [8, 2, 1]
    assert {b.zone.id for b in plan.batches} == {EXAMPLE_COM}


# apply


def test_each_batch_is_posted_with_its_exact_body(rsps: responses.RequestsMock) -> None:
    for purge_id in ("p1", "p2", "p3", "p4"):
        answer_purge(rsps, EXAMPLE_COM, purge_id)
    run = purge_run(
        zone=EXAMPLE_COM,
        files="https://example.com/a\n"
        + json.dumps({"url": "https://example.com/a", "headers": {"X-B": "2", "A": "1"}}),
        tags="Blog, blog, news",
        hosts="www.example.com",
        prefixes="www.example.com/docs/",
    )

    outcome = run.perform()

    assert posts(rsps) == [
        (
            EXAMPLE_COM,
            {
                # With one {url, headers} item, every item is an object (the API's schema).
                "files": [
                    {"url": "https://example.com/a"},
                    {"url": "https://example.com/a", "headers": {"A": "1", "X-B": "2"}},
                ]
            },
        ),
        (EXAMPLE_COM, {"tags": ["Blog", "news"]}),
        (EXAMPLE_COM, {"hosts": ["www.example.com"]}),
        (EXAMPLE_COM, {"prefixes": ["www.example.com/docs/"]}),
    ]
    assert outcome.ok
    assert run.progress == [
        f"Purged {EXAMPLE_COM} files batch 1/1 (2 files): purge id p1",
        f"Purged {EXAMPLE_COM} tags batch 1/1 (2 tags): purge id p2",
        f"Purged {EXAMPLE_COM} hosts batch 1/1 (1 hosts): purge id p3",
        f"Purged {EXAMPLE_COM} prefixes batch 1/1 (1 prefixes): purge id p4",
    ]


def test_purge_everything_posts_purge_everything_true_to_each_zone(
    rsps: responses.RequestsMock,
) -> None:
    answer_purge(rsps, EXAMPLE_COM, "e1")
    answer_purge(rsps, EXAMPLE_ORG, "e2")
    run = purge_run(zone=f"{EXAMPLE_COM}\n{EXAMPLE_ORG}", purge_everything="true")

    outcome = run.perform()

    assert posts(rsps) == [
        (EXAMPLE_COM, {"purge_everything": True}),
        (EXAMPLE_ORG, {"purge_everything": True}),
    ]
    assert outcome.outputs["purged"] == 2  # everything counts as one item per zone
    assert outcome.outputs["purge_ids"] == ["e1", "e2"]


def two_zones_of_tags(**given: str) -> Run:
    """Two zones by ID, three one-tag batches each: six batches, no zone request."""
    return purge_run(zone=f"{EXAMPLE_COM}\n{EXAMPLE_ORG}", tags="a,b,c", batch_size="1", **given)


def states(outcome_result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["zone_id"], b["state"]) for b in outcome_result["batches"]]


def test_rejected_credentials_mark_every_later_batch_not_attempted(
    rsps: responses.RequestsMock,
) -> None:
    answer_purge(rsps, EXAMPLE_COM, "p1")
    answer_purge(rsps, EXAMPLE_COM, status=403, body=failure(9109, "Invalid access token"))
    run = two_zones_of_tags()

    outcome = run.perform()

    assert len(posts(rsps)) == 2
    assert states(outcome.result) == [
        (EXAMPLE_COM, "purged"),
        (EXAMPLE_COM, "failed"),
        (EXAMPLE_COM, "not attempted"),
        (EXAMPLE_ORG, "not attempted"),
        (EXAMPLE_ORG, "not attempted"),
        (EXAMPLE_ORG, "not attempted"),
    ]
    assert isinstance(outcome.problems[0], AuthError)
    assert run.progress[1].startswith(f"Failed: {EXAMPLE_COM} tags batch 2/3 (1 tags): ")
    assert outcome.result["not_purged"] == ["b", "c", "a", "b", "c"]


@pytest.mark.parametrize(
    ("status", "code", "message", "error_class"),
    [
        (403, 10000, "Authentication error", PermissionDeniedError),
        (404, 7003, "Could not route to /zones/x/purge_cache", NotFoundError),
    ],
    ids=["permission-denied", "not-found"],
)
def test_a_zone_that_refuses_skips_only_the_rest_of_that_zone(
    rsps: responses.RequestsMock,
    status: int,
    code: int,
    message: str,
    error_class: type[APIError],
) -> None:
    answer_purge(rsps, EXAMPLE_COM, status=status, body=failure(code, message))
    for purge_id in ("o1", "o2", "o3"):
        answer_purge(rsps, EXAMPLE_ORG, purge_id)
    run = two_zones_of_tags()

    outcome = run.perform()

    assert [zone for zone, _ in posts(rsps)] == [EXAMPLE_COM, EXAMPLE_ORG, EXAMPLE_ORG, EXAMPLE_ORG]
    assert states(outcome.result) == [
        (EXAMPLE_COM, "failed"),
        (EXAMPLE_COM, "not attempted"),
        (EXAMPLE_COM, "not attempted"),
        (EXAMPLE_ORG, "purged"),
        (EXAMPLE_ORG, "purged"),
        (EXAMPLE_ORG, "purged"),
    ]
    assert type(outcome.problems[0]) is error_class
    assert outcome.outputs["purge_ids"] == ["o1", "o2", "o3"]


def test_a_server_error_after_every_retry_fails_only_its_batch(
    rsps: responses.RequestsMock,
) -> None:
    answer_purge(rsps, EXAMPLE_COM, "p1")
    for _ in range(2):  # max_retries=1: two attempts
        answer_purge(rsps, EXAMPLE_COM, status=500, body=failure(10001, "Internal error"))
    for purge_id in ("p3", "o1", "o2", "o3"):
        answer_purge(rsps, EXAMPLE_ORG if purge_id.startswith("o") else EXAMPLE_COM, purge_id)
    run = two_zones_of_tags(max_retries="1")

    outcome = run.perform()

    assert len(posts(rsps)) == 7
    assert [state for _, state in states(outcome.result)] == [
        "purged",
        "failed",
        "purged",
        "purged",
        "purged",
        "purged",
    ]
    assert type(outcome.problems[0]) is ServerError
    assert outcome.outputs["purge_ids"] == ["p1", "p3", "o1", "o2", "o3"]


def test_a_purge_is_retried_on_500_with_the_same_body(rsps: responses.RequestsMock) -> None:
    answer_purge(rsps, EXAMPLE_COM, status=500, body=failure(10001, "Internal error"))
    answer_purge(rsps, EXAMPLE_COM, status=502, body=failure(10001, "Bad gateway"))
    answer_purge(rsps, EXAMPLE_COM, "p1")
    run = purge_run(zone=EXAMPLE_COM, files="https://example.com/a")

    outcome = run.perform()

    assert posts(rsps) == [(EXAMPLE_COM, {"files": ["https://example.com/a"]})] * 3
    assert outcome.ok
    assert outcome.outputs["purge_ids"] == ["p1"]
    assert outcome.outputs["purged"] == 1


def test_a_purge_is_not_retried_on_400_and_the_next_batch_is_still_sent(
    rsps: responses.RequestsMock,
) -> None:
    answer_purge(rsps, EXAMPLE_COM, status=400, body=failure(1012, "Invalid url"))
    answer_purge(rsps, EXAMPLE_COM, "p2")
    run = purge_run(
        zone=EXAMPLE_COM, files="https://example.com/a\nhttps://example.com/b", batch_size="1"
    )

    outcome = run.perform()

    assert posts(rsps) == [
        (EXAMPLE_COM, {"files": ["https://example.com/a"]}),
        (EXAMPLE_COM, {"files": ["https://example.com/b"]}),
    ]
    assert [b["state"] for b in outcome.result["batches"]] == ["failed", "purged"]
    assert type(outcome.problems[0]) is APIError


# the Outcome


def test_a_successful_purge_gives_its_outputs_and_a_summary_row_per_zone_and_kind(
    rsps: responses.RequestsMock,
) -> None:
    answer_lookup(rsps, "example.com", EXAMPLE_COM)
    for purge_id in ("p1", "p2", "p3", "p4"):
        answer_purge(rsps, EXAMPLE_COM, purge_id)
    run = purge_run(
        zone="example.com", files=lines("https://example.com/", 1234), tags="a, b", batch_size="500"
    )

    outcome = run.perform()

    assert outcome.ok
    assert outcome.problems == []
    assert outcome.heading == "purge · example.com"
    assert outcome.outputs == {
        "purge_ids": ["p1", "p2", "p3", "p4"],
        "purged": 1236,
        "batches": 4,
        "zones": [{"id": EXAMPLE_COM, "name": "example.com"}],
        "purged_urls": [],  # no changed_files
        "warmed": 0,  # no warm
    }
    assert outcome.zone == Zone(EXAMPLE_COM, "example.com", ACCOUNT_ID, "Acme", "active")
    assert outcome.account_id == ACCOUNT_ID
    assert "| Zone | Kind | Items | Batches | Result |" in outcome.markdown
    assert "| example.com | files | 1,234 | 3 | ✅ purged |" in outcome.markdown
    assert "| example.com | tags | 2 | 1 | ✅ purged |" in outcome.markdown
    assert "Not purged" not in outcome.markdown
    assert outcome.result["not_purged"] == []


def test_failed_batches_give_a_purge_incomplete_error_and_a_partial_summary(
    rsps: responses.RequestsMock,
) -> None:
    answer_lookup(rsps, "example.com", EXAMPLE_COM)
    answer_purge(rsps, EXAMPLE_COM, "p1")
    answer_purge(rsps, EXAMPLE_COM, status=400, body=failure(1012, "Invalid url"))
    answer_purge(rsps, EXAMPLE_COM, "p3")
    urls = [f"https://example.com/{i}" for i in range(250)]
    run = purge_run(zone="example.com", files="\n".join(urls))

    outcome = run.perform()

    assert not outcome.ok
    assert [type(p) for p in outcome.problems] == [APIError, ActionError]
    incomplete = outcome.problems[1]
    assert incomplete.title == "Purge incomplete"
    assert incomplete.message.startswith(
        "1 of 3 purge batches were not purged (100 items). 2 batches (150 items) were purged."
    )
    assert outcome.outputs["purge_ids"] == ["p1", "p3"]
    assert outcome.outputs["purged"] == 150
    assert outcome.outputs["batches"] == 2
    assert outcome.result["not_purged"] == urls[100:200]
    assert outcome.result["purged"] == 150
    assert "| example.com | files | 250 | 3 | ❌ 2 of 3 purged, 1 failed |" in outcome.markdown
    assert "**Not purged**" in outcome.markdown
    assert "- example.com files batch 2/3 (100 files): Invalid url (1012)" in outcome.markdown
    assert f"  - `{urls[100]}`" in outcome.markdown
    assert f"`{urls[99]}`" not in outcome.markdown


def test_the_failed_items_list_is_capped_with_an_and_n_more_line(
    rsps: responses.RequestsMock,
) -> None:
    answer_purge(rsps, EXAMPLE_COM, status=403, body=failure(9109, "Invalid access token"))
    count = MAX_LISTED_FAILURES + 7
    run = purge_run(zone=EXAMPLE_COM, files=lines("https://example.com/", count), batch_size="200")

    outcome = run.perform()

    listed = [line for line in outcome.markdown.splitlines() if line.startswith("  - `")]
    assert len(listed) == MAX_LISTED_FAILURES
    assert (
        "- …and 7 more items; the report file (`report_path`) lists them all." in outcome.markdown
    )
    # Both batches are named, the second with why it was not sent.
    assert f"- {EXAMPLE_COM} files batch 1/2 (200 files): Invalid access token" in outcome.markdown
    assert (
        f"- {EXAMPLE_COM} files batch 2/2 (107 files): not attempted after an earlier failure"
        in outcome.markdown
    )
    assert (
        f"| {EXAMPLE_COM} | files | {count} | 2 | ❌ 0 of 2 purged, 1 failed, 1 not attempted |"
        in (outcome.markdown)
    )
    assert len(outcome.result["not_purged"]) == count
    assert outcome.outputs["purged"] == 0
    assert outcome.outputs["purge_ids"] == []


def test_the_zones_output_lists_only_zones_with_a_purged_batch(
    rsps: responses.RequestsMock,
) -> None:
    answer_purge(rsps, EXAMPLE_COM, status=403, body=failure(10000, "Authentication error"))
    answer_purge(rsps, EXAMPLE_ORG, "o1")
    run = purge_run(zone=f"{EXAMPLE_COM}\n{EXAMPLE_ORG}", tags="t")

    outcome = run.perform()

    assert outcome.outputs["zones"] == [{"id": EXAMPLE_ORG, "name": None}]
    assert outcome.result["zones"] == [{"id": EXAMPLE_ORG, "name": None}]
    assert outcome.outputs["purge_ids"] == ["o1"]


def test_the_same_failure_on_many_batches_is_one_problem(rsps: responses.RequestsMock) -> None:
    for _ in range(4):
        answer_purge(rsps, EXAMPLE_COM, status=400, body=failure(1012, "Invalid url"))
    run = purge_run(zone=EXAMPLE_COM, tags="a,b,c,d", batch_size="1")

    outcome = run.perform()

    assert len(posts(rsps)) == 4
    assert [p.title for p in outcome.problems] == ["Cloudflare error 1012", "Purge incomplete"]
    assert outcome.problems[1].message.startswith("4 of 4 purge batches were not purged (4 items).")


def test_distinct_failures_are_capped_at_max_error_annotations(
    rsps: responses.RequestsMock,
) -> None:
    count = MAX_ERROR_ANNOTATIONS + 2
    for i in range(count):
        answer_purge(rsps, EXAMPLE_COM, status=400, body=failure(1012, f"Invalid item {i}"))
    run = purge_run(zone=EXAMPLE_COM, tags=",".join(f"t{i}" for i in range(count)), batch_size="1")

    outcome = run.perform()

    assert len(posts(rsps)) == count
    assert len(outcome.problems) == MAX_ERROR_ANNOTATIONS + 1
    assert outcome.problems[-1].title == "Purge incomplete"
    assert [b["error"] for b in outcome.result["batches"]][-1].startswith(
        f"Invalid item {count - 1}"
    )


def test_a_purge_of_several_zones_names_no_single_zone(rsps: responses.RequestsMock) -> None:
    answer_purge(rsps, EXAMPLE_COM, "p1")
    answer_purge(rsps, EXAMPLE_ORG, "p2")
    run = purge_run(zone=f"{EXAMPLE_COM}\n{EXAMPLE_ORG}", tags="t")

    outcome = run.perform()

    assert outcome.heading == "purge · 2 zones"
    assert outcome.zone is None
    assert outcome.account_id is None
    assert outcome.outputs["zones"] == [
        {"id": EXAMPLE_COM, "name": None},
        {"id": EXAMPLE_ORG, "name": None},
    ]
    assert f"| {EXAMPLE_COM} | tags | 1 | 1 | ✅ purged |" in outcome.markdown
    assert f"| {EXAMPLE_ORG} | tags | 1 | 1 | ✅ purged |" in outcome.markdown


def test_a_dry_run_sends_no_purge_and_lists_the_batches(rsps: responses.RequestsMock) -> None:
    answer_lookup(rsps, "example.com", EXAMPLE_COM)
    run = purge_run(
        zone="example.com", files="/a\n/b\nhttps://example.com/c", tags="x,y", dry_run="true"
    )

    outcome = run.perform()

    assert posts(rsps) == []
    assert sent(rsps) == ["GET /zones?name=example.com"]
    assert outcome.notes == [
        "Dry run: would purge example.com files batch 1/1 (3 files)",
        "Dry run: would purge example.com tags batch 1/1 (2 tags)",
    ]
    assert run.progress == []
    assert outcome.ok
    assert outcome.heading == "purge · example.com (dry run)"
    assert outcome.outputs["purged"] == 5
    assert outcome.outputs["batches"] == 2
    assert outcome.outputs["purge_ids"] == []
    assert [b["state"] for b in outcome.result["batches"]] == ["planned", "planned"]
    assert "| example.com | files | 3 | 1 | would be purged (dry run) |" in outcome.markdown
    assert "**Batches that would be sent**" in outcome.markdown
    assert "<details><summary>example.com files batch 1/1 (3 files)</summary>" in outcome.markdown
    assert "- `https://example.com/a`" in outcome.markdown
    assert "- `y`" in outcome.markdown


def test_a_dry_run_with_a_zone_id_makes_no_request_at_all(rsps: responses.RequestsMock) -> None:
    run = purge_run(zone=EXAMPLE_COM, purge_everything="true", dry_run="true")

    outcome = run.perform()

    assert sent(rsps) == []
    assert run.client.calls == 0
    assert outcome.outputs["batches"] == 1
    assert f"| {EXAMPLE_COM} | everything | everything | 1 | would be purged (dry run) |" in (
        outcome.markdown
    )
