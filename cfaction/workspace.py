"""The workspace: the one place that turns a path from an input into a file it may read.

Every input that names a file (a purge ``@list``, a ``records`` file, the wrangler
``config``, a Worker's ``script`` and ``modules``) goes through :class:`Workspace`, so the
rules are the same everywhere: the path is taken relative to the workspace (the runner's
``GITHUB_WORKSPACE``, the current folder outside GitHub), symlinks are resolved before the
containment check, a folder is not a file, files are read up to a size cap and text must be
UTF-8. Each refusal is an :class:`~cfaction.errors.InputError` naming the input.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from cfaction.errors import InputError
from cfaction.values import shown

MAX_FILE_BYTES: Final = 64 * 1024 * 1024
"""The largest file an input may name; far above any list, record set or Worker module."""

MISSING_FIX: Final = (
    "Check the path (relative to the repository root) and that the step writing it ran before "
    "this one."
)
OUTSIDE_FIX: Final = "Give a path relative to the repository checkout."
MAX_PATH_BYTES: Final = 4096
"""Linux's PATH_MAX: no longer path can be opened."""
MAX_NAME_BYTES: Final = 255
"""Linux's NAME_MAX: the longest name of one file or folder."""
MAX_GLOB_ENTRIES: Final = 100_000
"""The most folder entries one glob may look at: a glob that walks more (``**`` over a tree
of dependencies) is refused rather than left to run for minutes."""
_MAGIC: Final = re.compile(r"[*?[]")


@dataclass(frozen=True)
class Workspace:
    """The folder a run may read files from (always resolved)."""

    root: Path

    @classmethod
    def at(cls, folder: Path) -> Workspace:
        return cls(folder.resolve())

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Workspace:
        """The runner's workspace, or the current folder outside GitHub."""
        return cls.at(Path(environ.get("GITHUB_WORKSPACE") or os.getcwd()))

    def contains(self, path: Path) -> bool:
        """Whether ``path``, with symlinks resolved, is inside the workspace."""
        resolved = path.resolve()
        return resolved == self.root or self.root in resolved.parents

    def relative(self, path: Path) -> str:
        """``path`` as the user would write it: relative to the workspace when inside it."""
        resolved = path.resolve()
        return resolved.relative_to(self.root).as_posix() if self.contains(resolved) else str(path)

    def file(
        self,
        input_name: str,
        written: str | Path,
        *,
        label: str | None = None,
        missing_fix: str = MISSING_FIX,
    ) -> Path:
        """The existing regular file that ``written`` names, resolved.

        ``written`` is relative to the workspace (or absolute inside it); ``label`` is how
        messages name it (default: ``'<written>'``).

        :raises InputError: named ``input_name`` when the path leaves the workspace (a
            symlink out included), does not exist, or is a folder.
        """
        named = label or f"'{shown(str(written))}'"
        path = self._resolve(input_name, written, named)
        if _is_dir(path):
            raise InputError(
                input_name, f"{named} is a folder, not a file.", "Name a file in it instead."
            )
        if not _is_file(path):
            raise InputError(
                input_name, f"the file {named} does not exist in the workspace.", missing_fix
            )
        return path

    def folder(
        self, input_name: str, written: str | Path, *, label: str | None = None, missing_fix: str
    ) -> Path:
        """The existing folder that ``written`` names, resolved (see :meth:`file`).

        :raises InputError: named ``input_name`` when the path leaves the workspace, does not
            exist, or is a file.
        """
        named = label or f"'{shown(str(written))}'"
        path = self._resolve(input_name, written, named)
        if _is_file(path):
            raise InputError(input_name, f"{named} is a file, not a folder.", missing_fix)
        if not _is_dir(path):
            raise InputError(
                input_name, f"the folder {named} does not exist in the workspace.", missing_fix
            )
        return path

    def _resolve(self, input_name: str, written: str | Path, named: str) -> Path:
        """``written`` inside the workspace, symlinks resolved; refused when it cannot be a
        path (too long, a NUL byte) or leaves the workspace."""
        check_path_text(input_name, str(written), named)
        try:
            path = (self.root / written).resolve()
        except (OSError, RuntimeError) as error:  # a symlink loop, or a path the OS refuses
            raise InputError(
                input_name,
                f"{named} cannot be resolved: {getattr(error, 'strerror', None) or error}.",
                "Check the path, and the links on the way to it.",
            ) from None
        if not self.contains(path):
            raise InputError(input_name, f"{named} is outside the workspace.", OUTSIDE_FIX)
        return path

    def read_bytes(self, input_name: str, path: Path, *, limit: int = MAX_FILE_BYTES) -> bytes:
        """The content of a file :meth:`file` returned, refusing one larger than ``limit``."""
        try:
            size = path.stat().st_size
            if size > limit:
                raise InputError(
                    input_name,
                    f"'{self.relative(path)}' has {size:,} bytes; at most {limit:,} are read.",
                    "Split the file, or leave out what the step does not need.",
                )
            return path.read_bytes()
        except OSError as error:
            raise InputError(
                input_name,
                f"'{self.relative(path)}' cannot be read: {error.strerror}.",
                "Check the file's permissions.",
            ) from None

    def read_text(
        self,
        input_name: str,
        written: str | Path,
        *,
        label: str | None = None,
        missing_fix: str = MISSING_FIX,
        limit: int = MAX_FILE_BYTES,
    ) -> str:
        """The UTF-8 text of the file ``written`` names (see :meth:`file`)."""
        path = self.file(input_name, written, label=label, missing_fix=missing_fix)
        data = self.read_bytes(input_name, path, limit=limit)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(
                input_name,
                f"'{self.relative(path)}' is not UTF-8 text (byte {error.start}).",
                "Save the file as UTF-8.",
            ) from None

    def glob(self, input_name: str, pattern: str) -> list[Path]:
        """The regular files a glob matches, resolved, in sorted order: ``*``, ``?`` and
        ``[…]`` within one name, a whole ``**`` name for any number of folders (Python's
        :func:`glob.glob` with ``recursive=True``; names starting with ``.`` only match a
        pattern that starts with ``.`` too).

        Unlike :func:`glob.glob`, the walk never enters a folder outside the workspace, a
        link included, and looks at no more than :data:`MAX_GLOB_ENTRIES` entries.

        :raises InputError: when the pattern or a match leaves the workspace, or the walk
            would be too long.
        """
        named = f"'{shown(pattern)}'"
        check_path_text(input_name, pattern, named)
        parts = PurePosixPath(pattern).parts
        if PurePosixPath(pattern).is_absolute() or ".." in parts:
            raise InputError(input_name, f"{named} leaves the workspace.", OUTSIDE_FIX)
        walk = _GlobWalk(self, input_name, named)
        found: dict[Path, None] = {}
        folders: list[str] = []
        for match in sorted(walk.expand(self.root, [p for p in parts if p != "."], {self.root})):
            if not self.contains(match):
                raise InputError(
                    input_name,
                    f"{named} matches '{match.relative_to(self.root)}', which links outside "
                    "the workspace.",
                    OUTSIDE_FIX,
                )
            if _is_dir(match):
                folders.append(self.relative(match))
            elif _is_file(match):
                found.setdefault(match.resolve(), None)
        if not found and folders:
            raise InputError(
                input_name,
                f"{named} matches only folders ({shown(', '.join(folders[:3]), 120)}), and "
                "modules are files.",
                "Name the files, e.g. src/**/*.js or src/lib/*.wasm.",
            )
        return list(found)


