"""Uploading assets as wrangler does (workers-sdk ``packages/deploy-helpers/src/deploy/
helpers/assets.ts`` ``syncAssets``): the manifest goes to an upload session, which answers
with the hashes the account lacks, in buckets, and a token; each bucket is one upload
(``POST …/workers/assets/upload?base64=true``, the files base64-encoded, authorised by the
session's token instead of the account credential), three at a time; the last upload's
answer holds the completion token the Worker upload names. Nothing missing: the session's
token is the completion token and nothing is uploaded.

Uploads are content-addressed, so a bucket whose answer is lost is simply sent again (the
client retries it like any request that is safe to repeat), and a re-run resumes where a
failed one stopped: the session asks only for what is still missing.
"""

from __future__ import annotations

import base64
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

from cfaction.client import Client
from cfaction.errors import ActionError, CloudflareError
from cfaction.ops.worker.assets.manifest import CHUNK, AssetFile, Manifest
from cfaction.ops.worker.assets.mime import asset_content_type
from cfaction.permissions import WORKERS_SCRIPTS_EDIT

UPLOAD_CONCURRENCY: Final = 3
"""wrangler's ``BULK_UPLOAD_CONCURRENCY``."""


class AssetsUploadError(ActionError):
    """The assets could not all be uploaded; nothing of the Worker was changed."""

    title = "Assets upload"


@dataclass(frozen=True)
class AssetsUploaded:
    """What the upload did: the completion token and the counts for the summary."""

    jwt: str
    files: int
    uploaded: int
    uploaded_bytes: int
    buckets: int

    @property
    def already_there(self) -> int:
        return self.files - self.uploaded


def sync_assets(
    client: Client,
    account_id: str,
    script_name: str,
    manifest: Manifest,
    progress: Callable[[str], None],
) -> AssetsUploaded:
    """Open the upload session and upload what it asks for.

    :raises AssetsUploadError: when the session or a bucket fails for good, or no
        completion token comes back.
    """
    path = f"/accounts/{account_id}/workers/scripts/{script_name}/assets-upload-session"
    session = client.request(
        "POST",
        path,
        json_body=manifest.session_body(),
        idempotent=True,  # a session only says what is missing; asking twice changes nothing
        permission=WORKERS_SCRIPTS_EDIT,
    ).result
    if not isinstance(session, dict) or not isinstance(session.get("jwt"), str):
        raise AssetsUploadError(
            "The assets upload session answered without a token; nothing was uploaded. "
            "Re-run the job."
        )
    buckets = [list(b) for b in session.get("buckets") or [] if b]
    by_hash = manifest.by_hash()
    wanted = [[_file(by_hash, h) for h in bucket] for bucket in buckets]
    count = sum(len(b) for b in wanted)
    if not count:
        progress(f"Assets: all {len(manifest.files)} files are already on Cloudflare.")
        return AssetsUploaded(session["jwt"], len(manifest.files), 0, 0, 0)
    progress(f"Assets: uploading {count} of {len(manifest.files)} files in {len(wanted)} parts.")
    uploader = _Uploader(client, account_id, session["jwt"], progress)
    with ThreadPoolExecutor(max_workers=UPLOAD_CONCURRENCY) as pool:
        tokens = list(pool.map(uploader.upload, wanted))
    completion = next((t for t in reversed(tokens) if t), "")
    if not completion:
        raise AssetsUploadError(
            "Every asset was uploaded but Cloudflare sent no completion token, so the Worker "
            "was not uploaded. Re-run the job: the files already uploaded are not sent again."
        )
    return AssetsUploaded(
        completion,
        len(manifest.files),
        count,
        sum(f.size for bucket in wanted for f in bucket),
        len(wanted),
    )


def _file(by_hash: dict[str, AssetFile], file_hash: Any) -> AssetFile:
    found = by_hash.get(str(file_hash))
    if found is None:
        raise AssetsUploadError(
            f"The assets upload session asked for {file_hash}, which is not a file of the "
            "manifest; nothing was uploaded. Re-run the job."
        )
    return found


class _Uploader:
    """Uploads buckets; the client retries each as it retries any request that is safe to
    repeat. The first bucket that fails for good keeps the others from starting."""

    def __init__(
        self,
        client: Client,
        account_id: str,
        token: str,
        progress: Callable[[str], None],
    ) -> None:
        self.client = client
        self.path = f"/accounts/{account_id}/workers/assets/upload"
        self.token = token
        self.progress = progress
        self.failed = threading.Event()

    def upload(self, bucket: Sequence[AssetFile]) -> str:
        if self.failed.is_set():
            return ""
        try:
            return self._send(bucket)
        except CloudflareError as error:
            self.failed.set()
            raise AssetsUploadError(
                f"Uploading {len(bucket)} asset files failed: {error.message} Nothing of the "
                "Worker was changed; a re-run uploads only the files still missing."
            ) from error

    def _send(self, bucket: Sequence[AssetFile]) -> str:
        with tempfile.TemporaryFile() as body:
            boundary = write_multipart(body, bucket)
            result = self.client.request(
                "POST",
                self.path,
                params={"base64": "true"},
                data=body,
                idempotent=True,  # content-addressed: the same bytes under the same hash
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
                credentials=False,
                permission=WORKERS_SCRIPTS_EDIT,
            ).result
        jwt = result.get("jwt") if isinstance(result, dict) else None
        return jwt if isinstance(jwt, str) else ""


def write_multipart(out: BinaryIO, bucket: Sequence[AssetFile]) -> str:
    """Write one bucket's multipart body to ``out``: per file a part named by its hash, its
    content base64-encoded as it is read (a chunk at a time, so neither a file nor the
    bucket is ever whole in memory), typed as wrangler types it. Returns the boundary."""
    boundary = f"cfaction-{uuid.uuid4().hex}"
    for item in bucket:
        out.write(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{item.hash}"; filename="{item.hash}"\r\n'
            f"Content-Type: {asset_content_type(item.key)}\r\n\r\n".encode()
        )
        with item.path.open("rb") as source:
            while chunk := source.read(CHUNK):
                out.write(base64.b64encode(chunk))
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return boundary
