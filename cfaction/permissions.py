"""The token permissions each operation needs, in the words of the Cloudflare dashboard.

Used by ``verify`` (the permissions table) and by the operations, whose requests name the
permission they need so that a refusal (10000) says what to add to the token.
"""

from __future__ import annotations

from typing import Final

ZONE_READ: Final = "Zone → Zone → Read"
CACHE_PURGE: Final = "Zone → Cache Purge → Purge"
DNS_EDIT: Final = "Zone → DNS → Edit"
DNS_READ: Final = "Zone → DNS → Read"
WORKERS_SCRIPTS_EDIT: Final = "Account → Workers Scripts → Edit"
WORKERS_ROUTES_EDIT: Final = "Zone → Workers Routes → Edit"
ACCOUNT_SETTINGS_READ: Final = "Account → Account Settings → Read"

REQUIRED: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "purge": (
        (CACHE_PURGE, "always"),
        (ZONE_READ, "when zone is a name, or items are routed to their zones by hostname"),
    ),
    "dns": (
        (DNS_EDIT, "always (DNS → Read is enough for dry_run)"),
        (ZONE_READ, "when zone is a name"),
    ),
    "worker": (
        (WORKERS_SCRIPTS_EDIT, "always"),
        (WORKERS_ROUTES_EDIT, "when routes or custom_domains are given"),
        (ZONE_READ, "when routes or custom_domains are given, or zone is a name"),
        (ACCOUNT_SETTINGS_READ, "to find the workers.dev subdomain"),
    ),
    "verify": ((ZONE_READ, "when zone is given"),),
}
"""operation -> ((permission, when it is needed), ...)"""
