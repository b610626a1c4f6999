"""Tests for the inputs of ``operation: dns`` (cfaction.ops.dns.inputs and the set rules of
cfaction.ops.dns.records): where records come from, the strict YAML booleans, every
per-record and set error as the user sees it, and the settings around the records (mode,
batch_limit, zone). Pure: no network (the run through ``main.execute`` makes no request)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from cfaction.errors import InputError
from cfaction.main import Settings, execute
from cfaction.ops import INPUTS
from cfaction.ops.base import LoadSource
from cfaction.ops.dns.inputs import MAX_BATCH_LIMIT, DnsInputs, load, parse_record
from cfaction.ops.dns.records import DesiredRecord, set_errors
from cfaction.ops.purge.inputs import PurgeInputs
from cfaction.ops.verify.check import VerifyInputs
from cfaction.problems import InputWarning, Problems
from cfaction.settings import RawInputs
from cfaction.values import ZoneRef
from cfaction.workspace import Workspace
from tests import helpers
from tests.helpers import BASE, TOKEN, ZONE_ID, RecordingReporter

WWW = "- {type: A, name: www, content: 192.0.2.1}"


def raw(**given: str) -> dict[str, str]:
    """The inputs of ``operation: dns`` on example.com, updated with ``given`` (the helpers
    add the token)."""
    return {"operation": "dns", "zone": "example.com", **given}


def settings_of(workspace: Path | None = None, **given: str) -> Settings[DnsInputs]:
    return helpers.load_settings(workspace, **raw(**given))


def dns_of(workspace: Path | None = None, **given: str) -> DnsInputs:
    dns = settings_of(workspace, **given).inputs
    assert isinstance(dns, DnsInputs)
    return dns


def records_of(text: str, workspace: Path | None = None) -> tuple[DesiredRecord, ...]:
    return dns_of(workspace, records=text).records


def load_errors(workspace: Path | None = None, **given: str) -> list[InputError]:
    return helpers.load_errors(workspace, **raw(**given))


def load_error(workspace: Path | None = None, **given: str) -> InputError:
    """The single InputError that loading ``raw(**given)`` reports."""
    return helpers.load_error(workspace, **raw(**given))


def load_dns(values: dict[str, str], workspace: Path) -> tuple[DnsInputs | None, Problems]:
    """The DNS inputs' own ``load`` of ``values``, for zone example.com."""
    problems = Problems()
    source = LoadSource(
        RawInputs(values, INPUTS), (ZoneRef(name="example.com"),), Workspace.at(workspace)
    )
    return load(source, problems), problems


def record_error(record: str) -> InputError:
    """The error of ``record`` given as the second item of a records list."""
    return load_error(records=f"{WWW}\n{record}")


# where records come from


def test_inline_yaml_records_keep_every_field() -> None:
    records = records_of(
        """
- type: a
  name: WWW.Example.com.
  content: " 192.0.2.1 "
  ttl: 300
  proxied: false
  comment: web
  tags: ["env:prod", "team:web"]
- {type: MX, name: '@', content: mail.example.com, priority: 10, mode: ADD}
- {type: TXT, name: old, state: Absent}
- {type: SRV, name: _sip._tcp, data: {priority: 1, weight: 2, port: 5060, target: sip.example.com}}
"""
    )

    assert records == (
        DesiredRecord(
            label="records[0] (A WWW.Example.com.)",
            type="A",
            name="www.example.com",
            content="192.0.2.1",
            ttl=300,
            proxied=False,
            comment="web",
            tags=("env:prod", "team:web"),
        ),
        DesiredRecord(
            label="records[1] (MX @)",
            type="MX",
            name="@",
            content="mail.example.com",
            priority=10,
            mode="add",
        ),
        DesiredRecord(label="records[2] (TXT old)", type="TXT", name="old", state="absent"),
        DesiredRecord(
            label="records[3] (SRV _sip._tcp)",
            type="SRV",
            name="_sip._tcp",
            data={"priority": 1, "weight": 2, "port": 5060, "target": "sip.example.com"},
        ),
    )


