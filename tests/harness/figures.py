"""Figures the hardening matrices report at the end of a test run.

A matrix test counts what it checked (``count("leak matrix", cases=1, leaks=0)``); the
session prints one line per matrix after the results (tests/conftest.py,
``pytest_terminal_summary``), so a CI log shows the cases run and that every failure figure
(tracebacks, calls on invalid input, hangs, leaks, duplicates, wrong reports) is 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict

_FIGURES: defaultdict[str, Counter[str]] = defaultdict(Counter)


def count(matrix: str, **figures: int) -> None:
    """Add ``figures`` to the totals of ``matrix`` (a zero still names the figure)."""
    totals = _FIGURES[matrix]
    for name, value in figures.items():
        totals[name] += value


def lines() -> list[str]:
    return [
        f"{matrix}: "
        + ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in totals.items())
        for matrix, totals in sorted(_FIGURES.items())
    ]
