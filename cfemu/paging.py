"""Page-based pagination for list endpoints: parse page/per_page, slice, result_info."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .errors import invalid_parameter

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int


def parse_page_request(
    query: Mapping[str, list[str]],
    *,
    default_per_page: int = 20,
    min_per_page: int = 5,
    max_per_page: int = 50,
) -> PageRequest:
    """Read page (>= 1) and per_page (within bounds) or raise a 1004 error."""
    page = _int_param(query, "page", 1)
    if page is None or page < 1:
        raise invalid_parameter("page must be a number greater than or equal to 1")
    per_page = _int_param(query, "per_page", default_per_page)
    if per_page is None or not min_per_page <= per_page <= max_per_page:
        raise invalid_parameter(
            f"per_page must be a number between {min_per_page} and {max_per_page}"
        )
    return PageRequest(page, per_page)


def _int_param(query: Mapping[str, list[str]], name: str, default: int) -> int | None:
    values = query.get(name)
    if not values:
        return default
    try:
        return int(values[0])
    except ValueError:
        return None


def paginate(
    rows: Sequence[T],
    request: PageRequest,
    max_page_rows: int | None = None,
    *,
    echo_per_page: bool = True,
) -> tuple[list[T], dict[str, int]]:
    """Return one page of rows and its result_info.

    With max_page_rows set, pages hold at most that many rows and total_pages follows the
    real page size, as clients must; result_info.per_page echoes the request, or with
    echo_per_page false reports the page size actually used.
    """
    size = request.per_page
    if max_page_rows is not None:
        size = max(1, min(size, max_page_rows))
    start = (request.page - 1) * size
    page_rows = list(rows[start : start + size])
    info = {
        "page": request.page,
        "per_page": request.per_page if echo_per_page else size,
        "count": len(page_rows),
        "total_count": len(rows),
        "total_pages": math.ceil(len(rows) / size),
    }
    return page_rows, info
