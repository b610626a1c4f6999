"""Workers static assets: upload sessions and their tokens, the account's content-addressed
file store, the manifest, upload and config checks, and wrangler's asset hash.

The protocol (https://developers.cloudflare.com/workers/static-assets/direct-upload/, and
what ``wrangler deploy`` sends: cloudflare/workers-sdk
packages/deploy-helpers/src/deploy/helpers/assets.ts):

1. ``POST .../workers/scripts/{name}/assets-upload-session`` with ``{"manifest": {path:
   {hash, size}}}`` answers ``{"jwt", "buckets"}``: the hashes the account does not hold yet,
   grouped into buckets, and an *upload token*. With nothing missing, ``buckets`` is ``[]``
   and the jwt is already the *completion token*.
2. ``POST .../workers/assets/upload?base64=true`` per bucket, authenticated by the upload
   token alone: multipart, one part per file (name = hash, content = base64 of the bytes,
   part Content-Type = the file's type or ``application/null``). Every part is checked
   against the session's manifest. Answers 202 ``{}`` until every hash the session asked
   for is stored, then 201 ``{"jwt": <completion token>}`` (also to a repeated upload).
   ``POST .../workers/assets/upload/{hash}`` takes one file as raw bytes (wrangler's
   single-asset mode, used when the upload token's payload says
   ``wrangler_single_asset_uploads: true``; ours never does, but the route is served).
3. The Worker upload (script PUT or POST .../versions) names the completion token in
   ``metadata.assets.jwt``; the version stores the session's manifest and the checked
   ``metadata.assets.config`` as a VersionAssets (see resolve_version_assets).

Tokens look like real JWTs (header.payload.signature, base64url, HS256 with a secret of the
store) because wrangler decodes the payload: it reads ``exp`` (when retries run out, to say
the upload took too long), ``wrangler_single_asset_uploads`` and
``edge_kv_upload_concurrency`` (both left out here, so wrangler uses the bulk route with 3
uploads at a time). Payload: ``{"sub": session id, "account_id", "script_name", "phase":
"upload" | "complete", "iat", "exp"}``. Both kinds live one hour
(``AssetStore.token_ttl``), as the docs say, counted on ``AssetStore.clock`` (epoch seconds).

Buckets (our choice; Cloudflare publishes no rule): the missing files in manifest order,
each hash once, a new bucket whenever the next file would take the bucket over
``AssetStore.bucket_max_bytes`` (50 MiB of file bytes: the bucket size the memory comment
of cloudflare/workers-sdk packages/deploy-helpers/src/deploy/helpers/assets.ts assumes) or
``bucket_max_files`` (2,000 files: MAX_BUCKET_FILE_COUNT of wrangler's Pages uploads,
cloudflare/workers-sdk packages/wrangler/src/pages/constants.ts).

The account keeps every file it was sent (content-addressed, by hash), so a later session
for the same files asks for none (Cloudflare leaves out the last 100,000 files uploaded,
cloudflare/cloudflare-docs#21788; we forget none).

Limits (https://developers.cloudflare.com/workers/platform/limits/): a file may be 25 MiB;
a version may hold 20,000 files on Workers Free and 100,000 on Workers Paid (accounts listed
in ``AssetStore.paid_accounts``).

Error codes (Cloudflare documents none for these endpoints; all are our choice, 10021 being
the real code of a Workers validation error):

* 400 10021 on the session endpoint: the body is not ``{"manifest": {...}}``; a path not
  starting with "/"; an entry not ``{hash: 32 lowercase hex, size: whole number >= 0}``;
  "Asset too large" (a size over 25 MiB); "Too many assets" (over the plan's file count).
* 401 10000 on the upload endpoints: "Missing JWT" (no ``Authorization: Bearer``),
  "Invalid JWT" (malformed, bad signature, unknown session, another account's, or a
  completion token), "Expired JWT" (older than an hour; the text of Pages' upload service,
  cloudflare/workers-sdk#3773).
* 400 10021 on the upload endpoints: ``base64=true`` missing on the bulk route, a part whose
  name is not a hash of the session's manifest, content that is not base64, a size other
  than the manifest's, content whose hash is not the part's name (``check_hashes``).
* 400 10021 on Worker uploads: ``metadata.assets`` without a jwt (and no ``keep_assets``), a
  jwt that is not a completion token, expired, or for another account or script; a bad
  ``config`` value; ``keep_assets`` with nothing to keep; ``run_worker_first`` without Worker
  code; an ``assets`` binding without assets ("Cannot use an assets binding without
  assets", Cloudflare's wording as alchemy-run/alchemy#914 quotes it) or more than one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import blake3

from .errors import ReplyError

__all__ = [
    "ASSET_MAX_BYTES",
    "BUCKET_MAX_BYTES",
    "BUCKET_MAX_FILES",
    "CONFIG_KEYS",
    "HTML_HANDLING",
    "MAX_FILES_FREE",
    "MAX_FILES_PAID",
    "NOT_FOUND_HANDLING",
    "TOKEN_TTL",
    "AssetFile",
    "AssetStore",
    "StoredAsset",
    "UploadSession",
    "VersionAssets",
    "check_assets_bindings",
    "check_config",
    "decode_token",
    "extension",
    "hash_asset",
    "resolve_version_assets",
]

# https://developers.cloudflare.com/workers/platform/limits/ ("Static Assets").
ASSET_MAX_BYTES: Final = 25 * 1024 * 1024
MAX_FILES_FREE: Final = 20_000
MAX_FILES_PAID: Final = 100_000
# https://developers.cloudflare.com/workers/static-assets/direct-upload/: "valid for one hour".
TOKEN_TTL: Final = 3600.0
BUCKET_MAX_BYTES: Final = 50 * 1024 * 1024
BUCKET_MAX_FILES: Final = 2000
# https://developers.cloudflare.com/workers/static-assets/routing/ (routing configuration).
HTML_HANDLING: Final = (
    "auto-trailing-slash",
    "force-trailing-slash",
    "drop-trailing-slash",
    "none",
)
NOT_FOUND_HANDLING: Final = ("single-page-application", "404-page", "none")
# What metadata.assets.config may hold: the keys wrangler sends
# (cloudflare/workers-sdk packages/deploy-helpers/src/deploy/helpers/
# create-worker-upload-form.ts) and serve_directly, the older form of run_worker_first.
CONFIG_KEYS: Final = (
    "html_handling",
    "not_found_handling",
    "run_worker_first",
    "serve_directly",
    "_redirects",
    "_headers",
)
NULL_CONTENT_TYPE: Final = "application/null"

_HASH_RE: Final = re.compile(r"[0-9a-f]{32}")
_JWT_HEADER: Final = {"alg": "HS256", "typ": "JWT"}
Phase = Literal["upload", "complete"]


def _validation(message: str) -> ReplyError:
    return ReplyError.single(400, 10021, message)


def _unauthorized(message: str) -> ReplyError:
    return ReplyError.single(401, 10000, message)


# --- the hash -------------------------------------------------------------------------


def extension(path: str) -> str:
    """The file extension wrangler hashes: Node's ``path.extname`` without its dot ("" for
    "/.assetsignore", "/README" or "/a."; "a" for "/..a")."""
    base = path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    if dot <= 0 or base == "..":
        return ""
    return base[dot + 1 :]


def hash_asset(content: bytes, path: str) -> str:
    """The manifest hash of a file, as wrangler computes it: the first 32 hex digits of
    BLAKE3(base64(content) + extension) (cloudflare/workers-sdk
    packages/deploy-helpers/src/deploy/helpers/hash.ts)."""
    return _digest(content, extension(path))


def _digest(content: bytes, ext: str) -> str:
    return blake3.blake3(base64.b64encode(content) + ext.encode()).hexdigest()[:32]


# --- records --------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetFile:
    """One manifest entry: the file's hash and size in bytes."""

    hash: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"hash": self.hash, "size": self.size}


