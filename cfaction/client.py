"""The Cloudflare API client: one ``requests.Session``, the v4 envelope, retries, pagination.

This is the only module that imports ``requests``. Every request goes through
:meth:`Client.request`, which counts it, retries it when that is safe, and turns a failed
answer into a typed :mod:`cfaction.errors` exception carrying a hint; what an answer means
and whether it is retried is looked up in :mod:`cfaction.catalogue`.

Retry policy: :data:`cfaction.catalogue.RETRY_TABLE`, by the answer's meaning, the same for
every request (https://developers.cloudflare.com/fundamentals/api/reference/limits/ for 429
and ``Retry-After``):

* 429 and the please-wait codes: always retried (nothing was processed), after
  ``Retry-After`` when given.
* 5xx, HTML or empty error pages, timeouts and dropped connections: the request may have been
  applied. A request that is safe to repeat (GET, PUT, DELETE, and POSTs the caller marks
  idempotent, such as purge) is sent again; any other write goes through :meth:`Client.write`,
  which checks whether it was applied before sending it again, so nothing is applied twice.
* 408, and 409 without a code the catalogue knows: sent again only when safe to repeat.
* Every other 4xx, every answer with a Cloudflare code the catalogue knows to be
  deterministic, and every ``success: false`` on 2xx: never retried.

Backoff is exponential with "equal jitter" (half fixed, half random), capped, so parallel
jobs that failed together do not retry together.
"""

from __future__ import annotations

import html
import random
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any

import requests

from cfaction import __version__
from cfaction.catalogue import HintContext, lookup, retry_rule
from cfaction.credentials import Credentials
from cfaction.errors import (
    APIError,
    CloudflareError,
    ErrorDetail,
    RateLimitError,
    ServerError,
    TransportError,
)

USER_AGENT = f"cfaction/{__version__}"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 300.0
"""The longest ``Retry-After`` we wait: the global limit locks a user out for 5 minutes."""
MAX_PAGES = 10_000
CLOCK_MARGIN = 2.0
"""How much earlier than its first attempt a write's lost-answer check looks, in seconds,
when Cloudflare's clock is known from the ``Date`` header of an answer (whole seconds, so
up to 1 s behind, plus the time the answer travelled)."""
UNSYNCED_MARGIN = 30.0
"""The same margin before any answer carried a ``Date`` header: this machine's clock, which
a hosted runner keeps in sync."""

_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Envelope:
    """A successful v4 answer."""

    result: Any
    result_info: Mapping[str, Any] | None = None
    messages: tuple[str, ...] = ()
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    recovered: bool = False
    """The write's answer was lost and its lost-answer check found it applied: ``result``
    is what the check read (see :meth:`Client.write`)."""


