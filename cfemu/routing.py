"""What route handlers receive (RequestContext) and how a request finds its handler (Router)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .app import Request, Response
from .auth import AuthMode, Principal
from .state import State

__all__ = [
    "ID_PATTERN",
    "Handler",
    "RequestContext",
    "Route",
    "Router",
]

# Use inside route patterns: a path segment that is a Cloudflare identifier. A malformed
# identifier then fails to match any route, which yields the real 7003/7000 answer.
ID_PATTERN = r"[0-9a-f]{32}"


@dataclass(frozen=True)
class RequestContext:
    """What a handler gets: the request, the state, the caller and the path groups."""

    request: Request
    state: State
    principal: Principal
    params: dict[str, str]


Handler = Callable[[RequestContext], Response]


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
