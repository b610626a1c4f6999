"""The inputs of ``operation: purge``: what to purge, validated before any API call.

Lists come one item per line, comma-separated, or as a JSON array. Commas inside a URL or
a prefix are kept: a comma splits ``files`` only before something that starts a new URL
(``http``, ``/`` or ``{``), and ``prefixes`` only before something that starts a new
``host/path``. Items keep their input order; duplicates are removed later, per zone, once
``/path`` lines have become URLs (cloudflare-api.md §3 for the item rules).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

from cfaction.errors import InputError
from cfaction.inputs.values import int_between, normalize_hostname, parse_bool

PURGE_DEFAULTS: Final[Mapping[str, str]] = {
    "files": "",
    "tags": "",
    "hosts": "",
    "prefixes": "",
    "purge_everything": "false",
    "batch_size": "100",
}
"""The purge inputs, with the defaults action.yml gives them."""

LIST_INPUTS: Final = ("files", "tags", "hosts", "prefixes")
MAX_BATCH_SIZE: Final = 500
MAX_ITEMS_PER_REQUEST: Final = 100
"""Tags, hosts and prefixes: at most 100 per request on every plan (URLs: 500 on Enterprise)."""
MAX_TAG_LENGTH: Final = 1024
MAX_PREFIX_SEPARATORS: Final = 31

_FILE_SPLIT: Final = re.compile(r"(?:,\s*)+(?=https?://|/|\{)", re.IGNORECASE)
_PREFIX_SPLIT: Final = re.compile(r"(?:,\s*)+(?=[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/)")
_NOTHING = "files/tags/hosts/prefixes"
T = TypeVar("T")


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

    def absolute(self, zone_name: str | None) -> FileItem:
        """This item with a ``/path`` joined to the zone's name."""
        if not self.relative:
            return self
        return FileItem(f"https://{zone_name}{self.url}", self.headers)

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


@dataclass(frozen=True)
class PurgeInputs:
    """What one purge step was asked to purge."""

    files: tuple[FileItem, ...] = ()
    tags: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    everything: bool = False
    batch_size: int = 100

    @property
    def routed(self) -> bool:
        """True when some items name their host (files, hosts, prefixes)."""
        return bool(self.files or self.hosts or self.prefixes)


def load_purge(
    values: Mapping[str, str], zone_count: int | None, workspace: Path | None = None
) -> tuple[PurgeInputs, list[InputError]]:
    """Parse and check the purge inputs; ``zone_count`` is how many zones ``zone`` lists,
    None when ``zone`` itself is invalid (then nothing is said about the zone count).

    Returns the inputs (best effort) and every error found, so they are reported together
    with the common inputs' errors.
    """
    errors: list[InputError] = []

    def attempt(parse: Callable[[], T], fallback: T) -> T:
        try:
            return parse()
        except InputError as error:
            errors.append(error)
            return fallback

    def text(name: str) -> str:
        value = values.get(name, "").strip() or PURGE_DEFAULTS[name]
        if name in LIST_INPUTS and value.startswith("@") and "\n" not in value:
            return _list_file(name, value[1:], workspace or Path.cwd())
        return value

    no_files: tuple[FileItem, ...] = ()
    none: tuple[str, ...] = ()
    files = attempt(lambda: _files(text("files"), zone_count), no_files)
    tags = attempt(lambda: _strings("tags", text("tags"), _tag), none)
    hosts = attempt(lambda: _strings("hosts", text("hosts"), _host), none)
    prefixes = attempt(lambda: _strings("prefixes", text("prefixes"), _prefix, _PREFIX_SPLIT), none)
    everything = attempt(lambda: parse_bool("purge_everything", text("purge_everything")), False)
    batch_size = attempt(
        lambda: int_between(1, MAX_BATCH_SIZE)("batch_size", text("batch_size")), 100
    )
    purge = PurgeInputs(files, tags, hosts, prefixes, everything, batch_size)
    failed = {error.input_name for error in errors}
    if "purge_everything" not in failed:
        # Without a valid purge_everything, "nothing to purge" would be a second, wrong error.
        errors.extend(_combination_errors(purge, failed, zone_count))
    return purge, errors


def _list_file(name: str, relative: str, workspace: Path) -> str:
    """``@path``: the list is read from a file in the workspace. A runner passes each input
    as one environment variable of at most 128 KiB, so thousands of URLs need a file."""
    root = workspace.resolve()
    path = (root / relative.strip()).resolve()
    if root != path and root not in path.parents:
        raise InputError(
            name,
            f"'@{relative}' is outside the workspace.",
            "Give a path relative to the repository checkout after the @.",
        )
    if not path.is_file():
        raise InputError(
            name,
            f"the file '{relative}' (from '@{relative}') does not exist in the workspace.",
            "Write it in an earlier step, or fix the path.",
        )
    return path.read_text(encoding="utf-8")


