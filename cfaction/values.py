"""Parsers for single input values, shared by the common and the per-operation inputs.

Each parser takes ``(input name, raw text)`` and returns the value or raises
:class:`~cfaction.errors.InputError` naming the input and saying what to write instead.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from cfaction.errors import InputError
from cfaction.problems import Problems

ID: Final = re.compile(r"^[0-9a-f]{32}$")
NOT_UTF8: Final = re.compile("[\ud800-\udfff]")
"""What Python keeps of bytes that are not UTF-8 in the environment or the command line: a
lone surrogate each (PEP 383), which cannot be printed."""
_HEXISH: Final = re.compile(r"^[0-9a-fA-F]+$")
_LABEL: Final = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TRUE: Final = ("true", "True", "TRUE")
_FALSE: Final = ("false", "False", "FALSE")


@dataclass(frozen=True)
class ZoneRef:
    """A zone as the user wrote it: a 32-hex ID, or a domain/hostname to resolve."""

    id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return self.id or self.name or ""


def parse_bool(name: str, text: str) -> bool:
    """YAML 1.2 core booleans only, as ``@actions/core`` ``getBooleanInput`` accepts."""
    text = text.strip()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(name, f"'{text}' is not a boolean.", "Write true or false.")


def split_list(text: str) -> list[str]:
    """Split a list input given one item per line or comma-separated; blanks are dropped."""
    items: list[str] = []
    for line in text.splitlines():
        items.extend(part.strip() for part in line.split(","))
    return [item for item in items if item]


def parse_zones(name: str, text: str, problems: Problems) -> tuple[ZoneRef, ...]:
    """Zones, one per line or comma-separated, without repeats."""
    refs: list[ZoneRef] = []
    for item in split_list(text):
        ref = parse_zone(name, item, problems)
        if ref not in refs:
            refs.append(ref)
    return tuple(refs)


def parse_zone(name: str, text: str, problems: Problems) -> ZoneRef:
    """One zone: a 32-hex ID as is, or a domain name (a pasted URL is reduced to its host)."""
    text = text.strip()
    if ID.match(text.lower()) and len(text) == 32:
        return ZoneRef(id=text.lower())
    if _HEXISH.match(text) and 24 <= len(text) <= 40:
        raise InputError(
            name,
            f"'{text}' looks like a zone ID but has {len(text)} characters, not 32.",
            "Copy the Zone ID again from the zone's Overview page (API section), or write the "
            "domain name instead, e.g. example.com.",
        )
    host = text
    if "://" in text:
        try:
            host = urlsplit(text).hostname or ""
        except ValueError:  # a malformed [IPv6] literal: no host to take
            host = ""
        if host:
            problems.warn(name, f"'{text}' is a URL; using its host '{host}'.")
    normalized = normalize_hostname(host)
    if normalized is None:
        raise InputError(
            name,
            f"'{shown(text)}' is neither a zone ID (32 hex characters) nor a domain name.",
            "Write the zone's domain, e.g. example.com, or its Zone ID from the Overview page.",
        )
    return ZoneRef(name=normalized)


def shown(text: str, limit: int = 80) -> str:
    """A value as a message quotes it: cut short, control characters as escapes."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def normalize_hostname(text: str) -> str | None:
    """A hostname in lower-case ASCII (IDNA), or None when it is not one."""
    host = text.strip().rstrip(".").lower()
    with contextlib.suppress(UnicodeError):  # an unencodable name fails the check below
        host = host.encode("idna").decode("ascii")
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        return None
    return host


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_api_url(name: str, text: str, *, default: str) -> str:
    """An API base URL: http(s) with a host, no spaces or control characters, and plain http
    only to a loopback address (a token sent anywhere else would travel unencrypted).
    ``default`` is what an empty value means, for the message."""
    text = text.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:  # a malformed [IPv6] literal or port
        parts = None
    unusable = any(c.isspace() or not c.isprintable() for c in text)
    if parts is None or unusable or parts.scheme not in ("https", "http") or not parts.hostname:
        raise InputError(
            name, f"'{shown(text)}' is not an http(s) URL.", f"Leave it empty for {default}."
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InputError(
            name,
            f"'{shown(text)}' uses plain http to a host that is not loopback; the credentials "
            "would travel unencrypted.",
            "Use https://, or http:// only to 127.0.0.1/localhost.",
        )
    return text


def key_value_lines(
    name: str,
    text: str,
    fix: str,
    check_key: Callable[[str, str], None] | None = None,
) -> dict[str, str]:
    """``KEY=value`` lines: blank lines and ``#`` comments skipped, keys and values trimmed,
    each key once. ``fix`` says how to write a line that is not ``KEY=value``; ``check_key``
    (called with ``name`` and the key) refuses a key the input does not take."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(name, f"line {number} is not KEY=value.", fix)
        if check_key is not None:
            check_key(name, key)
        if key in found:
            raise InputError(name, f"names {key} twice (line {number}).", "Give each name once.")
        found[key] = value.strip()
    return found


def int_between(low: int, high: int) -> Callable[[str, str], int]:
    """A parser of whole numbers from ``low`` to ``high``."""

    def parse(name: str, text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise InputError(
                name,
                f"'{shown(text)}' is not a whole number from {low} to {high}.",
                f"Write a number from {low} to {high}.",
            )
        return value

    return parse


def seconds(max_seconds: float) -> Callable[[str, str], float]:
    """A parser of a number of seconds above 0 and at most ``max_seconds``."""

    def parse(name: str, text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = -1.0
        if not 0 < value <= max_seconds:
            raise InputError(
                name,
                f"'{text}' is not a number of seconds above 0 and at most {max_seconds:.0f}.",
                "Write a number of seconds, e.g. 30.",
            )
        return value

    return parse
