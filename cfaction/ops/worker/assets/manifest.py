"""The assets manifest, built as wrangler builds it (workers-sdk ``packages/deploy-helpers/
src/deploy/helpers/assets.ts`` ``buildAssetManifest``, ``hash.ts``; ``packages/
workers-shared/utils/helpers.ts``): every file under the folder, keyed ``/<relative path>``,
with its hash and size, except what ``.assetsignore`` and the built-in ignores leave out
(``/.assetsignore``, ``/_redirects``, ``/_headers``, which are read, not uploaded).

The hash is wrangler's: the first 32 hex digits of BLAKE3 over the file's base64 text
followed by its extension without the dot, so a site wrangler deployed is already on
Cloudflare when cfaction deploys it. Files are hashed as they are read, a chunk at a time:
no file, and never the site, is held in memory whole.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import blake3

from cfaction.errors import InputError
from cfaction.ops.worker.assets.ignore import IgnoreMatcher

MAX_ASSET_BYTES: Final = 25 * 1024 * 1024
"""Cloudflare's limit per asset file (https://developers.cloudflare.com/workers/platform/
limits/#static-assets), which wrangler checks before anything is sent."""
MAX_ASSET_FILES: Final = 100_000
"""Files per Worker version on paid plans (20,000 on Free; the API refuses a session above
the account's own limit)."""
IGNORE_FILE: Final = ".assetsignore"
REDIRECTS_FILE: Final = "_redirects"
HEADERS_FILE: Final = "_headers"
WORKER_JS: Final = "_worker.js"
CHUNK: Final = 3 * 1024 * 1024
"""Bytes read per step: a multiple of 3, so the base64 of each chunk joins up."""
MAX_ROUTING_FILE_BYTES: Final = 1024 * 1024


@dataclass(frozen=True)
class AssetFile:
    """One file of the manifest."""

    key: str
    """``/`` and the path relative to the folder, with ``/`` separators."""
    path: Path
    hash: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What the assets folder holds, as the upload session is told."""

    directory: Path
    files: tuple[AssetFile, ...]
    redirects: str | None
    """``_redirects`` as it is written (sent with the upload, not parsed)."""
    headers: str | None
    ignored: int
    """Files left out by the ignore rules."""

    def session_body(self) -> dict[str, dict[str, dict[str, object]]]:
        return {"manifest": {f.key: {"hash": f.hash, "size": f.size} for f in self.files}}

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def by_hash(self) -> dict[str, AssetFile]:
        """One file per hash (the same bytes under two names upload once)."""
        found: dict[str, AssetFile] = {}
        for item in self.files:
            found.setdefault(item.hash, item)
        return found


def hash_file(path: Path) -> str:
    """wrangler's ``hashFile``: BLAKE3 of base64(bytes) + extension, 32 hex digits."""
    hasher = blake3.blake3()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            hasher.update(base64.b64encode(chunk))
    hasher.update(extension(path.name).encode())
    return hasher.hexdigest()[:32]


def extension(name: str) -> str:
    """Node's ``path.extname`` without its dot, which wrangler hashes with: from the last
    dot, unless that dot starts the name (``.htaccess``: none; ``..a``: ``a``)."""
    dot = name.rfind(".")
    if dot <= 0 or name == "..":
        return ""
    return name[dot + 1 :]


def build_manifest(directory: Path, workspace_root: Path) -> Manifest:
    """Walk ``directory`` and hash what is uploaded.

    :raises InputError: for a file over the size limit, too many files, a link that leaves
        the workspace, or a ``_worker.js`` without an ``.assetsignore`` (as wrangler refuses
        it: it would publish server code).
    """
    ignore_text = _read_text(directory / IGNORE_FILE)
    patterns = [f"/{IGNORE_FILE}", f"/{REDIRECTS_FILE}", f"/{HEADERS_FILE}"]
    if ignore_text is not None:
        patterns += ignore_text.split("\n")
    matcher = IgnoreMatcher(patterns)
    files: list[AssetFile] = []
    ignored = 0
    for relative, path in _walk(directory, workspace_root):
        if matcher.ignored(relative):
            ignored += 1
            continue
        if ignore_text is None and (relative == WORKER_JS or relative.startswith(WORKER_JS)):
            what = "file" if relative == WORKER_JS else "folder"
            raise InputError(
                "assets",
                f"{directory.name}/{relative} is a Pages {WORKER_JS} {what}, which would be "
                "published as a public file with your server code.",
                f"Add an {IGNORE_FILE} with the line {WORKER_JS} to the assets folder to leave "
                f"it out, or an empty {IGNORE_FILE} to publish it anyway.",
            )
        size = path.stat().st_size
        if size > MAX_ASSET_BYTES:
            raise InputError(
                "assets",
                f"{directory.name}/{relative} is {size / 1024 / 1024:.1f} MiB; Cloudflare serves "
                f"assets of up to {MAX_ASSET_BYTES // 1024 // 1024} MiB.",
                f"Make the file smaller, or leave it out with {IGNORE_FILE} (and serve it "
                "from R2).",
            )
        files.append(AssetFile("/" + relative, path, hash_file(path), size))
        if len(files) > MAX_ASSET_FILES:
            raise InputError(
                "assets",
                f"{directory.name} holds more than {MAX_ASSET_FILES:,} files, more than a "
                "Worker version may have.",
                f"Leave build leftovers out with {IGNORE_FILE}, or serve part of the site from R2.",
            )
    files.sort(key=lambda f: f.key)
    return Manifest(
        directory=directory,
        files=tuple(files),
        redirects=_read_text(directory / REDIRECTS_FILE),
        headers=_read_text(directory / HEADERS_FILE),
        ignored=ignored,
    )


def _walk(directory: Path, workspace_root: Path) -> Iterator[tuple[str, Path]]:
    """Every file below ``directory`` as (relative path with ``/``, path), as Node's
    recursive ``readdir`` lists them for wrangler: real folders are entered, a link to a
    folder is not, and a link to a file counts as that file (wrangler's ``stat`` follows
    it), provided it stays in the workspace."""
    root = workspace_root.resolve()
    stack = [directory]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            raise InputError(
                "assets", f"cannot read the folder {folder}: {error.strerror}.", ""
            ) from None
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)
                continue
            if not entry.is_symlink():
                if entry.is_file(follow_symlinks=False):
                    yield path.relative_to(directory).as_posix(), path
                continue
            target = path.resolve()
            if target != root and root not in target.parents:
                raise InputError(
                    "assets",
                    f"{path.relative_to(directory)} links outside the workspace.",
                    "Replace the link with the file, or leave it out with .assetsignore.",
                )
            if target.is_file():
                yield path.relative_to(directory).as_posix(), path


def _read_text(path: Path) -> str | None:
    """A routing or ignore file as UTF-8 text, or None when there is none."""
    if not path.is_file():
        return None
    if path.stat().st_size > MAX_ROUTING_FILE_BYTES:
        raise InputError(
            "assets",
            f"{path.name} is larger than {MAX_ROUTING_FILE_BYTES // 1024} KiB.",
            "Shorten it; Cloudflare limits _redirects and _headers rules anyway.",
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("assets", f"{path.name} is not UTF-8 text.", "Save it as UTF-8.") from None