class _RetryableError(Exception):
    """Internal: this attempt failed in a retryable way."""

    def __init__(self, error: APIError | TransportError, delay: float | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.delay = delay


class Client:
    """A Cloudflare v4 API client for one run.

    ``calls`` counts every HTTP request sent, retries included (the ``api_calls`` output).
    ``sleep`` and ``rng`` are injectable so tests run without waiting.
    """

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Credentials,
        timeout: float = 30.0,
        max_retries: int = 5,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout
        self.max_retries = max_retries
        self.calls = 0
        self._sleep = sleep
        self._rng = rng
        self._on_retry = on_retry
        self._clock_offset: float | None = None
        self._session = session or requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, **credentials.headers()})

    def close(self) -> None:
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        files: Any = None,
        data: IO[bytes] | None = None,
        idempotent: bool | None = None,
        permission: str | None = None,
        headers: Mapping[str, str | None] | None = None,
        credentials: bool = True,
    ) -> Envelope:
        """Send one API request (with retries) and return its envelope.

        ``path`` is relative to the base URL (``/zones``). ``idempotent`` overrides the
        method's default (POST is not idempotent unless the caller says so).
        ``permission`` names what the request needs, for the hint when it is refused.
        ``data`` is a body read from a file (rewound for every attempt, so it is never
        held in memory whole). ``headers`` are added to this request only;
        ``credentials=False`` sends none of the account's (a token in ``headers`` stands in
        for them, as for asset uploads).
        Raises an :class:`~cfaction.errors.APIError` subclass or
        :class:`~cfaction.errors.TransportError`.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        context = HintContext(self.credentials.mode, method, path, permission)
        if not credentials:
            # None removes a session header from this one request (requests' merge rule).
            unset: dict[str, str | None] = dict.fromkeys(self.credentials.headers())
            headers = {**unset, **(headers or {})}
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            try:
                if data is not None:
                    data.seek(0)
                return self._attempt(
                    method, path, params, json_body, files, data, headers, safe, context
                )
            except _RetryableError as retry:
                if (retry.delay or 0) > RETRY_AFTER_CAP:
                    raise _too_long(retry.error, retry.delay or 0) from None
                if attempt + 1 >= attempts:
                    raise retry.error from None
                delay = retry.delay if retry.delay is not None else self._backoff(attempt)
                self._notify(retry.error, attempt, attempts, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """GET and return the envelope's ``result``."""
        return self.request("GET", path, params=params, **kwargs).result

    def write(
        self,
        method: str,
        path: str,
        *,
        check: Callable[[float], Any],
        conflict_codes: Collection[int] = (),
        **options: Any,
    ) -> Envelope:
        """Send a write that is not safe to repeat blindly (a create, an upload, a
        deployment), retried by the same rules as every request, and never applied twice.

        When an attempt gets no usable answer (5xx, an HTML page, a timeout, a reset: the
        write may have been applied), ``check(since)`` looks before anything is sent again:
        it returns what the write's answer would have carried when the write is in effect
        (the result is then an :class:`Envelope` with ``recovered`` set, and nothing is sent
        again), else None. ``since`` is when the first attempt went out, by Cloudflare's clock
        as far as the ``Date`` of earlier answers tells, less a margin: whatever the write
        made was created at or after it. A check that cannot read stops the write, since
        sending blindly could apply it twice. ``conflict_codes``: codes a *re-sent* attempt
        is refused with when an earlier attempt was applied after all ("already exists");
        the check then finds what that attempt made.

        The check runs only after a lost answer: a write answered at once costs one call.
        ``options`` are those of :meth:`request` (not ``idempotent``).
        """
        margin = UNSYNCED_MARGIN if self._clock_offset is None else CLOCK_MARGIN
        since = self.server_time() - margin
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            try:
                return self.request(method, path, idempotent=False, **options)
            except (ServerError, TransportError) as error:
                lost: ServerError | TransportError = error
            except APIError as error:
                if attempt == 0 or not set(error.codes()) & set(conflict_codes):
                    raise
                found = self._check(check, since, error)
                if found is None:
                    raise
                self._tell(f"{method} {path}: an earlier attempt was applied ({error.title}).")
                return Envelope(result=found, status=0, recovered=True)
            delay = lost.retry_after if isinstance(lost, APIError) else None
            delay = delay if delay is not None else self._backoff(attempt)
            if delay <= RETRY_AFTER_CAP:
                self._sleep(delay)  # also lets a slow attempt finish before the check
            found = self._check(check, since, lost)
            reason = f"HTTP {lost.status}" if isinstance(lost, APIError) else "no answer"
            if found is not None:
                self._tell(f"{method} {path}: {reason}, but the write was applied; not sent again.")
                return Envelope(result=found, status=0, recovered=True)
            if delay > RETRY_AFTER_CAP:
                raise _too_long(lost, delay) from None
            if attempt + 1 >= attempts:
                raise lost
            self._tell(
                f"{method} {path}: {reason}; checked: not applied; retry {attempt + 1} of "
                f"{attempts - 1} now."
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def server_time(self) -> float:
        """Now, by Cloudflare's clock as far as the answers' ``Date`` headers tell (else by
        this machine's), in epoch seconds."""
        return time.time() + (self._clock_offset or 0.0)

    def _check(self, check: Callable[[float], Any], since: float, error: CloudflareError) -> Any:
        try:
            return check(since)
        except CloudflareError as unreadable:
            raise error.with_hint(
                "The answer was lost, and reading whether the write was applied failed too "
                f"({unreadable.message}), so it was not sent again: it may or may not be in "
                "effect. Check it in the dashboard, or re-run the step."
            ) from None

    def _tell(self, line: str) -> None:
        if self._on_retry is not None:
            self._on_retry(line)

    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        per_page: int = 50,
        permission: str | None = None,
    ) -> Iterator[Any]:
        """Yield every row of a page-based list, following ``result_info.total_pages``.

        A server may return fewer rows than ``per_page``, so a short page ends the walk only
        when the answer has no ``total_pages``; an empty page always ends it.
        """
        page = 1
        while page <= MAX_PAGES:
            query = {**(params or {}), "page": page, "per_page": per_page}
            envelope = self.request("GET", path, params=query, permission=permission)
            rows = envelope.result or []
            yield from rows
            info = envelope.result_info or {}
            total_pages = info.get("total_pages")
            if not rows or (isinstance(total_pages, int) and page >= total_pages):
                return
            if total_pages is None and len(rows) < per_page:
                return
            page += 1

    def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        files: Any,
        data: IO[bytes] | None,
        headers: Mapping[str, str | None] | None,
        safe: bool,
        context: HintContext,
    ) -> Envelope:
        self.calls += 1
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                json=json_body,
                files=files,
                data=data,
                headers=dict(headers) if headers else None,
                timeout=self.timeout,
            )
        except requests.exceptions.ConnectTimeout as exc:
            # Never connected, so the request cannot have been applied.
            error = self._transport_error(method, path, exc)
            if _retries(retry_rule(None, transport="connect"), safe):
                raise _RetryableError(error, None) from exc
            raise error from exc
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            error = self._transport_error(method, path, exc)
            if _retries(retry_rule(None, transport="lost"), safe):
                raise _RetryableError(error, None) from exc
            raise error from exc
        self._note_clock(response.headers.get("Date"))
        return self._parse(response, method, path, safe, context)

    def _note_clock(self, date: str | None) -> None:
        """Keep how far Cloudflare's clock is from ours, from an answer's ``Date``."""
        if not date:
            return
        try:
            self._clock_offset = parsedate_to_datetime(date).timestamp() - time.time()
        except (TypeError, ValueError):
            return

    def _parse(
        self,
        response: requests.Response,
        method: str,
        path: str,
        safe: bool,
        context: HintContext,
    ) -> Envelope:
        status = response.status_code
        body = _decode_json(response)
        if isinstance(body, dict) and body.get("success", status < 400) is True and status < 400:
            return Envelope(
                result=body.get("result"),
                result_info=body.get("result_info"),
                messages=tuple(_text(m) for m in body.get("messages") or []),
                status=status,
                headers=dict(response.headers),
            )
        errors = _errors(body) if isinstance(body, dict) else ()
        excerpt = "" if isinstance(body, dict) else _excerpt(response)
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        verdict = lookup(status, errors, context, is_page=not isinstance(body, dict))
        error = verdict.error(
            status=status,
            method=method,
            path=path,
            errors=errors,
            body_excerpt=excerpt,
            messages=tuple(_text(m) for m in (body.get("messages") or []))
            if isinstance(body, dict)
            else (),
            hint=verdict.hint,
            retry_after=retry_after,
        )
        if _retries(verdict.retry, safe):
            raise _RetryableError(error, retry_after)
        raise error

    def _transport_error(self, method: str, path: str, exc: Exception) -> TransportError:
        kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "failed to connect"
        return TransportError(
            f"The request {kind} ({type(exc).__name__}) [{method} {path}]",
            method=method,
            path=path,
            hint=(
                f"No answer from {self.base_url} within {self.timeout:g} s on every attempt. "
                "Check api_base_url and the runner's network, or raise timeout and max_retries."
            ),
        )

    def pause(self, attempt: int) -> None:
        """Wait as long as retry number ``attempt`` (0-based) would, for callers that retry
        a non-idempotent request themselves after checking it was not applied."""
        self._sleep(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)
        return ceiling / 2 + self._rng() * ceiling / 2

    def _notify(
        self, error: APIError | TransportError, attempt: int, attempts: int, delay: float
    ) -> None:
        if self._on_retry is None:
            return
        reason = f"HTTP {error.status}" if isinstance(error, APIError) else "no answer"
        self._on_retry(
            f"{error.method} {error.path}: {reason}; retry {attempt + 1} of {attempts - 1} "
            f"in {delay:.1f} s"
        )


