"""What the run is about, from the runner's environment: the repository, the commit, the
workflow and job, and the pull request when the event is one.

The runner writes the webhook payload of the triggering event to ``GITHUB_EVENT_PATH``
(https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#pull_request);
for a pull request, ``GITHUB_SHA`` is the merge commit GitHub made for the test, so the
commit a deployment is for is the pull request's head, ``pull_request.head.sha``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

PULL_REQUEST_EVENTS: Final = ("pull_request", "pull_request_target")
_SHA: Final = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_REPOSITORY: Final = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class EventError(Exception):
    """The runner's environment does not say what the feedback needs."""


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str
    fork: bool
    """The head branch lives in another repository: the job's token is then read-only
    (https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication#permissions-for-the-github_token)."""


@dataclass(frozen=True)
class Run:
    """One job of one workflow run."""

    repository: str
    event_name: str
    sha: str
    workflow: str
    job: str
    run_id: str
    run_attempt: str
    server_url: str
    api_url: str
    pull_request: PullRequest | None

    @property
    def commit(self) -> str:
        """The commit the run is for: the pull request's head, else ``GITHUB_SHA``."""
        return self.pull_request.head_sha if self.pull_request else self.sha

    @property
    def run_url(self) -> str:
        """The run's page, where its job summary is."""
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"


def read_run(environ: Mapping[str, str]) -> Run:
    """The run, from ``GITHUB_*`` variables and the event file. Raises :class:`EventError`
    when the repository is unknown or a pull-request event's file is unreadable."""
    repository = environ.get("GITHUB_REPOSITORY", "")
    if not _REPOSITORY.match(repository):
        raise EventError("GITHUB_REPOSITORY is not set (this is not a GitHub Actions run)")
    event_name = environ.get("GITHUB_EVENT_NAME", "")
    pull_request = None
    if event_name in PULL_REQUEST_EVENTS:
        pull_request = _pull_request(_payload(environ.get("GITHUB_EVENT_PATH", "")), repository)
    return Run(
        repository=repository,
        event_name=event_name,
        sha=environ.get("GITHUB_SHA", ""),
        workflow=environ.get("GITHUB_WORKFLOW", ""),
        job=environ.get("GITHUB_JOB", ""),
        run_id=environ.get("GITHUB_RUN_ID", ""),
        run_attempt=environ.get("GITHUB_RUN_ATTEMPT", "1"),
        server_url=environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
        api_url=environ.get("GITHUB_API_URL", "").rstrip("/"),
        pull_request=pull_request,
    )


def _payload(path: str) -> Mapping[str, Any]:
    if not path:
        raise EventError("GITHUB_EVENT_PATH is not set")
    try:
        with open(path, encoding="utf-8") as file:
            payload = json.load(file)
    except (OSError, ValueError) as error:
        raise EventError(
            f"the event file GITHUB_EVENT_PATH names is unreadable ({error})"
        ) from None
    if not isinstance(payload, Mapping):
        raise EventError("the event file is not a JSON object")
    return payload


def _pull_request(payload: Mapping[str, Any], repository: str) -> PullRequest:
    pull = payload.get("pull_request")
    number = payload.get("number", pull.get("number") if isinstance(pull, Mapping) else None)
    if not isinstance(pull, Mapping) or not isinstance(number, int) or isinstance(number, bool):
        raise EventError("the event file has no pull_request with a number")
    head = pull.get("head")
    sha = head.get("sha") if isinstance(head, Mapping) else None
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise EventError("the event file has no pull_request.head.sha")
    head_repo = head.get("repo") if isinstance(head, Mapping) else None
    head_name = head_repo.get("full_name") if isinstance(head_repo, Mapping) else None
    # head.repo.fork also holds for a branch of a repository that is itself a fork.
    fork = isinstance(head_name, str) and head_name.lower() != repository.lower()
    return PullRequest(number=number, head_sha=sha, fork=fork)
