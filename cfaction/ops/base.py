"""What every operation is: one :class:`Operation` value that ``main`` drives the same way.

``main`` runs every operation in one shape::

    inputs = operation.load(source, problems)  # raw strings -> typed inputs; 0 API calls
    plan = operation.plan(context, inputs)  # reads only
    applied = operation.apply(context, plan)  # writes only; skipped on dry_run
    outcome = operation.render(plan, applied)  # outputs, summary, warnings; applied is
    # None when nothing was applied

Operations never write to the log, outputs or summary themselves: progress lines go to
``context.progress`` (which ``main`` wires to the log, so long runs print as they go), and
everything else comes back in the :class:`Outcome`. ``plan`` raises an
:class:`~cfaction.errors.ActionError` when it cannot go on; ``apply`` records a failure
after partial progress in what it returns, so the outcome still says what was done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from cfaction.client import Client
from cfaction.errors import ActionError
from cfaction.problems import Problems
from cfaction.report import OutputValue
from cfaction.settings import CommonSettings, RawInputs
from cfaction.values import ZoneRef
from cfaction.workspace import Workspace
from cfaction.zones import Zone, ZoneResolver

InputsT = TypeVar("InputsT")  # an operation's validated inputs
PlanT = TypeVar("PlanT")  # its plan
AppliedT = TypeVar("AppliedT")  # what its apply did

Progress = Callable[[str], None]
"""Where an operation reports progress: one line of plain text at a time."""


@dataclass(frozen=True)
class Context:
    """Everything an operation's plan and apply may use."""

    settings: CommonSettings
    client: Client
    zones: ZoneResolver
    progress: Progress


@dataclass(frozen=True)
class LoadSource:
    """What an operation's ``load`` reads: the raw inputs, the zones the common ``zone``
    input gave (None when ``zone`` itself is invalid), and the workspace."""

    inputs: RawInputs
    zones: tuple[ZoneRef, ...] | None
    workspace: Workspace


@dataclass(frozen=True)
class Notice:
    """A warning for the log, with its annotation title."""

    title: str
    message: str


@dataclass
class Outcome:
    """What an operation did, for the outputs, the summary and the exit code."""

    heading: str
    markdown: str
    outputs: dict[str, OutputValue] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    zone: Zone | None = None
    account_id: str | None = None
    problems: list[ActionError] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Lines for the log after the run (e.g. what a dry run would send)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def no_secrets(raw: Mapping[str, str]) -> Iterable[str]:
    return ()


@dataclass(frozen=True, kw_only=True)
class Operation(Generic[InputsT, PlanT, AppliedT]):
    """One value of the ``operation`` input: its inputs, steps, outputs and permissions."""

    name: str
    inputs: Mapping[str, str]
    """The inputs it reads besides the common ones, with the defaults action.yml gives them."""
    outputs: tuple[str, ...]
    """The outputs it sets besides the common ones."""
    permissions: tuple[tuple[str, str], ...]
    """(token permission, when it is needed), in dashboard words."""
    load: Callable[[LoadSource, Problems], InputsT | None]
    """Validate its inputs; every problem goes to ``problems`` (None only with problems)."""
    plan: Callable[[Context, InputsT], PlanT]
    apply: Callable[[Context, PlanT], AppliedT] | None
    """None for an operation that never changes anything."""
    render: Callable[[PlanT, AppliedT | None], Outcome]
    secrets: Callable[[Mapping[str, str]], Iterable[str]] = no_secrets
    """The values of its own inputs to mask before anything is printed (credentials are
    masked for every operation)."""
    many_zones: bool = False
    """Whether ``zone`` may list several zones."""
