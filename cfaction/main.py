"""The run, the same for every operation: mask secrets, load and validate every input (0
API calls on any invalid one), plan (reads only), stop there on ``dry_run``, apply (writes
only), render, report, exit code.

This is the single place that catches :class:`~cfaction.errors.ActionError`, decides dry
run and the exit status (0 on success, 1 on any failure). Other exceptions are bugs and
keep their traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic

from cfaction import markdown
from cfaction.client import Client
from cfaction.credentials import maskable, secret_values
from cfaction.errors import (
    ActionError,
    APIError,
    CloudflareError,
    InputError,
    InvalidInputsError,
)
from cfaction.github.inputs import token_values
from cfaction.ops import INPUT_NAMES, INPUTS, OPERATIONS
from cfaction.ops.base import Context, InputsT, LoadSource, Operation, Outcome
from cfaction.problems import InputWarning, Problems
from cfaction.report import OutputValue, Reporter, make_reporter
from cfaction.settings import (
    CommonSettings,
    RawInputs,
    load_common,
    parse_operation,
    unreadable_inputs,
)
from cfaction.values import parse_bool, parse_zones
from cfaction.workspace import Workspace
from cfaction.zones import ZoneResolver


@dataclass(frozen=True)
class Settings(Generic[InputsT]):
    """The validated inputs of one run: the common ones, and the operation's own."""

    common: CommonSettings
    operation: Operation[InputsT, Any, Any]
    inputs: InputsT
    warnings: tuple[InputWarning, ...] = ()


def run_action() -> int:
    """Entry point of the action and the container: inputs come from ``INPUT_*``."""
    environ = os.environ
    return execute(from_environ(environ), make_reporter(environ))


def from_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """Read every known input the way the runner names it: ``INPUT_`` + upper-case name."""
    return {name: environ.get(f"INPUT_{name.upper()}", "") for name in INPUT_NAMES}


def load(raw: Mapping[str, str], workspace: Workspace | None = None) -> Settings[Any]:
    """Validate raw input strings (empty = not given) into :class:`Settings`.

    ``workspace`` is where input files are read from (default: ``GITHUB_WORKSPACE``, else
    the current folder). Raises :class:`InvalidInputsError` with one
    :class:`~cfaction.errors.InputError` per invalid input.
    """
    unreadable = unreadable_inputs(raw)
    if unreadable:  # not text, or too long: no parser is given such a value
        raise InvalidInputsError(unreadable)
    inputs = RawInputs(raw, INPUTS)
    problems = Problems()
    name = problems.attempt(
        lambda: parse_operation("operation", inputs.text("operation"), OPERATIONS), None
    )
    zones = problems.attempt(lambda: parse_zones("zone", inputs.text("zone"), problems), None)
    # Imports the operation's package: only the one this run performs.
    operation = OPERATIONS[name].operation() if name else None
    if operation is not None and zones and len(zones) > 1 and not operation.many_zones:
        problems.add(_too_many_zones(len(zones)))
        zones = None
    common = load_common(inputs, name, zones, problems)
    op_inputs = None
    if operation is not None:
        source = LoadSource(inputs, zones, workspace or Workspace.from_environ(os.environ))
        op_inputs = operation.load(source, problems)
    if problems.errors or common is None or operation is None or op_inputs is None:
        raise InvalidInputsError(problems.errors)
    return Settings(common, operation, op_inputs, tuple(problems.warnings))


def _too_many_zones(count: int) -> InputError:
    takers = " and ".join(f"'{op.name}'" for op in OPERATIONS.values() if op.many_zones)
    return InputError(
        "zone",
        f"lists {count} zones; only operation {takers} accepts several.",
        "Give one zone ID or domain name.",
    )


