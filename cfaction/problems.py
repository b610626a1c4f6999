"""Collecting every input problem of a run, so one run reports all of them.

Each input parser raises :class:`~cfaction.errors.InputError` for a value it cannot use.
Loaders do not stop at the first one: they call parsers through :meth:`Problems.attempt`,
which keeps the error and returns a fallback, and at the end every error becomes its own
``::error`` (before any API call). Warnings are what was fixed for the user on the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from cfaction.errors import InputError

T = TypeVar("T")


@dataclass(frozen=True)
class InputWarning:
    """Something we fixed for the user and want them to know about."""

    input_name: str
    message: str


@dataclass
class Problems:
    """The input errors and warnings found so far."""

    errors: list[InputError] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)

    def attempt(self, parse: Callable[[], T], fallback: T) -> T:
        """``parse()``, or ``fallback`` after keeping the :class:`InputError` it raised."""
        try:
            return parse()
        except InputError as error:
            self.errors.append(error)
            return fallback

    def add(self, error: InputError) -> None:
        self.errors.append(error)

    def warn(self, input_name: str, message: str) -> None:
        self.warnings.append(InputWarning(input_name, message))

    def failed(self, *input_names: str) -> bool:
        """Whether an error about any of these inputs was found (any input, if none given)."""
        if not input_names:
            return bool(self.errors)
        return any(error.input_name in input_names for error in self.errors)
