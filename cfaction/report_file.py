"""The report file: every output of a run, whole, for later steps to read.

Outputs are cut to fit GitHub's limit (:mod:`cfaction.output_budget`); the file is not. It
is written inside the workspace, because the container's other folders are not the runner's
(a Docker action's ``RUNNER_TEMP`` is mounted only on runners from v2.331.0), under
``.cfaction/`` with a ``.gitignore`` so that a later ``git add -A`` leaves it out. Its
``report_path`` output is relative to the workspace, the folder later steps start in. Files
a container writes belong to root on the host; they are given to the workspace's owner so
that the runner's user can delete them.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

FOLDER: Final = ".cfaction"


class ReportFileError(Exception):
    """The report file could not be written (the run goes on without it)."""


def write_report(workspace: Path, step: str, document: Mapping[str, Any]) -> str:
    """Write ``document`` as ``.cfaction/<step>-<id>.json``; its workspace-relative path."""
    folder = workspace / FOLDER
    name = f"{_safe(step)}-{uuid.uuid4().hex[:12]}.json"
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Reports of cfaction runs (report_path); not for commits.\n*\n")
        path = folder / name
        with path.open("x", encoding="utf-8") as file:
            json.dump(document, file, indent=2, ensure_ascii=False)
            file.write("\n")
    except OSError as error:
        raise ReportFileError(f"{FOLDER}/{name}: {error.strerror or error}") from error
    _give_to_owner(workspace, [folder, ignore, path])
    return f"{FOLDER}/{name}"


def _safe(step: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", step).strip("-.")[:60]
    return cleaned or "cfaction"


def _give_to_owner(workspace: Path, paths: list[Path]) -> None:
    try:
        owner = workspace.stat()
        if owner.st_uid == os.geteuid():
            return
        for path in paths:
            os.chown(path, owner.st_uid, owner.st_gid)
    except OSError:
        pass  # Not root, or a file system without owners: the files are still readable.
