"""Unauthenticated /__emulator endpoints for inspecting the log and injecting faults."""

from __future__ import annotations

import json
from typing import Any

from .app import Response, json_response
from .faults import Fault, FaultSet
from .reqlog import RequestLog

ADMIN_PREFIX = "/__emulator"


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def handle_admin(
    method: str, path: str, body: bytes, faults: FaultSet, log: RequestLog
) -> Response:
    endpoint = path[len(ADMIN_PREFIX) :].rstrip("/")
    method = method.upper()
    if endpoint == "/health" and method == "GET":
        return _ok()
    if endpoint == "/log" and method == "GET":
        return json_response(200, [entry.to_json() for entry in log.snapshot()])
    if endpoint == "/log" and method == "DELETE":
        log.clear()
        return _ok()
    if endpoint == "/faults" and method == "GET":
        return json_response(200, [fault.to_json() for fault in faults.active()])
    if endpoint == "/faults" and method == "POST":
        return _add_fault(body, faults)
    if endpoint == "/faults" and method == "DELETE":
        faults.clear()
        return _ok()
    return json_response(404, {"ok": False, "error": f"no admin endpoint {method} {path}"})


def _add_fault(body: bytes, faults: FaultSet) -> Response:
    try:
        fault = Fault.from_json(json.loads(body or b"null"))
    except (ValueError, TypeError) as exc:
        return json_response(400, {"ok": False, "error": str(exc)})
    faults.add(fault)
    return _ok(fault=fault.to_json())


def _ok(**extra: Any) -> Response:
    return json_response(200, {"ok": True, **extra})
