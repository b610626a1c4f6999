"""Tests for cfaction.report: outputs, summary, annotations, masking, as the runner reads them.

What the runner reads back is checked with the runner stand-in's parsers
(``cfemu.runner``): ``parse_file_commands`` follows the runner's
``EnvFileKeyValuePairs`` and ``parse_workflow_commands`` its ``ActionCommand.TryParseV2``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cfaction.output_budget import CUT_STRING_MARK, OUTPUTS_LIMIT
from cfaction.report import (
    SUMMARY_LIMIT,
    ConsoleReporter,
    OutputValue,
    RunnerReporter,
    format_output,
    make_reporter,
)
from cfemu.runner import parse_file_commands, parse_workflow_commands
from tests.helpers import OLD_STYLE_TOKEN as SECRET

MIB = 1024 * 1024


class RunnerFiles:
    """The runner's file-command files of one step."""

    def __init__(self, root: Path) -> None:
        self.output = root / "set_output_1"
        self.summary = root / "step_summary_1"
        self.workspace = root / "workspace"
        self.output.touch()
        self.summary.touch()
        self.workspace.mkdir()

    def all_outputs(self) -> dict[str, str]:
        return parse_file_commands(self.output.read_text(encoding="utf-8"))

    def outputs(self) -> dict[str, str]:
        """The outputs written, but for ``report_path``."""
        return {k: v for k, v in self.all_outputs().items() if k != "report_path"}

    def report(self) -> dict[str, object]:
        """The report file that ``report_path`` names, read as a later step reads it."""
        document: dict[str, object] = json.loads(
            (self.workspace / self.all_outputs()["report_path"]).read_text(encoding="utf-8")
        )
        return document

    def summary_text(self) -> str:
        return self.summary.read_text(encoding="utf-8")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunnerFiles:
    """A GitHub Actions step environment with fresh output and summary files."""
    files = RunnerFiles(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(files.output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files.summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(files.workspace))
    monkeypatch.setenv("GITHUB_ACTION", "deploy")
    return files


# format_output


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (None, ""),
        (0, "0"),
        (12, "12"),
        (1.5, "1.5"),
        ("text", "text"),
        ("", ""),
        ([1, "a", True], '[1,"a",true]'),
        ({"ok": False, "ids": []}, '{"ok":false,"ids":[]}'),
        ([], "[]"),
        ({}, "{}"),
    ],
)
def test_format_output_writes_values_as_workflows_read_them(value: OutputValue, text: str) -> None:
    assert format_output(value) == text


# make_reporter


def test_make_reporter_picks_the_runner_reporter_only_inside_github_actions(
    runner: RunnerFiles,
) -> None:
    assert isinstance(make_reporter({"GITHUB_ACTIONS": "true"}), RunnerReporter)
    assert isinstance(make_reporter({"GITHUB_ACTIONS": "false"}), ConsoleReporter)
    assert isinstance(make_reporter({}), ConsoleReporter)


# RunnerReporter: outputs


