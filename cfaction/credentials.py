"""Credentials: clean what the user pasted, detect the usual mix-ups, build request headers.

Cloudflare has two schemes (https://developers.cloudflare.com/fundamentals/api/get-started/):
an API token sent as ``Authorization: Bearer <token>``, or the legacy pair ``X-Auth-Email``
+ ``X-Auth-Key`` (the Global API Key). Users mix them up in predictable ways; each way gets
an error that says which input to change. Token formats change over time (40 characters,
or ``cfut_``/``cfat_`` prefixes), so a token is checked only for what every format shares:
at least 40 characters, at most 1,024, and the characters of a bearer token (RFC 6750,
section 2.1); a truncated copy, a pasted file or a line-wrapped paste is an input error
before any call. A credential of several lines (a pasted note) is refused too, without
quoting a line; every line was masked before (:func:`secret_values`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from cfaction.errors import InputError
from cfaction.problems import InputWarning
from cfaction.values import NOT_UTF8

CREDENTIAL_INPUTS = ("api_token", "email", "global_key")

# A legacy Global API Key is 37-45 lowercase hex characters; new ones start with cfk_.
_GLOBAL_KEY = re.compile(r"^(?:[0-9a-f]{37,45}|cfk_\S+)$")
# Tokens: new prefixes, or the old 40-character form (which is not plain lowercase hex).
_TOKEN_PREFIXES = ("cfut_", "cfat_", "cfoat_")
_OLD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BEARER = re.compile(r"^bearer\s+", re.IGNORECASE)
_QUOTES = ('"', "'", "`")

MIN_MASK_CHARS: Final = 4
"""Shorter forms of a credential are not masked (they would hide ordinary words)."""
MIN_TOKEN_CHARS: Final = 40
MAX_TOKEN_CHARS: Final = 1024
"""A token is 40 characters (the old format) or a prefix, 40 characters and a checksum
(cfut_, cfat_: https://developers.cloudflare.com/fundamentals/api/get-started/token-formats/);
the bounds leave room for formats to come, and refuse a truncated copy or a pasted file."""
# RFC 6750 section 2.1: the b64token syntax of a bearer token.
_TOKEN: Final = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")
_TOKEN_CHAR: Final = re.compile(r"[A-Za-z0-9\-._~+/=]")

TOKEN_ADVICE = (
    "set api_token to an API token (My Profile → API Tokens, or Manage Account → API Tokens)"
)


@dataclass(frozen=True)
class Credentials:
    """One validated credential mode. ``repr`` never shows the secret."""

    mode: Literal["token", "global_key"]
    token: str = ""
    email: str = ""
    key: str = ""

    def __repr__(self) -> str:
        return f"Credentials(mode={self.mode!r})"

    def headers(self) -> dict[str, str]:
        """The authentication headers for every request."""
        if self.mode == "token":
            return {"Authorization": f"Bearer {self.token}"}
        return {"X-Auth-Email": self.email, "X-Auth-Key": self.key}

    def describe(self) -> str:
        """Plain words for the summary: which mode, never the value."""
        return "API token" if self.mode == "token" else "email + Global API Key"


def secret_values(raw: Mapping[str, str]) -> list[str]:
    """Every form of every credential that could appear in output, for ``::add-mask::``.

    Called on the raw inputs before validation, so even a rejected credential is masked.
    Each line of a multi-line paste is masked too (the runner masks per line as well), in
    each of its forms: a first line ``"Bearer <token>"`` masks the bare token as well.
    Forms shorter than :data:`MIN_MASK_CHARS` are not masked: they would hide ordinary
    words, and no such value is sent (a token that short is refused).
    """
    values: set[str] = set()
    for name in CREDENTIAL_INPUTS:
        text = raw.get(name, "")
        for part in (text, *text.splitlines()):
            values.update(form for form in _forms(part) if len(form.strip()) >= MIN_MASK_CHARS)
    return sorted(maskable(values), key=len, reverse=True)


def _forms(value: str) -> set[str]:
    """``value`` as pasted, trimmed, unquoted, without ``Bearer ``, and unquoted again."""
    trimmed = value.strip()
    unquoted = _strip_decoration(trimmed)[0]
    bare = _BEARER.sub("", unquoted)
    return {value, trimmed, unquoted, bare, _strip_decoration(bare)[0]}


def maskable(values: Iterable[str]) -> set[str]:
    """The values as masks can print them: a value with bytes that are not UTF-8 (lone
    surrogates, see :data:`~cfaction.values.NOT_UTF8`) cannot be written to the log, so
    its readable pieces are masked instead."""
    found: set[str] = set()
    for value in values:
        pieces = NOT_UTF8.split(value)
        if len(pieces) == 1:
            found.add(value)
        else:
            found.update(piece for piece in pieces if len(piece.strip()) >= MIN_MASK_CHARS)
    return found


def looks_like_global_key(value: str) -> bool:
    """True for the 37-45 lowercase hex of a legacy Global API Key, or a ``cfk_`` key."""
    return bool(_GLOBAL_KEY.match(value))


def looks_like_token(value: str) -> bool:
    """True for a ``cfut_``/``cfat_``/``cfoat_`` token or an old 40-character token."""
    if value.startswith(_TOKEN_PREFIXES):
        return True
    return bool(_OLD_TOKEN.match(value)) and not looks_like_global_key(value)


def parse_credentials(raw: Mapping[str, str]) -> tuple[Credentials, list[InputWarning]]:
    """Validate the credential inputs into exactly one mode.

    Raises :class:`InputError` naming the input to change. Returns warnings for what was
    accepted after a fix (a pasted ``Bearer `` prefix, quotes around the value).
    """
    warnings: list[InputWarning] = []
    token = _clean("api_token", raw.get("api_token", ""), warnings)
    email = _clean("email", raw.get("email", ""), warnings)
    key = _clean("global_key", raw.get("global_key", ""), warnings)
    for name, value in (("api_token", token), ("global_key", key), ("email", email)):
        _reject_lines(name, value)

    if _BEARER.match(key):
        raise InputError(
            "global_key",
            "starts with 'Bearer ', so it is an API token, not a Global API Key.",
            "Put the token (without 'Bearer ') in api_token and remove email and global_key.",
        )
    if token and key:
        raise InputError(
            "api_token",
            "is set together with global_key: give one credential mode, not both.",
            "Keep api_token (recommended) and remove email and global_key, or remove api_token.",
        )
    if token:
        return _token_mode(token, email, warnings), warnings
    if key:
        return _key_mode(key, email), warnings
    if email:
        raise InputError(
            "global_key",
            "is empty but email is set; email is only used together with a Global API Key.",
            "To use an API token instead, set api_token and remove email.",
        )
    raise InputError(
        "api_token",
        "no credentials were given.",
        f"To fix it, {TOKEN_ADVICE}; or set email and global_key for a Global API Key. "
        "From the CLI, CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY) work too.",
    )


def _token_mode(token: str, email: str, warnings: list[InputWarning]) -> Credentials:
    if _BEARER.match(token):
        token = _clean("api_token", _BEARER.sub("", token), warnings)
        warnings.append(
            InputWarning(
                "api_token",
                "starts with 'Bearer '; the prefix was removed. "
                "Store only the token itself in the secret.",
            )
        )
    _reject_unsendable("api_token", token)
    if looks_like_global_key(token):
        where = "global_key (email is already set)" if email else "global_key, together with email"
        raise InputError(
            "api_token",
            "looks like a Global API Key (37-45 hex characters, or cfk_), not an API token.",
            f"Move it to {where}; better, create an API token and put that in api_token.",
        )
    _check_token_shape("api_token", token)
    if email:
        warnings.append(
            InputWarning(
                "email",
                "is ignored: api_token is used, and an email only goes with "
                "global_key. Remove email to silence this warning.",
            )
        )
    return Credentials(mode="token", token=token)


def _key_mode(key: str, email: str) -> Credentials:
    _reject_unsendable("global_key", key)
    if looks_like_token(key) and not looks_like_global_key(key):
        raise InputError(
            "global_key",
            "looks like an API token, not a Global API Key; Cloudflare would reject it "
            "with 'Invalid format for X-Auth-Key header' (6003/6103).",
            "Put it in api_token and remove email and global_key.",
        )
    if not email:
        raise InputError(
            "email",
            "is empty; a Global API Key only works together with the email address of its "
            "Cloudflare account.",
            f"Set email, or {TOKEN_ADVICE} and remove global_key.",
        )
    _reject_unsendable("email", email)
    if not _EMAIL.match(email):
        raise InputError(
            "email",
            "is not an email address.",
            "Write the email address you log in to Cloudflare with, e.g. ops@example.com.",
        )
    return Credentials(mode="global_key", email=email, key=key)


def _clean(name: str, value: str, warnings: list[InputWarning]) -> str:
    """Trim whitespace and line breaks; unwrap quotes pasted around the value."""
    value, unwrapped = _strip_decoration(value.strip())
    if unwrapped:
        warnings.append(
            InputWarning(
                name, "was wrapped in quotes; they were removed. Store the value without quotes."
            )
        )
    return value


def _strip_decoration(value: str) -> tuple[str, bool]:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in _QUOTES:
        return value[1:-1].strip(), True
    return value, False


def _check_token_shape(name: str, token: str) -> None:
    """A token Cloudflare could have issued: its length, and the characters of a bearer
    token. Checked before any call, so a truncated copy, a pasted file or a wrong value
    never reaches the API (a 120 kB header comes back as an HTML 431 that names nothing)."""
    if not _TOKEN.match(token):
        # a character no token has, else an = before the end
        index = next((i for i, c in enumerate(token) if not _TOKEN_CHAR.match(c)), None)
        index = token.index("=") if index is None else index
        char = token[index]
        raise InputError(
            name,
            f"contains '{char}' at position {index + 1}, which no API token has (a token is "
            "letters, digits and - . _ ~ + /, with = only at the end).",
            "Copy the token again from the dashboard, and store only the token in the secret.",
        )
    if len(token) < MIN_TOKEN_CHARS:
        raise InputError(
            name,
            f"has {len(token)} characters; a Cloudflare API token has at least "
            f"{MIN_TOKEN_CHARS} (the old format 40, cfut_ and cfat_ tokens more), so part of "
            "it is missing.",
            "Copy the whole token again (the dashboard shows it once: roll the token to get a "
            "new value if you no longer have it).",
        )
    if len(token) > MAX_TOKEN_CHARS:
        raise InputError(
            name,
            f"has {len(token):,} characters; at most {MAX_TOKEN_CHARS:,} are read (a "
            "Cloudflare API token has about 40 to 60), so this is not one token (a file, or "
            "several values pasted together?).",
            "Store only the token itself in the secret.",
        )


def _reject_lines(name: str, value: str) -> None:
    """A credential is one line: several are a pasted note or file (``"Bearer <token>"``
    above a comment, say), and which line is meant cannot be guessed. The message quotes
    none of them (each is masked anyway, see :func:`secret_values`)."""
    lines = value.splitlines()
    if len(lines) > 1:
        raise InputError(
            name,
            f"has {len(lines)} lines; a credential is one line (a pasted note or file, or a "
            "line-wrapped copy?).",
            "Store only the value itself in the secret, on one line.",
        )


def _reject_unsendable(name: str, value: str) -> None:
    """HTTP headers carry printable ASCII only; say where a paste went wrong."""
    for index, char in enumerate(value):
        if char.isspace():
            raise InputError(
                name,
                f"contains a space or line break at character {index + 1}, so it is not one "
                "value (two secrets pasted together, or a line-wrapped copy?).",
                "Copy the value again as a single line.",
            )
        if not (0x21 <= ord(char) <= 0x7E):
            raise InputError(
                name,
                f"contains the character U+{ord(char):04X} at position {index + 1}, which "
                "cannot be sent in an HTTP header (a copy of a shortened value with '…'?).",
                "Copy the full value again from the Cloudflare dashboard.",
            )
