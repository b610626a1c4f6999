"""Boot a stored Worker version in workerd, the open-source Workers runtime, to prove it starts
and answers. The caller passes the workerd binary (tests/harness/workerd.py installs one).

build_config() turns a WorkerVersion into a workerd config (Cap'n Proto text, every module,
value and key in a file of its own, pulled in with ``embed``); check_boots() starts workerd
on it and reports whether it started, with workerd's stderr when not; serve() keeps it
running on a free loopback port for requests.

Modules (``main_module`` first, then the rest in upload order):

* application/javascript+module, text/javascript+module -> esModule
* application/javascript, text/javascript -> commonJsModule
* text/plain -> text (imported as a string); application/octet-stream -> data (an
  ArrayBuffer); application/wasm -> wasm (a WebAssembly.Module); application/json -> json
* text/x-python -> pythonModule. workerd downloads the Pyodide bundle from the internet when
  it starts such a Worker, so offline it fails to boot ("Request for Pyodide bundle failed").
* Left out, listed in ``skipped_modules``: application/source-map (not a module: Cloudflare
  only uses it for stack traces), text/x-python-requirement (workerd dropped requirement
  modules; Cloudflare resolves them at upload) and any other type.

A service-worker upload (``body_part``) becomes ``serviceWorkerScript``; its other parts are
reachable only through text_blob, data_blob and wasm_module bindings, and those not bound
are listed in ``skipped_modules``.

Bindings:

* plain_text, secret_text -> text; json -> json; text_blob -> text and data_blob -> data
  (the named part's bytes); wasm_module -> wasmModule (service-worker syntax only, as in
  workerd); version_metadata -> json ``{id, tag, timestamp}`` of the version.
* secret_key -> cryptoKey (raw as base64, pkcs8/spki as PEM, jwk), not extractable.
* kv_namespace -> kvNamespace backed by a small in-memory service (get, getWithMetadata,
  put with metadata and expiration, delete, list, bulk get), one per namespace id, empty at
  start; deleteBulk (an RPC call) is not served.
* durable_object_namespace of a class of this Worker (no ``script_name``) ->
  durableObjectNamespace, SQLite-backed with the SQL API on (so KV-backed classes see
  ``storage.sql`` too), stored in the temporary folder and so gone when workerd stops
  (workerd's in-memory storage has no SQL API). A class the module does not export only
  draws a warning on stderr (workerd still starts; calls to it fail).
* Everything else (service, r2_bucket, d1, queue, analytics_engine, ai, assets, another
  Worker's Durable Object, ...) needs a backend workerd does not have, so it is left out of
  ``env`` and listed in ``skipped_bindings``.

POSIX only (the readiness wait uses select() on a pipe from ``--control-fd``).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, Final

from .workers import Module, WorkerVersion

__all__ = [
    "BootResult",
    "Served",
    "Skipped",
    "WorkerdConfig",
    "WorkerdError",
    "build_config",
    "check_boots",
    "serve",
]

MODULE_KINDS: Final[Mapping[str, str]] = {
    "application/javascript+module": "esModule",
    "text/javascript+module": "esModule",
    "application/javascript": "commonJsModule",
    "text/javascript": "commonJsModule",
    "text/plain": "text",
    "application/octet-stream": "data",
    "application/wasm": "wasm",
    "application/json": "json",
    "text/x-python": "pythonModule",
}
SKIP_REASONS: Final[Mapping[str, str]] = {
    "application/source-map": "a source map is not a module",
    "text/x-python-requirement": "workerd has no requirement modules",
}
KEY_USAGES: Final = frozenset(
    {"encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"}
)
SERVICE: Final = "main"
DO_STORAGE: Final = "durable-objects"  # a folder, and the disk service over it
START_TIMEOUT: Final = 30.0

# The kvNamespace binding turns calls into HTTP requests to a service (workerd's api/kv.c++):
# GET|PUT|DELETE /<key>?urlencoded=true (metadata in CF-KV-Metadata, expiration and
# expiration_ttl as query parameters), GET /?prefix&key_count_limit&cursor to list and
# POST /bulk/get.
KV_SERVICE_JS: Final = """\
const store = new Map();
function live(key) {
  const entry = store.get(key);
  if (entry && entry.expiration !== null && entry.expiration * 1000 <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry;
}
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const query = url.searchParams;
    const key = decodeURIComponent(url.pathname.slice(1));
    if (request.method === "POST" && url.pathname === "/bulk/get") {
      const { keys, type, withMetadata } = await request.json();
      const result = {};
      for (const name of keys) {
        const entry = live(name);
        let value = entry ? new TextDecoder().decode(entry.value) : null;
        if (value !== null && type === "json") value = JSON.parse(value);
        const metadata = entry && entry.metadata !== null ? JSON.parse(entry.metadata) : null;
        result[name] = withMetadata ? { value, metadata } : value;
      }
      return Response.json(result);
    }
    if (request.method === "GET" && key === "") {
      const prefix = query.get("prefix") ?? "";
      const limit = Number(query.get("key_count_limit") ?? 1000);
      const start = Number(query.get("cursor") ?? 0);
      const names = [...store.keys()].filter((k) => k.startsWith(prefix) && live(k)).sort();
      const keys = names.slice(start, start + limit).map((name) => {
        const { metadata, expiration } = store.get(name);
        const row = { name };
        if (expiration !== null) row.expiration = expiration;
        if (metadata !== null) row.metadata = metadata; // a JSON string: workerd parses it
        return row;
      });
      const complete = start + limit >= names.length;
      const more = { list_complete: false, cursor: String(start + limit) };
      return Response.json(complete ? { keys, list_complete: true } : { keys, ...more });
    }
    if (request.method === "GET") {
      const entry = live(key);
      if (!entry) return new Response(null, { status: 404 });
      const headers = entry.metadata === null ? {} : { "CF-KV-Metadata": entry.metadata };
      return new Response(entry.value, { headers });
    }
    if (request.method === "PUT") {
      const ttl = query.get("expiration_ttl");
      const at = query.get("expiration");
      const expiration = ttl ? Math.floor(Date.now() / 1000) + Number(ttl) : at ? Number(at) : null;
      const metadata = request.headers.get("CF-KV-Metadata");
      store.set(key, { value: await request.arrayBuffer(), metadata, expiration });
      return new Response(null);
    }
    if (request.method === "DELETE") {
      store.delete(key);
      return new Response(null);
    }
    return new Response(null, { status: 405 });
  },
};
"""


class WorkerdError(Exception):
    """workerd did not start: ``stderr`` holds what it said."""

    def __init__(self, message: str, stderr: str) -> None:
        super().__init__(f"{message}\n{stderr}".rstrip())
        self.stderr = stderr


@dataclass(frozen=True)
class Skipped:
    """A module or binding left out of the config: its name, type and why."""

    name: str
    type: str
    reason: str


@dataclass
class WorkerdConfig:
    """A workerd config: ``text`` (capnp) embeds ``files`` (path relative to it -> bytes)."""

    text: str
    files: dict[str, bytes]
    skipped_modules: list[Skipped] = field(default_factory=list)
    skipped_bindings: list[Skipped] = field(default_factory=list)

    def write(self, folder: Path) -> Path:
        """Write the config and its files into ``folder`` (workerd runs there: the Durable
        Object storage folder is relative to it); returns the config's path."""
        (folder / DO_STORAGE).mkdir(exist_ok=True)
        for name, content in self.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        config = folder / "config.capnp"
        config.write_text(self.text, encoding="utf-8")
        return config


