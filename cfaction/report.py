"""Reporting: the only writer of the log, step outputs and the job summary.

Two reporters share one interface:

* :class:`RunnerReporter` inside GitHub Actions: workflow commands on stdout through
  ``github-action-utils`` (masks, annotations), outputs to ``GITHUB_OUTPUT`` in the
  runner's heredoc format, Markdown to ``GITHUB_STEP_SUMMARY``.
* :class:`ConsoleReporter` elsewhere (the CLI): human text on stderr, the summary as
  text on stderr, and the outputs as one JSON document on stdout.

Both scrub every registered secret from whatever they print or write, on top of the
runner's own masking: the output file is not masked by the runner. Text that comes from
the API or the workspace goes through :meth:`Reporter.log`, which suspends workflow
commands around it whenever it could be read as one (``::stop-commands::``, see actions/runner
``src/Runner.Worker/ActionCommandManager.cs``).
"""

from __future__ import annotations

import html
import json
import os
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import github_action_utils as gha

from cfaction import markdown, output_budget, report_file

SUMMARY_LIMIT = 900 * 1024
"""Stay well under the runner's 1 MiB summary cap (actions/runner
``src/Runner.Worker/FileCommandManager.cs``, ``CreateStepSummaryCommand``)."""

MIN_SCRUB = 4
"""The shortest secret form scrubbed from our own text."""

OutputValue = str | int | float | bool | list[Any] | dict[str, Any] | None


def escaped_forms(value: str) -> list[str]:
    """A secret as written and as our Markdown cells, HTML and JSON documents spell it."""
    forms = [value, markdown.cell(value), html.escape(value, quote=False), html.escape(value)]
    forms.append(json.dumps(value)[1:-1])
    return list(dict.fromkeys(forms))