@dataclass(frozen=True)
class StoredAsset:
    """A file the account holds: its bytes and the Content-Type it was uploaded with (None
    for ``application/null``: served without one)."""

    content: bytes
    content_type: str | None


@dataclass(frozen=True)
class VersionAssets:
    """What a Worker version serves: ``manifest`` (path -> AssetFile, as the upload session
    listed it), ``config`` (metadata.assets.config as checked, ``{}`` when none was sent) and
    the upload session they came from (``session_id``; a version made with keep_assets has
    its predecessor's)."""

    manifest: dict[str, AssetFile]
    config: dict[str, Any]
    session_id: str

    def hashes(self) -> set[str]:
        return {entry.hash for entry in self.manifest.values()}


@dataclass
class UploadSession:
    """One assets-upload-session: its manifest, the hashes it asked for (``needed``, in
    bucket order) and its two tokens. ``completion_token`` is None until every needed hash
    is stored; ``expires_at`` is the upload token's expiry, ``completed_at`` when the
    completion token was minted (it lives ``token_ttl`` from then)."""

    id: str
    account_id: str
    script_name: str
    manifest: dict[str, AssetFile]
    needed: tuple[str, ...]
    buckets: list[list[str]]
    created_at: float
    expires_at: float
    upload_token: str | None = None
    completion_token: str | None = None
    completed_at: float | None = None
    received: set[str] = field(default_factory=set)
    # hash -> size, and hash -> the extensions of the manifest paths that carry it.
    sizes: dict[str, int] = field(default_factory=dict, repr=False)
    extensions: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for path, entry in self.manifest.items():
            self.sizes.setdefault(entry.hash, entry.size)
            self.extensions.setdefault(entry.hash, set()).add(extension(path))


