"""The inputs every operation shares, validated into :class:`CommonSettings`.

The runner passes every input ``action.yml`` declares, empty when the workflow did not
give it, and does not enforce ``required:`` (actions/runner ``ActionManifestManager.cs``
reads only ``default``; see actions/runner#1070), so an empty value means "not given" and
cfaction enforces what is required itself. Used as ``docker://image``, the runner passes
only the inputs written in ``with:``: :class:`RawInputs` applies the defaults in code.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Final

from cfaction.credentials import Credentials, parse_credentials
from cfaction.errors import InputError
from cfaction.github.inputs import GITHUB_INPUTS, GitHubSettings, load_github
from cfaction.problems import Problems
from cfaction.values import (
    ID,
    NOT_UTF8,
    ZoneRef,
    int_between,
    parse_api_url,
    parse_bool,
    seconds,
)

DEFAULT_API_BASE_URL: Final = "https://api.cloudflare.com/client/v4"
MAX_RETRIES_LIMIT: Final = 20
MAX_TIMEOUT: Final = 600.0

COMMON_INPUTS: Final[Mapping[str, str]] = {
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
    **GITHUB_INPUTS,
}
"""The inputs every operation shares, with the defaults action.yml gives them."""


@dataclass(frozen=True)
class RawInputs:
    """The input strings of one run, as the runner or the CLI gave them, with the defaults
    of every declared input."""

    values: Mapping[str, str]
    defaults: Mapping[str, str]

    def given(self, name: str) -> str:
        """The value as written, trimmed; empty when not given."""
        return self.values.get(name, "").strip()

    def text(self, name: str) -> str:
        """The value as written, trimmed, else the input's default."""
        return self.given(name) or self.defaults.get(name, "")


@dataclass(frozen=True, kw_only=True)
class CommonSettings:
    """The validated common inputs of one run."""

    operation: str
    zones: tuple[ZoneRef, ...]
    account_id: str | None
    credentials: Credentials
    dry_run: bool
    api_base_url: str
    max_retries: int
    timeout: float
    summary: bool
    github: GitHubSettings = field(default_factory=GitHubSettings)

    @property
    def zone(self) -> ZoneRef | None:
        """The single zone of operations that take one."""
        return self.zones[0] if self.zones else None


MAX_INPUT_CHARS: Final = 1024 * 1024
"""The longest value one input may have: eight times what the runner can pass (each input
is one environment variable, and Linux refuses one over 128 KiB); a longer list goes in a
file (``@path``)."""


def unreadable_inputs(raw: Mapping[str, str]) -> list[InputError]:
    """The inputs no parser should see: text that is not UTF-8 (Python keeps each byte it
    cannot decode from the environment or the command line as a lone surrogate, PEP 383),
    or longer than :data:`MAX_INPUT_CHARS`."""
    errors = []
    for name, value in raw.items():
        bad = NOT_UTF8.search(value)
        if bad is not None:
            byte = ord(bad.group()) - 0xDC00
            what = f"the byte 0x{byte:02X}" if 0x80 <= byte <= 0xFF else "a lone surrogate"
            errors.append(
                InputError(
                    name,
                    f"is not UTF-8 text: character {bad.start() + 1} is {what}.",
                    "Pass the value as UTF-8: save the file it comes from as UTF-8 (iconv -t "
                    "UTF-8 converts one).",
                )
            )
        elif len(value) > MAX_INPUT_CHARS:
            errors.append(
                InputError(
                    name,
                    f"has {len(value):,} characters; at most {MAX_INPUT_CHARS:,} are read.",
                    "Write the value to a file in an earlier step and give @path (lists), or "
                    "the file's path (records), instead.",
                )
            )
    return errors


def parse_operation(name: str, text: str, operations: Collection[str]) -> str:
    text = text.strip().lower()
    choices = ", ".join(sorted(operations))
    if not text:
        raise InputError(name, "is required.", f"Write one of: {choices}.")
    if text not in operations:
        raise InputError(name, f"'{text}' is not an operation.", f"Write one of: {choices}.")
    return text


def load_common(
    inputs: RawInputs,
    operation: str | None,
    zones: tuple[ZoneRef, ...] | None,
    problems: Problems,
) -> CommonSettings | None:
    """Validate the common inputs besides ``operation`` and ``zone`` (parsed by the caller,
    None when invalid). Every problem goes to ``problems``; None when there was one."""

    account_id = problems.attempt(
        lambda: _account_id("account_id", inputs.given("account_id")), None
    )
    dry_run = problems.attempt(lambda: parse_bool("dry_run", inputs.text("dry_run")), False)
    api_base_url = problems.attempt(
        lambda: _api_base_url("api_base_url", inputs.text("api_base_url")), DEFAULT_API_BASE_URL
    )
    max_retries = problems.attempt(
        lambda: int_between(0, MAX_RETRIES_LIMIT)("max_retries", inputs.text("max_retries")), 0
    )
    timeout = problems.attempt(
        lambda: seconds(MAX_TIMEOUT)("timeout", inputs.text("timeout")), 30.0
    )
    summary = problems.attempt(lambda: parse_bool("summary", inputs.text("summary")), True)
    credentials = problems.attempt(lambda: _credentials(inputs, problems), None)
    github = load_github(inputs.given, operation, problems)
    if problems.errors or operation is None or zones is None or credentials is None:
        return None
    return CommonSettings(
        operation=operation,
        zones=zones,
        account_id=account_id,
        credentials=credentials,
        dry_run=dry_run,
        api_base_url=api_base_url,
        max_retries=max_retries,
        timeout=timeout,
        summary=summary,
        github=github,
    )


def _credentials(inputs: RawInputs, problems: Problems) -> Credentials:
    credentials, warnings = parse_credentials(inputs.values)
    problems.warnings.extend(warnings)
    return credentials


def _account_id(name: str, text: str) -> str | None:
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
    return parse_api_url(name, text, default=DEFAULT_API_BASE_URL)
