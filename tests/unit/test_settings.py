"""Tests for the common inputs (cfaction.main.load, cfaction.settings): every common input's
validation, as the user sees it."""

from __future__ import annotations

from typing import Any

import pytest

from cfaction.errors import InputError, InvalidInputsError
from cfaction.main import Settings, from_environ, load
from cfaction.ops import INPUT_NAMES, INPUTS, OPERATIONS
from cfaction.ops.worker.inputs import WORKER_INPUTS
from cfaction.settings import DEFAULT_API_BASE_URL
from cfaction.values import ZoneRef, split_list
from tests import helpers
from tests.helpers import ACCOUNT_ID, ZONE_ID
from tests.helpers import OLD_STYLE_TOKEN as TOKEN


def raw(**given: str) -> dict[str, str]:
    """Valid raw inputs for ``verify`` with a token, updated with ``given``."""
    return {"operation": "verify", "api_token": TOKEN, **given}


def load_settings(**given: str) -> Settings[Any]:
    """``main.load`` of ``raw(**given)``."""
    return helpers.load_settings(None, **raw(**given))


def load_error(**given: str) -> InputError:
    """The single InputError that loading ``raw(**given)`` reports."""
    return helpers.load_error(None, **raw(**given))


# operation


def test_valid_inputs_load_into_settings_with_the_action_yml_defaults() -> None:
    settings = load_settings()
    common = settings.common

    assert common.operation == "verify"
    assert settings.operation is OPERATIONS["verify"].operation()
    assert common.zones == ()
    assert common.zone is None
    assert common.account_id is None
    assert common.credentials.mode == "token"
    assert common.credentials.token == TOKEN
    assert common.dry_run is False
    assert common.api_base_url == DEFAULT_API_BASE_URL
    assert common.max_retries == 5
    assert common.timeout == 30.0
    assert common.summary is True
    assert settings.warnings == ()


def test_operation_is_required() -> None:
    error = load_error(operation="")

    assert error.input_name == "operation"
    assert "is required" in error.message
    assert "verify" in error.fix


def test_operation_is_case_insensitive_and_trimmed() -> None:
    assert load_settings(operation="  Verify \n").common.operation == "verify"


def test_an_unknown_operation_is_rejected_naming_the_valid_ones() -> None:
    error = load_error(operation="deploy")

    assert error.input_name == "operation"
    assert "'deploy' is not an operation" in error.message
    assert "Write one of: dns, purge, verify, worker" in error.fix


# zone


def test_a_zone_id_is_used_as_an_id() -> None:
    settings = load_settings(zone=ZONE_ID)

    assert settings.common.zones == (ZoneRef(id=ZONE_ID),)
    assert settings.common.zone == ZoneRef(id=ZONE_ID)


