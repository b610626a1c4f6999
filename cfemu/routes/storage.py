"""KV namespaces, D1 databases, R2 buckets and dispatch namespaces: the look-ups and
creations wrangler makes to provision bindings by name (see upload_checks.py for what
uploads must name).

Paths are under ``/accounts/{account_id}``. Each checks, in order: the account exists (else
404 7003/7000), the caller reaches it and holds the product's ``:edit`` permission (GETs
also take ``:read``: ``workers_kv_storage``, ``d1``, ``r2``; else 403 10000), then the body.

KV (https://developers.cloudflare.com/api/resources/kv/subresources/namespaces/):

* ``GET /storage/kv/namespaces`` (``page``, ``per_page`` 5..100, default 20; ``order`` id or
  title, ``direction`` asc or desc; unordered: creation order) answers
  [{id, title, supports_url_encoding}] with result_info.
* ``POST /storage/kv/namespaces`` {title}: a missing or empty title (or over 512
  characters) is 400 10021 (our choice); a title the account already has is 400 10014
  "create namespace: 'A namespace with this account ID and title already exists'" (code
  real, text as wrangler's tests have it).
* ``GET /storage/kv/namespaces/{id}``: unknown 404 10009 "Unknown namespace." (code as
  wrangler's tests have it).

D1 (https://developers.cloudflare.com/api/resources/d1/subresources/database/):

* ``GET /d1/database`` (``name``: exact name, our choice; ``page``; ``per_page`` 10..10000,
  default 1000) answers [{uuid, name, created_at, version, num_tables, file_size}].
* ``POST /d1/database`` {name, primary_location_hint?}: a bad name (not 1-64 of
  ``[a-z0-9_-]``) 400 7400 (our choice); a name the account has 400 7502 "A database with
  that name already exists" (code real: wrangler handles it).
* ``GET /d1/database/{uuid or name}``: unknown 404 7404 "The database <x> could not be
  found" (code real: wrangler handles it).

R2 (https://developers.cloudflare.com/api/resources/r2/subresources/buckets/):

* ``GET /r2/buckets`` (``name_contains``) answers {buckets: [{name, creation_date, location,
  storage_class}]}.
* ``GET /r2/buckets/{name}``: unknown 404 10006 "The specified bucket does not exist." (code
  real: wrangler's provisioning treats 10006 as absent).
* ``POST /r2/buckets`` {name, locationHint?, storageClass?}: name rules of
  https://developers.cloudflare.com/r2/buckets/create-buckets/ (3-63 characters,
  lowercase letters, digits and dashes, not starting or ending with a dash) else 400 10005
  "The specified bucket name is not valid." (our choice of code); a locationHint other than
  apac, eeur, enam, weur, wnam, oc 400 10021 (our choice); a storageClass other than
  Standard or InfrequentAccess 400 10021 (our choice); a name the account has 409 10004
  "The bucket you tried to create already exists, and you own it." (our choice of code).

Dispatch namespaces (https://developers.cloudflare.com/api/resources/workers_for_platforms/
subresources/dispatch/subresources/namespaces/; permission ``workers_scripts``):

* ``GET /workers/dispatch/namespaces`` (``page``, ``per_page``, our choice of paging)
  answers [{namespace_id, namespace_name, created_on, created_by, modified_on, modified_by,
  script_count}].
* ``POST /workers/dispatch/namespaces`` {name}: a missing name, or one that is not 1-63
  lowercase letters, digits and dashes, 400 10021 (our choice); a name the account has 409
  100119 (our choice of code).
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Final

from .. import errors
from ..app import Response, ok
from ..errors import ReplyError
from ..model import Account, new_id
from ..paging import paginate, parse_page_request
from ..permissions import (
    D1_EDIT,
    D1_READ,
    R2_EDIT,
    R2_READ,
    WORKERS_KV_EDIT,
    WORKERS_KV_READ,
    WORKERS_SCRIPTS_EDIT,
)
from ..resources import D1Database, DispatchNamespace, KvNamespace, R2Bucket, new_uuid
from ..routing import ID_PATTERN, RequestContext, Router
from .workers import account_for

__all__ = ["register"]

_ACCOUNT: Final = rf"/accounts/(?P<account_id>{ID_PATTERN})"
_KV: Final = rf"{_ACCOUNT}/storage/kv/namespaces"
_D1: Final = rf"{_ACCOUNT}/d1/database"
_R2: Final = rf"{_ACCOUNT}/r2/buckets"
_DISPATCH: Final = rf"{_ACCOUNT}/workers/dispatch/namespaces"
_NAMESPACE_RE: Final = re.compile(r"[a-z0-9-]{1,63}")
_D1_NAME_RE: Final = re.compile(r"[a-z0-9_-]{1,64}")
_BUCKET_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]")
R2_LOCATIONS: Final = ("apac", "eeur", "enam", "weur", "wnam", "oc")
R2_STORAGE_CLASSES: Final = ("Standard", "InfrequentAccess")
MAX_KV_TITLE: Final = 512


def register(router: Router) -> None:
    router.add("GET", _KV, list_kv_namespaces)
    router.add("POST", _KV, create_kv_namespace)
    router.add("GET", rf"{_KV}/(?P<namespace_id>[^/]+)", get_kv_namespace)
    router.add("GET", _D1, list_d1_databases)
    router.add("POST", _D1, create_d1_database)
    router.add("GET", rf"{_D1}/(?P<database>[^/]+)", get_d1_database)
    router.add("GET", _R2, list_r2_buckets)
    router.add("POST", _R2, create_r2_bucket)
    router.add("GET", rf"{_R2}/(?P<bucket>[^/]+)", get_r2_bucket)
    router.add("GET", _DISPATCH, list_dispatch_namespaces)
    router.add("POST", _DISPATCH, create_dispatch_namespace)


def _body(ctx: RequestContext, code: int = 10021) -> dict[str, Any]:
    data = ctx.request.json()
    if not isinstance(data, dict):
        raise ReplyError.single(400, code, "Request body must be a JSON object.")
    return data


def _account(ctx: RequestContext, edit: str, read: str, write: bool) -> Account:
    return account_for(ctx, edit) if write else account_for(ctx, edit, read)


# --- KV ---------------------------------------------------------------------------------


def list_kv_namespaces(ctx: RequestContext) -> Response:
    account = _account(ctx, WORKERS_KV_EDIT, WORKERS_KV_READ, write=False)
    rows = [n for n in ctx.state.kv_namespaces.values() if n.account_id == account.id]
    order = ctx.request.param("order")
    direction = ctx.request.param("direction")
    if order not in (None, "id", "title"):
        raise errors.invalid_parameter("order must be one of: id, title")
    if direction not in (None, "asc", "desc"):
        raise errors.invalid_parameter("direction must be one of: asc, desc")
    if order is not None:
        rows.sort(key=lambda n: n.id if order == "id" else n.title, reverse=direction == "desc")
    page = parse_page_request(
        ctx.request.query, default_per_page=20, min_per_page=5, max_per_page=100
    )
    shown, info = paginate(rows, page, ctx.state.max_page_rows)
    return ok([n.to_json() for n in shown], result_info=info)


def create_kv_namespace(ctx: RequestContext) -> Response:
    account = _account(ctx, WORKERS_KV_EDIT, WORKERS_KV_READ, write=True)
    title = _body(ctx).get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_KV_TITLE:
        raise ReplyError.single(
            400, 10021, f"title is required: a string of 1 to {MAX_KV_TITLE} characters."
        )
    state = ctx.state
    if any(n.account_id == account.id and n.title == title for n in state.kv_namespaces.values()):
        raise ReplyError.single(
            400,
            10014,
            "create namespace: 'A namespace with this account ID and title already exists'",
        )
    namespace = KvNamespace(id=new_id(), account_id=account.id, title=title)
    state.kv_namespaces[namespace.id] = namespace
    return ok(namespace.to_json())


def get_kv_namespace(ctx: RequestContext) -> Response:
    account = _account(ctx, WORKERS_KV_EDIT, WORKERS_KV_READ, write=False)
    namespace = ctx.state.kv_namespaces.get(ctx.params["namespace_id"])
    if namespace is None or namespace.account_id != account.id:
        raise ReplyError.single(404, 10009, "Unknown namespace.")
    return ok(namespace.to_json())


# --- D1 ---------------------------------------------------------------------------------


def list_d1_databases(ctx: RequestContext) -> Response:
    account = _account(ctx, D1_EDIT, D1_READ, write=False)
    name = ctx.request.param("name")
    rows = [
        d
        for d in ctx.state.d1_databases.values()
        if d.account_id == account.id and (name is None or d.name == name)
    ]
    page = parse_page_request(
        ctx.request.query, default_per_page=1000, min_per_page=10, max_per_page=10000
    )
    shown, info = paginate(rows, page, ctx.state.max_page_rows)
    return ok([d.to_json() for d in shown], result_info=info)


def create_d1_database(ctx: RequestContext) -> Response:
    account = _account(ctx, D1_EDIT, D1_READ, write=True)
    body = _body(ctx, code=7400)
    name = body.get("name")
    if not isinstance(name, str) or _D1_NAME_RE.fullmatch(name) is None:
        raise ReplyError.single(
            400,
            7400,
            "The database name must be 1 to 64 lowercase letters, digits, dashes or underscores.",
        )
    state = ctx.state
    if any(d.account_id == account.id and d.name == name for d in state.d1_databases.values()):
        raise ReplyError.single(400, 7502, "A database with that name already exists")
    database = D1Database(uuid=new_uuid(), account_id=account.id, name=name)
    state.d1_databases[database.uuid] = database
    return ok(database.to_json())


def get_d1_database(ctx: RequestContext) -> Response:
    account = _account(ctx, D1_EDIT, D1_READ, write=False)
    wanted = urllib.parse.unquote(ctx.params["database"])
    for database in ctx.state.d1_databases.values():
        if database.account_id == account.id and wanted in (database.uuid, database.name):
            return ok(database.to_json())
    raise ReplyError.single(404, 7404, f"The database {wanted} could not be found")


# --- R2 ---------------------------------------------------------------------------------


def list_r2_buckets(ctx: RequestContext) -> Response:
    account = _account(ctx, R2_EDIT, R2_READ, write=False)
    contains = ctx.request.param("name_contains")
    rows = [
        b
        for (owner, name), b in ctx.state.r2_buckets.items()
        if owner == account.id and (contains is None or contains in name)
    ]
    return ok({"buckets": [b.to_json() for b in sorted(rows, key=lambda b: b.name)]})


def _no_bucket() -> ReplyError:
    return ReplyError.single(404, 10006, "The specified bucket does not exist.")


def get_r2_bucket(ctx: RequestContext) -> Response:
    account = _account(ctx, R2_EDIT, R2_READ, write=False)
    bucket = ctx.state.r2_buckets.get((account.id, urllib.parse.unquote(ctx.params["bucket"])))
    if bucket is None:
        raise _no_bucket()
    return ok(bucket.to_json())


def create_r2_bucket(ctx: RequestContext) -> Response:
    account = _account(ctx, R2_EDIT, R2_READ, write=True)
    body = _body(ctx)
    name = body.get("name")
    if not isinstance(name, str) or _BUCKET_RE.fullmatch(name) is None:
        raise ReplyError.single(400, 10005, "The specified bucket name is not valid.")
    hint = body.get("locationHint")
    if hint is not None and (not isinstance(hint, str) or hint.lower() not in R2_LOCATIONS):
        raise ReplyError.single(
            400, 10021, f"locationHint must be one of {', '.join(R2_LOCATIONS)}."
        )
    storage_class = body.get("storageClass", "Standard")
    if storage_class not in R2_STORAGE_CLASSES:
        raise ReplyError.single(
            400, 10021, f"storageClass must be one of {', '.join(R2_STORAGE_CLASSES)}."
        )
    state = ctx.state
    if (account.id, name) in state.r2_buckets:
        raise ReplyError.single(
            409, 10004, "The bucket you tried to create already exists, and you own it."
        )
    bucket = R2Bucket(
        account_id=account.id,
        name=name,
        location=hint.lower() if isinstance(hint, str) else "enam",
        storage_class=str(storage_class),
    )
    state.r2_buckets[(account.id, name)] = bucket
    return ok(bucket.to_json())


# --- dispatch namespaces ----------------------------------------------------------------


def list_dispatch_namespaces(ctx: RequestContext) -> Response:
    account = account_for(ctx, WORKERS_SCRIPTS_EDIT)
    rows = [n for (a, _), n in ctx.state.dispatch_namespaces.items() if a == account.id]
    page = parse_page_request(ctx.request.query, default_per_page=100, max_per_page=1000)
    shown, info = paginate(rows, page, ctx.state.max_page_rows)
    return ok([n.to_json() for n in shown], result_info=info)


def create_dispatch_namespace(ctx: RequestContext) -> Response:
    account = account_for(ctx, WORKERS_SCRIPTS_EDIT)
    name = _body(ctx).get("name")
    if not isinstance(name, str) or not _NAMESPACE_RE.fullmatch(name):
        raise ReplyError.single(
            400, 10021, "name is required: 1 to 63 lowercase letters, digits and dashes."
        )
    if (account.id, name) in ctx.state.dispatch_namespaces:
        raise ReplyError.single(409, 100119, f"A namespace named {name} already exists.")
    namespace = DispatchNamespace(new_uuid(), account.id, name)
    ctx.state.dispatch_namespaces[(account.id, name)] = namespace
    return ok(namespace.to_json())
