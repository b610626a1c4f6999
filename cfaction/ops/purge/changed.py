"""The ``changed_files`` list: repository paths that a deploy changed, as git prints them.

Accepted, one file per line (blank lines are ignored):

* a path, as ``git diff --name-only`` prints it; git's C-quoted form of unusual names
  (``"caf\\303\\251.html"``, see core.quotePath in https://git-scm.com/docs/git-config)
  is decoded;
* a ``git diff --name-status`` line (https://git-scm.com/docs/git-diff#_raw_output_format):
  ``M<TAB>path``, ``A<TAB>path``, ``D<TAB>path`` (deleted), ``R100<TAB>old<TAB>new``
  (renamed: the old path is deleted), ``C75<TAB>old<TAB>new`` (copied: only the new path
  changed), and the other status letters;
* a rename as two paths: ``old<TAB>new``, ``old => new``, or git's compact form
  ``public/{old.html => new.html}`` (as ``git diff --stat`` and ``--summary`` print it);
* a JSON array of such lines (``json: true`` of a changed-files step).

Paths are relative to the repository root; an absolute path or a ``..`` segment is an
input error. The list is read line by line, so memory stays bounded by the text itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from cfaction.documents import DocumentError, load_json
from cfaction.errors import InputError

NAME: Final = "changed_files"

_STATUS_LINE: Final = re.compile(r"^([ACDMRTUXB])([0-9]{0,3})\t(.*)$")
_COMPACT_RENAME: Final = re.compile(r"^(.*)\{(.*) => (.*)\}(.*)$")
_ESCAPES: Final = {
    "a": 0x07,
    "b": 0x08,
    "t": 0x09,
    "n": 0x0A,
    "v": 0x0B,
    "f": 0x0C,
    "r": 0x0D,
    '"': 0x22,
    "\\": 0x5C,
}
_FORMATS: Final = (
    "Write one path per line as git diff --name-only prints it, a git diff --name-status line "
    "(M<TAB>path, D<TAB>path, R100<TAB>old<TAB>new), or a rename as 'old => new'."
)


@dataclass(frozen=True)
class ChangedFile:
    """One path a deploy changed; ``deleted`` when the list says it no longer exists (a
    ``D`` status, or the old side of a rename)."""

    path: str
    deleted: bool = False


def read_changed_files(text: str) -> Iterator[ChangedFile]:
    """Every path ``text`` lists, in order (repeats included).

    :raises InputError: named ``changed_files``, for the first line that is not a path.
    """
    for number, line in enumerate(_lines(text), start=1):
        yield from _parse_line(number, line)


def _lines(text: str) -> Iterable[str]:
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            array = load_json(stripped)
        except DocumentError as error:
            raise InputError(NAME, f"{error.problem}.", error.fix) from None
        except json.JSONDecodeError:
            array = None  # a first path such as "[slug].tsx" (Next.js), not JSON
        if isinstance(array, list):
            if not all(isinstance(item, str) for item in array):
                raise InputError(
                    NAME,
                    "is a JSON array with an item that is not a string.",
                    "Write the paths as strings, or one per line.",
                )
            return array
    return stripped.splitlines()


def _parse_line(number: int, line: str) -> Iterator[ChangedFile]:
    line = line.strip("\r\n ")
    if not line:
        return
    status = _STATUS_LINE.match(line)
    if status:
        letter, paths = status[1], status[3].split("\t")
        if letter in "RC":
            if len(paths) != 2:
                raise _bad(number, line, f"a {letter} status line has an old and a new path.")
            old, new = (_path(number, p) for p in paths)
            if letter == "R":
                yield ChangedFile(old, deleted=True)
            yield ChangedFile(new)
            return
        if len(paths) != 1:
            raise _bad(number, line, "a status line has one path after the status.")
        yield ChangedFile(_path(number, paths[0]), deleted=letter == "D")
        return
    if "\t" in line:
        paths = line.split("\t")
        if len(paths) != 2:
            raise _bad(number, line, "a line with tabs has two paths, old and new.")
        old, new = (_path(number, p) for p in paths)
        yield from (ChangedFile(old, deleted=True), ChangedFile(new))
        return
    compact = _COMPACT_RENAME.match(line)
    if compact:
        head, before, after, tail = compact.groups()
        yield ChangedFile(_path(number, _join(head, before, tail)), deleted=True)
        yield ChangedFile(_path(number, _join(head, after, tail)))
        return
    if " => " in line:
        old, _, new = line.partition(" => ")
        yield ChangedFile(_path(number, old), deleted=True)
        yield ChangedFile(_path(number, new))
        return
    yield ChangedFile(_path(number, line))


def _join(head: str, middle: str, tail: str) -> str:
    """One side of ``head{old => new}tail``; an empty side drops its ``/`` (git prints
    ``a/{ => b}/c`` for a move from ``a/c`` to ``a/b/c``)."""
    return (head + middle + tail).replace("//", "/")


def _path(number: int, written: str) -> str:
    path = written.strip()
    if path.startswith('"') and path.endswith('"') and len(path) >= 2:
        path = _unquote(number, path)
    path = path.removeprefix("./")
    if not path:
        raise _bad(number, written, "the path is empty.")
    if "\x00" in path:
        shown = written.replace("\x00", "\\x00")
        raise _bad(number, shown, "it holds a NUL byte, which no file name can.")
    if path.startswith("/"):
        raise InputError(
            NAME,
            f"line {number} ('{written}') is an absolute path.",
            "Write paths relative to the repository root, as git prints them (public/index.html).",
        )
    if ".." in path.split("/"):
        raise InputError(
            NAME,
            f"line {number} ('{written}') has a '..' segment.",
            "Write paths relative to the repository root, without '..'.",
        )
    if path.endswith("/"):
        raise InputError(
            NAME,
            f"line {number} ('{written}') names a folder.",
            "List the changed files inside it, one per line.",
        )
    return path


def _unquote(number: int, quoted: str) -> str:
    """git's C-style quoting: backslash escapes, and octal bytes of UTF-8 names."""
    body = quoted[1:-1]
    data = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            data.extend(char.encode("utf-8"))
            index += 1
            continue
        following = body[index + 1 : index + 4]
        if following[:1] in _ESCAPES:
            data.append(_ESCAPES[following[:1]])
            index += 2
        elif len(following) == 3 and all(c in "01234567" for c in following):
            data.append(int(following, 8))
            index += 4
        else:
            raise _bad(number, quoted, "it has a backslash that is not one of git's escapes.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(number, quoted, "its quoted bytes are not UTF-8.") from None


def _bad(number: int, line: str, why: str) -> InputError:
    return InputError(NAME, f"line {number} ('{line[:120]}') is not a path: {why}", _FORMATS)
