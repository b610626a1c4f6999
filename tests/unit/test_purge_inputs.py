"""Tests for the inputs of ``operation: purge`` (cfaction.ops.purge.inputs and .items):
list syntax, every validation error as the user sees it, FileItem, and normalisation.
Pure: no network."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from cfaction.errors import InputError, InvalidInputsError
from cfaction.ops import INPUTS, OPERATIONS
from cfaction.ops.base import LoadSource
from cfaction.ops.purge.inputs import PurgeInputs, load
from cfaction.ops.purge.items import (
    MAX_BATCH_SIZE,
    MAX_PREFIX_SEPARATORS,
    MAX_TAG_LENGTH,
    FileItem,
)
from cfaction.ops.verify.check import VerifyInputs
from cfaction.problems import Problems
from cfaction.settings import RawInputs
from cfaction.values import ZoneRef
from cfaction.workspace import Workspace
from tests import helpers
from tests.helpers import ZONE_ID, load_settings

NOTHING = "files/tags/hosts/prefixes"


def raw(**given: str) -> dict[str, str]:
    """Raw inputs for a purge of zone example.com, updated with ``given`` (the helpers add
    the token)."""
    return {"operation": "purge", "zone": "example.com", **given}


def purge_of(**given: str) -> PurgeInputs:
    settings = load_settings(None, **raw(**given))
    assert isinstance(settings.inputs, PurgeInputs)
    return settings.inputs


def load_error(**given: str) -> InputError:
    """The single InputError that loading ``raw(**given)`` reports."""
    return helpers.load_error(None, **raw(**given))


def load_purge(
    values: Mapping[str, str], zones: tuple[ZoneRef, ...] | None
) -> tuple[PurgeInputs, list[InputError]]:
    """The purge operation's own ``load`` of ``values`` (with the declared defaults), given
    the zones the ``zone`` input listed: the inputs (best effort) and every error."""
    problems = Problems()
    source = LoadSource(RawInputs(values, INPUTS), zones, Workspace.at(Path.cwd()))
    purge = load(source, problems)
    return purge, problems.errors


ONE_ZONE = (ZoneRef(name="example.com"),)
NO_ZONE: tuple[ZoneRef, ...] = ()


def urls(purge: PurgeInputs) -> list[str]:
    return [item.url for item in purge.files]


# list syntax


def test_lines_commas_and_json_arrays_give_the_same_tags() -> None:
    expected = ("a", "b", "c")

    assert purge_of(tags="a\nb\nc").tags == expected
    assert purge_of(tags="a, b,c").tags == expected
    assert purge_of(tags="a,b\n c").tags == expected
    assert purge_of(tags='["a", "b", "c"]').tags == expected


def test_blank_items_are_ignored_in_lines_commas_and_json_arrays() -> None:
    assert purge_of(tags="\n a ,, \n\n , b \n").tags == ("a", "b")
    assert purge_of(tags='["a", "", "  ", "b"]').tags == ("a", "b")
    assert urls(purge_of(files="\n https://example.com/a \n\n/b\n")) == [
        "https://example.com/a",
        "/b",
    ]


def test_json_array_items_are_trimmed_and_never_split_on_commas() -> None:
    purge = purge_of(files='[" https://example.com/a,https://example.com/b "]', tags='["x,y"]')

    assert urls(purge) == ["https://example.com/a,https://example.com/b"]
    assert purge.tags == ("x,y",)


def test_a_comma_in_a_url_query_does_not_split_files() -> None:
    assert urls(purge_of(files="https://example.com/a?x=1,2")) == ["https://example.com/a?x=1,2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://a.example.com/1, https://a.example.com/2",
            ["https://a.example.com/1", "https://a.example.com/2"],
        ),
        (
            "https://a.example.com/1,HTTP://a.example.com/2",
            ["https://a.example.com/1", "HTTP://a.example.com/2"],
        ),
        ("/a,/b", ["/a", "/b"]),
        ("/a?x=1,2, /b", ["/a?x=1,2", "/b"]),
    ],
)
def test_a_comma_splits_files_before_a_new_url_or_path(text: str, expected: list[str]) -> None:
    assert urls(purge_of(files=text)) == expected


def test_a_comma_splits_files_before_a_json_object() -> None:
    purge = purge_of(files='https://example.com/a, {"url": "/b", "headers": {"X": "1"}}')

    assert purge.files == (FileItem("https://example.com/a"), FileItem("/b", (("X", "1"),)))


def test_a_comma_inside_a_prefix_path_does_not_split_it() -> None:
    assert purge_of(prefixes="example.com/a,b").prefixes == ("example.com/a,b",)


@pytest.mark.parametrize("text", ["example.com/a, example.org/b", "example.com/a,example.org/b"])
def test_a_comma_splits_prefixes_before_a_new_host(text: str) -> None:
    assert purge_of(prefixes=text).prefixes == ("example.com/a", "example.org/b")


def test_a_comma_splits_prefixes_only_before_a_new_host_and_path() -> None:
    # "b.html" looks like a host, but without a path after it, it stays in the prefix.
    assert purge_of(prefixes="example.com/a,b.html").prefixes == ("example.com/a,b.html",)
    assert purge_of(prefixes="example.com/a,www.example.org/").prefixes == (
        "example.com/a",
        "www.example.org/",
    )


def test_tags_are_split_on_every_comma() -> None:
    assert purge_of(tags="a,b,,c, d").tags == ("a", "b", "c", "d")


def test_hosts_are_split_on_commas_and_lines() -> None:
    assert purge_of(hosts="a.example.com,b.example.com\nc.example.com").hosts == (
        "a.example.com",
        "b.example.com",
        "c.example.com",
    )


def test_a_json_object_line_in_files_is_a_url_with_sorted_headers() -> None:
    line = json.dumps(
        {"url": "https://example.com/a", "headers": {"X-Variant": "b", "CF-Device-Type": "mobile"}}
    )

    purge = purge_of(files=f"https://example.com/plain\n{line}")

    assert purge.files == (
        FileItem("https://example.com/plain"),
        FileItem(
            "https://example.com/a",
            (("CF-Device-Type", "mobile"), ("X-Variant", "b")),
        ),
    )


def test_a_json_object_without_headers_is_a_plain_url() -> None:
    assert purge_of(files='{"url": "https://example.com/a"}').files == (
        FileItem("https://example.com/a"),
    )


def test_a_json_array_of_files_may_mix_strings_and_objects() -> None:
    text = json.dumps(
        [
            "https://example.com/a",
            {"url": "/b", "headers": {"Origin": "https://x.test", "Accept": "text/html"}},
            "/c",
        ]
    )

    assert purge_of(files=text).files == (
        FileItem("https://example.com/a"),
        FileItem("/b", (("Accept", "text/html"), ("Origin", "https://x.test"))),
        FileItem("/c"),
    )


def test_files_keep_their_input_order_and_duplicates_at_load_time() -> None:
    # Duplicates are removed per zone once /path lines are joined, not here.
    text = "/b\nhttps://example.com/a\n/b"

    assert urls(purge_of(files=text)) == ["/b", "https://example.com/a", "/b"]


def test_an_upper_case_url_scheme_is_accepted_as_written() -> None:
    assert urls(purge_of(files="HTTPS://Example.com/A")) == ["HTTPS://Example.com/A"]


# files errors


@pytest.mark.parametrize(
    "url", ["ftp://example.com/a", "example.com/a", "https://", "https:///path", "mailto:a@b.c"]
)
def test_a_file_that_is_not_an_http_url_with_a_host_is_rejected(url: str) -> None:
    error = load_error(files=url)

    assert error.input_name == "files"
    assert f"'{url}' is not an http(s) URL with a host." in error.message
    assert "Write https://www.example.com/path, or /path" in error.fix


def test_a_file_url_with_a_space_is_rejected_with_percent_encoding_advice() -> None:
    error = load_error(files='["https://example.com/a b.png"]')

    assert error.input_name == "files"
    assert "'https://example.com/a b.png' contains a space." in error.message
    assert "Encode spaces in URLs as %20" in error.fix


def test_path_lines_without_a_zone_are_rejected() -> None:
    error = load_error(zone="", files="/a\n/b\n/c\n/d\nhttps://example.com/e")

    assert error.input_name == "files"
    assert "has paths without a host (/a, /b, /c)" in error.message
    assert "but zone is empty" in error.message
    assert "Write full URLs (https://www.example.com/path), or set zone to one zone." in (error.fix)


def test_path_lines_with_two_zones_are_rejected() -> None:
    error = load_error(zone="example.com\nexample.org", files="https://example.com/a\n/b")

    assert error.input_name == "files"
    assert "has paths without a host (/b), but zone lists several zones" in error.message
    assert "set zone to one zone" in error.fix


def test_path_lines_with_a_zone_id_are_accepted() -> None:
    assert urls(purge_of(zone=ZONE_ID, files="/a")) == ["/a"]


def test_a_json_array_that_does_not_parse_is_reported_with_its_position() -> None:
    error = load_error(files="[https://example.com/a]")

    assert error.input_name == "files"
    assert "starts with '[' but is not a valid JSON array (Expecting value at line 1, " in (
        error.message
    )
    assert error.fix == "Fix the JSON, or write one item per line."


def test_a_json_object_line_that_does_not_parse_is_reported_with_the_line() -> None:
    error = load_error(files="{url: https://example.com/a}")

    assert error.input_name == "files"
    assert "has a line starting with '{' that is not valid JSON" in error.message
    assert "{url: https://example.com/a}" in error.message
    assert '{"url": "https://…", "headers": {"CF-Device-Type": "mobile"}}' in error.fix


@pytest.mark.parametrize(
    "item",
    [
        {"url": "https://example.com/a", "header": {"X": "1"}},
        {"url": "https://example.com/a", "headers": {"X": 1}},
        {"url": "https://example.com/a", "headers": "X: 1"},
        {"headers": {"X": "1"}},
        {"url": 7},
    ],
    ids=["unknown-key", "number-header", "string-headers", "no-url", "number-url"],
)
def test_a_json_object_that_is_not_a_url_with_string_headers_is_rejected(
    item: dict[str, object],
) -> None:
    error = load_error(files=json.dumps(item))

    assert error.input_name == "files"
    assert "has an object that is not a URL with headers:" in error.message
    assert json.dumps(item) in error.message
    assert "header values as strings" in error.fix


def test_the_url_of_a_json_object_is_checked_like_any_url() -> None:
    error = load_error(files='{"url": "ftp://example.com/a"}')

    assert error.input_name == "files"
    assert "'ftp://example.com/a' is not an http(s) URL with a host." in error.message


@pytest.mark.parametrize("item", [1, None, True, ["https://example.com/a"]])
def test_a_non_string_item_in_a_json_array_of_files_is_rejected(item: object) -> None:
    error = load_error(files=json.dumps(["https://example.com/a", item]))

    assert error.input_name == "files"
    assert f"has an item that is not a URL: {json.dumps(item)}" in error.message
    assert error.fix == "Write URLs as strings."


@pytest.mark.parametrize("name", ["tags", "hosts", "prefixes"])
@pytest.mark.parametrize("item", [1, None, {"url": "x"}])
def test_a_non_string_item_in_a_json_array_of_another_list_is_rejected(
    name: str, item: object
) -> None:
    error = load_error(**{name: json.dumps(["example.com", item])})

    assert error.input_name == name
    assert f"has an item that is not a string: {json.dumps(item)}" in error.message
    assert error.fix == "Write one item per line."


# tags errors


def test_a_tag_with_a_space_is_rejected() -> None:
    error = load_error(tags="blog posts")

    assert error.input_name == "tags"
    assert "'blog posts' contains a space; cache tags are printable ASCII without spaces." in (
        error.message
    )
    assert "Write one tag per line (or comma-separated)" in error.fix


def test_a_non_ascii_tag_is_rejected_naming_the_character() -> None:
    error = load_error(tags="café")

    assert error.input_name == "tags"
    assert "'café' contains the character U+00E9" in error.message


def test_a_tag_of_the_maximum_length_is_accepted() -> None:
    tag = "t" * MAX_TAG_LENGTH

    assert purge_of(tags=tag).tags == (tag,)


def test_a_tag_over_1024_characters_is_rejected() -> None:
    error = load_error(tags="t" * (MAX_TAG_LENGTH + 1))

    assert error.input_name == "tags"
    assert f"has a tag of 1025 characters ('{'t' * 40}…')" in error.message
    assert error.fix == "A cache tag has at most 1024 characters."


def test_tags_keep_their_case_and_duplicates_at_load_time() -> None:
    # Case-insensitive de-duplication happens in the plan, per zone.
    assert purge_of(tags="Blog, blog").tags == ("Blog", "blog")


def test_a_tag_starting_with_a_brace_is_a_tag() -> None:
    assert purge_of(tags="{release}").tags == ("{release}",)


# hosts errors and normalisation


@pytest.mark.parametrize("host", ["https://www.example.com", "www.example.com/path"])
def test_a_host_with_a_scheme_or_path_is_rejected(host: str) -> None:
    error = load_error(hosts=host)

    assert error.input_name == "hosts"
    assert f"'{host}' is not a bare hostname." in error.message
    assert error.fix == "Write only the hostname, e.g. www.example.com (no scheme, no path)."


@pytest.mark.parametrize("host", ["localhost", "exa_mple.com", "-bad.example.com", "a..b"])
def test_an_invalid_host_is_rejected(host: str) -> None:
    error = load_error(hosts=host)

    assert error.input_name == "hosts"
    assert f"'{host}' is not a hostname." in error.message
    assert error.fix == "Write e.g. www.example.com."


def test_hosts_are_lower_cased_and_idna_encoded() -> None:
    assert purge_of(hosts="WWW.Example.COM\nBücher.example\nexample.org.").hosts == (
        "www.example.com",
        "xn--bcher-kva.example",
        "example.org",
    )


# prefixes errors and normalisation


def test_a_prefix_with_a_scheme_is_rejected_showing_it_without() -> None:
    error = load_error(prefixes="https://www.example.com/blog")

    assert error.input_name == "prefixes"
    assert "'https://www.example.com/blog' has a scheme; prefixes are written without one." in (
        error.message
    )
    assert error.fix == "Write www.example.com/blog."


@pytest.mark.parametrize("prefix", ["www.example.com/blog?page=2", "www.example.com/blog#top"])
def test_a_prefix_with_a_query_or_fragment_is_rejected(prefix: str) -> None:
    error = load_error(prefixes=prefix)

    assert error.input_name == "prefixes"
    assert f"'{prefix}' has a query string or fragment." in error.message
    assert "remove everything from '?' or '#'" in error.fix


def test_a_prefix_with_31_separators_is_accepted() -> None:
    prefix = "example.com" + "/a" * MAX_PREFIX_SEPARATORS

    assert purge_of(prefixes=prefix).prefixes == (prefix,)


def test_a_prefix_with_more_than_31_separators_is_rejected() -> None:
    prefix = "example.com" + "/a" * (MAX_PREFIX_SEPARATORS + 1)

    error = load_error(prefixes=prefix)

    assert error.input_name == "prefixes"
    assert "has more than 31 '/' separators." in error.message
    assert error.fix == "Use a shorter prefix."


@pytest.mark.parametrize("prefix", ["exa_mple.com/blog", "/blog", "localhost/blog"])
def test_a_prefix_that_does_not_start_with_a_hostname_is_rejected(prefix: str) -> None:
    error = load_error(prefixes=prefix)

    assert error.input_name == "prefixes"
    assert f"'{prefix}' does not start with a hostname." in error.message
    assert error.fix == "Write host/path, e.g. www.example.com/blog."


def test_prefixes_are_normalised_with_the_host_lower_cased_and_the_path_kept() -> None:
    assert purge_of(
        prefixes="WWW.Example.COM/Blog\nExample.org/\nExample.net\nBücher.example/A"
    ).prefixes == ("www.example.com/Blog", "example.org/", "example.net", "xn--bcher-kva.example/A")


# batch_size


def test_batch_size_defaults_to_100() -> None:
    assert purge_of(files="/a").batch_size == 100


@pytest.mark.parametrize(("text", "value"), [("1", 1), (" 250 ", 250), ("500", MAX_BATCH_SIZE)])
def test_batch_size_accepts_whole_numbers_from_1_to_500(text: str, value: int) -> None:
    assert purge_of(files="/a", batch_size=text).batch_size == value


@pytest.mark.parametrize("text", ["0", "501", "-1", "2.5", "many"])
def test_batch_size_rejects_anything_else(text: str) -> None:
    error = load_error(files="/a", batch_size=text)

    assert error.input_name == "batch_size"
    assert f"'{text}' is not a whole number from 1 to 500." in error.message
    assert error.fix == "Write a number from 1 to 500."


# combinations


def test_purge_everything_loads_without_any_list() -> None:
    purge = purge_of(purge_everything="true")

    assert purge.everything is True
    assert purge == PurgeInputs(everything=True)


def test_purge_everything_with_lists_is_rejected_naming_them() -> None:
    error = load_error(purge_everything="true", files="/a", prefixes="example.com/x")

    assert error.input_name == "purge_everything"
    assert "is true together with files, prefixes." in error.message
    assert "remove files, prefixes, or set purge_everything to false" in error.fix


def test_nothing_to_purge_is_an_error_not_an_implicit_purge_everything() -> None:
    error = load_error(files=" \n ", purge_everything="false")

    assert error.input_name == NOTHING
    assert "nothing to purge: files, tags, hosts and prefixes are all empty" in error.message
    assert "an empty list never purges everything" in error.fix


@pytest.mark.parametrize(
    "given",
    [{"files": "[]"}, {"tags": " , "}, {"hosts": '["", " "]'}, {"prefixes": "[]"}],
    ids=["files-empty-array", "tags-only-commas", "hosts-blank-array", "prefixes-empty-array"],
)
def test_a_list_with_no_items_is_nothing_to_purge(given: dict[str, str]) -> None:
    error = load_error(**given)

    assert error.input_name == NOTHING


def test_an_invalid_list_is_not_also_reported_as_nothing_to_purge() -> None:
    error = load_error(files="ftp://example.com/a")

    assert error.input_name == "files"


@pytest.mark.parametrize(
    ("given", "kinds"),
    [
        ({"tags": "blog"}, "tags"),
        ({"purge_everything": "true"}, "purge_everything"),
        ({"tags": "blog", "files": "https://example.com/a"}, "tags"),
    ],
)
def test_tags_and_purge_everything_need_a_zone(given: dict[str, str], kinds: str) -> None:
    error = load_error(zone="", **given)

    assert error.input_name == "zone"
    assert f"is required for {kinds}: unlike URLs, hosts and prefixes" in error.message
    assert "Set zone to the zone's domain or ID (several zones: one per line)." in error.fix


def test_urls_hosts_and_prefixes_need_no_zone() -> None:
    purge = purge_of(
        zone="", files="https://example.com/a", hosts="example.org", prefixes="example.net/x"
    )

    assert purge.routed is True
    assert purge.hosts == ("example.org",)


@pytest.mark.parametrize("given", [{}, {"files": "https://example.com/a"}, {"tags": "a"}])
def test_an_invalid_purge_everything_gives_exactly_one_error(given: dict[str, str]) -> None:
    error = load_error(purge_everything="yes", **given)

    assert error.input_name == "purge_everything"
    assert "'yes' is not a boolean." in error.message


@pytest.mark.parametrize(
    "given",
    [{"tags": "a"}, {"files": "/a"}],
    ids=["tags", "path-lines"],
)
def test_an_invalid_zone_gives_exactly_one_error(given: dict[str, str]) -> None:
    error = load_error(zone="garbage", **given)

    assert error.input_name == "zone"


def test_purge_errors_are_reported_together_with_common_input_errors() -> None:
    with pytest.raises(InvalidInputsError) as excinfo:
        load_settings(
            None,
            **raw(
                zone="",
                max_retries="99",
                dry_run="yes",
                files="ftp://example.com/a",
                tags="a b",
                hosts="https://example.com",
                prefixes="example.com/?x",
                batch_size="0",
            ),
        )

    names = [e.input_name for e in excinfo.value.errors]
    assert names == ["dry_run", "max_retries", "files", "tags", "hosts", "prefixes", "batch_size"]
    assert excinfo.value.message == "Invalid input: " + ", ".join(names)


def test_a_missing_zone_for_tags_is_reported_with_other_errors() -> None:
    with pytest.raises(InvalidInputsError) as excinfo:
        load_settings(None, **raw(zone="", timeout="0", tags="blog", batch_size="501"))

    assert [e.input_name for e in excinfo.value.errors] == ["timeout", "batch_size", "zone"]


# the operation's load directly


def test_load_purge_returns_the_inputs_and_no_errors_for_valid_values() -> None:
    purge, errors = load_purge({"files": "/a", "tags": "t", "batch_size": "7"}, ONE_ZONE)

    assert errors == []
    assert purge == PurgeInputs(files=(FileItem("/a"),), tags=("t",), batch_size=7)


def test_load_purge_returns_best_effort_inputs_with_every_error() -> None:
    purge, errors = load_purge({"files": "/a", "tags": "a b", "batch_size": "0"}, NO_ZONE)

    assert [e.input_name for e in errors] == ["files", "tags", "batch_size"]
    assert purge == PurgeInputs()  # the invalid values fall back to their defaults


def test_load_purge_takes_the_action_yml_defaults_for_missing_values() -> None:
    purge, errors = load_purge({"hosts": "example.com"}, NO_ZONE)

    assert errors == []
    assert purge == PurgeInputs(hosts=("example.com",), everything=False, batch_size=100)


# FileItem


def test_a_path_is_relative_and_joins_the_zone_name_over_https() -> None:
    item = FileItem("/a?b=1", (("X", "1"),))

    assert item.relative is True
    assert item.host is None
    assert item.absolute("www.example.com") == FileItem(
        "https://www.example.com/a?b=1", (("X", "1"),)
    )


def test_an_absolute_url_is_kept_when_joined() -> None:
    item = FileItem("http://Example.com/a")

    assert item.relative is False
    assert item.absolute("other.example") is item
    assert item.host == "example.com"


def test_the_key_ignores_the_case_of_scheme_and_host() -> None:
    assert (
        FileItem("HTTPS://WWW.Example.COM/a").key() == FileItem("https://www.example.com/a").key()
    )


def test_the_key_keeps_the_case_of_path_and_query() -> None:
    assert FileItem("https://example.com/A").key() != FileItem("https://example.com/a").key()
    assert (
        FileItem("https://example.com/a?X=1").key() != FileItem("https://example.com/a?x=1").key()
    )


def test_the_key_includes_the_headers_with_case_insensitive_names() -> None:
    plain = FileItem("https://example.com/a")
    mobile = FileItem("https://example.com/a", (("CF-Device-Type", "mobile"),))
    lower = FileItem("https://example.com/a", (("cf-device-type", "mobile"),))
    tablet = FileItem("https://example.com/a", (("CF-Device-Type", "tablet"),))

    assert plain.key() != mobile.key()
    assert mobile.key() == lower.key()
    assert mobile.key() != tablet.key()


def test_the_body_is_the_url_string_without_headers() -> None:
    assert FileItem("https://example.com/a").body() == "https://example.com/a"


def test_the_body_is_an_object_with_headers() -> None:
    item = FileItem("https://example.com/a", (("Accept", "text/html"), ("CF-IPCountry", "US")))

    assert item.body() == {
        "url": "https://example.com/a",
        "headers": {"Accept": "text/html", "CF-IPCountry": "US"},
    }


def test_the_label_is_the_url_with_its_variant_headers() -> None:
    assert FileItem("https://example.com/a").label() == "https://example.com/a"
    assert (
        FileItem("https://example.com/a", (("Accept", "text/html"), ("CF-IPCountry", "US"))).label()
        == "https://example.com/a [Accept: text/html, CF-IPCountry: US]"
    )


# other operations


def test_settings_inputs_are_not_purge_inputs_for_verify() -> None:
    settings = load_settings(operation="verify")

    assert settings.operation is OPERATIONS["verify"].operation()
    assert settings.inputs == VerifyInputs()


def test_purge_inputs_are_not_checked_for_verify() -> None:
    settings = load_settings(operation="verify", files="ftp://x", batch_size="0")

    assert settings.operation is OPERATIONS["verify"].operation()
    assert settings.inputs == VerifyInputs()


def test_settings_inputs_hold_the_purge_inputs_for_purge() -> None:
    settings = load_settings(None, **raw(files="/a", dry_run="true"))

    assert settings.common.operation == "purge"
    assert settings.operation is OPERATIONS["purge"].operation()
    assert settings.common.dry_run is True
    assert settings.inputs == PurgeInputs(files=(FileItem("/a"),))


def test_a_protocol_relative_url_names_its_host() -> None:
    assert urls(purge_of(files="//cdn.example.org/a.js")) == ["https://cdn.example.org/a.js"]


def test_blank_items_between_commas_are_dropped_in_files() -> None:
    assert urls(purge_of(files="https://x.example.com/1, , https://x.example.com/2")) == [
        "https://x.example.com/1",
        "https://x.example.com/2",
    ]


def test_headers_that_are_not_an_object_are_an_error() -> None:
    error = load_error(files='{"url": "https://example.com/", "headers": []}')

    assert error.input_name == "files"
    assert "header values as strings" in error.fix


def test_a_prefix_with_a_space_is_an_error() -> None:
    error = load_error(prefixes="example.com/a, example.org")

    assert error.input_name == "prefixes"
    assert "contains a space" in error.message


# bounds and shapes (issue 15)


def purge_error_in(workspace: Path, **given: str) -> InputError:
    return helpers.load_error(workspace, **raw(**given))


@pytest.mark.parametrize("name", ["files", "tags", "hosts", "prefixes"])
def test_a_json_list_nested_past_the_limit_is_refused_naming_the_input(name: str) -> None:
    error = load_error(**{name: "[" * 5000 + "]" * 5000})

    assert error.input_name == name
    assert error.problem == "nests deeper than 64 levels of arrays and objects."


@pytest.mark.parametrize(
    "text",
    [
        '{"url": "https://example.com/a", "url": "https://example.com/b"}',
        '[{"url": "https://example.com/a", "headers": {"Origin": "a", "Origin": "b"}}]',
    ],
)
def test_a_purge_object_naming_a_key_twice_is_refused(text: str) -> None:
    error = load_error(files=text)

    assert error.input_name == "files"
    assert "twice" in error.problem
    assert "the second value would silently replace the first" in error.fix


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("files", b"https://example.com/a\x00b\n", "contains the control character U+0000."),
        ("prefixes", b"example.com/a\x00\n", "contains the control character U+0000."),
        ("files", b"https://example.com/\x1b[2J\n", "contains the control character U+001B."),
    ],
)
def test_a_control_character_in_a_list_file_is_refused_before_any_call(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    (tmp_path / "list.txt").write_bytes(content)

    error = purge_error_in(tmp_path, **{name: "@list.txt"})

    assert error.input_name == name
    assert error.problem.endswith(problem)
    assert "\x00" not in str(error) and "\x1b" not in str(error)


def test_a_list_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "list.txt").write_bytes(b"https://example.com/caf\xe9\n")

    error = purge_error_in(tmp_path, files="@list.txt")

    assert error.problem == "'list.txt' is not UTF-8 text (byte 23)."


@pytest.mark.parametrize("url", ["https://[::1/x", "https://example.com:99999/a"])
def test_a_url_with_a_broken_ipv6_host_or_port_is_not_a_url(url: str) -> None:
    error = load_error(files=url)

    assert error.problem == f"'{url}' is not an http(s) URL with a host."
