"""A client for the esbuild binary's service protocol, with plugins answered in Python.

esbuild's own JavaScript API does not bundle in JavaScript: it starts the Go binary as
``esbuild --service=<version> --ping`` and talks to it over stdin/stdout (evanw/esbuild
lib/npm/node.ts). This module speaks the same protocol, so a build here is the build
wrangler asks for through the JS API, plugins included, without Node.

The protocol (evanw/esbuild lib/shared/stdio_protocol.ts and cmd/esbuild/stdio_protocol.go):

* The binary first writes its version, length-prefixed (a little-endian u32, then the bytes).
* Then both sides exchange *packets*: a u32 length, a u32 ``id << 1 | is_response``, and one
  value. A value is a type byte and its payload: 0 null, 1 bool (one byte), 2 int (i32),
  3 string and 4 bytes (u32 length + bytes), 5 array and 6 map (u32 count + items; a map
  key is a length-prefixed string). Both sides send requests; every request gets a response
  with its id, and a response ``{"error": text}`` means the request failed.
* The host sends ``build`` (evanw/esbuild lib/shared/common.ts ``buildOrContextImpl``): entry
  points, CLI-style flags (the very strings ``esbuild`` takes on its command line), and the
  plugins' hooks as ``{id, filter, namespace}``. While the build runs, esbuild asks the host
  ``on-start``, ``on-resolve`` (with the ids of the hooks whose filter matched) and ``on-load``,
  and the host may ask ``resolve`` (a plugin's ``build.resolve``). With ``--ping`` esbuild also
  sends ``ping`` every second, so it notices a host that went away
  (evanw/esbuild cmd/esbuild/service.go ``runService``).

Values a plugin attaches as ``plugin_data`` never cross the pipe: like the JS API's object
stash, this side keeps them and sends an integer that esbuild hands back.

Usage::

    with Esbuild(binary, expected_version="0.27.3") as esbuild:
        result = esbuild.build(
            [("", "src/index.ts")],
            ["--bundle", "--format=esm", "--metafile", "--outdir=dist"],
            working_dir=project,
            plugins=[plugin],
        )
    if result.errors:
        ...
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeAlias, TypeVar

from cfaction.errors import ActionError

MAX_PACKET_BYTES = 512 * 1024 * 1024
"""The largest packet read from esbuild; a longer length prefix is treated as a broken
stream rather than allocated (real packets are the size of the bundle)."""
MAX_NESTING = 64
"""The deepest array/map nesting decoded; esbuild's own packets nest a few levels."""
STDERR_TAIL_BYTES = 64 * 1024
"""How much of esbuild's stderr is kept to explain a crash (its Go panic, a usage error)."""
CLOSE_GRACE_SECONDS = 10.0
"""How long ``close`` waits for esbuild to exit on end of input before it kills it."""

Value: TypeAlias = bool | int | str | bytes | list["Value"] | dict[str, "Value"] | None
"""One protocol value as decoded: JSON plus a bytes type."""

_VERSION = re.compile(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?")
_T = TypeVar("_T")
_C = TypeVar("_C", bound=Callable[..., object])
_A = TypeVar("_A")
_R = TypeVar("_R")


# --- Errors -------------------------------------------------------------------------------


class EsbuildError(ActionError):
    """esbuild could not be used: the message says what went wrong and what to do."""

    title = "esbuild"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class EsbuildUnavailableError(EsbuildError):
    """The binary is missing, not executable, not for this machine, or not esbuild."""


class EsbuildVersionError(EsbuildError):
    """The binary is another esbuild version than the one asked for (or than it claims)."""


class EsbuildTimeoutError(EsbuildError):
    """esbuild did not answer in time; the process was killed."""


class EsbuildServiceError(EsbuildError):
    """The service process died, was closed, or broke the protocol."""


class EsbuildRequestError(EsbuildError):
    """esbuild refused a request (e.g. an unknown flag, an invalid filter, a bad ``kind``)."""


# --- Packet codec ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Packet:
    """One protocol packet: ``id`` pairs a response with its request."""

    id: int
    is_request: bool
    value: Value


def encode_packet(packet: Packet) -> bytes:
    """The packet with its length prefix, ready for the pipe.

    Raises ``TypeError`` for a value the protocol cannot carry, ``ValueError`` for an int
    outside 32 bits.
    """
    return _encode(packet.id, packet.is_request, packet.value)


def _encode(packet_id: int, is_request: bool, value: object) -> bytes:
    if not 0 <= packet_id < 1 << 31:
        raise ValueError(f"packet id out of range: {packet_id}")
    out = bytearray(8)
    _encode_value(value, out, 0)
    struct.pack_into("<II", out, 0, len(out) - 4, packet_id << 1 | (not is_request))
    return bytes(out)


def _encode_value(value: object, out: bytearray, depth: int) -> None:
    if depth > MAX_NESTING:
        raise ValueError("value nested too deeply")
    if value is None:
        out.append(0)
    elif isinstance(value, bool):
        out += bytes((1, value))
    elif isinstance(value, int):
        # JS sends `value | 0` and Go reads a u32: both halves of the 32-bit range arrive.
        if not -(1 << 31) <= value < 1 << 32:
            raise ValueError(f"int outside 32 bits: {value}")
        out.append(2)
        out += struct.pack("<I", value & 0xFFFFFFFF)
    elif isinstance(value, str):
        out.append(3)
        _encode_bytes(value.encode("utf-8"), out)
    elif isinstance(value, bytes | bytearray | memoryview):
        out.append(4)
        _encode_bytes(bytes(value), out)
    elif isinstance(value, list | tuple):
        out.append(5)
        out += struct.pack("<I", len(value))
        for item in value:
            _encode_value(item, out, depth + 1)
    elif isinstance(value, dict):
        out.append(6)
        out += struct.pack("<I", len(value))
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"map key must be a string, not {type(key).__name__}")
            _encode_bytes(key.encode("utf-8"), out)
            _encode_value(item, out, depth + 1)
    else:
        raise TypeError(f"the esbuild protocol cannot carry a {type(value).__name__}")