def test_a_json_list_gives_the_same_records_as_yaml() -> None:
    as_json = json.dumps(
        [
            {"type": "A", "name": "www", "content": "192.0.2.1", "proxied": True},
            {"type": "TXT", "name": "@", "content": "v=spf1 -all", "ttl": 3600},
        ]
    )
    as_yaml = (
        "- {type: A, name: www, content: 192.0.2.1, proxied: true}\n"
        "- {type: TXT, name: '@', content: v=spf1 -all, ttl: 3600}"
    )

    assert records_of(as_json) == records_of(as_yaml)
    assert records_of(as_json)[0].proxied is True


def test_a_mapping_with_a_records_key_is_read_as_its_list() -> None:
    records = records_of("records:\n  - {type: A, name: www, content: 192.0.2.1}\n")

    assert [(r.label, r.type, r.name, r.content) for r in records] == [
        ("records[0] (A www)", "A", "www", "192.0.2.1")
    ]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("infra/dns.yml", "records:\n  - {type: A, name: filed, content: 192.0.2.1}\n"),
        ("dns.yaml", "- {type: A, name: filed, content: 192.0.2.1}\n"),
        ("infra/DNS.JSON", '[{"type": "A", "name": "filed", "content": "192.0.2.1"}]'),
    ],
)
def test_records_are_read_from_a_yml_yaml_or_json_file_in_the_workspace(
    tmp_path: Path, path: str, text: str
) -> None:
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(text, encoding="utf-8")

    (record,) = records_of(path, workspace=tmp_path)

    assert (record.label, record.name, record.content) == (
        "records[0] (A filed)",
        "filed",
        "192.0.2.1",
    )


def test_a_records_file_that_is_missing_is_an_error_naming_the_path(tmp_path: Path) -> None:
    error = load_error(tmp_path, records="infra/dns.yml")

    assert error.input_name == "records"
    assert error.problem == "the file 'infra/dns.yml' does not exist in the workspace."
    assert error.fix == (
        "Check the path (relative to the repository root) and that the checkout step ran "
        "before this one."
    )


def test_a_records_path_that_is_a_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "dns.yml").mkdir()

    error = load_error(tmp_path, records="dns.yml")

    assert error.input_name == "records"
    assert error.problem == "'dns.yml' is a folder, not a file."
    assert error.fix == "Name a file in it instead."


@pytest.mark.parametrize("path", ["../dns.yml", "/etc/dns.yml", "infra/../../dns.json"])
def test_a_records_file_outside_the_workspace_is_refused_without_reading_it(
    tmp_path: Path, path: str
) -> None:
    workspace = tmp_path / "checkout"
    workspace.mkdir()
    (tmp_path / "dns.yml").write_text(WWW, encoding="utf-8")

    error = load_error(workspace, records=path)

    assert error.problem == f"'{path}' is outside the workspace."
    assert error.fix == "Give a path relative to the repository checkout."


def test_a_records_file_with_bad_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "dns.yml").write_text("- {type: A, name: @}\n", encoding="utf-8")

    error = load_error(tmp_path, records="dns.yml")

    assert error.problem.startswith("records file dns.yml is not valid YAML or JSON at line 1")


def test_the_single_record_inputs_make_one_record_labelled_the_record() -> None:
    dns = dns_of(
        type="aaaa",
        name=" WWW ",
        content="2001:db8::1",
        ttl="300",
        proxied="false",
        comment="web server",
        tags="env:prod, team:web\nowner:ops\n",
    )

    assert dns.records == (
        DesiredRecord(
            label="the record (AAAA WWW)",
            type="AAAA",
            name="www",
            content="2001:db8::1",
            ttl=300,
            proxied=False,
            comment="web server",
            tags=("env:prod", "team:web", "owner:ops"),
        ),
    )


def test_an_mx_from_the_single_record_inputs_reads_its_priority() -> None:
    (record,) = dns_of(type="MX", name="@", content="mail.example.com", priority="10").records

    assert (record.label, record.priority) == ("the record (MX @)", 10)


def test_records_together_with_single_record_inputs_is_an_error() -> None:
    error = load_error(records=WWW, type="A", content="192.0.2.2")

    assert error.problem == "is given together with type, content."
    assert "without records" in error.fix


