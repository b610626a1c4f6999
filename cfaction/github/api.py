"""A small GitHub REST API client: one ``requests.Session``, the token, retries.

Retries follow GitHub's advice for its REST API
(https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately
and https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):

* a rate-limit answer (403 or 429 with ``Retry-After``, with ``x-ratelimit-remaining: 0``,
  or saying "rate limit"): nothing was done, so the request is sent again after
  ``Retry-After`` seconds, else at ``x-ratelimit-reset``, else after one minute, unless
  that is longer than cfaction waits (the Cloudflare client's cap);
* 5xx, a timeout, a dropped connection: the request may have been applied. A read or a
  write that sets a value (PATCH) is sent again with the Cloudflare client's backoff; a
  create (POST) only after its ``check`` found it was not applied;
* any other answer is final.

Every string of every JSON body is passed through ``scrub`` before it is sent: the
runner's masking covers only the log, so nothing else keeps a secret out of a comment.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import requests

from cfaction.client import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    RETRY_AFTER_CAP,
    USER_AGENT,
    retry_after_seconds,
)

API_VERSION: Final = "2022-11-28"
"""https://docs.github.com/en/rest/about-the-rest-api/api-versions"""
SECONDARY_WAIT: Final = 60.0
""""Otherwise, wait for at least one minute before retrying" (GitHub's best practices)."""


