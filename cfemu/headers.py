"""Header lookup shared by requests being served and requests in the log."""

from __future__ import annotations

from collections.abc import Mapping


def find_header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup, as HTTP header names are case-insensitive."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
