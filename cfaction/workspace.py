"""The workspace: the one place that turns a path from an input into a file it may read.

Every input that names a file (a purge ``@list``, a ``records`` file, the wrangler
``config``, a Worker's ``script`` and ``modules``) goes through :class:`Workspace`, so the
rules are the same everywhere: the path is taken relative to the workspace (the runner's
``GITHUB_WORKSPACE``, the current folder outside GitHub), symlinks are resolved before the
containment check, a folder is not a file, files are read up to a size cap and text must be
UTF-8. Each refusal is an :class:`~cfaction.errors.InputError` naming the input.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cfaction.errors import InputError

MAX_FILE_BYTES: Final = 64 * 1024 * 1024
"""The largest file an input may name; far above any list, record set or Worker module."""

MISSING_FIX: Final = (
    "Check the path (relative to the repository root) and that the step writing it ran before "
    "this one."
)
OUTSIDE_FIX: Final = "Give a path relative to the repository checkout."


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
        shown = label or f"'{written}'"
        path = (self.root / written).resolve()
        if not self.contains(path):
            raise InputError(input_name, f"{shown} is outside the workspace.", OUTSIDE_FIX)
        if path.is_dir():
            raise InputError(
                input_name, f"{shown} is a folder, not a file.", "Name a file in it instead."
            )
        if not path.is_file():
            raise InputError(
                input_name, f"the file {shown} does not exist in the workspace.", missing_fix
            )
        return path

    def folder(
        self, input_name: str, written: str | Path, *, label: str | None = None, missing_fix: str
    ) -> Path:
        """The existing folder that ``written`` names, resolved (see :meth:`file`).

        :raises InputError: named ``input_name`` when the path leaves the workspace, does not
            exist, or is a file.
        """
        shown = label or f"'{written}'"
        path = (self.root / written).resolve()
        if not self.contains(path):
            raise InputError(input_name, f"{shown} is outside the workspace.", OUTSIDE_FIX)
        if path.is_file():
            raise InputError(input_name, f"{shown} is a file, not a folder.", missing_fix)
        if not path.is_dir():
            raise InputError(
                input_name, f"the folder {shown} does not exist in the workspace.", missing_fix
            )
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
        """The regular files a glob matches (``**`` recurses), resolved, in sorted order.

        :raises InputError: when the pattern or a match leaves the workspace.
        """
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise InputError(input_name, f"'{pattern}' leaves the workspace.", OUTSIDE_FIX)
        found: list[Path] = []
        for match in sorted(glob.glob(str(self.root / pattern), recursive=True)):
            path = Path(match)
            if not path.is_file():
                continue
            if not self.contains(path):
                raise InputError(
                    input_name,
                    f"'{pattern}' matches '{path.relative_to(self.root)}', which links outside "
                    "the workspace.",
                    OUTSIDE_FIX,
                )
            found.append(path.resolve())
        return found
