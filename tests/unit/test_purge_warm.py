"""Tests for warming (cfaction.ops.purge.warm and its report): GET against a real HTTP
server on loopback that sets ``cf-cache-status``, with a slow page, a slow body, a 404, a
redirect on the same host (followed) and one to another host (not followed), the bound on
concurrency, and that no credential of any kind reaches the site; then warming after a
purge run, where the API is mocked by ``responses`` and the site is real."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from cfaction.ops.purge.warm import USER_AGENT, WarmResult, fetch, new_session, warm
from cfaction.ops.purge.warm_report import warm_notice
from tests.helpers import BASE, TOKEN, ZONE_ID, Run, ok
from tests.unit.purge_site import Page, Site

ELSEWHERE = "https://elsewhere.example.net/landing"
PAGES = {
    "/": Page(headers={"cf-cache-status": "HIT"}),
    "/fresh.css": Page(body=b"x" * 200_000),
    "/blog": Page(301, headers={"Location": "/blog/"}),
    "/blog/": Page(headers={"cf-cache-status": "EXPIRED"}),
    "/moved": Page(308, headers={"Location": ELSEWHERE}),
    "/slow": Page(delay=3.0),
    "/trickle": Page(body=b"abcdefghij", trickle=0.3),
    "/loop": Page(302, headers={"Location": "/loop"}),
    "/cookie": Page(headers={"Set-Cookie": "session=abc; Path=/"}),
}


@pytest.fixture
def site() -> Iterator[Site]:
    with Site(PAGES) as running:
        yield running


def warm_all(site: Site, *paths: str, timeout: float = 1.0, concurrency: int = 8) -> list[str]:
    progress: list[str] = []
    results = warm(
        [site.base + path for path in paths],
        concurrency=concurrency,
        timeout=timeout,
        progress=progress.append,
    )
    assert [r.url for r in results] == [site.base + p for p in paths]  # input order
    return [_row(site, r) for r in results]


def _row(site: Site, result: WarmResult) -> str:
    """One result as ``status cache-status note`` with the server's address left out."""
    parts = [str(result.status), str(result.cache_status)]
    if result.final_url:
        parts.append("→ " + result.final_url.removeprefix(site.base))
    if result.not_followed:
        parts.append("not followed: " + result.not_followed)
    if result.error:
        parts.append(result.error)
    parts.append("warmed" if result.warmed else "NOT warmed")
    return " ".join(parts)


def test_each_url_is_fetched_with_get_and_reports_its_cache_status(site: Site) -> None:
    rows = warm_all(site, "/", "/fresh.css", "/gone.html")

    assert rows == [
        "200 HIT warmed",
        "200 MISS warmed",
        "404 MISS NOT warmed",
    ]
    assert {s.method for s in site.seen} == {"GET"}  # HEAD does not fill the cache


def test_a_redirect_on_a_purged_host_is_followed(site: Site) -> None:
    assert warm_all(site, "/blog") == ["200 EXPIRED → /blog/ warmed"]
    assert site.paths() == ["/blog", "/blog/"]


def test_a_redirect_to_another_host_is_reported_not_followed(site: Site) -> None:
    assert warm_all(site, "/moved") == [f"308 MISS not followed: {ELSEWHERE} warmed"]
    assert site.paths() == ["/moved"]


def test_a_redirect_loop_stops_after_five_redirects(site: Site) -> None:
    assert warm_all(site, "/loop") == ["None None more than 5 redirects NOT warmed"]
    assert site.paths() == ["/loop"] * 6


def test_a_slow_answer_times_out_within_the_timeout(site: Site) -> None:
    assert warm_all(site, "/slow", timeout=0.5) == ["None None timed out after 0.5 s NOT warmed"]


def test_a_body_that_trickles_in_past_the_timeout_is_given_up_at_the_timeout(site: Site) -> None:
    started = time.monotonic()
    rows = warm_all(site, "/trickle", timeout=1.0)

    assert rows == ["200 MISS the body took longer than 1 s NOT warmed"]
    assert time.monotonic() - started < 2.0  # the whole body would take 3 s


def test_a_site_that_does_not_answer_is_reported() -> None:
    with Site({}) as gone:
        base = gone.base
    (result,) = warm([base + "/"], concurrency=1, timeout=1.0, progress=lambda _: None)

    assert (result.warmed, result.error) == (False, "could not connect")


def test_no_more_than_warm_concurrency_urls_are_fetched_at_once() -> None:
    pages = {f"/{i}": Page(delay=0.2) for i in range(12)}
    with Site(pages) as site:
        warm([site.base + p for p in pages], concurrency=3, timeout=5, progress=lambda _: None)

    assert site.most_at_once == 3
    assert len(site.seen) == 12


