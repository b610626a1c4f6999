"""Tests for the emulator's DNS record endpoints (list, CRUD, batch), over real HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from cfemu import DEFAULT_DNS_BATCH_LIMITS, DnsRecord, Emulator, Fault, State, demo
from tests.emulator.helpers import (
    ACME,
    KEY_HEADERS,
    MISSING_AUTH,
    OTHER,
    OTHER_ACCOUNT_TOKEN,
    SCOPED_TOKEN,
    UNKNOWN_ZONE,
    USER_TOKEN,
    ZONE,
    assert_error,
    assert_ok,
    base_state,
    bearer,
)

ZONE2 = "c" * 31 + "2"  # example.net, in Acme, Free plan
ZONE_PRO = "c" * 31 + "3"  # pro.example, in Other Corp, Pro plan
ZONE_ENT = "c" * 31 + "4"  # big.example, in Other Corp, Enterprise plan
UNKNOWN_RECORD = "f" * 32

READ_TOKEN = "R" * 40
NO_DNS_TOKEN = "N" * 40

SAME_HOST = (
    "A CNAME record with that host already exists. For more details, refer to "
    "<https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/"
    "records-with-same-name/>."
)
A_AAAA_CNAME = "An A, AAAA, or CNAME record with that host already exists."
TTL_MESSAGE = "TTL must be between 30 and 86400 seconds, or 1 for Automatic."


@pytest.fixture
def state() -> State:
    """The base state plus a second Acme zone, paid zones in Other Corp, and DNS tokens."""
    state = base_state()
    state.add_zone("example.net", account_id=ACME, id=ZONE2)
    state.add_zone("pro.example", account_id=OTHER, id=ZONE_PRO, plan="pro")
    state.add_zone("big.example", account_id=OTHER, id=ZONE_ENT, plan="enterprise")
    state.add_token(USER_TOKEN, permissions={"dns:read", "dns:edit"})
    state.add_token(READ_TOKEN, permissions={"dns:read", "zone:read"})
    state.add_token(SCOPED_TOKEN, permissions={"dns:edit"}, zone_ids={ZONE})
    state.add_token(NO_DNS_TOKEN, permissions={"zone:read", "cache_purge:purge"})
    state.add_token(OTHER_ACCOUNT_TOKEN, permissions={"dns:edit"}, account_id=OTHER)
    return state


def call(
    emu: Emulator,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str = USER_TOKEN,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    raw: bytes | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    sent = dict(headers) if headers is not None else bearer(token)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    if data is not None:
        sent["Content-Type"] = "application/json"
    client = session if session is not None else requests
    return client.request(
        method, emu.base_url + path, data=data, headers=sent, params=params, timeout=5
    )


def records_path(zone_id: str = ZONE) -> str:
    return f"/zones/{zone_id}/dns_records"


def create(emu: Emulator, body: dict[str, Any], zone_id: str = ZONE, **kw: Any) -> Any:
    return call(emu, "POST", records_path(zone_id), body, **kw)


def batch(emu: Emulator, body: Any, zone_id: str = ZONE, **kw: Any) -> requests.Response:
    return call(emu, "POST", records_path(zone_id) + "/batch", body, **kw)


def listing(emu: Emulator, zone_id: str = ZONE, **params: Any) -> requests.Response:
    return call(emu, "GET", records_path(zone_id), params=params)


def created(emu: Emulator, body: dict[str, Any], zone_id: str = ZONE) -> dict[str, Any]:
    result: dict[str, Any] = assert_ok(create(emu, body, zone_id))
    return result


def assert_invalid(response: requests.Response, code: int, message: str) -> None:
    assert_error(response, 400, 1004, "DNS Validation Error", [(code, message)])


def names(result: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["type"], r["name"], r["content"]) for r in result]


# --- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("@", "example.com"),
        ("www", "www.example.com"),
        ("WWW", "www.example.com"),
        ("www.example.com", "www.example.com"),
        ("WWW.Example.COM.", "www.example.com"),
        ("example.com", "example.com"),
        ("Example.Com.", "example.com"),
        ("a.b", "a.b.example.com"),
        ("*.dev", "*.dev.example.com"),
        ("_acme-challenge", "_acme-challenge.example.com"),
        ("notexample.com", "notexample.com.example.com"),
        ("www.example.net", "www.example.net.example.com"),
    ],
)
def test_names_are_stored_as_lower_case_fqdns(emu: Emulator, sent: str, stored: str) -> None:
    record = created(emu, {"type": "A", "name": sent, "content": "192.0.2.1"})
    assert record["name"] == stored
    assert [r.name for r in emu.state.records(ZONE)] == [stored]


@pytest.mark.parametrize(
    ("body", "content"),
    [
        ({"type": "A", "content": "192.0.2.1"}, "192.0.2.1"),
        ({"type": "AAAA", "content": "2001:DB8:0000:0:0:0:0:0001"}, "2001:db8::1"),
        ({"type": "AAAA", "content": "::FFFF:192.0.2.1"}, "::ffff:c000:201"),
        ({"type": "CNAME", "content": "Target.Example.NET."}, "target.example.net"),
        ({"type": "MX", "content": "MAIL.example.com.", "priority": 10}, "mail.example.com"),
        ({"type": "NS", "content": "NS1.Example.Org."}, "ns1.example.org"),
        ({"type": "PTR", "content": "Host.Example.com"}, "host.example.com"),
        ({"type": "TXT", "content": "v=spf1 -all"}, '"v=spf1 -all"'),
        ({"type": "TXT", "content": '"already" "quoted"'}, '"already" "quoted"'),
        ({"type": "TXT", "content": 'say "hi"'}, '"say \\"hi\\""'),
        ({"type": "TXT", "content": "back\\slash"}, '"back\\\\slash"'),
        ({"type": "TXT", "content": '"half'}, '"\\"half"'),
    ],
)
def test_content_normalisation(emu: Emulator, body: dict[str, Any], content: str) -> None:
    record = created(emu, {"name": "host", **body})
    assert record["content"] == content
    fetched = assert_ok(call(emu, "GET", f"{records_path()}/{record['id']}"))
    assert fetched == record


def test_txt_is_chunked_into_quoted_strings_of_255_bytes(emu: Emulator) -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(300))
    record = created(emu, {"type": "TXT", "name": "long", "content": text})
    assert record["content"] == f'"{text[:255]}" "{text[255:]}"'
    # Multi-byte characters are never split: 200 x "é" is 400 bytes.
    record = created(emu, {"type": "TXT", "name": "utf8", "content": "é" * 200})
    chunks = re.findall(r'"([^"]*)"', record["content"])
    assert [len(c.encode()) for c in chunks] == [254, 146]
    assert "".join(chunks) == "é" * 200
    # Exactly 255 bytes stays one chunk.
    record = created(emu, {"type": "TXT", "name": "edge", "content": "x" * 255})
    assert record["content"] == '"' + "x" * 255 + '"'


def test_defaults_and_proxied_ttl(emu: Emulator) -> None:
    plain = created(emu, {"type": "A", "name": "plain", "content": "192.0.2.1"})
    assert plain["ttl"] == 1
    assert plain["proxied"] is False
    assert plain["proxiable"] is True
    assert plain["comment"] is None
    assert plain["tags"] == []
    assert "priority" not in plain
    assert plain["zone_id"] == ZONE
    assert plain["zone_name"] == "example.com"
    assert re.fullmatch(r"[0-9a-f]{32}", plain["id"])
    assert plain["created_on"] == plain["modified_on"]
    body = {"type": "CNAME", "name": "cdn", "content": "x.example.net", "proxied": True}
    proxied = created(emu, {**body, "ttl": 3600})
    assert (proxied["proxied"], proxied["ttl"]) == (True, 1)
    kept = created(emu, {"type": "A", "name": "kept", "content": "192.0.2.1", "ttl": 3600})
    assert kept["ttl"] == 3600
    txt = created(emu, {"type": "TXT", "name": "t", "content": "x", "comment": "c"})
    assert (txt["proxiable"], txt["comment"]) == (False, "c")
    tagged = created(emu, {"type": "AAAA", "name": "t6", "content": "::1", "tags": ["k:v"]})
    assert tagged["tags"] == ["k:v"]


def test_structured_records(emu: Emulator) -> None:
    srv = created(
        emu,
        {
            "type": "SRV",
            "name": "_sip._tcp",
            "data": {"priority": 10, "weight": 5, "port": 5060, "target": "SIP.Example.com."},
        },
    )
    assert srv["content"] == "5 5060 sip.example.com"
    assert srv["priority"] == 10
    assert srv["data"] == {"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.com"}
    caa = created(
        emu, {"type": "CAA", "name": "@", "data": {"flags": 0, "tag": "issue", "value": "ca.org"}}
    )
    assert caa["content"] == '0 issue "ca.org"'
    mx = created(emu, {"type": "MX", "name": "@", "content": "mx.example.com", "priority": 0})
    assert mx["priority"] == 0


def test_ttl_minimum_depends_on_the_plan(emu: Emulator) -> None:
    body = {"type": "A", "name": "t", "content": "192.0.2.1", "ttl": 30}
    assert_invalid(create(emu, body), 9021, TTL_MESSAGE)
    assert_invalid(create(emu, body, ZONE_PRO), 9021, TTL_MESSAGE)
    assert created(emu, body, ZONE_ENT)["ttl"] == 30
    assert created(emu, {**body, "ttl": 60})["ttl"] == 60
    assert created(emu, {**body, "ttl": 86400}, ZONE_PRO)["ttl"] == 86400


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"type": "A", "name": "x", "content": "300.1.1.1"}, 9005, None),
        ({"type": "A", "name": "x", "content": "2001:db8::1"}, 9005, None),
        ({"type": "AAAA", "name": "x", "content": "192.0.2.1"}, 9006, None),
        ({"type": "TXT", "name": "x", "content": "v", "proxied": True}, 9004, None),
        (
            {"type": "MX", "name": "x", "content": "m.example", "priority": 1, "proxied": True},
            9004,
            None,
        ),
        ({"type": "A", "name": "x", "content": "192.0.2.1", "proxied": "yes"}, 9003, None),
        ({"type": "A", "name": "x", "content": "192.0.2.1", "ttl": 0}, 9021, None),
        ({"type": "A", "name": "x", "content": "192.0.2.1", "ttl": 86401}, 9021, None),
        ({"type": "A", "name": "x", "content": "192.0.2.1", "ttl": "300"}, 9021, None),
        ({"type": "A", "name": "x"}, 9100, "content is a required field."),
        ({"type": "TXT", "name": "x", "content": ""}, 9100, "content is a required field."),
        ({"name": "x", "content": "192.0.2.1"}, 9100, "type is a required field."),
        ({"type": "A", "content": "192.0.2.1"}, 9100, "name is a required field."),
        (
            {"type": "MX", "name": "x", "content": "m.example"},
            9100,
            "priority is a required field.",
        ),
        ({"type": "MX", "name": "x", "content": "m.example", "priority": -1}, 9008, None),
        ({"type": "MX", "name": "x", "content": "192.0.2.1", "priority": 1}, 9009, None),
        ({"type": "SRV", "name": "_s._tcp"}, 9100, "data is a required field."),
        (
            {"type": "SRV", "name": "_s._tcp", "data": {"priority": 1, "weight": 1, "port": 1}},
            9101,
            "target is a required data field.",
        ),
        ({"type": "BOGUS", "name": "x", "content": "y"}, 9020, "Unknown record type: BOGUS"),
        ({"type": "CNAME", "name": "self", "content": "SELF.example.com."}, 9039, None),
        ({"type": "CNAME", "name": "x", "content": "192.0.2.1"}, 9007, None),
        ({"type": "A", "name": "bad name", "content": "192.0.2.1"}, 9000, "DNS name is invalid."),
        ({"type": "A", "name": ".", "content": "192.0.2.1"}, 9000, "DNS name is invalid."),
        ({"type": "A", "name": "x", "content": "192.0.2.1", "tags": "k:v"}, 9022, None),
    ],
)
def test_invalid_records_are_1004(
    emu: Emulator, body: dict[str, Any], code: int, message: str | None
) -> None:
    """message None: checked elsewhere (test_validation_messages) or ours to word."""
    response = create(emu, body)
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert (error["code"], error["message"]) == (1004, "DNS Validation Error")
    [link] = error["error_chain"]
    assert link["code"] == code
    assert message is None or link["message"] == message
    assert emu.state.dns_records == {}


def test_validation_messages(emu: Emulator) -> None:
    bad_a = create(emu, {"type": "A", "name": "x", "content": "1.2.3"})
    assert_invalid(bad_a, 9005, "Content for A record must be a valid IPv4 address.")
    bad_aaaa = create(emu, {"type": "AAAA", "name": "x", "content": "zz::1"})
    assert_invalid(bad_aaaa, 9006, "Content for AAAA record must be a valid IPv6 address.")
    txt = create(emu, {"type": "TXT", "name": "x", "content": "v", "proxied": True})
    assert_invalid(txt, 9004, "This kind of record cannot be proxied.")
    cname = create(emu, {"type": "CNAME", "name": "@", "content": "example.com"})
    assert_invalid(cname, 9039, "CNAME content cannot reference itself.")


def test_bad_bodies(emu: Emulator) -> None:
    assert_error(create(emu, {}, raw=b"{not json"), 400, 6007, "Malformed JSON in request body")
    assert_invalid(create(emu, {}, raw=b"[]"), 9022, "Request body must be a JSON object.")


# --- conflicts --------------------------------------------------------------------------


def test_duplicates_are_81057_and_81058(emu: Emulator) -> None:
    a = created(emu, {"type": "A", "name": "www", "content": "192.0.2.1"})
    again = create(emu, {"type": "A", "name": "WWW.example.com.", "content": "192.0.2.1"})
    assert_error(again, 400, 81057, "Record already exists.")
    created(emu, {"type": "TXT", "name": "@", "content": "v=spf1 -all"})
    quoted = create(emu, {"type": "TXT", "name": "@", "content": '"v=spf1 -all"'})
    assert_error(quoted, 400, 81057, "Record already exists.")
    b = created(emu, {"type": "A", "name": "www", "content": "192.0.2.2"})
    same = call(emu, "PATCH", f"{records_path()}/{b['id']}", {"content": "192.0.2.1"})
    assert_error(same, 400, 81058, "An identical record already exists.")
    # Saving a record unchanged is not a conflict with itself.
    assert assert_ok(call(emu, "PATCH", f"{records_path()}/{a['id']}", {}))["id"] == a["id"]
    # Another zone may hold the same record.
    created(emu, {"type": "A", "name": "www", "content": "192.0.2.1"}, ZONE2)
    assert len(emu.state.records(ZONE)) == 3


def test_cname_conflicts_are_81053_and_81054(emu: Emulator) -> None:
    created(emu, {"type": "A", "name": "www", "content": "192.0.2.1"})
    cname = create(emu, {"type": "CNAME", "name": "www", "content": "x.example.net"})
    assert_error(cname, 400, 81053, A_AAAA_CNAME)
    created(emu, {"type": "CNAME", "name": "alias", "content": "x.example.net"})
    for body in (
        {"type": "A", "name": "alias", "content": "192.0.2.1"},
        {"type": "AAAA", "name": "alias", "content": "2001:db8::1"},
    ):
        assert_error(create(emu, body), 400, 81054, SAME_HOST)
    second = create(emu, {"type": "CNAME", "name": "alias", "content": "y.example.net"})
    assert_error(second, 400, 81053, A_AAAA_CNAME)
    # The conflict wins over the duplicate.
    dup = create(emu, {"type": "CNAME", "name": "alias", "content": "x.example.net"})
    assert_error(dup, 400, 81053, A_AAAA_CNAME)
    # Other types may share the name.
    created(emu, {"type": "TXT", "name": "alias", "content": "ok"})
    assert [r.type for r in emu.state.records(ZONE, name="alias")] == ["CNAME", "TXT"]


def test_record_limit_for_free_zones(emu: Emulator) -> None:
    emu.state.dns_record_limit_free = 2
    for i in range(2):
        created(emu, {"type": "A", "name": f"h{i}", "content": "192.0.2.1"})
    third = create(emu, {"type": "A", "name": "h2", "content": "192.0.2.1"})
    assert_error(third, 400, 81045, "Record quota exceeded.")
    for i in range(3):
        created(emu, {"type": "A", "name": f"h{i}", "content": "192.0.2.1"}, ZONE_PRO)
    # A batch that deletes first may post as many as it deletes.
    [first, *_] = emu.state.records(ZONE)
    body = {
        "deletes": [{"id": first.id}],
        "posts": [{"type": "A", "name": "h9", "content": "192.0.2.1"}],
    }
    assert_ok(batch(emu, body))


# --- CRUD -------------------------------------------------------------------------------


def test_crud_put_resets_and_patch_keeps(emu: Emulator) -> None:
    body = {
        "type": "A",
        "name": "www",
        "content": "192.0.2.1",
        "ttl": 300,
        "comment": "web",
        "tags": ["env:prod"],
    }
    record = created(emu, body)
    path = f"{records_path()}/{record['id']}"
    assert assert_ok(call(emu, "GET", path)) == record

    patched = assert_ok(call(emu, "PATCH", path, {"content": "192.0.2.2", "id": "ignored"}))
    assert patched["content"] == "192.0.2.2"
    assert (patched["ttl"], patched["comment"], patched["tags"]) == (300, "web", ["env:prod"])
    assert (patched["id"], patched["created_on"]) == (record["id"], record["created_on"])

    proxied = assert_ok(call(emu, "PATCH", path, {"proxied": True}))
    assert (proxied["proxied"], proxied["ttl"], proxied["content"]) == (True, 1, "192.0.2.2")

    put = assert_ok(call(emu, "PUT", path, {"type": "A", "name": "www", "content": "192.0.2.3"}))
    assert put["content"] == "192.0.2.3"
    assert (put["ttl"], put["proxied"], put["comment"], put["tags"]) == (1, False, None, [])
    assert put["id"] == record["id"]

    retyped = assert_ok(call(emu, "PUT", path, {"type": "TXT", "name": "@", "content": "hi"}))
    assert (retyped["type"], retyped["name"], retyped["content"]) == ("TXT", "example.com", '"hi"')
    incomplete = call(emu, "PUT", path, {"content": "192.0.2.9"})
    assert_invalid(incomplete, 9100, "type is a required field.")

    deleted = call(emu, "DELETE", path)
    assert assert_ok(deleted) == {"id": record["id"]}
    assert emu.state.dns_records == {}
    for method, sent in (("GET", None), ("PATCH", {}), ("PUT", body), ("DELETE", None)):
        assert_error(call(emu, method, path, sent), 404, 81044, "Record does not exist.")


def test_unknown_records_are_81044(emu: Emulator) -> None:
    other = created(emu, {"type": "A", "name": "www", "content": "192.0.2.1"}, ZONE2)
    for record_id in (UNKNOWN_RECORD, other["id"]):
        path = f"{records_path()}/{record_id}"
        for method in ("GET", "PATCH", "PUT", "DELETE"):
            # 81044 comes before any problem with the body.
            response = call(emu, method, path, raw=b"{bad")
            assert_error(response, 404, 81044, "Record does not exist.")
    assert len(emu.state.dns_records) == 1


def test_patch_revalidates_the_merged_record(emu: Emulator) -> None:
    record = created(emu, {"type": "A", "name": "www", "content": "192.0.2.1"})
    path = f"{records_path()}/{record['id']}"
    bad_content = call(emu, "PATCH", path, {"content": "nope"})
    assert_invalid(bad_content, 9005, "Content for A record must be a valid IPv4 address.")
    proxied_txt = call(emu, "PATCH", path, {"type": "TXT", "proxied": True})
    assert_invalid(proxied_txt, 9004, "This kind of record cannot be proxied.")
    renamed = assert_ok(call(emu, "PATCH", path, {"name": "WEB"}))
    assert renamed["name"] == "web.example.com"
    assert emu.state.records(ZONE)[0].content == "192.0.2.1"


# --- list -------------------------------------------------------------------------------


def seed(state: State) -> None:
    state.add_dns_record(ZONE, "A", "www", "192.0.2.1", proxied=True)
    state.add_dns_record(ZONE, "A", "api", "192.0.2.2", ttl=300)
    state.add_dns_record(ZONE, "AAAA", "www", "2001:db8::1", ttl=120)
    state.add_dns_record(ZONE, "CNAME", "shop", "shops.example.net", proxied=True)
    state.add_dns_record(ZONE, "TXT", "@", "v=spf1 -all")
    state.add_dns_record(ZONE, "MX", "@", "mail.example.com", priority=10)
    state.add_dns_record(ZONE2, "A", "www", "192.0.2.1")


def test_list_default_order_is_type_then_name(emu: Emulator) -> None:
    seed(emu.state)
    response = listing(emu)
    assert names(assert_ok(response)) == [
        ("A", "api.example.com", "192.0.2.2"),
        ("A", "www.example.com", "192.0.2.1"),
        ("AAAA", "www.example.com", "2001:db8::1"),
        ("CNAME", "shop.example.com", "shops.example.net"),
        ("MX", "example.com", "mail.example.com"),
        ("TXT", "example.com", '"v=spf1 -all"'),
    ]
    info = response.json()["result_info"]
    assert info == {"page": 1, "per_page": 100, "count": 6, "total_count": 6, "total_pages": 1}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "A"}, ["api.example.com", "www.example.com"]),
        ({"type": "aaaa"}, ["www.example.com"]),
        ({"name": "WWW.example.com."}, ["www.example.com", "www.example.com"]),
        ({"name.exact": "www.example.com", "type": "AAAA"}, ["www.example.com"]),
        ({"name": "www"}, []),
        ({"name": "@"}, ["example.com", "example.com"]),
        ({"name.contains": "HO"}, ["shop.example.com"]),
        ({"name.startswith": "ap"}, ["api.example.com"]),
        ({"name.endswith": "p.example.com"}, ["shop.example.com"]),
        ({"content": "192.0.2.1"}, ["www.example.com"]),
        ({"content.exact": '"V=SPF1 -ALL"'}, ["example.com"]),
        ({"content.contains": "spf1"}, ["example.com"]),
        ({"content.startswith": "2001:"}, ["www.example.com"]),
        ({"content.endswith": ".net"}, ["shop.example.com"]),
        ({"proxied": "true"}, ["shop.example.com", "www.example.com"]),
        ({"proxied": "false", "type": "A"}, ["api.example.com"]),
        ({"type": "A", "name": "shop.example.com"}, []),
        (
            {"type": "CNAME", "content": "192.0.2.2", "match": "any"},
            ["shop.example.com", "api.example.com"],
        ),
        ({"type": "A", "name": "shop.example.com", "match": "all"}, []),
    ],
)
def test_list_filters(emu: Emulator, params: dict[str, str], expected: list[str]) -> None:
    seed(emu.state)
    result = assert_ok(listing(emu, **params))
    assert sorted(r["name"] for r in result) == sorted(expected)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"order": "name"}, ["api", "apex-MX", "apex-TXT", "shop", "www-A", "www-AAAA"]),
        ({"order": "ttl"}, ["www-A", "shop", "apex-MX", "apex-TXT", "www-AAAA", "api"]),
        (
            {"order": "type", "direction": "desc"},
            ["apex-TXT", "apex-MX", "shop", "www-AAAA", "www-A", "api"],
        ),
        ({"order": "content"}, ["apex-TXT", "www-A", "api", "www-AAAA", "apex-MX", "shop"]),
        (
            {"order": "proxied", "direction": "desc"},
            ["shop", "www-A", "apex-TXT", "apex-MX", "www-AAAA", "api"],
        ),
    ],
)
def test_list_order(emu: Emulator, params: dict[str, str], expected: list[str]) -> None:
    seed(emu.state)
    result = assert_ok(listing(emu, **params))

    def label(r: dict[str, Any]) -> str:
        host = r["name"].removesuffix("example.com").rstrip(".") or "apex"
        if host in ("www", "apex"):
            return f"{host}-{r['type']}"
        return str(host)

    assert [label(r) for r in result] == expected


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"per_page": "0"},
        {"per_page": "5000001"},
        {"per_page": "many"},
        {"order": "zone"},
        {"direction": "up"},
        {"match": "some"},
        {"proxied": "yes"},
    ],
)
def test_list_bad_parameters_are_1004(emu: Emulator, params: dict[str, str]) -> None:
    response = listing(emu, **params)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == 1004


def test_list_pages_with_per_page(emu: Emulator, session: requests.Session) -> None:
    seed(emu.state)
    pages = []
    for page in (1, 2, 3, 4):
        response = call(
            emu, "GET", records_path(), params={"per_page": 4, "page": page}, session=session
        )
        pages.append(assert_ok(response))
        info = response.json()["result_info"]
        assert info["total_pages"] == 2
        assert (info["per_page"], info["total_count"]) == (4, 6)
    assert [len(p) for p in pages] == [4, 2, 0, 0]
    assert assert_ok(listing(emu, per_page=5_000_000)) == pages[0] + pages[1]
    assert assert_ok(listing(emu, per_page=1, page=6))[0]["type"] == "TXT"


def test_page_cap_forces_clients_to_follow_total_pages(
    state: State, session: requests.Session
) -> None:
    for i in range(1500):
        state.add_dns_record(ZONE, "A", f"h{i:04d}", f"10.0.{i // 256}.{i % 256}")
    state.dns_page_cap = 100
    with Emulator(state) as emu:
        seen: list[str] = []
        page, total_pages = 1, None
        while total_pages is None or page <= total_pages:
            response = call(
                emu,
                "GET",
                records_path(),
                params={"per_page": 5000, "page": page},
                session=session,
            )
            result = assert_ok(response)
            info = response.json()["result_info"]
            total_pages = info["total_pages"]
            assert info["per_page"] == 100
            assert info["count"] == len(result) == 100
            assert info["total_count"] == 1500
            seen.extend(r["id"] for r in result)
            page += 1
        assert total_pages == 15
        assert len(seen) == len(set(seen)) == 1500
        assert set(seen) == set(state.dns_records)
        # max_page_rows applies too; the smaller cap wins.
        state.max_page_rows = 40
        info = call(emu, "GET", records_path(), session=session).json()["result_info"]
        assert (info["per_page"], info["total_pages"]) == (40, 38)


# --- batch ------------------------------------------------------------------------------


def test_batch_replaces_a_cname_with_a_records(emu: Emulator) -> None:
    cname = created(emu, {"type": "CNAME", "name": "www", "content": "x.example.net"})
    a_posts = [
        {"type": "A", "name": "www", "content": "192.0.2.1"},
        {"type": "A", "name": "www", "content": "192.0.2.2"},
    ]
    # The same changes as separate requests, in the wrong order, fail.
    assert_error(create(emu, a_posts[0]), 400, 81054, SAME_HOST)
    result = assert_ok(batch(emu, {"posts": a_posts, "deletes": [{"id": cname["id"]}]}))
    assert set(result) == {"deletes", "patches", "puts", "posts"}
    assert result["deletes"] == [cname]
    assert (result["patches"], result["puts"]) == ([], [])
    assert names(result["posts"]) == [
        ("A", "www.example.com", "192.0.2.1"),
        ("A", "www.example.com", "192.0.2.2"),
    ]
    assert [r.content for r in emu.state.records(ZONE, name="www")] == ["192.0.2.1", "192.0.2.2"]
    # And back: a CNAME cannot be posted next to the A records ...
    back = {"type": "CNAME", "name": "www", "content": "x.example.net"}
    assert_error(create(emu, back), 400, 81053, A_AAAA_CNAME)
    # ... unless the same batch deletes them first.
    ids = [{"id": r["id"]} for r in result["posts"]]
    swapped = assert_ok(batch(emu, {"deletes": ids, "posts": [back]}))
    assert names(swapped["posts"]) == [("CNAME", "www.example.com", "x.example.net")]


def test_batch_runs_deletes_patches_puts_posts(emu: Emulator) -> None:
    a = created(emu, {"type": "A", "name": "a", "content": "192.0.2.1", "comment": "keep"})
    b = created(emu, {"type": "A", "name": "b", "content": "192.0.2.2", "comment": "drop"})
    c = created(emu, {"type": "A", "name": "c", "content": "192.0.2.3"})
    body = {
        "posts": [{"type": "A", "name": "c", "content": "192.0.2.3"}],  # after c's delete
        "puts": [{"id": b["id"], "type": "A", "name": "b", "content": "192.0.2.20"}],
        "patches": [
            {"id": a["id"], "content": "192.0.2.10"},
            {"id": a["id"], "ttl": 600},  # sees the first patch
        ],
        "deletes": [{"id": c["id"], "type": "ignored"}],
    }
    result = assert_ok(batch(emu, body))
    assert result["deletes"] == [c]
    assert [(r["content"], r["ttl"], r["comment"]) for r in result["patches"]] == [
        ("192.0.2.10", 1, "keep"),
        ("192.0.2.10", 600, "keep"),
    ]
    [put] = result["puts"]
    assert (put["content"], put["comment"]) == ("192.0.2.20", None)
    [post] = result["posts"]
    assert post["id"] not in (a["id"], b["id"], c["id"])
    assert sorted(r.content for r in emu.state.records(ZONE)) == [
        "192.0.2.10",
        "192.0.2.20",
        "192.0.2.3",
    ]


@pytest.mark.parametrize(
    ("last_post", "status", "code", "message"),
    [
        ({"type": "A", "name": "z", "content": "not-an-ip"}, 400, 1004, "DNS Validation Error"),
        (
            {"type": "A", "name": "kept", "content": "192.0.2.1"},
            400,
            81057,
            "Record already exists.",
        ),
        ({"type": "A", "name": "alias", "content": "192.0.2.1"}, 400, 81054, SAME_HOST),
    ],
)
def test_batch_is_all_or_nothing(
    emu: Emulator, last_post: dict[str, Any], status: int, code: int, message: str
) -> None:
    kept = created(emu, {"type": "A", "name": "kept", "content": "192.0.2.1"})
    gone = created(emu, {"type": "A", "name": "gone", "content": "192.0.2.9"})
    other = created(emu, {"type": "A", "name": "other", "content": "192.0.2.7"})
    created(emu, {"type": "CNAME", "name": "alias", "content": "x.example.net"})
    before = dict(emu.state.dns_records)
    body = {
        "deletes": [{"id": gone["id"]}],
        "patches": [{"id": kept["id"], "comment": "changed"}],
        "puts": [{"id": other["id"], "type": "A", "name": "other", "content": "192.0.2.8"}],
        "posts": [{"type": "TXT", "name": "new", "content": "fine"}, last_post],
    }
    response = batch(emu, body)
    assert response.status_code == status, response.text
    [error] = response.json()["errors"]
    assert (error["code"], error["message"]) == (code, message)
    assert emu.state.dns_records == before


def test_batch_errors_of_earlier_items(emu: Emulator) -> None:
    record = created(emu, {"type": "A", "name": "a", "content": "192.0.2.1"})
    before = dict(emu.state.dns_records)
    stale = batch(emu, {"deletes": [{"id": record["id"]}, {"id": record["id"]}]})
    assert_error(stale, 400, 81044, "Record does not exist.")
    no_id = batch(emu, {"patches": [{"content": "192.0.2.2"}]})
    assert_error(no_id, 400, 81044, "Record does not exist.")
    deleted_then_put = batch(
        emu,
        {
            "deletes": [{"id": record["id"]}],
            "puts": [{"id": record["id"], "type": "A", "name": "a", "content": "192.0.2.3"}],
        },
    )
    assert_error(deleted_then_put, 400, 81044, "Record does not exist.")
    bad_patch = batch(emu, {"patches": [{"id": record["id"], "ttl": 5}]})
    assert_invalid(bad_patch, 9021, TTL_MESSAGE)
    assert emu.state.dns_records == before


def test_empty_batches_succeed(emu: Emulator) -> None:
    empty: dict[str, list[Any]] = {"deletes": [], "patches": [], "puts": [], "posts": []}
    assert assert_ok(batch(emu, {})) == empty
    assert assert_ok(batch(emu, empty)) == empty
    assert assert_ok(batch(emu, {"posts": None})) == empty


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (b"[]", 9022, "Request body must be a JSON object."),
        (b'{"posts": {}}', 9024, "Invalid batch request: posts must be a list."),
        (b'{"deletes": ["abc"]}', 9024, "Invalid batch request: deletes[0] must be an object."),
    ],
)
def test_bad_batch_bodies(emu: Emulator, raw: bytes, code: int, message: str) -> None:
    assert_invalid(batch(emu, None, raw=raw), code, message)


def test_batch_limit_by_plan(emu: Emulator) -> None:
    assert DEFAULT_DNS_BATCH_LIMITS == {
        "free": 200,
        "pro": 3500,
        "business": 3500,
        "enterprise": 3500,
    }
    posts = [{"type": "A", "name": f"h{i}", "content": "192.0.2.1"} for i in range(200)]
    too_many = batch(emu, {"posts": posts, "deletes": [{"id": UNKNOWN_RECORD}]})
    assert_invalid(too_many, 9023, "Too many operations in batch: 201 (limit 200)")
    assert emu.state.dns_records == {}
    assert len(assert_ok(batch(emu, {"posts": posts}))["posts"]) == 200
    extra = {"type": "A", "name": "h200", "content": "192.0.2.1"}
    assert len(assert_ok(batch(emu, {"posts": [*posts, extra]}, ZONE_PRO))["posts"]) == 201
    emu.state.dns_batch_limits["free"] = 2
    three = batch(emu, {"deletes": [{"id": r} for r in list(emu.state.dns_records)[:3]]})
    assert_invalid(three, 9023, "Too many operations in batch: 3 (limit 2)")


# --- permissions, scope, routing --------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "zone_id", "read", "write"),
    [
        (USER_TOKEN, ZONE, True, True),
        (READ_TOKEN, ZONE, True, False),
        (SCOPED_TOKEN, ZONE, True, True),
        (SCOPED_TOKEN, ZONE2, False, False),
        (NO_DNS_TOKEN, ZONE, False, False),
        (OTHER_ACCOUNT_TOKEN, ZONE, False, False),
        (OTHER_ACCOUNT_TOKEN, ZONE_PRO, True, True),
    ],
)
def test_permissions_and_scope(
    emu: Emulator, token: str, zone_id: str, read: bool, write: bool
) -> None:
    record = emu.state.add_dns_record(zone_id, "A", "www", "192.0.2.1")
    path = f"{records_path(zone_id)}/{record.id}"
    body = {"type": "A", "name": "new", "content": "192.0.2.2"}
    reads = [
        call(emu, "GET", records_path(zone_id), token=token),
        call(emu, "GET", path, token=token),
    ]
    writes = [
        call(emu, "PATCH", path, {"ttl": 300}, token=token),
        call(emu, "PUT", path, {"type": "A", "name": "www", "content": "192.0.2.3"}, token=token),
        call(emu, "POST", records_path(zone_id), body, token=token),
        call(emu, "POST", records_path(zone_id) + "/batch", {"posts": []}, token=token),
        call(emu, "DELETE", path, token=token),
    ]
    for responses, allowed in ((reads, read), (writes, write)):
        for response in responses:
            if allowed:
                assert_ok(response)
            else:
                assert_error(response, 403, 10000, "Authentication error")
    if not write:
        assert emu.state.records(zone_id) == [record]


def test_global_key_and_missing_credentials(emu: Emulator) -> None:
    body = {"type": "A", "name": "www", "content": "192.0.2.1"}
    assert_ok(create(emu, body, headers=KEY_HEADERS))
    assert len(assert_ok(listing(emu))) == 1
    response = create(emu, body, headers={})
    assert_error(response, 400, 9106, MISSING_AUTH)


def test_unknown_zone_and_malformed_ids(emu: Emulator) -> None:
    path = records_path(UNKNOWN_ZONE)
    response = call(emu, "GET", path)
    assert response.status_code == 404
    assert [e["code"] for e in response.json()["errors"]] == [7003, 7000]
    for method, target in (
        ("GET", "/zones/example.com/dns_records"),
        ("GET", f"{records_path()}/not-an-id"),
        ("PUT", f"{records_path()}/batch"),
    ):
        response = call(emu, method, target)
        assert response.status_code == 400
        assert [e["code"] for e in response.json()["errors"]] == [7003, 7000]


# --- faults -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="status", status=500, path="dns_records"),
        Fault(kind="status", status=429, retry_after=2, method="POST"),
        Fault(kind="html", status=502, path="dns_records"),
        Fault(kind="empty", status=503, path="dns_records"),
        Fault(kind="drop", path="dns_records"),
    ],
)
@pytest.mark.parametrize("use_batch", [False, True])
def test_faults_leave_records_untouched(emu: Emulator, fault: Fault, use_batch: bool) -> None:
    existing = emu.state.add_dns_record(ZONE, "CNAME", "www", "x.example.net")
    before = dict(emu.state.dns_records)
    emu.faults.add(fault)
    post = {"type": "A", "name": "www", "content": "192.0.2.1"}
    try:
        if use_batch:
            response = batch(emu, {"deletes": [{"id": existing.id}], "posts": [post]})
        else:
            txt = {"type": "TXT", "name": "new", "content": "x"}
            response = call(emu, "POST", records_path(), txt)
    except requests.ConnectionError:
        assert fault.kind == "drop"
    else:
        assert response.status_code == fault.status
    assert emu.state.dns_records == before
    [entry] = emu.requests(path="dns_records")
    assert entry.fault == fault.kind
    # The retry is served.
    assert_ok(batch(emu, {"deletes": [{"id": existing.id}], "posts": [post]}))
    assert [r.type for r in emu.state.records(ZONE)] == ["A"]


# --- State helpers and the demo state -----------------------------------------------------


def test_state_helpers(state: State) -> None:
    record = state.add_dns_record(
        ZONE, "aaaa", "WWW.", "2001:DB8::0:1", ttl=300, comment="c", tags=("a:b",)
    )
    assert isinstance(record, DnsRecord)
    assert (record.type, record.name, record.content) == ("AAAA", "www.example.com", "2001:db8::1")
    assert (record.ttl, record.comment, record.tags, record.proxied) == (300, "c", ("a:b",), False)
    assert record.proxiable
    txt = state.add_dns_record(ZONE, "TXT", "@", "hello", id="d" * 32)
    assert (txt.id, txt.content) == ("d" * 32, '"hello"')
    srv = state.add_dns_record(
        ZONE2, "SRV", "_x._tcp", data={"priority": 1, "weight": 2, "port": 3, "target": "t"}
    )
    assert (srv.content, srv.priority) == ("2 3 t", 1)  # targets are not relative names
    assert state.records(ZONE) == [record, txt]
    assert state.records(ZONE, name="www") == [record]
    assert state.records(ZONE, name="WWW.example.com.", type="aaaa") == [record]
    assert state.records(ZONE, type="TXT") == [txt]
    assert state.records(ZONE, name="@") == [txt]
    assert state.records(UNKNOWN_ZONE) == []
    with pytest.raises(ValueError, match="9005"):
        state.add_dns_record(ZONE, "A", "bad", "999.1.1.1")
    with pytest.raises(ValueError, match="81057"):
        state.add_dns_record(ZONE, "TXT", "example.com", '"hello"')
    with pytest.raises(ValueError, match="81053"):
        state.add_dns_record(ZONE, "CNAME", "www", "elsewhere.example")
    with pytest.raises(ValueError, match="unknown zone"):
        state.add_dns_record(UNKNOWN_ZONE, "A", "x", "192.0.2.1")
    with pytest.raises(ValueError, match="already exists"):
        state.add_dns_record(ZONE, "A", "other", "192.0.2.1", id="d" * 32)
    assert len(state.dns_records) == 3
    assert state.dns_page_cap is None
    assert state.dns_record_limit_free is None
    assert state.dns_batch_limits == dict(DEFAULT_DNS_BATCH_LIMITS)


def test_demo_state_records() -> None:
    state = demo.demo_state()
    org = demo.DEMO_ZONES["example.org"]
    assert state.records(demo.DEMO_ZONE_ID) == []
    assert state.records(demo.DEMO_ZONES["example.co.uk"]) == []
    assert [(r.id, r.type, r.name) for r in state.records(org)] == [
        (i, t, n) for i, t, n, *_ in demo.DEMO_DNS_RECORDS
    ]
    with Emulator(state) as emu:
        zone_token = demo.DEMO_ZONE_TOKEN
        own = call(emu, "GET", records_path(demo.DEMO_ZONE_ID), token=zone_token)
        assert assert_ok(own) == []
        denied = call(emu, "GET", records_path(org), token=zone_token)
        assert_error(denied, 403, 10000, "Authentication error")
        readonly = call(emu, "GET", records_path(org), token=demo.DEMO_READONLY_TOKEN)
        assert_error(readonly, 403, 10000, "Authentication error")
        result = assert_ok(call(emu, "GET", records_path(org), token=demo.DEMO_TOKEN))
        assert len(result) == len(demo.DEMO_DNS_RECORDS)