def _encode_bytes(data: bytes, out: bytearray) -> None:
    out += struct.pack("<I", len(data))
    out += data


def decode_packet(body: bytes) -> Packet:
    """A packet from its bytes (without the length prefix); ``EsbuildServiceError`` if they
    are not exactly one well-formed packet."""
    reader = _Reader(body)
    raw_id = reader.u32()
    value = reader.value(0)
    if reader.offset != len(body):
        raise EsbuildServiceError(
            f"invalid packet from esbuild: {len(body) - reader.offset} bytes after the value"
        )
    return Packet(id=raw_id >> 1, is_request=not raw_id & 1, value=value)


class _Reader:
    """A cursor over one packet's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.offset = 0

    def take(self, size: int) -> memoryview:
        end = self.offset + size
        if end > len(self.data):
            raise EsbuildServiceError("invalid packet from esbuild: it ends inside a value")
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def u32(self) -> int:
        value: int = struct.unpack("<I", self.take(4))[0]
        return value

    def text(self) -> str:
        try:
            return str(self.take(self.u32()), "utf-8")
        except UnicodeDecodeError as error:
            raise EsbuildServiceError(f"invalid packet from esbuild: {error}") from None

    def value(self, depth: int) -> Value:
        if depth > MAX_NESTING:
            raise EsbuildServiceError("invalid packet from esbuild: nested too deeply")
        kind = self.take(1)[0]
        if kind == 0:
            return None
        if kind == 1:
            return self.take(1)[0] != 0
        if kind == 2:
            # Signed, as the JS API of 0.27 reads it: esbuild's "-1 means undefined".
            number: int = struct.unpack("<i", self.take(4))[0]
            return number
        if kind == 3:
            return self.text()
        if kind == 4:
            return bytes(self.take(self.u32()))
        if kind == 5:
            return [self.value(depth + 1) for _ in range(self.u32())]
        if kind == 6:
            items: dict[str, Value] = {}
            for _ in range(self.u32()):
                key = self.text()
                items[key] = self.value(depth + 1)
            return items
        raise EsbuildServiceError(f"invalid packet from esbuild: unknown value type {kind}")


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next length-prefixed frame from ``stream``; ``None`` at end of stream between
    frames. A frame cut short, or longer than ``MAX_PACKET_BYTES``, is an
    ``EsbuildServiceError``."""
    head = _read_exactly(stream, 4)
    if not head:
        return None
    if len(head) < 4:
        raise EsbuildServiceError("esbuild's output ended inside a packet length")
    (length,) = struct.unpack("<I", head)
    if length > MAX_PACKET_BYTES:
        raise EsbuildServiceError(
            f"esbuild sent a packet of {length} bytes, over the {MAX_PACKET_BYTES} byte limit:"
            " the stream is broken"
        )
    body = _read_exactly(stream, length)
    if len(body) < length:
        raise EsbuildServiceError("esbuild's output ended inside a packet")
    return body


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    missing = size
    while missing:
        chunk = stream.read(missing)
        if not chunk:
            break
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


# --- Results and plugin types ------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a message points: ``line`` counts from 1, ``column`` from 0 in UTF-8 bytes."""

    file: str
    line: int
    column: int
    line_text: str


@dataclass(frozen=True)
class Message:
    """An error or warning from esbuild or from a plugin (``plugin_name``)."""

    text: str
    location: Location | None = None
    notes: tuple[str, ...] = ()
    plugin_name: str = ""

    def __str__(self) -> str:
        """One line, as esbuild's JS API words a build failure: ``file:line:column: text``."""
        text = f"[plugin: {self.plugin_name}] {self.text}" if self.plugin_name else self.text
        if self.location is None:
            return text
        where = self.location
        return f"{where.file}:{where.line}:{where.column}: {text}"


@dataclass(frozen=True)
class OutputFile:
    """One output file, kept in memory when the build ran with ``write=False``."""

    path: str
    contents: bytes
    hash: str = ""

    @property
    def text(self) -> str:
        return self.contents.decode("utf-8")


@dataclass(frozen=True)
class BuildResult:
    """What one build produced. A failed build has ``errors`` (and usually no outputs);
    ``metafile`` is the parsed ``--metafile`` JSON, ``stdout`` the output esbuild would have
    printed (``write=True`` without ``--outfile``/``--outdir``)."""

    errors: tuple[Message, ...]
    warnings: tuple[Message, ...]
    output_files: tuple[OutputFile, ...]
    metafile: dict[str, Any] | None
    stdout: bytes | None = None


