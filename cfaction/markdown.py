"""Small Markdown builders for the job summary, with cell text made safe to embed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(text: object) -> str:
    """Text for a table cell: no line breaks, no column separators, no raw HTML."""
    value = str(text).replace("\r", " ").replace("\n", " ")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("|", "\\|")


def code(text: object) -> str:
    """Inline code that survives backticks in the text."""
    value = str(text).replace("\n", " ")
    fence = "``" if "`" in value else "`"
    return f"{fence}{value}{fence}" if value else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; cells are escaped with :func:`cell` unless they
    are already Markdown (pass them through :func:`code` or build them yourself)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)
