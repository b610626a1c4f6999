"""What can be purged: the kinds, the rules for each item, and the per-request caps.

The body of ``POST /zones/{zone_id}/purge_cache`` carries exactly one kind per request
(https://developers.cloudflare.com/api/resources/cache/methods/purge/): ``files`` (URLs,
or ``{url, headers}`` objects for one cache-key variant), ``tags``, ``hosts``,
``prefixes``, or ``purge_everything``. Item rules follow
https://developers.cloudflare.com/cache/how-to/purge-cache/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from cfaction.errors import InputError
from cfaction.values import normalize_hostname, shown

Kind = Literal["files", "tags", "hosts", "prefixes", "everything"]
KIND_ORDER: Final[tuple[Kind, ...]] = ("everything", "files", "tags", "hosts", "prefixes")
"""The order batches are sent in, and listed in."""

MAX_BATCH_SIZE: Final = 500
"""URLs per request on Enterprise zones; other plans take 100 (the default batch size)."""
MAX_ITEMS_PER_REQUEST: Final = 100
"""Tags, hosts and prefixes: at most 100 per request on every plan."""
MAX_TAG_LENGTH: Final = 1024
MAX_PREFIX_SEPARATORS: Final = 31


def batch_cap(kind: Kind, batch_size: int) -> int:
    """Items per request for ``kind``: ``batch_size`` for URLs, at most 100 for the rest."""
    return batch_size if kind == "files" else min(batch_size, MAX_ITEMS_PER_REQUEST)


@dataclass(frozen=True)
class FileItem:
    """One URL to purge, maybe with the cache-key headers of one variant.

    ``url`` is absolute, or a path starting with ``/`` that is joined to
    ``https://<zone name>`` once the zone is known.
    """

    url: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def relative(self) -> bool:
        return self.url.startswith("/")

    def absolute(self, base_host: str | None) -> FileItem:
        """This item with a ``/path`` joined to ``https://<base_host>``."""
        if not self.relative:
            return self
        return FileItem(f"https://{base_host}{self.url}", self.headers)

    @property
    def host(self) -> str | None:
        return None if self.relative else (urlsplit(self.url).hostname or "").lower()

    def key(self) -> str:
        """Identity for de-duplication: scheme and host are case-insensitive."""
        parts = urlsplit(self.url)
        base = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
        return json.dumps([base, sorted((k.lower(), v) for k, v in self.headers)])

    def body(self) -> str | dict[str, Any]:
        """The item as the purge request sends it."""
        if not self.headers:
            return self.url
        return {"url": self.url, "headers": dict(self.headers)}

    def label(self) -> str:
        if not self.headers:
            return self.url
        variant = ", ".join(f"{k}: {v}" for k, v in self.headers)
        return f"{self.url} [{variant}]"


def parse_file_item(raw: Any) -> FileItem:
    """A ``files`` item: a URL string, or ``{"url": …, "headers": {…}}``."""
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - {"url", "headers"})
        headers = raw.get("headers", {})
        if (
            unknown
            or not isinstance(raw.get("url"), str)
            or not isinstance(headers, dict)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
        ):
            raise InputError(
                "files",
                f"has an object that is not a URL with headers: {json.dumps(raw)[:120]}",
                'Write {"url": "https://…", "headers": {"CF-IPCountry": "US"}}, header values '
                "as strings.",
            )
        return FileItem(parse_url(raw["url"]), tuple(sorted(headers.items())))
    if not isinstance(raw, str):
        raise InputError(
            "files",
            f"has an item that is not a URL: {json.dumps(raw)[:80]}",
            "Write URLs as strings.",
        )
    return FileItem(parse_url(raw))


def parse_url(text: str) -> str:
    """An http(s) URL with a host, or a ``/path`` for the zone's own name."""
    text = text.strip()
    if any(char.isspace() for char in text):
        raise InputError(
            "files",
            f"'{shown(text, 120)}' contains a space.",
            "Encode spaces in URLs as %20, or put one URL per line.",
        )
    control = next((char for char in text if not char.isprintable()), None)
    if control is not None:
        raise InputError(
            "files",
            f"'{shown(text, 120)}' contains the control character U+{ord(control):04X}.",
            "Write URLs as printable text; encode other bytes as %XX.",
        )
    if text.startswith("//"):
        text = "https:" + text  # a protocol-relative URL names its host
    if text.startswith("/"):
        return text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:  # a malformed [IPv6] host or port
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(
            "files",
            f"'{shown(text, 120)}' is not an http(s) URL with a host.",
            "Write https://www.example.com/path, or /path to purge it on the zone's domain.",
        )
    return text


def parse_tag(name: str, tag: str) -> str:
    if len(tag) > MAX_TAG_LENGTH:
        raise InputError(
            name,
            f"has a tag of {len(tag)} characters ('{tag[:40]}…').",
            f"A cache tag has at most {MAX_TAG_LENGTH} characters.",
        )
    bad = next((char for char in tag if not 0x21 <= ord(char) <= 0x7E), None)
    if bad is not None:
        what = "a space" if bad.isspace() else f"the character U+{ord(bad):04X}"
        raise InputError(
            name,
            f"'{tag}' contains {what}; cache tags are printable ASCII without spaces.",
            "Write one tag per line (or comma-separated), as sent in the Cache-Tag header.",
        )
    return tag


def parse_host(name: str, text: str) -> str:
    if "://" in text or "/" in text:
        raise InputError(
            name,
            f"'{text}' is not a bare hostname.",
            "Write only the hostname, e.g. www.example.com (no scheme, no path).",
        )
    host = normalize_hostname(text)
    if host is None:
        raise InputError(name, f"'{text}' is not a hostname.", "Write e.g. www.example.com.")
    return host


def parse_prefix(name: str, text: str) -> str:
    if any(char.isspace() for char in text):
        raise InputError(
            name,
            f"'{shown(text, 120)}' contains a space.",
            "Write one prefix per line; encode spaces in paths as %20.",
        )
    control = next((char for char in text if not char.isprintable()), None)
    if control is not None:
        raise InputError(
            name,
            f"'{shown(text, 120)}' contains the control character U+{ord(control):04X}.",
            "Write prefixes as printable text; encode other bytes in paths as %XX.",
        )
    if "://" in text:
        raise InputError(
            name,
            f"'{text}' has a scheme; prefixes are written without one.",
            f"Write {text.split('://', 1)[1]}.",
        )
    if "?" in text or "#" in text:
        raise InputError(
            name,
            f"'{text}' has a query string or fragment.",
            "A prefix is host/path only: remove everything from '?' or '#'.",
        )
    host, _, path = text.partition("/")
    normalized = normalize_hostname(host)
    if normalized is None:
        raise InputError(
            name,
            f"'{text}' does not start with a hostname.",
            "Write host/path, e.g. www.example.com/blog.",
        )
    if text.count("/") > MAX_PREFIX_SEPARATORS:
        raise InputError(
            name,
            f"'{text}' has more than {MAX_PREFIX_SEPARATORS} '/' separators.",
            "Use a shorter prefix.",
        )
    return f"{normalized}/{path}" if path or text.endswith("/") else normalized