def _retries(rule: str, safe: bool) -> bool:
    """Whether :meth:`Client.request` sends the request again itself (a write that is not
    safe to repeat is sent again by :meth:`Client.write`, after its check)."""
    return rule == "always" or (rule in ("checked", "idempotent") and safe)


def _too_long(error: APIError | TransportError, delay: float) -> APIError | TransportError:
    """A retry Cloudflare asked to wait longer for than cfaction waits: say so."""
    waited = (
        f"Cloudflare asked to wait {delay:,.0f} s before this request is sent again "
        f"(Retry-After), longer than the {RETRY_AFTER_CAP:.0f} s cfaction waits, so it was not "
        "sent again; a higher max_retries does not change that."
    )
    if isinstance(error, RateLimitError):
        advice = (
            " These credentials are over a rate limit (1,200 requests per 5 minutes per user "
            "or token; purges have their own): run the job again once that time has passed, "
            "or run fewer jobs with the same token at once."
        )
    else:
        advice = (
            " Run the job again once that time has passed; see https://www.cloudflarestatus.com "
            "for incidents."
        )
    return error.with_hint(waited + advice)


def created_at(value: Any) -> float | None:
    """A ``created_on`` timestamp of the API (ISO 8601, UTC) in epoch seconds, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _decode_json(response: requests.Response) -> Any:
    """The JSON body, or None for an empty, HTML or otherwise non-JSON body."""
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _errors(body: Mapping[str, Any]) -> tuple[ErrorDetail, ...]:
    raw = body.get("errors")
    if isinstance(raw, list) and raw:
        return tuple(_detail(item) for item in raw)
    # A few endpoints answer {"code": …, "error": "…"} instead of the envelope.
    if "error" in body or "code" in body:
        return (ErrorDetail(_code(body.get("code")), _text(body.get("error", ""))),)
    return ()


def _detail(item: Any) -> ErrorDetail:
    if not isinstance(item, Mapping):
        return ErrorDetail(None, _text(item))
    chain = item.get("error_chain") or []
    return ErrorDetail(
        code=_code(item.get("code")),
        message=_text(item.get("message", "")),
        chain=tuple(_detail(link) for link in chain if isinstance(link, Mapping)),
    )


def _code(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return _text(value.get("message", ""))
    return str(value)


def _excerpt(response: requests.Response) -> str:
    """Describe a non-JSON body: the title of an HTML page, or its first characters."""
    text = response.text
    if not text.strip():
        return "empty response body"
    match = _TITLE.search(text)
    if match:
        # Unescaped, so that a secret the page echoes is the text the reporter scrubs.
        title = " ".join(html.unescape(match.group(1)).split())
        return f"Cloudflare returned an HTML error page: “{title}”"
    return f"Cloudflare returned a non-JSON body: “{' '.join(text.split())[:200]}”"


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (RFC 9110, section 10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
        return max(0.0, float(when) - time.time())
    except (TypeError, ValueError):
        return None
