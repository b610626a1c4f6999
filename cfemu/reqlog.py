"""The record of API requests the emulator received, for tests to inspect."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .headers import find_header

MASKED_HEADERS = frozenset({"authorization", "x-auth-key"})
MAX_LOGGED_BODY = 64 * 1024


def parse_json_body(body: bytes) -> Any:
    """The decoded JSON body, or None when the body is empty or not JSON."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


@dataclass(frozen=True)
class LoggedRequest:
    """One API request and how it was answered.

    ``status`` is None when a "drop" fault closed the connection; ``fault`` names the
    fault kind applied, if any. ``at`` is time.monotonic() when the request was logged,
    so tests can check client backoff between attempts.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any
    status: int | None
    fault: str | None
    client_ip: str = ""
    at: float = field(default_factory=time.monotonic)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        return find_header(self.headers, name)

    def to_json(self, max_body: int = MAX_LOGGED_BODY) -> dict[str, Any]:
        """JSON-safe view for the admin endpoint: secrets masked, big bodies omitted."""
        omitted = len(self.body) > max_body
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": {
                key: "***" if key.lower() in MASKED_HEADERS else value
                for key, value in self.headers.items()
            },
            "body": None if omitted else self.body.decode("utf-8", errors="replace"),
            "body_size": len(self.body),
            "body_omitted": omitted,
            "json": None if omitted else self.json,
            "status": self.status,
            "fault": self.fault,
            "client_ip": self.client_ip,
        }


class RequestLog(list[LoggedRequest]):
    """A list of LoggedRequest whose writes are serialised across handler threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def append(self, item: LoggedRequest, /) -> None:
        with self._lock:
            super().append(item)

    def clear(self) -> None:
        with self._lock:
            super().clear()

    def snapshot(self) -> list[LoggedRequest]:
        """A stable copy to iterate over while requests keep arriving."""
        with self._lock:
            return list(self)