@dataclass(frozen=True)
class BootResult:
    """What check_boots() saw: ``ok`` when workerd started listening (it exits at once, with
    the error on stderr, when a module is missing or the script throws at startup)."""

    ok: bool
    stderr: str
    exit_code: int | None
    seconds: float
    skipped_modules: list[Skipped]
    skipped_bindings: list[Skipped]


def _quote(text: str) -> str:
    """A capnp text literal (UTF-8 bytes outside printable ASCII as \\x escapes)."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return '"' + "".join(out) + '"'


class _Builder:
    def __init__(self, version: WorkerVersion) -> None:
        self.version = version
        self.files: dict[str, bytes] = {}
        self.skipped_modules: list[Skipped] = []
        self.skipped_bindings: list[Skipped] = []
        self.services: list[str] = []
        self.classes: list[str] = []
        self.service_worker = version.main_module is None

    def embed(self, content: bytes) -> str:
        path = f"files/{len(self.files)}"
        self.files[path] = content
        return f"embed {_quote(path)}"

    def modules(self) -> str:
        version = self.version
        entry = version.module(version.entry)
        if entry is None:
            raise ValueError(f"the version has no entry part {version.entry!r}")
        if self.service_worker:
            bound = {b.get("part") for b in version.bindings}
            for module in version.modules:
                if module is not entry and module.name not in bound:
                    self.skip_module(module, "service-worker parts are only reachable as bindings")
            return f"serviceWorkerScript = {self.embed(entry.content)}"
        rows = []
        for module in [entry, *(m for m in version.modules if m is not entry)]:
            kind = MODULE_KINDS.get(module.content_type)
            if kind is None:
                reason = SKIP_REASONS.get(module.content_type, "no workerd module kind")
                self.skip_module(module, reason)
                continue
            rows.append(f"(name = {_quote(module.name)}, {kind} = {self.embed(module.content)})")
        return f"modules = {_list(rows)}"

    def skip_module(self, module: Module, reason: str) -> None:
        self.skipped_modules.append(Skipped(module.name, module.content_type, reason))

    def binding(self, binding: Mapping[str, Any]) -> str | None:
        """The binding's value in capnp (``text = ...``), or None after listing it skipped."""
        kind = str(binding.get("type"))
        name = str(binding["name"])
        part = self.version.module(str(binding.get("part")))
        if kind in ("plain_text", "secret_text"):
            return f"text = {self.embed(str(binding['text']).encode())}"
        if kind == "json":
            return f"json = {self.embed(json.dumps(binding['json']).encode())}"
        if kind == "version_metadata":
            tag = self.version.annotations.get("workers/tag") or ""
            meta = {"id": self.version.id, "tag": tag, "timestamp": self.version.created_on}
            return f"json = {self.embed(json.dumps(meta).encode())}"
        if kind in ("text_blob", "data_blob") and part is not None:
            return f"{kind[:4]} = {self.embed(part.content)}"
        if kind == "wasm_module" and part is not None and self.service_worker:
            return f"wasmModule = {self.embed(part.content)}"
        if kind == "kv_namespace":
            service = f"kv-{binding['namespace_id']}"
            if service not in self.services:
                self.services.append(service)
            return f"kvNamespace = {_quote(service)}"
        own_class = not binding.get("script_name") and not self.service_worker
        if kind == "durable_object_namespace" and own_class:
            class_name = str(binding["class_name"])
            if class_name not in self.classes:
                self.classes.append(class_name)
            return f"durableObjectNamespace = {_quote(class_name)}"
        if kind == "secret_key":
            key = self.crypto_key(binding)
            if key is not None:
                return key
        self.skipped_bindings.append(Skipped(name, kind, self.skip_reason(binding)))
        return None

    def skip_reason(self, binding: Mapping[str, Any]) -> str:
        kind = binding.get("type")
        if kind == "wasm_module":
            return "workerd binds Wasm modules only in service-worker syntax"
        if kind == "durable_object_namespace":
            if binding.get("script_name"):
                return f"a class of another Worker ({binding['script_name']})"
            return "Durable Objects need ES modules syntax"
        if kind == "secret_key":
            return "unsupported key format or usage"
        return "no local stand-in in workerd"

    def crypto_key(self, binding: Mapping[str, Any]) -> str | None:
        usages = binding.get("usages")
        if not isinstance(usages, list) or not set(usages) <= KEY_USAGES:
            return None
        form = binding.get("format")
        encoded = binding.get("key_base64")
        if form == "raw" and isinstance(encoded, str):
            material = f"base64 = {_quote(encoded)}"
        elif form in ("pkcs8", "spki") and isinstance(encoded, str):
            label = "PRIVATE KEY" if form == "pkcs8" else "PUBLIC KEY"
            body = "\n".join(textwrap.wrap(encoded, 64))
            pem = f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
            material = f"{form} = {self.embed(pem.encode())}"
        elif form == "jwk" and binding.get("key_jwk") is not None:
            material = f"jwk = {self.embed(json.dumps(binding['key_jwk']).encode())}"
        else:
            return None
        algorithm = self.embed(json.dumps(binding["algorithm"]).encode())
        return (
            f"cryptoKey = ({material}, algorithm = (json = {algorithm}), "
            f"usages = [{', '.join(usages)}])"
        )

    def build(self) -> WorkerdConfig:
        version = self.version
        fields = [
            self.modules(),
            f"compatibilityDate = {_quote(version.compatibility_date)}",
            f"compatibilityFlags = [{', '.join(map(_quote, version.compatibility_flags))}]",
        ]
        bindings = []
        for binding in version.bindings:
            value = self.binding(binding)
            if value is not None:
                bindings.append(f"(name = {_quote(str(binding['name']))}, {value})")
        if bindings:
            fields.append(f"bindings = {_list(bindings)}")
        services = [f"(name = {_quote(SERVICE)}, worker = .worker)"]
        if self.classes:
            namespaces = [
                f"(className = {_quote(c)}, uniqueKey = {_quote('cfemu-' + c)}, enableSql = true)"
                for c in self.classes
            ]
            fields.append(f"durableObjectNamespaces = {_list(namespaces)}")
            fields.append(f"durableObjectStorage = (localDisk = {_quote(DO_STORAGE)})")
            disk = f"disk = (path = {_quote(DO_STORAGE)}, writable = true)"
            services.append(f"(name = {_quote(DO_STORAGE)}, {disk})")
        services += [f"(name = {_quote(name)}, worker = .kvService)" for name in self.services]
        socket = f'(name = "http", address = "127.0.0.1:0", http = (), service = {_quote(SERVICE)})'
        text = (
            'using Workerd = import "/workerd/workerd.capnp";\n\n'
            f"const config :Workerd.Config = (\n  services = {_list(services)},\n"
            f"  sockets = [{socket}],\n);\n\n"
            "const worker :Workerd.Worker = (\n  " + ",\n  ".join(fields) + ",\n);\n"
        )
        if self.services:
            kv_module = f'(name = "kv.js", esModule = {self.embed(KV_SERVICE_JS.encode())})'
            text += (
                f"\nconst kvService :Workerd.Worker = (\n  modules = [{kv_module}],\n"
                '  compatibilityDate = "2024-01-01",\n);\n'
            )
        return WorkerdConfig(text, self.files, self.skipped_modules, self.skipped_bindings)