def test_no_records_at_all_is_an_error_with_both_ways_to_give_them() -> None:
    error = load_error()

    assert (error.input_name, error.problem) == ("records", "no DNS records were given.")
    assert error.fix == "Set records to a YAML list of records, or set type, name and content."


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[]", "records is an empty list."),
        ("records: []", "records is an empty list."),
        ("type: A", "records is not a list of records."),
        ("- www", "records is not a list of records."),
        ("# only a comment", "records is not a list of records."),
    ],
)
def test_records_that_are_not_a_list_of_mappings_are_an_error(text: str, problem: str) -> None:
    assert load_error(records=text).problem == problem


# YAML booleans


@pytest.mark.parametrize(
    ("written", "value"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False)],
)
def test_yaml_booleans_are_true_and_false_in_any_case(written: str, value: bool) -> None:
    (record,) = records_of(f"- {{type: A, name: www, content: 192.0.2.1, proxied: {written}}}")

    assert record.proxied is value


@pytest.mark.parametrize("written", ["yes", "no", "on", "off", "y", "Yes", "1"])
def test_proxied_written_as_yes_or_on_is_an_error_not_a_silent_boolean(written: str) -> None:
    error = record_error(f"- {{type: A, name: api, content: 192.0.2.2, proxied: {written}}}")

    assert error.problem == f"records[1] (A api): proxied '{written}' is not a boolean."
    assert error.fix == "Write true or false."


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "y", "n"])
def test_a_txt_record_named_like_a_yaml_1_1_boolean_keeps_its_name(word: str) -> None:
    (record,) = records_of(f"- {{type: TXT, name: {word}, content: {word}}}")

    assert (record.label, record.name, record.content) == (
        f"records[0] (TXT {word})",
        word,
        word,
    )


def test_an_unquoted_at_sign_gives_the_yaml_error_with_the_quoting_advice() -> None:
    error = load_error(records="- {type: A, name: @, content: 192.0.2.1}")

    assert error.input_name == "records"
    assert error.problem.startswith("records is not valid YAML or JSON at line 1, column 19:")
    assert "'@'" in error.problem
    assert error.fix == (
        "Check the indentation; quote values that start with @, *, & or ! (name: '@')."
    )


@pytest.mark.parametrize("name", ["'@'", '"@"', "'*'", "'*.dev'"])
def test_a_quoted_at_sign_or_wildcard_is_a_record_name(name: str) -> None:
    (record,) = records_of(f"- {{type: A, name: {name}, content: 192.0.2.1}}")

    assert record.name == name.strip("'\"")


# one record's errors


