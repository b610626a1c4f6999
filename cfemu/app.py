"""Request and response types, the Cloudflare v4 envelope and the route table."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from .errors import ApiError, ErrorDetail, malformed_json
from .headers import find_header

if TYPE_CHECKING:
    from .auth import Principal
    from .state import State

__all__ = [
    "API_PREFIX",
    "ID_PATTERN",
    "ApiError",
    "AuthMode",
    "Context",
    "ErrorDetail",
    "Handler",
    "Request",
    "Response",
    "Route",
    "Router",
    "error_response",
    "json_response",
    "new_ray",
    "ok",
]

API_PREFIX = "/client/v4"
# Use inside route patterns: a path segment that is a Cloudflare identifier. A malformed
# identifier then fails to match any route, which yields the real 7003/7000 answer.
ID_PATTERN = r"[0-9a-f]{32}"


@dataclass(frozen=True)
class Request:
    """One API request; ``path`` excludes the /client/v4 prefix when ``prefixed``."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    client_ip: str
    prefixed: bool = True

    @property
    def full_path(self) -> str:
        """The path as the client sent it (what Cloudflare quotes in 7003 errors)."""
        return API_PREFIX + self.path if self.prefixed else self.path

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        return find_header(self.headers, name)

    def param(self, name: str) -> str | None:
        """First value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        """Parse the body as JSON; malformed bodies become Cloudflare's 6007 error."""
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise malformed_json() from exc


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def new_ray() -> str:
    """A cf-ray value: 16 hex digits plus a marker naming this emulator as the colo."""
    return secrets.token_hex(8) + "-EMU"


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status=status, body=body, headers=dict(headers or {}))


def ok(
    result: Any,
    result_info: Mapping[str, Any] | None = None,
    messages: Iterable[Mapping[str, Any]] = (),
    status: int = 200,
) -> Response:
    """A success envelope."""
    payload: dict[str, Any] = {
        "success": True,
        "errors": [],
        "messages": [dict(m) for m in messages],
        "result": result,
    }
    if result_info is not None:
        payload["result_info"] = dict(result_info)
    return json_response(status, payload)


def error_response(error: ApiError, headers: Mapping[str, str] | None = None) -> Response:
    """A failure envelope: success false, at least one error, result null.

    The response carries the error's own headers, then ``headers`` (which win).
    """
    payload = {
        "success": False,
        "errors": [e.to_json() for e in error.errors],
        "messages": [],
        "result": None,
    }
    return json_response(error.status, payload, {**error.headers, **(headers or {})})


class AuthMode(Enum):
    """How a route authenticates its caller."""

    NONE = "none"
    STANDARD = "standard"
    # Token verify endpoints: tokens only, unknown tokens get 401 1000, and disabled or
    # expired tokens are let through so the handler can report their status.
    TOKEN_VERIFY = "token_verify"


@dataclass(frozen=True)
class Context:
    """What a handler gets: the request, the state, the caller and the path groups."""

    request: Request
    state: State
    principal: Principal
    params: dict[str, str]


Handler = Callable[[Context], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: AuthMode


class Router:
    """Maps method + path regex (full match, named groups become params) to handlers."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        auth: AuthMode = AuthMode.STANDARD,
    ) -> None:
        self._routes.append(Route(method.upper(), re.compile(pattern), handler, auth))

    def route(
        self, method: str, pattern: str, auth: AuthMode = AuthMode.STANDARD
    ) -> Callable[[Handler], Handler]:
        """Decorator form of add()."""

        def decorate(handler: Handler) -> Handler:
            self.add(method, pattern, handler, auth)
            return handler

        return decorate

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """First route whose method and pattern match; None if nothing does."""
        for route in self._routes:
            if route.method != method.upper():
                continue
            found = route.pattern.fullmatch(path)
            if found is not None:
                return route, found.groupdict()
        return None

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)