def test_an_upper_case_zone_id_is_accepted_and_lowered() -> None:
    settings = load_settings(zone=ZONE_ID.upper())

    assert settings.common.zones == (ZoneRef(id=ZONE_ID),)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("example.com", "example.com"),
        ("Example.COM", "example.com"),
        ("www.shop.example.co.uk", "www.shop.example.co.uk"),
        ("example.com.", "example.com"),
        ("  api-1.example.com  ", "api-1.example.com"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_domain_names_and_hostnames_are_accepted_lower_case(given: str, name: str) -> None:
    settings = load_settings(zone=given)

    assert settings.common.zones == (ZoneRef(name=name),)
    assert settings.warnings == ()


def test_an_internationalised_domain_name_is_converted_to_punycode() -> None:
    settings = load_settings(zone="Bücher.example")

    assert settings.common.zones == (ZoneRef(name="xn--bcher-kva.example"),)


def test_a_pasted_url_is_reduced_to_its_host_with_a_warning() -> None:
    settings = load_settings(zone="https://WWW.Example.com/path?q=1")

    assert settings.common.zones == (ZoneRef(name="www.example.com"),)
    assert len(settings.warnings) == 1
    warning = settings.warnings[0]
    assert warning.input_name == "zone"
    assert "is a URL" in warning.message
    assert "'www.example.com'" in warning.message


def test_a_31_character_hex_string_is_reported_as_a_truncated_zone_id() -> None:
    error = load_error(zone=ZONE_ID[:31])

    assert error.input_name == "zone"
    assert "looks like a zone ID but has 31 characters, not 32" in error.message
    assert "Overview page" in error.fix


@pytest.mark.parametrize(
    "garbage", ["example", "not a domain", "exa_mple.com", "-bad.example.com", "a..b", "@@@"]
)
def test_garbage_is_neither_a_zone_id_nor_a_domain_name(garbage: str) -> None:
    error = load_error(zone=garbage)

    assert error.input_name == "zone"
    assert f"'{garbage}' is neither a zone ID (32 hex characters) nor a domain name" in (
        error.message
    )
    assert "e.g. example.com" in error.fix


def test_several_zones_are_refused_for_an_operation_other_than_purge() -> None:
    error = load_error(zone="example.com\nexample.org")

    assert error.input_name == "zone"
    assert "lists 2 zones; only operation 'purge' accepts several" in error.message


def test_several_zones_are_not_reported_as_a_zone_error_for_purge() -> None:
    with pytest.raises(InvalidInputsError) as excinfo:
        load_settings(operation="purge", zone="example.com, example.org")

    # Only the missing purge items are reported, not the two zones.
    assert [e.input_name for e in excinfo.value.errors] == ["files/tags/hosts/prefixes"]


def test_a_zone_given_twice_counts_once() -> None:
    settings = load_settings(zone="example.com\nEXAMPLE.com, example.com.")

    assert settings.common.zones == (ZoneRef(name="example.com"),)


# account_id


def test_account_id_is_optional() -> None:
    assert load_settings(account_id="").common.account_id is None


def test_an_upper_case_account_id_is_accepted_and_lowered() -> None:
    assert load_settings(account_id=f" {ACCOUNT_ID.upper()} ").common.account_id == ACCOUNT_ID


@pytest.mark.parametrize("bad", [ACCOUNT_ID[:31], "my-account", ACCOUNT_ID + "0"])
def test_an_account_id_that_is_not_32_hex_is_rejected(bad: str) -> None:
    error = load_error(account_id=bad)

    assert error.input_name == "account_id"
    assert f"'{bad}' is not an account ID (32 hex characters)" in error.message
    assert "Copy the Account ID" in error.fix


# booleans


@pytest.mark.parametrize("name", ["dry_run", "summary"])
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
    ],
)
def test_booleans_accept_the_yaml_core_spellings(name: str, text: str, value: bool) -> None:
    settings = load_settings(**{name: text})

    assert getattr(settings.common, name) is value


@pytest.mark.parametrize("name", ["dry_run", "summary"])
@pytest.mark.parametrize("text", ["yes", "1", "on", "tru", "tRUE", "no", "0"])
def test_booleans_reject_other_spellings(name: str, text: str) -> None:
    error = load_error(**{name: text})

    assert error.input_name == name
    assert f"'{text}' is not a boolean" in error.message
    assert error.fix == "Write true or false."


def test_empty_booleans_take_their_defaults() -> None:
    settings = load_settings(dry_run="", summary="")

    assert settings.common.dry_run is False
    assert settings.common.summary is True


# max_retries and timeout


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("5", 5), (" 20 ", 20)])
def test_max_retries_accepts_whole_numbers_from_0_to_20(text: str, value: int) -> None:
    assert load_settings(max_retries=text).common.max_retries == value


@pytest.mark.parametrize("text", ["21", "-1", "2.5", "many"])
def test_max_retries_rejects_anything_else(text: str) -> None:
    error = load_error(max_retries=text)

    assert error.input_name == "max_retries"
    assert f"'{text}' is not a whole number from 0 to 20" in error.message
    assert error.fix == "Write a number from 0 to 20."


