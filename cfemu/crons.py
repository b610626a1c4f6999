"""Cron expressions as Cron Triggers take them: five fields (minute, hour, day of month,
month, day of week), each ``*`` or a comma list of values, ranges ``a-b`` and steps ``/n``,
with month and weekday names (JAN-DEC, SUN-SAT) and the ``L``, ``W`` and ``#`` extensions
(https://developers.cloudflare.com/workers/configuration/cron-triggers/#supported-cron-expressions).

Used by PUT .../scripts/{name}/schedules and by Workflow schedules. Pure functions only.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["cron_problem"]

_MONTHS: Final = (
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "OCT",
    "NOV",
    "DEC",
)
_DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, lowest, highest, names); weekdays take 0-7 (0 and 7 both Sunday) and SUN-SAT.
_FIELDS: Final = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)
_STEP_RE: Final = re.compile(r"(?P<base>[^/]+)(?:/(?P<step>\d+))?")


def cron_problem(expression: object) -> str | None:
    """Why ``expression`` is not a cron expression Cron Triggers accept, or None if it is."""
    if not isinstance(expression, str) or not expression.strip():
        return "a cron expression must be a non-empty string"
    fields = expression.split()
    if len(fields) != 5:
        return f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
    for text, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        for item in text.split(","):
            if not _item_ok(item.upper(), name, low, high, names):
                return f"invalid {name} field {text!r}"
    return None


def _value(text: str, low: int, high: int, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        number = int(text)
        return number if low <= number <= high else None
    if text in names:
        return names.index(text) + (1 if names is _MONTHS else 0)
    return None


def _item_ok(item: str, name: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if not item:
        return False
    if name == "day of month" and (
        item in ("L", "LW") or re.fullmatch(r"L-\d{1,2}|\d{1,2}W", item) is not None
    ):
        number = re.sub(r"\D", "", item)
        return not number or 1 <= int(number) <= 31
    if name == "day of week":
        special = re.fullmatch(r"(?P<day>[0-7A-Z]+)(?:L|#(?P<nth>[1-5]))", item)
        if item == "L" or (special and _value(special["day"], low, high, names) is not None):
            return True
    match = _STEP_RE.fullmatch(item)
    if match is None:
        return False
    base, step = match["base"], match["step"]
    if step is not None and int(step) < 1:
        return False
    if base == "*":
        return True
    start, dash, end = base.partition("-")
    first = _value(start, low, high, names)
    if first is None:
        return False
    if not dash:
        return True
    last = _value(end, low, high, names)
    return last is not None and first <= last
