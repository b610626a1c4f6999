"""Purging what a deploy changed, end to end: ``entrypoint.py`` run as the runner runs it
(``cfemu.runner.run_step``), with the changed files computed by git in the workspace as the
README's workflow does, against the emulator (which records what was purged), and warming
against a site on loopback. API calls are counted exactly, and so are the site's requests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_TOKEN, DEMO_ZONE_ID
from cfemu.runner import StepResult, run_step
from tests.unit.purge_site import (
    URL_MAP,
    URLS,
    Page,
    Site,
    build_site_repo,
    git_diff,
)

pytestmark = pytest.mark.e2e

PURGE_PATH = "/purge_cache"
DEPLOY = {"operation": "purge", "zone": "example.com", "api_token": DEMO_TOKEN}
ELSEWHERE = "https://elsewhere.example.net/x"

Deploy = Callable[..., StepResult]


@pytest.fixture
def deploy(emulator: Emulator) -> Deploy:
    """Run the step against the emulator, the workspace prepared first (``prepare``) and the
    emulator's log cleared, so ``emulator.log`` holds only this step's requests."""

    def run(prepare: Callable[[Path], None] | None = None, **inputs: str) -> StepResult:
        emulator.log.clear()
        given = {"api_base_url": emulator.base_url, "max_retries": "2", **DEPLOY, **inputs}
        return run_step(given, prepare=prepare)

    return run


def changed_by_git(*flags: str) -> Callable[[Path], None]:
    """The site's history in the workspace, and ``changed.txt`` written by ``git diff`` of
    the deploy, as the workflow's earlier step writes it."""

    def prepare(workspace: Path) -> None:
        before, after = build_site_repo(workspace)
        listing = git_diff(workspace, *flags, before, after)
        (workspace / "changed.txt").write_text(listing, encoding="utf-8")

    return prepare


def purge_calls(emulator: Emulator) -> int:
    return sum(1 for r in emulator.log if r.path.endswith(PURGE_PATH))


@pytest.mark.parametrize(
    "flags", [("--name-status",), ("--name-only", "--no-renames")], ids=["status", "names"]
)
def test_the_changed_files_of_a_deploy_are_purged_in_one_call(
    deploy: Deploy, emulator: Emulator, flags: tuple[str, ...]
) -> None:
    run = deploy(changed_by_git(*flags), changed_files="@changed.txt", url_map=URL_MAP)

    assert run.exit_code == 0, run.stdout
    assert [r.path for r in emulator.log] == ["/zones", f"/zones/{DEMO_ZONE_ID}{PURGE_PATH}"]
    assert run.outputs["api_calls"] == "2"
    assert emulator.state.purged_urls(DEMO_ZONE_ID) == URLS
    assert json.loads(run.outputs["purged_urls"]) == URLS
    assert run.outputs["purged"] == str(len(URLS))
    assert run.outputs["batches"] == "1"
    assert run.outputs["warmed"] == "0"
    assert "**Unmapped** (under no url_map prefix, not purged): `README.md`, `src/app.ts`" in (
        run.summary
    )
    assert "| `https://www.example.com/caf%C3%A9.html` | `public/café.html` | file |" in run.summary
    changed = run.result()["changed"]
    assert isinstance(changed, dict)
    assert (changed["files"], changed["mapped"], changed["unmapped"]) == (10, 8, 2)


def test_a_dry_run_shows_the_urls_and_neither_purges_nor_warms(
    deploy: Deploy, emulator: Emulator, site: Site
) -> None:
    run = deploy(
        changed_files="public/index.html\npublic/blog/index.html\nREADME.md",
        url_map=f"public/ => {site.base}/",
        warm="true",
        dry_run="true",
    )

    assert run.exit_code == 0, run.stdout
    assert purge_calls(emulator) == 0
    assert [r.path for r in emulator.log] == ["/zones"]
    assert site.seen == []
    expected = [f"{site.base}{p}" for p in ("/index.html", "/", "/blog/index.html", "/blog/")]
    expected.append(f"{site.base}/blog")
    assert json.loads(run.outputs["purged_urls"]) == expected
    assert run.outputs["dry_run"] == "true"
    assert "URLs the changed files are served at:" in run.summary
    assert f"| `{site.base}/blog` | `public/blog/index.html` | folder without / |" in run.summary
    assert "**Warming**: would warm 5 URLs after the purge (8 at a time)." in run.summary
    assert f"Dry run: public/index.html → {site.base}/ (folder)" in run.log_lines()


@pytest.fixture
def site() -> Iterator[Site]:
    pages = {
        "/": Page(headers={"cf-cache-status": "HIT"}),
        "/index.html": Page(),
        "/blog/index.html": Page(headers={"cf-cache-status": "EXPIRED"}),
        "/blog/": Page(),
        "/blog": Page(301, headers={"Location": "/blog/"}),
        "/moved.html": Page(302, headers={"Location": ELSEWHERE}),
        "/slow.html": Page(delay=3.0),
    }
    with Site(pages) as running:
        yield running