def _list(items: list[str]) -> str:
    """A capnp list, one item a line."""
    return "[\n    " + ",\n    ".join(items) + ",\n  ]"


def build_config(version: WorkerVersion) -> WorkerdConfig:
    """The workerd config for ``version`` (see the module docstring for what is mapped)."""
    return _Builder(version).build()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


@dataclass
class Served:
    """A running workerd serving one Worker at ``base_url`` (http://127.0.0.1:<port>)."""

    base_url: str
    config: WorkerdConfig
    folder: Path
    process: subprocess.Popen[bytes]

    def request(
        self,
        method: str,
        path: str = "/",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, Message, bytes]:
        """(status, headers, body) of one request; error statuses and redirects are
        answers too, not exceptions."""
        request = urllib.request.Request(
            self.base_url + path, data=body, headers=dict(headers or {}), method=method
        )
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

    def get(
        self, path: str = "/", headers: Mapping[str, str] | None = None
    ) -> tuple[int, Message, bytes]:
        return self.request("GET", path, headers=headers)

    def stderr(self) -> str:
        """What workerd wrote to stderr so far (uncaught exceptions, console.error)."""
        return _stderr(self.folder)

    def stdout(self) -> str:
        """What workerd wrote to stdout so far (console.log)."""
        return (self.folder / "stdout.txt").read_text("utf-8", errors="replace")


