"""``pr_comment`` end to end: the entrypoint as the runner runs it on a recorded-shape
``pull_request`` event, against the emulator's Cloudflare and GitHub APIs. GitHub call
budgets are exact counts of the requests the emulated GitHub API received."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_TOKEN
from cfemu.github import READ_TOKEN, WRITE_TOKEN
from cfemu.runner import StepResult, run_step

pytestmark = pytest.mark.e2e

EVENT = Path(__file__).resolve().parents[1] / "data" / "pull_request_event.json"
REPOSITORY = "octo/site"
NUMBER = 7
MARKER = "<!-- cfaction: workflow=CI job=deploy operation=dns key= -->"
RECORD = '- {type: TXT, name: _check, content: "release 12"}'


def comment_step(
    emulator: Emulator,
    *,
    event: Path = EVENT,
    event_name: str = "pull_request",
    defaults: bool = True,
    **inputs: str,
) -> StepResult:
    """A dns dry run with ``pr_comment``; GitHub's log holds only this step's requests."""
    emulator.github.log.clear()
    given = {
        "operation": "dns",
        "zone": "example.com",
        "api_token": DEMO_TOKEN,
        "api_base_url": emulator.base_url,
        "max_retries": "2",
        "records": RECORD,
        "dry_run": "true",
        "pr_comment": "true",
        "github_token": WRITE_TOKEN,
        "github_api_url": emulator.github_url,
        **inputs,
    }
    env = {"GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(event)}
    return run_step(given, env=env, defaults=defaults)


@pytest.fixture
def github(emulator: Emulator) -> Emulator:
    emulator.github.add_pull_request(REPOSITORY, NUMBER)
    return emulator


def calls(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.github.log]


def bodies(emulator: Emulator) -> list[str]:
    return [c.body for c in emulator.github.comments_on(REPOSITORY, NUMBER)]


def warnings(run: StepResult) -> list[str]:
    return [c.data for c in run.annotations("warning")]


def fork_event(tmp_path: Path) -> Path:
    payload: dict[str, Any] = json.loads(EVENT.read_text(encoding="utf-8"))
    payload["pull_request"]["head"]["repo"]["full_name"] = "someone/site"
    payload["pull_request"]["head"]["repo"]["fork"] = True
    path = tmp_path / "fork_event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


LIST = f"GET /repos/{REPOSITORY}/issues/{NUMBER}/comments"
CREATE = f"POST /repos/{REPOSITORY}/issues/{NUMBER}/comments"


def test_the_first_run_creates_the_comment_and_the_next_updates_it(github: Emulator) -> None:
    first = comment_step(github)

    assert first.exit_code == 0, first.stdout
    assert calls(github) == [LIST, CREATE]
    (body,) = bodies(github)
    assert body.startswith(MARKER + "\n")
    assert "## cfaction dns" in body and "_check" in body
    assert "https://github.com/octo/site/actions/runs/1000001" in body
    assert warnings(first) == []

    second = comment_step(github, records='- {type: TXT, name: _check, content: "release 13"}')

    assert second.exit_code == 0, second.stdout
    (comment_id,) = [c.id for c in github.github.comments_on(REPOSITORY, NUMBER)]
    assert calls(github) == [LIST, f"PATCH /repos/{REPOSITORY}/issues/comments/{comment_id}"]
    (updated,) = bodies(github)
    assert "release 13" in updated and "release 12" not in updated
    assert f"comment {comment_id} updated (2 GitHub API calls)" in second.stdout


def test_two_comment_keys_keep_two_comments(github: Emulator) -> None:
    for key in ("staging", "production", "staging"):
        assert comment_step(github, comment_key=key).exit_code == 0

    found = bodies(github)
    assert [b.split("\n", 1)[0] for b in found] == [
        "<!-- cfaction: workflow=CI job=deploy operation=dns key=staging -->",
        "<!-- cfaction: workflow=CI job=deploy operation=dns key=production -->",
    ]


def test_the_marker_is_looked_for_on_every_page_until_found(github: Emulator) -> None:
    for index in range(130):  # a long discussion: the cfaction comment comes on page 2
        github.github.add_comment(REPOSITORY, NUMBER, f"comment {index} {MARKER[:20]}")
    first = comment_step(github)
    second = comment_step(github)

    assert first.exit_code == second.exit_code == 0
    ours = [b for b in bodies(github) if b.startswith(MARKER)]
    assert len(ours) == 1
    page_2 = [r for r in github.github.log if r.method == "GET"][1]
    assert page_2.query["page"] == ["2"] and page_2.query["per_page"] == ["100"]
    assert [c.split(" ")[0] for c in calls(github)] == ["GET", "GET", "PATCH"]


def test_a_fork_pull_request_gets_a_warning_and_the_operation_succeeds(
    github: Emulator, tmp_path: Path
) -> None:
    run = comment_step(github, event=fork_event(tmp_path), github_token=READ_TOKEN)

    assert run.exit_code == 0, run.stdout
    assert calls(github) == [LIST, CREATE]
    assert bodies(github) == []
    (warning,) = warnings(run)
    assert "Resource not accessible by integration" in warning
    assert "comes from a fork" in warning and "read-only token" in warning
    assert run.outputs["dry_run"] == "true" and run.result()["ok"] is True


def test_a_read_only_token_says_which_permission_to_grant(github: Emulator) -> None:
    run = comment_step(github, github_token=READ_TOKEN)

    assert run.exit_code == 0
    (warning,) = warnings(run)
    assert "permissions: pull-requests: write" in warning


def test_a_bad_token_is_a_warning_naming_github_token(github: Emulator) -> None:
    run = comment_step(github, github_token="ghs_" + "x" * 36)

    assert run.exit_code == 0
    assert calls(github) == [LIST]
    (warning,) = warnings(run)
    assert "Bad credentials" in warning and "github_token was refused" in warning


def test_a_secondary_rate_limit_is_waited_out_and_the_comment_posted(github: Emulator) -> None:
    github.github.throttle("secondary", retry_after=0, method="POST")

    run = comment_step(github)

    assert run.exit_code == 0, run.stdout
    assert calls(github) == [LIST, CREATE, CREATE]
    assert [r.status for r in github.github.log] == [200, 403, 201]
    assert len(bodies(github)) == 1
    assert warnings(run) == []


def test_a_github_outage_is_retried_then_a_warning(github: Emulator) -> None:
    github.github.fail(502, times=10, method="GET")

    run = comment_step(github, max_retries="1")

    assert run.exit_code == 0
    assert calls(github) == [LIST, LIST]
    (warning,) = warnings(run)
    assert "HTTP 502" in warning and "re-run the job" in warning


def test_a_create_whose_answer_was_lost_is_not_sent_again(github: Emulator) -> None:
    github.github.lose_answer(method="POST")

    run = comment_step(github, timeout="5")

    assert run.exit_code == 0, run.stdout
    assert calls(github) == [LIST, CREATE, LIST]  # the check found it: not re-sent
    assert len(bodies(github)) == 1


def test_no_secret_reaches_github(github: Emulator) -> None:
    # A TXT record that holds the API token: the summary shows it scrubbed, and so must
    # the comment, in every spelling.
    records = f'- {{type: TXT, name: _leak, content: "{DEMO_TOKEN}"}}'

    run = comment_step(github, records=records)

    assert run.exit_code == 0, run.stdout
    payloads = github.github.payloads()
    assert payloads and all(DEMO_TOKEN not in p for p in payloads)
    assert all(WRITE_TOKEN not in p for p in payloads)
    assert "***" in bodies(github)[0]
    assert WRITE_TOKEN in run.masks


def test_record_content_in_the_comment_stays_exact_inside_code(github: Emulator) -> None:
    # Code spans render as written, so the value a reviewer copies is the record's content;
    # text outside them is neutralised (tests/unit/test_github_body.py).
    records = '- {type: TXT, name: _x, content: "[sign in](https://evil.example) @octo/admins"}'

    run = comment_step(github, records=records)

    assert run.exit_code == 0, run.stdout
    (body,) = bodies(github)
    assert "`[sign in](https://evil.example) @octo/admins`" in body


def test_a_long_report_is_cut_under_the_limit_with_a_note(github: Emulator) -> None:
    content = "v" * 180
    records = "\n".join(
        f'- {{type: TXT, name: _many, content: "{content}{index:04d}"}}' for index in range(500)
    )

    run = comment_step(github, records=records)

    assert run.exit_code == 0, run.stdout
    assert len(run.summary) > 65_536  # the job summary has it all
    (body,) = bodies(github)
    assert len(body) <= 65_536
    assert "cut here to stay under GitHub's 65,536-character comment limit" in body
    assert "[job summary](https://github.com/octo/site/actions/runs/1000001)" in body


def test_other_events_post_nothing_and_say_so_once(github: Emulator) -> None:
    run = comment_step(github, event_name="push")

    assert run.exit_code == 0
    assert github.github.log == []
    said = [line for line in run.log_lines() if "pr_comment" in line]
    assert said == ["pr_comment: the event is 'push', not a pull request; no comment posted."]


def test_without_a_token_it_warns_and_posts_nothing(github: Emulator) -> None:
    # docker://: no action.yml, so no ${{ github.token }} default.
    given: Mapping[str, str] = {"github_api_url": ""}
    run = comment_step(github, defaults=False, github_token="", **given)

    assert run.exit_code == 0
    assert github.github.log == []
    (warning,) = warnings(run)
    assert "github_token is empty" in warning


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("pr_comment", "yes"),
        ("comment_key", "two words"),
        ("github_api_url", "http://github.example.com/api/v3"),
        ("github_token", "ghs_abc def"),
        ("deployment_environment", "preview"),  # not a worker
    ],
)
def test_an_invalid_input_is_one_error_and_no_call(github: Emulator, name: str, value: str) -> None:
    github.log.clear()

    run = comment_step(github, **{name: value})

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert error.properties["title"] == f"Input {name}"
    assert github.github.log == [] and list(github.log) == []