@dataclass(frozen=True)
class ResolveArgs:
    """What esbuild asks an ``on_resolve`` callback: ``kind`` is e.g. ``import-statement``
    or ``entry-point``, ``with_`` the import attributes."""

    path: str
    importer: str
    namespace: str
    resolve_dir: str
    kind: str
    plugin_data: Any
    with_: dict[str, str]


@dataclass(frozen=True)
class ResolveResult:
    """An ``on_resolve`` answer; fields left ``None`` are not sent, so esbuild keeps its
    default. ``errors``/``warnings`` are message texts attributed to the plugin."""

    path: str | None = None
    external: bool | None = None
    namespace: str | None = None
    side_effects: bool | None = None
    suffix: str | None = None
    plugin_data: Any = None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadArgs:
    """What esbuild asks an ``on_load`` callback."""

    path: str
    namespace: str
    suffix: str
    plugin_data: Any
    with_: dict[str, str]


@dataclass(frozen=True)
class LoadResult:
    """An ``on_load`` answer: the module's ``contents`` and how to read them (``loader``:
    ``js``, ``ts``, ``text``, ...; ``resolve_dir``: where its own imports resolve from).
    ``contents`` may be left ``None`` by an answer that only reports ``errors``."""

    contents: bytes | str | None = None
    loader: str | None = None
    resolve_dir: str | None = None
    plugin_data: Any = None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolved:
    """What ``PluginBuild.resolve`` found: esbuild's answer, after every other plugin's
    ``on_resolve`` had its say. ``path`` is empty when nothing resolved (see ``errors``)."""

    path: str
    external: bool
    namespace: str
    suffix: str
    side_effects: bool
    errors: tuple[Message, ...]
    warnings: tuple[Message, ...] = ()
    plugin_data: Any = None


@dataclass
class Plugin:
    """A plugin: hooks as ``(filter, namespace, callback)``.

    ``filter`` is a Go regular expression (esbuild matches it on the Go side, so only matching
    paths cost a round trip); ``namespace`` ``""`` matches every namespace. Callbacks run on a
    small pool of threads, several at once; a callback that returns ``None`` passes to the
    next matching hook, one that raises fails the build with its message, attributed to the
    plugin.
    """

    name: str
    on_resolve: list[tuple[str, str, OnResolveCallback]] = field(default_factory=list)
    on_load: list[tuple[str, str, OnLoadCallback]] = field(default_factory=list)


class PluginBuild:
    """Given to every callback, for requests back to esbuild during the build."""

    def __init__(self, build: _Build, plugin_name: str) -> None:
        self._build = build
        self.plugin_name = plugin_name

    def resolve(
        self,
        path: str,
        *,
        kind: str,
        resolve_dir: str,
        importer: str = "",
        namespace: str = "file",
        plugin_data: Any = None,
        with_: Mapping[str, str] | None = None,
    ) -> Resolved:
        """Resolve ``path`` as esbuild would for an import of ``kind`` from ``importer`` in
        ``resolve_dir``, running every plugin's ``on_resolve`` (this one's included: pass
        ``plugin_data`` to recognise your own request). Blocks until esbuild answers."""
        return self._build.resolve(
            self.plugin_name, path, kind, resolve_dir, importer, namespace, plugin_data, with_
        )


OnResolveCallback: TypeAlias = Callable[[ResolveArgs, PluginBuild], ResolveResult | None]
OnLoadCallback: TypeAlias = Callable[[LoadArgs, PluginBuild], LoadResult | None]


# --- The service --------------------------------------------------------------------------