@pytest.mark.parametrize(
    ("record", "label", "problem", "fix"),
    [
        (
            "{type: A, name: www2, content: 192.0.2.1, prio: 10}",
            "A www2",
            "has unknown fields prio.",
            "Use only comment, content, data, mode, name, priority, proxied, state, tags, "
            "ttl, type.",
        ),
        ("{type: AA, name: www2, content: x}", "AA www2", "type 'AA' is not", "Write one of A, "),
        ("{name: www2, content: x}", "? www2", "type '' is not a DNS record type.", "Write one"),
        (
            "{type: A, name: 'web server', content: 192.0.2.1}",
            "A web server",
            "name 'web server' is not a record name.",
            "Write '@' for the zone apex",
        ),
        (
            "{type: A, name: -www, content: 192.0.2.1}",
            "A -www",
            "name '-www' is not a record name.",
            "a full name (www.example.com)",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.1, state: gone}",
            "A www2",
            "state 'gone' is not present or absent.",
            "Write present or absent.",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.1, mode: merge}",
            "A www2",
            "mode 'merge' is not replace or add.",
            "Write replace or add.",
        ),
        (
            "{type: A, name: www2, content: '2001:db8::1'}",
            "A www2",
            "content '2001:db8::1' is not an IPv4 address.",
            "(an IPv6 address needs type AAAA)",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.256}",
            "A www2",
            "content '192.0.2.256' is not an IPv4 address.",
            "Write an address such as 192.0.2.10",
        ),
        (
            "{type: AAAA, name: www2, content: 192.0.2.1}",
            "AAAA www2",
            "content '192.0.2.1' is not an IPv6 address.",
            "(an IPv4 address needs type A)",
        ),
        (
            "{type: CNAME, name: www2, content: 'https://x.example.net/'}",
            "CNAME www2",
            "content 'https://x.example.net/' is not a hostname.",
            "A CNAME record points to a hostname",
        ),
        (
            "{type: MX, name: www2, content: 'mail server', priority: 10}",
            "MX www2",
            "content 'mail server' is not a hostname.",
            "A MX record points to a hostname",
        ),
        (
            "{type: A, name: www2}",
            "A www2",
            "has no content (or data).",
            "Give content, or data for structured types.",
        ),
        (
            "{type: SRV, name: www2, data: [1, 2]}",
            "SRV www2",
            "data is not a mapping.",
            "Write data as a mapping",
        ),
        (
            "{type: TXT, name: www2, content: x, proxied: true}",
            "TXT www2",
            "a TXT record cannot be proxied.",
            "Only A, AAAA and CNAME records can be proxied: remove proxied.",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.1, ttl: 30}",
            "A www2",
            "ttl 30 is out of range.",
            "Write 1 (automatic) or a number of seconds from 60 to 86400.",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.1, ttl: 86401}",
            "A www2",
            "ttl 86401 is out of range.",
            "from 60 to 86400",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.1, ttl: 0}",
            "A www2",
            "ttl 0 is out of range.",
            "Write 1 (automatic)",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.1, ttl: 5m}",
            "A www2",
            "ttl '5m' is not a number.",
            "Write a whole number.",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.1, ttl: true}",
            "A www2",
            "ttl 'True' is not a number.",
            "Write a whole number.",
        ),
        (
            "{type: MX, name: www2, content: mail.example.com, priority: 65536}",
            "MX www2",
            "priority 65536 is out of range.",
            "Write a number from 0 to 65535.",
        ),
        (
            "{type: MX, name: www2, content: mail.example.com}",
            "MX www2",
            "an MX record needs a priority.",
            "Add priority, e.g. priority: 10.",
        ),
        (
            "{type: A, name: www2, content: 192.0.2.1, tags: [prod]}",
            "A www2",
            "tag 'prod' is not name:value.",
            "Write tags as name:value",
        ),
    ],
)
def test_each_invalid_record_is_named_with_its_index_and_explained(
    record: str, label: str, problem: str, fix: str
) -> None:
    error = record_error(f"- {record}")

    assert error.input_name == "records"
    assert error.problem.startswith(f"records[1] ({label}): {problem}")
    assert fix in error.fix


def test_an_invalid_single_record_is_named_the_record() -> None:
    error = load_error(type="A", name="www", content="2001:db8::1")

    assert error.problem == "the record (A www): content '2001:db8::1' is not an IPv4 address."
    assert "needs type AAAA" in error.fix


def test_every_invalid_record_is_reported_in_one_run() -> None:
    errors = load_errors(
        records="- {type: A, name: a, content: x}\n"
        "- {type: A, name: b, content: 192.0.2.1}\n"
        "- {type: MX, name: c, content: mail.example.com}"
    )

    assert [e.problem.split(":")[0] for e in errors] == ["records[0] (A a)", "records[2] (MX c)"]


@pytest.mark.parametrize(
    "record",
    [
        "{type: A, name: gone, state: absent}",
        "{type: MX, name: gone, state: absent}",
        "{type: A, name: gone, content: 192.0.2.1, state: absent}",
    ],
)
def test_an_absent_record_needs_neither_content_nor_mx_priority(record: str) -> None:
    (desired,) = records_of(f"- {record}")

    assert desired.state == "absent"


def test_parse_record_normalises_the_name_type_content_comment_and_tags() -> None:
    problems = Problems()

    record = parse_record(
        "records[4] (cname Docs.Example.com.)",
        {
            "type": " cname ",
            "name": "Docs.Example.com.",
            "content": " Target.Example.NET. ",
            "comment": 42,
            "tags": "env:prod",
            "ttl": "3600",
        },
        problems,
    )

    assert record == DesiredRecord(
        label="records[4] (cname Docs.Example.com.)",
        type="CNAME",
        name="docs.example.com",
        content="Target.Example.NET.",
        ttl=3600,
        comment="42",
        tags=("env:prod",),
    )
    assert (problems.errors, problems.warnings) == ([], [])