@pytest.mark.parametrize(
    ("text", "value"), [("30", 30.0), ("1", 1.0), ("600", 600.0), ("2.5", 2.5)]
)
def test_timeout_accepts_seconds_up_to_600(text: str, value: float) -> None:
    assert load_settings(timeout=text).common.timeout == value


@pytest.mark.parametrize("text", ["0", "-5", "601", "thirty", "nan", "inf"])
def test_timeout_rejects_anything_else(text: str) -> None:
    error = load_error(timeout=text)

    assert error.input_name == "timeout"
    assert f"'{text}' is not a number of seconds above 0 and at most 600" in error.message
    assert "e.g. 30" in error.fix


# api_base_url


def test_an_https_api_base_url_is_accepted_without_its_trailing_slash() -> None:
    settings = load_settings(api_base_url="https://cf.example.test/client/v4/")

    assert settings.common.api_base_url == "https://cf.example.test/client/v4"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8787/client/v4", "http://localhost:8787", "http://[::1]:8787/v4"],
)
def test_plain_http_is_accepted_for_loopback_hosts(url: str) -> None:
    assert load_settings(api_base_url=url + "/").common.api_base_url == url


@pytest.mark.parametrize(
    "url", ["http://api.cloudflare.com/client/v4", "http://localhost.evil.test/client/v4"]
)
def test_plain_http_to_another_host_is_rejected(url: str) -> None:
    error = load_error(api_base_url=url)

    assert error.input_name == "api_base_url"
    assert "uses plain http to a host that is not loopback" in error.message
    assert "Use https://" in error.fix


@pytest.mark.parametrize(
    "text", ["api.cloudflare.com/client/v4", "ftp://api.cloudflare.com", "https://", "nonsense"]
)
def test_an_api_base_url_that_is_not_a_url_is_rejected(text: str) -> None:
    error = load_error(api_base_url=text)

    assert error.input_name == "api_base_url"
    assert "is not an http(s) URL" in error.message
    assert DEFAULT_API_BASE_URL in error.fix


# several errors at once, and credential errors


def test_every_invalid_input_is_reported_together_with_one_error_each() -> None:
    with pytest.raises(InvalidInputsError) as excinfo:
        load(
            {
                "operation": "nope",
                "zone": "garbage",
                "account_id": "123",
                "dry_run": "yes",
                "api_base_url": "http://example.com",
                "max_retries": "99",
                "timeout": "0",
                "summary": "on",
                "api_token": "",
            }
        )

    error = excinfo.value
    names = [e.input_name for e in error.errors]
    assert names == [
        "operation",
        "zone",
        "account_id",
        "dry_run",
        "api_base_url",
        "max_retries",
        "timeout",
        "summary",
        "api_token",
    ]
    assert all(isinstance(e, InputError) for e in error.errors)
    assert error.message == "Invalid input: " + ", ".join(names)
    assert [e.title for e in error.errors] == [f"Input {name}" for name in names]


def test_a_credential_error_is_one_of_the_input_errors() -> None:
    error = load_error(api_token="", email="ops@example.com")

    assert error.input_name == "global_key"


def test_credential_warnings_reach_the_settings() -> None:
    settings = load_settings(api_token=f"Bearer {TOKEN}")

    assert settings.common.credentials.token == TOKEN
    assert [w.input_name for w in settings.warnings] == ["api_token"]


def test_the_settings_repr_does_not_show_the_token() -> None:
    settings = load_settings()

    assert TOKEN not in repr(settings)


# from_environ


def test_from_environ_reads_input_upper_case_for_every_input() -> None:
    environ = {f"INPUT_{name.upper()}": f"value of {name}" for name in INPUT_NAMES}
    environ["INPUT_OTHER"] = "ignored"
    environ["api_token"] = "ignored too"

    assert from_environ(environ) == {name: f"value of {name}" for name in INPUT_NAMES}


