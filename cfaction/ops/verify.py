"""``operation: verify``: check the credentials and the zone without changing anything.

Token mode asks ``GET /user/tokens/verify``. That endpoint answers 401 for account-owned
tokens, so on a 401 the account endpoint ``GET /accounts/{id}/tokens/verify`` is tried
when the account is known: from ``account_id``, or else from the zone, which an
account-owned token can read (cloudflare-api.md §1 "Verify endpoints"). A Global API Key
has no verify endpoint; ``GET /user`` proves the pair instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cfaction import markdown, permissions
from cfaction.errors import ActionError, APIError, AuthError, CloudflareError, ZoneError
from cfaction.ops.base import Context, Outcome
from cfaction.zones import Zone

EXPIRY_WARNING = timedelta(days=14)


@dataclass(frozen=True)
class CredentialCheck:
    """What we learnt about the credentials."""

    status: str  # token status (active, disabled, expired), "invalid", or "valid" for a key
    detail: str  # one line for the summary
    token_id: str | None = None
    owner: str | None = None  # "user" or "account" for tokens
    expires_on: str | None = None


def run(ctx: Context) -> Outcome:
    """Verify credentials, then the zone when one is given."""
    problems: list[ActionError] = []
    zone: Zone | None = None
    account_id = ctx.settings.account_id
    try:
        check, zone = _check_credentials(ctx)
    except CloudflareError as error:
        problems.append(error)
        check = CredentialCheck(status="invalid", detail=f"rejected: {_first_line(error)}")

    credentials_ok = check.status in ("active", "valid")
    if not credentials_ok and not problems:
        problems.append(_inactive_token(check))
    _warn_on_expiry(ctx, check)

    zone_detail = "not given"
    if ctx.settings.zone is not None and credentials_ok:
        try:
            zone = zone or ctx.zones.resolve(ctx.settings.zone, details=True)
            zone_detail = _describe_zone(ctx, zone)
        except (ZoneError, APIError) as error:
            problems.append(error)
            zone_detail = f"❌ not reachable: {_first_line(error)}"
    elif ctx.settings.zone is not None:
        zone_detail = "not checked (the credentials failed)"
    if zone is not None:
        account_id = account_id or zone.account_id

    credentials_line = f"{ctx.settings.credentials.describe()}: {check.detail}"
    ctx.reporter.log(f"Credentials: {credentials_line}")
    ctx.reporter.log(f"Zone: {zone_detail}")
    rows = [("Credentials", markdown.cell(credentials_line)), ("Zone", markdown.cell(zone_detail))]
    result: dict[str, Any] = {
        "credential_mode": ctx.settings.credentials.mode,
        "token_status": check.status,
        "token_id": check.token_id,
        "token_owner": check.owner,
        "expires_on": check.expires_on,
        "zone": _zone_json(zone),
        "account_id": account_id,
        "ok": not problems,
    }
    title = f"verify · {zone.name or zone.id}" if zone else "verify"
    return Outcome(
        heading=title,
        markdown="\n\n".join([markdown.table(("Check", "Result"), rows), _permission_table()]),
        outputs={"token_status": check.status},
        result=result,
        zone=zone,
        account_id=account_id,
        problems=problems,
    )


def _check_credentials(ctx: Context) -> tuple[CredentialCheck, Zone | None]:
    if ctx.settings.credentials.mode == "global_key":
        # No verify endpoint takes a Global API Key; reading the user proves the pair.
        ctx.client.get("/user")
        return CredentialCheck(status="valid", detail="accepted ✅"), None
    try:
        return _token_check(ctx.client.get("/user/tokens/verify"), "user"), None
    except AuthError as error:
        if error.status != 401:
            raise
        return _account_token_check(ctx, error)


def _account_token_check(
    ctx: Context, user_error: AuthError
) -> tuple[CredentialCheck, Zone | None]:
    """The user endpoint refused the token: it may be an account-owned token."""
    zone: Zone | None = None
    account_id = ctx.settings.account_id
    if account_id is None and ctx.settings.zone is not None:
        try:
            zone = ctx.zones.resolve(ctx.settings.zone, details=True)
            account_id = zone.account_id
        except (ZoneError, APIError):
            zone = None  # an invalid token cannot read zones either; report the first error
    if account_id is None:
        user_error.hint = (
            "The token is not a valid user API token. If it is an account-owned token "
            "(created under Manage Account → API Tokens; new ones start with cfat_), set "
            "account_id so cfaction can verify it with the account endpoint. Otherwise it was "
            "deleted, rolled or expired: create a new token and update the api_token secret."
        )
        raise user_error
    try:
        result = ctx.client.get(f"/accounts/{account_id}/tokens/verify")
    except AuthError as error:
        error.hint = (
            f"Neither the user token endpoint nor account {account_id} accepts this token. "
            "Check that api_token is current (not deleted, rolled or expired) and, for an "
            "account-owned token, that account_id is the account that owns it."
        )
        raise
    return _token_check(result, "account"), zone


def _token_check(result: Any, owner: str) -> CredentialCheck:
    status = str(result.get("status", "unknown")) if isinstance(result, dict) else "unknown"
    expires = result.get("expires_on") if isinstance(result, dict) else None
    mark = "✅" if status == "active" else "❌"
    kind = "user-owned" if owner == "user" else "account-owned"
    detail = f"{kind} token, {status} {mark}"
    if expires:
        detail += f" (expires {expires})"
    return CredentialCheck(
        status=status,
        detail=detail,
        token_id=result.get("id") if isinstance(result, dict) else None,
        owner=owner,
        expires_on=expires,
    )


def _inactive_token(check: CredentialCheck) -> ActionError:
    return ActionError(
        f"The API token is {check.status}, so Cloudflare will refuse it. In the dashboard "
        "(API Tokens), re-enable it or roll it, or create a new token, and update the "
        "api_token secret.",
        title="API token",
    )


def _warn_on_expiry(ctx: Context, check: CredentialCheck) -> None:
    if not check.expires_on:
        return
    try:
        expires = datetime.fromisoformat(check.expires_on.replace("Z", "+00:00"))
    except ValueError:
        return
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if check.status == "active" and expires - datetime.now(UTC) < EXPIRY_WARNING:
        ctx.reporter.warning(
            f"The API token expires on {check.expires_on}; roll it or extend its TTL before then.",
            title="API token",
        )


def _describe_zone(ctx: Context, zone: Zone) -> str:
    account = zone.account_name or zone.account_id or "unknown account"
    text = f"{zone.name} ({zone.id}), account {account}, status {zone.status or 'unknown'}"
    if zone.status not in (None, "active"):
        ctx.reporter.warning(
            f"Zone {zone.name} is {zone.status}, not active: purges and Worker routes take "
            "effect only once its nameservers point to Cloudflare.",
            title="Zone",
        )
        return f"{text} ⚠️"
    given = ctx.settings.account_id
    if given and zone.account_id and given != zone.account_id:
        ctx.reporter.warning(
            f"Zone {zone.name} belongs to account {zone.account_id}, not account_id {given}.",
            title="Input account_id",
        )
        return f"{text} ⚠️"
    return f"{text} ✅"


def _zone_json(zone: Zone | None) -> dict[str, Any] | None:
    if zone is None:
        return None
    return {
        "id": zone.id,
        "name": zone.name,
        "status": zone.status,
        "account_id": zone.account_id,
        "account_name": zone.account_name,
    }


def _permission_table() -> str:
    rows = [
        (operation, markdown.cell(permission), markdown.cell(when))
        for operation, needs in permissions.REQUIRED.items()
        for permission, when in needs
    ]
    return "**Token permissions each operation needs**\n\n" + markdown.table(
        ("Operation", "Permission", "Needed"), rows
    )


def _first_line(error: ActionError) -> str:
    return error.message.splitlines()[0] if error.message else error.title