def test_parse_record_names_its_label_in_the_error() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_record("the record (A x)", {"type": "A", "name": "x", "content": "nope"}, Problems())

    assert excinfo.value.problem == "the record (A x): content 'nope' is not an IPv4 address."


# proxied and ttl


def test_a_proxied_record_with_a_ttl_gets_ttl_1_and_a_warning(tmp_path: Path) -> None:
    records = "- {type: A, name: www, content: 192.0.2.1, proxied: true, ttl: 300}"
    settings = settings_of(records=records)

    assert isinstance(settings.inputs, DnsInputs)
    assert settings.inputs.records[0].ttl == 1
    assert settings.warnings == (
        InputWarning(
            "records",
            "records[0] (A www): ttl 300 is ignored: a proxied record's ttl is automatic (1).",
        ),
    )
    # The warning is the DNS inputs' own: their load finds exactly the settings' warnings.
    dns, problems = load_dns({"records": records}, tmp_path)
    assert dns is not None
    assert (tuple(problems.warnings), problems.errors) == (settings.warnings, [])


@pytest.mark.parametrize(
    ("fields", "ttl"),
    [("proxied: true, ttl: 1", 1), ("proxied: true", None), ("proxied: false, ttl: 300", 300)],
)
def test_a_ttl_that_agrees_with_proxying_gives_no_warning(fields: str, ttl: int | None) -> None:
    settings = settings_of(records=f"- {{type: A, name: www, content: 192.0.2.1, {fields}}}")

    assert isinstance(settings.inputs, DnsInputs)
    assert settings.inputs.records[0].ttl == ttl
    assert settings.warnings == ()


# the set as a whole


def test_a_repeated_record_is_an_error_naming_both() -> None:
    error = record_error("- {type: A, name: WWW., content: ' 192.0.2.1'}")

    assert error.problem == "records[1] (A WWW.) repeats records[0] (A www)."
    assert error.fix == "List each record once."


def test_hostname_content_repeats_regardless_of_case() -> None:
    error = load_error(
        records="- {type: MX, name: '@', content: mail.example.net, priority: 10}\n"
        "- {type: MX, name: '@', content: Mail.Example.NET, priority: 20}"
    )

    assert error.problem == "records[1] (MX @) repeats records[0] (MX @)."


SAME_STORED_VALUE = pytest.mark.parametrize(
    ("rtype", "first", "second"),
    [("AAAA", "'2001:db8::1'", "'2001:DB8:0::1'"), ("TXT", "'\"abc\"'", "abc")],
    ids=["aaaa-spellings", "txt-quoted-and-plain"],
)


def same_stored_value(rtype: str, first: str, second: str) -> str:
    """Two records at one name whose values the API stores alike."""
    return (
        f"- {{type: {rtype}, name: www, content: {first}}}\n"
        f"- {{type: {rtype}, name: www, content: {second}}}"
    )


@SAME_STORED_VALUE
def test_values_the_api_stores_alike_are_a_repeat_found_at_input_time(
    rtype: str, first: str, second: str
) -> None:
    error = load_error(records=same_stored_value(rtype, first, second))

    assert (error.input_name, error.title) == ("records", "Input records")
    assert error.problem == f"records[1] ({rtype} www) repeats records[0] ({rtype} www)."
    assert error.fix == "List each record once."


@SAME_STORED_VALUE
def test_values_the_api_stores_alike_stop_the_run_before_any_api_call(
    rsps: responses.RequestsMock, rtype: str, first: str, second: str
) -> None:
    reporter = RecordingReporter()

    code = execute(
        {
            "operation": "dns",
            "api_token": TOKEN,
            "zone": "example.com",
            "api_base_url": BASE,
            "records": same_stored_value(rtype, first, second),
        },
        reporter,
    )

    message = (
        f"records: records[1] ({rtype} www) repeats records[0] ({rtype} www). "
        "List each record once."
    )
    assert code == 1
    assert len(rsps.calls) == 0
    assert reporter.errors == [("Input records", message)]
    (outputs,) = reporter.output_calls
    assert outputs["api_calls"] == 0
    assert outputs["result"] == {
        "ok": False,
        "api_calls": 0,
        "errors": [{"title": "Input records", "input": "records", "message": message}],
    }
    (summary,) = reporter.summaries
    assert "Nothing was sent to Cloudflare." in summary