def test_no_credential_reaches_the_site(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests would send this login as Basic auth to a request without auth of its own.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n", encoding="utf-8")
    monkeypatch.setenv("NETRC", str(netrc))

    warm_all(site, "/cookie", "/", "/blog", concurrency=1)

    assert site.seen
    for seen in site.seen:
        names = {name.lower() for name in seen.headers}
        assert not names & {"authorization", "x-auth-key", "x-auth-email", "cookie"}, seen
        assert seen.headers["User-Agent"] == USER_AGENT


def test_the_site_session_keeps_no_cookie(site: Site) -> None:
    session = new_session()
    fetch(session, site.base + "/cookie", frozenset({"127.0.0.1"}), 1.0)

    assert len(session.cookies) == 0


def test_one_warning_lists_the_urls_that_were_not_warmed() -> None:
    results = [
        WarmResult("https://a.example/1", 200, "MISS"),
        WarmResult("https://a.example/2", 404, "MISS"),
        WarmResult("https://a.example/3", error="timed out after 1 s"),
    ]

    (notice,) = warm_notice(results)

    assert notice.title == "Cache warming incomplete"
    assert notice.message.startswith(
        "2 of 3 purged URLs were not warmed: https://a.example/2 (HTTP 404), "
        "https://a.example/3 (timed out after 1 s)."
    )
    assert warm_notice(results[:1]) == []


# after a purge run


def test_warming_after_the_purge_sends_no_credential_and_never_fails_the_run(
    rsps: responses.RequestsMock, site: Site
) -> None:
    rsps.add_passthru(site.base)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))
    urls = [site.base + p for p in ("/", "/blog", "/moved", "/slow", "/missing")]

    run = Run("purge", None, zone=ZONE_ID, files="\n".join(urls), warm="true", timeout="0.5")
    outcome = run.perform()

    assert outcome.ok, outcome.problems
    assert len(rsps.calls) == 1  # the purge; warming went to the site, not the API
    assert sorted(site.paths()) == ["/", "/blog", "/blog/", "/missing", "/moved", "/slow"]
    assert outcome.outputs["warmed"] == 3
    (notice,) = [w for w in outcome.warnings if w.title == "Cache warming incomplete"]
    assert "2 of 5 purged URLs were not warmed" in notice.message
    assert f"| `{site.base}/` | 200 | HIT | warmed |" in outcome.markdown
    assert f"redirect to {ELSEWHERE} not followed (not a purged host)" in outcome.markdown
    assert f"| `{site.base}/missing` | 404 | MISS | not warmed |" in outcome.markdown
    assert "**Warming** (8 at a time): 3 of 5 URLs warmed" in outcome.markdown
    assert outcome.result["warm"]["warmed"] == 3
    assert all(TOKEN not in str(seen.headers) for seen in site.seen)
    assert f"Not warmed: {site.base}/slow: timed out after 0.5 s" in run.progress


def test_only_the_urls_of_confirmed_batches_are_warmed(
    rsps: responses.RequestsMock, site: Site
) -> None:
    rsps.add_passthru(site.base)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", status=400, json=ok(None) | {"success": False})
    files = f"{site.base}/\n{site.base}/blog/"

    outcome = Run("purge", None, zone=ZONE_ID, files=files, warm="true", batch_size="1").perform()

    assert not outcome.ok
    assert site.paths() == ["/"]
    assert outcome.outputs["warmed"] == 1


def test_without_warm_the_site_is_not_asked(rsps: responses.RequestsMock, site: Site) -> None:
    rsps.add_passthru(site.base)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))

    outcome = Run("purge", None, zone=ZONE_ID, files=site.base + "/").perform()

    assert outcome.ok
    assert site.seen == []
    assert outcome.outputs["warmed"] == 0
    assert "warm" not in outcome.result


def test_urls_only_deleted_files_served_are_purged_not_warmed(
    rsps: responses.RequestsMock, site: Site
) -> None:
    rsps.add_passthru(site.base)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))

    outcome = Run(
        "purge",
        None,
        zone=ZONE_ID,
        changed_files="D\tpublic/old.html\nM\tpublic/index.html",
        url_map=f"public/ => {site.base}/",
        warm="true",
    ).perform()

    assert outcome.outputs["purged_urls"] == [
        f"{site.base}/old.html",
        f"{site.base}/index.html",
        f"{site.base}/",
    ]
    assert sorted(site.paths()) == ["/", "/index.html"]


def test_with_nothing_purged_url_by_url_there_is_nothing_to_warm(
    rsps: responses.RequestsMock,
) -> None:
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))

    outcome = Run("purge", None, zone=ZONE_ID, hosts="www.example.com", warm="true").perform()

    assert outcome.ok
    assert "**Warming**: nothing to warm (no URL was purged one by one)." in outcome.markdown
    assert outcome.outputs["warmed"] == 0
