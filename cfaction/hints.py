"""The hint catalogue: Cloudflare error codes turned into what the user should change.

Cloudflare publishes no complete code table; the meanings below come from real responses
quoted in public issues (cloudflare-api.md §1 "Auth and routing error codes", §6 and the
DNS/Workers sections). A hint names the input to change whenever one is to blame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cfaction.errors import ErrorDetail


@dataclass(frozen=True)
class HintContext:
    """What the client knows when a request fails, to make the hint precise."""

    credential_mode: str  # "token" or "global_key"
    method: str
    path: str
    permission: str | None = None  # the permission this request needs, in dashboard words


def hint_for(status: int, errors: Sequence[ErrorDetail], context: HintContext) -> str:
    """The advice for a failed request, or "" when no entry applies."""
    flat = [(d.code, d.message) for e in errors for d in _walk(e)]
    codes = {code for code, _ in flat}
    text = " ".join(message.lower() for _, message in flat)
    for rule in _RULES:
        advice = rule(status, codes, text, context)
        if advice:
            return advice
    return ""


def _walk(detail: ErrorDetail) -> list[ErrorDetail]:
    return [detail, *(d for link in detail.chain for d in _walk(link))]


def _authorization_header(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 6111 not in codes:
        return ""
    return (
        "Cloudflare could not read the API token. Check that api_token holds only the token: "
        "no quotes, spaces or line breaks, and not a Global API Key (a Global key goes in "
        "global_key together with email). Copy the token again if in doubt."
    )


def _key_header(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 6103 not in codes:
        return ""
    return (
        "Cloudflare could not read the Global API Key. If the value is an API token, put it in "
        "api_token and remove email and global_key; otherwise copy the Global API Key again "
        "(My Profile → API Tokens → Global API Key → View)."
    )


def _email_header(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 6102 not in codes:
        return ""
    return "Set email to the address you log in to Cloudflare with (the owner of the Global key)."


def _missing_headers(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 9106 not in codes:
        return ""
    return (
        "No credentials reached Cloudflare. Set api_token (or email and global_key); if they "
        "come from secrets, check that the secret exists in this repository or environment "
        "and is passed to the step."
    )


def _unknown_key(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 9103 not in codes:
        return ""
    return (
        "Cloudflare does not know this email and Global API Key pair. Check that email is the "
        "account's login address and global_key its current Global API Key (it changes when "
        "rolled). Better: create an API token and use api_token."
    )


def _ip_filter(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 9109 not in codes or "location" not in text:
        return ""
    return (
        "The token's Client IP Address Filtering does not allow this runner's address. "
        "GitHub-hosted runners use changing IPs: remove the IP filter from the token, or run "
        "on a self-hosted runner with a fixed address."
    )


def _invalid_token(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if not (
        (9109 in codes and "invalid access token" in text)
        or (1000 in codes and "invalid api token" in text)
    ):
        return ""
    return (
        "The API token is not valid: it was deleted, rolled, has expired, or was copied "
        "incompletely. Create or roll the token in the Cloudflare dashboard and update the "
        "secret used for api_token. An account-owned token also needs account_id."
    )


def _permission(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if not (10000 in codes or (9109 in codes and "unauthorized" in text)):
        return ""
    needed = f" It needs {c.permission}." if c.permission else ""
    scope = (
        (
            "Edit the token: add the permission and include this zone or account in its "
            "resources, or use a token that has them."
        )
        if c.credential_mode == "token"
        else (
            "The Global API Key acts as its user: check that the user is a member of the "
            "account with a role that allows this."
        )
    )
    return f"The credentials are valid but not allowed to {c.method} {c.path}.{needed} {scope}"


def _bad_identifier(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if not codes & {7003, 7000, 1003}:
        return ""
    if "/accounts/" in c.path:
        return (
            "Cloudflare does not know this account ID. Check account_id: it is the 32-hex ID "
            "shown in the dashboard URL (dash.cloudflare.com/<account_id>/…) and on the "
            "account's home page, not a zone ID or account name."
        )
    return (
        "Cloudflare does not know this zone ID. Check zone: use the Zone ID from the zone's "
        "Overview page (API section), not the account ID from the dashboard URL, or write the "
        "domain name (e.g. example.com) and let cfaction find the ID."
    )


def _account_tokens(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 1001 not in codes or "account owned tokens" not in text:
        return ""
    return "This endpoint does not accept account-owned tokens; use a user API token here."


def _rate_limited(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if status != 429 and not codes & {971, 10100}:
        return ""
    return (
        "Cloudflare rate-limited these credentials after every retry. The global limit is "
        "1,200 requests per 5 minutes per user or token and purges have their own bucket; "
        "raise max_retries, or run fewer jobs with the same token at once."
    )


def _server(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if status < 500:
        return ""
    return (
        "Cloudflare had a server-side problem on every attempt. Re-run the job later; see "
        "https://www.cloudflarestatus.com for incidents."
    )


def _dns_exists(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if not codes & {81057, 81058}:
        return ""
    return (
        "Cloudflare already has this record: the zone changed between reading and writing "
        "(another job?). Re-run the step; cfaction reads the zone again and plans from there."
    )


def _dns_cname_conflict(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if not codes & {81053, 81054}:
        return ""
    return (
        "A CNAME cannot share its name with A, AAAA or other CNAME records. To switch a name "
        "between CNAME and A/AAAA, use mode: replace (the default for these types): cfaction "
        "then deletes the old records in the same batch."
    )


def _dns_record_gone(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 81044 not in codes:
        return ""
    return (
        "A record cfaction planned to change no longer exists: the zone changed while the step "
        "ran. Re-run the step to plan against the current records."
    )


def _dns_validation(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 1004 not in codes:
        return ""
    return (
        "Cloudflare refused a record (the reason follows the arrow above). Fix that record in "
        "records (or the single-record inputs); nothing in the batch was applied."
    )


def _worker_missing(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 10007 not in codes or "/workers/" not in c.path:
        return ""
    if c.path.endswith("/workers/subdomain"):
        return (
            "The account has no workers.dev subdomain yet: choose one in the dashboard "
            "(Workers & Pages → your subdomain), or set workers_dev: false."
        )
    return (
        "The Worker does not exist on this account yet. Publish it once with "
        "rollout_percentage: 100 (that creates it), and check script_name and account_id."
    )


def _worker_invalid(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 10021 not in codes:
        return ""
    return (
        "Cloudflare refused the Worker: its message above says why (a startup error in "
        "the script, a module it cannot find, or a binding with a missing or wrong field). "
        "Fix the build or the bindings and publish again."
    )


def _worker_inherit(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 10057 not in codes:
        return ""
    return (
        "A binding of type inherit names a binding the current version does not have. "
        "Remove it, or add the binding explicitly."
    )


def _worker_rollout(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 10215 not in codes:
        return ""
    return (
        "A gradual rollout is in progress (the latest deployment has two versions), so "
        "secrets cannot be changed on their own. Finish the rollout (rollout_percentage: "
        "100) and publish again."
    )


def _worker_size(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 10027 not in codes:
        return ""
    return (
        "The Worker is larger than the plan allows (3 MB gzipped on Free, 10 MB on paid "
        "plans, 64 MB uncompressed): upload only the modules it imports and minify."
    )


def _worker_name(status: int, codes: set[int | None], text: str, c: HintContext) -> str:
    if 10016 not in codes:
        return ""
    return (
        "Worker names use lower-case letters, digits, '-' and '_' only: fix script_name "
        "(or name in the wrangler config)."
    )


_RULES = (
    _authorization_header,
    _key_header,
    _email_header,
    _missing_headers,
    _unknown_key,
    _ip_filter,
    _invalid_token,
    _permission,
    _account_tokens,
    _bad_identifier,
    _worker_missing,
    _worker_invalid,
    _worker_inherit,
    _worker_rollout,
    _worker_size,
    _worker_name,
    _dns_exists,
    _dns_cname_conflict,
    _dns_record_gone,
    _dns_validation,
    _rate_limited,
    _server,
)
