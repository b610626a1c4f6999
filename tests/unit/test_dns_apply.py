"""Tests for cfaction.ops.dns (read, changes, plan, apply, summary): how records are read
(exact request sequences), how the plan is cut into batches, how a batch is sent and
re-checked after an ambiguous failure, and the Outcome, with a real Client whose HTTP is
mocked by ``responses``. Nothing sleeps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from responses import matchers

from cfaction.errors import (
    APIError,
    InputError,
    InvalidInputsError,
    PlanError,
    ServerError,
    TransportError,
)
from cfaction.ops.dns.apply import DnsResult, apply
from cfaction.ops.dns.changes import Change, batch_body, split_batches
from cfaction.ops.dns.plan import DnsPlan, plan_in_zone
from cfaction.ops.dns.read import read_records
from cfaction.report import OutputValue
from cfaction.zones import Zone
from tests.helpers import ACCOUNT_ID, BASE, ZONE_ID, Run, failure, ok

ZONE = Zone(ZONE_ID, "example.com", ACCOUNT_ID)
RECORDS = f"/zones/{ZONE_ID}/dns_records"
BATCH = f"{RECORDS}/batch"
WWW = "- {type: A, name: www, content: 192.0.2.1}"

Call = tuple[str, str, dict[str, str]]


def dns_run(records: str = WWW, **given: str) -> Run:
    """``operation: dns`` on the zone ID (so the plan reads the zone's details first)."""
    return Run("dns", None, zone=ZONE_ID, records=records, **given)


# answers


def row(record_id: str, rtype: str, name: str, content: str, **fields: Any) -> dict[str, Any]:
    """A record as the API returns it (``name`` relative to example.com, or @)."""
    full = "example.com" if name == "@" else f"{name}.example.com"
    return {
        "id": record_id,
        "type": rtype,
        "name": full,
        "content": content,
        "ttl": 1,
        "proxied": False,
        "comment": None,
        "tags": [],
        **fields,
    }


def name_query(name: str, **extra: str) -> dict[str, str]:
    return {"name": name, **extra, "page": "1", "per_page": "5000"}


def page_query(page: int) -> dict[str, str]:
    return {"page": str(page), "per_page": "5000", "order": "name", "direction": "asc"}


def answer_list(
    rsps: responses.RequestsMock,
    query: dict[str, str],
    rows: list[dict[str, Any]],
    total_pages: int = 1,
) -> None:
    page_info = {"page": 1, "per_page": 5000, "total_pages": total_pages}
    rsps.get(
        BASE + RECORDS,
        json=ok(rows, result_info=page_info),
        match=[matchers.query_param_matcher(query)],
    )


def answer_zone(rsps: responses.RequestsMock) -> None:
    zone = {"id": ZONE_ID, "name": "example.com", "account": {"id": ACCOUNT_ID, "name": "Acme"}}
    rsps.get(f"{BASE}/zones/{ZONE_ID}", json=ok(zone))


def answer_batch(
    rsps: responses.RequestsMock, status: int = 200, body: Any = None, posts: Any = ()
) -> None:
    if body is None:
        result = {"deletes": [], "patches": [], "puts": [], "posts": list(posts)}
        body = ok(result)
    if isinstance(body, Exception):
        rsps.post(BASE + BATCH, body=body)
    else:
        rsps.post(BASE + BATCH, status=status, json=body)


def answer_server_error(rsps: responses.RequestsMock) -> None:
    answer_batch(rsps, 502, failure(10001, "Bad gateway"))


def calls(rsps: responses.RequestsMock) -> list[Call]:
    """(method, path without /client/v4, query) of every request sent, in order."""
    sent = []
    for call in rsps.calls:
        parts = urlsplit(str(call.request.url))
        query = dict(parse_qsl(parts.query))
        sent.append((call.request.method or "", parts.path.removeprefix("/client/v4"), query))
    return sent


def posted(rsps: responses.RequestsMock) -> list[Any]:
    """The JSON body of every POST, in order."""
    return [json.loads(c.request.body or b"") for c in rsps.calls if c.request.method == "POST"]


POST: Call = ("POST", BATCH, {})


def read_name(name: str) -> Call:
    return ("GET", RECORDS, name_query(f"{name}.example.com"))


def read_page(page: int) -> Call:
    return ("GET", RECORDS, page_query(page))


def read_record(record_id: str) -> Call:
    return ("GET", f"{RECORDS}/{record_id}", {})


# changes


def create(name: str, content: str = "192.0.2.3", rtype: str = "A") -> Change:
    full = f"{name}.example.com"
    record = {"type": rtype, "name": full, "content": content, "ttl": 1, "proxied": None}
    return Change("create", rtype, full, record)


def update(record_id: str, name: str, content: str = "192.0.2.2", rtype: str = "A") -> Change:
    record = row(record_id, rtype, name, content)
    return Change("update", rtype, record["name"], record, record_id, ["content"])


def delete(record_id: str, name: str, rtype: str = "A", content: str = "192.0.2.9") -> Change:
    record = row(record_id, rtype, name, content)
    return Change("delete", rtype, record["name"], record, record_id)


def plan_of(*batches: list[Change]) -> DnsPlan:
    return DnsPlan(
        ZONE, tuple(c for batch in batches for c in batch), tuple(tuple(b) for b in batches)
    )


def ids_of(batch: list[Change], result: DnsResult) -> list[str | None]:
    """The ID each change's record has after ``result``: the created one, else its own."""
    return [result.created_ids.get(c, c.existing_id) for c in batch]


def names_of(batches: Any) -> list[list[str]]:
    return [[f"{c.action} {c.type} {c.name.split('.')[0]}" for c in batch] for batch in batches]


# read_records


def test_one_name_is_read_with_one_name_query(rsps: responses.RequestsMock) -> None:
    rows = [row("a1", "A", "www", "192.0.2.1"), row("t1", "TXT", "www", '"x"')]
    answer_list(rsps, name_query("www.example.com"), rows)

    found = read_records(dns_run().client, ZONE, ["www.example.com"])

    assert calls(rsps) == [read_name("www")]
    assert found == {"www.example.com": rows}


def test_one_name_follows_total_pages(rsps: responses.RequestsMock) -> None:
    first, second = row("a1", "A", "www", "192.0.2.1"), row("a2", "A", "www", "192.0.2.2")
    answer_list(rsps, name_query("www.example.com"), [first], total_pages=2)
    answer_list(rsps, {**name_query("www.example.com"), "page": "2"}, [second], total_pages=2)

    found = read_records(dns_run().client, ZONE, ["www.example.com"])

    assert [q.get("page") for _, _, q in calls(rsps)] == ["1", "2"]
    assert found == {"www.example.com": [first, second]}


def test_several_names_in_a_zone_that_fits_the_first_page_cost_exactly_one_request(
    rsps: responses.RequestsMock,
) -> None:
    apex = row("t1", "TXT", "@", '"v=spf1 -all"')
    api = row("a1", "A", "api", "192.0.2.5")
    other = row("m1", "A", "mail", "192.0.2.25")
    www = row("c1", "CNAME", "www", "x.example.net")
    answer_list(rsps, page_query(1), [api, apex, other, www], total_pages=1)

    found = read_records(
        dns_run().client,
        ZONE,
        ["api.example.com", "example.com", "new.example.com", "www.example.com"],
    )

    assert calls(rsps) == [read_page(1)]
    assert found == {
        "api.example.com": [api],
        "example.com": [apex],
        "new.example.com": [],
        "www.example.com": [www],
    }


def test_several_names_in_an_empty_zone_cost_one_request(rsps: responses.RequestsMock) -> None:
    answer_list(rsps, page_query(1), [], total_pages=0)

    found = read_records(dns_run().client, ZONE, ["a.example.com", "b.example.com"])

    assert calls(rsps) == [read_page(1)]
    assert found == {"a.example.com": [], "b.example.com": []}


def test_names_that_all_sort_before_the_end_of_a_capped_first_page_cost_one_request(
    rsps: responses.RequestsMock,
) -> None:
    rows = [row("1", "A", "a", "192.0.2.1"), row("2", "A", "b", "192.0.2.2")]
    rows.append(row("3", "A", "c", "192.0.2.3"))
    answer_list(rsps, page_query(1), rows, total_pages=20)

    found = read_records(dns_run().client, ZONE, ["a.example.com", "b.example.com"])

    assert calls(rsps) == [read_page(1)]
    assert found == {"a.example.com": [rows[0]], "b.example.com": [rows[1]]}


def test_a_capped_zone_with_fewer_remaining_pages_than_uncovered_names_reads_the_pages(
    rsps: responses.RequestsMock,
) -> None:
    page1 = [row("1", "A", "a", "192.0.2.1"), row("2", "A", "b", "192.0.2.2")]
    page1.append(row("3", "A", "c", "192.0.2.3"))
    page2 = [row("4", "A", "c", "192.0.2.4"), row("5", "A", "d", "192.0.2.5")]
    page2.append(row("6", "A", "x", "192.0.2.6"))
    page3 = [row("7", "A", "y", "192.0.2.7")]
    answer_list(rsps, page_query(1), page1, total_pages=3)
    answer_list(rsps, page_query(2), page2, total_pages=3)
    answer_list(rsps, page_query(3), page3, total_pages=3)
    # c, x, y and z sort at or after the first page's last row: 4 names, 2 pages left.
    names = [f"{n}.example.com" for n in ("b", "c", "x", "y", "z")]

    found = read_records(dns_run().client, ZONE, names)

    assert calls(rsps) == [read_page(1), read_page(2), read_page(3)]
    assert found == {
        "b.example.com": [page1[1]],
        "c.example.com": [page1[2], page2[0]],
        "x.example.com": [page2[2]],
        "y.example.com": [page3[0]],
        "z.example.com": [],
    }


def test_a_capped_zone_with_fewer_uncovered_names_than_remaining_pages_reads_each_name(
    rsps: responses.RequestsMock,
) -> None:
    page1 = [row("1", "A", "a", "192.0.2.1"), row("2", "A", "b", "192.0.2.2")]
    page1.append(row("3", "A", "c", "192.0.2.3"))
    all_of_c = [page1[2], row("4", "A", "c", "192.0.2.4")]
    z = row("9", "A", "z", "192.0.2.9")
    answer_list(rsps, page_query(1), page1, total_pages=10)
    answer_list(rsps, name_query("c.example.com"), all_of_c)
    answer_list(rsps, name_query("z.example.com"), [z])

    found = read_records(
        dns_run().client, ZONE, ["a.example.com", "c.example.com", "z.example.com"]
    )

    # c is the first page's last name, so it may go on: read again, not counted twice.
    assert calls(rsps) == [read_page(1), read_name("c"), read_name("z")]
    assert found == {"a.example.com": [page1[0]], "c.example.com": all_of_c, "z.example.com": [z]}


# split_batches and batch_body


def test_a_name_whose_changes_do_not_fit_the_current_batch_starts_the_next_one() -> None:
    changes = [create("a"), create("a", "192.0.2.4"), create("b"), create("b", "192.0.2.4")]
    changes += [create("b", "192.0.2.5"), create("c")]

    batches = split_batches(changes, 4)

    assert names_of(batches) == [
        ["create A a", "create A a"],
        ["create A b", "create A b", "create A b", "create A c"],
    ]


def test_batches_hold_at_most_the_limit() -> None:
    changes = [create(f"n{i}") for i in range(25)]

    assert [len(b) for b in split_batches(changes, 10)] == [10, 10, 5]
    assert [len(b) for b in split_batches(changes, 200)] == [25]
    assert split_batches([], 10) == []


def test_a_name_with_more_changes_than_the_limit_sends_updates_and_creates_before_deletes() -> None:
    changes = [delete("d1", "x"), create("x"), update("u1", "x"), delete("d2", "x")]

    batches = split_batches(changes, 2)

    assert names_of(batches) == [["update A x", "create A x"], ["delete A x", "delete A x"]]


def test_a_cname_to_a_switch_sends_the_delete_first() -> None:
    changes = [create("x", "192.0.2.1"), create("x", "192.0.2.2")]
    changes.append(delete("c1", "x", "CNAME", "old.example.net"))

    batches = split_batches(changes, 2)

    assert names_of(batches) == [["delete CNAME x", "create A x"], ["create A x"]]


def test_an_a_to_cname_switch_sends_the_deletes_first() -> None:
    changes = [
        create("x", "new.example.net", "CNAME"),
        delete("a1", "x"),
        delete("a2", "x", "AAAA"),
    ]

    (batch,) = split_batches(changes, 10)

    assert [c.action for c in batch] == ["delete", "delete", "create"]


def test_batch_body_lists_each_action_under_its_key_and_omits_empty_lists() -> None:
    batch = [create("new"), delete("d1", "old"), update("u1", "www"), delete("d2", "older")]

    assert batch_body(batch) == {
        "deletes": [{"id": "d1"}, {"id": "d2"}],
        "patches": [{"id": "u1", "content": "192.0.2.2"}],
        "posts": [{"type": "A", "name": "new.example.com", "content": "192.0.2.3", "ttl": 1}],
    }
    assert batch_body([delete("d1", "old")]) == {"deletes": [{"id": "d1"}]}


# apply: one POST, created IDs


def test_a_batch_is_posted_once_and_created_ids_come_from_its_posts(
    rsps: responses.RequestsMock,
) -> None:
    batch = [create("one"), update("u1", "www"), create("two", "192.0.2.4")]
    answer_batch(rsps, posts=[{"id": "n1", "name": "one"}, {"id": "n2", "name": "two"}])
    run = dns_run()
    plan = plan_of(batch)

    result = apply(run.ctx, plan)

    assert (result.applied, result.problem) == (plan.batches, None)
    assert calls(rsps) == [POST]
    assert posted(rsps) == [batch_body(batch)]
    assert ids_of(batch, result) == ["n1", "u1", "n2"]
    assert result.created_ids == {batch[0]: "n1", batch[2]: "n2"}
    assert [c.existing_id for c in batch] == [None, "u1", None]  # the plan is not mutated
    assert run.progress == ["Applied a batch of 3 DNS changes in example.com."]


def test_created_ids_are_not_guessed_when_posts_do_not_match_the_creates(
    rsps: responses.RequestsMock,
) -> None:
    batch = [create("one"), create("two", "192.0.2.4")]
    answer_batch(rsps, posts=[{"id": "n1"}])

    result = apply(dns_run().ctx, plan_of(batch))

    assert ids_of(batch, result) == [None, None]
    assert result.created_ids == {}


def test_the_client_does_not_retry_a_batch_post_on_a_server_error_by_itself(
    rsps: responses.RequestsMock,
) -> None:
    answer_server_error(rsps)
    run = dns_run()

    with pytest.raises(ServerError) as excinfo:
        run.client.request("POST", BATCH, json_body={"posts": []})

    assert excinfo.value.status == 502
    assert calls(rsps) == [POST]
    assert (run.client.calls, run.sleeps) == (1, [])


def test_a_refused_batch_is_not_checked_nor_sent_again(rsps: responses.RequestsMock) -> None:
    batch = [create("one"), delete("d1", "old")]
    answer_batch(rsps, 400, failure(81057, "Record already exists."))

    result = apply(dns_run().ctx, plan_of(batch))

    assert result.applied == ()
    assert isinstance(result.problem, APIError)
    assert result.problem.codes() == [81057]
    assert calls(rsps) == [POST]


def test_batches_after_a_failed_one_are_not_sent(rsps: responses.RequestsMock) -> None:
    first, second, third = [create("a")], [create("b")], [create("c")]
    answer_batch(rsps)
    answer_batch(rsps, 400, failure(1004, "DNS Validation Error"))

    plan = plan_of(first, second, third)

    result = apply(dns_run().ctx, plan)

    assert result.applied == (tuple(first),) == plan.batches[:1]
    assert result.problem is not None
    assert calls(rsps) == [POST, POST]
    assert [b["posts"][0]["name"] for b in posted(rsps)] == ["a.example.com", "b.example.com"]


# apply: after an ambiguous failure, one read decides


def test_after_a_502_a_deleted_record_that_is_gone_means_the_batch_committed(
    rsps: responses.RequestsMock,
) -> None:
    batch = [create("new"), update("u1", "www"), delete("d1", "old")]
    answer_server_error(rsps)
    rsps.get(f"{BASE}{RECORDS}/d1", status=404, json=failure(81044, "Record does not exist."))
    rsps.get(f"{BASE}{RECORDS}", json=ok([row("n1", "A", "new", "192.0.2.3")]))
    run = dns_run()
    plan = plan_of(batch)

    result = apply(run.ctx, plan)

    assert (result.applied, result.problem) == (plan.batches, None)
    # The check read, then one read to learn the created record's ID.
    assert calls(rsps)[:2] == [POST, read_record("d1")]
    assert calls(rsps)[2][:2] == ("GET", RECORDS)
    assert result.created_ids == {batch[0]: "n1"}
    assert run.sleeps == [0.5]
    assert run.progress[0] == (
        "The batch committed although the answer was lost (Cloudflare error 10001); "
        "it is not sent again."
    )


def test_after_a_502_a_deleted_record_still_there_means_the_batch_is_sent_again_once(
    rsps: responses.RequestsMock,
) -> None:
    batch = [create("new"), delete("d1", "old")]
    answer_server_error(rsps)
    rsps.get(f"{BASE}{RECORDS}/d1", json=ok(row("d1", "A", "old", "192.0.2.9")))
    answer_batch(rsps, posts=[{"id": "n1"}])
    run = dns_run()
    plan = plan_of(batch)

    result = apply(run.ctx, plan)

    assert (result.applied, result.problem) == (plan.batches, None)
    assert calls(rsps) == [POST, read_record("d1"), POST]
    assert posted(rsps) == [batch_body(batch)] * 2
    assert result.created_ids == {batch[0]: "n1"}
    assert run.progress[0] == (
        "The batch did not commit (Cloudflare error 10001); sending it again."
    )


@pytest.mark.parametrize(("stored", "committed"), [("192.0.2.2", True), ("192.0.2.1", False)])
def test_after_a_502_an_updated_record_is_read_and_compared(
    rsps: responses.RequestsMock, stored: str, committed: bool
) -> None:
    batch = [create("new"), update("u1", "www", "192.0.2.2")]
    answer_server_error(rsps)
    rsps.get(f"{BASE}{RECORDS}/u1", json=ok(row("u1", "A", "www", stored)))
    listing = ("GET", RECORDS, name_query("new.example.com", type="A"))
    if committed:  # then the created record's ID is read
        answer_list(rsps, listing[2], [row("n1", "A", "new", "192.0.2.3")])
    else:
        answer_batch(rsps)
    plan = plan_of(batch)

    result = apply(dns_run().ctx, plan)

    assert (result.applied, result.problem) == (plan.batches, None)
    expected = [POST, read_record("u1")] + ([listing] if committed else [POST])
    assert calls(rsps) == expected


def test_an_update_of_tags_counts_as_committed_whatever_their_order(
    rsps: responses.RequestsMock,
) -> None:
    record = row("u1", "A", "www", "192.0.2.1", tags=["a:1", "b:2"], comment="c")
    change = Change("update", "A", "www.example.com", record, "u1", ["comment", "tags"])
    answer_server_error(rsps)
    stored = row("u1", "A", "www", "192.0.2.1", tags=["b:2", "a:1"], comment="c")
    rsps.get(f"{BASE}{RECORDS}/u1", json=ok(stored))

    apply(dns_run().ctx, plan_of([change]))

    assert calls(rsps) == [POST, read_record("u1")]


@pytest.mark.parametrize(
    ("listed", "committed"),
    [([row("n1", "A", "new", "192.0.2.3")], True), ([], False)],
)
def test_after_a_502_a_batch_of_creations_lists_the_first_ones_name_and_type(
    rsps: responses.RequestsMock, listed: list[dict[str, Any]], committed: bool
) -> None:
    batch = [create("new"), create("other", "192.0.2.4")]
    answer_server_error(rsps)
    answer_list(rsps, name_query("new.example.com", type="A"), listed)
    other = ("GET", RECORDS, name_query("other.example.com", type="A"))
    if committed:  # the second creation's ID is read too; the first one's list is reused
        answer_list(rsps, other[2], [row("n2", "A", "other", "192.0.2.4")])
    else:
        answer_batch(rsps)
    plan = plan_of(batch)

    result = apply(dns_run().ctx, plan)

    assert (result.applied, result.problem) == (plan.batches, None)
    read = ("GET", RECORDS, name_query("new.example.com", type="A"))
    assert calls(rsps) == [POST, read] + ([other] if committed else [POST])
    if committed:
        assert ids_of(batch, result) == ["n1", "n2"]


def test_a_created_txt_record_is_found_in_its_stored_quoted_form(
    rsps: responses.RequestsMock,
) -> None:
    batch = [create("txt", "hello world", "TXT")]
    answer_server_error(rsps)
    query = name_query("txt.example.com", type="TXT")
    answer_list(rsps, query, [row("n1", "TXT", "txt", '"hello world"')])

    apply(dns_run().ctx, plan_of(batch))

    assert calls(rsps) == [POST, ("GET", RECORDS, query)]


def test_a_lost_connection_is_checked_like_a_server_error(rsps: responses.RequestsMock) -> None:
    batch = [delete("d1", "old")]
    answer_batch(rsps, body=requests.exceptions.ConnectionError("connection reset"))
    rsps.get(f"{BASE}{RECORDS}/d1", status=404, json=failure(81044, "Record does not exist."))
    run = dns_run()
    plan = plan_of(batch)

    result = apply(run.ctx, plan)

    assert (result.applied, result.problem) == (plan.batches, None)
    assert calls(rsps) == [POST, read_record("d1")]
    assert "committed although the answer was lost" in run.progress[0]


def test_a_batch_that_never_gets_through_is_sent_max_retries_plus_one_times(
    rsps: responses.RequestsMock,
) -> None:
    batch = [delete("d1", "old")]
    still_there = ok(row("d1", "A", "old", "192.0.2.9"))
    for _ in range(2):
        answer_server_error(rsps)
        rsps.get(f"{BASE}{RECORDS}/d1", json=still_there)
    answer_server_error(rsps)
    rsps.get(f"{BASE}{RECORDS}/d1", json=still_there)
    run = dns_run()

    result = apply(run.ctx, plan_of(batch))

    assert result.applied == ()
    assert isinstance(result.problem, ServerError)
    # Each failure, the last one too, is followed by the read that tells whether it committed.
    assert calls(rsps) == [POST, read_record("d1")] * 3
    assert run.sleeps == [0.5, 1.0, 2.0]


def test_without_retries_an_ambiguous_failure_is_checked_but_not_sent_again(
    rsps: responses.RequestsMock,
) -> None:
    answer_batch(rsps, body=requests.exceptions.ConnectionError("connection reset"))
    answer_list(rsps, name_query("new.example.com", type="A"), [])

    result = apply(dns_run(max_retries="0").ctx, plan_of([create("new")]))

    assert result.applied == ()
    assert isinstance(result.problem, TransportError)
    assert calls(rsps) == [POST, ("GET", RECORDS, name_query("new.example.com", type="A"))]


def test_a_committed_batch_whose_answer_was_lost_still_reports_the_created_id(
    rsps: responses.RequestsMock,
) -> None:
    batch = [create("new")]
    answer_batch(rsps, body=requests.exceptions.ConnectionError("connection reset"))
    answer_list(rsps, name_query("new.example.com", type="A"), [row("n1", "A", "new", "192.0.2.3")])

    result = apply(dns_run().ctx, plan_of(batch))

    assert result.created_ids == {batch[0]: "n1"}
    assert batch[0].existing_id is None


# run: the Outcome

RECORDS_INPUT = """
- {type: A, name: www, content: 192.0.2.2}
- {type: A, name: api, content: 192.0.2.5}
- {type: TXT, name: '@', content: v=spf1 -all}
- {type: A, name: old, state: absent}
"""
ZONE_ROWS = [
    row("t1", "TXT", "@", '"v=spf1 -all"'),
    row("m1", "MX", "@", "mail.example.com", priority=10),
    row("o1", "A", "old", "192.0.2.9"),
    row("w1", "A", "www", "192.0.2.1"),
]
PLANNED_BODY = {
    "deletes": [{"id": "o1"}],
    "patches": [{"id": "w1", "content": "192.0.2.2"}],
    "posts": [{"type": "A", "name": "api.example.com", "content": "192.0.2.5", "ttl": 1}],
}


def answer_reads(rsps: responses.RequestsMock) -> None:
    answer_zone(rsps)
    answer_list(rsps, page_query(1), ZONE_ROWS)


def counts(outputs: Mapping[str, OutputValue]) -> tuple[OutputValue, ...]:
    return tuple(outputs[k] for k in ("created", "updated", "deleted", "unchanged"))


def actions(outputs: Mapping[str, OutputValue]) -> list[tuple[Any, Any]]:
    records = outputs["records"]
    assert isinstance(records, list)
    return [(r["name"].split(".")[0], r["action"]) for r in records]


def test_a_run_reads_once_posts_one_batch_and_reports_every_record(
    rsps: responses.RequestsMock,
) -> None:
    answer_reads(rsps)
    answer_batch(rsps, posts=[{"id": "n1", "name": "api.example.com"}])
    run = dns_run(RECORDS_INPUT)

    outcome = run.perform()

    assert calls(rsps) == [("GET", f"/zones/{ZONE_ID}", {}), read_page(1), POST]
    assert posted(rsps) == [PLANNED_BODY]
    assert outcome.ok
    assert outcome.heading == "dns · example.com"
    assert outcome.zone is not None
    assert (outcome.zone.id, outcome.zone.name, outcome.account_id) == (
        ZONE_ID,
        "example.com",
        ACCOUNT_ID,
    )
    assert counts(outcome.outputs) == (1, 1, 1, 1)
    assert outcome.outputs["records"] == [
        {
            "id": "w1",
            "type": "A",
            "name": "www.example.com",
            "content": "192.0.2.2",
            "ttl": 1,
            "proxied": False,
            "action": "update",
        },
        {
            "id": "n1",
            "type": "A",
            "name": "api.example.com",
            "content": "192.0.2.5",
            "ttl": 1,
            "proxied": None,
            "action": "create",
        },
        {
            "id": "t1",
            "type": "TXT",
            "name": "example.com",
            "content": '"v=spf1 -all"',
            "ttl": 1,
            "proxied": False,
            "action": "unchanged",
        },
        {
            "id": "o1",
            "type": "A",
            "name": "old.example.com",
            "content": "192.0.2.9",
            "ttl": 1,
            "proxied": False,
            "action": "delete",
        },
    ]
    assert outcome.result["counts"] == {"create": 1, "update": 1, "delete": 1, "unchanged": 1}
    assert (outcome.result["batches"], outcome.result["applied_batches"]) == (1, 1)
    plan = outcome.outputs["plan"]
    assert isinstance(plan, dict)
    assert plan["batches"] == [PLANNED_BODY]
    assert "update (content)" in outcome.markdown


def test_a_refused_batch_gives_dns_changes_incomplete_and_not_applied_records(
    rsps: responses.RequestsMock,
) -> None:
    answer_reads(rsps)
    answer_batch(rsps, 400, failure(81057, "Record already exists."))

    outcome = dns_run(RECORDS_INPUT).perform()

    assert not outcome.ok
    assert [p.title for p in outcome.problems] == [
        "Cloudflare error 81057",
        "DNS changes incomplete",
    ]
    assert outcome.problems[1].message.startswith(
        "3 DNS change(s) were not applied; 0 of 1 batches were. Each batch is all-or-nothing"
    )
    assert actions(outcome.outputs) == [
        ("www", "not applied"),
        ("api", "not applied"),
        ("example", "unchanged"),
        ("old", "not applied"),
    ]
    assert counts(outcome.outputs) == (0, 0, 0, 1)
    assert outcome.result["applied_batches"] == 0
    assert "❌ not applied: update (content)" in outcome.markdown


def test_a_failure_after_a_batch_counts_only_what_was_applied(
    rsps: responses.RequestsMock,
) -> None:
    answer_reads(rsps)
    answer_batch(rsps)
    answer_batch(rsps, 400, failure(81057, "Record already exists."))

    outcome = dns_run(RECORDS_INPUT, batch_limit="1").perform()

    assert calls(rsps)[2:] == [POST, POST]
    assert counts(outcome.outputs) == (0, 1, 0, 1)
    assert outcome.problems[-1].message.startswith(
        "2 DNS change(s) were not applied; 1 of 3 batches were."
    )
    assert actions(outcome.outputs) == [
        ("www", "update"),
        ("api", "not applied"),
        ("example", "unchanged"),
        ("old", "not applied"),
    ]


def test_a_dry_run_reads_plans_and_posts_nothing(rsps: responses.RequestsMock) -> None:
    answer_reads(rsps)

    outcome = dns_run(RECORDS_INPUT, dry_run="true").perform()

    assert [method for method, _, _ in calls(rsps)] == ["GET", "GET"]
    assert outcome.ok
    assert outcome.heading == "dns · example.com (dry run)"
    assert counts(outcome.outputs) == (1, 1, 1, 1)
    assert actions(outcome.outputs) == [
        ("www", "update"),
        ("api", "create"),
        ("example", "unchanged"),
        ("old", "delete"),
    ]
    assert (outcome.result["batches"], outcome.result["applied_batches"]) == (1, 0)
    plan = outcome.outputs["plan"]
    assert isinstance(plan, dict)
    assert plan["batches"] == [PLANNED_BODY]
    assert "would update (content)" in outcome.markdown
    assert "would delete" in outcome.markdown


def test_an_add_mode_conflict_stops_the_run_as_a_dns_plan_error_before_writing(
    rsps: responses.RequestsMock,
) -> None:
    answer_zone(rsps)
    answer_list(rsps, name_query("mix.example.com"), [row("a1", "A", "mix", "192.0.2.1")])

    run = dns_run("- {type: CNAME, name: mix, content: x.example.net, mode: add}")

    outcome = run.perform()

    assert not outcome.ok
    (problem,) = outcome.problems
    assert isinstance(problem, PlanError)
    assert problem.title == "DNS plan"
    assert "use mode: replace" in problem.message
    assert problem.message == (
        "mix.example.com: a CNAME record cannot be added beside the existing A record(s) at "
        "that name; use mode: replace to switch the name's records."
    )
    assert outcome.heading == "dns failed"
    assert [method for method, _, _ in calls(rsps)] == ["GET", "GET"]


def test_a_record_written_relative_and_in_full_is_refused_before_reading_records(
    rsps: responses.RequestsMock,
) -> None:
    answer_zone(rsps)
    records = "- {type: A, name: www, content: 192.0.2.1}\n" + (
        "- {type: A, name: www.example.com., content: 192.0.2.1}"
    )

    outcome = dns_run(records).perform()

    assert not outcome.ok
    (problem,) = outcome.problems
    assert isinstance(problem, InputError)
    assert problem.title == "Input records"
    assert problem.message == (
        "records: records[1] (A www.example.com.) repeats records[0] (A www) (www.example.com). "
        "List each record once."
    )
    assert calls(rsps) == [("GET", f"/zones/{ZONE_ID}", {})]


def test_a_conflict_deleted_by_two_groups_is_deleted_once(rsps: responses.RequestsMock) -> None:
    run = dns_run(
        "- {type: A, name: x, content: 192.0.2.1}\n- {type: AAAA, name: x, content: '2001:db8::1'}"
    )
    answer_list(rsps, name_query("x.example.com"), [row("c1", "CNAME", "x", "old.example.net")])

    plan = plan_in_zone(run.client, ZONE, run.inputs)

    assert [(c.action, c.type) for c in plan.changes] == [
        ("create", "A"),
        ("delete", "CNAME"),
        ("create", "AAAA"),
    ]
    assert names_of(plan.batches) == [["delete CNAME x", "create A x", "create AAAA x"]]


@pytest.mark.parametrize(
    ("second", "problem", "fix"),
    [
        (
            "- {type: CNAME, name: www.example.com, content: x.example.net}",
            "records[1] (CNAME www.example.com): a CNAME cannot share its name "
            "(www.example.com) with other records (records[0] (A www)).",
            "Keep the CNAME alone at its name, or replace it with A/AAAA records.",
        ),
        (
            "- {type: A, name: WWW.example.com., content: 192.0.2.1}",
            "records[1] (A WWW.example.com.) repeats records[0] (A www) (www.example.com).",
            "List each record once.",
        ),
    ],
    ids=["cname-beside-a", "repeat"],
)
def test_records_that_are_one_name_in_the_zone_are_refused_before_any_read(
    rsps: responses.RequestsMock, second: str, problem: str, fix: str
) -> None:
    run = dns_run(f"{WWW}\n{second}")

    with pytest.raises(InvalidInputsError) as excinfo:
        plan_in_zone(run.client, ZONE, run.inputs)

    (error,) = excinfo.value.errors
    assert error.title == "Input records"
    assert (error.input_name, error.problem, error.fix) == ("records", problem, fix)
    assert error.message == f"records: {problem} {fix}"
    assert len(rsps.calls) == 0