def binary_version(binary: Path, *, timeout: float = 30.0) -> str:
    """The version ``binary --version`` prints, e.g. ``0.27.3``.

    ``EsbuildUnavailableError`` if it cannot run or prints no version,
    ``EsbuildTimeoutError`` if it does not answer within ``timeout`` seconds.
    """
    try:
        done = subprocess.run(
            [str(binary), "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise EsbuildTimeoutError(
            f"{binary} --version did not answer within {timeout:g} s: is it esbuild?"
        ) from None
    except OSError as error:
        raise _cannot_run(binary, error) from None
    printed = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not _VERSION.fullmatch(printed):
        said = printed or done.stderr.decode("utf-8", "replace").strip()
        raise EsbuildUnavailableError(
            f"{binary} is not an esbuild binary: `--version` exited with {done.returncode}"
            f" and printed {said[:200]!r}. Give the path of esbuild's own binary (the"
            " @esbuild/<platform> npm package's bin/esbuild)."
        )
    return printed


def _cannot_run(binary: Path, error: OSError) -> EsbuildUnavailableError:
    if isinstance(error, FileNotFoundError):
        problem = "does not exist"
        fix = "Install it (npm install esbuild@<version>) or give the path of its binary."
    elif isinstance(error, PermissionError):
        problem = "is not an executable file"
        fix = "Make it executable (chmod +x) or give the path of the binary itself."
    else:
        problem = f"cannot be run ({error.strerror or error})"
        fix = "Install the @esbuild/<platform> package that matches this OS and CPU."
    return EsbuildUnavailableError(f"esbuild binary {binary} {problem}. {fix}")


class Esbuild:
    """One running esbuild service process; use it as a context manager.

    ``timeout`` bounds the start and each whole build (plugin callbacks included): when it
    runs out the process is killed and ``EsbuildTimeoutError`` raised, and the instance is
    unusable after. ``expected_version`` makes any other version an ``EsbuildVersionError``.
    Builds may run from several threads at once; ``plugin_threads`` callbacks run at once at
    most (not counting those waiting in ``PluginBuild.resolve``).
    """

    def __init__(
        self,
        binary: Path,
        *,
        timeout: float = 120.0,
        expected_version: str | None = None,
        plugin_threads: int = 4,
    ) -> None:
        self.binary = Path(binary)
        self.timeout = timeout
        self.version = binary_version(self.binary, timeout=min(timeout, 30.0))
        if expected_version is not None and self.version != expected_version:
            raise EsbuildVersionError(
                f"esbuild binary {self.binary} is version {self.version}, not"
                f" {expected_version}: install esbuild@{expected_version} or give the path of"
                " that version's binary."
            )
        self._service = _Service(self.binary, self.version, timeout, plugin_threads)
        # The process dies with this object (or at interpreter exit) even if close is missed.
        weakref.finalize(self, self._service.kill, EsbuildServiceError("discarded unclosed"))
        self._next_key = 0
        self._key_lock = threading.Lock()

    def __enter__(self) -> Esbuild:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pid(self) -> int:
        return self._service.pid

    @property
    def running(self) -> bool:
        """Whether the esbuild process is still alive."""
        return self._service.running

    def build(
        self,
        entries: Sequence[tuple[str, str]],
        flags: Sequence[str],
        *,
        working_dir: Path,
        plugins: Sequence[Plugin] = (),
        write: bool = False,
        node_paths: Sequence[str | Path] = (),
    ) -> BuildResult:
        """Run one build and return its messages and outputs.

        ``entries`` are ``(output_path, input_path)`` pairs (``""`` for esbuild's default
        output name). ``flags`` go to esbuild verbatim: they are its CLI flags, as the JS
        API sends them (``--bundle``, ``--format=esm``, ``--metafile``, ``--outdir=dist``,
        ``--log-level=silent`` ...). ``write=False`` keeps the outputs in memory
        (``BuildResult.output_files``); ``write=True`` lets esbuild write them.

        A build that fails returns its ``errors``; only a request esbuild refuses
        (``EsbuildRequestError``: a bad flag, an invalid filter) or a service failure raises.
        """
        deadline = time.monotonic() + self.timeout
        with self._key_lock:
            key = self._next_key
            self._next_key += 1
        request: dict[str, object] = {
            "command": "build",
            "key": key,
            "entries": [[_text(out, "entry output"), _text(src, "entry")] for out, src in entries],
            "flags": [_text(flag, "flag") for flag in flags],
            "write": bool(write),
            "stdinContents": None,
            "stdinResolveDir": None,
            "absWorkingDir": str(Path(working_dir).absolute()),
            "nodePaths": [str(path) for path in node_paths],
            "context": False,
        }
        build = _Build(self._service, key, plugins, deadline) if plugins else None
        if build is not None:
            request["plugins"] = build.registration
            self._service.open_build(key, build)
        try:
            response = self._service.call(request, deadline, "the build")
        finally:
            self._service.end_build(key)
        return _build_result(response)

    def close(self) -> None:
        """End the service: esbuild exits when its input ends (it is killed if it does not
        within ``CLOSE_GRACE_SECONDS``). Safe to call more than once."""
        self._service.close()


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"each {what} must be a string, not {type(value).__name__}")
    return value


