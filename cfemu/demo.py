"""A deterministic demo State whose credentials are documented and obviously fake."""

from __future__ import annotations

from .model import User
from .permissions import ALL_PERMISSIONS as DEMO_ALL_PERMISSIONS
from .permissions import CACHE_PURGE, DNS_EDIT, DNS_READ, USER_READ, ZONE_READ
from .state import State

DEMO_USER_ID = "0000000000000000000000000000a5e1"
DEMO_EMAIL = "demo@example.com"
# Global API key: 37 lowercase hex, like older real keys. Use with X-Auth-Email DEMO_EMAIL.
DEMO_GLOBAL_KEY = "deadbeefdeadbeefdeadbeefdeadbeef00000"

DEMO_ACCOUNT_ID = "0000000000000000000000000000acc1"
DEMO_ACCOUNT_NAME = "Demo Account"

DEMO_ZONES: dict[str, str] = {
    "example.com": "000000000000000000000000000e0001",
    "example.org": "000000000000000000000000000e0002",
    "example.co.uk": "000000000000000000000000000e0003",
}
DEMO_ZONE_ID = DEMO_ZONES["example.com"]
# The demo account's workers.dev subdomain: Workers live at <script>.demo-account.workers.dev.
DEMO_WORKERS_SUBDOMAIN = "demo-account"

# The KV namespace the walkthrough's Worker binds (uploads must name existing namespaces).
DEMO_KV_NAMESPACE_ID = "0123456789abcdef0123456789abcdef"
DEMO_KV_NAMESPACE_TITLE = "demo-cache"

# DNS records of example.org (example.com and example.co.uk start without records):
# (id, type, name, content, proxied, priority). TXT content is stored quoted.
DEMO_DNS_RECORDS: tuple[tuple[str, str, str, str, bool, int | None], ...] = (
    ("000000000000000000000000000d0001", "A", "example.org", "192.0.2.10", True, None),
    ("000000000000000000000000000d0002", "CNAME", "www.example.org", "example.org", True, None),
    ("000000000000000000000000000d0003", "MX", "example.org", "mail.example.org", False, 10),
    ("000000000000000000000000000d0004", "A", "mail.example.org", "192.0.2.25", False, None),
    ("000000000000000000000000000d0005", "TXT", "example.org", '"v=spf1 mx -all"', False, None),
)

# User-owned, every permission, every zone, active.
DEMO_TOKEN = "DEMO-user-token-all-permissions-fake-000"
DEMO_TOKEN_ID = "00000000000000000000000000070001"
# Account-owned (cfat_ prefix), every permission, limited to DEMO_ACCOUNT_ID. Verify it
# with GET /accounts/{DEMO_ACCOUNT_ID}/tokens/verify; /user/tokens/verify answers 401.
DEMO_ACCOUNT_TOKEN = "cfat_DEMO-account-token-all-perms-fake-0000"
DEMO_ACCOUNT_TOKEN_ID = "00000000000000000000000000070002"
# User-owned, only user:read: sees no zones (GET /zones answers an empty list).
DEMO_READONLY_TOKEN = "DEMO-readonly-token-user-read-only-fake0"
DEMO_READONLY_TOKEN_ID = "00000000000000000000000000070003"
# User-owned, zone:read, cache_purge:purge, dns:read and dns:edit on example.com only.
DEMO_ZONE_TOKEN = "DEMO-zone-token-example-com-only-fake-00"
DEMO_ZONE_TOKEN_ID = "00000000000000000000000000070004"

__all__ = [
    "DEMO_ACCOUNT_ID",
    "DEMO_ACCOUNT_NAME",
    "DEMO_ACCOUNT_TOKEN",
    "DEMO_ACCOUNT_TOKEN_ID",
    "DEMO_ALL_PERMISSIONS",
    "DEMO_DNS_RECORDS",
    "DEMO_EMAIL",
    "DEMO_GLOBAL_KEY",
    "DEMO_KV_NAMESPACE_ID",
    "DEMO_KV_NAMESPACE_TITLE",
    "DEMO_READONLY_TOKEN",
    "DEMO_READONLY_TOKEN_ID",
    "DEMO_TOKEN",
    "DEMO_TOKEN_ID",
    "DEMO_USER_ID",
    "DEMO_WORKERS_SUBDOMAIN",
    "DEMO_ZONES",
    "DEMO_ZONE_ID",
    "DEMO_ZONE_TOKEN",
    "DEMO_ZONE_TOKEN_ID",
    "demo_state",
]


def demo_state() -> State:
    """A fresh State: one account with three zones, four tokens, a Global API key, the
    DNS records of DEMO_DNS_RECORDS (in example.org), the workers.dev subdomain
    DEMO_WORKERS_SUBDOMAIN and the KV namespace DEMO_KV_NAMESPACE_ID."""
    state = State(user=User(id=DEMO_USER_ID, email=DEMO_EMAIL, first_name="Demo"))
    state.add_account(DEMO_ACCOUNT_NAME, id=DEMO_ACCOUNT_ID)
    for name, zone_id in DEMO_ZONES.items():
        state.add_zone(name, account_id=DEMO_ACCOUNT_ID, id=zone_id, plan="free")
    state.add_token(DEMO_TOKEN, permissions=DEMO_ALL_PERMISSIONS, id=DEMO_TOKEN_ID)
    state.add_token(
        DEMO_ACCOUNT_TOKEN,
        permissions=DEMO_ALL_PERMISSIONS,
        account_id=DEMO_ACCOUNT_ID,
        id=DEMO_ACCOUNT_TOKEN_ID,
    )
    state.add_token(
        DEMO_READONLY_TOKEN,
        permissions={USER_READ},
        zone_ids=(),
        id=DEMO_READONLY_TOKEN_ID,
    )
    state.add_token(
        DEMO_ZONE_TOKEN,
        permissions={ZONE_READ, CACHE_PURGE, DNS_READ, DNS_EDIT},
        zone_ids={DEMO_ZONE_ID},
        id=DEMO_ZONE_TOKEN_ID,
    )
    state.add_global_key(email=DEMO_EMAIL, key=DEMO_GLOBAL_KEY)
    state.workers_subdomains[DEMO_ACCOUNT_ID] = DEMO_WORKERS_SUBDOMAIN
    state.add_kv_namespace(DEMO_ACCOUNT_ID, DEMO_KV_NAMESPACE_TITLE, id=DEMO_KV_NAMESPACE_ID)
    org = DEMO_ZONES["example.org"]
    for record_id, record_type, name, content, proxied, priority in DEMO_DNS_RECORDS:
        state.add_dns_record(
            org, record_type, name, content, proxied=proxied, priority=priority, id=record_id
        )
    return state
