"""The exception hierarchy: every failure a user can fix is one of these.

::

    ActionError                 anything that ends the run with a message (exit code 1)
    ├── InputError              one invalid input, found before any API call (or right after
    │                           the zone lookup, when only the zone's name shows it)
    ├── InvalidInputsError      several InputErrors, reported together
    ├── ZoneError               a zone name that matches no zone, or zones in several accounts
    ├── PlanError               the desired state cannot be reached from what exists
    └── CloudflareError         an API request that failed for good
        ├── APIError            Cloudflare answered with an error envelope (or a non-JSON page)
        │   ├── AuthError       the credentials were rejected (6003/6xxx, 9106, 9103, 9109, 1000)
        │   ├── PermissionDeniedError  valid credentials, no permission or scope (10000, 9109)
        │   ├── NotFoundError   an identifier Cloudflare does not know (7003/7000, 1003, 404)
        │   ├── RateLimitError  429 after every retry was spent
        │   └── ServerError     5xx or an HTML error page after every retry was spent
        └── TransportError      no answer at all: timeout or connection error after every retry

``main`` catches only :class:`ActionError`; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self


@dataclass(frozen=True)
class Annotation:
    """One ``::error`` line: its text, and the file (absolute) and line it points at."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None


class ActionError(Exception):
    """A failure the user can act on. ``title`` becomes the annotation title."""

    title: str = "cfaction"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def annotations(self) -> list[Annotation]:
        """The annotations that show this error: one, without a place, unless the error
        points into the user's files (a build error's messages)."""
        return []


class InputError(ActionError):
    """An input is missing or invalid. Raised before any API call, or right after the zone
    lookup when only the zone's name shows the problem; either way nothing was changed."""

    def __init__(self, name: str, problem: str, fix: str = "") -> None:
        self.input_name = name
        self.problem = problem
        self.fix = fix
        text = f"{name}: {problem}"
        if fix:
            text += f" {fix}"
        super().__init__(text, title=f"Input {name}")


class InvalidInputsError(ActionError):
    """Every invalid input of a run, so the user can fix them all at once."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = list(errors)
        names = ", ".join(e.input_name for e in self.errors)
        super().__init__(f"Invalid input: {names}", title="Invalid input")


class ZoneError(ActionError):
    """A zone name matched no zone these credentials can read, or matched several."""

    title = "Zone"


class PlanError(ActionError):
    """The desired state cannot be reached as written; found while planning, before any
    change (e.g. a DNS record that cannot be added beside the records its name has)."""


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of the envelope's ``errors`` list, with its ``error_chain`` flattened."""

    code: int | None
    message: str
    chain: tuple[ErrorDetail, ...] = field(default=())

    def codes(self) -> list[int]:
        """This code followed by the codes of its chain."""
        own = [self.code] if self.code is not None else []
        return own + [c for d in self.chain for c in d.codes()]


class CloudflareError(ActionError):
    """An API request failed for good (after the retries it was allowed)."""

    def __init__(self, message: str, *, method: str, path: str, hint: str = "") -> None:
        self.method = method
        self.path = path
        self.hint = hint
        super().__init__(message, title="Cloudflare API")

    def with_hint(self, hint: str) -> Self:
        """The same failure with other advice (for a caller that knows more than the client)."""
        # Exceptions copy through their constructor's arguments; copy the attributes instead.
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.args = self.args
        other.hint = hint
        return other


class APIError(CloudflareError):
    """Cloudflare answered, and the answer was an error.

    ``status`` is the HTTP status; ``errors`` the envelope's errors (with ``error_chain``);
    ``body_excerpt`` the start of a body that was not a JSON envelope (an HTML 52x page).
    Retrying is safe only for the subclasses the client retries (429, 5xx).
    """

    def __init__(
        self,
        *,
        status: int,
        method: str,
        path: str,
        errors: Sequence[ErrorDetail] = (),
        messages: Sequence[str] = (),
        body_excerpt: str = "",
        hint: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.errors = tuple(errors)
        self.messages = tuple(messages)
        self.body_excerpt = body_excerpt
        self.retry_after = retry_after
        super().__init__(self._describe(status, method, path), method=method, path=path, hint=hint)
        codes = self.codes()
        self.title = f"Cloudflare error {codes[0]}" if codes else f"Cloudflare HTTP {status}"

    def codes(self) -> list[int]:
        """Every error code in the envelope, chains included, in order."""
        return [c for e in self.errors for c in e.codes()]

    def _describe(self, status: int, method: str, path: str) -> str:
        parts = []
        for error in self.errors:
            text = f"{error.message} ({error.code})" if error.code is not None else error.message
            for link in error.chain:
                text += f" → {link.message} ({link.code})"
            parts.append(text)
        if not parts:
            parts.append(self.body_excerpt or "no error details in the response")
        return f"{'; '.join(parts)} [HTTP {status} on {method} {path}]"


class AuthError(APIError):
    """The credentials were rejected. Never retried: the same headers fail the same way."""


class PermissionDeniedError(APIError):
    """The credentials are valid but lack a permission or the resource is out of scope."""


class NotFoundError(APIError):
    """Cloudflare does not know an identifier in the path (often a name where an ID belongs)."""


class RateLimitError(APIError):
    """HTTP 429 on every attempt. ``retry_after`` is the last ``Retry-After`` seen, if any."""


class ServerError(APIError):
    """A 5xx status or an HTML error page on every attempt."""


class TransportError(CloudflareError):
    """No HTTP answer: timeouts or connection errors on every attempt. The request may or may
    not have reached Cloudflare."""