def _wait_for_port(control: int, deadline: float) -> int | None:
    """The port of the "listen" message workerd sends on its control fd, or None when it
    closes the fd (it exited) or the deadline passes."""
    buffer = b""
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([control], [], [], remaining)
        if not readable:
            break
        chunk = os.read(control, 4096)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            message = json.loads(line)
            if message.get("event") == "listen" and message.get("socket") == "http":
                return int(message["port"])
    return None


def _stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> int:
    """Stop workerd: SIGTERM, then SIGKILL after ``grace`` seconds (SIGTERM waits for the
    requests in flight); its exit code."""
    if process.poll() is None:
        if grace > 0:
            process.terminate()
            try:
                return process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        process.kill()
    return process.wait()


@dataclass
class _Run:
    config: WorkerdConfig
    folder: Path
    process: subprocess.Popen[bytes]
    port: int | None


@contextmanager
def _running(binary: Path | str, version: WorkerVersion, timeout: float) -> Iterator[_Run]:
    """workerd on ``version`` in a temporary folder, once it listens (``port``) or exited or
    ``timeout`` passed (``port`` None); stopped, and the folder removed, on exit."""
    config = build_config(version)
    with tempfile.TemporaryDirectory(prefix="cfemu-workerd-") as tmp:
        folder = Path(tmp)
        path = config.write(folder)
        control, control_out = os.pipe()
        try:
            with (
                (folder / "stdout.txt").open("wb") as out,
                (folder / "stderr.txt").open("wb") as err,
            ):
                try:
                    process = subprocess.Popen(
                        [str(binary), "serve", str(path), f"--control-fd={control_out}"],
                        cwd=folder,
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=err,
                        pass_fds=(control_out,),
                    )
                finally:
                    os.close(control_out)
            try:
                yield _Run(
                    config, folder, process, _wait_for_port(control, time.monotonic() + timeout)
                )
            finally:
                _stop(process)
        finally:
            os.close(control)