def test_warming_gets_each_purged_url_without_credentials_and_only_warns(
    deploy: Deploy, emulator: Emulator, site: Site
) -> None:
    changed = "\n".join(
        [
            "M\tpublic/index.html",
            "M\tpublic/blog/index.html",
            "A\tpublic/missing.html",  # the site answers 404
            "M\tpublic/slow.html",  # longer than the timeout
            "M\tpublic/moved.html",  # a redirect to another host
            "D\tpublic/old.html",  # purged, never fetched
        ]
    )

    run = deploy(
        changed_files=changed,
        url_map=f"public/ => {site.base}/",
        warm="true",
        warm_concurrency="2",
        timeout="1",
    )

    assert run.exit_code == 0, run.stdout
    assert purge_calls(emulator) == 1
    assert run.outputs["api_calls"] == "2"  # the zone lookup and the purge: warming is not API
    assert len(emulator.state.purged_urls(DEMO_ZONE_ID)) == 9
    assert sorted(site.paths()) == sorted(
        [
            "/index.html",
            "/",
            "/blog/index.html",
            "/blog/",
            "/blog",
            "/blog/",  # the redirect of /blog, followed on the same host
            "/missing.html",
            "/slow.html",
            "/moved.html",
        ]
    )
    for seen in site.seen:
        assert DEMO_TOKEN not in json.dumps(seen.headers)
        assert not {n.lower() for n in seen.headers} & {"authorization", "cookie"}
    assert run.outputs["warmed"] == "6"
    warnings = {w.properties.get("title"): w.data for w in run.annotations("warning")}
    assert warnings["Cache warming incomplete"].startswith("2 of 8 purged URLs were not warmed")
    assert f"{site.base}/missing.html (HTTP 404)" in warnings["Cache warming incomplete"]
    assert f"{site.base}/slow.html (timed out after 1 s)" in warnings["Cache warming incomplete"]
    assert "Purge items outside the zone" in warnings  # 127.0.0.1 is not in example.com
    assert not run.annotations("error")
    assert f"| `{site.base}/` | 200 | HIT | warmed |" in run.summary
    assert f"| `{site.base}/blog/index.html` | 200 | EXPIRED | warmed |" in run.summary
    assert f"redirected to {site.base}/blog/" in run.summary
    assert f"redirect to {ELSEWHERE} not followed (not a purged host)" in run.summary


def test_more_urls_than_max_changed_urls_purge_the_hosts_with_a_warning(
    deploy: Deploy, emulator: Emulator
) -> None:
    run = deploy(
        changed_by_git("--name-status"),
        changed_files="@changed.txt",
        url_map=URL_MAP,
        max_changed_urls="12",
    )

    assert run.exit_code == 0, run.stdout
    assert purge_calls(emulator) == 1
    assert emulator.state.purged(DEMO_ZONE_ID, "hosts") == ["docs.example.com", "www.example.com"]
    assert emulator.state.purged_urls(DEMO_ZONE_ID) == []
    (warning,) = [w for w in run.annotations("warning") if "Too many" in w.properties["title"]]
    assert "more than 12 URLs (max_changed_urls)" in warning.data
    assert run.outputs["purged_urls"] == "[]"
    assert "the hosts are purged" in run.summary


def test_a_deploy_that_changed_only_unmapped_files_purges_nothing_and_succeeds(
    deploy: Deploy, emulator: Emulator
) -> None:
    run = deploy(changed_files="README.md\n.github/workflows/deploy.yml", url_map=URL_MAP)

    assert run.exit_code == 0, run.stdout
    assert emulator.log == []
    assert run.outputs["api_calls"] == "0"
    assert run.outputs["purged"] == "0"
    (warning,) = run.annotations("warning")
    assert warning.properties["title"] == "No changed file is published"


@pytest.mark.parametrize(
    ("inputs", "name", "words"),
    [
        ({"changed_files": "public/a.html"}, "url_map", "is required with changed_files"),
        (
            {"changed_files": "public/a.html", "url_map": "public/ https://www.example.com/"},
            "url_map",
            "has no '=>'",
        ),
        (
            {"changed_files": "public/a.html", "url_map": "public/ => http://www.example.com/"},
            "url_map",
            "Write https://host/",
        ),
        ({"url_map": URL_MAP, "max_changed_urls": "0"}, "max_changed_urls", "from 1 to 100000"),
        ({"files": "/a", "warm_concurrency": "64"}, "warm_concurrency", "from 1 to 32"),
    ],
)
def test_an_invalid_new_input_is_one_error_and_no_api_call(
    deploy: Deploy, emulator: Emulator, inputs: dict[str, str], name: str, words: str
) -> None:
    run = deploy(**inputs)

    assert run.exit_code == 1
    assert emulator.log == []
    (error,) = run.annotations("error")
    assert error.properties["title"] == f"Input {name}"
    assert words in error.data
