"""Tests for the assets upload (cfaction.ops.worker.assets.sync) with HTTP mocked: the
session, the buckets, the token that replaces the account's credentials, the multipart
body as wrangler sends it, and every way the upload can fail before the Worker is
touched."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from pathlib import Path

import pytest
import responses

from cfaction.client import Client
from cfaction.credentials import Credentials
from cfaction.ops.worker.assets.manifest import Manifest, build_manifest
from cfaction.ops.worker.assets.sync import AssetsUploaded, AssetsUploadError, sync_assets
from tests.helpers import ACCOUNT_ID, BASE, ok

SESSION = f"{BASE}/accounts/{ACCOUNT_ID}/workers/scripts/site/assets-upload-session"
UPLOAD = f"{BASE}/accounts/{ACCOUNT_ID}/workers/assets/upload"


def site(root: Path) -> Manifest:
    files = {"index.html": "<h1>x</h1>", "css/a.css": "a{}", "img/b.png": b"\x89PNG", "raw": "r"}
    for name, content in files.items():
        path = root / "public" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return build_manifest(root / "public", root)


def client(credentials: Credentials | None = None) -> Client:
    return Client(
        base_url=BASE,
        credentials=credentials or Credentials(mode="token", token="t" * 40),
        max_retries=1,
        timeout=5,
        sleep=lambda _: None,
    )


def sync(
    manifest: Manifest, credentials: Credentials | None = None
) -> tuple[AssetsUploaded, list[str]]:
    notes: list[str] = []
    result = sync_assets(client(credentials), ACCOUNT_ID, "site", manifest, notes.append)
    return result, notes


def parts(body: bytes, content_type: str) -> dict[str, tuple[str, str, bytes]]:
    """name -> (filename, content type, content) of a multipart body."""
    # compat32 keeps header values as sent (the HTTP policy re-quotes charset=utf-8).
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    return {
        str(part.get_param("name", header="content-disposition")): (
            str(part.get_filename()),
            str(part.get("Content-Type")),
            part.get_payload(decode=True),
        )
        for part in message.get_payload()
    }


def test_nothing_missing_means_no_upload_and_the_session_token_completes(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    manifest = site(tmp_path)
    rsps.post(SESSION, json=ok({"buckets": [], "jwt": "done"}))

    result, notes = sync(manifest)

    assert (result.jwt, result.uploaded, result.already_there) == ("done", 0, 4)
    assert notes == ["Assets: all 4 files are already on Cloudflare."]
    sent = rsps.calls[0].request
    assert sent.body is not None
    assert sorted(json.loads(sent.body)["manifest"]) == [
        "/css/a.css",
        "/img/b.png",
        "/index.html",
        "/raw",
    ]


def test_each_bucket_is_one_upload_with_the_session_token_instead_of_the_credentials(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    manifest = site(tmp_path)
    by_key = {f.key: f for f in manifest.files}
    html, css, png, raw = (by_key[k] for k in ("/index.html", "/css/a.css", "/img/b.png", "/raw"))
    rsps.post(
        SESSION, json=ok({"buckets": [[html.hash, css.hash], [png.hash, raw.hash]], "jwt": "up"})
    )
    rsps.post(UPLOAD, json=ok({}), status=202)
    rsps.post(UPLOAD, json=ok({"jwt": "complete"}), status=201)

    result, _ = sync(manifest, Credentials(mode="global", email="a@example.com", key="k" * 37))

    assert (result.jwt, result.uploaded, result.buckets) == ("complete", 4, 2)
    uploads = [c.request for c in rsps.calls[1:]]
    for request in uploads:
        assert request.headers["Authorization"] == "Bearer up"
        assert "X-Auth-Key" not in request.headers and "X-Auth-Email" not in request.headers
        assert request.url.endswith("?base64=true")
    sent = {}
    for request in uploads:
        body = request.body if isinstance(request.body, bytes) else request.body.read()
        sent.update(parts(body, request.headers["Content-Type"]))
    assert sent[html.hash] == (
        html.hash,
        "text/html; charset=utf-8",
        base64.b64encode(b"<h1>x</h1>"),
    )
    assert sent[css.hash][1] == "text/css; charset=utf-8"
    assert sent[png.hash][1] == "image/png"
    assert sent[raw.hash][1] == "application/null"


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        (None, "answered without a token"),
        ({"buckets": [["0" * 32]], "jwt": "up"}, "which is not a file of the manifest"),
    ],
)
def test_a_session_answer_that_cannot_be_used_stops_before_any_upload(
    rsps: responses.RequestsMock, tmp_path: Path, session: object, expected: str
) -> None:
    manifest = site(tmp_path)
    rsps.post(SESSION, json=ok(session))

    with pytest.raises(AssetsUploadError, match=expected):
        sync(manifest)

    assert len(rsps.calls) == 1


def test_uploads_without_a_completion_token_fail_the_run(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    manifest = site(tmp_path)
    rsps.post(SESSION, json=ok({"buckets": [[manifest.files[0].hash]], "jwt": "up"}))
    rsps.post(UPLOAD, json=ok({}), status=202)

    with pytest.raises(AssetsUploadError, match="no completion token"):
        sync(manifest)


def test_an_upload_that_keeps_failing_is_retried_then_names_the_way_out(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    manifest = site(tmp_path)
    rsps.post(SESSION, json=ok({"buckets": [[manifest.files[0].hash]], "jwt": "up"}))
    failure = {"success": False, "errors": [{"code": 10013, "message": "oops"}], "result": None}
    rsps.post(UPLOAD, json=failure, status=500)
    rsps.post(UPLOAD, json=failure, status=500)

    with pytest.raises(AssetsUploadError, match="a re-run uploads only the files still missing"):
        sync(manifest)

    assert len(rsps.calls) == 3  # the session, the upload and its one retry (max_retries 1)
