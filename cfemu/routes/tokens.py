"""Token verify endpoints for user-owned and account-owned tokens."""

from __future__ import annotations

from .. import errors
from ..app import Response, ok
from ..auth import AuthMode
from ..model import Token
from ..routing import ID_PATTERN, RequestContext, Router

_STATUS_MESSAGES = {
    "active": "This API Token is valid and active",
    "disabled": "This API Token is disabled",
    "expired": "This API Token is expired",
}


def register(router: Router) -> None:
    router.add("GET", r"/user/tokens/verify", verify_user_token, AuthMode.TOKEN_VERIFY)
    router.add(
        "GET",
        rf"/accounts/(?P<account_id>{ID_PATTERN})/tokens/verify",
        verify_account_token,
        AuthMode.TOKEN_VERIFY,
    )


def verify_user_token(ctx: RequestContext) -> Response:
    """Account-owned tokens get 401 here, as on Cloudflare; they must use the account URL."""
    token = _token(ctx)
    if token.account_owned:
        raise errors.invalid_api_token()
    return _verified(token)


def verify_account_token(ctx: RequestContext) -> Response:
    token = _token(ctx)
    if token.account_id != ctx.params["account_id"]:
        raise errors.invalid_api_token()
    return _verified(token)


def _token(ctx: RequestContext) -> Token:
    token = ctx.principal.token
    if token is None:  # AuthMode.TOKEN_VERIFY only lets tokens through
        raise errors.invalid_api_token()
    return token


def _verified(token: Token) -> Response:
    message = _STATUS_MESSAGES.get(token.status, "This API Token is not active")
    return ok(
        {"id": token.id, "status": token.status},
        messages=[{"code": 10000, "message": message, "type": None}],
    )