def test_from_environ_treats_a_missing_input_as_empty() -> None:
    read = from_environ({"INPUT_OPERATION": "verify"})

    assert read["operation"] == "verify"
    assert set(read) == set(INPUT_NAMES)
    assert all(read[name] == "" for name in INPUT_NAMES if name != "operation")


def test_input_names_cover_every_declared_input() -> None:
    assert set(INPUT_NAMES) == {
        "operation",
        "zone",
        "account_id",
        "api_token",
        "email",
        "global_key",
        "dry_run",
        "api_base_url",
        "max_retries",
        "timeout",
        "summary",
        "pr_comment",
        "comment_key",
        "github_token",
        "github_api_url",
        "deployment_environment",
        "files",
        "tags",
        "hosts",
        "prefixes",
        "purge_everything",
        "batch_size",
        "records",
        "type",
        "name",
        "content",
        "ttl",
        "proxied",
        "priority",
        "comment",
        "mode",
        "batch_limit",
        "changed_files",
        "url_map",
        "index_files",
        "strip_html",
        "max_changed_urls",
        "warm",
        "warm_concurrency",
        *WORKER_INPUTS,
    }
    assert tuple(INPUTS) == INPUT_NAMES
    assert len(INPUT_NAMES) == len(set(INPUT_NAMES))


# helpers


@pytest.mark.parametrize(
    ("text", "items"),
    [("a, b\nc,,\n\n d ", ["a", "b", "c", "d"]), ("", []), (" , \n", [])],
)
def test_split_list_accepts_lines_and_commas_and_drops_blanks(text: str, items: list[str]) -> None:
    assert split_list(text) == items


# inputs no parser is given (issue 15: not UTF-8, too long)


def test_an_input_with_a_byte_that_is_not_utf8_is_refused_naming_the_byte() -> None:
    # Python keeps an undecodable byte of the environment as a lone surrogate (PEP 383)
    error = load_error(zone="caf\udce9.example")

    assert error.input_name == "zone"
    assert error.problem == "is not UTF-8 text: character 4 is the byte 0xE9."
    assert "iconv -t UTF-8" in error.fix


def test_an_input_over_the_size_cap_is_refused_before_it_is_parsed() -> None:
    from cfaction.settings import MAX_INPUT_CHARS

    error = load_error(zone="a" * (MAX_INPUT_CHARS + 1))

    assert error.input_name == "zone"
    assert error.problem == f"has {MAX_INPUT_CHARS + 1:,} characters; at most 1,048,576 are read."
    assert "@path" in error.fix


def test_every_unreadable_input_is_reported_at_once() -> None:
    errors = helpers.load_errors(None, **raw(zone="\udcff", account_id="\udcfe"))

    assert sorted(e.input_name for e in errors) == ["account_id", "zone"]


@pytest.mark.parametrize(
    "url",
    ["https://[::1/x", "https://[::1", "https://127.0.0.1:99999/v4", "https://host:port/v4"],
)
def test_an_api_base_url_with_a_broken_ipv6_literal_or_port_is_not_a_url(url: str) -> None:
    error = load_error(api_base_url=url)

    assert error.input_name == "api_base_url"
    assert error.problem == f"'{url}' is not an http(s) URL."


def test_an_api_base_url_with_a_control_character_is_refused_and_shown_escaped() -> None:
    error = load_error(api_base_url="https://api.example.test/\x1b[31m")

    assert error.problem == "'https://api.example.test/\\u001b[31m' is not an http(s) URL."


@pytest.mark.parametrize("zone", ["https://[::1/x", "http://[zone"])
def test_a_zone_url_with_a_broken_ipv6_literal_is_neither_id_nor_domain(zone: str) -> None:
    error = load_error(zone=zone)

    assert error.input_name == "zone"
    assert "is neither a zone ID (32 hex characters) nor a domain name" in error.problem
