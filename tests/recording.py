"""A Reporter for unit tests of the operations: it keeps every call instead of printing."""

from __future__ import annotations

from collections.abc import Mapping

from cfaction.report import OutputValue, Reporter


class RecordingReporter(Reporter):
    """Keeps every call, in order, instead of printing."""

    def __init__(self) -> None:
        super().__init__()
        self.logs: list[str] = []
        self.warnings: list[tuple[str | None, str]] = []
        self.errors: list[tuple[str | None, str]] = []
        self.output_calls: list[dict[str, OutputValue]] = []
        self.summaries: list[str] = []

    def log(self, text: str) -> None:
        self.logs.append(text)

    def warning(self, message: str, title: str | None = None) -> None:
        self.warnings.append((title, message))

    def error(self, message: str, title: str | None = None) -> None:
        self.errors.append((title, message))

    def outputs(self, values: Mapping[str, OutputValue]) -> None:
        self.output_calls.append(dict(values))

    def summary(self, markdown: str) -> None:
        self.summaries.append(markdown)