def test_the_same_content_at_another_name_or_type_is_no_repeat() -> None:
    records = records_of(
        f"{WWW}\n- {{type: A, name: api, content: 192.0.2.1}}\n"
        "- {type: TXT, name: www, content: 192.0.2.1}"
    )

    assert len(records) == 3


def test_a_cname_beside_other_records_of_its_name_is_an_error_naming_them() -> None:
    error = load_error(
        records="- {type: A, name: www, content: 192.0.2.1}\n"
        "- {type: CNAME, name: www, content: x.example.net}\n"
        "- {type: TXT, name: www, content: hello}\n"
        "- {type: TXT, name: api, content: hello}"
    )

    assert error.problem == (
        "records[1] (CNAME www): a CNAME cannot share its name with other records "
        "(records[0] (A www), records[2] (TXT www))."
    )
    assert error.fix == "Keep the CNAME alone at its name, or replace it with A/AAAA records."


def test_absent_records_are_ignored_by_the_repeat_and_cname_checks() -> None:
    records = records_of(
        "- {type: CNAME, name: www, content: x.example.net}\n"
        "- {type: A, name: www, state: absent}\n"
        "- {type: CNAME, name: www, content: x.example.net, state: absent}"
    )

    assert [r.state for r in records] == ["present", "absent", "absent"]


def test_set_errors_are_checked_only_once_every_record_is_valid() -> None:
    errors = load_errors(
        records="- {type: A, name: www, content: 192.0.2.1}\n"
        "- {type: A, name: www, content: 192.0.2.1}\n"
        "- {type: A, name: bad, content: nope}"
    )

    assert [e.problem for e in errors] == [
        "records[2] (A bad): content 'nope' is not an IPv4 address."
    ]


def test_set_errors_can_be_checked_on_their_own() -> None:
    one = DesiredRecord(label="records[0] (A www)", type="A", name="www", content="192.0.2.1")
    two = DesiredRecord(label="records[1] (A www)", type="A", name="www", content="192.0.2.1")

    (error,) = set_errors([one, two])

    assert error.problem == "records[1] (A www) repeats records[0] (A www)."


# mode, batch_limit, zone, other operations


@pytest.mark.parametrize(
    ("written", "mode"),
    [("", None), ("replace", "replace"), (" ADD ", "add"), ("Replace", "replace")],
)
def test_mode_is_replace_add_or_left_to_the_type(written: str, mode: str | None) -> None:
    assert dns_of(records=WWW, mode=written).default_mode == mode


def test_an_unknown_mode_is_an_error_that_explains_the_default() -> None:
    error = load_error(records=WWW, mode="merge")

    assert (error.input_name, error.problem) == ("mode", "'merge' is not a mode.")
    assert "replace for A, AAAA and CNAME, add for the other types" in error.fix


@pytest.mark.parametrize(
    ("written", "limit"), [("", 200), ("1", 1), (" 50 ", 50), (str(MAX_BATCH_LIMIT), 3500)]
)
def test_batch_limit_is_a_whole_number_from_1_to_3500(written: str, limit: int) -> None:
    assert dns_of(records=WWW, batch_limit=written).batch_limit == limit


@pytest.mark.parametrize("written", ["0", "3501", "ten", "2.5", "-1"])
def test_a_batch_limit_outside_1_to_3500_is_an_error(written: str) -> None:
    error = load_error(records=WWW, batch_limit=written)

    assert (error.input_name, error.problem) == (
        "batch_limit",
        f"'{written}' is not a whole number from 1 to 3500.",
    )


def test_mode_batch_limit_and_record_errors_are_reported_together() -> None:
    errors = load_errors(records="- {type: A, name: www, content: x}", mode="x", batch_limit="0")

    assert [e.input_name for e in errors] == ["mode", "batch_limit", "records"]


def test_zone_is_required_for_dns() -> None:
    error = load_error(zone="", records=WWW)

    assert (error.input_name, error.problem) == ("zone", "is required for operation dns.")
    assert "example.com" in error.fix


