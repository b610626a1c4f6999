"""Workers static assets upload endpoints (the model, tokens and error codes: assets.py).

* ``POST /accounts/{account_id}/workers/scripts/{name}/assets-upload-session``: account
  authentication like every Workers script endpoint ("workers_scripts:edit"; 404 7003/7000
  for an unknown account, 403 10000 without the permission, 400 10016 for a bad script
  name; the script need not exist yet). Body ``{"manifest": {"/path": {"hash": "<32 hex>",
  "size": <bytes>}}}``; answers 201 (as wrangler's own tests mock it) with ``{"jwt":
  <upload token, or the completion token when nothing is missing>, "buckets": [[hash,
  ...], ...]}`` (``[]`` when the account holds every file).
* ``POST /accounts/{account_id}/workers/assets/upload?base64=true``: authenticated by
  ``Authorization: Bearer <upload token>`` instead of account credentials; multipart, one
  part per file named by its hash, the content base64, the part's Content-Type stored as
  the file's (``application/null``: none). Answers 202 ``{}`` while the session still
  misses files and 201 ``{"jwt": <completion token>}`` once it has them all (the 201/202
  split of https://developers.cloudflare.com/workers/static-assets/direct-upload/ and
  wrangler's tests).
* ``POST /accounts/{account_id}/workers/assets/upload/{hash}``: the same for one file sent
  as raw bytes, its Content-Type header the file's (wrangler's single-asset mode).
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from typing import Final

from ..app import Response, ok
from ..assets import UploadSession
from ..auth import AuthMode
from ..errors import ReplyError
from ..permissions import WORKERS_SCRIPTS_EDIT
from ..routing import ID_PATTERN, RequestContext, Router
from ..workers import check_script_name, split_multipart
from .workers import account_for

__all__ = ["register"]

ACCOUNT: Final = rf"/accounts/(?P<account_id>{ID_PATTERN})"


def register(router: Router) -> None:
    router.add(
        "POST",
        rf"{ACCOUNT}/workers/scripts/(?P<name>[^/]+)/assets-upload-session",
        create_session,
    )
    router.add("POST", rf"{ACCOUNT}/workers/assets/upload", upload_files, AuthMode.NONE)
    router.add(
        "POST",
        rf"{ACCOUNT}/workers/assets/upload/(?P<hash>[^/]+)",
        upload_file,
        AuthMode.NONE,
    )


def _invalid(message: str) -> ReplyError:
    return ReplyError.single(400, 10021, message)


def create_session(ctx: RequestContext) -> Response:
    account = account_for(ctx, WORKERS_SCRIPTS_EDIT)
    name = urllib.parse.unquote(ctx.params["name"])
    check_script_name(name)
    session, jwt = ctx.state.assets.start_session(account.id, name, ctx.request.json())
    return ok({"jwt": jwt, "buckets": [list(b) for b in session.buckets]}, status=201)


def _session(ctx: RequestContext) -> UploadSession:
    return ctx.state.assets.upload_session(
        ctx.request.header("Authorization"), ctx.params["account_id"]
    )


def _answer(completion: str | None) -> Response:
    if completion is None:
        return ok({}, status=202)
    return ok({"jwt": completion}, status=201)


def upload_files(ctx: RequestContext) -> Response:
    session = _session(ctx)
    if ctx.request.param("base64") != "true":
        raise _invalid("Asset contents must be sent base64-encoded, with ?base64=true.")
    content_type = ctx.request.header("Content-Type") or ""
    if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
        raise _invalid("Expected a multipart/form-data body: one part per asset.")
    files: list[tuple[str, str | None, bytes]] = []
    for name, part_type, content in split_multipart(ctx.request.body, content_type, raw_types=True):
        try:
            raw = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _invalid(f"Asset {name} is not valid base64.") from exc
        files.append((name, part_type or None, raw))
    if not files:
        raise _invalid("The upload holds no assets.")
    return _answer(ctx.state.assets.receive(session, files))


def upload_file(ctx: RequestContext) -> Response:
    session = _session(ctx)
    digest = urllib.parse.unquote(ctx.params["hash"])
    content_type = ctx.request.header("Content-Type")
    return _answer(ctx.state.assets.receive(session, [(digest, content_type, ctx.request.body)]))
