"""Reading the run and the pull request from the runner's environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cfaction.github.event import EventError, read_run

EVENT = Path(__file__).resolve().parents[1] / "data" / "pull_request_event.json"


def environ(event: Path = EVENT, name: str = "pull_request") -> dict[str, str]:
    return {
        "GITHUB_REPOSITORY": "octo/site",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "1" * 40,
        "GITHUB_RUN_ID": "42",
        "GITHUB_SERVER_URL": "https://ghe.example.com",
    }


def test_a_pull_request_is_for_its_head_commit() -> None:
    run = read_run(environ())

    assert run.pull_request is not None and run.pull_request.number == 7
    assert run.commit == "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b" != run.sha
    assert not run.pull_request.fork
    assert run.run_url == "https://ghe.example.com/octo/site/actions/runs/42"


def test_a_head_in_another_repository_is_a_fork(tmp_path: Path) -> None:
    payload = json.loads(EVENT.read_text(encoding="utf-8"))
    payload["pull_request"]["head"]["repo"]["full_name"] = "someone/site"
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")

    run = read_run(environ(event, "pull_request_target"))

    assert run.pull_request is not None and run.pull_request.fork


def test_a_push_has_no_pull_request_and_is_for_github_sha() -> None:
    run = read_run(environ(name="push"))

    assert run.pull_request is None and run.commit == "1" * 40


def test_an_unreadable_event_file_is_an_event_error(tmp_path: Path) -> None:
    (tmp_path / "event.json").write_text("{", encoding="utf-8")

    with pytest.raises(EventError):
        read_run(environ(tmp_path / "event.json"))
    with pytest.raises(EventError):
        read_run({})
