"""The error catalogue: what a failed answer means, whether a retry can help, and what to change.

One table, read top to bottom; the first entry whose conditions all hold decides the
error class, the retry rule and the hint. When no entry holds (or the entry names no
class), the HTTP status decides the class (:func:`class_for_status`) and the retry rule
(:data:`RETRY_BY_STATUS`).

Cloudflare publishes no complete code table; the meanings below come from real responses
quoted in public issues and from the API documentation
(https://developers.cloudflare.com/fundamentals/api/troubleshooting/,
https://developers.cloudflare.com/api/). A hint names the input to change whenever one is
to blame.

Retry rules: ``always`` (the request was not processed: 429), ``idempotent`` (retried only
for requests that are safe to repeat, since a create may already have been applied: 5xx,
408, 409, HTML error pages), ``never`` (the same request fails the same way).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from cfaction.errors import (
    APIError,
    AuthError,
    ErrorDetail,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)

Retry = Literal["always", "idempotent", "never"]

SERVER_STATUSES: Final = range(500, 600)
RETRY_BY_STATUS: Final[Mapping[int, Retry]] = {
    429: "always",
    408: "idempotent",
    409: "idempotent",
    **dict.fromkeys(SERVER_STATUSES, "idempotent"),
}
"""The retry rule of an answer that no entry matched, by HTTP status (default: never)."""


@dataclass(frozen=True)
class HintContext:
    """What the client knows when a request fails, to make the hint precise."""

    credential_mode: str  # "token" or "global_key"
    method: str
    path: str
    permission: str | None = None  # the permission this request needs, in dashboard words


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One row of the catalogue. Every condition given must hold."""

    codes: frozenset[int] = frozenset()
    """Any of these codes, error chains included (empty: any answer)."""
    phrases: tuple[str, ...] = ()
    """Any of these phrases in the error messages (lower case)."""
    statuses: Collection[int] = ()
    """Any of these HTTP statuses (empty: any status)."""
    path: str = ""
    """The request path contains this."""
    path_end: str = ""
    """The request path ends with this."""
    credential_mode: str = ""
    """The credentials are of this mode ("token" or "global_key")."""
    error: type[APIError] | None = None
    """The class of the error; None: by HTTP status."""
    retry: Retry = "never"
    hint: str = ""
    """What to change; ``{method}``, ``{path}`` and ``{needed}`` are filled in."""

    def matches(self, status: int, codes: set[int], text: str, context: HintContext) -> bool:
        return (
            (not self.codes or bool(self.codes & codes))
            and (not self.phrases or any(phrase in text for phrase in self.phrases))
            and (not self.statuses or status in self.statuses)
            and self.path in context.path
            and context.path.endswith(self.path_end)
            and (not self.credential_mode or self.credential_mode == context.credential_mode)
        )


@dataclass(frozen=True)
class Verdict:
    """What a failed answer means."""

    error: type[APIError]
    retry: Retry
    hint: str


def _codes(*codes: int) -> frozenset[int]:
    return frozenset(codes)


_RATE_LIMITED = (
    "Cloudflare rate-limited these credentials after every retry. The global limit is 1,200 "
    "requests per 5 minutes per user or token and purges have their own bucket; raise "
    "max_retries, or run fewer jobs with the same token at once."
)
_PERMISSION = "The credentials are valid but not allowed to {method} {path}.{needed} "

