"""Which URLs a repository file is served at: the ``url_map`` lines and the serving rules.

``url_map`` has one ``SOURCE_PREFIX => URL_PREFIX`` per line (``public/ =>
https://www.example.com/``). A source prefix is a folder of the repository (``public`` and
``public/`` are the same; ``./`` is the repository root); a path under several prefixes takes
the longest. A prefix may be listed with several URL prefixes, to purge its files on each
host (``example.com`` and ``www.example.com``). URL prefixes are ``https://host/path/``; plain
``http://`` only to a loopback host (a local test server), as for ``api_base_url``.

A file serves its own URL; a name in ``index_files`` also serves its folder's URL with and
without the trailing ``/``; with ``strip_html``, ``about.html`` also serves ``about`` (as
Cloudflare Pages serves it, see "Route matching" in
https://developers.cloudflare.com/pages/configuration/serving-pages/).
Path characters are percent-encoded as a browser sends them: the WHATWG URL standard's path
percent-encode set (https://url.spec.whatwg.org/#path-percent-encode-set), non-ASCII as
UTF-8, and ``%`` itself, since a file name is not yet a URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, quote, urlsplit

from cfaction.errors import InputError
from cfaction.values import is_loopback, normalize_hostname

URL_MAP: Final = "url_map"
INDEX_FILES: Final = "index_files"
MAPPING_EXAMPLE: Final = "public/ => https://www.example.com/"

_SAFE_IN_PATH: Final = "/!$&'()*+,;=:@[]|~-._"
"""ASCII punctuation a browser sends as it is in a path (letters and digits are safe too);
everything else of ASCII (space, ``"#<>?`{}^\\%`` and controls) is percent-encoded."""


@dataclass(frozen=True)
class UrlMapping:
    """One ``url_map`` line: files under ``source`` (a folder, ``""`` for the repository
    root, else ending in ``/``) are served under ``url`` (ending in ``/``)."""

    source: str
    url: str

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


@dataclass(frozen=True)
class ServedUrl:
    """A URL a file is served at, and the rule that says so."""

    url: str
    rule: str


@dataclass(frozen=True)
class ServingRules:
    """Everything that turns a repository path into its URLs."""

    mappings: tuple[UrlMapping, ...]
    index_files: tuple[str, ...] = ("index.html",)
    strip_html: bool = False

    def urls(self, path: str) -> list[ServedUrl] | None:
        """The URLs ``path`` is served at, or None when no ``url_map`` prefix holds it."""
        matches = [m for m in self.mappings if path.startswith(m.source)]
        if not matches:
            return None
        longest = max(len(m.source) for m in matches)
        served: list[ServedUrl] = []
        for mapping in matches:
            if len(mapping.source) == longest:
                served.extend(self._under(mapping.url, path[longest:]))
        return served

    def _under(self, base: str, relative: str) -> Iterator[ServedUrl]:
        folder, _, name = relative.rpartition("/")
        folder = f"{folder}/" if folder else ""
        yield ServedUrl(base + encode_path(relative), "file")
        if name in self.index_files:
            with_slash = base + encode_path(folder)
            yield ServedUrl(with_slash, "folder")
            if urlsplit(with_slash).path != "/":
                yield ServedUrl(with_slash.removesuffix("/"), "folder without /")
        elif self.strip_html and name.endswith(".html") and name != ".html":
            yield ServedUrl(base + encode_path(relative.removesuffix(".html")), "without .html")

    def describe(self) -> list[str]:
        """The rules in words, for the plan (Markdown)."""
        lines = [
            f"`{m.source or './'}` → `{m.url}`"
            for m in sorted(self.mappings, key=lambda m: -len(m.source))
        ]
        lines.append("a path under several prefixes takes the longest; under none, it is unmapped")
        names = ", ".join(f"`{name}`" for name in self.index_files)
        lines.append(f"{names}: the file's URL, and its folder's URL with and without `/`")
        if self.strip_html:
            lines.append("strip_html: `page.html` is also purged as `page`")
        else:
            lines.append("other files: their own URL (strip_html is off)")
        lines.append("path characters are percent-encoded as a browser sends them (space → %20)")
        return lines


def encode_path(path: str) -> str:
    """``path`` as a browser puts it in a request line."""
    return quote(path, safe=_SAFE_IN_PATH)


def parse_url_map(text: str) -> tuple[UrlMapping, ...]:
    """``url_map`` lines; blank lines and ``#`` comments are skipped, repeats dropped.

    :raises InputError: named ``url_map``, for the first line that is not a mapping.
    """
    mappings: list[UrlMapping] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        source, arrow, target = line.partition("=>")
        if not arrow:
            raise InputError(
                URL_MAP,
                f"line {number} ('{line[:120]}') has no '=>'.",
                f"Write one SOURCE_PREFIX => URL_PREFIX per line, e.g. {MAPPING_EXAMPLE}",
            )
        mapping = UrlMapping(
            _source_prefix(number, source.strip()), _url_prefix(number, target.strip())
        )
        if mapping not in mappings:
            mappings.append(mapping)
    return tuple(mappings)


def _source_prefix(number: int, written: str) -> str:
    if not written:
        raise InputError(
            URL_MAP,
            f"line {number} has no source prefix before '=>'.",
            f"Write the repository folder the files are in, e.g. {MAPPING_EXAMPLE} "
            "(./ for the repository root).",
        )
    folder = written.removeprefix("./")
    if folder in ("", "."):
        return ""
    if folder.startswith("/") or ".." in folder.split("/"):
        raise InputError(
            URL_MAP,
            f"line {number}: '{written}' is not a folder of the repository.",
            "Write it relative to the repository root, without a leading / or '..' "
            "(./ for the root).",
        )
    return folder if folder.endswith("/") else folder + "/"


def _url_prefix(number: int, written: str) -> str:
    fix = f"Write https://host/ or https://host/path/, e.g. {MAPPING_EXAMPLE}"
    parts = _split(written)
    host = (parts.hostname or "") if parts else ""
    scheme = parts.scheme.lower() if parts else ""
    loopback = bool(host) and is_loopback(host)
    if (
        parts is None
        or any(char.isspace() for char in written)
        or not (scheme == "https" or (scheme == "http" and loopback))
        or not host
        or parts.username is not None
        or "?" in written
        or "#" in written
    ):
        problem = f"line {number}: '{written}' is not an https://host/ URL prefix"
        if scheme == "http":
            problem += " (plain http:// only to a loopback test server)"
        raise InputError(URL_MAP, problem + ".", fix + " (no query or fragment).")
    name = host if loopback else normalize_hostname(host)
    if name is None:
        raise InputError(URL_MAP, f"line {number}: '{host}' is not a hostname.", fix)
    netloc = f"[{name}]" if ":" in name else name
    if parts.port is not None:
        netloc += f":{parts.port}"
    path = parts.path or "/"
    return f"{scheme}://{netloc}{path if path.endswith('/') else path + '/'}"


def _split(written: str) -> SplitResult | None:
    """``written`` split as a URL, or None when its port or IPv6 address is malformed."""
    try:
        parts = urlsplit(written)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        return None
    return parts


def parse_index_files(text: str) -> tuple[str, ...]:
    """File names, one per line or comma-separated.

    :raises InputError: named ``index_files``, for a name with a ``/`` or nothing at all.
    """
    names: list[str] = []
    for line in text.splitlines():
        for part in line.split(","):
            name = part.strip()
            if not name:
                continue
            if "/" in name or name in (".", ".."):
                raise InputError(
                    INDEX_FILES,
                    f"'{name}' is not a file name.",
                    "Write bare file names, e.g. index.html, one per line.",
                )
            if name not in names:
                names.append(name)
    if not names:
        raise InputError(INDEX_FILES, "names no file.", "Write e.g. index.html.")
    return tuple(names)
