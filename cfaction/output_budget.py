"""Keep one step's outputs under GitHub's limit by cutting the longest lists.

GitHub keeps at most 1 MB of outputs per job (docs, "Workflow syntax", ``jobs.<job_id>.outputs``:
"Outputs can be a maximum of 1 MB per job"). A purge of 20,000 URLs or a dry run of 3,000 DNS
records says more than that, so the outputs are fitted to :data:`OUTPUTS_LIMIT`: the list
that weighs most is cut first, at its end, until everything fits; lists stay lists (a
workflow's ``fromJSON`` keeps working) and the ``result`` output says what was cut, with
``"truncated": true`` and, for each list, how many items it had and how many were kept. The
whole report is the file ``report_path`` names (:mod:`cfaction.report_file`).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

OUTPUTS_LIMIT: Final = 960 * 1024
"""Bytes for all outputs of one step: under 1 MiB with room for the heredoc delimiters and
the other steps of the job."""

HEREDOC_OVERHEAD: Final = 2 * 48 + 8
"""``name<<ghadelimiter_<uuid>`` and its closing line, per output."""

CUT_STRING_MARK: Final = " … [cut; the whole text is in the report file]"

_MAX_DEPTH: Final = 4


@dataclass(frozen=True)
class Cut:
    """One list (or long text) that was shortened."""

    output: str
    path: tuple[str, ...]
    total: int
    kept: int

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"output": self.output}
        if self.path:
            data["path"] = ".".join(self.path)
        data.update({"total": self.total, "kept": self.kept})
        return data


def encoded_size(name: str, text: str) -> int:
    return len(name.encode()) + len(text.encode()) + HEREDOC_OVERHEAD


def fit(
    texts: Mapping[str, str], values: Mapping[str, Any], limit: int = OUTPUTS_LIMIT
) -> tuple[dict[str, Any], list[Cut]]:
    """``values`` cut so that their ``texts`` (as written to the output file) fit in
    ``limit`` bytes; ``texts`` are the values already formatted, to weigh them once.

    Lists share the room evenly: each keeps its leading items up to one byte budget, the
    largest budget that fits, so a short list is kept whole and long ones are cut alike."""
    total = sum(encoded_size(name, text) for name, text in texts.items())
    fitted = dict(values)
    cuts: list[Cut] = []
    if total <= limit:
        return fitted, cuts
    # Room for the note the result output gains.
    room = limit - 2048
    found = [
        (output, path, items, _prefix_weights(items)) for output, path, items in _lists(values)
    ]
    fixed = total - sum(weights[-1] for *_, weights in found)
    budget = _largest_budget(room - fixed, [weights for *_, weights in found])
    for output, path, items, weights in found:
        kept = max(0, bisect.bisect_right(weights, budget) - 1)
        if kept < len(items):
            fitted[output] = _replace(fitted[output], path, items[:kept])
            cuts.append(Cut(output, path, len(items), kept))
            total -= weights[-1] - weights[kept]
    excess = total - room
    for output, path, text in sorted(_strings(fitted), key=lambda found: -len(found[2])):
        if excess <= 0:
            break
        shortened = _shorten(text, excess)
        fitted[output] = _replace(fitted[output], path, shortened)
        cuts.append(Cut(output, path, len(text), len(shortened) - len(CUT_STRING_MARK)))
        excess -= len(text.encode()) - len(shortened.encode())
    return fitted, cuts


def _prefix_weights(items: list[Any]) -> list[int]:
    """``weights[k]``: the bytes the list takes with its first ``k`` items (as the outputs
    are written, cfaction.report.format_output)."""
    weights = [2]
    for item in items:
        weights.append(weights[-1] + len(json.dumps(item, separators=(",", ":")).encode()) + 1)
    return weights


def _largest_budget(room: int, lists: list[list[int]]) -> int:
    """The largest per-list byte budget at which the lists fit in ``room`` together."""

    def used(budget: int) -> int:
        return sum(weights[bisect.bisect_right(weights, budget) - 1] for weights in lists)

    low, high = 2, max((weights[-1] for weights in lists), default=2)
    while low < high:
        middle = (low + high + 1) // 2
        if used(middle) <= room:
            low = middle
        else:
            high = middle - 1
    return low


def _shorten(text: str, excess: int) -> str:
    keep = max(0, len(text.encode()) - excess - len(CUT_STRING_MARK.encode()))
    return text.encode()[:keep].decode(errors="ignore") + CUT_STRING_MARK


def _lists(values: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...], list[Any]]]:
    found: list[tuple[str, tuple[str, ...], list[Any]]] = []
    for output, value in values.items():
        for path, item in _walk(value, ()):
            if isinstance(item, list) and item:
                found.append((output, path, item))
    return found


def _strings(values: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...], str]]:
    found: list[tuple[str, tuple[str, ...], str]] = []
    for output, value in values.items():
        for path, item in _walk(value, ()):
            if isinstance(item, str) and len(item) > len(CUT_STRING_MARK) * 4:
                found.append((output, path, item))
    return found


def _walk(value: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """A value and, inside objects, each of their members (lists are not entered)."""
    if isinstance(value, dict) and len(path) < _MAX_DEPTH:
        found: list[tuple[tuple[str, ...], Any]] = []
        for key, member in value.items():
            found += _walk(member, (*path, str(key)))
        return found
    return [(path, value)]


def _replace(value: Any, path: tuple[str, ...], new: Any) -> Any:
    """``value`` with the member at ``path`` replaced, copying only the objects on the way."""
    if not path:
        return new
    copied = dict(value)
    copied[path[0]] = _replace(value[path[0]], path[1:], new)
    return copied