def test_a_zone_id_is_accepted_for_dns() -> None:
    settings = settings_of(zone=ZONE_ID, records=WWW)

    assert settings.common.zone is not None
    assert settings.common.zone.id == ZONE_ID
    assert isinstance(settings.inputs, DnsInputs)
    assert settings.inputs.zone == settings.common.zone


def test_several_zones_are_refused_for_dns_without_a_second_zone_error() -> None:
    error = load_error(zone="example.com\nexample.org", records=WWW)

    assert error.problem == "lists 2 zones; only operation 'purge' accepts several."


@pytest.mark.parametrize("operation", ["purge", "verify"])
def test_other_operations_have_no_dns_settings(operation: str) -> None:
    given = {"operation": operation, "purge_everything": "true"} if operation == "purge" else {}
    settings = helpers.load_settings(
        None, **{**raw(), "operation": operation, **given, "records": WWW}
    )

    assert not isinstance(settings.inputs, DnsInputs)
    assert isinstance(settings.inputs, PurgeInputs if operation == "purge" else VerifyInputs)


def test_load_dns_returns_the_valid_records_beside_every_error(tmp_path: Path) -> None:
    dns, problems = load_dns(
        {"records": f"{WWW}\n- {{type: A, name: bad, content: x}}", "mode": "nope"}, tmp_path
    )

    assert dns is not None
    assert [r.label for r in dns.records] == ["records[0] (A www)"]
    assert (dns.default_mode, dns.batch_limit) == (None, 200)
    assert [e.input_name for e in problems.errors] == ["mode", "records"]


# shapes and bounds (issue 15): nothing malformed reaches the API


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ("{type: TXT, name: www, content: [v=spf1, -all]}", "content is a list, not a single"),
        ("{type: A, name: [www], content: 192.0.2.1}", "name is a list, not a single value"),
        ("{type: {A: 1}, name: www, content: 192.0.2.1}", "type is a mapping, not a single"),
        ("{type: A, name: www, content: 192.0.2.1, ttl: [300]}", "ttl is a list, not a single"),
        ("{type: A, name: www, content: 192.0.2.1, tags: {a: b}}", "tags is a mapping."),
        ("{type: A, name: www, content: 192.0.2.1, tags: [[a]]}", "tags holds a list or mapping."),
        ("{type: SRV, name: _x._tcp, data: {port: [1]}}", "data holds a list or mapping"),
    ],
)
def test_a_field_of_the_wrong_shape_is_refused_before_any_call(record: str, problem: str) -> None:
    error = load_error(records=f"- {record}")

    assert error.input_name == "records"
    assert problem in error.problem


def test_the_label_of_a_record_with_a_list_name_does_not_print_the_list() -> None:
    error = load_error(records="- {type: A, name: [a, b], content: 192.0.2.1}")

    assert error.problem.startswith("records[0] (A ?): name is a list")


def test_a_ttl_of_thousands_of_digits_is_refused_with_its_length() -> None:
    error = load_error(
        records="- {type: A, name: www, content: 192.0.2.1, ttl: " + "9" * 5000 + "}"
    )

    assert error.problem == "records has a number of 5,000 digits; at most 100 are read (line 1)."
    assert "Quote it" in error.fix


def test_a_ttl_input_of_thousands_of_digits_is_not_a_number_and_is_cut_short() -> None:
    error = load_error(type="A", name="www", content="192.0.2.1", ttl="9" * 5000)

    assert "ttl '999" in error.problem and "…' is not a number." in error.problem
    assert len(error.problem) < 200


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * 5000 + "]" * 5000, "records nests deeper than 64 levels"),
        (
            "- {type: A, name: www, content: 192.0.2.1, name: api}",
            "records names the key 'name' twice",
        ),
        (
            "- &a {type: A, name: www, content: *a}",
            "records has the alias *a inside the value it names",
        ),
    ],
)
def test_a_records_document_beyond_the_bounds_is_refused(text: str, problem: str) -> None:
    error = load_error(records=text)

    assert error.input_name == "records"
    assert error.problem.startswith(problem)


def test_a_records_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dns.yml").write_bytes(b"- {type: A, name: caf\xe9, content: 192.0.2.1}\n")

    error = load_error(tmp_path, records="dns.yml")

    assert error.problem == "'dns.yml' is not UTF-8 text (byte 21)."
