"""Tests for cfaction.output_budget: outputs fitted under GitHub's limit, lists cut evenly."""

from __future__ import annotations

from typing import Any

from cfaction.output_budget import CUT_STRING_MARK, Cut, encoded_size, fit
from cfaction.report import format_output


def fitted(values: dict[str, Any], limit: int) -> tuple[dict[str, Any], list[Cut], int]:
    result, cuts = fit({k: format_output(v) for k, v in values.items()}, values, limit)
    size = sum(encoded_size(k, format_output(v)) for k, v in result.items())
    return result, cuts, size


def test_values_that_fit_are_returned_as_they_are() -> None:
    values = {"ids": ["a", "b"], "result": {"ok": True}}

    assert fitted(values, 10_000)[:2] == (values, [])


def test_a_short_list_is_kept_whole_and_long_ones_are_cut_alike() -> None:
    long_a = [f"a-{n:04}" for n in range(2_000)]
    long_b = [f"b-{n:04}" for n in range(3_000)]
    short = ["keep-me"] * 10
    values = {"a": long_a, "result": {"ok": True, "b": long_b, "short": short}}

    result, cuts, size = fitted(values, 12_000)

    assert size <= 12_000 - 2048
    assert result["result"]["short"] == short and result["result"]["ok"] is True
    kept_a, kept_b = len(result["a"]), len(result["result"]["b"])
    assert result["a"] == long_a[:kept_a] and result["result"]["b"] == long_b[:kept_b]
    assert 0 < kept_a < 2_000 and abs(kept_a - kept_b) <= 1
    assert cuts == [Cut("a", (), 2_000, kept_a), Cut("result", ("b",), 3_000, kept_b)]
    assert cuts[1].as_json() == {"output": "result", "path": "b", "total": 3_000, "kept": kept_b}


def test_non_ascii_items_are_weighed_as_they_are_written() -> None:
    values = {"names": ["中文名字" * 10] * 400}

    result, _, size = fitted(values, 20_000)

    assert size <= 20_000 - 2048 and result["names"]


def test_a_long_text_is_cut_with_a_mark_when_no_list_is_left() -> None:
    values = {"result": {"ok": False, "errors": [], "page": "z" * 50_000}}

    result, cuts, size = fitted(values, 10_000)

    assert size <= 10_000
    assert result["result"]["page"].endswith(CUT_STRING_MARK)
    assert [c.path for c in cuts] == [("page",)]