def format_output(value: OutputValue) -> str:
    """Output values as workflows read them: JSON for structures, lower-case booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class Reporter:
    """Common behaviour: secret scrubbing. Subclasses decide where text goes."""

    def __init__(self) -> None:
        self._secrets: list[str] = []

    def mask(self, value: str) -> None:
        """Register a secret: masked by the runner and scrubbed from all our own text, in
        every form our text can carry it (as written, Markdown-table-, HTML- and
        JSON-escaped). Forms shorter than :data:`MIN_SCRUB` are not scrubbed from our text,
        where they would rewrite unrelated words (the inputs refuse such secrets)."""
        if not value:
            return
        for form in escaped_forms(value):
            if len(form) >= MIN_SCRUB and form not in self._secrets:
                self._secrets.append(form)
        self._secrets.sort(key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def scrub_value(self, value: OutputValue) -> OutputValue:
        """Scrub every string inside an output value, before it is encoded as JSON."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_value(item) for item in value]
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.scrub_value(v) for k, v in value.items()}
        return value

    def log(self, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def warning(self, message: str, title: str | None = None) -> None:  # pragma: no cover
        raise NotImplementedError

    def error(
        self,
        message: str,
        title: str | None = None,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:  # pragma: no cover
        """An error; ``file`` (absolute) and ``line`` place it in the user's code."""
        raise NotImplementedError

    def outputs(self, values: Mapping[str, OutputValue]) -> None:  # pragma: no cover
        raise NotImplementedError

    def summary(self, markdown: str) -> None:  # pragma: no cover
        raise NotImplementedError


class RunnerReporter(Reporter):
    """Inside GitHub Actions (``GITHUB_ACTIONS=true``)."""

    def __init__(self) -> None:
        super().__init__()
        # github-action-utils writes to the files these variables name.
        self._output_path = os.environ.get("GITHUB_OUTPUT", "")
        self._summary_path = os.environ.get("GITHUB_STEP_SUMMARY", "")

    def mask(self, value: str) -> None:
        if value and value not in self._secrets:
            # Escaped by the library, so a multi-line value is masked line by line.
            gha.add_mask(value)
        super().mask(value)

    def log(self, text: str) -> None:
        text = self.scrub(text)
        if "::" in text or "##[" in text:
            # The runner would read such a line as a command; stop command processing
            # around it with a one-time token.
            token = f"cfaction-{uuid.uuid4().hex}"
            with gha.stop_commands(token):
                gha.echo(text)
        else:
            gha.echo(text)

    def warning(self, message: str, title: str | None = None) -> None:
        gha.warning(self.scrub(message), title=self.scrub(title) if title else None)

    def error(
        self,
        message: str,
        title: str | None = None,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        # The runner wants the file relative to the repository (GITHUB_WORKSPACE).
        place = _workspace_relative(file) if file else None
        gha.error(
            self.scrub(message),
            title=self.scrub(title) if title else None,
            file=self.scrub(place) if place else None,
            line=line if place else None,
            col=column if place else None,
        )

    def outputs(self, values: Mapping[str, OutputValue]) -> None:
        if not self._output_path:
            self.log(
                "GITHUB_OUTPUT is not set; outputs: "
                + json.dumps({k: format_output(v) for k, v in values.items()})
            )
            return
        scrubbed = {name: self.scrub_value(value) for name, value in values.items()}
        report_path = self._write_report(scrubbed)
        if report_path:
            scrubbed["report_path"] = report_path
        texts = {name: format_output(value) for name, value in scrubbed.items()}
        fitted, cuts = output_budget.fit(texts, scrubbed)
        if cuts:
            self._note_cuts(fitted, cuts, report_path)
        for name, value in fitted.items():
            # Formatted again only when fitting replaced it (a cut list, the noted result).
            text = texts[name] if value is scrubbed[name] else format_output(value)
            gha.set_output(name, text)

    def _write_report(self, document: dict[str, OutputValue]) -> str:
        """The whole outputs in the report file; its path, or "" when it cannot be written."""
        workspace = os.environ.get("GITHUB_WORKSPACE", "")
        if not workspace:
            return ""  # not a runner's step: nowhere later steps would look
        try:
            return report_file.write_report(
                Path(workspace), os.environ.get("GITHUB_ACTION", "cfaction"), document
            )
        except report_file.ReportFileError as error:
            self.warning(f"The report file was not written: {error}", title="report_path")
            return ""

    def _note_cuts(
        self, fitted: dict[str, OutputValue], cuts: list[output_budget.Cut], report_path: str
    ) -> None:
        result = fitted.get("result")
        if isinstance(result, dict):
            fitted["result"] = {**result, "truncated": True, "cut": [c.as_json() for c in cuts]}
        where = f"the whole report is in {report_path}" if report_path else "no report file"
        cut = ", ".join(".".join((c.output, *c.path)) + f" ({c.kept} of {c.total})" for c in cuts)
        self.log(f"Outputs cut to stay under GitHub's 1 MB limit: {cut}; {where}.")

    def summary(self, markdown: str) -> None:
        if not self._summary_path:
            return
        markdown = self.scrub(markdown)
        if len(markdown.encode()) > SUMMARY_LIMIT:
            markdown = markdown.encode()[:SUMMARY_LIMIT].decode(errors="ignore")
            markdown += "\n\n…the summary was cut here to stay under GitHub's 1 MiB limit.\n"
        gha.append_job_summary(markdown)


class ConsoleReporter(Reporter):
    """Outside GitHub: text for people on stderr, the outputs as JSON on stdout."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        super().__init__()
        self._out = out or sys.stdout
        self._err = err or sys.stderr

    def log(self, text: str) -> None:
        print(self.scrub(text), file=self._err, flush=True)

    def warning(self, message: str, title: str | None = None) -> None:
        label = f"warning ({title})" if title else "warning"
        self.log(f"{label}: {message}")

    def error(
        self,
        message: str,
        title: str | None = None,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        label = f"error ({title})" if title else "error"
        place = f"{file}:{line}:{column}: " if file and line is not None else ""
        self.log(f"{label}: {place}{message}")

    def outputs(self, values: Mapping[str, OutputValue]) -> None:
        # Console outputs keep their JSON types (numbers, lists), unlike runner strings.
        document = {name: self.scrub_value(value) for name, value in values.items()}
        print(json.dumps(document, indent=2, ensure_ascii=False), file=self._out, flush=True)

    def summary(self, markdown: str) -> None:
        self.log("")
        self.log(markdown.rstrip())


def _workspace_relative(file: str) -> str | None:
    """``file`` relative to ``GITHUB_WORKSPACE``, or None when it lies outside."""
    workspace = os.environ.get("GITHUB_WORKSPACE", "")
    if not workspace:
        return None
    relative = os.path.relpath(file, workspace)
    return None if relative.startswith("..") else relative


def make_reporter(environ: Mapping[str, str]) -> Reporter:
    """The runner reporter inside GitHub Actions, else the console one."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return RunnerReporter()
    return ConsoleReporter()