def execute(raw: Mapping[str, str], reporter: Reporter) -> int:
    """Run one operation from raw input strings and report it. Returns the exit code."""
    # Before anything else is printed, so not even an error message can show a secret.
    for secret in _secrets(raw):
        reporter.mask(secret)
    try:
        settings = load(raw)
    except InvalidInputsError as invalid:
        return _report_invalid_input(raw, reporter, invalid)
    for warning in settings.warnings:
        reporter.warning(
            f"{warning.input_name} {warning.message}", title=f"Input {warning.input_name}"
        )
    common = settings.common
    client = Client(
        base_url=common.api_base_url,
        credentials=common.credentials,
        timeout=common.timeout,
        max_retries=common.max_retries,
        on_retry=reporter.log,
    )
    context = Context(common, client, ZoneResolver(client, common.account_id), reporter.log)
    operation = settings.operation
    feedback = None
    if common.github.wanted:  # the pull-request comment, a deployment
        from cfaction.github.feedback import Feedback  # imported only by a run that needs it

        feedback = Feedback.for_run(common, reporter)
        operation = feedback.around(operation)
    try:
        outcome = perform(operation, context, settings.inputs)
    finally:
        client.close()
    code = _report(common, outcome, client.calls, reporter)
    if feedback is not None:
        feedback.publish(outcome, _summary(common.operation, outcome, client.calls))
    return code


def perform(operation: Operation[InputsT, Any, Any], context: Context, inputs: InputsT) -> Outcome:
    """Plan, apply unless ``dry_run`` (or the operation never writes), render. A failure that
    leaves no outcome of the operation's own becomes a failed one."""
    applying = False
    try:
        plan = operation.plan(context, inputs)
        applied = None
        if operation.apply is not None and not context.settings.dry_run:
            applying = True
            applied = operation.apply(context, plan)
        return operation.render(plan, applied)
    except InvalidInputsError as invalid:
        return _failed(operation.name, list(invalid.errors), applying)
    except ActionError as error:
        return _failed(operation.name, [error], applying)


def _secrets(raw: Mapping[str, str]) -> list[str]:
    values = set(secret_values(raw)) | set(token_values(raw))
    # Each operation's own secret inputs; a package is imported only when one is given.
    for spec in OPERATIONS.values():
        values.update(spec.secrets(raw))
    return sorted(maskable(values), key=len, reverse=True)  # printable forms only


def _failed(name: str, problems: list[ActionError], applying: bool = False) -> Outcome:
    # Before apply only reads were sent, so the exact report of what is live is "nothing
    # changed"; a failure inside apply that the operation did not report says nothing more.
    said = "" if applying else "Nothing was changed: the run stopped before its first write."
    return Outcome(heading=f"{name} failed", markdown=said, result={"ok": False}, problems=problems)


def _report(common: CommonSettings, outcome: Outcome, calls: int, reporter: Reporter) -> int:
    for note in outcome.notes:
        reporter.log(note)
    for warning in outcome.warnings:
        reporter.warning(warning.message, title=warning.title)
    for problem in outcome.problems:
        placed = problem.annotations()
        if not placed:
            reporter.error(_annotation_text(problem), title=problem.title)
        for annotation in placed:
            reporter.error(
                annotation.message,
                title=problem.title,
                file=annotation.file,
                line=annotation.line,
                column=annotation.column,
            )
    status = "succeeded" if outcome.ok else "failed"
    reporter.log(f"cfaction {common.operation} {status}; {_calls(calls)}.")
    reporter.outputs(_outputs(outcome, common.dry_run, calls))
    if common.summary:
        reporter.summary(_summary(common.operation, outcome, calls))
    return 0 if outcome.ok else 1


def _calls(count: int) -> str:
    return f"{count} API call" + ("" if count == 1 else "s")


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
    inputs = RawInputs(raw, INPUTS)
    for error in invalid.errors:
        reporter.error(error.message, title=error.title)
    reporter.outputs(
        {
            "dry_run": _flag(inputs, "dry_run", False),
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
    if _flag(inputs, "summary", True):
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


def _flag(inputs: RawInputs, name: str, fallback: bool) -> bool:
    """A boolean input as parsed, or ``fallback`` when it is itself invalid."""
    return Problems().attempt(lambda: parse_bool(name, inputs.text(name)), fallback)
