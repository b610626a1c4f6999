"""POST /zones/{zone_id}/purge_cache: validate a purge, rate-limit it and record it.

Checks, in order, each answering the first problem it finds:

* Unknown (well-formed) zone: 404 7003/7000, as GET /zones/{id}; a malformed id does not
  route (400 7003/7000).
* Zone outside the caller's scope, or no "cache_purge:purge": 403 10000 "Authentication
  error", which is what Cloudflare answers purges a token may not make.
* Body shape: a JSON object with exactly one of "purge_everything" (true), "files", "tags",
  "hosts" or "prefixes" (a non-empty list). Anything else (not JSON, not an object, no
  selector, several selectors, purge_everything not true, an empty list or a non-list) is
  400 1012 'Request must contain one of "purge_everything", "files", "tags", "hosts" or
  "prefixes"'. Cloudflare sends that text for a body without a selector
  (cloudflare/python-cloudflare#179); using it for every shape problem is our
  approximation. Keys other than the five selectors are ignored.
* Items per request, from the zone plan's PurgeLimits: max_files (100; Enterprise 500)
  files, max_items (100) tags, hosts or prefixes. More is 400 1014 "Only 100 files may be
  purged per request" (the kind and number vary). Code and text are approximations: the
  real API rejects oversized lists with a 400 whose wording we have not seen.
* Each item (the first bad one is reported, with its index). Codes and texts are
  approximations, one code per kind of item:
    - 1015 files: a string URL, or an object {"url": str, "headers": {str: str}}
      ("headers" optional); the URL must be absolute http(s) with a host and contain no
      whitespace or control characters. One list holds only strings or only objects, as
      the API reference's body variants do (by URL, by URL and headers): a mix is refused
      at its first item of the other shape.
    - 1016 tags: 1 to 1024 printable ASCII characters, no spaces.
    - 1017 hosts: a hostname (dot-separated labels of letters, digits and inner hyphens,
      at most 63 characters each and 253 in all; no scheme, port or path).
    - 1018 prefixes: a hostname followed by an optional path, with no scheme, no query
      string or fragment, no whitespace, and at most 31 "/" separators.
  Files and hosts are not checked against the zone's name.
* Rate limits per account (see ratelimit.py): files cost one "urls" token each, other
  purges one "ops" token; short of tokens is 429 971 "Please wait and consider throttling
  your request speed" with Retry-After, and nothing is purged or charged.

Success is 200 with result {"id": <fresh 32-hex purge id>}, and a PurgeRecord appended to
``State.purges``. A 4xx records nothing.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any, Final

from .. import errors
from ..app import Response, ok
from ..errors import ReplyError
from ..model import PurgeKind
from ..permissions import CACHE_PURGE
from ..routing import ID_PATTERN, RequestContext, Router

__all__ = ["purge_cache", "register"]

BODY_MESSAGE: Final = (
    'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"'
)
BODY_CODE: Final = 1012
TOO_MANY_CODE: Final = 1014
ITEM_CODES: Final[dict[str, int]] = {"files": 1015, "tags": 1016, "hosts": 1017, "prefixes": 1018}

# Body selector -> the kind recorded in State.purges.
_KINDS: Final[dict[str, PurgeKind]] = {
    "purge_everything": "everything",
    "files": "files",
    "tags": "tags",
    "hosts": "hosts",
    "prefixes": "prefixes",
}
_MAX_TAG_LENGTH: Final = 1024
_MAX_PREFIX_SEPARATORS: Final = 31
_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_FORBIDDEN_RE = re.compile(r"[\x00-\x20\x7f]")


def register(router: Router) -> None:
    router.add("POST", rf"/zones/(?P<zone_id>{ID_PATTERN})/purge_cache", purge_cache)


def purge_cache(ctx: RequestContext) -> Response:
    state = ctx.state
    zone = state.zones.get(ctx.params["zone_id"])
    if zone is None:
        raise errors.object_not_found(ctx.request.full_path)
    if not ctx.principal.can(CACHE_PURGE, zone):
        raise errors.authentication_error()
    kind, items = _parse_body(ctx.request.body)
    limits = state.purge_limits_for(zone.plan)
    if kind != "everything":
        limit = limits.max_files if kind == "files" else limits.max_items
        if len(items) > limit:
            raise ReplyError.single(
                400, TOO_MANY_CODE, f"Only {limit} {kind} may be purged per request"
            )
        _check_items(kind, items)
    now = state.clock()
    if kind == "files":
        state.take_purge_tokens(zone.account_id, zone.plan, "urls", len(items), now)
    else:
        state.take_purge_tokens(zone.account_id, zone.plan, "ops", 1, now)
    record = state.record_purge(zone.id, kind, items, at=now)
    return ok({"id": record.id})


def _bad_body() -> ReplyError:
    return ReplyError.single(400, BODY_CODE, BODY_MESSAGE)


def _parse_body(body: bytes) -> tuple[PurgeKind, list[Any]]:
    try:
        data = json.loads(body)
    except ValueError as exc:  # includes undecodable bytes and an empty body
        raise _bad_body() from exc
    if not isinstance(data, dict):
        raise _bad_body()
    present = [key for key in _KINDS if key in data]
    if len(present) != 1:
        raise _bad_body()
    [key] = present
    value = data[key]
    if key == "purge_everything":
        if value is not True:
            raise _bad_body()
        return "everything", []
    if not isinstance(value, list) or not value:
        raise _bad_body()
    return _KINDS[key], value


_ITEM_RULES: Final[dict[str, str]] = {
    "files": 'a file must be an absolute http(s) URL with a host, or {"url": <URL>, '
    '"headers": {<name>: <value>}}',
    "tags": "a tag must be 1 to 1024 printable ASCII characters without spaces",
    "hosts": "a host must be a hostname, without scheme, port or path",
    "prefixes": "a prefix must be a hostname and path without scheme, query string or "
    'fragment, with at most 31 "/" separators',
}


def _check_items(kind: str, items: list[Any]) -> None:
    valid = {
        "files": _valid_file,
        "tags": _valid_tag,
        "hosts": _valid_host,
        "prefixes": _valid_prefix,
    }[kind]
    for index, item in enumerate(items):
        if not valid(item):
            message = f"Invalid {kind}[{index}]: {_ITEM_RULES[kind]}"
            raise ReplyError.single(400, ITEM_CODES[kind], message)
    if kind == "files":
        shape = isinstance(items[0], dict)
        mixed = next((i for i, item in enumerate(items) if isinstance(item, dict) != shape), None)
        if mixed is not None:
            message = (
                f"Invalid files[{mixed}]: files must be all URL strings or all "
                '{"url", "headers"} objects'
            )
            raise ReplyError.single(400, ITEM_CODES["files"], message)


def _valid_file(item: Any) -> bool:
    if isinstance(item, dict):
        headers = item.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(name, str) and isinstance(value, str) for name, value in headers.items()
        ):
            return False
        item = item.get("url")
    return isinstance(item, str) and _valid_url(item)


def _valid_url(url: str) -> bool:
    if _FORBIDDEN_RE.search(url):
        return False
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _valid_tag(item: Any) -> bool:
    return (
        isinstance(item, str)
        and 0 < len(item) <= _MAX_TAG_LENGTH
        and all("!" <= char <= "~" for char in item)
    )


def _valid_host(item: Any) -> bool:
    if not isinstance(item, str) or not 0 < len(item) <= 253:
        return False
    return all(_LABEL_RE.fullmatch(label) for label in item.split("."))


def _valid_prefix(item: Any) -> bool:
    if not isinstance(item, str) or not item:
        return False
    if _SCHEME_RE.match(item) or "://" in item or _FORBIDDEN_RE.search(item):
        return False
    if "?" in item or "#" in item or item.count("/") > _MAX_PREFIX_SEPARATORS:
        return False
    host = item.split("/", 1)[0]
    return _valid_host(host)
