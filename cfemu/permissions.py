"""Permission names the emulator understands; plain strings so later routes can add more."""

from __future__ import annotations

ZONE_READ = "zone:read"
CACHE_PURGE = "cache_purge:purge"
DNS_READ = "dns:read"
DNS_EDIT = "dns:edit"
WORKERS_SCRIPTS_EDIT = "workers_scripts:edit"
WORKERS_ROUTES_EDIT = "workers_routes:edit"
ACCOUNT_SETTINGS_READ = "account_settings:read"
USER_READ = "user:read"

# Every permission known today. Tokens are not validated against this set (a token may
# carry names added later); it exists so demo tokens and tests can ask for "everything".
ALL_PERMISSIONS: frozenset[str] = frozenset(
    {
        ZONE_READ,
        CACHE_PURGE,
        DNS_READ,
        DNS_EDIT,
        WORKERS_SCRIPTS_EDIT,
        WORKERS_ROUTES_EDIT,
        ACCOUNT_SETTINGS_READ,
        USER_READ,
    }
)
