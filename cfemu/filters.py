"""Cloudflare's string filter operators: ``name=contains:.org`` (zones) and dotted
parameters such as ``name.endswith=.org`` (DNS records)."""

from __future__ import annotations

from collections.abc import Callable

_Test = Callable[[str, str], bool]

_OPERATORS: dict[str, tuple[_Test, bool]] = {
    # operator: (test(value, operand), case sensitive)
    "equal": (lambda v, o: v == o, False),
    "not_equal": (lambda v, o: v != o, False),
    "contains": (lambda v, o: o in v, False),
    "starts_with": (lambda v, o: v.startswith(o), False),
    "ends_with": (lambda v, o: v.endswith(o), False),
    "contains_case_sensitive": (lambda v, o: o in v, True),
    "starts_with_case_sensitive": (lambda v, o: v.startswith(o), True),
    "ends_with_case_sensitive": (lambda v, o: v.endswith(o), True),
}


def text_matches(value: str, expression: str) -> bool:
    """Apply ``operator:operand``; without a known operator prefix it is a plain equal."""
    operator, sep, operand = expression.partition(":")
    if not sep or operator not in _OPERATORS:
        operator, operand = "equal", expression
    test, case_sensitive = _OPERATORS[operator]
    if not case_sensitive:
        value, operand = value.lower(), operand.lower()
    return test(value, operand)


# Suffix of a dotted query parameter -> operator; all case-insensitive.
DOTTED_OPERATORS: dict[str, str] = {
    "exact": "equal",
    "contains": "contains",
    "startswith": "starts_with",
    "endswith": "ends_with",
}


def dotted_matches(value: str, suffix: str, operand: str) -> bool:
    """Apply a dotted filter such as ``content.contains``; suffix is a DOTTED_OPERATORS key."""
    test, _ = _OPERATORS[DOTTED_OPERATORS[suffix]]
    return test(value.lower(), operand.lower())