class _Service:
    """The process and the protocol: one reader thread dispatches esbuild's packets (answers
    to our requests, and its requests to the builds' plugins); writes are serialised."""

    def __init__(self, binary: Path, version: str, timeout: float, plugin_threads: int) -> None:
        try:
            self._process = subprocess.Popen(
                [str(binary), f"--service={version}", "--ping"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as error:
            raise _cannot_run(binary, error) from None
        self.binary = binary
        self.runner = _CallbackRunner(plugin_threads)
        self._stdin: IO[bytes] = _pipe(self._process.stdin)
        self._stdout: IO[bytes] = _pipe(self._process.stdout)
        self._stderr = _StderrTail(_pipe(self._process.stderr))
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()
        self._pending: dict[int, Future[dict[str, Value]]] = {}
        self._builds: dict[int, _Build] = {}
        self._next_id = 0
        self._failure: EsbuildError | None = None
        self._closing = False
        self._handshake: Future[str] = Future()
        self._reader = threading.Thread(target=self._read_loop, name="esbuild-reader", daemon=True)
        self._reader.start()
        try:
            self._check_handshake(version, timeout)
        except BaseException:
            self.kill(EsbuildServiceError("the esbuild service did not start"))
            raise

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def _check_handshake(self, version: str, timeout: float) -> None:
        try:
            spoken = self._handshake.result(timeout=timeout)
        except TimeoutError:
            raise EsbuildTimeoutError(
                f"{self.binary} --service did not start within {timeout:g} s: is it esbuild?"
            ) from None
        if spoken != version:
            raise EsbuildVersionError(
                f"esbuild binary {self.binary} said version {version} but its service speaks"
                f" {spoken!r}: reinstall esbuild."
            )

    # Reading

    def _read_loop(self) -> None:
        try:
            greeting = read_frame(self._stdout)
            if greeting is None:
                raise self._stopped_error(greeted=False)
            self._handshake.set_result(greeting.decode("utf-8", "replace"))
            while (body := read_frame(self._stdout)) is not None:
                self._dispatch(decode_packet(body))
            self._fail(self._stopped_error(greeted=True))
        except EsbuildError as error:
            # Killed first, so whoever the failure wakes finds the process gone.
            _kill(self._process)
            self._fail(error)
        except Exception as error:  # e.g. reading the pipe failed: never a silent hang
            _kill(self._process)
            self._fail(EsbuildServiceError(f"reading from esbuild failed: {error!r}"))

    def _stopped_error(self, *, greeted: bool) -> EsbuildError:
        """The error for esbuild's output ending: a close we asked for, or a crash."""
        if self._closing:
            return EsbuildServiceError("the esbuild service was closed")
        try:
            code = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        said = self._stderr.text(wait=1.0)
        status = "still running" if code is None else _exit_status(code)
        when = "during the run" if greeted else "before its version handshake"
        text = f"esbuild ({self.binary}) stopped {when}: {status}."
        if said:
            text += f" It printed: {said}"
        if "does not match binary version" in said:
            return EsbuildVersionError(text)
        if not greeted:
            return EsbuildUnavailableError(text + " Is it esbuild's own binary?")
        return EsbuildServiceError(text)

    def _dispatch(self, packet: Packet) -> None:
        if not isinstance(packet.value, dict):
            raise EsbuildServiceError("invalid packet from esbuild: its value is not a map")
        if not packet.is_request:
            with self._lock:
                future = self._pending.pop(packet.id, None)
            if future is None:
                raise EsbuildServiceError(f"esbuild answered request {packet.id}, never sent")
            future.set_result(packet.value)
            return
        command = packet.value.get("command")
        key = packet.value.get("key")
        if command == "ping":
            self.respond(packet.id, {})
            return
        with self._lock:
            build = self._builds.get(key) if type(key) is int else None
        if build is None:
            self.respond(packet.id, {"error": f"no active build for esbuild's {command!r}"})
        else:
            build.handle(packet.id, packet.value)

    # Writing

    def call(self, request: dict[str, object], deadline: float, what: str) -> dict[str, Value]:
        """Send ``request`` and wait for its answer until ``deadline`` (monotonic); past it,
        kill the process. An answer ``{"error": ...}`` raises ``EsbuildRequestError``."""
        future: Future[dict[str, Value]] = Future()
        with self._lock:
            if self._failure is not None:
                raise _fresh(self._failure)
            request_id = self._next_id
            self._next_id += 1
            self._pending[request_id] = future
        self._write(_encode(request_id, True, request))
        try:
            response = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            error = EsbuildTimeoutError(
                f"esbuild did not finish {what} in time; the process was killed. Raise the"
                " timeout, or look for a plugin callback that never returns."
            )
            self.kill(error)
            raise _fresh(error) from None
        problem = response.get("error")
        if problem is not None:
            said = problem if isinstance(problem, str) else repr(problem)
            raise EsbuildRequestError(f"esbuild refused {what}: {said}")
        return response

    def respond(self, request_id: int, value: dict[str, object]) -> None:
        self.send_raw(_encode(request_id, False, value))

    def send_raw(self, data: bytes) -> None:
        """Write encoded bytes; a service already gone is not an error here (the waiting
        build reports it), as the JS API swallows a failed response."""
        with suppress(EsbuildError):
            self._write(data)

    def _write(self, data: bytes) -> None:
        with self._write_lock, suppress(OSError, ValueError):
            self._stdin.write(data)
            self._stdin.flush()
            return
        # The pipe broke: the process is gone or going, and the reader is about to say why.
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout=5)
        with self._lock:
            failure = self._failure
        raise _fresh(failure or EsbuildServiceError("esbuild stopped reading its input"))

    # Builds

    def open_build(self, key: int, build: _Build) -> None:
        with self._lock:
            self._builds[key] = build

    def end_build(self, key: int) -> None:
        with self._lock:
            self._builds.pop(key, None)

    # Ending

    def _fail(self, error: EsbuildError) -> None:
        """Mark the service dead (the first reason wins) and fail everything waiting."""
        with self._lock:
            if self._failure is None:
                self._failure = error
            failure = self._failure
            pending, self._pending = self._pending, {}
        if not self._handshake.done():
            self._handshake.set_exception(_fresh(failure))
        for future in pending.values():
            future.set_exception(_fresh(failure))

    def kill(self, error: EsbuildError) -> None:
        """Kill the process for ``error``, recorded first so it is the reason given."""
        self._fail(error)
        _kill(self._process)
        self._finish()

    def close(self) -> None:
        self._closing = True
        with self._write_lock, suppress(OSError, ValueError):
            self._stdin.close()
        try:
            self._process.wait(timeout=CLOSE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _kill(self._process)
        self._fail(EsbuildServiceError("the esbuild service was closed"))
        self._finish()

    def _finish(self) -> None:
        """After the process is gone: let the reader see the end, stop the workers."""
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout=5)
        self.runner.close()
        self._stderr.join()
        for stream in (self._stdin, self._stdout):
            with suppress(OSError, ValueError):
                stream.close()


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:  # pragma: no cover - Popen was given PIPE
        raise EsbuildServiceError("esbuild's pipes were not opened")
    return stream


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with suppress(OSError):
            process.kill()
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def _exit_status(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def _fresh(error: EsbuildError) -> EsbuildError:
    """A new exception like ``error``, so threads never share one traceback."""
    return type(error)(error.message)


class _StderrTail:
    """Drains esbuild's stderr (so it never blocks on a full pipe), keeping the end."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._tail = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, name="esbuild-stderr", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        with suppress(OSError, ValueError):
            while chunk := os.read(self._stream.fileno(), 65536):
                with self._lock:
                    self._tail += chunk
                    del self._tail[:-STDERR_TAIL_BYTES]

    def text(self, wait: float = 0.0) -> str:
        self._thread.join(timeout=wait)
        with self._lock:
            return self._tail.decode("utf-8", "replace").strip()

    def join(self) -> None:
        self._thread.join(timeout=5)
        with suppress(OSError, ValueError):
            self._stream.close()


class _CallbackRunner:
    """Runs plugin callbacks on up to ``limit`` worker threads.

    A callback waiting in ``PluginBuild.resolve`` does not count against the limit: esbuild
    answers that request only after running every matching ``on_resolve`` hook, which needs
    a free worker, so a plain fixed-size pool would deadlock once all its workers wait.
    """

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._jobs: deque[Callable[[], None]] = deque()
        self._workers = 0
        self._idle = 0
        self._blocked = 0
        self._closed = False

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                return
            self._jobs.append(job)
            self._ready.notify()
            self._grow()

    @contextmanager
    def blocked(self) -> Iterator[None]:
        """Around a wait for esbuild inside a callback."""
        with self._lock:
            self._blocked += 1
            self._grow()
        try:
            yield
        finally:
            with self._lock:
                self._blocked -= 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._jobs.clear()
            self._ready.notify_all()

    def _grow(self) -> None:
        """Start a worker if jobs wait with no idle worker and there is room (lock held)."""
        if len(self._jobs) > self._idle and self._workers - self._blocked < self._limit:
            self._workers += 1
            threading.Thread(target=self._work, name="esbuild-plugin", daemon=True).start()

    def _work(self) -> None:
        try:
            while True:
                with self._lock:
                    while not self._jobs and not self._closed:
                        self._idle += 1
                        self._ready.wait()
                        self._idle -= 1
                    if not self._jobs:
                        return
                    job = self._jobs.popleft()
                job()
        finally:
            with self._lock:
                self._workers -= 1


# --- One build's plugins --------------------------------------------------------------------


class _Stash:
    """Python objects given as ``plugin_data``, by the integer esbuild carries instead
    (as evanw/esbuild lib/shared/common.ts ``createObjectStash`` does for JS objects)."""

    def __init__(self) -> None:
        self._items: dict[int, Any] = {}
        self._lock = threading.Lock()

    def store(self, value: Any) -> int:
        with self._lock:
            ref = len(self._items)
            self._items[ref] = value
            return ref

    def load(self, ref: Value) -> Any:
        if type(ref) is not int:
            return None
        with self._lock:
            return self._items.get(ref)


class _Build:
    """The plugins of one build: their registration, and the answers to esbuild's
    ``on-start``/``on-resolve``/``on-load`` requests (evanw/esbuild lib/shared/common.ts
    ``handlePlugins``)."""

    def __init__(
        self, service: _Service, key: int, plugins: Sequence[Plugin], deadline: float
    ) -> None:
        self._service = service
        self._key = key
        self._deadline = deadline
        self._stash = _Stash()
        self._resolvers: dict[int, tuple[str, OnResolveCallback]] = {}
        self._loaders: dict[int, tuple[str, OnLoadCallback]] = {}
        self._plugin_builds = {plugin.name: PluginBuild(self, plugin.name) for plugin in plugins}
        self.registration = [self._register(plugin) for plugin in plugins]

    def _register(self, plugin: Plugin) -> dict[str, object]:
        if not isinstance(plugin.name, str) or not plugin.name:
            raise ValueError("every plugin needs a name")
        on_resolve = [self._hook(plugin.name, hook, self._resolvers) for hook in plugin.on_resolve]
        on_load = [self._hook(plugin.name, hook, self._loaders) for hook in plugin.on_load]
        return {
            "name": plugin.name,
            "onStart": False,
            "onEnd": False,
            "onResolve": on_resolve,
            "onLoad": on_load,
        }

    def _hook(
        self,
        plugin: str,
        hook: tuple[str, str, _C],
        table: dict[int, tuple[str, _C]],
    ) -> dict[str, object]:
        """Number one hook (ids are unique across both tables, as in the JS API)."""
        filter_, namespace, callback = hook
        if not callable(callback):
            raise TypeError(f"plugin {plugin!r}: a hook's callback is not callable")
        hook_id = len(self._resolvers) + len(self._loaders)
        table[hook_id] = (plugin, callback)
        return {
            "id": hook_id,
            "filter": _text(filter_, "filter"),
            "namespace": _text(namespace, "namespace"),
        }

    def handle(self, request_id: int, request: dict[str, Value]) -> None:
        """One request from esbuild, on the reader thread: callbacks go to the workers."""
        command = request.get("command")
        if command == "on-start":
            # Sent once per build whenever plugins are registered; its lists are required.
            self._service.respond(request_id, {"errors": [], "warnings": []})
        elif command == "on-resolve":
            self._service.runner.submit(lambda: self._answer(request_id, request, self._resolve))
        elif command == "on-load":
            self._service.runner.submit(lambda: self._answer(request_id, request, self._load))
        else:
            self._service.respond(request_id, {"error": f"Invalid command: {command!r}"})

    def _answer(
        self,
        request_id: int,
        request: dict[str, Value],
        run: Callable[[int, dict[str, Value]], bytes],
    ) -> None:
        try:
            packet = run(request_id, request)
        except Exception as error:  # a malformed request: esbuild fails the build with it
            packet = _encode(request_id, False, {"error": f"cfaction could not answer: {error}"})
        self._service.send_raw(packet)

    def _resolve(self, request_id: int, request: dict[str, Value]) -> bytes:
        args = ResolveArgs(
            path=_get(request, "path", str),
            importer=_get(request, "importer", str),
            namespace=_get(request, "namespace", str),
            resolve_dir=_get(request, "resolveDir", str),
            kind=_get(request, "kind", str),
            plugin_data=self._stash.load(request.get("pluginData")),
            with_=_string_map(request.get("with")),
        )
        return self._first_answer(
            request_id, request, self._resolvers, args, ResolveResult, self._resolve_fields
        )

    def _load(self, request_id: int, request: dict[str, Value]) -> bytes:
        args = LoadArgs(
            path=_get(request, "path", str),
            namespace=_get(request, "namespace", str),
            suffix=_get(request, "suffix", str),
            plugin_data=self._stash.load(request.get("pluginData")),
            with_=_string_map(request.get("with")),
        )
        return self._first_answer(
            request_id, request, self._loaders, args, LoadResult, self._load_fields
        )

    def _first_answer(
        self,
        request_id: int,
        request: dict[str, Value],
        table: dict[int, tuple[str, Callable[[_A, PluginBuild], _R | None]]],
        args: _A,
        expected: type[_R],
        fields: Callable[[_R, str], dict[str, object]],
    ) -> bytes:
        """Run the matched hooks in order until one answers (``None`` passes on), as the JS
        API does; the encoded response, so a result esbuild cannot carry fails here, as the
        plugin's error, rather than later."""
        for hook_id in _get(request, "ids", list):
            name, callback = table[_as(hook_id, int, "ids")]
            try:
                result = callback(args, self._plugin_builds[name])
                if result is None:
                    continue
                if not isinstance(result, expected):
                    raise TypeError(
                        f"the callback returned a {type(result).__name__}, not a"
                        f" {expected.__name__} or None"
                    )
                return _encode(request_id, False, {"id": hook_id, **fields(result, name)})
            except Exception as error:
                return self._failed(request_id, hook_id, name, callback, error)
        return _encode(request_id, False, {})

    def _resolve_fields(self, result: ResolveResult, plugin: str) -> dict[str, object]:
        fields: dict[str, object] = {
            "path": result.path,
            "external": result.external,
            "namespace": result.namespace,
            "sideEffects": result.side_effects,
            "suffix": result.suffix,
        }
        return self._common_fields(
            fields, result.plugin_data, result.errors, result.warnings, plugin
        )

    def _load_fields(self, result: LoadResult, plugin: str) -> dict[str, object]:
        contents = result.contents
        fields: dict[str, object] = {
            "contents": contents.encode("utf-8") if isinstance(contents, str) else contents,
            "loader": result.loader,
            "resolveDir": result.resolve_dir,
        }
        return self._common_fields(
            fields, result.plugin_data, result.errors, result.warnings, plugin
        )

    def _common_fields(
        self,
        fields: dict[str, object],
        plugin_data: Any,
        errors: Sequence[str],
        warnings: Sequence[str],
        plugin: str,
    ) -> dict[str, object]:
        """``fields`` without the unset ones, plus plugin data and messages. esbuild reads a
        key that is present as set, so ``None`` must not be sent."""
        sent = {key: value for key, value in fields.items() if value is not None}
        if plugin_data is not None:
            sent["pluginData"] = self._stash.store(plugin_data)
        if errors:
            sent["errors"] = [_wire_message(_text(text, "error"), plugin) for text in errors]
        if warnings:
            sent["warnings"] = [_wire_message(_text(text, "warning"), plugin) for text in warnings]
        return sent

    def _failed(
        self,
        request_id: int,
        hook_id: int,
        plugin: str,
        callback: Callable[..., object],
        error: Exception,
    ) -> bytes:
        """The answer for a callback that raised: the build fails with its message,
        attributed to the plugin, pointing at the line that raised (as the JS API points at
        the throw from the stack trace)."""
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        name = getattr(callback, "__qualname__", repr(callback))
        message = _wire_message(text, plugin, _raised_at(error))
        message["notes"] = [_wire_note(f"This error came from the callback {name}")]
        return _encode(request_id, False, {"id": hook_id, "errors": [message]})

    def resolve(
        self,
        plugin: str,
        path: str,
        kind: str,
        resolve_dir: str,
        importer: str,
        namespace: str,
        plugin_data: Any,
        with_: Mapping[str, str] | None,
    ) -> Resolved:
        request: dict[str, object] = {
            "command": "resolve",
            "key": self._key,
            "path": _text(path, "path"),
            "pluginName": plugin,
            "importer": _text(importer, "importer"),
            "namespace": _text(namespace, "namespace"),
            "resolveDir": _text(resolve_dir, "resolve_dir"),
            "kind": _text(kind, "kind"),
        }
        if plugin_data is not None:
            request["pluginData"] = self._stash.store(plugin_data)
        if with_:
            request["with"] = {
                _text(k, "with_ key"): _text(v, "with_ value") for k, v in with_.items()
            }
        with self._service.runner.blocked():
            response = self._service.call(request, self._deadline, f"resolving {path!r}")
        return Resolved(
            path=_get(response, "path", str),
            external=_get(response, "external", bool),
            namespace=_get(response, "namespace", str),
            suffix=_get(response, "suffix", str),
            side_effects=_get(response, "sideEffects", bool),
            errors=_messages(response.get("errors")),
            warnings=_messages(response.get("warnings")),
            plugin_data=self._stash.load(response.get("pluginData")),
        )


def _raised_at(error: BaseException) -> dict[str, object] | None:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return None
    frame = frames[-1]
    return _wire_location(frame.filename, frame.lineno or 0, frame.line or "")


def _wire_location(file: str, line: int, line_text: str) -> dict[str, object]:
    # Every key is required: the Go side type-asserts each one.
    return {
        "file": file,
        "namespace": "file",
        "line": line,
        "column": 0,
        "length": 0,
        "lineText": line_text,
        "suggestion": "",
    }


def _wire_message(
    text: str, plugin: str, location: dict[str, object] | None = None
) -> dict[str, object]:
    # Every key is required (evanw/esbuild cmd/esbuild/service.go decodeMessages);
    # detail -1 means "none".
    return {
        "id": "",
        "pluginName": plugin,
        "text": text,
        "location": location,
        "notes": [],
        "detail": -1,
    }


def _wire_note(text: str) -> dict[str, object]:
    return {"text": text, "location": None}


# --- Reading esbuild's answers ------------------------------------------------------------


def _as(value: Value, kind: type[_T], what: str) -> _T:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise EsbuildServiceError(
            f"esbuild sent {what} as {type(value).__name__}, expected {kind.__name__}"
        )
    return value


def _get(mapping: Mapping[str, Value], key: str, kind: type[_T]) -> _T:
    return _as(mapping.get(key), kind, repr(key))


def _string_map(value: Value) -> dict[str, str]:
    if value is None:
        return {}
    items = _as(value, dict, "import attributes")
    return {key: _as(item, str, "an import attribute") for key, item in items.items()}


def _messages(value: Value) -> tuple[Message, ...]:
    if value is None:
        return ()
    return tuple(_message(_as(item, dict, "a message")) for item in _as(value, list, "messages"))


def _message(item: dict[str, Value]) -> Message:
    notes = _as(item.get("notes") or [], list, "notes")
    return Message(
        text=_get(item, "text", str),
        location=_location(item.get("location")),
        notes=tuple(_get(_as(note, dict, "a note"), "text", str) for note in notes),
        plugin_name=_as(item.get("pluginName") or "", str, "pluginName"),
    )


def _location(value: Value) -> Location | None:
    if value is None:
        return None
    where = _as(value, dict, "a location")
    return Location(
        file=_get(where, "file", str),
        line=_get(where, "line", int),
        column=_get(where, "column", int),
        line_text=_get(where, "lineText", str),
    )


def _build_result(response: dict[str, Value]) -> BuildResult:
    outputs = _as(response.get("outputFiles") or [], list, "outputFiles")
    stdout = response.get("writeToStdout")
    return BuildResult(
        errors=_messages(response.get("errors")),
        warnings=_messages(response.get("warnings")),
        output_files=tuple(_output_file(_as(item, dict, "an output file")) for item in outputs),
        metafile=_metafile(response.get("metafile")),
        stdout=None if stdout is None else _as(stdout, bytes, "writeToStdout"),
    )


def _output_file(item: dict[str, Value]) -> OutputFile:
    return OutputFile(
        path=_get(item, "path", str),
        contents=_get(item, "contents", bytes),
        hash=_as(item.get("hash") or "", str, "hash"),
    )


def _metafile(value: Value) -> dict[str, Any] | None:
    """The metafile: a string up to esbuild 0.27, bytes from 0.28; empty when the build
    failed (evanw/esbuild cmd/esbuild/service.go ``resultToResponse``)."""
    if not value:
        return None
    if not isinstance(value, str | bytes):
        raise EsbuildServiceError(f"esbuild sent the metafile as {type(value).__name__}")
    try:
        parsed = json.loads(value)
    except ValueError as error:
        raise EsbuildServiceError(f"esbuild's metafile is not JSON: {error}") from None
    return _as(parsed, dict, "the metafile")
