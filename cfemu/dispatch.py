"""Run one API request through faults, routing, authentication and its handler."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from . import errors
from .app import Request, Response, error_response
from .auth import authenticate
from .errors import ReplyError
from .faults import FaultSet, render_fault
from .reqlog import LoggedRequest, RequestLog, parse_json_body
from .routing import RequestContext, Router
from .state import State

_log = logging.getLogger(__name__)


class Dispatcher:
    """Turns a Request into a Response (or None: drop the connection) and logs it."""

    def __init__(
        self,
        state: State,
        router: Router,
        faults: FaultSet,
        log: RequestLog,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = state
        self.router = router
        self.faults = faults
        self.log = log
        self._sleep = sleep

    def handle(self, request: Request) -> Response | None:
        fault = self.faults.take(request.method, request.path)
        response: Response | None
        if fault is None:
            response = self._serve(request)
        elif fault.kind == "latency":
            self._sleep(fault.delay)
            response = self._serve(request)
        elif fault.kind == "lose_answer":
            self._serve(request)
            response = None
        else:
            # Answered before routing, so a faulted request never touches state.
            response = render_fault(fault)
        self.log.append(
            LoggedRequest(
                method=request.method,
                path=request.path,
                query=request.query,
                headers=request.headers,
                body=request.body,
                json=parse_json_body(request.body),
                status=None if response is None else response.status,
                fault=None if fault is None else fault.kind,
                client_ip=request.client_ip,
            )
        )
        return response

    def _serve(self, request: Request) -> Response:
        found = self.router.match(request.method, request.path) if request.prefixed else None
        if found is None:
            return error_response(errors.no_route(request.full_path))
        route, params = found
        try:
            with self.state.lock:
                principal = authenticate(request, self.state, route.auth)
                self.state.check_global_limit(principal.credential)
                return route.handler(RequestContext(request, self.state, principal, params))
        except ReplyError as exc:
            return error_response(exc)
        except Exception:
            _log.exception("emulator handler failed: %s %s", request.method, request.path)
            return error_response(errors.internal_error())