@pytest.mark.parametrize(
    "value",
    [
        "line one\nline two\n",
        "key=value=more",
        "x<<EOF",
        "EOF",
        "before\nEOF\nafter",
        "::error::x",
        "ünïcödé ✓ 中文 🚀",
        "",
        "\n",
        "  padded  ",
        "ghadelimiter_0",
    ],
)
def test_outputs_round_trip_through_the_runner_parser(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    RunnerReporter().outputs({"value": value, "after": "still here"})

    assert runner.outputs() == {"value": value, "after": "still here"}
    assert parse_workflow_commands(capsys.readouterr().out) == []


def test_outputs_are_formatted_before_they_are_written(runner: RunnerFiles) -> None:
    RunnerReporter().outputs(
        {
            "dry_run": True,
            "api_calls": 3,
            "zone_name": None,
            "result": {"ok": True, "errors": []},
        }
    )

    assert runner.outputs() == {
        "dry_run": "true",
        "api_calls": "3",
        "zone_name": "",
        "result": '{"ok":true,"errors":[]}',
    }


# RunnerReporter: the report file and the outputs limit


def test_the_report_file_holds_every_output_with_its_json_type(runner: RunnerFiles) -> None:
    RunnerReporter().outputs({"dry_run": False, "api_calls": 2, "ids": ["a"], "zone_name": None})

    path = runner.all_outputs()["report_path"]
    assert path.startswith(".cfaction/deploy-") and path.endswith(".json")
    assert runner.report() == {"dry_run": False, "api_calls": 2, "ids": ["a"], "zone_name": None}
    assert (runner.workspace / ".cfaction" / ".gitignore").read_text().endswith("*\n")


def test_each_run_writes_its_own_report_file(runner: RunnerFiles) -> None:
    RunnerReporter().outputs({"run": 1})
    first = runner.all_outputs()["report_path"]
    runner.output.write_text("")
    RunnerReporter().outputs({"run": 2})

    assert runner.all_outputs()["report_path"] != first
    assert json.loads((runner.workspace / first).read_text()) == {"run": 1}
    assert runner.report() == {"run": 2}


def test_secrets_are_scrubbed_from_the_report_file(runner: RunnerFiles) -> None:
    reporter = RunnerReporter()
    reporter.mask(SECRET)
    reporter.outputs({"result": {"message": f"token {SECRET} refused"}})

    text = (runner.workspace / runner.all_outputs()["report_path"]).read_text()
    assert SECRET not in text
    assert runner.report() == {"result": {"message": "token *** refused"}}


def test_a_workspace_that_cannot_be_written_leaves_report_path_empty(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    (runner.workspace / ".cfaction").write_text("a file where the folder would go")

    RunnerReporter().outputs({"ok": True})

    assert runner.all_outputs() == {"ok": "true"}
    [warning] = [c for c in parse_workflow_commands(capsys.readouterr().out) if c.name == "warning"]
    assert warning.properties["title"] == "report_path"
    assert "The report file was not written: .cfaction/deploy-" in warning.data


def output_bytes(runner: RunnerFiles) -> int:
    return len(runner.output.read_bytes())


def test_outputs_too_big_are_cut_at_the_end_of_their_longest_list(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [f"https://example.com/assets/{n:05}/" + "x" * 60 for n in range(20_000)]
    failed = [{"url": url, "error": "timeout"} for url in urls[:8_000]]
    values: dict[str, OutputValue] = {
        "purged_urls": urls,
        "result": {"ok": False, "purged_urls": urls, "failed": failed, "api_calls": 7},
        "api_calls": 7,
    }

    RunnerReporter().outputs(values)

    assert output_bytes(runner) < OUTPUTS_LIMIT < MIB
    written = runner.outputs()
    kept = json.loads(written["purged_urls"])
    result = json.loads(written["result"])
    assert 0 < len(kept) < len(urls) and kept == urls[: len(kept)]
    assert result["truncated"] is True
    cuts = {(c["output"], c.get("path")): (c["total"], c["kept"]) for c in result["cut"]}
    assert cuts[("purged_urls", None)] == (20_000, len(kept))
    assert set(cuts) <= {("purged_urls", None), ("result", "purged_urls"), ("result", "failed")}
    assert result["ok"] is False and result["api_calls"] == 7 and written["api_calls"] == "7"
    assert runner.report() == values  # whole, uncut
    assert "Outputs cut to stay under GitHub's 1 MB limit: " in capsys.readouterr().out


def test_outputs_under_the_limit_are_not_marked(runner: RunnerFiles) -> None:
    urls = [f"https://example.com/{n}" for n in range(1_000)]

    RunnerReporter().outputs({"purged_urls": urls, "result": {"ok": True}})

    assert json.loads(runner.outputs()["purged_urls"]) == urls
    assert json.loads(runner.outputs()["result"]) == {"ok": True}


def test_a_text_too_long_for_the_outputs_is_cut_with_a_mark(runner: RunnerFiles) -> None:
    page = "<html>" + "y" * (2 * MIB) + "</html>"

    RunnerReporter().outputs({"result": {"ok": False, "errors": [], "message": page}})

    assert output_bytes(runner) < OUTPUTS_LIMIT
    result = json.loads(runner.outputs()["result"])
    assert result["message"].startswith("<html>yyy")
    assert result["message"].endswith(CUT_STRING_MARK)
    assert result["truncated"] is True
    assert runner.report() == {"result": {"ok": False, "errors": [], "message": page}}


def test_outputs_without_github_output_are_logged_instead(
    runner: RunnerFiles, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT")

    RunnerReporter().outputs({"api_calls": 0})

    assert capsys.readouterr().out == 'GITHUB_OUTPUT is not set; outputs: {"api_calls": "0"}\n'
    assert runner.output.read_text() == ""


# RunnerReporter: masking


def test_a_secret_is_masked_once_and_scrubbed_from_everything_we_write(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = RunnerReporter()

    reporter.mask(SECRET)
    reporter.mask(SECRET)
    reporter.outputs({"result": {"message": f"token {SECRET} refused"}, "plain": SECRET})
    reporter.summary(f"## Summary\n\nThe token {SECRET} was used.\n")
    reporter.log(f"retrying with {SECRET}")
    reporter.log(f"::error::{SECRET}")
    reporter.error(f"bad {SECRET}", title=f"Title {SECRET}")
    reporter.warning(f"odd {SECRET}", title=SECRET)

    out = capsys.readouterr().out
    commands = parse_workflow_commands(out)
    assert [c.data for c in commands if c.name == "add-mask"] == [SECRET]
    assert out.count(SECRET) == 1  # only in the ::add-mask:: line itself
    assert SECRET not in runner.output.read_text(encoding="utf-8")
    assert SECRET not in runner.summary_text()
    assert runner.outputs() == {"result": '{"message":"token *** refused"}', "plain": "***"}
    assert "The token *** was used." in runner.summary_text()
    assert "retrying with ***\n" in out
    assert "::error::***" in out
    annotations = [
        (c.name, c.properties.get("title"), c.data)
        for c in commands
        if c.name in ("error", "warning")
    ]
    assert annotations == [("error", "Title ***", "bad ***"), ("warning", "***", "odd ***")]


def test_a_multi_line_secret_is_masked_as_one_escaped_command(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    RunnerReporter().mask("first-line\nsecond-line")

    out = capsys.readouterr().out
    assert out == "::add-mask ::first-line%0Asecond-line\n"
    assert [c.data for c in parse_workflow_commands(out)] == ["first-line\nsecond-line"]


def test_an_empty_value_is_not_masked(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = RunnerReporter()

    reporter.mask("")
    reporter.log("nothing hidden")

    assert capsys.readouterr().out == "nothing hidden\n"


def test_the_longest_secret_is_scrubbed_first() -> None:
    reporter = ConsoleReporter()
    reporter.mask("abcd")
    reporter.mask("abcdefgh")

    assert reporter.scrub("x abcdefgh y abcd") == "x *** y ***"


@pytest.mark.parametrize(
    ("secret", "written"),
    [
        ("pa|ss<word>", "pa\\|ss&lt;word&gt;"),  # a Markdown table cell
        ('q"uo&te', "q&quot;uo&amp;te"),  # an HTML attribute
        ('back\\slash"quote', 'back\\\\slash\\"quote'),  # a JSON string
        ("tab\tand\nnewline", "tab\\tand\\nnewline"),  # a JSON string of two lines
    ],
)
def test_a_secret_is_scrubbed_in_the_escaped_forms_our_text_carries(
    secret: str, written: str
) -> None:
    reporter = ConsoleReporter()
    reporter.mask(secret)

    assert reporter.scrub(f"a {written} b") == "a *** b"


def test_forms_too_short_to_mask_are_not_scrubbed_from_ordinary_words() -> None:
    reporter = ConsoleReporter()
    reporter.mask("abc")

    assert reporter.scrub("abcdef and abc") == "abcdef and abc"


# RunnerReporter: log


@pytest.mark.parametrize(
    "text",
    [
        "::error::pwned",
        "::add-mask::everything",
        "  ::warning title=x::indented",
        "##[error]legacy form",
        "record content a::b",
        "ok line\n::set-output name=x::y\n##[warning]two",
        "::stop-commands::other-token",
    ],
)
def test_log_stops_commands_around_text_the_runner_would_read_as_one(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    RunnerReporter().log(text)

    out = capsys.readouterr().out
    assert parse_workflow_commands(out) == []
    assert text in out  # still shown to the user, as it was
    assert out.startswith("::stop-commands ::cfaction-")


def test_commands_work_again_after_a_wrapped_log_line(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = RunnerReporter()

    reporter.log("::error::from the API")
    reporter.error("our own error", title="Cloudflare API")

    commands = parse_workflow_commands(capsys.readouterr().out)
    assert [(c.name, c.data) for c in commands] == [("error", "our own error")]


def test_each_wrapped_log_line_uses_a_fresh_stop_token(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = RunnerReporter()

    reporter.log("a::b")
    reporter.log("c::d")

    starts = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("::stop-commands")
    ]
    assert len(starts) == 2
    assert starts[0] != starts[1]


@pytest.mark.parametrize(
    "text", ["plain text", "GET /zones: HTTP 503; retrying in 1.0 s", "colon: single", "50% done"]
)
def test_log_prints_plain_text_as_is(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    RunnerReporter().log(text)

    assert capsys.readouterr().out == text + "\n"


# RunnerReporter: annotations


@pytest.mark.parametrize("kind", ["error", "warning"])
def test_annotations_escape_their_data_and_title(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    message = "100% failed:\r\nsecond line, with a comma :: and colons"
    title = "Input zone: a, b %"
    reporter = RunnerReporter()

    getattr(reporter, kind)(message, title=title)

    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line, whatever the message holds
    assert "%25" in out
    assert "%0D%0A" in out
    assert "title=Input zone%3A a%2C b %25::" in out
    (command,) = parse_workflow_commands(out)
    assert command.name == kind
    assert command.data == message
    assert command.properties == {"title": title}


def test_an_annotation_without_title_has_no_title_property(
    runner: RunnerFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    RunnerReporter().error("plain")

    (command,) = parse_workflow_commands(capsys.readouterr().out)
    assert command.properties == {}
    assert command.data == "plain"


# RunnerReporter: summary


def test_the_summary_is_appended_as_written(runner: RunnerFiles) -> None:
    reporter = RunnerReporter()

    reporter.summary("## cfaction verify\n\n| a | b |\n")

    assert runner.summary_text() == "## cfaction verify\n\n| a | b |\n\n"


@pytest.mark.parametrize("unit", ["x", "é", "🚀"])
def test_a_huge_summary_is_cut_under_1_mib_with_a_note(runner: RunnerFiles, unit: str) -> None:
    RunnerReporter().summary(unit * (2 * MIB))

    data = runner.summary.read_bytes()
    text = data.decode("utf-8")  # still valid UTF-8 where it was cut
    assert len(data) < MIB
    assert len(data) > SUMMARY_LIMIT
    assert text.rstrip().endswith("the summary was cut here to stay under GitHub's 1 MiB limit.")
    assert text.startswith(unit * 100)


def test_a_summary_just_under_the_limit_is_not_cut(runner: RunnerFiles) -> None:
    RunnerReporter().summary("x" * SUMMARY_LIMIT)

    assert runner.summary_text() == "x" * SUMMARY_LIMIT + "\n"


def test_no_summary_is_written_without_github_step_summary(
    runner: RunnerFiles, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")

    RunnerReporter().summary("## not written")

    assert runner.summary_text() == ""
    assert capsys.readouterr().out == ""


# ConsoleReporter


def test_console_outputs_are_one_json_document_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    values: dict[str, OutputValue] = {
        "zone_id": "",
        "dry_run": False,
        "api_calls": 2,
        "result": {"ok": True, "errors": [], "name": "bücher.example"},
    }

    ConsoleReporter().outputs(values)

    captured = capsys.readouterr()
    assert json.loads(captured.out) == values
    assert "bücher.example" in captured.out
    assert captured.err == ""


def test_console_text_for_people_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = ConsoleReporter()

    reporter.log("::error::not a command here")
    reporter.warning("email is ignored", title="Input email")
    reporter.warning("no title")
    reporter.error("no credentials", title="Input api_token")
    reporter.error("bare")
    reporter.summary("## cfaction verify\n\nAll good.\n\n")

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "::error::not a command here",
        "warning (Input email): email is ignored",
        "warning: no title",
        "error (Input api_token): no credentials",
        "error: bare",
        "",
        "## cfaction verify",
        "",
        "All good.",
    ]


def test_console_reporter_scrubs_secrets_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = ConsoleReporter()
    reporter.mask(SECRET)

    reporter.outputs({"result": {"message": f"token {SECRET}"}})
    reporter.error(f"bad {SECRET}", title=f"Title {SECRET}")
    reporter.summary(f"token {SECRET}")

    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert json.loads(captured.out) == {"result": {"message": "token ***"}}
    assert "error (Title ***): bad ***" in captured.err
