"""Fault injection: describe failures, decide which request gets one, and render it."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from .app import Response, error_response, new_ray
from .errorpage import error_title, render_error_page
from .errors import THROTTLE_CODE, THROTTLE_MESSAGE, ReplyError

__all__ = [
    "FAULT_KINDS",
    "SERVER_ERROR_CODE",
    "THROTTLE_CODE",
    "THROTTLE_MESSAGE",
    "Fault",
    "FaultKind",
    "FaultSet",
    "format_retry_after",
    "render_fault",
]

FaultKind = Literal["status", "html", "empty", "latency", "drop", "lose_answer"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)

# Cloudflare publishes no code for its own 5xx answers; 10001 is our stand-in.
SERVER_ERROR_CODE = 10001


@dataclass(frozen=True)
class Fault:
    """One injected failure.

    kind: "status" answers a JSON failure envelope; "html" a Cloudflare HTML error page;
    "empty" the status with an empty body; "latency" sleeps ``delay`` seconds and then
    serves the request normally; "drop" closes the connection without answering;
    "lose_answer" serves the request (its changes take effect) and then closes the
    connection without answering, as when a response is lost on the way back.
    code/message default to 971 "Please wait and consider throttling your request speed"
    for 429 and to 10001 plus the status's title (e.g. "Internal server error") otherwise;
    an "html" page shows ``message`` (escaped) as its title instead of the status's.
    method/path (a regex searched in the path without /client/v4) select requests; None
    matches all. The first ``skip`` matching requests pass, then ``times`` are faulted
    (0 = forever).
    """

    kind: FaultKind
    status: int = 500
    code: int | None = None
    message: str | None = None
    retry_after: float | None = None
    delay: float = 0.0
    method: str | None = None
    path: str | None = None
    skip: int = 0
    times: int = 1

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {self.kind!r}")
        _check_int("status", self.status, 100, 599)
        if self.code is not None:
            _check_int("code", self.code, 0)
        _check_int("skip", self.skip, 0)
        _check_int("times", self.times, 0)
        _check_number("delay", self.delay)
        if self.retry_after is not None:
            _check_number("retry_after", self.retry_after)
        for name in ("message", "method", "path"):
            if not isinstance(getattr(self, name), str | None):
                raise ValueError(f"fault {name} must be a string or null")
        if self.path is not None:
            try:
                re.compile(self.path)
            except re.error as exc:
                raise ValueError(f"fault path is not a valid regex: {exc}") from exc

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Build a Fault from a decoded JSON object; raise ValueError on bad input."""
        if not isinstance(data, Mapping):
            raise ValueError("a fault must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(map(str, unknown))}")
        if "kind" not in data:
            raise ValueError("a fault needs a kind")
        return cls(**data)


def _check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"fault {name} must be an integer")
    if value < low or (high is not None and value > high):
        raise ValueError(f"fault {name} out of range: {value}")


def _check_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"fault {name} must be a non-negative number")


@dataclass
class _Armed:
    fault: Fault
    seen: int = 0
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.fault.times != 0 and self.fired >= self.fault.times


class FaultSet:
    """The active faults, in the order they were added.

    Every live fault that matches a request counts it; the first of them that is past its
    ``skip`` fires, so at most one fault applies to any request. Exhausted faults are
    dropped.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._armed.append(_Armed(fault))
        return fault

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return [armed.fault for armed in self._armed]

    def take(self, method: str, path: str) -> Fault | None:
        """Count this request against the matching faults and return the one to apply."""
        chosen: Fault | None = None
        with self._lock:
            for armed in self._armed:
                if not armed.fault.matches(method, path):
                    continue
                armed.seen += 1
                if chosen is None and armed.seen > armed.fault.skip:
                    armed.fired += 1
                    chosen = armed.fault
            self._armed = [armed for armed in self._armed if not armed.exhausted]
        return chosen


def format_retry_after(seconds: float) -> str:
    """Whole seconds print as an integer, as servers normally send them."""
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def render_fault(fault: Fault) -> Response | None:
    """The response a non-latency fault produces; None means drop the connection."""
    if fault.kind == "drop":
        return None
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = format_retry_after(fault.retry_after)
    if fault.kind == "empty":
        return Response(status=fault.status, headers=headers)
    if fault.kind == "html":
        ray = new_ray()
        headers["cf-ray"] = ray
        return Response(
            status=fault.status,
            body=render_error_page(fault.status, ray, title=fault.message),
            content_type="text/html; charset=UTF-8",
            headers=headers,
        )
    if fault.kind == "status":
        throttled = fault.status == 429
        code = fault.code
        if code is None:
            code = THROTTLE_CODE if throttled else SERVER_ERROR_CODE
        message = fault.message
        if message is None:
            message = THROTTLE_MESSAGE if throttled else error_title(fault.status)
        return error_response(ReplyError.single(fault.status, code, message), headers)
    raise ValueError(f"fault kind {fault.kind!r} has no response of its own")