CATALOGUE: Final[tuple[Entry, ...]] = (
    # Rate limits and server trouble first: whatever codes come with them, the cause is not
    # the request, so the advice is to wait (and a 5xx is never "not allowed").
    Entry(statuses=(429,), error=RateLimitError, retry="always", hint=_RATE_LIMITED),
    Entry(codes=_codes(971, 10100), error=RateLimitError, retry="always", hint=_RATE_LIMITED),
    Entry(
        statuses=SERVER_STATUSES,
        error=ServerError,
        retry="idempotent",
        hint="Cloudflare had a server-side problem on every attempt. Re-run the job later; see "
        "https://www.cloudflarestatus.com for incidents.",
    ),
    # Credentials Cloudflare could not read or does not know.
    Entry(
        codes=_codes(6111),
        error=AuthError,
        hint="Cloudflare could not read the API token. Check that api_token holds only the "
        "token: no quotes, spaces or line breaks, and not a Global API Key (a Global key goes "
        "in global_key together with email). Copy the token again if in doubt.",
    ),
    Entry(
        codes=_codes(6103),
        error=AuthError,
        hint="Cloudflare could not read the Global API Key. If the value is an API token, put "
        "it in api_token and remove email and global_key; otherwise copy the Global API Key "
        "again (My Profile → API Tokens → Global API Key → View).",
    ),
    Entry(
        codes=_codes(6102),
        error=AuthError,
        hint="Set email to the address you log in to Cloudflare with (the owner of the Global "
        "key).",
    ),
    Entry(
        codes=_codes(9106),
        error=AuthError,
        hint="No credentials reached Cloudflare. Set api_token (or email and global_key); if "
        "they come from secrets, check that the secret exists in this repository or "
        "environment and is passed to the step.",
    ),
    Entry(
        codes=_codes(9103),
        error=AuthError,
        hint="Cloudflare does not know this email and Global API Key pair. Check that email is "
        "the account's login address and global_key its current Global API Key (it changes "
        "when rolled). Better: create an API token and use api_token.",
    ),
    Entry(
        codes=_codes(9109),
        phrases=("location",),
        error=AuthError,
        hint="The token's Client IP Address Filtering does not allow this runner's address. "
        "GitHub-hosted runners use changing IPs: remove the IP filter from the token, or run "
        "on a self-hosted runner with a fixed address.",
    ),
    *(
        Entry(
            codes=_codes(code),
            phrases=(phrase,),
            error=AuthError,
            hint="The API token is not valid: it was deleted, rolled, has expired, or was copied "
            "incompletely. Create or roll the token in the Cloudflare dashboard and update the "
            "secret used for api_token. An account-owned token also needs account_id.",
        )
        for code, phrase in ((9109, "invalid access token"), (1000, "invalid api token"))
    ),
    Entry(codes=_codes(6003, 6100, 6101), error=AuthError),
    # Valid credentials without the permission, or a resource outside the token's scope.
    *(
        Entry(
            codes=_codes(code),
            phrases=phrases,
            credential_mode=mode,
            error=PermissionDeniedError,
            hint=_PERMISSION + scope,
        )
        for code, phrases in ((10000, ()), (9109, ("unauthorized",)))
        for mode, scope in (
            (
                "token",
                "Edit the token: add the permission and include this zone or account in its "
                "resources, or use a token that has them.",
            ),
            (
                "global_key",
                "The Global API Key acts as its user: check that the user is a member of the "
                "account with a role that allows this.",
            ),
        )
    ),
    Entry(codes=_codes(9109), error=PermissionDeniedError),
    Entry(
        codes=_codes(1001),
        phrases=("account owned tokens",),
        hint="This endpoint does not accept account-owned tokens; use a user API token here.",
    ),
    # Identifiers Cloudflare does not know.
    Entry(
        codes=_codes(7003, 7000, 1003),
        path="/accounts/",
        error=NotFoundError,
        hint="Cloudflare does not know this account ID. Check account_id: it is the 32-hex ID "
        "shown in the dashboard URL (dash.cloudflare.com/<account_id>/…) and on the account's "
        "home page, not a zone ID or account name.",
    ),
    Entry(
        codes=_codes(7003, 7000, 1003),
        error=NotFoundError,
        hint="Cloudflare does not know this zone ID. Check zone: use the Zone ID from the "
        "zone's Overview page (API section), not the account ID from the dashboard URL, or "
        "write the domain name (e.g. example.com) and let cfaction find the ID.",
    ),
    # Workers.
    Entry(
        codes=_codes(10007),
        path_end="/workers/subdomain",
        hint="The account has no workers.dev subdomain yet: choose one in the dashboard "
        "(Workers & Pages → your subdomain), or set workers_dev: false.",
    ),
    Entry(
        codes=_codes(10007),
        path="/workers/",
        hint="The Worker does not exist on this account yet. Publish it once with "
        "rollout_percentage: 100 (that creates it), and check script_name and account_id.",
    ),
    Entry(
        codes=_codes(10021),
        hint="Cloudflare refused the Worker: its message above says why (a startup error in "
        "the script, a module it cannot find, or a binding with a missing or wrong field). "
        "Fix the build or the bindings and publish again.",
    ),
    Entry(
        codes=_codes(10057),
        hint="A binding of type inherit names a binding the current version does not have. "
        "Remove it, or add the binding explicitly.",
    ),
    Entry(
        codes=_codes(10215),
        hint="The latest version is not the one that serves all traffic (a gradual rollout, "
        "a version uploaded with deploy: false, or a rollback), so secrets cannot be changed "
        "on their own. Deploy the version you want at 100 % (version_id) and try again, or "
        "send the secrets with an upload.",
    ),
    Entry(
        codes=_codes(10027),
        hint="The Worker is larger than the plan allows (3 MB gzipped on Free, 10 MB on paid "
        "plans, 64 MB uncompressed): upload only the modules it imports and minify.",
    ),
    Entry(
        codes=_codes(10016),
        hint="Worker names use lower-case letters, digits, '-' and '_' only: fix script_name "
        "(or name in the wrangler config).",
    ),
    # DNS.
    Entry(
        codes=_codes(81057, 81058),
        hint="Cloudflare already has this record: the zone changed between reading and writing "
        "(another job?). Re-run the step; cfaction reads the zone again and plans from there.",
    ),
    Entry(
        codes=_codes(81053, 81054),
        hint="A CNAME cannot share its name with A, AAAA or other CNAME records. To switch a "
        "name between CNAME and A/AAAA, use mode: replace (the default for these types): "
        "cfaction then deletes the old records in the same batch.",
    ),
    Entry(
        codes=_codes(81044),
        hint="A record cfaction planned to change no longer exists: the zone changed while the "
        "step ran. Re-run the step to plan against the current records.",
    ),
    Entry(
        codes=_codes(1004),
        hint="Cloudflare refused a record (the reason follows the arrow above). Fix that record "
        "in records (or the single-record inputs); nothing in the batch was applied.",
    ),
)