class GitHubError(Exception):
    """A GitHub request that failed for good."""

    def __init__(self, message: str, *, method: str, path: str, status: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status


class GitHubRefusedError(GitHubError):
    """GitHub answered with a final 4xx (bad token, no permission, not found, invalid)."""


class GitHubUnavailableError(GitHubError):
    """No usable answer after every retry: 5xx, rate limited, no answer at all."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    next_url: str | None = None
    """The ``Link: <…>; rel="next"`` page, when there is one."""
    recovered: bool = False
    """The write's answer was lost and its check found it applied."""


Check = Callable[[], Answer | None]
"""Looks whether a create whose answer was lost was applied: its answer, else None."""


class _LostError(Exception):
    def __init__(self, error: GitHubUnavailableError, delay: float | None, applied: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.delay = delay
        self.applied = applied
        """Whether the request may have been applied (False: a rate-limit answer)."""


class GitHubAPI:
    """Requests to one GitHub API root with one token. ``calls`` counts every request
    sent, retries included; ``sleep`` and ``rng`` are injectable so tests never wait."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        scrub: Callable[[str], str],
        timeout: float = 30.0,
        max_retries: int = 5,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.calls = 0
        self._scrub = scrub
        self._timeout = timeout
        self._max_retries = max_retries
        self._sleep = sleep
        self._rng = rng
        self._on_retry = on_retry
        self._session = session or requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            }
        )

    def close(self) -> None:
        self._session.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Answer:
        """GET ``path`` (relative to the API root), or a ``next_url`` from an answer."""
        return self._request("GET", path, params=params, body=None, repeatable=True, check=None)

    def patch(self, path: str, body: Mapping[str, Any]) -> Answer:
        """A write that sets values: sending it twice does what sending it once does."""
        return self._request("PATCH", path, params=None, body=body, repeatable=True, check=None)

    def post(self, path: str, body: Mapping[str, Any], *, check: Check) -> Answer:
        """A create: after a lost answer, ``check`` looks before it is sent again."""
        return self._request("POST", path, params=None, body=body, repeatable=False, check=check)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        repeatable: bool,
        check: Check | None,
    ) -> Answer:
        url = self._url(method, path)
        shown = urlsplit(url).path
        payload = _scrubbed(body, self._scrub) if body is not None else None
        attempts = self._max_retries + 1
        for attempt in range(attempts):
            try:
                return self._attempt(method, url, shown, params, payload)
            except _LostError as lost:
                delay = lost.delay if lost.delay is not None else self._backoff(attempt)
                if delay > RETRY_AFTER_CAP:
                    raise GitHubUnavailableError(
                        f"{lost.error.message}; GitHub asked to wait {delay:,.0f} s, longer than "
                        f"the {RETRY_AFTER_CAP:.0f} s cfaction waits",
                        method=method,
                        path=shown,
                        status=lost.error.status,
                    ) from None
                if attempt + 1 >= attempts:
                    raise lost.error from None
                if lost.applied and not repeatable:
                    self._sleep(delay)  # also lets a slow attempt finish before the check
                    found = check() if check is not None else None
                    if found is not None:
                        self._tell(f"{method} {shown}: {lost.error.message}, but it was applied.")
                        return Answer(status=found.status, body=found.body, recovered=True)
                    self._tell(f"{method} {shown}: {lost.error.message}; checked: not applied.")
                    continue
                self._tell(
                    f"{method} {shown}: {lost.error.message}; retry {attempt + 1} of "
                    f"{attempts - 1} in {delay:.1f} s"
                )
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        url: str,
        shown: str,
        params: Mapping[str, Any] | None,
        payload: Any,
    ) -> Answer:
        self.calls += 1
        try:
            response = self._session.request(
                method, url, params=params, json=payload, timeout=self._timeout
            )
        except requests.exceptions.RequestException as exc:
            never_sent = isinstance(exc, requests.exceptions.ConnectTimeout)
            error = GitHubUnavailableError(
                f"no answer ({type(exc).__name__})", method=method, path=shown, status=None
            )
            raise _LostError(error, None, applied=not never_sent) from exc
        status = response.status_code
        body = _json(response)
        if status < 300:
            return Answer(
                status=status, body=body, next_url=response.links.get("next", {}).get("url")
            )
        message = _message(body) or response.reason or f"HTTP {status}"
        wait = _rate_limit_wait(response, message)
        if wait is not None:
            error = GitHubUnavailableError(
                f"HTTP {status}: rate limited ({message})", method=method, path=shown, status=status
            )
            raise _LostError(error, wait, applied=False)
        if status >= 500:
            error = GitHubUnavailableError(
                f"HTTP {status} ({message})", method=method, path=shown, status=status
            )
            raise _LostError(error, None, applied=True)
        raise GitHubRefusedError(
            f"HTTP {status}: {message}", method=method, path=shown, status=status
        )

    def _url(self, method: str, path: str) -> str:
        """A path joined to the API root, or a ``next`` URL, which must stay on the same
        server: the token is never sent anywhere else."""
        if not path.startswith(("http://", "https://")):
            return self.api_url + path
        root, there = urlsplit(self.api_url), urlsplit(path)
        if (there.scheme, there.netloc) != (root.scheme, root.netloc):
            raise GitHubRefusedError(
                f"the next page is on another server ({there.netloc}); not followed",
                method=method,
                path=there.path,
                status=None,
            )
        return path

    def _backoff(self, attempt: int) -> float:
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)
        return ceiling / 2 + self._rng() * ceiling / 2

    def _tell(self, line: str) -> None:
        if self._on_retry is not None:
            self._on_retry(line)


def _rate_limit_wait(response: requests.Response, message: str) -> float | None:
    """How long to wait before sending again, when this answer says "rate limited"."""
    if response.status_code not in (403, 429):
        return None
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if retry_after is not None:
        return retry_after
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = _seconds_until(response.headers.get("x-ratelimit-reset"))
        return reset if reset is not None else SECONDARY_WAIT
    if "rate limit" in message.lower():
        return SECONDARY_WAIT
    return None


def _seconds_until(epoch: str | None) -> float | None:
    try:
        return max(0.0, float(epoch or "") - time.time())
    except ValueError:
        return None


def _json(response: requests.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _message(body: Any) -> str:
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return " ".join(str(body["message"]).split())[:300]
    return ""


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {scrub(str(k)): _scrubbed(v, scrub) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item, scrub) for item in value]
    return value
