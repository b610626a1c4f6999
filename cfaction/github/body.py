"""The text of the pull-request comment: the marker, then the step's job summary, made
safe for a comment and cut to fit.

A comment differs from the job summary in what Markdown can do to readers: ``@name``
notifies people and teams, and ``[text](url)`` hides where a link goes. The summary's
cells already escape HTML and table syntax (:mod:`cfaction.markdown`); here, outside code
spans (whose text GitHub shows as it is), brackets are escaped and mentions broken, so text
from the API or the workspace (a record's content, an error message) can do neither.
"""

from __future__ import annotations

import re
from typing import Final

MAX_COMMENT_CHARS: Final = 65_536
"""GitHub refuses a longer comment body ("body is too long (maximum is 65536 characters)")."""

_CODE_SPAN: Final = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_BRACKETS: Final = re.compile(r"(?<!\\)([\[\]])")
_MENTION: Final = re.compile(r"(?<![\w`])@(?=[A-Za-z0-9])")
WORD_JOINER: Final = "\u2060"
"""Invisible; between ``@`` and a name it keeps GitHub from reading a mention."""


def comment_text(marker: str, summary: str, run_url: str) -> str:
    """``marker``, a blank line, the summary made safe; cut with a note and a link to the
    run's job summary when the whole would pass :data:`MAX_COMMENT_CHARS`."""
    footer = f"\n\n<sub>cfaction · [job summary and log]({run_url})</sub>\n" if run_url else "\n"
    body = neutralized(summary.strip())
    text = f"{marker}\n\n{body}{footer}"
    if len(text) <= MAX_COMMENT_CHARS:
        return text
    note = (
        "\n\n---\n\n**The report was cut here to stay under GitHub's 65,536-character "
        "comment limit.**"
        + (f" The whole report is in the [job summary]({run_url})." if run_url else "")
    )
    room = MAX_COMMENT_CHARS - len(marker) - 2 - len(note) - len(footer)
    return f"{marker}\n\n{_cut(body, room)}{note}{footer}"


def neutralized(markdown: str) -> str:
    """``markdown`` with brackets escaped and mentions broken outside code spans."""
    parts: list[str] = []
    position = 0
    for span in _CODE_SPAN.finditer(markdown):
        parts.append(_plain(markdown[position : span.start()]))
        parts.append(span.group())
        position = span.end()
    parts.append(_plain(markdown[position:]))
    return "".join(parts)


def _plain(text: str) -> str:
    text = _BRACKETS.sub(r"\\\1", text)
    return _MENTION.sub("@" + WORD_JOINER, text)


def _cut(body: str, room: int) -> str:
    """At most ``room`` characters of ``body``, ended at a line break, so that no table row,
    code span or HTML tag is left half-written (an open ``<details>`` is closed)."""
    cut = body[: max(0, room - len("\n\n</details>"))]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    if cut.count("<details>") > cut.count("</details>"):
        cut += "\n\n</details>"
    return cut
