"""The GitHub client's retries, with HTTP mocked and pauses recorded instead of waited."""

from __future__ import annotations

import json
import time

import pytest
import requests
import responses

from cfaction.github.api import (
    SECONDARY_WAIT,
    Answer,
    GitHubAPI,
    GitHubRefusedError,
    GitHubUnavailableError,
)

ROOT = "https://ghe.example.com/api/v3"
COMMENTS = f"{ROOT}/repos/o/r/issues/1/comments"


def client(pauses: list[float], max_retries: int = 2) -> GitHubAPI:
    return GitHubAPI(
        api_url=ROOT,
        token="ghs_token",
        scrub=lambda text: text.replace("s3cret", "***"),
        max_retries=max_retries,
        sleep=pauses.append,
        rng=lambda: 0.0,
    )


def test_retry_after_is_waited_and_the_request_sent_again(rsps: responses.RequestsMock) -> None:
    rsps.post(COMMENTS, status=403, json={"message": "secondary"}, headers={"Retry-After": "7"})
    rsps.post(COMMENTS, status=201, json={"id": 5})
    pauses: list[float] = []
    api = client(pauses)

    answer = api.post("/repos/o/r/issues/1/comments", {"body": "x"}, check=lambda: None)

    assert answer.body == {"id": 5} and pauses == [7.0] and api.calls == 2


def test_a_primary_limit_waits_for_its_reset(rsps: responses.RequestsMock) -> None:
    reset = str(int(time.time()) + 3600)
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    rsps.get(COMMENTS, status=403, json={"message": "API rate limit exceeded"}, headers=headers)
    pauses: list[float] = []

    with pytest.raises(GitHubUnavailableError) as failed:
        client(pauses).get("/repos/o/r/issues/1/comments")

    assert "longer than the 300 s cfaction waits" in failed.value.message
    assert pauses == []  # an hour is not waited


def test_a_secondary_limit_without_retry_after_waits_a_minute(
    rsps: responses.RequestsMock,
) -> None:
    message = {"message": "You have exceeded a secondary rate limit."}
    rsps.get(COMMENTS, status=429, json=message)
    rsps.get(COMMENTS, status=200, json=[])
    pauses: list[float] = []

    client(pauses).get("/repos/o/r/issues/1/comments")

    assert pauses == [SECONDARY_WAIT]


def test_a_forbidden_answer_is_final(rsps: responses.RequestsMock) -> None:
    rsps.post(COMMENTS, status=403, json={"message": "Resource not accessible by integration"})
    pauses: list[float] = []

    with pytest.raises(GitHubRefusedError) as refused:
        client(pauses).post("/repos/o/r/issues/1/comments", {"body": "x"}, check=lambda: None)

    assert refused.value.status == 403 and "not accessible" in refused.value.message
    assert pauses == []


def test_server_errors_are_retried_with_backoff_then_fail(rsps: responses.RequestsMock) -> None:
    for _ in range(3):
        rsps.get(COMMENTS, status=502, body="<html>bad gateway</html>")
    pauses: list[float] = []

    with pytest.raises(GitHubUnavailableError):
        client(pauses).get("/repos/o/r/issues/1/comments")

    assert pauses == [0.5, 1.0]


def test_a_lost_create_is_checked_and_not_sent_again(rsps: responses.RequestsMock) -> None:
    rsps.post(COMMENTS, body=requests.exceptions.ConnectionError("reset"))
    checks: list[str] = []

    def check() -> Answer | None:
        checks.append("looked")
        return Answer(status=201, body={"id": 9})

    answer = client([]).post("/repos/o/r/issues/1/comments", {"body": "x"}, check=check)

    assert answer.recovered and answer.body == {"id": 9} and checks == ["looked"]
    assert len(rsps.calls) == 1


def test_every_string_sent_is_scrubbed(rsps: responses.RequestsMock) -> None:
    rsps.patch(f"{ROOT}/repos/o/r/issues/comments/3", json={"id": 3})

    client([]).patch("/repos/o/r/issues/comments/3", {"body": "key s3cret", "x": ["s3cret"]})

    sent = json.loads(rsps.calls[0].request.body or b"")
    assert sent == {"body": "key ***", "x": ["***"]}
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer ghs_token"


def test_a_next_page_on_another_server_is_not_followed() -> None:
    with pytest.raises(GitHubRefusedError) as refused:
        client([]).get("https://elsewhere.example/repos/o/r/issues/1/comments?page=2")

    assert "another server" in refused.value.message
