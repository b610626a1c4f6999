"""Tests for purging what changed (cfaction.ops.purge.changed, .serving, .derived and the
purge inputs that use them): every accepted list format, the URLs a file is served at,
the cap and its fallback, every invalid value as the user sees it, and the plan and outcome
with exact API call counts (HTTP mocked by ``responses``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import responses
import yaml

from cfaction.errors import InputError
from cfaction.ops import INPUT_NAMES
from cfaction.ops.purge.changed import ChangedFile, read_changed_files
from cfaction.ops.purge.derived import ChangedUrls, derive
from cfaction.ops.purge.inputs import PurgeInputs
from cfaction.ops.purge.plan import PurgePlan
from cfaction.ops.purge.serving import (
    ServingRules,
    UrlMapping,
    encode_path,
    parse_index_files,
    parse_url_map,
)
from tests import helpers
from tests.helpers import BASE, ZONE_ID, Run, load_settings, ok
from tests.unit import purge_site
from tests.unit.purge_site import (
    DELETED_URLS,
    NAME_ONLY,
    NAME_STATUS,
    STRIPPED_URLS,
    UNMAPPED,
    URL_MAP,
    URLS,
)

WWW = (UrlMapping("public/", "https://www.example.com/"),)


def raw(**given: str) -> dict[str, str]:
    return {"operation": "purge", "zone": "example.com", **given}


def purge_of(workspace: Path | None = None, **given: str) -> PurgeInputs:
    settings = load_settings(workspace, **raw(**given))
    assert isinstance(settings.inputs, PurgeInputs)
    return settings.inputs


def changed_of(**given: str) -> ChangedUrls:
    changed = purge_of(**given).changed
    assert changed is not None
    return changed


def load_error(**given: str) -> InputError:
    return helpers.load_error(None, **raw(**given))


def paths(text: str) -> list[tuple[str, bool]]:
    return [(file.path, file.deleted) for file in read_changed_files(text)]


def urls_of(path: str, rules: ServingRules) -> list[tuple[str, str]] | None:
    served = rules.urls(path)
    return None if served is None else [(s.url, s.rule) for s in served]


# the fixture repository, as git prints its changes


def test_the_fixture_lists_are_what_git_prints_for_the_deploy(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed to check the fixture against git's own output")
    before, after = purge_site.build_site_repo(tmp_path)

    name_status = purge_site.git_diff(tmp_path, "--name-status", before, after)
    name_only = purge_site.git_diff(tmp_path, "--name-only", "--no-renames", before, after)

    assert name_status == NAME_STATUS
    assert name_only == NAME_ONLY


@pytest.mark.parametrize("listing", [NAME_STATUS, NAME_ONLY], ids=["name-status", "name-only"])
def test_the_deploy_maps_to_its_urls_with_the_unmapped_files_aside(listing: str) -> None:
    changed = changed_of(changed_files=listing, url_map=URL_MAP)

    assert [d.url for d in changed.urls] == URLS
    assert list(changed.unmapped) == UNMAPPED
    assert (changed.files, changed.mapped, changed.unmapped_count) == (10, 8, 2)
    assert changed.hosts == ("docs.example.com", "www.example.com")
    assert not changed.over_cap


def test_the_deleted_and_renamed_away_files_are_known_from_name_status() -> None:
    changed = changed_of(changed_files=NAME_STATUS, url_map=URL_MAP)

    assert sorted(changed.only_deleted) == DELETED_URLS


def test_strip_html_adds_the_extension_less_url_of_every_other_html_file() -> None:
    changed = changed_of(changed_files=NAME_STATUS, url_map=URL_MAP, strip_html="true")

    derived = [d.url for d in changed.urls]
    assert sorted(set(derived) - set(URLS)) == sorted(STRIPPED_URLS)
    assert len(derived) == len(URLS) + len(STRIPPED_URLS)


def test_the_changed_urls_join_files_after_them_and_once() -> None:
    purge = purge_of(
        changed_files="public/index.html",
        url_map="public/ => https://www.example.com/",
        files="https://www.example.com/\nhttps://www.example.com/feed.xml",
    )

    assert [f.url for f in purge.files] == [
        "https://www.example.com/",
        "https://www.example.com/feed.xml",
        "https://www.example.com/index.html",
        "https://www.example.com/",  # de-duplicated while planning, per zone
    ]


# changed_files: the formats


def test_name_only_lines_are_changed_paths() -> None:
    assert paths("public/a.html\n\n  public/b c.html  \n./public/d.css\n") == [
        ("public/a.html", False),
        ("public/b c.html", False),
        ("public/d.css", False),
    ]


def test_name_status_lines_say_what_was_deleted_and_renamed() -> None:
    text = "M\ta\nA\tb\nD\tc\nR087\told\tnew\nC75\tsource\tcopy\nT\tlink\n"

    assert paths(text) == [
        ("a", False),
        ("b", False),
        ("c", True),
        ("old", True),
        ("new", False),
        ("copy", False),  # a copy leaves its source unchanged
        ("link", False),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "public/old.html => public/new.html",
        "public/old.html\tpublic/new.html",
        "public/{old.html => new.html}",
    ],
)
def test_a_rename_may_be_written_as_two_paths(line: str) -> None:
    assert paths(line) == [("public/old.html", True), ("public/new.html", False)]


def test_the_compact_rename_form_of_a_move_drops_the_empty_side() -> None:
    assert paths("public/{ => blog}/post.html") == [
        ("public/post.html", True),
        ("public/blog/post.html", False),
    ]


def test_git_quoted_names_are_decoded() -> None:
    assert paths('"public/caf\\303\\251.html"\n"a\\"b\\\\c\\td"') == [
        ("public/café.html", False),
        ('a"b\\c\td', False),
    ]


def test_a_json_array_of_paths_is_accepted() -> None:
    assert paths('["public/a.html", "D\\tpublic/b.html"]') == [
        ("public/a.html", False),
        ("public/b.html", True),
    ]


def test_a_first_path_starting_with_a_bracket_is_a_path_not_json() -> None:
    assert paths("pages/[slug].tsx\npages/[id]/index.html") == [
        ("pages/[slug].tsx", False),
        ("pages/[id]/index.html", False),
    ]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("/public/a.html", "is an absolute path"),
        ("public/../secret", "has a '..' segment"),
        ("public/blog/", "names a folder"),
        ("R100\tonly-one", "has an old and a new path"),
        ("a\tb\tc", "has two paths, old and new"),
        ('"bad\\q"', "not one of git's escapes"),
        ('"\\377"', "not UTF-8"),
        ('""', "the path is empty"),
        ("D\ta\tb", "has one path after the status"),
    ],
)
def test_a_line_that_is_not_a_path_is_an_error_naming_its_line(line: str, words: str) -> None:
    with pytest.raises(InputError) as excinfo:
        list(read_changed_files(f"public/ok.html\n{line}"))

    assert excinfo.value.input_name == "changed_files"
    assert "line 2" in excinfo.value.message
    assert words in excinfo.value.message


def test_a_json_array_with_a_non_string_is_an_error() -> None:
    with pytest.raises(InputError, match="not a string"):
        list(read_changed_files('["a", 1]'))


def test_changed_files_are_read_from_a_workspace_file(tmp_path: Path) -> None:
    (tmp_path / "changed.txt").write_text(NAME_STATUS, encoding="utf-8")

    purge = purge_of(tmp_path, changed_files="@changed.txt", url_map=URL_MAP)

    assert purge.changed is not None
    assert [d.url for d in purge.changed.urls] == URLS


def test_url_map_is_read_from_a_workspace_file(tmp_path: Path) -> None:
    (tmp_path / "url_map.txt").write_text(URL_MAP, encoding="utf-8")

    purge = purge_of(tmp_path, changed_files=NAME_STATUS, url_map="@url_map.txt")

    assert purge.changed is not None
    assert [d.url for d in purge.changed.urls] == URLS


def test_a_missing_changed_files_file_is_an_error_naming_the_input(tmp_path: Path) -> None:
    error = helpers.load_error(tmp_path, **raw(changed_files="@changed.txt", url_map=URL_MAP))

    assert error.input_name == "changed_files"
    assert "does not exist in the workspace" in error.message


# url_map and the serving rules


def test_url_map_lines_are_normalised_folders_and_url_prefixes() -> None:
    text = (
        "# published folders\n"
        "public => https://WWW.Example.com\n"
        "docs/build/ => https://docs.example.com/v2\n"
        "./ => https://root.example.com/\n"
        "public => https://www.example.com/\n"  # the same mapping again
    )

    assert parse_url_map(text) == (
        UrlMapping("public/", "https://www.example.com/"),
        UrlMapping("docs/build/", "https://docs.example.com/v2/"),
        UrlMapping("", "https://root.example.com/"),
    )


def test_the_longest_matching_prefix_wins() -> None:
    rules = ServingRules(
        (
            UrlMapping("public/", "https://www.example.com/"),
            UrlMapping("public/docs/", "https://docs.example.com/"),
        )
    )

    assert urls_of("public/docs/a.css", rules) == [("https://docs.example.com/a.css", "file")]
    assert urls_of("public/a.css", rules) == [("https://www.example.com/a.css", "file")]
    assert urls_of("publicity/a.css", rules) is None  # a prefix is a folder
    assert urls_of("src/a.css", rules) is None


def test_a_prefix_listed_twice_purges_on_both_hosts() -> None:
    rules = ServingRules(
        (
            UrlMapping("public/", "https://example.com/"),
            UrlMapping("public/", "https://www.example.com/"),
        )
    )

    assert urls_of("public/a.css", rules) == [
        ("https://example.com/a.css", "file"),
        ("https://www.example.com/a.css", "file"),
    ]


def test_an_index_file_purges_its_folder_with_and_without_the_slash() -> None:
    rules = ServingRules(WWW)

    assert urls_of("public/blog/index.html", rules) == [
        ("https://www.example.com/blog/index.html", "file"),
        ("https://www.example.com/blog/", "folder"),
        ("https://www.example.com/blog", "folder without /"),
    ]


def test_the_root_index_purges_the_root_once() -> None:
    assert urls_of("public/index.html", ServingRules(WWW)) == [
        ("https://www.example.com/index.html", "file"),
        ("https://www.example.com/", "folder"),
    ]


def test_the_root_index_under_a_url_path_purges_it_without_the_slash_too() -> None:
    rules = ServingRules((UrlMapping("site/", "https://example.com/docs/"),))

    assert urls_of("site/index.html", rules) == [
        ("https://example.com/docs/index.html", "file"),
        ("https://example.com/docs/", "folder"),
        ("https://example.com/docs", "folder without /"),
    ]


def test_index_files_names_the_index_files() -> None:
    rules = ServingRules(WWW, index_files=("index.htm", "default.html"))

    assert [u for u, _ in urls_of("public/a/default.html", rules) or []] == [
        "https://www.example.com/a/default.html",
        "https://www.example.com/a/",
        "https://www.example.com/a",
    ]
    assert urls_of("public/a/index.html", rules) == [
        ("https://www.example.com/a/index.html", "file")
    ]


def test_index_files_are_split_on_lines_and_commas_without_repeats() -> None:
    assert parse_index_files("index.html, index.htm\ndefault.html,index.html") == (
        "index.html",
        "index.htm",
        "default.html",
    )


def test_strip_html_leaves_index_files_to_the_folder_rule() -> None:
    rules = ServingRules(WWW, strip_html=True)

    assert [u for u, _ in urls_of("public/blog/index.html", rules) or []] == [
        "https://www.example.com/blog/index.html",
        "https://www.example.com/blog/",
        "https://www.example.com/blog",
    ]
    assert urls_of("public/about.html", rules) == [
        ("https://www.example.com/about.html", "file"),
        ("https://www.example.com/about", "without .html"),
    ]
    assert urls_of("public/feed.xml", rules) == [("https://www.example.com/feed.xml", "file")]


@pytest.mark.parametrize(
    ("path", "encoded"),
    [
        ("a b.html", "a%20b.html"),
        ("café.html", "caf%C3%A9.html"),
        ("100%.html", "100%25.html"),
        ("what?.html", "what%3F.html"),
        ("c#.html", "c%23.html"),
        ('q"<>`{}^.txt', "q%22%3C%3E%60%7B%7D%5E.txt"),
        ("[slug]/a+b=c,d;e@f!$&'()*:|~.js", "[slug]/a+b=c,d;e@f!$&'()*:|~.js"),
    ],
)
def test_paths_are_percent_encoded_as_a_browser_sends_them(path: str, encoded: str) -> None:
    assert encode_path(path) == encoded


def test_the_rules_are_described_for_the_plan() -> None:
    described = ServingRules(WWW, strip_html=True).describe()

    assert described[0] == "`public/` → `https://www.example.com/`"
    assert any("strip_html" in line for line in described)
    assert any("`index.html`" in line for line in described)


# the cap and the fallback


def test_more_urls_than_the_cap_purge_their_hosts_instead() -> None:
    purge = purge_of(changed_files=NAME_STATUS, url_map=URL_MAP, max_changed_urls="12")

    assert purge.changed is not None and purge.changed.over_cap
    assert purge.files == ()
    assert purge.hosts == ("docs.example.com", "www.example.com")
    assert not purge.everything


def test_exactly_the_cap_is_still_purged_url_by_url() -> None:
    purge = purge_of(changed_files=NAME_STATUS, url_map=URL_MAP, max_changed_urls="13")

    assert [f.url for f in purge.files] == URLS
    assert purge.hosts == ()


def test_past_the_cap_purge_everything_given_with_changed_files_purges_everything() -> None:
    over = purge_of(
        changed_files=NAME_STATUS,
        url_map=URL_MAP,
        max_changed_urls="1",
        purge_everything="true",
    )
    under = purge_of(changed_files=NAME_STATUS, url_map=URL_MAP, purge_everything="true")

    assert (over.everything, over.files, over.hosts) == (True, (), ())
    assert under.everything is False
    assert [f.url for f in under.files] == URLS


def test_derivation_keeps_no_more_than_the_cap_but_every_host() -> None:
    rules = ServingRules(
        (
            UrlMapping("a/", "https://a.example.com/"),
            UrlMapping("b/", "https://b.example.com/"),
        )
    )
    files = [ChangedFile(f"a/{i}.css") for i in range(50)] + [ChangedFile("b/late.css")]

    changed = derive(files, rules, max_urls=10)

    assert changed.over_cap
    assert len(changed.urls) == 10
    assert changed.hosts == ("a.example.com", "b.example.com")
    assert (changed.files, changed.mapped) == (51, 51)


def test_a_url_a_kept_file_also_serves_is_not_only_deleted() -> None:
    rules = ServingRules(WWW, strip_html=True)
    files = [ChangedFile("public/about.html", deleted=True), ChangedFile("public/about/index.html")]

    changed = derive(files, rules, max_urls=100)

    assert "https://www.example.com/about" in [d.url for d in changed.urls]
    assert changed.only_deleted == frozenset({"https://www.example.com/about.html"})


def test_unmapped_paths_are_counted_once_each() -> None:
    changed = derive(
        [ChangedFile("README.md"), ChangedFile("README.md"), ChangedFile("src/a.ts")],
        ServingRules(WWW),
        max_urls=10,
    )

    assert (changed.unmapped, changed.unmapped_count, changed.files) == (
        ("README.md", "src/a.ts"),
        2,
        2,
    )


# invalid values: one error each, naming the input


@pytest.mark.parametrize(
    ("given", "name", "words"),
    [
        ({"changed_files": "public/a.html"}, "url_map", "is required with changed_files"),
        (
            {"changed_files": "a", "url_map": "public/ https://www.example.com/"},
            "url_map",
            "has no '=>'",
        ),
        ({"changed_files": "a", "url_map": "=> https://www.example.com/"}, "url_map", "./"),
        (
            {"changed_files": "a", "url_map": "public/ => http://www.example.com/"},
            "url_map",
            "only to a loopback test server",
        ),
        (
            {"changed_files": "a", "url_map": "public/ => www.example.com/"},
            "url_map",
            "is not an https://host/ URL prefix",
        ),
        (
            {"changed_files": "a", "url_map": "public/ => https://www.example.com/?v=1"},
            "url_map",
            "no query or fragment",
        ),
        (
            {"changed_files": "a", "url_map": "public/ => https://user@www.example.com/"},
            "url_map",
            "is not an https://host/ URL prefix",
        ),
        (
            {"changed_files": "a", "url_map": "public/ => https://www.example.com:x/"},
            "url_map",
            "is not an https://host/ URL prefix",
        ),
        (
            {"changed_files": "a", "url_map": "public/ => https://under_score.example/"},
            "url_map",
            "is not a hostname",
        ),
        (
            {"changed_files": "a", "url_map": "../up => https://www.example.com/"},
            "url_map",
            "is not a folder of the repository",
        ),
        (
            {"changed_files": "a", "url_map": "# only a comment"},
            "url_map",
            "has no SOURCE_PREFIX => URL_PREFIX line",
        ),
        (
            {"changed_files": "/abs", "url_map": "public/ => https://www.example.com/"},
            "changed_files",
            "is an absolute path",
        ),
        ({"url_map": URL_MAP, "max_changed_urls": "0"}, "max_changed_urls", "from 1 to 100000"),
        ({"url_map": URL_MAP, "max_changed_urls": "many"}, "max_changed_urls", "1 to 100000"),
        ({"url_map": URL_MAP, "max_changed_urls": "100001"}, "max_changed_urls", "100000"),
        ({"url_map": URL_MAP, "index_files": "a/index.html"}, "index_files", "not a file name"),
        ({"url_map": URL_MAP, "index_files": ","}, "index_files", "names no file"),
        ({"url_map": URL_MAP, "strip_html": "yes"}, "strip_html", "Write true or false"),
        ({"files": "/a", "warm": "on"}, "warm", "Write true or false"),
        ({"files": "/a", "warm_concurrency": "0"}, "warm_concurrency", "from 1 to 32"),
        ({"files": "/a", "warm_concurrency": "33"}, "warm_concurrency", "from 1 to 32"),
        (
            {"changed_files": "a", "url_map": URL_MAP, "files": "/a", "purge_everything": "true"},
            "purge_everything",
            "remove files",
        ),
        (
            {"changed_files": "a", "url_map": URL_MAP, "purge_everything": "true", "zone": ""},
            "zone",
            "is required for purge_everything",
        ),
    ],
)
def test_an_invalid_value_is_one_error_naming_the_input(
    given: dict[str, str], name: str, words: str
) -> None:
    error = load_error(**given)

    assert error.input_name == name
    assert words in error.message


def test_every_invalid_new_input_is_reported_in_one_run() -> None:
    errors = helpers.load_errors(
        None,
        **raw(
            changed_files="/abs",
            url_map="nope",
            index_files="a/b",
            strip_html="maybe",
            max_changed_urls="-1",
            warm="1",
            warm_concurrency="x",
        ),
    )

    assert sorted(e.input_name for e in errors) == sorted(
        [
            "changed_files",
            "url_map",
            "index_files",
            "strip_html",
            "max_changed_urls",
            "warm",
            "warm_concurrency",
        ]
    )


def test_the_new_inputs_default_as_action_yml_says() -> None:
    purge = purge_of(changed_files="public/x/index.html", url_map="public/ => https://e.example/")

    assert purge.changed is not None
    assert purge.changed.rules.index_files == ("index.html",)
    assert purge.changed.rules.strip_html is False
    assert purge.changed.max_urls == 3000
    assert (purge.warm, purge.warm_concurrency) == (False, 8)


def test_no_changed_file_is_not_an_error_nothing_changed() -> None:
    purge = purge_of(url_map=URL_MAP)

    assert purge.changed is not None
    assert purge.changed.files == 0
    assert not purge.routed


def test_without_changed_files_or_url_map_nothing_to_purge_is_still_an_error() -> None:
    assert load_error(index_files="index.htm").input_name == "files/tags/hosts/prefixes"


# plan and outcome, with the API calls counted


def purge_run(**given: str) -> Run:
    return Run("purge", None, **given)


def answer_zone(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{BASE}/zones",
        json=ok(
            [{"id": ZONE_ID, "name": "example.com", "account": {"id": helpers.ACCOUNT_ID}}],
            result_info={"page": 1, "per_page": 50, "total_pages": 1},
        ),
    )


def purge_bodies(rsps: responses.RequestsMock) -> list[Any]:
    return [json.loads(c.request.body or b"") for c in rsps.calls if c.request.method == "POST"]


def test_the_deploy_is_one_purge_call_after_one_zone_lookup(rsps: responses.RequestsMock) -> None:
    answer_zone(rsps)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))

    outcome = purge_run(zone="example.com", changed_files=NAME_STATUS, url_map=URL_MAP).perform()

    assert outcome.ok, outcome.problems
    assert len(rsps.calls) == 2
    assert purge_bodies(rsps) == [{"files": URLS}]
    assert outcome.outputs["purged_urls"] == URLS
    assert outcome.outputs["purged"] == len(URLS)
    assert outcome.outputs["warmed"] == 0
    assert "**Unmapped** (under no url_map prefix, not purged): `README.md`, `src/app.ts`" in (
        outcome.markdown
    )
    assert outcome.result["changed"]["unmapped_paths"] == UNMAPPED
    assert outcome.result["changed"]["fallback"] is None


def test_changed_urls_add_no_purge_call_beyond_what_batching_needs(
    rsps: responses.RequestsMock,
) -> None:
    answer_zone(rsps)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p2"}))
    files = "\n".join(f"https://www.example.com/f{i}" for i in range(90))

    outcome = purge_run(
        zone="example.com", files=files, changed_files=NAME_STATUS, url_map=URL_MAP
    ).perform()

    assert outcome.ok, outcome.problems
    # 90 + 13 URLs (one of them listed in both) = 102 items: two batches of at most 100.
    assert [len(body["files"]) for body in purge_bodies(rsps)] == [100, 3]
    assert len(rsps.calls) == 3


def test_a_dry_run_shows_the_rules_and_the_urls_and_sends_no_purge(
    rsps: responses.RequestsMock,
) -> None:
    answer_zone(rsps)

    outcome = purge_run(
        zone="example.com",
        changed_files=NAME_STATUS,
        url_map=URL_MAP,
        dry_run="true",
        warm="true",
    ).perform()

    assert outcome.ok
    assert [c.request.method for c in rsps.calls] == ["GET"]
    assert outcome.outputs["purged_urls"] == URLS
    assert outcome.outputs["warmed"] == 0
    text = outcome.markdown
    assert "`public/` → `https://www.example.com/`" in text
    assert (
        "| `https://www.example.com/blog` | `public/blog/index.html` | folder without / |" in text
    )
    assert "would be purged (deleted: not warmed)" in text
    assert f"would warm {len(URLS) - len(DELETED_URLS)} URLs after the purge" in text
    assert "Dry run: public/index.html → https://www.example.com/ (folder)" in outcome.notes


def test_past_the_cap_the_hosts_are_purged_and_a_warning_says_so(
    rsps: responses.RequestsMock,
) -> None:
    answer_zone(rsps)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))

    outcome = purge_run(
        zone="example.com", changed_files=NAME_STATUS, url_map=URL_MAP, max_changed_urls="5"
    ).perform()

    assert outcome.ok
    assert purge_bodies(rsps) == [{"hosts": ["docs.example.com", "www.example.com"]}]
    (warning,) = [w for w in outcome.warnings if w.title == "Too many changed URLs"]
    assert "more than 5 URLs (max_changed_urls)" in warning.message
    assert "docs.example.com, www.example.com" in warning.message
    assert "the hosts are purged" in outcome.markdown
    assert outcome.outputs["purged_urls"] == []
    assert outcome.result["changed"]["fallback"] == "hosts"


def test_past_the_cap_with_purge_everything_the_zone_is_purged(
    rsps: responses.RequestsMock,
) -> None:
    answer_zone(rsps)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))

    outcome = purge_run(
        zone="example.com",
        changed_files=NAME_STATUS,
        url_map=URL_MAP,
        max_changed_urls="5",
        purge_everything="true",
    ).perform()

    assert purge_bodies(rsps) == [{"purge_everything": True}]
    assert "everything in the zone" in outcome.warnings[0].message
    assert outcome.result["changed"]["fallback"] == "everything"


def test_only_unmapped_changes_purge_nothing_with_no_api_call_and_a_warning(
    rsps: responses.RequestsMock,
) -> None:
    outcome = purge_run(
        zone="example.com", changed_files="README.md\nsrc/app.ts", url_map=URL_MAP
    ).perform()

    assert outcome.ok
    assert len(rsps.calls) == 0
    assert outcome.heading == "purge · nothing to purge"
    assert outcome.outputs["purged"] == 0
    (warning,) = outcome.warnings
    assert warning.title == "No changed file is published"
    assert "public/, docs/build/" in warning.message


def test_a_purge_of_urls_a_failed_batch_held_lists_only_the_purged_ones(
    rsps: responses.RequestsMock,
) -> None:
    answer_zone(rsps)
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))
    rsps.post(
        f"{BASE}/zones/{ZONE_ID}/purge_cache",
        status=400,
        json=helpers.failure(1015, "Invalid files[0]"),
    )

    outcome = purge_run(
        zone="example.com", changed_files=NAME_STATUS, url_map=URL_MAP, batch_size="10"
    ).perform()

    assert not outcome.ok
    assert outcome.outputs["purged_urls"] == URLS[:10]
    assert "| `https://www.example.com/old.html` |" in outcome.markdown
    assert "not purged (deleted: not warmed)" in outcome.markdown


def test_plan_carries_the_changed_urls_for_the_report(rsps: responses.RequestsMock) -> None:
    answer_zone(rsps)

    plan = purge_run(zone="example.com", changed_files=NAME_STATUS, url_map=URL_MAP).plan()

    assert isinstance(plan, PurgePlan)
    assert plan.changed is not None
    assert [b.items for b in plan.batches] == [tuple(URLS)]


# the documented workflows


ROOT = Path(__file__).resolve().parents[2]


def cfaction_steps(document: Any) -> list[dict[str, Any]]:
    return [
        step
        for job in document["jobs"].values()
        for step in job["steps"]
        if "cfaction" in str(step.get("uses", ""))
    ]


def test_the_example_workflow_gives_only_declared_inputs_and_loads() -> None:
    document = yaml.safe_load(
        (ROOT / "examples/workflows/purge-changed-files.yml").read_text(encoding="utf-8")
    )

    (step,) = cfaction_steps(document)
    given = {name: str(value) for name, value in step["with"].items()}
    assert set(given) <= set(INPUT_NAMES)
    given["api_token"] = helpers.TOKEN
    settings = load_settings(None, **{**given, "changed_files": NAME_ONLY})
    assert isinstance(settings.inputs, PurgeInputs)
    assert settings.inputs.warm
    assert settings.inputs.changed is not None
    assert settings.inputs.changed.rules.strip_html


def test_the_readme_example_computes_the_changed_files_with_git_diff() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("Purge what changed after a Pages or static deploy")
    block = readme[start:].split("```yaml\n", 1)[1].split("```", 1)[0]
    document = yaml.safe_load(block)

    steps = document["jobs"]["deploy"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert any(
        "git diff --name-only ${{ github.event.before }} ${{ github.sha }}" in r for r in runs
    )
    (step,) = cfaction_steps(document)
    assert set(step["with"]) <= set(INPUT_NAMES)
    assert step["with"]["changed_files"] == "@changed.txt"


def test_purged_urls_lists_every_purged_url_and_the_result_says_how_many(
    rsps: responses.RequestsMock,
) -> None:
    answer_zone(rsps)
    for number in range(3):
        rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": f"p{number}"}))
    changed = "\n".join(f"public/{i}.css" for i in range(1200))

    outcome = purge_run(
        zone="example.com",
        changed_files=changed,
        url_map="public/ => https://www.example.com/",
        batch_size="500",
    ).perform()

    assert outcome.ok
    listed = outcome.outputs["purged_urls"]
    assert isinstance(listed, list)
    assert listed == [f"https://www.example.com/{i}.css" for i in range(1200)]
    assert outcome.result["changed"]["purged_urls"] == 1200
    assert len(outcome.result["changed"]["urls"]) == 1200
