"""Tests for cfaction.ops.dns.records and cfaction.ops.dns.changes: names and values compared
the way the API stores them, the mode of a group, and the changes of one (name, type) group in
every mode. Pure."""

from __future__ import annotations

from typing import Any

import pytest

from cfaction.errors import PlanError
from cfaction.ops.dns.changes import Change, group_mode, plan_group
from cfaction.ops.dns.records import DesiredRecord, content_key, fqdn, unquote_txt

ZONE = "example.com"
WWW = "www.example.com"


def desired(rtype: str, content: str | None = None, **fields: Any) -> DesiredRecord:
    index = fields.pop("index", 0)
    return DesiredRecord(
        label=f"records[{index}] ({rtype} www)",
        type=rtype,
        name="www",
        content=content,
        **fields,
    )


def existing(
    record_id: str, rtype: str, content: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A record as GET …/dns_records returns it."""
    return {
        "id": record_id,
        "type": rtype,
        "name": WWW,
        "content": content,
        "ttl": 1,
        "proxied": False,
        "comment": None,
        "tags": [],
        **fields,
    }


def plan(
    wanted: list[DesiredRecord],
    have: list[dict[str, Any]],
    rtype: str = "A",
    mode: str = "replace",
) -> list[Change]:
    return plan_group(wanted, have, WWW, rtype, mode)  # type: ignore[arg-type]


def summary(changes: list[Change]) -> list[tuple[str, str | None, list[str]]]:
    """(action, existing ID, fields) of every change."""
    return [(c.action, c.existing_id, c.fields) for c in changes]


# fqdn


@pytest.mark.parametrize(
    ("name", "full"),
    [
        ("@", "example.com"),
        ("www", "www.example.com"),
        ("WWW", "www.example.com"),
        ("a.b", "a.b.example.com"),
        ("*", "*.example.com"),
        ("*.dev", "*.dev.example.com"),
        ("www.example.com", "www.example.com"),
        ("www.example.com.", "www.example.com"),
        ("WWW.Example.COM.", "www.example.com"),
        ("example.com", "example.com"),
        ("Example.Com.", "example.com"),
        ("notexample.com", "notexample.com.example.com"),
        ("www.", "www.example.com"),
    ],
)
def test_fqdn_gives_the_full_lower_case_name_the_api_returns(name: str, full: str) -> None:
    assert fqdn(name, ZONE) == full


# content_key


@pytest.mark.parametrize(
    ("rtype", "written", "stored"),
    [
        ("A", " 192.0.2.1 ", "192.0.2.1"),
        ("AAAA", "2001:DB8:0:0::10", "2001:db8::10"),
        ("AAAA", "2001:0db8:0000:0000:0000:0000:0000:0010", "2001:db8::10"),
        ("AAAA", "::FFFF:192.0.2.1", "::ffff:c000:201"),
        ("CNAME", "Docs.Example.NET.", "docs.example.net"),
        ("MX", "Mail.Example.com.", "mail.example.com"),
        ("NS", "NS1.example.net.", "ns1.example.net"),
        ("PTR", "Host.Example.com", "host.example.com"),
        ("TXT", "v=spf1 -all", '"v=spf1 -all"'),
        ("TXT", "abcdef", '"abc" "def"'),
        ("TXT", 'say "hi"', '"say \\"hi\\""'),
        ("TXT", "  padded  ", '"padded"'),
        ("CAA", '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'),
    ],
)
def test_content_written_by_hand_matches_the_content_the_api_stores(
    rtype: str, written: str, stored: str
) -> None:
    assert content_key(rtype, written, None) == content_key(rtype, stored, None)


@pytest.mark.parametrize(
    ("rtype", "one", "other"),
    [
        ("A", "192.0.2.1", "192.0.2.10"),
        ("AAAA", "2001:db8::1", "2001:db8::10"),
        ("CNAME", "a.example.net", "b.example.net"),
        ("TXT", "Token", "token"),
        ("TXT", '"a" "b"', '"a b"'),
        ("CAA", '0 issue "letsencrypt.org"', '0 issue "LetsEncrypt.org"'),
    ],
)
def test_different_content_has_different_keys(rtype: str, one: str, other: str) -> None:
    assert content_key(rtype, one, None) != content_key(rtype, other, None)


def test_data_is_compared_by_value_whatever_its_key_order_or_hostname_spelling() -> None:
    written = {"target": "Sip.Example.com.", "port": 5060, "weight": 2, "priority": 1}
    stored = {"priority": 1, "weight": 2, "port": 5060, "target": "sip.example.com"}

    assert content_key("SRV", None, written) == content_key("SRV", "ignored", stored)
    assert content_key("SRV", None, written) != content_key("SRV", None, {**stored, "port": 5061})


def test_data_wins_over_content_in_the_key() -> None:
    data = {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}

    assert content_key("CAA", "anything", data) == content_key("CAA", None, data)


def test_an_address_that_does_not_parse_is_compared_lower_case() -> None:
    assert content_key("A", "Not-An-IP", None) == "not-an-ip"


@pytest.mark.parametrize(
    ("rtype", "one", "other"),
    [("AAAA", "2001:db8::1", "2001:DB8:0::1"), ("TXT", '"abc"', "abc")],
)
def test_a_desired_records_key_is_its_normalised_content_key(
    rtype: str, one: str, other: str
) -> None:
    first, second = desired(rtype, one), desired(rtype, other, index=1)

    assert first.key == second.key == content_key(rtype, one, None)
    assert desired("SRV", data={"port": 1}).key == content_key("SRV", None, {"port": 1})


# unquote_txt


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("v=spf1 -all", "v=spf1 -all"),
        ('"v=spf1 -all"', "v=spf1 -all"),
        ('"abc" "def"', "abcdef"),
        ('  "abc"   "def"  ', "abcdef"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"back\\\\slash"', "back\\slash"),
        ('say "hi"', 'say "hi"'),
        ('"a" b', '"a" b'),
        ('""', ""),
        ("  plain  ", "plain"),
    ],
)
def test_unquote_txt_joins_quoted_chunks_and_leaves_plain_text_alone(text: str, plain: str) -> None:
    assert unquote_txt(text) == plain


# group_mode


def test_a_records_own_mode_wins_over_the_input_and_the_type() -> None:
    records = [desired("A", "192.0.2.1"), desired("A", "192.0.2.2", mode="add", index=1)]

    assert group_mode(records, "replace") == "add"
    assert group_mode([desired("TXT", "x", mode="replace")], "add") == "replace"


@pytest.mark.parametrize("rtype", ["A", "TXT"])
def test_the_mode_input_wins_over_the_type_default(rtype: str) -> None:
    assert group_mode([desired(rtype, "x")], "add") == "add"
    assert group_mode([desired(rtype, "x")], "replace") == "replace"


@pytest.mark.parametrize(
    ("rtype", "mode"),
    [("A", "replace"), ("AAAA", "replace"), ("CNAME", "replace"), ("TXT", "add"), ("MX", "add")],
)
def test_without_a_mode_a_aaaa_and_cname_replace_and_other_types_add(rtype: str, mode: str) -> None:
    assert group_mode([desired(rtype, "x")], None) == mode


# plan_group: create, keep, update


def test_an_empty_group_creates_every_desired_record() -> None:
    changes = plan(
        [
            desired("A", "192.0.2.1", ttl=300, comment="web", tags=("env:prod",)),
            desired("A", "192.0.2.2", proxied=True, index=1),
        ],
        [],
    )

    assert [(c.action, c.label, c.record) for c in changes] == [
        (
            "create",
            "records[0] (A www)",
            {
                "type": "A",
                "name": WWW,
                "content": "192.0.2.1",
                "ttl": 300,
                "proxied": None,
                "priority": None,
                "comment": "web",
                "tags": ["env:prod"],
            },
        ),
        (
            "create",
            "records[1] (A www)",
            {
                "type": "A",
                "name": WWW,
                "content": "192.0.2.2",
                "ttl": 1,
                "proxied": True,
                "priority": None,
                "comment": None,
                "tags": None,
            },
        ),
    ]
    assert all(c.existing_id is None and c.fields == [] for c in changes)


def test_a_structured_record_is_created_with_data_and_no_content() -> None:
    data = {"priority": 1, "weight": 2, "port": 5060, "target": "sip.example.com"}

    (change,) = plan([desired("SRV", data=data)], [], "SRV", "add")

    assert change.action == "create"
    assert change.record["data"] == data
    assert "content" not in change.record


def test_an_identical_record_is_unchanged_and_keeps_its_id() -> None:
    have = existing("r1", "A", "192.0.2.1", ttl=300, comment="web", tags=["env:prod"])

    (change,) = plan(
        [desired("A", "192.0.2.1", ttl=300, comment="web", tags=("env:prod",))], [have]
    )

    assert (change.action, change.existing_id, change.fields) == ("unchanged", "r1", [])
    assert change.record == have
    assert change.label == "records[0] (A www)"


@pytest.mark.parametrize(
    ("rtype", "written", "stored"),
    [
        ("AAAA", "2001:DB8:0:0::10", "2001:db8::10"),
        ("CNAME", "Docs.Example.NET.", "docs.example.net"),
        ("TXT", "v=spf1 -all", '"v=spf1 -all"'),
    ],
)
def test_a_record_written_differently_from_how_it_is_stored_is_unchanged(
    rtype: str, written: str, stored: str
) -> None:
    (change,) = plan([desired(rtype, written)], [existing("r1", rtype, stored)], rtype)

    assert summary([change]) == [("unchanged", "r1", [])]


def test_a_field_left_out_is_not_compared() -> None:
    have = existing("r1", "A", "192.0.2.1", ttl=300, proxied=True, comment="x", tags=["a:1"])

    assert summary(plan([desired("A", "192.0.2.1")], [have])) == [("unchanged", "r1", [])]


@pytest.mark.parametrize(
    ("wanted", "have", "fields"),
    [
        ({"ttl": 300}, {"ttl": 1}, ["ttl"]),
        ({"proxied": False}, {"proxied": True}, ["proxied"]),
        ({"proxied": True}, {"ttl": 300}, ["ttl", "proxied"]),
        ({"comment": "new"}, {"comment": "old"}, ["comment"]),
        ({"comment": ""}, {"comment": "old"}, ["comment"]),
        ({"tags": ("a:1", "b:2")}, {"tags": ["a:1"]}, ["tags"]),
        ({"tags": ()}, {"tags": ["a:1"]}, ["tags"]),
        (
            {"ttl": 600, "comment": "c", "tags": ("t:1",)},
            {"ttl": 300},
            ["ttl", "comment", "tags"],
        ),
    ],
)
def test_differing_settings_update_exactly_the_changed_fields(
    wanted: dict[str, Any], have: dict[str, Any], fields: list[str]
) -> None:
    (change,) = plan(
        [desired("A", "192.0.2.1", **wanted)], [existing("r1", "A", "192.0.2.1", **have)]
    )

    assert (change.action, change.existing_id, change.fields) == ("update", "r1", fields)
    expected = {k: list(v) if isinstance(v, tuple) else v for k, v in wanted.items()}
    if "proxied" in fields and wanted.get("proxied"):
        expected["ttl"] = 1
    assert {f: change.record[f] for f in fields} == expected


def test_a_changed_mx_priority_is_an_update_of_priority() -> None:
    have = existing("m1", "MX", "mail.example.com", priority=10)

    (change,) = plan([desired("MX", "Mail.Example.com.", priority=20)], [have], "MX", "add")

    assert summary([change]) == [("update", "m1", ["priority"])]
    assert change.batch_item() == {"id": "m1", "priority": 20}


@pytest.mark.parametrize(
    ("wanted", "have"),
    [
        ({"comment": ""}, {"comment": None}),
        ({"comment": ""}, {}),
        ({"tags": ("b:2", "a:1")}, {"tags": ["a:1", "b:2"]}),
        ({"tags": ()}, {"tags": None}),
        ({"ttl": 300}, {"ttl": 1, "proxied": True}),
        ({"ttl": 1, "proxied": True}, {"ttl": 1, "proxied": True}),
        ({"proxied": True}, {"ttl": 1, "proxied": True}),
    ],
)
def test_equal_settings_are_unchanged(wanted: dict[str, Any], have: dict[str, Any]) -> None:
    record = existing("r1", "A", "192.0.2.1", **have)
    if "comment" in wanted and not have:
        del record["comment"]

    changes = plan([desired("A", "192.0.2.1", **wanted)], [record])

    assert summary(changes) == [("unchanged", "r1", [])]


def test_unproxying_with_a_ttl_updates_both() -> None:
    have = existing("r1", "A", "192.0.2.1", ttl=1, proxied=True)

    (change,) = plan([desired("A", "192.0.2.1", proxied=False, ttl=300)], [have])

    assert change.fields == ["ttl", "proxied"]
    assert change.batch_item() == {"id": "r1", "ttl": 300, "proxied": False}


# plan_group: replace


def test_replace_retargets_an_existing_record_keeping_its_id() -> None:
    (change,) = plan([desired("A", "192.0.2.2")], [existing("r1", "A", "192.0.2.1", ttl=300)])

    assert summary([change]) == [("update", "r1", ["content"])]
    assert change.record == existing("r1", "A", "192.0.2.2", ttl=300)
    assert change.batch_item() == {"id": "r1", "content": "192.0.2.2"}


def test_a_retarget_also_updates_differing_settings() -> None:
    have = existing("r1", "A", "192.0.2.1", ttl=300, comment="old")

    (change,) = plan([desired("A", "192.0.2.2", ttl=600, comment="old", proxied=False)], [have])

    assert change.fields == ["content", "ttl"]
    assert change.batch_item() == {"id": "r1", "content": "192.0.2.2", "ttl": 600}


def test_a_retarget_of_a_structured_record_sends_its_data() -> None:
    old = {"priority": 1, "weight": 2, "port": 5060, "target": "sip.example.com"}
    new = {**old, "port": 5061}
    have = existing("s1", "SRV", "1 2 5060 sip.example.com", data=old)

    (change,) = plan([desired("SRV", data=new)], [have], "SRV", "replace")

    assert summary([change]) == [("update", "s1", ["data"])]
    assert change.batch_item() == {"id": "s1", "data": new}


def test_replace_keeps_matches_retargets_leftovers_and_deletes_the_rest() -> None:
    have = [
        existing("r1", "A", "192.0.2.1"),
        existing("r2", "A", "192.0.2.2"),
        existing("r3", "A", "192.0.2.3"),
    ]

    changes = plan([desired("A", "192.0.2.2"), desired("A", "192.0.2.4", index=1)], have)

    assert summary(changes) == [
        ("unchanged", "r2", []),
        ("update", "r1", ["content"]),
        ("delete", "r3", []),
    ]
    assert changes[1].label == "records[1] (A www)"
    assert changes[2].record == have[2]


def test_a_match_is_kept_even_when_an_earlier_record_could_take_it_over() -> None:
    have = [existing("r1", "A", "192.0.2.1"), existing("r2", "A", "192.0.2.2")]

    changes = plan([desired("A", "192.0.2.9"), desired("A", "192.0.2.2", index=1)], have)

    assert summary(changes) == [("unchanged", "r2", []), ("update", "r1", ["content"])]


def test_replace_creates_what_no_leftover_can_take() -> None:
    changes = plan(
        [desired("A", "192.0.2.1"), desired("A", "192.0.2.2", index=1)],
        [existing("r1", "A", "192.0.2.9")],
    )

    assert [c.action for c in changes] == ["update", "create"]


def test_replace_leaves_other_types_at_the_name_alone() -> None:
    have = [existing("t1", "TXT", '"keep me"'), existing("m1", "MX", "mx.example.com", priority=1)]

    changes = plan([desired("A", "192.0.2.1")], have)

    assert [c.action for c in changes] == ["create"]


# plan_group: add


def test_add_creates_the_missing_record_and_leaves_the_others() -> None:
    spf = existing("t1", "TXT", '"v=spf1 -all"')

    changes = plan([desired("TXT", "google-site-verification=abc")], [spf], "TXT", "add")

    assert [(c.action, c.record["content"]) for c in changes] == [
        ("create", "google-site-verification=abc")
    ]


def test_add_of_an_existing_record_is_unchanged() -> None:
    have = [existing("r1", "A", "192.0.2.1"), existing("r2", "A", "192.0.2.2")]

    changes = plan([desired("A", "192.0.2.2")], have, "A", "add")

    assert summary(changes) == [("unchanged", "r2", [])]


# plan_group: absent


def test_absent_with_content_deletes_only_the_matching_record() -> None:
    have = [existing("t1", "TXT", '"token-1"'), existing("t2", "TXT", '"token-2"')]

    changes = plan([desired("TXT", "token-1", state="absent")], have, "TXT", "add")

    assert summary(changes) == [("delete", "t1", [])]
    assert (changes[0].type, changes[0].name) == ("TXT", WWW)


def test_absent_without_content_deletes_the_whole_group_and_nothing_else() -> None:
    have = [
        existing("r1", "A", "192.0.2.1"),
        existing("r2", "A", "192.0.2.2"),
        existing("t1", "TXT", '"x"'),
    ]

    changes = plan([desired("A", state="absent")], have)

    assert summary(changes) == [("delete", "r1", []), ("delete", "r2", [])]


def test_absent_of_a_record_that_does_not_exist_changes_nothing() -> None:
    have = [existing("r1", "A", "192.0.2.1")]

    assert plan([desired("A", "192.0.2.9", state="absent")], have) == []
    assert plan([desired("A", state="absent")], []) == []


def test_absent_does_not_delete_cname_conflicts() -> None:
    have = [existing("c1", "CNAME", "x.example.net")]

    assert plan([desired("A", state="absent")], have) == []


# plan_group: CNAME and A/AAAA


def test_a_cname_replacing_a_and_aaaa_records_deletes_them() -> None:
    have = [
        existing("a1", "A", "192.0.2.1"),
        existing("a2", "AAAA", "2001:db8::1"),
        existing("t1", "TXT", '"keep"'),
    ]

    changes = plan([desired("CNAME", "new.example.net")], have, "CNAME")

    assert summary(changes) == [
        ("create", None, []),
        ("delete", "a1", []),
        ("delete", "a2", []),
    ]
    assert [c.type for c in changes] == ["CNAME", "A", "AAAA"]


def test_an_a_record_replacing_a_cname_deletes_it() -> None:
    changes = plan([desired("A", "192.0.2.8")], [existing("c1", "CNAME", "old.example.net")])

    assert summary(changes) == [("create", None, []), ("delete", "c1", [])]


@pytest.mark.parametrize(
    ("rtype", "content", "conflict"),
    [
        ("CNAME", "x.example.net", existing("a1", "A", "192.0.2.1")),
        ("A", "192.0.2.1", existing("c1", "CNAME", "x.example.net")),
        ("AAAA", "2001:db8::1", existing("c1", "CNAME", "x.example.net")),
    ],
)
def test_add_mode_beside_a_conflicting_type_is_a_plan_error(
    rtype: str, content: str, conflict: dict[str, Any]
) -> None:
    with pytest.raises(PlanError) as excinfo:
        plan([desired(rtype, content)], [conflict], rtype, "add")

    assert excinfo.value.title == "DNS plan"
    message = str(excinfo.value)
    assert excinfo.value.message == message
    assert message.startswith(f"{WWW}: a {rtype} record cannot be added beside the existing ")
    assert f"{conflict['type']} record(s)" in message
    assert message.endswith("use mode: replace to switch the name's records.")


# Change.batch_item


def test_batch_item_of_a_delete_is_its_id() -> None:
    change = Change("delete", "A", WWW, existing("r1", "A", "192.0.2.1"), "r1")

    assert change.batch_item() == {"id": "r1"}


def test_batch_item_of_an_update_holds_only_the_changed_fields() -> None:
    record = existing("r1", "A", "192.0.2.2", ttl=300, comment="c")
    change = Change("update", "A", WWW, record, "r1", ["content", "comment"])

    assert change.batch_item() == {"id": "r1", "content": "192.0.2.2", "comment": "c"}


def test_batch_item_of_a_create_drops_the_fields_not_given() -> None:
    (change,) = plan([desired("MX", "mail.example.com", priority=10, comment="")], [], "MX", "add")

    assert change.batch_item() == {
        "type": "MX",
        "name": WWW,
        "content": "mail.example.com",
        "ttl": 1,
        "priority": 10,
        "comment": "",
    }


def test_batch_item_of_a_create_never_sends_an_id() -> None:
    change = Change("create", "A", WWW, {"id": "x", "type": "A", "content": "192.0.2.1"})

    assert change.batch_item() == {"type": "A", "content": "192.0.2.1"}