def _combination_errors(
    purge: PurgeInputs, failed: set[str], zone_count: int | None
) -> list[InputError]:
    """Errors about the inputs together; ``failed`` names the inputs already reported."""
    given = [name for name in LIST_INPUTS if getattr(purge, name) or name in failed]
    if purge.everything and given:
        return [
            InputError(
                "purge_everything",
                f"is true together with {', '.join(given)}.",
                "purge_everything purges all cached content of the zone: remove "
                f"{', '.join(given)}, or set purge_everything to false to purge only those.",
            )
        ]
    if not purge.everything and not given:
        return [
            InputError(
                _NOTHING,
                "nothing to purge: files, tags, hosts and prefixes are all empty, and "
                "purge_everything is not true.",
                "List what to purge (one item per line), or set purge_everything: true to "
                "purge everything; an empty list never purges everything.",
            )
        ]
    needs_zone = [
        name for name, on in (("tags", purge.tags), ("purge_everything", purge.everything)) if on
    ]
    if needs_zone and zone_count == 0:  # None: zone is invalid and reported already
        return [
            InputError(
                "zone",
                f"is required for {' and '.join(needs_zone)}: unlike URLs, hosts and "
                "prefixes, they do not say which zone they belong to.",
                "Set zone to the zone's domain or ID (several zones: one per line).",
            )
        ]
    return []


def split_items(
    name: str, text: str, splitter: re.Pattern[str] | None = None, *, objects: bool = False
) -> list[Any]:
    """The raw items of a list input: a JSON array, or lines split on commas. With
    ``objects``, an item starting with ``{`` is a JSON object (the variants of ``files``)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            array = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(
                name,
                f"starts with '[' but is not a valid JSON array ({error.msg} at line "
                f"{error.lineno}, column {error.colno}).",
                "Fix the JSON, or write one item per line.",
            ) from None
        if not isinstance(array, list):
            raise InputError(name, "is not a JSON array.", "Write one item per line.")
        return [
            item.strip() if isinstance(item, str) else item
            for item in array
            if not (isinstance(item, str) and not item.strip())
        ]
    items: list[Any] = []
    for line in text.splitlines():
        line = line.strip()
        if objects and line.startswith("{"):
            items.append(_json_object(name, line))
            continue
        parts = splitter.split(line) if splitter else line.split(",")
        for part in parts:
            part = part.strip().rstrip(",").strip()
            if objects and part.startswith("{"):
                items.append(_json_object(name, part))
            elif part:
                items.append(part)
    return items


def _json_object(name: str, line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(
            name,
            f"has a line starting with '{{' that is not valid JSON ({error.msg}): {line[:80]}",
            'Write it as {"url": "https://…", "headers": {"CF-Device-Type": "mobile"}}.',
        ) from None


def _files(text: str, zone_count: int | None) -> tuple[FileItem, ...]:
    items = [_file_item(raw) for raw in split_items("files", text, _FILE_SPLIT, objects=True)]
    relative = [item.url for item in items if item.relative]
    if relative and zone_count is not None and zone_count != 1:
        where = "zone lists several zones" if zone_count else "zone is empty"
        raise InputError(
            "files",
            f"has paths without a host ({', '.join(relative[:3])}), but {where}, so there is "
            "no single zone name to join them to.",
            "Write full URLs (https://www.example.com/path), or set zone to one zone.",
        )
    return tuple(items)


def _file_item(raw: Any) -> FileItem:
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
        url = _url(raw["url"])
        return FileItem(url, tuple(sorted(headers.items())))
    if not isinstance(raw, str):
        raise InputError(
            "files",
            f"has an item that is not a URL: {json.dumps(raw)[:80]}",
            "Write URLs as strings.",
        )
    return FileItem(_url(raw))


def _url(text: str) -> str:
    text = text.strip()
    if any(char.isspace() for char in text):
        raise InputError(
            "files",
            f"'{text}' contains a space.",
            "Encode spaces in URLs as %20, or put one URL per line.",
        )
    if text.startswith("//"):
        text = "https:" + text  # a protocol-relative URL names its host
    if text.startswith("/"):
        return text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(
            "files",
            f"'{text}' is not an http(s) URL with a host.",
            "Write https://www.example.com/path, or /path to purge it on the zone's domain.",
        )
    return text


def _strings(
    name: str,
    text: str,
    check: Callable[[str, str], str],
    splitter: re.Pattern[str] | None = None,
) -> tuple[str, ...]:
    items = split_items(name, text, splitter)
    bad = [item for item in items if not isinstance(item, str)]
    if bad:
        raise InputError(
            name,
            f"has an item that is not a string: {json.dumps(bad[0])[:80]}",
            "Write one item per line.",
        )
    return tuple(check(name, item) for item in items)


def _tag(name: str, tag: str) -> str:
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


def _host(name: str, text: str) -> str:
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


def _prefix(name: str, text: str) -> str:
    if any(char.isspace() for char in text):
        raise InputError(
            name,
            f"'{text}' contains a space.",
            "Write one prefix per line; encode spaces in paths as %20.",
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
