"""The /user endpoint: details of the emulated user."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..app import Response, ok
from ..permissions import USER_READ
from ..routing import RequestContext, Router


def register(router: Router) -> None:
    router.add("GET", r"/user", get_user)


def get_user(ctx: RequestContext) -> Response:
    principal = ctx.principal
    if principal.account_owned:
        raise errors.unauthorized_resource()
    principal.require(USER_READ)
    user = ctx.state.user
    email = principal.key.email if principal.key is not None else user.email
    return ok(_user_json(user.id, email, user.first_name, user.last_name))


def _user_json(
    user_id: str, email: str, first_name: str | None, last_name: str | None
) -> dict[str, Any]:
    return {
        "id": user_id,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "username": user_id,
        "telephone": None,
        "country": None,
        "zipcode": None,
        "two_factor_authentication_enabled": False,
        "two_factor_authentication_locked": False,
        "has_pro_zones": False,
        "has_business_zones": False,
        "has_enterprise_zones": False,
        "suspended": False,
        "betas": [],
        "organizations": [],
    }