def _stderr(folder: Path) -> str:
    return (folder / "stderr.txt").read_text("utf-8", errors="replace")


def check_boots(
    binary: Path | str, version: WorkerVersion, timeout: float = START_TIMEOUT
) -> BootResult:
    """Start workerd on ``version``, then stop it: did it come up, and what did it say?"""
    started = time.monotonic()
    with _running(binary, version, timeout) as run:
        seconds = time.monotonic() - started
        code = _stop(run.process, grace=5.0 if run.port is not None else 0.0)
        stderr = _stderr(run.folder)
    if run.port is None and code < 0:
        stderr += f"(workerd did not listen within {timeout:g} s and was stopped)\n"
    return BootResult(
        ok=run.port is not None,
        stderr=stderr,
        exit_code=None if run.port is not None else code,
        seconds=seconds,
        skipped_modules=run.config.skipped_modules,
        skipped_bindings=run.config.skipped_bindings,
    )


@contextmanager
def serve(
    binary: Path | str, version: WorkerVersion, timeout: float = START_TIMEOUT
) -> Iterator[Served]:
    """workerd serving ``version`` until the block ends; WorkerdError if it does not start."""
    with _running(binary, version, timeout) as run:
        if run.port is None:
            _stop(run.process, grace=0.0)
            raise WorkerdError("workerd did not start:", _stderr(run.folder))
        yield Served(f"http://127.0.0.1:{run.port}", run.config, run.folder, run.process)
