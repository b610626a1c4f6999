"""Warming: after the purge, GET each purged URL so the edge caches the new version.

A GET, not a HEAD: a HEAD request does not fill the cache with the body. Warming talks to
the site, not to the API, so it has a ``requests.Session`` of its own that carries no
credential of any kind: no API headers, no cookies (none is stored), and no ``~/.netrc``
login (requests adds one to a request that has no auth of its own, see
``Session.prepare_request``); proxies and CA bundles still come from the environment.

Redirects are followed only to the hosts that were purged (and never from https to http),
at most :data:`MAX_REDIRECTS` of them; a redirect elsewhere is reported, not followed. Each
URL has ``timeout`` seconds in all (redirects and body included); the body is streamed and
discarded, so memory does not grow with the size of a file. A URL that cannot be warmed is
reported; it never fails the purge.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Final
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.auth import AuthBase

from cfaction import __version__

MAX_REDIRECTS: Final = 5
CHUNK_BYTES: Final = 64 * 1024
PROGRESS_EVERY: Final = 100
USER_AGENT: Final = f"cfaction/{__version__} (cache warming)"
CACHE_STATUS: Final = "cf-cache-status"
"""The response header that says how Cloudflare's cache answered (HIT, MISS, EXPIRED, ...):
https://developers.cloudflare.com/cache/concepts/cache-responses/"""


@dataclass(frozen=True)
class WarmResult:
    """What GET of one purged URL gave."""

    url: str
    status: int | None = None
    cache_status: str | None = None
    final_url: str | None = None
    """Where the followed redirects ended, when they did."""
    not_followed: str | None = None
    """A redirect to a host that was not purged, reported instead of followed."""
    error: str | None = None
    """Why there is no complete answer (a timeout, no connection)."""

    @property
    def warmed(self) -> bool:
        """Whether the site answered, and not with an error status."""
        return self.error is None and self.status is not None and self.status < 400

    def problem(self) -> str:
        """Why it was not warmed, in a few words ("" when it was)."""
        if self.warmed:
            return ""
        return self.error or f"HTTP {self.status}"


class _NoCredentials(AuthBase):
    """Auth that adds nothing: with it set, requests does not look up ``~/.netrc``."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def new_session() -> requests.Session:
    """A session for the site: no credentials, no cookies kept."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.auth = _NoCredentials()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return session


def warm(
    urls: Sequence[str],
    *,
    concurrency: int,
    timeout: float,
    progress: Callable[[str], None],
    session_factory: Callable[[], requests.Session] = new_session,
) -> tuple[WarmResult, ...]:
    """GET every URL, at most ``concurrency`` at a time; results in the order of ``urls``.
    Progress is reported from the calling thread only."""
    if not urls:
        return ()
    allowed = frozenset((urlsplit(url).hostname or "").lower() for url in urls)
    sessions: list[requests.Session] = []
    local = threading.local()
    lock = threading.Lock()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = session_factory()
            with lock:
                sessions.append(local.session)
        current: requests.Session = local.session
        return current

    def one(url: str) -> WarmResult:
        return fetch(session(), url, allowed, timeout)

    results: list[WarmResult | None] = [None] * len(urls)
    try:
        with ThreadPoolExecutor(max_workers=min(concurrency, len(urls))) as pool:
            futures = {pool.submit(one, url): index for index, url in enumerate(urls)}
            for done, future in enumerate(as_completed(futures), start=1):
                result = future.result()
                results[futures[future]] = result
                if not result.warmed:
                    progress(f"Not warmed: {result.url}: {result.problem()}")
                if done % PROGRESS_EVERY == 0 and done < len(urls):
                    progress(f"Warming: {done} of {len(urls)} URLs done")
    finally:
        for opened in sessions:
            opened.close()
    finished = tuple(result for result in results if result is not None)
    progress(f"Warmed {sum(r.warmed for r in finished)} of {len(finished)} URLs")
    return finished


def fetch(
    session: requests.Session, url: str, allowed: frozenset[str], timeout: float
) -> WarmResult:
    """GET ``url`` within ``timeout`` seconds in all, following redirects to ``allowed``
    hosts only, reading and discarding the body."""
    deadline = time.monotonic() + timeout
    timed_out = WarmResult(url, error=f"timed out after {timeout:g} s")
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return timed_out
        try:
            with session.get(
                current, stream=True, allow_redirects=False, timeout=remaining
            ) as response:
                final = current if current != url else None
                cache_status = response.headers.get(CACHE_STATUS)
                if response.is_redirect:
                    target = urljoin(current, response.headers["location"])
                    if _may_follow(current, target, allowed):
                        current = target
                        continue
                    return WarmResult(
                        url, response.status_code, cache_status, final, not_followed=target
                    )
                if not _drained(response, deadline):
                    return WarmResult(
                        url,
                        response.status_code,
                        cache_status,
                        final,
                        error=f"the body took longer than {timeout:g} s",
                    )
                return WarmResult(url, response.status_code, cache_status, final)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            # urllib3's own errors come from reading the body through response.raw
            return timed_out if _timed_out(error) else WarmResult(url, error=_describe(error))
    return WarmResult(url, error=f"more than {MAX_REDIRECTS} redirects")


def _drained(response: requests.Response, deadline: float) -> bool:
    """Read the body to its end, keeping none of it; False when time ran out first. Each
    read returns what one receive brought (urllib3's ``read1``), so a body that trickles in
    byte by byte cannot hold off the deadline (``iter_content`` waits for a whole chunk)."""
    return all(
        time.monotonic() <= deadline for _ in iter(lambda: response.raw.read1(CHUNK_BYTES), b"")
    )


def _may_follow(current: str, target: str, allowed: frozenset[str]) -> bool:
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in allowed:
        return False
    return not (urlsplit(current).scheme == "https" and parts.scheme == "http")


def _timed_out(error: Exception) -> bool:
    return isinstance(error, (requests.Timeout, urllib3.exceptions.TimeoutError))


def _describe(error: Exception) -> str:
    """A short reason: requests' own messages repeat the URL and the whole cause chain."""
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS failed (certificate or handshake)"
    if isinstance(error, (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.HTTPError)):
        return "the connection broke off during the body"
    if isinstance(error, requests.ConnectionError):
        return "could not connect"
    return f"request failed ({type(error).__name__})"
