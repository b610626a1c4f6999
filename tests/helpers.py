"""What the unit tests share: the identities they use, Cloudflare envelopes, loading inputs,
and an in-process run of one operation with a real Client (HTTP mocked by ``responses``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cfaction.client import Client
from cfaction.errors import InputError, InvalidInputsError
from cfaction.main import Settings, load, perform
from cfaction.ops.base import Context, Outcome
from cfaction.report import OutputValue, Reporter
from cfaction.workspace import Workspace
from cfaction.zones import ZoneResolver

BASE = "https://api.example.test/client/v4"
TOKEN = "A" * 40
"""A token as the tests give it (any 40 characters are a plausible token)."""
OLD_STYLE_TOKEN = "Abcdefghij0123456789ABCDEFGHIJklmnopqrst"
"""An old-style token: 40 mixed-case characters."""
ACCOUNT_ID = "01a7362d577a6c3019a474fd6f485823"
ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"


# Cloudflare envelopes


def ok(result: Any, **extra: Any) -> dict[str, Any]:
    """A successful v4 envelope."""
    return {"success": True, "errors": [], "messages": [], "result": result, **extra}


def failure(code: int, message: str) -> dict[str, Any]:
    """A failed v4 envelope with one error."""
    return {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
    }


# loading inputs


def load_settings(workspace: Path | None = None, **given: str) -> Settings[Any]:
    """``main.load`` of ``given``, with a token unless ``given`` sets credentials."""
    credentials = {"api_token": TOKEN} if not {"api_token", "global_key"} & set(given) else {}
    return load({**credentials, **given}, Workspace.at(workspace) if workspace else None)


def load_errors(workspace: Path | None = None, **given: str) -> list[InputError]:
    """Every InputError that loading ``given`` reports (there must be one)."""
    with pytest.raises(InvalidInputsError) as excinfo:
        load_settings(workspace, **given)
    return list(excinfo.value.errors)


def load_error(workspace: Path | None = None, **given: str) -> InputError:
    """The single InputError that loading ``given`` reports."""
    errors = load_errors(workspace, **given)
    assert len(errors) == 1, [e.message for e in errors]
    return errors[0]


# running one operation in-process


class Run:
    """One operation's inputs loaded and its Context aimed at BASE: ``plan()``, ``perform()``.

    Retries do not sleep (the delays are kept in ``sleeps``) and progress lines are kept in
    ``progress``.
    """

    def __init__(self, operation: str, workspace: Path | None = None, **given: str) -> None:
        self.settings = load_settings(
            workspace,
            **{"operation": operation, "api_base_url": BASE, "max_retries": "2", **given},
        )
        common = self.settings.common
        self.sleeps: list[float] = []
        self.progress: list[str] = []
        self.client = Client(
            base_url=common.api_base_url,
            credentials=common.credentials,
            timeout=common.timeout,
            max_retries=common.max_retries,
            sleep=self.sleeps.append,
            rng=lambda: 0.0,
        )
        self.ctx = Context(
            common, self.client, ZoneResolver(self.client, common.account_id), self.progress.append
        )

    @property
    def inputs(self) -> Any:
        """The operation's own validated inputs."""
        return self.settings.inputs

    def plan(self) -> Any:
        return self.settings.operation.plan(self.ctx, self.inputs)

    def perform(self) -> Outcome:
        """plan → apply (unless dry_run) → render, exactly as ``main`` runs it."""
        return perform(self.settings.operation, self.ctx, self.inputs)


class RecordingReporter(Reporter):
    """Keeps every call, in order, instead of printing."""

    def __init__(self) -> None:
        super().__init__()
        self.logs: list[str] = []
        self.warnings: list[tuple[str | None, str]] = []
        self.errors: list[tuple[str | None, str]] = []
        self.placed: list[tuple[str | None, int | None, int | None]] = []
        self.output_calls: list[dict[str, OutputValue]] = []
        self.summaries: list[str] = []

    def log(self, text: str) -> None:
        self.logs.append(text)

    def warning(self, message: str, title: str | None = None) -> None:
        self.warnings.append((title, message))

    def error(
        self,
        message: str,
        title: str | None = None,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.errors.append((title, message))
        self.placed.append((file, line, column))

    def outputs(self, values: Mapping[str, OutputValue]) -> None:
        self.output_calls.append(dict(values))

    def summary(self, markdown: str) -> None:
        self.summaries.append(markdown)
