"""The Emulator: a threaded HTTP/1.1 server that exposes the emulated API on localhost."""

from __future__ import annotations

import contextlib
import re
import socket
import sys
import threading
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from .admin import handle_admin, is_admin_path
from .app import API_PREFIX, Request, Response, error_response, new_ray
from .dispatch import Dispatcher
from .errorpage import error_title
from .errors import ReplyError
from .faults import FaultSet
from .github import GITHUB_PREFIX, GitHubState
from .reqlog import LoggedRequest, RequestLog
from .routes import build_router
from .routes.github import handle as handle_github
from .routing import Router
from .state import State
from .workerd import check_boots
from .workers import WorkerVersion

_MAX_LINE = 65536


class _Server(ThreadingHTTPServer):
    """Also tracks open connections, so stop() can end idle keep-alive ones at once."""

    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 makes bursts of parallel clients wait a second
    # for a SYN retransmit.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        dispatcher: Dispatcher,
        faults: FaultSet,
        log: RequestLog,
        verbose: bool,
        github: GitHubState | None = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.dispatcher = dispatcher
        self.faults = faults
        self.log = log
        self.verbose = verbose
        self.github = github or GitHubState()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients would
    # wait ~40 ms (delayed ACK) for every response body.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        """The Server header Cloudflare sends."""
        return "cloudflare"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    @property
    def _server(self) -> _Server:
        return cast(_Server, self.server)

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(error_response(ReplyError.single(400, 6003, "Invalid request headers")))
            return
        split = urllib.parse.urlsplit(self.path)
        server = self._server
        if is_admin_path(split.path):
            self._send(handle_admin(self.command, split.path, body, server.faults, server.log))
            return
        prefixed = split.path.startswith(API_PREFIX + "/")
        request = Request(
            method=self.command,
            path=split.path[len(API_PREFIX) :] if prefixed else split.path,
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers=self._header_dict(),
            body=body,
            client_ip=str(self.client_address[0]),
            prefixed=prefixed,
        )
        if not prefixed and split.path.startswith(GITHUB_PREFIX + "/"):
            response = handle_github(server.github, request)  # the GitHub API beside it
        else:
            response = server.dispatcher.handle(request)
        if response is None:
            self._drop()
        else:
            self._send(response)

    def _header_dict(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers.setdefault(name, value)
        return headers

    def _read_body(self) -> bytes:
        """Read a Content-Length or chunked body; ValueError if it is malformed."""
        encoding = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in encoding:
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        size = int(length)
        if size < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(size)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            line = self.rfile.readline(_MAX_LINE)
            size = int(line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # discard trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(_MAX_LINE)

    def _send(self, response: Response) -> None:
        headers = dict(response.headers)
        headers.setdefault("cf-ray", new_ray())
        try:
            self.send_response(response.status, _reason(response.status))
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout fired during a latency fault).
            self.close_connection = True

    def _drop(self) -> None:
        """Close the connection without a byte of response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        if self._server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return error_title(status)


def _workerd_check(binary: Path | str) -> Callable[[WorkerVersion], str | None]:
    """State.boot_check that starts each version in workerd: None when it comes up, else the
    first lines of what workerd printed (an uncaught error, a module it cannot find)."""

    def check(version: WorkerVersion) -> str | None:
        result = check_boots(binary, version)
        if result.ok:
            return None
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return "\n".join(lines[:6]) or f"The script failed to start (exit {result.exit_code})."

    return check


class Emulator:
    """A local, stateful Cloudflare v4 API.

    Use as a context manager, or call start() and stop(). ``base_url`` ends in /client/v4;
    ``root_url`` is where the /__emulator admin endpoints live. With ``workerd`` (the path
    of a workerd binary), every uploaded version is started in workerd first, and one that
    fails to start is refused with 10021 as Cloudflare refuses it.
    """

    def __init__(
        self,
        state: State | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verbose: bool = False,
        workerd: Path | str | None = None,
    ) -> None:
        self.state = state if state is not None else State()
        if workerd is not None:
            self.state.boot_check = _workerd_check(workerd)
        self.host = host
        self.faults = FaultSet()
        self.log = RequestLog()
        self.github = GitHubState()
        """The GitHub REST API served under ``github_url`` (cfemu.github)."""
        self.router: Router = build_router()
        self.verbose = verbose
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Emulator:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        dispatcher = Dispatcher(self.state, self.router, self.faults, self.log)
        self._server = _Server(
            (self.host, self._requested_port),
            dispatcher,
            self.faults,
            self.log,
            self.verbose,
            self.github,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="cfaction-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIX

    @property
    def github_url(self) -> str:
        """The root of the emulated GitHub API (``github_api_url``)."""
        return self.root_url + GITHUB_PREFIX

    def clear_log(self) -> None:
        self.log.clear()

    def requests(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """Logged requests, optionally only one method and paths where regex path is found."""
        pattern = re.compile(path) if path is not None else None
        return [
            entry
            for entry in self.log.snapshot()
            if (method is None or entry.method.upper() == method.upper())
            and (pattern is None or pattern.search(entry.path))
        ]
