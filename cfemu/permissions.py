"""Permission names the emulator understands; plain strings so later routes can add more.

Each ``:edit`` permission also allows the GETs of its product; the ``:read`` ones allow
only those.
"""

from __future__ import annotations

ZONE_READ = "zone:read"
CACHE_PURGE = "cache_purge:purge"
DNS_READ = "dns:read"
DNS_EDIT = "dns:edit"
WORKERS_SCRIPTS_EDIT = "workers_scripts:edit"
WORKERS_ROUTES_EDIT = "workers_routes:edit"
ACCOUNT_SETTINGS_READ = "account_settings:read"
USER_READ = "user:read"
WORKERS_KV_EDIT = "workers_kv_storage:edit"
WORKERS_KV_READ = "workers_kv_storage:read"
D1_EDIT = "d1:edit"
D1_READ = "d1:read"
R2_EDIT = "r2:edit"
R2_READ = "r2:read"
QUEUES_EDIT = "queues:edit"
QUEUES_READ = "queues:read"
WORKFLOWS_EDIT = "workflows:edit"
WORKFLOWS_READ = "workflows:read"

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
        WORKERS_KV_EDIT,
        WORKERS_KV_READ,
        D1_EDIT,
        D1_READ,
        R2_EDIT,
        R2_READ,
        QUEUES_EDIT,
        QUEUES_READ,
        WORKFLOWS_EDIT,
        WORKFLOWS_READ,
    }
)
