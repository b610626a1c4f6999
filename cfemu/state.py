"""The State: everything the emulator knows, and the helpers tests use to set it up.

It holds the records of model.py (user, accounts, zones, credentials, purges), the DNS
records of dns.py, the Workers of workers.py and the rate limiters' levels (ratelimit.py),
and applies the rate limits to them.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .assets import AssetStore
from .dns import DEFAULT_DNS_BATCH_LIMITS, DnsChanges, DnsRecord, normalize_name
from .errors import ReplyError
from .model import (
    PURGE_KINDS,
    TOKEN_STATUSES,
    ZONE_PLANS,
    ZONE_STATUSES,
    Account,
    GlobalKey,
    PurgeKind,
    PurgeRecord,
    Token,
    TokenStatus,
    User,
    Zone,
    ZonePlan,
    ZoneStatus,
    is_id,
    new_id,
    timestamp,
)
from .ratelimit import DEFAULT_PURGE_LIMITS, PurgeLimits, SlidingWindow, TokenBucket
from .resources import (
    D1Database,
    DispatchNamespace,
    KvNamespace,
    Queue,
    R2Bucket,
    Workflow,
    new_uuid,
)
from .workers import (
    DEFAULT_MAX_GZIP_BYTES,
    DEFAULT_MAX_RAW_BYTES,
    CustomDomain,
    WorkerRoute,
    WorkerScript,
    WorkerVersion,
)


def _default_user() -> User:
    return User(id=new_id(), email="user@example.com")


def _default_purge_limits() -> dict[str, PurgeLimits]:
    return dict(DEFAULT_PURGE_LIMITS)


def _default_dns_batch_limits() -> dict[str, int]:
    return dict(DEFAULT_DNS_BATCH_LIMITS)


@dataclass
class State:
    """Everything the emulator knows.

    Handlers run while holding ``lock`` (an RLock), and the add_* helpers take it too, so
    tests may mutate state while the server runs. Code that changes several objects at
    once from outside a handler should hold ``state.lock`` itself.
    ``max_page_rows``, when set, caps the rows any list endpoint returns per page, whatever
    per_page asks for, so clients are forced to follow result_info.total_pages.

    Rate limits (see ratelimit.py; take_purge_tokens() and check_global_limit() apply them)
    read ``clock`` (seconds, monotonic; inject a fake one in tests). ``purge_limits`` maps
    a zone plan to its PurgeLimits (Cloudflare's table by default). ``global_limit``, when
    set to (requests, window seconds), caps every authenticated API request per
    credential, e.g. (1200, 300.0) as on Cloudflare.
    ``purges`` records every accepted purge, in order; ``purge_buckets`` and
    ``global_windows`` hold the rate limiters' levels (reset_rate_limits() empties them).

    DNS (see dns.py and routes/dns.py): ``dns_records`` maps record id to DnsRecord, for
    every zone, in creation order. ``dns_page_cap``, when set, caps the rows one page of
    the DNS record list returns (as ``max_page_rows`` does; the smaller wins).
    ``dns_batch_limits`` maps a zone plan to the most operations one batch request may
    hold (Free 200, paid 3,500). ``dns_record_limit_free``, when set, is the most records a
    free zone may hold (Cloudflare: 200 for zones created since 2024-09-01); off by default.

    Workers (see workers.py and routes/workers.py): ``workers`` maps (account id, script
    name) to WorkerScript (versions, deployments, secrets, settings, workers.dev flags);
    ``worker(account_id, name)`` looks one up. ``workers_subdomains`` maps an account id to
    its workers.dev subdomain (absent: GET .../workers/subdomain answers 10007).
    ``worker_routes`` maps route id to WorkerRoute (every zone) and ``worker_domains``
    custom-domain id to CustomDomain. Uploads over ``workers_max_gzip_bytes`` compressed or
    ``workers_max_raw_bytes`` raw are refused with 10027. ``preview_version(account_id,
    script, label)`` and ``preview_url_version(url)`` say which version a preview URL
    (``https://<alias or version id[:8]>-<script>.<subdomain>.workers.dev``) serves.

    ``boot_check``, when set, is asked about every new Worker version before it is stored:
    it returns None when the version starts, else the runtime's error text, which the
    upload answers as 400 10021, as Cloudflare does for a script that fails at startup
    (``Emulator(workerd=…)`` sets it to start each version in workerd, see workerd.py).

    Resources Workers bind to (see resources.py; add them with the add_* helpers or through
    the API): ``kv_namespaces`` maps namespace id to KvNamespace, ``d1_databases`` database
    uuid to D1Database, ``r2_buckets`` (account id, bucket name) to R2Bucket,
    ``dispatch_namespaces`` (account id, name) to DispatchNamespace, ``queues`` queue id to
    Queue (its consumers inside) and ``workflows`` (account id, name) to Workflow. Uploads
    whose bindings name a KV namespace, D1 database, R2 bucket, dispatch namespace or queue
    the account lacks are refused (upload_checks.py).

    Workers static assets (see assets.py and routes/assets.py): ``assets`` is the AssetStore
    holding every account's uploaded asset files (by hash), the upload sessions and their
    tokens, and the limits (``assets.paid_accounts`` get the Workers Paid file count).
    """

    user: User = field(default_factory=_default_user)
    accounts: dict[str, Account] = field(default_factory=dict)
    zones: dict[str, Zone] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    global_keys: list[GlobalKey] = field(default_factory=list)
    max_page_rows: int | None = None
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    purge_limits: dict[str, PurgeLimits] = field(default_factory=_default_purge_limits)
    global_limit: tuple[int, float] | None = None
    purges: list[PurgeRecord] = field(default_factory=list)
    purge_buckets: dict[tuple[str, str], TokenBucket] = field(
        default_factory=dict, repr=False, compare=False
    )
    global_windows: dict[str, SlidingWindow] = field(
        default_factory=dict, repr=False, compare=False
    )
    dns_records: dict[str, DnsRecord] = field(default_factory=dict)
    dns_page_cap: int | None = None
    boot_check: Callable[[Any], str | None] | None = field(default=None, repr=False, compare=False)
    dns_batch_limits: dict[str, int] = field(default_factory=_default_dns_batch_limits)
    dns_record_limit_free: int | None = None
    workers: dict[tuple[str, str], WorkerScript] = field(default_factory=dict)
    workers_subdomains: dict[str, str] = field(default_factory=dict)
    worker_routes: dict[str, WorkerRoute] = field(default_factory=dict)
    worker_domains: dict[str, CustomDomain] = field(default_factory=dict)
    workers_max_gzip_bytes: int = DEFAULT_MAX_GZIP_BYTES
    workers_max_raw_bytes: int = DEFAULT_MAX_RAW_BYTES
    kv_namespaces: dict[str, KvNamespace] = field(default_factory=dict)
    d1_databases: dict[str, D1Database] = field(default_factory=dict)
    r2_buckets: dict[tuple[str, str], R2Bucket] = field(default_factory=dict)
    dispatch_namespaces: dict[tuple[str, str], DispatchNamespace] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    workflows: dict[tuple[str, str], Workflow] = field(default_factory=dict)
    assets: AssetStore = field(default_factory=AssetStore)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def add_account(self, name: str, id: str | None = None) -> Account:  # noqa: A002
        account = Account(id=_checked_id(id), name=name)
        with self.lock:
            if account.id in self.accounts:
                raise ValueError(f"account id {account.id} already exists")
            self.accounts[account.id] = account
        return account

    def add_zone(
        self,
        name: str,
        account_id: str,
        id: str | None = None,  # noqa: A002 (public keyword)
        status: ZoneStatus = "active",
        plan: ZonePlan = "free",
    ) -> Zone:
        if status not in ZONE_STATUSES:
            raise ValueError(f"zone status must be one of {ZONE_STATUSES}, not {status!r}")
        if plan not in ZONE_PLANS:
            raise ValueError(f"zone plan must be one of {ZONE_PLANS}, not {plan!r}")
        zone = Zone(id=_checked_id(id), name=name, account_id=account_id, status=status, plan=plan)
        with self.lock:
            if account_id not in self.accounts:
                raise ValueError(f"unknown account id {account_id}")
            if zone.id in self.zones:
                raise ValueError(f"zone id {zone.id} already exists")
            for other in self.zones.values():
                if other.account_id == account_id and other.name.lower() == name.lower():
                    raise ValueError(f"zone {name} already exists in account {account_id}")
            self.zones[zone.id] = zone
        return zone

    def add_token(
        self,
        value: str,
        permissions: Iterable[str] = (),
        zone_ids: Iterable[str] | None = None,
        account_id: str | None = None,
        status: TokenStatus = "active",
        allowed_ips: Iterable[str] | None = None,
        id: str | None = None,  # noqa: A002 (public keyword)
    ) -> Token:
        if status not in TOKEN_STATUSES:
            raise ValueError(f"token status must be one of {TOKEN_STATUSES}, not {status!r}")
        token = Token(
            id=_checked_id(id),
            value=value,
            permissions=frozenset(permissions),
            zone_ids=None if zone_ids is None else frozenset(zone_ids),
            account_id=account_id,
            status=status,
            allowed_ips=None if allowed_ips is None else frozenset(allowed_ips),
        )
        with self.lock:
            if account_id is not None and account_id not in self.accounts:
                raise ValueError(f"unknown account id {account_id}")
            if value in self.tokens:
                raise ValueError("a token with this value already exists")
            self.tokens[value] = token
        return token

    def add_global_key(self, email: str, key: str) -> GlobalKey:
        global_key = GlobalKey(email=email, key=key)
        with self.lock:
            self.global_keys.append(global_key)
        return global_key

    def find_token(self, value: str) -> Token | None:
        with self.lock:
            return self.tokens.get(value)

    def find_global_key(self, email: str, key: str) -> GlobalKey | None:
        with self.lock:
            for candidate in self.global_keys:
                if candidate.key == key and candidate.email.lower() == email.lower():
                    return candidate
        return None

    def record_purge(
        self, zone_id: str, kind: PurgeKind, items: Iterable[Any], at: float | None = None
    ) -> PurgeRecord:
        """Append a purge to ``purges`` with a fresh id (the purge route calls this)."""
        if kind not in PURGE_KINDS:
            raise ValueError(f"purge kind must be one of {PURGE_KINDS}, not {kind!r}")
        with self.lock:
            record = PurgeRecord(
                id=new_id(),
                zone_id=zone_id,
                kind=kind,
                items=tuple(items),
                at=self.clock() if at is None else at,
            )
            self.purges.append(record)
        return record

    def purged(self, zone_id: str | None = None, kind: PurgeKind | None = None) -> list[Any]:
        """The items of the recorded purges, flattened in order, optionally filtered.

        Files come back as sent (URL strings or {"url", "headers"} objects); purge_everything
        contributes no items, so check ``purges`` for it.
        """
        with self.lock:
            return [
                item
                for record in self.purges
                if (zone_id is None or record.zone_id == zone_id)
                and (kind is None or record.kind == kind)
                for item in record.items
            ]

    def purged_urls(self, zone_id: str | None = None) -> list[str]:
        """The URLs of every recorded file purge, in order, whether sent as string or object."""
        return [
            item if isinstance(item, str) else str(item["url"])
            for item in self.purged(zone_id, "files")
        ]

    def add_dns_record(
        self,
        zone_id: str,
        type: str,  # noqa: A002 (public keyword, as in the API)
        name: str,
        content: str | None = None,
        data: dict[str, Any] | None = None,
        ttl: int = 1,
        proxied: bool = False,
        priority: int | None = None,
        comment: str | None = None,
        tags: Iterable[str] = (),
        id: str | None = None,  # noqa: A002 (public keyword)
    ) -> DnsRecord:
        """Create a record as POST /zones/{zone_id}/dns_records would.

        The same normalisation, validation and conflict checks apply (duplicates, CNAME
        next to A/AAAA, the free-zone record limit); a failure raises ValueError with the
        API's error text.
        """
        body: dict[str, Any] = {
            "type": type,
            "name": name,
            "ttl": ttl,
            "proxied": proxied,
            "comment": comment,
            "tags": list(tags),
        }
        if content is not None:
            body["content"] = content
        if data is not None:
            body["data"] = data
        if priority is not None:
            body["priority"] = priority
        record_id = _checked_id(id)
        with self.lock:
            zone = self.zones.get(zone_id)
            if zone is None:
                raise ValueError(f"unknown zone id {zone_id}")
            changes = self.dns_changes(zone, timestamp())
            try:
                return changes.create(body, record_id)
            except ReplyError as exc:
                raise ValueError(_describe(exc)) from exc

    def dns_changes(self, zone: Zone, now: str) -> DnsChanges:
        """A DnsChanges editing ``dns_records`` in place for zone (hold ``lock``)."""
        return DnsChanges(self.dns_records, zone, now, self.dns_record_limit(zone))

    def dns_record_limit(self, zone: Zone) -> int | None:
        """The most records zone may hold, or None for no limit."""
        return self.dns_record_limit_free if zone.plan == "free" else None

    def dns_batch_limit(self, zone: Zone) -> int:
        """The most operations one DNS batch request may hold in zone."""
        table = self.dns_batch_limits
        return table.get(zone.plan, table.get("free", DEFAULT_DNS_BATCH_LIMITS["free"]))

    def records(
        self,
        zone_id: str,
        name: str | None = None,
        type: str | None = None,  # noqa: A002 (public keyword, as in the API)
    ) -> list[DnsRecord]:
        """The zone's DNS records in creation order, optionally one name and/or type.

        ``name`` is normalised like the API's (so "@", "www" and "WWW.example.com." all
        work); ``type`` is case-insensitive.
        """
        with self.lock:
            zone = self.zones.get(zone_id)
            wanted = None
            if name is not None:
                wanted = normalize_name(name, zone.name) if zone else name.lower().rstrip(".")
            return [
                record
                for record in self.dns_records.values()
                if record.zone_id == zone_id
                and (wanted is None or record.name == wanted)
                and (type is None or record.type == type.upper())
            ]

    def worker(self, account_id: str, name: str) -> WorkerScript:
        """The Worker script ``name`` of the account; KeyError if there is none."""
        with self.lock:
            try:
                return self.workers[(account_id, name)]
            except KeyError:
                raise KeyError(f"no Worker {name!r} in account {account_id}") from None

    def preview_version(self, account_id: str, script: str, label: str) -> WorkerVersion | None:
        """The version the preview hostname label ``label`` (``<alias>-<script>`` or
        ``<version id[:8]>-<script>``) of the account's Worker ``script`` serves, or None
        (see WorkerScript.preview_version)."""
        with self.lock:
            worker = self.workers.get((account_id, script))
            return None if worker is None else worker.preview_version(label)

    def preview_url_version(self, url: str) -> WorkerVersion | None:
        """The version a preview URL or hostname (``<label>.<subdomain>.workers.dev``)
        serves, or None: the subdomain names the account, the label's end its Worker."""
        host = urllib.parse.urlsplit(url if "//" in url else "//" + url).hostname or ""
        label, _, rest = host.partition(".")
        subdomain = rest.removesuffix(".workers.dev")
        if subdomain == rest or "." in subdomain:
            return None
        with self.lock:
            for account_id, taken in self.workers_subdomains.items():
                if taken != subdomain:
                    continue
                for (owner, _), worker in self.workers.items():
                    version = worker.preview_version(label) if owner == account_id else None
                    if version is not None:
                        return version
        return None

    def worker_routes_of(self, script: str, zone_id: str | None = None) -> list[WorkerRoute]:
        """The routes (every zone, or one) that point at the script named ``script``."""
        with self.lock:
            return [
                route
                for route in self.worker_routes.values()
                if route.script == script and (zone_id is None or route.zone_id == zone_id)
            ]

    def _check_account(self, account_id: str) -> None:
        if account_id not in self.accounts:
            raise ValueError(f"unknown account id {account_id}")

    def add_kv_namespace(
        self,
        account_id: str,
        title: str,
        id: str | None = None,  # noqa: A002 (public keyword)
    ) -> KvNamespace:
        """A KV namespace, as POST .../storage/kv/namespaces {title} makes one."""
        namespace = KvNamespace(id=_checked_id(id), account_id=account_id, title=title)
        with self.lock:
            self._check_account(account_id)
            if namespace.id in self.kv_namespaces:
                raise ValueError(f"KV namespace id {namespace.id} already exists")
            if any(
                n.account_id == account_id and n.title == title for n in self.kv_namespaces.values()
            ):
                raise ValueError(f"a KV namespace titled {title!r} already exists")
            self.kv_namespaces[namespace.id] = namespace
        return namespace

    def add_d1_database(
        self,
        account_id: str,
        name: str,
        uuid: str | None = None,
    ) -> D1Database:
        """A D1 database, as POST .../d1/database {name} makes one (uuid: hyphenated)."""
        database = D1Database(uuid=uuid or new_uuid(), account_id=account_id, name=name)
        with self.lock:
            self._check_account(account_id)
            if database.uuid in self.d1_databases:
                raise ValueError(f"D1 database {database.uuid} already exists")
            if any(
                d.account_id == account_id and d.name == name for d in self.d1_databases.values()
            ):
                raise ValueError(f"a D1 database named {name!r} already exists")
            self.d1_databases[database.uuid] = database
        return database

    def add_r2_bucket(self, account_id: str, name: str, location: str = "enam") -> R2Bucket:
        """An R2 bucket, as POST .../r2/buckets {name, locationHint?} makes one."""
        bucket = R2Bucket(account_id=account_id, name=name, location=location)
        with self.lock:
            self._check_account(account_id)
            if (account_id, name) in self.r2_buckets:
                raise ValueError(f"R2 bucket {name!r} already exists")
            self.r2_buckets[(account_id, name)] = bucket
        return bucket

    def add_dispatch_namespace(self, account_id: str, name: str) -> DispatchNamespace:
        """A dispatch namespace, as POST .../workers/dispatch/namespaces {name} makes one."""
        namespace = DispatchNamespace(new_uuid(), account_id, name)
        with self.lock:
            self._check_account(account_id)
            if (account_id, name) in self.dispatch_namespaces:
                raise ValueError(f"dispatch namespace {name!r} already exists")
            self.dispatch_namespaces[(account_id, name)] = namespace
        return namespace

    def add_queue(
        self,
        account_id: str,
        name: str,
        id: str | None = None,  # noqa: A002 (public keyword)
    ) -> Queue:
        """A queue without consumers, as POST .../queues {queue_name} makes one."""
        queue = Queue(queue_id=_checked_id(id), account_id=account_id, queue_name=name)
        with self.lock:
            self._check_account(account_id)
            if queue.queue_id in self.queues:
                raise ValueError(f"queue id {queue.queue_id} already exists")
            if self.queue_named(account_id, name) is not None:
                raise ValueError(f"a queue named {name!r} already exists")
            self.queues[queue.queue_id] = queue
        return queue

    def queue_named(self, account_id: str, name: str) -> Queue | None:
        """The account's queue called ``name``, or None."""
        with self.lock:
            for queue in self.queues.values():
                if queue.account_id == account_id and queue.queue_name == name:
                    return queue
        return None

    def add_workflow(
        self, account_id: str, name: str, script_name: str, class_name: str
    ) -> Workflow:
        """A Workflow, as PUT .../workflows/{name} makes one (the script need not exist)."""
        workflow = Workflow(
            id=new_uuid(),
            account_id=account_id,
            name=name,
            script_name=script_name,
            class_name=class_name,
        )
        with self.lock:
            self._check_account(account_id)
            if (account_id, name) in self.workflows:
                raise ValueError(f"Workflow {name!r} already exists")
            self.workflows[(account_id, name)] = workflow
        return workflow

    def purge_limits_for(self, plan: str) -> PurgeLimits:
        """The purge limits of a zone plan; plans missing from ``purge_limits`` use its
        "free" entry (or the default Free limits)."""
        table = self.purge_limits
        return table.get(plan) or table.get("free") or DEFAULT_PURGE_LIMITS["free"]

    def take_purge_tokens(
        self, account_id: str, plan: str, bucket: str, cost: int, now: float
    ) -> None:
        """Charge a purge to its account's "ops" or "urls" bucket; raise 429 971 if it can't
        pay (having taken nothing).

        Call with ``lock`` held. ``plan`` (the purged zone's) sets the bucket's rate and size
        for this request, through purge_limits_for().
        """
        limits = self.purge_limits_for(plan)
        if bucket == "urls":
            rate, window, capacity = limits.urls_per_second, 1.0, limits.urls_capacity
        else:
            rate, window, capacity = limits.ops_rate, limits.ops_window, limits.ops_bucket
        key = (account_id, bucket)
        level = self.purge_buckets.get(key)
        if level is None:
            level = self.purge_buckets[key] = TokenBucket(tokens=capacity, updated=now)
        wait = level.take(cost, now, rate, window, capacity)
        if wait > 0:
            raise errors.throttled(wait)

    def check_global_limit(self, credential: str | None) -> None:
        """Count an authenticated request against ``global_limit``; raise 429 10100 if over.

        ``credential`` is the caller's stable name (``Principal.credential``). Call with
        ``lock`` held. Does nothing when the limit is off or nobody is authenticated
        (credential None).
        """
        limit = self.global_limit
        if limit is None or credential is None:
            return
        requests, window = limit
        now = self.clock()
        counter = self.global_windows.get(credential)
        if counter is None:
            counter = self.global_windows[credential] = SlidingWindow()
        wait = counter.hit(now, requests, window)
        if wait > 0:
            raise errors.global_limit_reached(requests, window, wait)

    def reset_rate_limits(self) -> None:
        """Refill every purge bucket and forget the global limit's counted requests."""
        with self.lock:
            self.purge_buckets.clear()
            self.global_windows.clear()


def _describe(error: ReplyError) -> str:
    """An ReplyError as text, error_chain included: "1004 DNS Validation Error (9005 ...)"."""
    parts = []
    for detail in error.errors:
        chain = "; ".join(f"{code} {message}" for code, message in detail.chain)
        parts.append(f"{detail.code} {detail.message}" + (f" ({chain})" if chain else ""))
    return "; ".join(parts)


def _checked_id(value: str | None) -> str:
    """Use value as an identifier, or mint one; routes only match 32-hex ids."""
    if value is None:
        return new_id()
    if not is_id(value):
        raise ValueError(f"identifier must be 32 lowercase hex characters: {value!r}")
    return value
