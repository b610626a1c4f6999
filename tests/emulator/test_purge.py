"""Tests for the emulator's POST /zones/{zone_id}/purge_cache, over real HTTP.

Rate limits run on an injected fake clock, so nothing here sleeps.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
import requests

from cfemu import (
    DEFAULT_PURGE_LIMITS,
    Emulator,
    Fault,
    PurgeLimits,
    PurgeRecord,
    State,
    demo,
)
from cfemu.errors import global_limit_reached
from tests.emulator.helpers import (
    ACCOUNT_TOKEN,
    ACME,
    KEY_HEADERS,
    MISSING_AUTH,
    OTHER,
    OTHER_ACCOUNT_TOKEN,
    SCOPED_TOKEN,
    UNKNOWN_ZONE,
    USER_TOKEN,
    ZONE,
    ZONE_OTHER,
    assert_error,
    assert_no_route,
    assert_ok,
    base_state,
    bearer,
)

BIG = "f" * 32  # account "Big Corp"
ZONE_FREE = ZONE  # example.com, in Acme
ZONE_FREE2 = "c" * 31 + "2"  # example.net, in Acme
ZONE_PRO = "c" * 31 + "3"  # pro.example, in Other Corp
ZONE_BUSINESS = "c" * 31 + "4"  # business.example, in Big Corp
ZONE_ENT = "e" * 31 + "1"  # big.example, in Big Corp

SECOND_USER_TOKEN = "V" * 40
NO_PURGE_TOKEN = "N" * 40
PURGE = "cache_purge:purge"

BODY_MESSAGE = (
    'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"'
)
THROTTLE_MESSAGE = "Please wait and consider throttling your request speed"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> State:
    """The base state on the fake clock, plus Big Corp, a zone of every plan and purge
    tokens."""
    state = base_state(clock=clock)
    state.add_account("Big Corp", id=BIG)
    state.add_zone("example.net", account_id=ACME, id=ZONE_FREE2)
    state.add_zone("pro.example", account_id=OTHER, id=ZONE_PRO, plan="pro")
    state.add_zone("business.example", account_id=BIG, id=ZONE_BUSINESS, plan="business")
    state.add_zone("big.example", account_id=BIG, id=ZONE_ENT, plan="enterprise")
    state.add_token(USER_TOKEN, permissions={PURGE, "zone:read"})
    state.add_token(SECOND_USER_TOKEN, permissions={PURGE, "zone:read"})
    state.add_token(ACCOUNT_TOKEN, permissions={PURGE}, account_id=ACME)
    state.add_token(OTHER_ACCOUNT_TOKEN, permissions={PURGE}, account_id=OTHER)
    state.add_token(SCOPED_TOKEN, permissions={PURGE}, zone_ids={ZONE_FREE})
    state.add_token(NO_PURGE_TOKEN, permissions={"zone:read", "dns:edit"})
    return state


def purge(
    emu: Emulator,
    zone_id: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    token: str | None = USER_TOKEN,
    headers: dict[str, str] | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    sent = dict(headers if headers is not None else bearer(token or ""))
    data = raw if raw is not None else json.dumps(body).encode()
    sent.setdefault("Content-Type", "application/json")
    url = f"{emu.base_url}/zones/{zone_id}/purge_cache"
    client = session if session is not None else requests
    return client.post(url, data=data, headers=sent, timeout=5)


def urls(count: int, start: int = 0, host: str = "example.com") -> list[str]:
    return [f"https://{host}/asset/{i}.css" for i in range(start, start + count)]


def assert_purged(response: requests.Response) -> str:
    """A purge's success envelope: the four envelope keys only, result {"id": <32 hex>} and
    no Retry-After. Returns the purge id."""
    result = assert_ok(response)
    assert set(response.json()) == {"success", "errors", "messages", "result"}
    assert set(result) == {"id"}
    purge_id: str = result["id"]
    assert re.fullmatch(r"[0-9a-f]{32}", purge_id)
    assert "Retry-After" not in response.headers
    return purge_id


def assert_throttled(response: requests.Response, retry_after: int) -> None:
    assert_error(response, 429, 971, THROTTLE_MESSAGE)
    assert response.headers["Retry-After"] == str(retry_after)


# --- body variants ----------------------------------------------------------------------


FILE_OBJECT = {
    "url": "https://example.com/cat.jpg",
    "headers": {"CF-IPCountry": "US", "CF-Device-Type": "desktop", "Accept-Language": "zh-CN"},
}


@pytest.mark.parametrize(
    ("body", "kind", "items"),
    [
        ({"purge_everything": True}, "everything", ()),
        ({"files": ["https://example.com/a.css", "http://example.com/b.js"]}, "files", None),
        ({"files": [FILE_OBJECT, {"url": "https://example.com/x"}]}, "files", None),
        ({"files": [{"url": "https://example.com:8443/y?v=1#top"}]}, "files", None),
        ({"tags": ["a-cache-tag", "Another:Tag!"]}, "tags", None),
        ({"hosts": ["www.example.com", "images.example.com", "localhost"]}, "hosts", None),
        ({"prefixes": ["www.example.com/foo", "images.example.com/bar/baz/"]}, "prefixes", None),
        ({"prefixes": ["example.com"]}, "prefixes", None),
        ({"tags": ["t"], "comment": "unknown keys are ignored"}, "tags", None),
    ],
)
def test_each_body_variant_succeeds_and_is_recorded(
    emu: Emulator, clock: FakeClock, body: dict[str, Any], kind: str, items: Any
) -> None:
    purge_id = assert_purged(purge(emu, ZONE_FREE, body))
    expected_items = tuple(body[kind]) if items is None else items
    expected = PurgeRecord(purge_id, ZONE_FREE, kind, expected_items, clock.now)  # type: ignore[arg-type]
    assert emu.state.purges == [expected]
    assert emu.state.purged() == list(expected_items)


def test_purge_with_account_token_and_global_key(emu: Emulator) -> None:
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["a"]}, token=ACCOUNT_TOKEN))
    assert_purged(purge(emu, ZONE_FREE2, {"tags": ["b"]}, headers=KEY_HEADERS))
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["c"]}, token=SCOPED_TOKEN))
    assert emu.state.purged(kind="tags") == ["a", "b", "c"]


def test_purged_helpers_filter_and_flatten(emu: Emulator, session: requests.Session) -> None:
    ids = [
        assert_purged(purge(emu, ZONE_FREE, {"files": urls(2)}, session=session)),
        assert_purged(purge(emu, ZONE_OTHER, {"files": [FILE_OBJECT]}, session=session)),
        assert_purged(purge(emu, ZONE_FREE, {"hosts": ["example.com"]}, session=session)),
        assert_purged(purge(emu, ZONE_FREE, {"files": urls(1, start=2)}, session=session)),
        assert_purged(purge(emu, ZONE_FREE, {"purge_everything": True}, session=session)),
    ]
    state = emu.state
    assert len(set(ids)) == 5
    assert [r.id for r in state.purges] == ids
    assert [r.kind for r in state.purges] == ["files", "files", "hosts", "files", "everything"]
    assert state.purged(ZONE_FREE, "files") == urls(3)
    assert state.purged(kind="files") == [*urls(2), FILE_OBJECT, urls(1, start=2)[0]]
    assert state.purged(ZONE_FREE) == [*urls(2), "example.com", urls(1, start=2)[0]]
    assert state.purged(ZONE_OTHER) == [FILE_OBJECT]
    assert state.purged(kind="everything") == []
    assert state.purged_urls() == [*urls(2), FILE_OBJECT["url"], urls(1, start=2)[0]]
    assert state.purged_urls(ZONE_OTHER) == [FILE_OBJECT["url"]]


def test_every_url_purged_exactly_once_in_batches(emu: Emulator, session: requests.Session) -> None:
    wanted = urls(250)
    for start in range(0, len(wanted), 100):
        assert_purged(
            purge(emu, ZONE_FREE, {"files": wanted[start : start + 100]}, session=session)
        )
    purged = emu.state.purged_urls(ZONE_FREE)
    assert sorted(purged) == sorted(wanted)
    assert len(purged) == len(set(purged))


# --- 400: body shape (1012) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"files"',
        b"null",
        b"{}",
        b'{"purge_everything": false}',
        b'{"purge_everything": "true"}',
        b'{"purge_everything": 1}',
        b'{"purge_everything": true, "files": ["https://example.com/a"]}',
        b'{"tags": ["a"], "hosts": ["example.com"]}',
        b'{"purge_everything": false, "tags": ["a"]}',
        b'{"files": []}',
        b'{"tags": []}',
        b'{"hosts": []}',
        b'{"prefixes": []}',
        b'{"files": "https://example.com/a"}',
        b'{"tags": null}',
        b'{"hosts": {"www.example.com": true}}',
        b'{"file": ["https://example.com/a"]}',
    ],
)
def test_bad_body_is_1012(emu: Emulator, raw: bytes) -> None:
    assert_error(purge(emu, ZONE_FREE, raw=raw), 400, 1012, BODY_MESSAGE)
    assert emu.state.purges == []


# --- 400: items per request (1014) ------------------------------------------------------------


def items(kind: str, count: int) -> list[str]:
    """count valid items of a kind."""
    pattern = {
        "files": "https://example.com/asset/{}.css",
        "tags": "t{}",
        "hosts": "h{}.example.com",
        "prefixes": "example.com/{}",
    }[kind]
    return [pattern.format(i) for i in range(count)]


@pytest.mark.parametrize(
    ("zone_id", "kind", "count", "limit"),
    [
        (ZONE_FREE, "files", 101, 100),
        (ZONE_PRO, "files", 101, 100),
        (ZONE_BUSINESS, "files", 101, 100),
        (ZONE_ENT, "files", 501, 500),
        (ZONE_FREE, "tags", 101, 100),
        (ZONE_ENT, "tags", 101, 100),
        (ZONE_FREE, "hosts", 101, 100),
        (ZONE_ENT, "hosts", 101, 100),
        (ZONE_FREE, "prefixes", 101, 100),
        (ZONE_ENT, "prefixes", 101, 100),
    ],
)
def test_too_many_items_is_1014(
    emu: Emulator, zone_id: str, kind: str, count: int, limit: int
) -> None:
    response = purge(emu, zone_id, {kind: items(kind, count)})
    assert_error(response, 400, 1014, f"Only {limit} {kind} may be purged per request")
    assert emu.state.purges == []


@pytest.mark.parametrize(
    ("zone_id", "kind", "count"),
    [
        (ZONE_FREE, "files", 100),
        (ZONE_ENT, "files", 500),
        (ZONE_FREE, "tags", 100),
        (ZONE_ENT, "hosts", 100),
        (ZONE_FREE, "prefixes", 100),
    ],
)
def test_items_up_to_the_limit_pass(emu: Emulator, zone_id: str, kind: str, count: int) -> None:
    assert_purged(purge(emu, zone_id, {kind: items(kind, count)}))
    assert emu.state.purged(zone_id, kind) == items(kind, count)  # type: ignore[arg-type]


# --- 400: invalid items (1015-1018) -----------------------------------------------------


@pytest.mark.parametrize(
    ("files", "index"),
    [
        ([FILE_OBJECT, "https://example.com/x"], 1),
        (["https://example.com/x", "https://example.com/y", FILE_OBJECT], 2),
    ],
)
def test_a_files_list_mixing_strings_and_objects_is_refused(
    emu: Emulator, files: list[Any], index: int
) -> None:
    # The API's body variants take all URL strings or all {url, headers} objects.
    assert_error(
        purge(emu, ZONE_FREE, {"files": files}),
        400,
        1015,
        f'Invalid files[{index}]: files must be all URL strings or all {{"url", "headers"}} '
        "objects",
    )
    assert emu.state.purges == []


FILE_RULE = (
    'a file must be an absolute http(s) URL with a host, or {"url": <URL>, '
    '"headers": {<name>: <value>}}'
)
TAG_RULE = "a tag must be 1 to 1024 printable ASCII characters without spaces"
HOST_RULE = "a host must be a hostname, without scheme, port or path"
PREFIX_RULE = (
    "a prefix must be a hostname and path without scheme, query string or fragment, with at "
    'most 31 "/" separators'
)
RULES = {
    "files": (1015, FILE_RULE, "https://example.com/ok"),
    "tags": (1016, TAG_RULE, "ok-tag"),
    "hosts": (1017, HOST_RULE, "ok.example.com"),
    "prefixes": (1018, PREFIX_RULE, "example.com/ok"),
}


@pytest.mark.parametrize(
    ("kind", "item"),
    [
        ("files", "example.com/a.css"),
        ("files", "/a.css"),
        ("files", "ftp://example.com/a.css"),
        ("files", "https://"),
        ("files", "https:///only/a/path"),
        ("files", "https://exa mple.com/a"),
        ("files", "https://example.com/a b"),
        ("files", "https://example.com:port/a"),
        ("files", ""),
        ("files", 42),
        ("files", None),
        ("files", ["https://example.com/a"]),
        ("files", {"url": 5}),
        ("files", {"headers": {"CF-IPCountry": "US"}}),
        ("files", {"url": "https://example.com/a", "headers": {"CF-IPCountry": 1}}),
        ("files", {"url": "https://example.com/a", "headers": ["CF-IPCountry"]}),
        ("files", {"url": "example.com/a", "headers": {}}),
        ("tags", ""),
        ("tags", "has space"),
        ("tags", "tab\there"),
        ("tags", "x" * 1025),
        ("tags", "caf\u00e9"),
        ("tags", 7),
        ("hosts", "https://www.example.com"),
        ("hosts", "www.example.com/path"),
        ("hosts", "example.com:8080"),
        ("hosts", "-bad.example.com"),
        ("hosts", "bad-.example.com"),
        ("hosts", "a..example.com"),
        ("hosts", "example.com."),
        ("hosts", "x" * 64 + ".example.com"),
        ("hosts", ".".join(["a" * 60] * 5)),
        ("hosts", "under_score.example.com"),
        ("hosts", ""),
        ("hosts", None),
        ("prefixes", "https://www.example.com/foo"),
        ("prefixes", "//www.example.com/foo"),
        ("prefixes", "www.example.com/foo?x=1"),
        ("prefixes", "www.example.com/foo#frag"),
        ("prefixes", "www.example.com" + "/a" * 32),
        ("prefixes", "/foo"),
        ("prefixes", "www.example.com/a b"),
        ("prefixes", ""),
        ("prefixes", 3),
    ],
)
def test_invalid_item(emu: Emulator, kind: str, item: Any) -> None:
    code, rule, good = RULES[kind]
    response = purge(emu, ZONE_FREE, {kind: [good, item]})
    assert_error(response, 400, code, f"Invalid {kind}[1]: {rule}")
    assert emu.state.purges == []


@pytest.mark.parametrize(
    ("kind", "item"),
    [
        ("files", {"url": "https://example.com/a"}),
        ("files", {"url": "HTTPS://EXAMPLE.COM/A", "headers": {}}),
        ("files", "http://127.0.0.1:8080/x"),
        ("files", "https://example.com/\u00fcber"),
        ("tags", "x" * 1024),
        ("tags", "~!#$%&'()*+,-./:;<=>?@[]^_`{|}"),
        ("hosts", "x" * 63 + ".example.com"),
        ("prefixes", "www.example.com" + "/a" * 31),
        ("prefixes", "www.example.com/a:b/c"),
    ],
)
def test_edge_items_are_valid(emu: Emulator, kind: str, item: Any) -> None:
    assert_purged(purge(emu, ZONE_FREE, {kind: [item]}))
    assert emu.state.purged(kind=kind) == [item]  # type: ignore[arg-type]


# --- permission, scope and routing ------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "zone_id"),
    [
        (NO_PURGE_TOKEN, ZONE_FREE),
        (SCOPED_TOKEN, ZONE_FREE2),
        (ACCOUNT_TOKEN, ZONE_OTHER),
        (OTHER_ACCOUNT_TOKEN, ZONE_FREE),
    ],
)
def test_purge_without_permission_or_scope_is_10000(
    emu: Emulator, token: str, zone_id: str
) -> None:
    response = purge(emu, zone_id, {"purge_everything": True}, token=token)
    assert_error(response, 403, 10000, "Authentication error")
    assert emu.state.purges == []


def test_permission_is_checked_before_the_body(emu: Emulator) -> None:
    response = purge(emu, ZONE_FREE, raw=b"nonsense", token=NO_PURGE_TOKEN)
    assert_error(response, 403, 10000, "Authentication error")


def test_unknown_zone_is_404_and_malformed_id_does_not_route(emu: Emulator) -> None:
    for token in (USER_TOKEN, NO_PURGE_TOKEN):
        response = purge(emu, UNKNOWN_ZONE, {"purge_everything": True}, token=token)
        assert_no_route(response, 404, f"/client/v4/zones/{UNKNOWN_ZONE}/purge_cache")
    malformed = purge(emu, "example.com", {"purge_everything": True})
    assert malformed.status_code == 400
    assert [e["code"] for e in malformed.json()["errors"]] == [7003, 7000]


def test_purge_needs_credentials(emu: Emulator) -> None:
    response = purge(emu, ZONE_FREE, {"purge_everything": True}, headers={})
    assert_error(response, 400, 9106, MISSING_AUTH)


# --- rate limits: the "ops" bucket ------------------------------------------------------


def test_ops_bucket_on_free(emu: Emulator, clock: FakeClock, session: requests.Session) -> None:
    for i in range(25):
        assert_purged(purge(emu, ZONE_FREE, {"tags": [f"t{i}"]}, session=session))
    throttled = purge(emu, ZONE_FREE, {"tags": ["t25"]}, session=session)
    assert_throttled(throttled, 12)
    assert len(emu.state.purges) == 25
    assert "t25" not in emu.state.purged()
    clock.advance(11)
    assert_throttled(purge(emu, ZONE_FREE, {"tags": ["t25"]}, session=session), 1)
    clock.advance(1)
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["t25"]}, session=session))
    assert_throttled(purge(emu, ZONE_FREE, {"tags": ["t26"]}, session=session), 12)
    assert emu.state.purged() == [f"t{i}" for i in range(26)]


def test_ops_bucket_is_shared_by_kinds_and_by_the_account(
    emu: Emulator, session: requests.Session
) -> None:
    bodies: list[dict[str, Any]] = [
        {"tags": ["t"]},
        {"hosts": ["example.com"]},
        {"prefixes": ["example.com/a"]},
        {"purge_everything": True},
    ]
    for i in range(25):
        zone_id = ZONE_FREE if i % 2 else ZONE_FREE2
        assert_purged(purge(emu, zone_id, bodies[i % 4], session=session))
    for body in bodies:
        for zone_id in (ZONE_FREE, ZONE_FREE2):
            assert_throttled(purge(emu, zone_id, body, session=session), 12)
    # Another account has its own bucket; file purges use the "urls" bucket.
    assert_purged(purge(emu, ZONE_OTHER, {"tags": ["t"]}, session=session))
    assert_purged(purge(emu, ZONE_FREE, {"files": urls(3)}, session=session))
    assert len(emu.state.purges) == 27


def test_throttled_request_takes_no_tokens(
    emu: Emulator, clock: FakeClock, session: requests.Session
) -> None:
    for _ in range(25):
        assert_purged(purge(emu, ZONE_FREE, {"purge_everything": True}, session=session))
    clock.advance(6)  # half a token back
    assert_throttled(purge(emu, ZONE_FREE, {"purge_everything": True}, session=session), 6)
    assert_throttled(purge(emu, ZONE_FREE, {"purge_everything": True}, session=session), 6)
    clock.advance(6)
    assert_purged(purge(emu, ZONE_FREE, {"purge_everything": True}, session=session))
    assert len(emu.state.purges) == 26


def test_bucket_refills_only_up_to_its_size(
    emu: Emulator, clock: FakeClock, session: requests.Session
) -> None:
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["first"]}, session=session))
    clock.advance(3600)
    for _ in range(25):
        assert_purged(purge(emu, ZONE_FREE, {"tags": ["t"]}, session=session))
    assert_throttled(purge(emu, ZONE_FREE, {"tags": ["t"]}, session=session), 12)


@pytest.mark.parametrize(("zone_id", "burst"), [(ZONE_PRO, 25), (ZONE_BUSINESS, 50)])
def test_ops_bucket_on_paid_plans(
    emu: Emulator, clock: FakeClock, session: requests.Session, zone_id: str, burst: int
) -> None:
    for _ in range(burst):
        assert_purged(purge(emu, zone_id, {"hosts": ["example.com"]}, session=session))
    assert_throttled(purge(emu, zone_id, {"hosts": ["example.com"]}, session=session), 1)
    clock.advance(1)  # 5 or 10 requests per second
    for _ in range(burst // 5):
        assert_purged(purge(emu, zone_id, {"hosts": ["example.com"]}, session=session))
    assert_throttled(purge(emu, zone_id, {"hosts": ["example.com"]}, session=session), 1)


def test_default_limits_table() -> None:
    table = {
        plan: (
            limits.ops_rate / limits.ops_window,
            limits.ops_bucket,
            limits.urls_per_second,
            limits.urls_capacity,
            limits.max_files,
            limits.max_items,
        )
        for plan, limits in DEFAULT_PURGE_LIMITS.items()
    }
    assert table == {
        "free": (5 / 60, 25, 800, 800, 100, 100),
        "pro": (5, 25, 1500, 1500, 100, 100),
        "business": (10, 50, 1500, 1500, 100, 100),
        "enterprise": (50, 500, 3000, 3000, 500, 100),
    }
    assert State().purge_limits == dict(DEFAULT_PURGE_LIMITS)
    with pytest.raises(TypeError):
        DEFAULT_PURGE_LIMITS["free"] = PurgeLimits()  # type: ignore[index]


# --- rate limits: the "urls" bucket -----------------------------------------------------


def test_urls_bucket_on_free(emu: Emulator, clock: FakeClock, session: requests.Session) -> None:
    for batch in range(8):
        assert_purged(purge(emu, ZONE_FREE, {"files": urls(100, batch * 100)}, session=session))
    throttled = purge(emu, ZONE_FREE, {"files": urls(100, 800)}, session=session)
    assert_throttled(throttled, 1)
    assert_throttled(purge(emu, ZONE_FREE, {"files": urls(1, 800)}, session=session), 1)
    assert emu.state.purged_urls() == urls(800)
    # Tag, host, prefix and everything purges use the other bucket.
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["t"]}, session=session))
    clock.advance(0.125)  # 100 URLs at 800 per second
    assert_purged(purge(emu, ZONE_FREE, {"files": urls(100, 800)}, session=session))
    assert_throttled(purge(emu, ZONE_FREE, {"files": urls(1, 900)}, session=session), 1)
    clock.advance(1)
    for batch in range(8):
        assert_purged(
            purge(emu, ZONE_FREE, {"files": urls(100, 900 + batch * 100)}, session=session)
        )
    assert emu.state.purged_urls() == urls(1700)


def test_urls_bucket_counts_objects_and_is_per_account(
    emu: Emulator, session: requests.Session
) -> None:
    objects = [{"url": url, "headers": {"CF-IPCountry": "US"}} for url in urls(100)]
    for _ in range(8):
        assert_purged(purge(emu, ZONE_FREE2, {"files": objects}, session=session))
    assert_throttled(purge(emu, ZONE_FREE, {"files": urls(1)}, session=session), 1)
    assert_purged(purge(emu, ZONE_OTHER, {"files": urls(100)}, session=session))


def test_urls_bucket_on_enterprise(
    emu: Emulator, clock: FakeClock, session: requests.Session
) -> None:
    for batch in range(6):
        assert_purged(purge(emu, ZONE_ENT, {"files": urls(500, batch * 500)}, session=session))
    assert_throttled(purge(emu, ZONE_ENT, {"files": urls(1)}, session=session), 1)
    clock.advance(0.17)  # 500 URLs at 3000 per second take 1/6 s
    assert_purged(purge(emu, ZONE_ENT, {"files": urls(500)}, session=session))


# --- custom limits ----------------------------------------------------------------------


def test_custom_purge_limits(emu: Emulator, clock: FakeClock, session: requests.Session) -> None:
    emu.state.purge_limits["free"] = PurgeLimits(
        ops_rate=1, ops_window=10, ops_bucket=2, urls_per_second=10, max_files=5, max_items=3
    )
    assert_error(
        purge(emu, ZONE_FREE, {"tags": ["a", "b", "c", "d"]}, session=session),
        400,
        1014,
        "Only 3 tags may be purged per request",
    )
    assert_error(
        purge(emu, ZONE_FREE, {"files": urls(6)}, session=session),
        400,
        1014,
        "Only 5 files may be purged per request",
    )
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["a", "b", "c"]}, session=session))
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["d"]}, session=session))
    assert_throttled(purge(emu, ZONE_FREE, {"tags": ["e"]}, session=session), 10)
    assert_purged(purge(emu, ZONE_FREE, {"files": urls(5)}, session=session))
    assert_purged(purge(emu, ZONE_FREE, {"files": urls(5, 5)}, session=session))
    assert_throttled(purge(emu, ZONE_FREE, {"files": urls(3, 10)}, session=session), 1)
    clock.advance(10)
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["e"]}, session=session))
    assert_purged(purge(emu, ZONE_FREE, {"files": urls(5, 10)}, session=session))
    # Pro zones keep the default table.
    assert_purged(purge(emu, ZONE_PRO, {"files": urls(100)}, session=session))


def test_custom_urls_bucket_and_plan_override(
    emu: Emulator, clock: FakeClock, session: requests.Session
) -> None:
    slow = dataclasses.replace(DEFAULT_PURGE_LIMITS["pro"], urls_per_second=50, urls_bucket=200)
    emu.state.purge_limits["pro"] = slow
    assert_purged(purge(emu, ZONE_PRO, {"files": urls(100)}, session=session))
    assert_purged(purge(emu, ZONE_PRO, {"files": urls(100, 100)}, session=session))
    assert_throttled(purge(emu, ZONE_PRO, {"files": urls(100, 200)}, session=session), 2)
    clock.advance(2)
    assert_purged(purge(emu, ZONE_PRO, {"files": urls(100, 200)}, session=session))


def test_plan_missing_from_the_table_uses_free(emu: Emulator) -> None:
    emu.state.purge_limits["free"] = PurgeLimits(max_items=1)
    del emu.state.purge_limits["pro"]
    response = purge(emu, ZONE_PRO, {"tags": ["a", "b"]})
    assert_error(response, 400, 1014, "Only 1 tags may be purged per request")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ops_rate": 0},
        {"ops_window": -1},
        {"ops_bucket": 0.5},
        {"urls_per_second": 0},
        {"urls_bucket": 0},
        {"max_files": 0},
        {"max_items": 1.5},
        {"ops_rate": True},
        {"urls_per_second": 50},  # smaller than max_files (100)
        {"urls_bucket": 99},
    ],
)
def test_purge_limits_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PurgeLimits(**kwargs)


def test_reset_rate_limits(emu: Emulator, session: requests.Session) -> None:
    for _ in range(25):
        assert_purged(purge(emu, ZONE_FREE, {"tags": ["t"]}, session=session))
    assert_throttled(purge(emu, ZONE_FREE, {"tags": ["t"]}, session=session), 12)
    emu.state.reset_rate_limits()
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["t"]}, session=session))


# --- the global per-credential limit ----------------------------------------------------


def test_global_limit_is_off_by_default(emu: Emulator) -> None:
    assert emu.state.global_limit is None


def test_global_limit(emu: Emulator, clock: FakeClock, session: requests.Session) -> None:
    emu.state.global_limit = (3, 10.0)
    headers = bearer(USER_TOKEN)
    assert session.get(f"{emu.base_url}/zones", headers=headers).status_code == 200
    clock.advance(4)
    assert session.get(f"{emu.base_url}/zones/{ZONE_FREE}", headers=headers).status_code == 200
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["a"]}, session=session))
    message = (
        "More than 3 requests per 10 seconds reached. "
        "Please wait and consider throttling your request speed"
    )
    for response in (
        session.get(f"{emu.base_url}/zones", headers=headers),
        purge(emu, ZONE_FREE, {"tags": ["b"]}, session=session),
        purge(emu, UNKNOWN_ZONE, {"tags": ["b"]}, session=session),
    ):
        assert_error(response, 429, 10100, message)
        assert response.headers["Retry-After"] == "6"
    assert emu.state.purged() == ["a"]
    # Other credentials have their own count; unauthenticated requests are not counted.
    assert session.get(f"{emu.base_url}/zones", headers=bearer(SECOND_USER_TOKEN)).ok
    assert session.get(f"{emu.base_url}/zones", headers=KEY_HEADERS).ok
    assert session.get(f"{emu.base_url}/zones").status_code == 400
    assert session.get(f"{emu.base_url}/user/tokens/verify", headers=headers).status_code == 429
    clock.advance(6)  # the first request leaves the window
    assert session.get(f"{emu.base_url}/zones", headers=headers).status_code == 200
    assert session.get(f"{emu.base_url}/zones", headers=headers).status_code == 429
    clock.advance(4)
    assert_purged(purge(emu, ZONE_FREE, {"tags": ["b"]}, session=session))
    assert emu.state.purged() == ["a", "b"]


def test_global_limit_message_defaults_to_cloudflare_text() -> None:
    error = global_limit_reached(1200, 300.0, 0.2)
    assert (error.status, error.errors[0].code) == (429, 10100)
    assert error.errors[0].message == (
        "More than 1200 requests per 300 seconds reached. "
        "Please wait and consider throttling your request speed"
    )
    assert error.headers == {"Retry-After": "1"}


# --- faults -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="status", status=500, path="purge_cache"),
        Fault(kind="status", status=429, retry_after=2, method="POST"),
        Fault(kind="html", status=502, path="purge_cache"),
        Fault(kind="empty", status=503, path="purge_cache"),
        Fault(kind="drop", path="purge_cache"),
    ],
)
def test_faults_on_the_purge_path_leave_state_untouched(
    emu: Emulator, session: requests.Session, fault: Fault
) -> None:
    emu.state.global_limit = (100, 300.0)
    emu.faults.add(fault)
    try:
        response = purge(emu, ZONE_FREE, {"files": urls(100)}, session=session)
    except requests.ConnectionError:
        response = None
        assert fault.kind == "drop"
    if response is not None:
        assert response.status_code == fault.status
    assert emu.state.purges == []
    assert emu.state.purge_buckets == {}
    assert emu.state.global_windows == {}
    [entry] = emu.requests(path="purge_cache")
    assert entry.fault == fault.kind
    # The next request is served, with a full bucket.
    with requests.Session() as fresh:
        for batch in range(8):
            assert_purged(purge(emu, ZONE_FREE, {"files": urls(100, batch * 100)}, session=fresh))
    assert emu.state.purged_urls() == urls(800)


def test_latency_fault_still_purges(emu: Emulator) -> None:
    emu.faults.add(Fault(kind="latency", delay=0.01, path="purge_cache"))
    assert_purged(purge(emu, ZONE_FREE, {"hosts": ["example.com"]}))
    assert emu.state.purged() == ["example.com"]


# --- plans and the demo state -----------------------------------------------------------


def test_zone_plans_are_validated(state: State) -> None:
    with pytest.raises(ValueError):
        state.add_zone("gold.example", account_id=ACME, plan="gold")  # type: ignore[arg-type]
    assert {z.plan for z in state.zones.values()} == {"free", "pro", "business", "enterprise"}


def test_demo_state_purges() -> None:
    state = demo.demo_state()
    assert {zone.plan for zone in state.zones.values()} == {"free"}
    other_zone = demo.DEMO_ZONES["example.org"]
    with Emulator(state) as emu:
        assert_purged(purge(emu, demo.DEMO_ZONE_ID, {"files": urls(2)}, token=demo.DEMO_ZONE_TOKEN))
        denied = purge(emu, other_zone, {"purge_everything": True}, token=demo.DEMO_ZONE_TOKEN)
        assert_error(denied, 403, 10000, "Authentication error")
        readonly = purge(emu, other_zone, {"tags": ["a"]}, token=demo.DEMO_READONLY_TOKEN)
        assert_error(readonly, 403, 10000, "Authentication error")
        assert_purged(purge(emu, other_zone, {"tags": ["a"]}, token=demo.DEMO_ACCOUNT_TOKEN))
    assert state.purged_urls() == urls(2)
    assert state.purged(other_zone) == ["a"]
