"""HTTP request and response types and the Cloudflare v4 envelope."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ReplyError, malformed_json
from .headers import find_header

__all__ = [
    "API_PREFIX",
    "Request",
    "Response",
    "error_response",
    "json_response",
    "new_ray",
    "ok",
]

API_PREFIX = "/client/v4"


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


def error_response(error: ReplyError, headers: Mapping[str, str] | None = None) -> Response:
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
