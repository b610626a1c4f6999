"""Authenticate a request into a Principal, and answer permission and scope questions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from . import errors
from .app import Request
from .model import GlobalKey, Token, Zone
from .state import State

__all__ = ["ANONYMOUS", "AuthMode", "Principal", "authenticate"]

_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{40,}")
_KEY_RE = re.compile(r"[0-9a-f]{37,45}")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AuthMode(Enum):
    """How a route authenticates its caller."""

    NONE = "none"
    STANDARD = "standard"
    # Token verify endpoints: tokens only, unknown tokens get 401 1000, and disabled or
    # expired tokens are let through so the handler can report their status.
    TOKEN_VERIFY = "token_verify"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token, a Global API key, or nobody (routes with AuthMode.NONE)."""

    kind: Literal["token", "key", "anonymous"]
    token: Token | None = None
    key: GlobalKey | None = None

    def has(self, permission: str) -> bool:
        if self.kind == "key":
            return True
        return self.token is not None and permission in self.token.permissions

    def require(self, permission: str) -> None:
        """Raise Cloudflare's 10000 "Authentication error" unless permission is held."""
        if not self.has(permission):
            raise errors.authentication_error()

    @property
    def account_owned(self) -> bool:
        return self.token is not None and self.token.account_owned

    def can_access_account(self, account_id: str) -> bool:
        """Account-level scope: keys and user tokens reach every account."""
        if self.kind == "key":
            return True
        if self.token is None:
            return False
        return self.token.account_id in (None, account_id)

    def in_scope(self, zone: Zone) -> bool:
        """Zone-level scope, ignoring permissions."""
        if self.kind == "key":
            return True
        token = self.token
        if token is None or not self.can_access_account(zone.account_id):
            return False
        return token.zone_ids is None or zone.id in token.zone_ids

    def can(self, permission: str, zone: Zone) -> bool:
        return self.has(permission) and self.in_scope(zone)

    @property
    def credential(self) -> str | None:
        """A stable name for the credential (what the global rate limit counts by)."""
        if self.token is not None:
            return f"token:{self.token.id}"
        if self.key is not None:
            return f"key:{self.key.email.lower()}"
        return None


ANONYMOUS = Principal("anonymous")


def authenticate(request: Request, state: State, mode: AuthMode) -> Principal:
    """Apply Cloudflare's header checks in Cloudflare's order; raise ReplyError on failure."""
    if mode is AuthMode.NONE:
        return ANONYMOUS
    verify = mode is AuthMode.TOKEN_VERIFY
    authorization = request.header("Authorization")
    key = request.header("X-Auth-Key")
    email = request.header("X-Auth-Email")
    if authorization is not None:
        return _authenticate_token(authorization, request.client_ip, state, verify)
    if key is None and email is None:
        raise errors.missing_auth()
    if verify:
        # Both verify endpoints accept only the api_token scheme.
        raise errors.invalid_authorization_header()
    return _authenticate_key(key, email, state)


def _authenticate_token(
    authorization: str, client_ip: str, state: State, verify: bool
) -> Principal:
    scheme, _, value = authorization.partition(" ")
    if scheme != "Bearer":
        raise errors.missing_auth()
    if _TOKEN_RE.fullmatch(value) is None:
        raise errors.invalid_authorization_header()
    token = state.find_token(value)
    if token is None:
        raise errors.invalid_api_token() if verify else errors.invalid_access_token()
    if token.status != "active" and not verify:
        raise errors.invalid_access_token()
    if token.allowed_ips is not None and client_ip not in token.allowed_ips:
        raise errors.blocked_location(client_ip)
    return Principal("token", token=token)


def _authenticate_key(key: str | None, email: str | None, state: State) -> Principal:
    if key is None:
        raise errors.missing_auth()
    if email is None or _EMAIL_RE.fullmatch(email) is None:
        raise errors.invalid_email_header()
    if _KEY_RE.fullmatch(key) is None and not key.startswith("cfk_"):
        raise errors.invalid_key_header()
    global_key = state.find_global_key(email, key)
    if global_key is None:
        raise errors.unknown_key()
    return Principal("key", key=global_key)
