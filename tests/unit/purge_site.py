"""What the changed-files purge tests share: a site repository built with git (nested
folders, ``index.html`` files, a deleted file, a rename, an unmapped file and a name git
quotes), the URLs its changes must purge, and a site on loopback that answers the way a
Cloudflare edge does (with ``cf-cache-status``), including slow pages and redirects."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BEFORE: dict[str, str] = {
    "README.md": "# site\n",
    "public/index.html": "<h1>home</h1>\n",
    "public/about.html": "<h1>about</h1>\n",
    "public/blog/index.html": "<h1>blog</h1>\n",
    "public/blog/2024/first post.html": "<h1>first</h1>\n",
    "public/docs/guide.html": "<h1>the guide, renamed as it is</h1>\n",
    "public/old.html": "<h1>old</h1>\n",
    "docs/build/index.html": "<h1>docs</h1>\n",
    "docs/build/api/index.html": "<h1>api</h1>\n",
}
"""The site before the deploy: two published folders and files outside both."""

CHANGES: dict[str, str | None] = {
    "README.md": "# site, changed\n",  # unmapped
    "src/app.ts": "export {};\n",  # unmapped, new
    "public/index.html": "<h1>home 2</h1>\n",
    "public/blog/index.html": "<h1>blog 2</h1>\n",
    "public/blog/2024/first post.html": "<h1>first 2</h1>\n",
    "public/café.html": "<h1>café</h1>\n",  # git prints it C-quoted
    "public/old.html": None,  # deleted
    "docs/build/api/index.html": "<h1>api 2</h1>\n",
}
"""What the deploy commit changes (None deletes); public/docs/guide.html is also renamed."""
RENAMED = ("public/docs/guide.html", "public/docs/handbook.html")

URL_MAP = "public/ => https://www.example.com/\ndocs/build/ => https://docs.example.com/"

NAME_STATUS = (
    "M\tREADME.md\n"
    "M\tdocs/build/api/index.html\n"
    "M\tpublic/blog/2024/first post.html\n"
    "M\tpublic/blog/index.html\n"
    'A\t"public/caf\\303\\251.html"\n'
    "R100\tpublic/docs/guide.html\tpublic/docs/handbook.html\n"
    "M\tpublic/index.html\n"
    "D\tpublic/old.html\n"
    "A\tsrc/app.ts\n"
)
"""``git diff --name-status`` of the deploy, as git prints it (checked against git)."""

NAME_ONLY = (
    "README.md\n"
    "docs/build/api/index.html\n"
    "public/blog/2024/first post.html\n"
    "public/blog/index.html\n"
    '"public/caf\\303\\251.html"\n'
    "public/docs/guide.html\n"
    "public/docs/handbook.html\n"
    "public/index.html\n"
    "public/old.html\n"
    "src/app.ts\n"
)
"""``git diff --name-only --no-renames`` of the deploy (checked against git)."""

UNMAPPED = ["README.md", "src/app.ts"]

URLS = [
    "https://docs.example.com/api/index.html",
    "https://docs.example.com/api/",
    "https://docs.example.com/api",
    "https://www.example.com/blog/2024/first%20post.html",
    "https://www.example.com/blog/index.html",
    "https://www.example.com/blog/",
    "https://www.example.com/blog",
    "https://www.example.com/caf%C3%A9.html",
    "https://www.example.com/docs/guide.html",
    "https://www.example.com/docs/handbook.html",
    "https://www.example.com/index.html",
    "https://www.example.com/",
    "https://www.example.com/old.html",
]
"""The URLs the deploy purges with URL_MAP and the default rules, in list order."""

DELETED_URLS = ["https://www.example.com/docs/guide.html", "https://www.example.com/old.html"]
"""URLs only deleted files served: purged, never warmed."""

STRIPPED_URLS = [
    "https://www.example.com/blog/2024/first%20post",
    "https://www.example.com/caf%C3%A9",
    "https://www.example.com/docs/guide",
    "https://www.example.com/docs/handbook",
    "https://www.example.com/old",
]
"""The URLs strip_html adds to URLS."""


def _git(root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def _write(root: Path, files: Mapping[str, str | None]) -> None:
    for path, content in files.items():
        target = root / path
        if content is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")


def build_site_repo(root: Path) -> tuple[str, str]:
    """The site's git history in ``root``: the commit before the deploy and the deploy's."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", ".")
    _write(root, BEFORE)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "before")
    before = _git(root, "rev-parse", "HEAD").strip()
    _write(root, CHANGES)
    _git(root, "mv", *RENAMED)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "deploy")
    return before, _git(root, "rev-parse", "HEAD").strip()


def git_diff(root: Path, *args: str) -> str:
    return _git(root, "diff", *args)


# a site on loopback


@dataclass(frozen=True)
class Page:
    """How the site answers one path."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b"<h1>page</h1>"
    delay: float = 0.0
    """Seconds before the answer starts."""
    trickle: float = 0.0
    """Seconds between each of the body's bytes."""


@dataclass(frozen=True)
class Seen:
    """One request the site received."""

    method: str
    path: str
    headers: Mapping[str, str]


class Site:
    """A threaded HTTP server on 127.0.0.1 that answers from ``pages`` (404 elsewhere),
    each answer with ``cf-cache-status`` (the page's own, else MISS)."""

    def __init__(self, pages: Mapping[str, Page]) -> None:
        self.pages = dict(pages)
        self.seen: list[Seen] = []
        self.most_at_once = 0
        self._open = 0
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site._answer(self)

            def do_HEAD(self) -> None:
                site._answer(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.seen.append(Seen(handler.command, handler.path, dict(handler.headers)))
            self._open += 1
            self.most_at_once = max(self.most_at_once, self._open)
        try:
            page = self.pages.get(handler.path, Page(404, body=b"not found"))
            time.sleep(page.delay)
            handler.send_response(page.status)
            headers = {"cf-cache-status": "MISS", **page.headers}
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(page.body)))
            handler.end_headers()
            if handler.command == "GET" and not page.trickle:
                handler.wfile.write(page.body)
            elif handler.command == "GET":
                for index in range(len(page.body)):
                    handler.wfile.write(page.body[index : index + 1])
                    handler.wfile.flush()
                    time.sleep(page.trickle)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout under test)
        finally:
            with self._lock:
                self._open -= 1

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]

    def __enter__(self) -> Site:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
