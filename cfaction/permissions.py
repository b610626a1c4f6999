"""Token permissions, in the words of the Cloudflare dashboard.

Each operation lists the ones it needs (``Operation.permissions``, shown by ``verify``), and
its requests name the one they need, so that a refusal (10000) says what to add to the token.
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
WORKERS_KV_EDIT: Final = "Account → Workers KV Storage → Edit"
D1_EDIT: Final = "Account → D1 → Edit"
R2_EDIT: Final = "Account → Workers R2 Storage → Edit"
QUEUES_EDIT: Final = "Account → Queues → Edit"
