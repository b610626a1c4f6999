"""The run: mask secrets, validate inputs, run the operation, report, choose the exit code.

This is the single place that catches :class:`~cfaction.errors.ActionError` and the only
one that decides the exit status (0 on success, 1 on any failure). Other exceptions are
bugs and keep their traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cfaction import inputs, markdown
from cfaction.client import Client
from cfaction.credentials import secret_values
from cfaction.errors import ActionError, APIError, CloudflareError, InvalidInputsError
from cfaction.ops import OPERATIONS
from cfaction.ops.base import Context, Outcome
from cfaction.report import OutputValue, Reporter, make_reporter
from cfaction.zones import ZoneResolver


def run_action() -> int:
    """Entry point of the action and the container: inputs come from ``INPUT_*``."""
    environ = os.environ
    return execute(inputs.from_environ(environ), make_reporter(environ))


def execute(raw: Mapping[str, str], reporter: Reporter) -> int:
    """Run one operation from raw input strings and report it. Returns the exit code."""
    # Before anything else is printed, so not even an error message can show a credential.
    for secret in secret_values(raw):
        reporter.mask(secret)
    try:
        settings = inputs.load(raw)
    except InvalidInputsError as invalid:
        return _report_invalid_input(raw, reporter, invalid)

    for warning in settings.warnings:
        reporter.warning(
            f"{warning.input_name} {warning.message}", title=f"Input {warning.input_name}"
        )
    client = Client(
        base_url=settings.api_base_url,
        credentials=settings.credentials,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        on_retry=reporter.log,
    )
    context = Context(settings, client, ZoneResolver(client, settings.account_id), reporter)
    try:
        outcome = OPERATIONS[settings.operation](context)
    except ActionError as error:
        outcome = Outcome(
            heading=f"{settings.operation} failed",
            markdown="",
            result={"ok": False},
            problems=[error],
        )
    finally:
        client.close()

    for problem in outcome.problems:
        reporter.error(_annotation_text(problem), title=problem.title)
    status = "succeeded" if outcome.ok else "failed"
    calls = f"{client.calls} API call" + ("" if client.calls == 1 else "s")
    reporter.log(f"cfaction {settings.operation} {status}; {calls}.")
    reporter.outputs(_outputs(outcome, settings.dry_run, client.calls))
    if settings.summary:
        reporter.summary(_summary(settings.operation, outcome, client.calls))
    return 0 if outcome.ok else 1


def _outputs(outcome: Outcome, dry_run: bool, calls: int) -> dict[str, OutputValue]:
    """The outputs every operation sets, then the operation's own."""
    zone = outcome.zone
    result: dict[str, Any] = {
        **outcome.result,
        "ok": outcome.ok,
        "errors": [_problem_json(p) for p in outcome.problems],
        "api_calls": calls,
        "dry_run": dry_run,
    }
    values: dict[str, OutputValue] = {
        "zone_id": zone.id if zone else "",
        "zone_name": (zone.name or "") if zone else "",
        "account_id": outcome.account_id or (zone.account_id if zone else None) or "",
        "dry_run": dry_run,
        "api_calls": calls,
    }
    values.update(outcome.outputs)
    values["result"] = result
    return values


def _summary(operation: str, outcome: Outcome, calls: int) -> str:
    parts = [f"## cfaction {outcome.heading}"]
    if outcome.markdown:
        parts.append(outcome.markdown)
    if outcome.problems:
        parts.append(_problems_markdown(outcome.problems))
    status = "✅ succeeded" if outcome.ok else "❌ failed"
    parts.append(f"Operation `{operation}` {status}. API calls: {calls}.")
    return "\n\n".join(parts) + "\n"


def _problems_markdown(problems: list[ActionError]) -> str:
    lines = ["**What went wrong and what to change**", ""]
    for problem in problems:
        lines.append(
            f"- **{markdown.cell(problem.title)}**: {markdown.cell(_annotation_text(problem))}"
        )
    return "\n".join(lines)


def _annotation_text(error: ActionError) -> str:
    hint = error.hint if isinstance(error, CloudflareError) else ""
    return f"{error.message} {hint}".strip()


def _problem_json(error: ActionError) -> dict[str, Any]:
    data: dict[str, Any] = {"title": error.title, "message": error.message}
    if isinstance(error, CloudflareError):
        data.update({"hint": error.hint, "method": error.method, "path": error.path})
    if isinstance(error, APIError):
        data.update({"status": error.status, "codes": error.codes()})
    return data


def _report_invalid_input(
    raw: Mapping[str, str], reporter: Reporter, invalid: InvalidInputsError
) -> int:
    """One annotation per invalid input, outputs saying nothing was called, a summary."""
    for error in invalid.errors:
        reporter.error(error.message, title=error.title)
    reporter.outputs(
        {
            "dry_run": raw.get("dry_run", "") in ("true", "True", "TRUE"),
            "api_calls": 0,
            "result": {
                "ok": False,
                "api_calls": 0,
                "errors": [
                    {"title": e.title, "input": e.input_name, "message": e.message}
                    for e in invalid.errors
                ],
            },
        }
    )
    if raw.get("summary", "").strip() not in ("false", "False", "FALSE"):
        lines = [
            f"- **{markdown.cell(e.input_name)}**: {markdown.cell(e.problem)} "
            f"{markdown.cell(e.fix)}"
            for e in invalid.errors
        ]
        reporter.summary(
            "## cfaction: invalid input\n\nNothing was sent to Cloudflare. Fix these inputs:\n\n"
            + "\n".join(lines)
            + "\n"
        )
    return 1
