"""Shared pieces: an emulator with added latency, the cfaction step, stats and tables."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfemu import Emulator, Fault
from cfemu.demo import DEMO_TOKEN, DEMO_ZONE_ID, demo_state
from cfemu.runner import StepResult, run_step

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Table:
    """One result table: printed to the terminal and written to docs/performance.md."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        widths = [max(len(c) for c in col) for col in zip(self.headers, *self.rows, strict=True)]

        def line(cells: list[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))

        out = [f"== {self.title}", line(self.headers), line(["-" * w for w in widths])]
        out += [line(row) for row in self.rows]
        out += [f"  * {note}" for note in self.notes]
        return "\n".join(out) + "\n"


@dataclass
class Section:
    """What one benchmark produced: its tables and the series its plot panel draws."""

    tables: list[Table] = field(default_factory=list)
    plot: dict[str, Any] = field(default_factory=dict)


@contextmanager
def emulator(latency: float, plan: str = "free") -> Iterator[Emulator]:
    """A fresh demo emulator whose example.com has ``plan``; every request waits ``latency``."""
    state = demo_state()
    state.zones[DEMO_ZONE_ID].plan = plan
    with Emulator(state) as emu:
        if latency > 0:
            emu.faults.add(Fault(kind="latency", delay=latency, times=0))
        yield emu


def cfaction(emu: Emulator, inputs: Mapping[str, str], **kwargs: Any) -> StepResult:
    """Run entrypoint.py as the runner does (the non-container variant); fail loudly."""
    given = {"api_base_url": emu.base_url, "api_token": DEMO_TOKEN, **inputs}
    result = run_step(given, timeout=1800, **kwargs)
    if result.exit_code != 0:
        raise RuntimeError(f"cfaction failed ({result.exit_code}):\n{result.stdout}")
    return result


def timed(action: Callable[[], Any]) -> float:
    start = time.monotonic()
    action()
    return time.monotonic() - start


@dataclass(frozen=True)
class Stats:
    values: tuple[float, ...]

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)


def secs(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def ratio(alternative: float, ours: float) -> str:
    """How many times the alternative's figure is cfaction's ("3.1x")."""
    if ours <= 0:
        return "n/a"
    value = alternative / ours
    return f"{value:.1f}x" if value < 100 else f"{value:,.0f}x"


def num(value: float) -> str:
    return f"{value:,.0f}"
