"""The checks of ``operation: verify`` (reads only): the credentials, then the zone.

Token mode asks ``GET /user/tokens/verify``. That endpoint answers 401 for account-owned
tokens, so on a 401 the account endpoint ``GET /accounts/{id}/tokens/verify`` is tried
when the account is known: from ``account_id``, or else from the zone, which an
account-owned token can read
(https://developers.cloudflare.com/fundamentals/api/get-started/account-owned-tokens/).
A Global API Key has no verify endpoint; ``GET /user`` proves the pair instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cfaction.errors import (
    ActionError,
    APIError,
    AuthError,
    CloudflareError,
    RateLimitError,
    ServerError,
    TransportError,
    ZoneError,
)
from cfaction.ops.base import Context, LoadSource, Notice
from cfaction.problems import Problems
from cfaction.zones import Zone

EXPIRY_WARNING = timedelta(days=14)


@dataclass(frozen=True)
class VerifyInputs:
    """verify has no inputs of its own."""


@dataclass(frozen=True)
class CredentialCheck:
    """What we learnt about the credentials."""

    status: str  # token status (active, disabled, expired), "invalid", "valid" for a key, or
    # "unknown" when Cloudflare gave no verdict (5xx, rate limit, no answer)
    detail: str  # one line for the summary
    token_id: str | None = None
    owner: str | None = None  # "user" or "account" for tokens
    expires_on: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("active", "valid")


@dataclass(frozen=True)
class Report:
    """Everything verify found out."""

    credential_mode: str
    credentials: str  # the line for the summary: mode and what Cloudflare said
    check: CredentialCheck
    zone: Zone | None
    zone_detail: str
    account_id: str | None
    problems: tuple[ActionError, ...] = ()
    warnings: tuple[Notice, ...] = field(default=())


def load(source: LoadSource, problems: Problems) -> VerifyInputs:
    """verify reads only the common inputs."""
    return VerifyInputs()


def check(ctx: Context, _: VerifyInputs) -> Report:
    """Verify the credentials, then the zone when one is given."""
    problems: list[ActionError] = []
    warnings: list[Notice] = []
    zone: Zone | None = None
    account_id = ctx.settings.account_id
    try:
        credentials, zone = _check_credentials(ctx)
    except (ServerError, RateLimitError, TransportError) as error:
        # No verdict on the credentials: Cloudflare failed, throttled or did not answer.
        problems.append(error)
        credentials = CredentialCheck(
            status="unknown",
            detail=f"not checked: Cloudflare did not answer ({_first_line(error)})",
        )
    except CloudflareError as error:
        problems.append(error)
        credentials = CredentialCheck(status="invalid", detail=f"rejected: {_first_line(error)}")
    if not credentials.ok and not problems:
        problems.append(_inactive_token(credentials))
    warnings.extend(_expiry(credentials))

    zone_detail = "not given"
    if ctx.settings.zone is not None and credentials.ok:
        try:
            zone = zone or ctx.zones.resolve(ctx.settings.zone, details=True)
            zone_detail, zone_warnings = _describe_zone(zone, ctx.settings.account_id)
            warnings.extend(zone_warnings)
        except (ZoneError, APIError) as error:
            problems.append(error)
            zone_detail = f"❌ not reachable: {_first_line(error)}"
    elif ctx.settings.zone is not None:
        zone_detail = (
            "not checked (the credentials could not be checked)"
            if credentials.status == "unknown"
            else "not checked (the credentials failed)"
        )
    if zone is not None:
        account_id = account_id or zone.account_id
    mode = ctx.settings.credentials
    return Report(
        credential_mode=mode.mode,
        credentials=f"{mode.describe()}: {credentials.detail}",
        check=credentials,
        zone=zone,
        zone_detail=zone_detail,
        account_id=account_id,
        problems=tuple(problems),
        warnings=tuple(warnings),
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
        raise user_error.with_hint(
            "The token is not a valid user API token. If it is an account-owned token "
            "(created under Manage Account → API Tokens; new ones start with cfat_), set "
            "account_id so cfaction can verify it with the account endpoint. Otherwise it was "
            "deleted, rolled or expired: create a new token and update the api_token secret."
        )
    try:
        result = ctx.client.get(f"/accounts/{account_id}/tokens/verify")
    except AuthError as error:
        raise error.with_hint(
            f"Neither the user token endpoint nor account {account_id} accepts this token. "
            "Check that api_token is current (not deleted, rolled or expired) and, for an "
            "account-owned token, that account_id is the account that owns it."
        ) from None
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


def _expiry(check: CredentialCheck) -> list[Notice]:
    if not check.expires_on:
        return []
    try:
        expires = datetime.fromisoformat(check.expires_on.replace("Z", "+00:00"))
    except ValueError:
        return []
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if check.status == "active" and expires - datetime.now(UTC) < EXPIRY_WARNING:
        return [
            Notice(
                "API token",
                f"The API token expires on {check.expires_on}; roll it or extend its TTL before "
                "then.",
            )
        ]
    return []


def _describe_zone(zone: Zone, given_account: str | None) -> tuple[str, list[Notice]]:
    account = zone.account_name or zone.account_id or "unknown account"
    text = f"{zone.name} ({zone.id}), account {account}, status {zone.status or 'unknown'}"
    if zone.status not in (None, "active"):
        warning = Notice(
            "Zone",
            f"Zone {zone.name} is {zone.status}, not active: purges and Worker routes take "
            "effect only once its nameservers point to Cloudflare.",
        )
        return f"{text} ⚠️", [warning]
    if given_account and zone.account_id and given_account != zone.account_id:
        warning = Notice(
            "Input account_id",
            f"Zone {zone.name} belongs to account {zone.account_id}, not account_id "
            f"{given_account}.",
        )
        return f"{text} ⚠️", [warning]
    return f"{text} ✅", []


def _first_line(error: ActionError) -> str:
    return error.message.splitlines()[0] if error.message else error.title
