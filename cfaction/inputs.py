"""Inputs: read them from the runner's ``INPUT_*`` variables or the CLI, validate them into
one frozen :class:`Settings` before any API call.

The runner passes every declared input, empty when not given, and does not enforce
``required:`` (github-actions-contract.md §1.2); an empty value therefore means "not given"
and this module enforces what is required. Every problem is collected, so one run reports
all of them (one ``::error`` per input).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, TypeVar
from urllib.parse import urlsplit

from cfaction.credentials import Credentials, InputWarning, parse_credentials
from cfaction.errors import InputError, InvalidInputsError

OPERATIONS: Final = ("verify",)
"""Operations this version implements; the contract also names purge, dns and worker."""

PLANNED_OPERATIONS: Final = ("purge", "dns", "worker")

DEFAULT_API_BASE_URL: Final = "https://api.cloudflare.com/client/v4"

COMMON_DEFAULTS: Final[Mapping[str, str]] = {
    "operation": "",
    "zone": "",
    "account_id": "",
    "api_token": "",
    "email": "",
    "global_key": "",
    "dry_run": "false",
    "api_base_url": DEFAULT_API_BASE_URL,
    "max_retries": "5",
    "timeout": "30",
    "summary": "true",
}
"""Every input this version declares, with the default action.yml gives it."""

INPUT_NAMES: Final = tuple(COMMON_DEFAULTS)

MAX_RETRIES_LIMIT: Final = 20
MAX_TIMEOUT: Final = 600.0

_ID = re.compile(r"^[0-9a-f]{32}$")
_HEXISH = re.compile(r"^[0-9a-fA-F]+$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TRUE: Final = ("true", "True", "TRUE")
T = TypeVar("T")
Parser = Callable[[str, str], T]
"""A per-input parser: ``(input name, raw text) -> value``, raising :class:`InputError`."""

_FALSE: Final = ("false", "False", "FALSE")


@dataclass(frozen=True)
class ZoneRef:
    """A zone as the user wrote it: a 32-hex ID, or a domain/hostname to resolve."""

    id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return self.id or self.name or ""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The validated inputs of one run."""

    operation: str
    zones: tuple[ZoneRef, ...]
    account_id: str | None
    credentials: Credentials
    dry_run: bool
    api_base_url: str
    max_retries: int
    timeout: float
    summary: bool
    warnings: tuple[InputWarning, ...] = field(default=())

    @property
    def zone(self) -> ZoneRef | None:
        """The single zone of operations that take one."""
        return self.zones[0] if self.zones else None


def from_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """Read every known input the way the runner names it: ``INPUT_`` + upper-case name."""
    return {name: environ.get(f"INPUT_{name.upper()}", "") for name in INPUT_NAMES}


def load(raw: Mapping[str, str]) -> Settings:
    """Validate raw input strings (empty = not given) into :class:`Settings`.

    Raises :class:`InvalidInputsError` with one :class:`InputError` per invalid input.
    """
    values = {name: raw.get(name, "") for name in INPUT_NAMES}
    errors: list[InputError] = []
    warnings: list[InputWarning] = []

    def check(parse: Parser[T], name: str, fallback: T) -> T:
        try:
            return parse(name, values[name].strip() or COMMON_DEFAULTS[name])
        except InputError as error:
            errors.append(error)
            return fallback

    operation = check(_operation, "operation", "")
    no_zones: tuple[ZoneRef, ...] = ()
    zones = check(_zones(warnings), "zone", no_zones)
    account_id = check(_account_id, "account_id", None)
    dry_run = check(parse_bool, "dry_run", False)
    api_base_url = check(_api_base_url, "api_base_url", DEFAULT_API_BASE_URL)
    max_retries = check(_int_between(0, MAX_RETRIES_LIMIT), "max_retries", 0)
    timeout = check(_seconds, "timeout", 30.0)
    summary = check(parse_bool, "summary", True)
    credentials: Credentials | None = None
    try:
        credentials, credential_warnings = parse_credentials(values)
        warnings.extend(credential_warnings)
    except InputError as error:
        errors.append(error)

    if len(zones) > 1 and operation and operation != "purge":
        errors.append(
            InputError(
                "zone",
                f"lists {len(zones)} zones; only operation 'purge' accepts several.",
                "Give one zone ID or domain name.",
            )
        )
    if errors or credentials is None:
        raise InvalidInputsError(errors)
    return Settings(
        operation=operation,
        zones=zones,
        account_id=account_id,
        credentials=credentials,
        dry_run=dry_run,
        api_base_url=api_base_url,
        max_retries=max_retries,
        timeout=timeout,
        summary=summary,
        warnings=tuple(warnings),
    )


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


