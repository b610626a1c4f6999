"""What every operation shares: each takes a :class:`Context` and returns an :class:`Outcome`.

An operation reads (plans) before it writes (applies) and honours ``dry_run``. It raises
an :class:`~cfaction.errors.ActionError` when it cannot go on; when it has made partial
progress it returns an Outcome whose ``problems`` list what failed instead, so the outputs
and the summary still tell what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cfaction.client import Client
from cfaction.errors import ActionError
from cfaction.inputs import Settings
from cfaction.report import OutputValue, Reporter
from cfaction.zones import Zone, ZoneResolver


@dataclass(frozen=True)
class Context:
    """Everything an operation may use."""

    settings: Settings
    client: Client
    zones: ZoneResolver
    reporter: Reporter


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

    @property
    def ok(self) -> bool:
        return not self.problems


Operation = Callable[[Context], Outcome]
