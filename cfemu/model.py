"""The plain records the emulator's State holds: the user, accounts, zones, credentials and
accepted purges, with the identifier and timestamp formats Cloudflare uses.

Nothing here imports the rest of the emulator, so every other module may import it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = [
    "PURGE_KINDS",
    "TOKEN_STATUSES",
    "ZONE_PLANS",
    "ZONE_STATUSES",
    "Account",
    "GlobalKey",
    "PurgeKind",
    "PurgeRecord",
    "Token",
    "TokenStatus",
    "User",
    "Zone",
    "ZonePlan",
    "ZoneStatus",
    "is_id",
    "new_id",
    "timestamp",
]

TokenStatus = Literal["active", "disabled", "expired"]
ZoneStatus = Literal["initializing", "pending", "active", "moved"]
ZonePlan = Literal["free", "pro", "business", "enterprise"]
PurgeKind = Literal["files", "tags", "hosts", "prefixes", "everything"]

TOKEN_STATUSES: tuple[str, ...] = ("active", "disabled", "expired")
ZONE_STATUSES: tuple[str, ...] = ("initializing", "pending", "active", "moved")
ZONE_PLANS: tuple[str, ...] = ("free", "pro", "business", "enterprise")
PURGE_KINDS: tuple[str, ...] = ("files", "tags", "hosts", "prefixes", "everything")

_ID_RE = re.compile(r"[0-9a-f]{32}")


def new_id() -> str:
    """Return a fresh Cloudflare-style identifier (32 lowercase hex characters)."""
    return secrets.token_hex(16)


def is_id(value: str) -> bool:
    """Tell whether value has the shape of a Cloudflare identifier."""
    return _ID_RE.fullmatch(value) is not None


def timestamp() -> str:
    """Return the current UTC time in the format Cloudflare uses for *_on fields."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class User:
    """The single emulated user; user-owned tokens belong to it."""

    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None


@dataclass
class Account:
    id: str
    name: str


@dataclass
class Zone:
    id: str
    name: str
    account_id: str
    status: str = "active"
    plan: str = "free"
    created_on: str = field(default_factory=timestamp)


@dataclass
class Token:
    """An API token.

    zone_ids None means every zone the owner can see. account_id None means the token is
    owned by the emulated user (who is a member of every account); otherwise the token is
    account-owned and limited to that account. allowed_ips None means any client IP.
    """

    id: str
    value: str
    permissions: frozenset[str]
    zone_ids: frozenset[str] | None = None
    account_id: str | None = None
    status: str = "active"
    allowed_ips: frozenset[str] | None = None

    @property
    def account_owned(self) -> bool:
        return self.account_id is not None


@dataclass
class GlobalKey:
    """A legacy Global API key; it has every permission on every account."""

    email: str
    key: str


@dataclass(frozen=True)
class PurgeRecord:
    """One successful purge_cache request.

    ``items`` holds the request's list as sent (files keep each raw item: a URL string or
    the {"url", "headers"} object); it is empty for purge_everything. ``at`` is
    ``State.clock()`` when the purge was accepted.
    """

    id: str
    zone_id: str
    kind: PurgeKind
    items: tuple[Any, ...]
    at: float