def _operation(name: str, text: str) -> str:
    text = text.strip().lower()
    if not text:
        raise InputError(name, "is required.", f"Write one of: {', '.join(OPERATIONS)}.")
    if text in PLANNED_OPERATIONS:
        raise InputError(
            name,
            f"'{text}' is not available in this version of cfaction yet.",
            f"This version supports: {', '.join(OPERATIONS)}.",
        )
    if text not in OPERATIONS:
        raise InputError(
            name, f"'{text}' is not an operation.", f"Write one of: {', '.join(OPERATIONS)}."
        )
    return text


def _zones(warnings: list[InputWarning]) -> Parser[tuple[ZoneRef, ...]]:
    def parse(name: str, text: str) -> tuple[ZoneRef, ...]:
        refs: list[ZoneRef] = []
        for item in split_list(text):
            ref = parse_zone(name, item, warnings)
            if ref not in refs:
                refs.append(ref)
        return tuple(refs)

    return parse


def parse_zone(name: str, text: str, warnings: list[InputWarning]) -> ZoneRef:
    """One zone: a 32-hex ID as is, or a domain name (a pasted URL is reduced to its host)."""
    text = text.strip()
    if _ID.match(text.lower()) and len(text) == 32:
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
        host = urlsplit(text).hostname or ""
        if host:
            warnings.append(InputWarning(name, f"'{text}' is a URL; using its host '{host}'."))
    host = host.strip().rstrip(".").lower()
    with contextlib.suppress(UnicodeError):  # an unencodable name is reported below
        host = host.encode("idna").decode("ascii")
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InputError(
            name,
            f"'{text}' is neither a zone ID (32 hex characters) nor a domain name.",
            "Write the zone's domain, e.g. example.com, or its Zone ID from the Overview page.",
        )
    return ZoneRef(name=host)


def _account_id(name: str, text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if not _ID.match(text.lower()):
        raise InputError(
            name,
            f"'{text}' is not an account ID (32 hex characters).",
            "Copy the Account ID from the dashboard (Account Home → the account's menu → "
            "Copy account ID, or the 32-hex part of the dashboard URL).",
        )
    return text.lower()


def _api_base_url(name: str, text: str) -> str:
    text = text.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InputError(
            name, f"'{text}' is not an http(s) URL.", f"Leave it empty for {DEFAULT_API_BASE_URL}."
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InputError(
            name,
            f"'{text}' uses plain http to a host that is not loopback; the credentials "
            "would travel unencrypted.",
            "Use https://, or http:// only to 127.0.0.1/localhost.",
        )
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _int_between(low: int, high: int) -> Parser[int]:
    def parse(name: str, text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise InputError(
                name,
                f"'{text}' is not a whole number from {low} to {high}.",
                f"Write a number from {low} to {high}.",
            )
        return value

    return parse


def _seconds(name: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIMEOUT:
        raise InputError(
            name,
            f"'{text}' is not a number of seconds above 0 and at most {MAX_TIMEOUT:.0f}.",
            "Write a number of seconds, e.g. 30.",
        )
    return value
