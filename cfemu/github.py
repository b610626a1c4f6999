"""A small GitHub REST API beside the Cloudflare one: what cfaction's pull-request comment
and deployments use (https://docs.github.com/en/rest/issues/comments,
https://docs.github.com/en/rest/deployments), served under :data:`GITHUB_PREFIX` of the
same emulator.

Tokens carry the write permissions a workflow's ``permissions:`` would give them
(:data:`WRITE_TOKEN` both, :data:`READ_TOKEN` none, as a fork's pull request gets); an unknown
token is answered 401 and a missing permission 403 "Resource not accessible by
integration". :meth:`GitHubState.throttle` queues rate-limit answers (secondary: 403 with
``Retry-After``; primary: ``x-ratelimit-remaining: 0``), :meth:`GitHubState.fail` server
errors, and :meth:`GitHubState.lose_answer` a request that is applied but never answered.
Every request is kept in :attr:`GitHubState.log`, bodies decoded, for tests to inspect.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final, Literal

GITHUB_PREFIX: Final = "/github"
WRITE_TOKEN: Final = "ghs_" + "W" * 36
"""A job token with ``pull-requests: write`` and ``deployments: write``."""
READ_TOKEN: Final = "ghs_" + "R" * 36
"""A read-only job token, as a pull request from a fork gets."""
BOT_LOGIN: Final = "github-actions[bot]"

Scope = Literal["pull-requests", "deployments"]


@dataclass
class Comment:
    id: int
    repository: str
    number: int
    body: str
    user: str
    created_at: str
    updated_at: str


@dataclass
class DeploymentStatus:
    id: int
    state: str
    description: str
    environment: str
    environment_url: str
    log_url: str
    created_at: str


@dataclass
class GitHubDeployment:
    id: int
    repository: str
    sha: str
    ref: str
    environment: str
    description: str
    payload: Any
    created_at: str
    statuses: list[DeploymentStatus] = field(default_factory=list)


@dataclass(frozen=True)
class GitHubRequest:
    """One request as it arrived, and the status it was answered with (None: dropped)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: Any
    status: int | None
    at: float = field(default_factory=time.monotonic)
    """``time.monotonic()`` when it was logged, to order it among the Cloudflare requests."""


@dataclass
class Injected:
    """A queued misbehaviour: ``kind`` for the next ``times`` requests that match."""

    kind: Literal["secondary", "primary", "server", "lose_answer"]
    method: str | None = None
    path: str | None = None
    retry_after: float | None = 0
    status: int = 502
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass
class GitHubState:
    """Repositories, pull requests, comments, deployments, tokens, and the request log."""

    tokens: dict[str, frozenset[Scope]] = field(
        default_factory=lambda: {
            WRITE_TOKEN: frozenset({"pull-requests", "deployments"}),
            READ_TOKEN: frozenset(),
        }
    )
    pulls: set[tuple[str, int]] = field(default_factory=set)
    comments: dict[int, Comment] = field(default_factory=dict)
    deployments: dict[int, GitHubDeployment] = field(default_factory=dict)
    log: list[GitHubRequest] = field(default_factory=list)
    injected: list[Injected] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    _next_id: int = 1000
    _clock: int = 0

    def add_pull_request(self, repository: str, number: int) -> None:
        with self.lock:
            self.pulls.add((repository.lower(), number))

    def add_comment(self, repository: str, number: int, body: str, user: str = "octocat") -> int:
        """A comment someone else wrote (or an old one of ours); its ID."""
        with self.lock:
            comment = Comment(
                self.new_id(), repository.lower(), number, body, user, self.now(), self.now()
            )
            self.comments[comment.id] = comment
            return comment.id

    def comments_on(self, repository: str, number: int) -> list[Comment]:
        with self.lock:
            return [
                c
                for c in sorted(self.comments.values(), key=lambda c: c.id)
                if (c.repository, c.number) == (repository.lower(), number)
            ]

    def throttle(
        self,
        kind: Literal["secondary", "primary"] = "secondary",
        *,
        times: int = 1,
        retry_after: float | None = 0,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """The next ``times`` matching requests are refused as rate limited."""
        with self.lock:
            self.injected.append(Injected(kind, method, path, retry_after, 403, times))

    def fail(
        self,
        status: int = 502,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        with self.lock:
            self.injected.append(Injected("server", method, path, None, status, times))

    def lose_answer(self, *, method: str | None = None, path: str | None = None) -> None:
        """The next matching request is applied, then the connection closes unanswered."""
        with self.lock:
            self.injected.append(Injected("lose_answer", method, path, None, 0, 1))

    def take_injected(self, method: str, path: str) -> Injected | None:
        with self.lock:
            for index, item in enumerate(self.injected):
                if item.matches(method, path):
                    item.times -= 1
                    if item.times <= 0:
                        del self.injected[index]
                    return item
            return None

    def requests(self, method: str | None = None, path: str | None = None) -> list[GitHubRequest]:
        """Logged requests, optionally one method and paths where the regex is found."""
        with self.lock:
            return [
                r
                for r in self.log
                if (method is None or r.method == method.upper())
                and (path is None or re.search(path, r.path) is not None)
            ]

    def payloads(self) -> list[str]:
        """Every request body sent, as text: what a secret must not be found in."""
        with self.lock:
            return [json.dumps(r.json) for r in self.log if r.json is not None]

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def now(self) -> str:
        """A timestamp that grows with every call, so orders are stable."""
        self._clock += 1
        minutes, seconds = divmod(self._clock, 60)
        return f"2026-11-01T{minutes // 60 % 24:02d}:{minutes % 60:02d}:{seconds:02d}Z"