def class_for_status(status: int) -> type[APIError]:
    """The error class of an answer no catalogue entry names one for."""
    if status == 429:
        return RateLimitError
    if status in SERVER_STATUSES:
        return ServerError
    return {404: NotFoundError, 401: AuthError, 403: PermissionDeniedError}.get(status, APIError)


def lookup(
    status: int, errors: Sequence[ErrorDetail], context: HintContext, *, is_page: bool = False
) -> Verdict:
    """What a failed answer means. ``is_page``: the body was not a JSON envelope (an HTML
    error page), which counts as a server error even with a 2xx status."""
    flat = [d for e in errors for d in _walk(e)]
    codes = {d.code for d in flat if d.code is not None}
    text = " ".join(d.message.lower() for d in flat)
    entry = next((e for e in CATALOGUE if e.matches(status, codes, text, context)), None)
    if is_page and status < 400:
        return Verdict(ServerError, "idempotent", "")
    if entry is None:
        return Verdict(class_for_status(status), RETRY_BY_STATUS.get(status, "never"), "")
    needed = f" It needs {context.permission}." if context.permission else ""
    hint = entry.hint.format(method=context.method, path=context.path, needed=needed)
    return Verdict(entry.error or class_for_status(status), entry.retry, hint)


def hint_for(status: int, errors: Sequence[ErrorDetail], context: HintContext) -> str:
    """The advice for a failed request, or "" when no entry has any."""
    return lookup(status, errors, context).hint


def _walk(detail: ErrorDetail) -> list[ErrorDetail]:
    return [detail, *(d for link in detail.chain for d in _walk(link))]
