"""The error catalogue: what a failed answer means, whether a retry can help, and what to change.

Two tables. :data:`CATALOGUE`, read top to bottom: the first entry whose conditions all hold
decides the error class and the hint; when no entry holds (or the entry names no class), the
HTTP status decides the class (:func:`class_for_status`). :data:`RETRY_TABLE` decides whether
the request is sent again.

Cloudflare publishes no complete code table; the meanings below come from real responses
quoted in public issues and from the API documentation
(https://developers.cloudflare.com/fundamentals/api/troubleshooting/,
https://developers.cloudflare.com/api/). A hint names the input to change whenever one is
to blame.

Retries go by the answer's meaning (its status and codes together), by the same rules for
every request; the catalogue only says which codes it knows (a known code is deterministic:
a 409 carrying one is not retried).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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

Retry = Literal["always", "checked", "idempotent", "never"]
"""``always``: sent again whatever the request (nothing was processed). ``checked``: the
request may have been applied; one that is safe to repeat (GET, PUT, DELETE, a purge) is
sent again, any other write only after its lost-answer check (:meth:`cfaction.client.Client.
write`) found it was not applied. ``idempotent``: refused for now; sent again only when safe
to repeat. ``never``: the same request would fail the same way."""

SERVER_STATUSES: Final = range(500, 600)
THROTTLE_CODES: Final = frozenset({971, 10100})
"""Cloudflare's "please wait" codes: the request was not processed, whatever its status."""
Transport = Literal["connect", "lost"]
"""No HTTP answer: never connected (``connect``), or sent and no answer came (``lost``)."""


@dataclass(frozen=True, kw_only=True)
class RetryRule:
    """One row of the retry table: which answers it covers, the rule, and why."""

    answer: str
    """The answers it covers, in words."""
    retry: Retry
    why: str
    statuses: Collection[int] = ()
    codes: frozenset[int] = frozenset()
    page: bool = False
    """A body that is not a JSON envelope (an HTML page) with a status below 400."""
    transport: Transport | None = None
    unknown_code: bool = False
    """Only when no catalogue entry knows a code of the answer."""

    def covers(
        self,
        status: int | None,
        codes: Collection[int],
        *,
        is_page: bool,
        known: bool,
        transport: Transport | None,
    ) -> bool:
        if transport is not None or self.transport is not None:
            return transport == self.transport
        assert status is not None
        return (
            (not self.statuses or status in self.statuses)
            and (not self.codes or bool(self.codes & set(codes)))
            and (not self.page or (is_page and status < 400))
            and not (self.unknown_code and known)
        )


RETRY_TABLE: Final[tuple[RetryRule, ...]] = (
    # https://developers.cloudflare.com/fundamentals/api/reference/limits/: over the limit,
    # requests are refused with 429 (and Retry-After) until the window passes.
    RetryRule(
        answer="HTTP 429",
        retry="always",
        why="rate-limited: not processed; sent again after Retry-After (at most 300 s)",
        statuses=(429,),
    ),
    RetryRule(
        answer="code 971 or 10100, any status",
        retry="always",
        why="Cloudflare's please-wait codes: not processed",
        codes=THROTTLE_CODES,
    ),
    RetryRule(
        answer="HTTP 5xx (JSON, HTML or empty body), whatever its codes",
        retry="checked",
        why="Cloudflare failed on its side; the request may have been applied",
        statuses=SERVER_STATUSES,
    ),
    RetryRule(
        answer="an HTML or other non-JSON page with a 2xx or 3xx status",
        retry="checked",
        why="a proxy or challenge page, not the API's answer; the request may have been applied",
        page=True,
    ),
    RetryRule(
        answer="no answer after the request was sent: timeout, connection reset",
        retry="checked",
        why="the request may have been applied",
        transport="lost",
    ),
    RetryRule(
        answer="no connection: connect timeout",
        retry="always",
        why="nothing was sent",
        transport="connect",
    ),
    RetryRule(
        answer="HTTP 408, or 409 without a code the catalogue knows",
        retry="idempotent",
        why="refused, perhaps for a passing conflict; nothing was applied, nothing to check",
        statuses=(408, 409),
        unknown_code=True,
    ),
)
"""Which answers are retried, first matching row first; any other answer (other 4xx, a 409
with a known code such as 100117 or 10215, ``success: false`` on 2xx) is never retried."""


def retry_rule(
    status: int | None,
    codes: Collection[int] = (),
    *,
    is_page: bool = False,
    known: bool = False,
    transport: Transport | None = None,
) -> Retry:
    """The retry rule of an answer (or of no answer: ``transport``), from :data:`RETRY_TABLE`.
    ``known``: a catalogue entry knows one of the answer's codes."""
    for rule in RETRY_TABLE:
        if rule.covers(status, codes, is_page=is_page, known=known, transport=transport):
            return rule.retry
    return "never"


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
    Entry(statuses=(429,), error=RateLimitError, hint=_RATE_LIMITED),
    Entry(codes=THROTTLE_CODES, error=RateLimitError, hint=_RATE_LIMITED),
    Entry(
        statuses=SERVER_STATUSES,
        error=ServerError,
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
    # 409 100117 "Hostname '…' already has externally managed DNS records (A, CNAME, etc)",
    # also with override_existing_dns_record, which covers another Worker's record only
    # (https://github.com/cloudflare/workers-sdk/issues/9878).
    Entry(
        codes=_codes(100117),
        hint="The custom domain's hostname already has DNS records (A, AAAA or CNAME) that no "
        "Worker manages, so Cloudflare will not attach it. Delete those records (or move "
        "them to another name), or choose another hostname for the custom domain "
        "(custom_domain = true in routes), then re-run the step.",
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
    known = entry is not None and bool(entry.codes)
    retry = retry_rule(status, codes, is_page=is_page, known=known)
    if is_page and status < 400:
        return Verdict(ServerError, retry, "")
    if entry is None:
        return Verdict(class_for_status(status), retry, "")
    needed = f" It needs {context.permission}." if context.permission else ""
    hint = entry.hint.format(method=context.method, path=context.path, needed=needed)
    return Verdict(entry.error or class_for_status(status), retry, hint)


def hint_for(status: int, errors: Sequence[ErrorDetail], context: HintContext) -> str:
    """The advice for a failed request, or "" when no entry has any."""
    return lookup(status, errors, context).hint


def _walk(detail: ErrorDetail) -> list[ErrorDetail]:
    return [detail, *(d for link in detail.chain for d in _walk(link))]