def check_path_text(input_name: str, text: str, named: str) -> None:
    """Refuse what no file system path can be: a NUL byte, more than :data:`MAX_PATH_BYTES`
    bytes, or a name of more than :data:`MAX_NAME_BYTES` bytes."""
    if "\x00" in text:
        raise InputError(
            input_name, f"{named} holds a NUL byte, which no path can.", "Write the path only."
        )
    size = len(text.encode("utf-8", "surrogatepass"))
    longest = max((len(p.encode("utf-8", "surrogatepass")) for p in text.split("/")), default=0)
    if size > MAX_PATH_BYTES or longest > MAX_NAME_BYTES:
        raise InputError(
            input_name,
            f"the path has {size:,} bytes; a path has at most {MAX_PATH_BYTES:,} "
            f"({MAX_NAME_BYTES} per file or folder name), so this is not one.",
            "Write the path of the file, relative to the repository root.",
        )


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


class _GlobWalk:
    """One glob's walk: the folders it enters stay inside the workspace."""

    def __init__(self, workspace: Workspace, input_name: str, named: str) -> None:
        self.workspace = workspace
        self.input_name = input_name
        self.named = named
        self.seen = 0

    def expand(self, folder: Path, parts: list[str], chain: set[Path]) -> Iterator[Path]:
        """The paths under ``folder`` that ``parts`` match (files and folders)."""
        if not parts:
            yield folder
            return
        head, rest = parts[0], parts[1:]
        if head == "**":
            yield from self.expand(folder, rest, chain)  # zero folders
            for name, is_dir in self.entries(folder):
                child = folder / name
                if name.startswith("."):
                    continue
                if is_dir:
                    inner = self.enter(child, chain)
                    if inner is not None:
                        yield from self.expand(child, parts, chain | {inner})
                elif not rest:
                    yield child
        elif _MAGIC.search(head) is None:
            child = folder / head
            if not rest:
                if os.path.lexists(child):
                    yield child
            elif _is_dir(child) and self.enter(child, chain) is not None:
                yield from self.expand(child, rest, chain)
        else:
            for name, is_dir in self.entries(folder):
                if name.startswith(".") and not head.startswith("."):
                    continue
                if not fnmatch.fnmatchcase(name, head):
                    continue
                child = folder / name
                if not rest:
                    yield child
                elif is_dir and self.enter(child, chain) is not None:
                    yield from self.expand(child, rest, chain)

    def entries(self, folder: Path) -> list[tuple[str, bool]]:
        """The names in ``folder`` (sorted) and whether each is a folder (links followed)."""
        try:
            with os.scandir(folder) as found:
                entries = [(entry.name, _entry_is_dir(entry)) for entry in found]
        except OSError:  # unreadable: glob.glob skips such a folder too
            return []
        self.seen += len(entries)
        if self.seen > MAX_GLOB_ENTRIES:
            raise InputError(
                self.input_name,
                f"{self.named} walks more than {MAX_GLOB_ENTRIES:,} files and folders.",
                "Name the folder the modules are in, e.g. src/lib/*.js rather than **/*.js.",
            )
        return sorted(entries)

    def enter(self, folder: Path, chain: set[Path]) -> Path | None:
        """``folder`` resolved, when the walk may go into it: refused outside the workspace,
        skipped when it is already on the way here (a link to a parent folder)."""
        try:
            resolved = folder.resolve()
        except (OSError, RuntimeError):
            return None
        if not self.workspace.contains(resolved):
            raise InputError(
                self.input_name,
                f"{self.named} reaches '{folder.relative_to(self.workspace.root)}', which "
                "links outside the workspace.",
                OUTSIDE_FIX,
            )
        return None if resolved in chain else resolved


def _entry_is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
