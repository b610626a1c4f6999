"""Cloudflare API errors: ReplyError, which handlers raise to answer with a failure envelope,
and the catalogue of real codes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

THROTTLE_CODE = 971
THROTTLE_MESSAGE = "Please wait and consider throttling your request speed"
GLOBAL_LIMIT_CODE = 10100


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of the envelope's ``errors`` list, optionally with an ``error_chain``."""

    code: int
    message: str
    chain: tuple[tuple[int, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.chain:
            data["error_chain"] = [{"code": c, "message": m} for c, m in self.chain]
        return data


class ReplyError(Exception):
    """Raised by handlers (and auth) to answer with a Cloudflare failure envelope.

    ``headers`` are sent with the failure response (e.g. Retry-After on a 429).
    """

    def __init__(
        self,
        status: int,
        errors: Sequence[ErrorDetail],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not errors:
            raise ValueError("a ReplyError needs at least one error")
        super().__init__(f"{status}: " + "; ".join(f"{e.code} {e.message}" for e in errors))
        self.status = status
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    @classmethod
    def single(
        cls,
        status: int,
        code: int,
        message: str,
        chain: Sequence[tuple[int, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> ReplyError:
        return cls(status, [ErrorDetail(code, message, tuple(chain))], headers)


# --- authentication -----------------------------------------------------------------


def missing_auth() -> ReplyError:
    return ReplyError.single(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")


def _invalid_headers(code: int, message: str) -> ReplyError:
    return ReplyError.single(400, 6003, "Invalid request headers", [(code, message)])


def invalid_authorization_header() -> ReplyError:
    return _invalid_headers(6111, "Invalid format for Authorization header")


def invalid_email_header() -> ReplyError:
    return _invalid_headers(6102, "Invalid format for X-Auth-Email header")


def invalid_key_header() -> ReplyError:
    return _invalid_headers(6103, "Invalid format for X-Auth-Key header")


def unknown_key() -> ReplyError:
    return ReplyError.single(403, 9103, "Unknown X-Auth-Key or X-Auth-Email")


def invalid_api_token() -> ReplyError:
    """What the verify endpoints answer for a token they do not accept."""
    return ReplyError.single(401, 1000, "Invalid API Token")


def invalid_access_token() -> ReplyError:
    return ReplyError.single(403, 9109, "Invalid access token")


def blocked_location(ip: str) -> ReplyError:
    return ReplyError.single(403, 9109, f"Cannot use the access token from location: {ip}")


def unauthorized_resource() -> ReplyError:
    return ReplyError.single(403, 9109, "Unauthorized to access requested resource")


def authentication_error() -> ReplyError:
    """Cloudflare's general "authenticated, but not allowed" failure."""
    return ReplyError.single(403, 10000, "Authentication error")


# --- routing and input --------------------------------------------------------------


def _route_errors(full_path: str) -> list[ErrorDetail]:
    return [
        ErrorDetail(
            7003,
            f"Could not route to {full_path}, perhaps your object identifier is invalid?",
        ),
        ErrorDetail(7000, "No route for that URI"),
    ]


def no_route(full_path: str) -> ReplyError:
    """Unknown path, or a malformed identifier inside a known one."""
    return ReplyError(400, _route_errors(full_path))


def object_not_found(full_path: str) -> ReplyError:
    """A well-formed identifier that names nothing: same errors as no_route, but 404."""
    return ReplyError(404, _route_errors(full_path))


def invalid_parameter(message: str) -> ReplyError:
    return ReplyError.single(400, 1004, message)


def malformed_json() -> ReplyError:
    return ReplyError.single(400, 6007, "Malformed JSON in request body")


def internal_error() -> ReplyError:
    return ReplyError.single(500, 10001, "Internal server error")


# --- rate limits --------------------------------------------------------------------


def retry_after_seconds(wait: float) -> int:
    """A Retry-After value: whole seconds, rounded up, at least 1."""
    # The small tolerance keeps float noise (12.000000000001) from adding a second.
    return max(1, math.ceil(wait - 1e-9))


def throttled(wait: float) -> ReplyError:
    """429 971, the answer of a purge rate limit (and of 2025+ global limits)."""
    headers = {"Retry-After": str(retry_after_seconds(wait))}
    return ReplyError.single(429, THROTTLE_CODE, THROTTLE_MESSAGE, headers=headers)


def global_limit_reached(requests: int, window: float, wait: float) -> ReplyError:
    """429 10100, the older global-limit answer, worded with the configured numbers.

    With the real limit (1200, 300) the message is Cloudflare's verbatim text.
    """
    message = (
        f"More than {requests} requests per {window:g} seconds reached. "
        "Please wait and consider throttling your request speed"
    )
    headers = {"Retry-After": str(retry_after_seconds(wait))}
    return ReplyError.single(429, GLOBAL_LIMIT_CODE, message, headers=headers)
