"""Inputs: read them from the runner's ``INPUT_*`` variables or the CLI, validate them into
one frozen :class:`Settings` before any API call.

The runner passes every declared input, empty when not given, and does not enforce
``required:`` (github-actions-contract.md §1.2); an empty value therefore means "not given"
and this module enforces what is required. Every problem is collected, so one run reports
all of them (one ``::error`` per input).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from cfaction.credentials import Credentials, InputWarning, parse_credentials
from cfaction.errors import InputError, InvalidInputsError
from cfaction.inputs.dns import DNS_DEFAULTS, DnsInputs, load_dns, workspace_root
from cfaction.inputs.purge import PURGE_DEFAULTS, PurgeInputs, load_purge
from cfaction.inputs.values import (
    ID,
    Parser,
    T,
    ZoneRef,
    int_between,
    is_loopback,
    parse_bool,
    parse_zones,
    seconds,
    split_list,
)
from cfaction.inputs.worker import WORKER_DEFAULTS, WorkerInputs, load_worker

__all__ = [
    "DEFAULTS",
    "INPUT_NAMES",
    "OPERATIONS",
    "DnsInputs",
    "PurgeInputs",
    "Settings",
    "WorkerInputs",
    "ZoneRef",
    "from_environ",
    "load",
    "parse_bool",
    "split_list",
]

OPERATIONS: Final = ("dns", "purge", "verify", "worker")
"""The operations of the contract, all implemented."""

PLANNED_OPERATIONS: Final[tuple[str, ...]] = ()

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
"""The inputs every operation shares, with the defaults action.yml gives them."""

DEFAULTS: Final[Mapping[str, str]] = {
    **COMMON_DEFAULTS,
    **PURGE_DEFAULTS,
    **DNS_DEFAULTS,
    **WORKER_DEFAULTS,
}
"""Every input this version declares, in action.yml's order, with its default."""

INPUT_NAMES: Final = tuple(DEFAULTS)

MAX_RETRIES_LIMIT: Final = 20
MAX_TIMEOUT: Final = 600.0


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
    purge: PurgeInputs | None = None
    dns: DnsInputs | None = None
    worker: WorkerInputs | None = None

    @property
    def zone(self) -> ZoneRef | None:
        """The single zone of operations that take one."""
        return self.zones[0] if self.zones else None


def from_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """Read every known input the way the runner names it: ``INPUT_`` + upper-case name."""
    return {name: environ.get(f"INPUT_{name.upper()}", "") for name in INPUT_NAMES}


def load(raw: Mapping[str, str], workspace: Path | None = None) -> Settings:
    """Validate raw input strings (empty = not given) into :class:`Settings`.

    ``workspace`` is where a ``records`` file is read from (default: ``GITHUB_WORKSPACE``,
    else the current directory). Raises :class:`InvalidInputsError` with one
    :class:`InputError` per invalid input.
    """
    values = {name: raw.get(name, "") for name in INPUT_NAMES}
    errors: list[InputError] = []
    warnings: list[InputWarning] = []

    def check(parse: Parser[T], name: str, fallback: T) -> T:
        try:
            return parse(name, values[name].strip() or DEFAULTS[name])
        except InputError as error:
            errors.append(error)
            return fallback

    operation = check(_operation, "operation", "")
    no_zones: tuple[ZoneRef, ...] = ()
    zones = check(parse_zones(warnings), "zone", no_zones)
    account_id = check(_account_id, "account_id", None)
    dry_run = check(parse_bool, "dry_run", False)
    api_base_url = check(_api_base_url, "api_base_url", DEFAULT_API_BASE_URL)
    max_retries = check(int_between(0, MAX_RETRIES_LIMIT), "max_retries", 0)
    timeout = check(seconds(MAX_TIMEOUT), "timeout", 30.0)
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
    purge: PurgeInputs | None = None
    if operation == "purge":
        zone_failed = any(error.input_name == "zone" for error in errors)
        purge, purge_errors = load_purge(
            values, None if zone_failed else len(zones), workspace or workspace_root(os.environ)
        )
        errors.extend(purge_errors)
    dns: DnsInputs | None = None
    if operation == "dns":
        if not zones and not any(error.input_name == "zone" for error in errors):
            errors.append(
                InputError(
                    "zone",
                    "is required for operation dns.",
                    "Set zone to the zone's domain (example.com) or its ID.",
                )
            )
        dns, dns_errors = load_dns(values, workspace or workspace_root(os.environ))
        errors.extend(dns_errors)
        warnings.extend(dns.warnings)
    worker: WorkerInputs | None = None
    if operation == "worker":
        worker, worker_errors = load_worker(values, workspace or workspace_root(os.environ))
        errors.extend(worker_errors)
        if worker is not None:
            warnings.extend(worker.warnings)
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
        purge=purge,
        dns=dns,
        worker=worker,
    )


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


def _account_id(name: str, text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if not ID.match(text.lower()):
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
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InputError(
            name,
            f"'{text}' uses plain http to a host that is not loopback; the credentials "
            "would travel unencrypted.",
            "Use https://, or http:// only to 127.0.0.1/localhost.",
        )
    return text