# --- tokens ---------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_token(token: str) -> dict[str, Any]:
    """The payload of one of our JWTs, unverified (as wrangler reads it); ValueError if the
    token is not three base64url parts with a JSON object in the middle."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("a JWT has three parts")
    try:
        payload = json.loads(_unb64url(parts[1]))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("the JWT payload is not base64url JSON") from exc
    if not isinstance(payload, dict):
        raise ValueError("the JWT payload is not an object")
    return payload


# --- the store ------------------------------------------------------------------------


@dataclass
class AssetStore:
    """Every account's asset files and every upload session (``State.assets``).

    ``files`` maps account id -> hash -> StoredAsset; ``sessions`` session id ->
    UploadSession. ``paid_accounts`` are on Workers Paid (``max_files_paid`` files per
    version, else ``max_files_free``). ``clock`` is wall-clock seconds (tokens carry epoch
    ``exp``; tests move it to expire them). ``check_hashes`` off accepts any 32-hex name for
    any content (clients that hash otherwise, as the SHA-256 example in the direct-upload
    docs does). Methods take ``lock``; handlers also hold ``State.lock``.
    """

    files: dict[str, dict[str, StoredAsset]] = field(default_factory=dict)
    sessions: dict[str, UploadSession] = field(default_factory=dict)
    paid_accounts: set[str] = field(default_factory=set)
    max_files_free: int = MAX_FILES_FREE
    max_files_paid: int = MAX_FILES_PAID
    max_file_bytes: int = ASSET_MAX_BYTES
    bucket_max_bytes: int = BUCKET_MAX_BYTES
    bucket_max_files: int = BUCKET_MAX_FILES
    token_ttl: float = TOKEN_TTL
    check_hashes: bool = True
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    # --- the account's files

    def has(self, account_id: str, digest: str) -> bool:
        with self.lock:
            return digest in self.files.get(account_id, {})

    def hashes(self, account_id: str) -> set[str]:
        """Every hash the account holds."""
        with self.lock:
            return set(self.files.get(account_id, {}))

    def file(self, account_id: str, digest: str) -> StoredAsset:
        """A stored file; KeyError if the account does not hold it."""
        with self.lock:
            try:
                return self.files[account_id][digest]
            except KeyError:
                raise KeyError(f"account {account_id} holds no asset {digest}") from None

    def add(
        self, account_id: str, content: bytes, path: str, content_type: str | None = None
    ) -> str:
        """Store a file as if it had been uploaded (for tests); returns its hash."""
        digest = hash_asset(content, path)
        with self.lock:
            self.files.setdefault(account_id, {})[digest] = StoredAsset(content, content_type)
        return digest

    def file_limit(self, account_id: str) -> int:
        return self.max_files_paid if account_id in self.paid_accounts else self.max_files_free

    # --- tokens

    def _token(self, session: UploadSession, phase: Phase, issued: float) -> str:
        payload = {
            "sub": session.id,
            "account_id": session.account_id,
            "script_name": session.script_name,
            "phase": phase,
            "iat": int(issued),
            "exp": int(issued + self.token_ttl),
        }
        head = _b64url(json.dumps(_JWT_HEADER, separators=(",", ":")).encode())
        body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
        signature = hmac.new(self.secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64url(signature)}"

    def _verified(self, token: str) -> tuple[UploadSession, dict[str, Any]] | None:
        """The session and payload of a token this store signed, else None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(self.secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64url(parts[2]), expected):
                return None
            payload = decode_token(token)
        except (binascii.Error, ValueError):
            return None
        session = self.sessions.get(str(payload.get("sub")))
        if session is None:
            return None
        return session, payload

    def _expired(self, payload: Mapping[str, Any]) -> bool:
        exp = payload.get("exp")
        return not isinstance(exp, int) or exp <= self.clock()

    # --- sessions

    def start_session(
        self, account_id: str, script_name: str, body: Any
    ) -> tuple[UploadSession, str]:
        """Check a session body and open the session; returns it and the jwt to answer
        (the completion token when nothing is missing)."""
        manifest = self._manifest(account_id, body)
        with self.lock:
            now = self.clock()
            self._prune(now)
            held = self.files.get(account_id, {})
            # Each missing hash once, in manifest order.
            needed = list(dict.fromkeys(e.hash for e in manifest.values() if e.hash not in held))
            sizes = {entry.hash: entry.size for entry in manifest.values()}
            session = UploadSession(
                id=str(uuid.uuid4()),
                account_id=account_id,
                script_name=script_name,
                manifest=manifest,
                needed=tuple(needed),
                buckets=self._buckets(needed, sizes),
                created_at=now,
                expires_at=now + self.token_ttl,
            )
            self.sessions[session.id] = session
            if not needed:
                return session, self._complete(session, now)
            session.upload_token = self._token(session, "upload", now)
            return session, session.upload_token

    def _manifest(self, account_id: str, body: Any) -> dict[str, AssetFile]:
        if not isinstance(body, dict) or not isinstance(body.get("manifest"), dict):
            raise _validation('Expected a JSON body {"manifest": {path: {hash, size}}}.')
        manifest: dict[str, AssetFile] = {}
        for path, entry in body["manifest"].items():
            if not path.startswith("/"):
                raise _validation(f'Manifest path "{path}" must start with "/".')
            if not isinstance(entry, dict):
                raise _validation(f'Manifest entry "{path}" must be an object {{hash, size}}.')
            digest, size = entry.get("hash"), entry.get("size")
            if not isinstance(digest, str) or _HASH_RE.fullmatch(digest) is None:
                raise _validation(
                    f'Manifest entry "{path}": hash must be 32 lowercase hexadecimal characters.'
                )
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise _validation(f'Manifest entry "{path}": size must be a whole number >= 0.')
            if size > self.max_file_bytes:
                raise _validation(
                    f"Asset too large: {path} is {size} bytes; assets may be up to "
                    f"{self.max_file_bytes} bytes (25 MiB)."
                )
            manifest[path] = AssetFile(digest, size)
        limit = self.file_limit(account_id)
        if len(manifest) > limit:
            raise _validation(
                f"Too many assets: the manifest lists {len(manifest)} files and a Worker "
                f"version on this plan may have at most {limit}."
            )
        return manifest

    def _buckets(self, needed: Iterable[str], sizes: Mapping[str, int]) -> list[list[str]]:
        buckets: list[list[str]] = []
        current: list[str] = []
        total = 0
        for digest in needed:
            size = sizes[digest]
            if current and (
                len(current) >= self.bucket_max_files or total + size > self.bucket_max_bytes
            ):
                buckets.append(current)
                current, total = [], 0
            current.append(digest)
            total += size
        if current:
            buckets.append(current)
        return buckets

    def _complete(self, session: UploadSession, now: float) -> str:
        if session.completion_token is None:
            session.completed_at = now
            session.completion_token = self._token(session, "complete", now)
        return session.completion_token

    def _prune(self, now: float) -> None:
        """Forget sessions none of whose tokens can still be used."""
        for session_id, session in list(self.sessions.items()):
            upload_live = session.expires_at > now
            done = session.completed_at
            completion_live = done is not None and done + self.token_ttl > now
            if not upload_live and not completion_live:
                del self.sessions[session_id]

    # --- uploads

    def upload_session(self, authorization: str | None, account_id: str) -> UploadSession:
        """The session an upload request's ``Authorization: Bearer <upload token>`` names
        (401 10000 otherwise)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme != "Bearer" or not token.strip():
            raise _unauthorized("Missing JWT")
        with self.lock:
            found = self._verified(token.strip())
            if found is None:
                raise _unauthorized("Invalid JWT")
            session, payload = found
            if session.account_id != account_id:
                raise _unauthorized("Invalid JWT")
            if payload.get("phase") != "upload":
                raise _unauthorized("Invalid JWT (a completion token cannot upload files)")
            if self._expired(payload):
                raise _unauthorized("Expired JWT")
            return session

    def receive(
        self, session: UploadSession, files: Iterable[tuple[str, str | None, bytes]]
    ) -> str | None:
        """Store uploaded files, each (hash, content type as sent, bytes), after checking
        them all against the session; returns the completion token once every hash the
        session asked for is stored, else None."""
        checked: list[tuple[str, StoredAsset]] = []
        for digest, content_type, content in files:
            size = session.sizes.get(digest)
            if size is None:
                raise _validation(f"Asset {digest} is not in this upload session's manifest.")
            if len(content) != size:
                raise _validation(
                    f"Asset {digest} is {len(content)} bytes; the manifest says {size}."
                )
            if self.check_hashes and not any(
                _digest(content, ext) == digest for ext in session.extensions[digest]
            ):
                raise _validation(f"Asset {digest}: the content does not match its hash.")
            stored_type = None if content_type in (None, "", NULL_CONTENT_TYPE) else content_type
            checked.append((digest, StoredAsset(content, stored_type)))
        with self.lock:
            held = self.files.setdefault(session.account_id, {})
            for digest, stored in checked:
                held[digest] = stored
                session.received.add(digest)
            if all(digest in held for digest in session.needed):
                return self._complete(session, self.clock())
        return None

    # --- Worker uploads

    def completed_session(self, token: Any, account_id: str, script_name: str) -> UploadSession:
        """The session of a completion token named in a Worker upload (400 10021 else)."""
        if not isinstance(token, str) or not token:
            raise _validation("assets.jwt must be the completion token of an asset upload.")
        with self.lock:
            found = self._verified(token)
            if found is None:
                raise _validation("assets.jwt is not a valid asset upload completion token.")
            session, payload = found
            if payload.get("phase") != "complete":
                raise _validation(
                    "assets.jwt is an upload token, not a completion token: upload every "
                    "file the upload session asked for first."
                )
            if session.account_id != account_id or session.script_name != script_name:
                raise _validation(
                    "assets.jwt was issued for another Worker: start an upload session for "
                    f"{script_name}."
                )
            if self._expired(payload):
                raise _validation("assets.jwt has expired: start a new asset upload session.")
            return session


# --- Worker upload metadata -------------------------------------------------------------


def check_config(config: Any, has_code: bool) -> dict[str, Any]:
    """metadata.assets.config, checked (400 10021)."""
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise _validation("assets.config must be an object.")
    for key in config:
        if key not in CONFIG_KEYS:
            raise _validation(f'Unknown assets.config key "{key}".')
    html = config.get("html_handling")
    if html is not None and html not in HTML_HANDLING:
        raise _validation(f"assets.config.html_handling must be one of {', '.join(HTML_HANDLING)}.")
    not_found = config.get("not_found_handling")
    if not_found is not None and not_found not in NOT_FOUND_HANDLING:
        raise _validation(
            f"assets.config.not_found_handling must be one of {', '.join(NOT_FOUND_HANDLING)}."
        )
    first = config.get("run_worker_first")
    if first is not None:
        if isinstance(first, list):
            for rule in first:
                if not isinstance(rule, str) or not rule.startswith(("/", "!/")):
                    raise _validation(
                        'assets.config.run_worker_first rules must be strings starting with "/" '
                        'or "!/".'
                    )
        elif not isinstance(first, bool):
            raise _validation("assets.config.run_worker_first must be a boolean or a list.")
        if not has_code and first not in (False, []):
            raise _validation("assets.config.run_worker_first needs a Worker script.")
    serve = config.get("serve_directly")
    if serve is not None and not isinstance(serve, bool):
        raise _validation("assets.config.serve_directly must be a boolean.")
    for key in ("_redirects", "_headers"):
        if config.get(key) is not None and not isinstance(config[key], str):
            raise _validation(f"assets.config.{key} must be the file's text.")
    return dict(config)


def resolve_version_assets(
    store: AssetStore,
    account_id: str,
    script_name: str,
    metadata: Mapping[str, Any],
    previous: VersionAssets | None,
    has_code: bool,
) -> VersionAssets | None:
    """The assets a new version serves, from its upload metadata (raise 400 10021).

    ``metadata.assets.jwt`` (a completion token for this account and script) gives the
    session's manifest; without it, ``keep_assets: true`` keeps ``previous`` (the latest
    version's assets), with ``assets.config`` replacing its config when sent (our choice: a
    jwt wins over keep_assets). Neither: no assets. ``has_code``: the upload has a main
    module or body part (an assets-only Worker has none).
    """
    assets = metadata.get("assets")
    keep = metadata.get("keep_assets", False)
    if not isinstance(keep, bool):
        raise _validation("keep_assets must be a boolean.")
    if assets is not None and not isinstance(assets, dict):
        raise _validation("assets must be an object.")
    result: VersionAssets | None = None
    if assets is not None and assets.get("jwt") is not None:
        config = check_config(assets.get("config"), has_code)
        session = store.completed_session(assets["jwt"], account_id, script_name)
        result = VersionAssets(dict(session.manifest), config, session.id)
    elif keep:
        if previous is None:
            raise _validation("keep_assets: this Worker has no assets to keep.")
        config = previous.config
        if assets is not None and "config" in assets:
            config = check_config(assets["config"], has_code)
        result = VersionAssets(dict(previous.manifest), config, previous.session_id)
    elif assets is not None:
        raise _validation("assets.jwt is required (or keep_assets: true to keep the assets).")
    check_assets_bindings(metadata.get("bindings") or [], result is not None)
    return result


def check_assets_bindings(bindings: Iterable[Any], has_assets: bool) -> None:
    """At most one ``assets`` binding, and only on a version with assets (400 10021)."""
    count = sum(1 for b in bindings if isinstance(b, dict) and b.get("type") == "assets")
    if count and not has_assets:
        raise _validation("Cannot use an assets binding without assets")
    if count > 1:
        raise _validation("A Worker may have at most one assets binding.")
