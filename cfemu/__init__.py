"""A stateful local emulator of the Cloudflare v4 API, for tests and local runs."""

from __future__ import annotations

from .dns import DEFAULT_DNS_BATCH_LIMITS, DnsRecord
from .faults import Fault, FaultSet
from .model import Account, GlobalKey, PurgeRecord, Token, User, Zone
from .ratelimit import DEFAULT_PURGE_LIMITS, PurgeLimits
from .reqlog import LoggedRequest, RequestLog
from .resources import D1Database, KvNamespace, Queue, QueueConsumer, R2Bucket, Workflow
from .server import Emulator
from .state import State
from .workers import (
    CustomDomain,
    Deployment,
    Module,
    ScriptSubdomain,
    WorkerRoute,
    WorkerScript,
    WorkerVersion,
)

__all__ = [
    "DEFAULT_DNS_BATCH_LIMITS",
    "DEFAULT_PURGE_LIMITS",
    "Account",
    "CustomDomain",
    "D1Database",
    "Deployment",
    "DnsRecord",
    "Emulator",
    "Fault",
    "FaultSet",
    "GlobalKey",
    "KvNamespace",
    "LoggedRequest",
    "Module",
    "PurgeLimits",
    "PurgeRecord",
    "Queue",
    "QueueConsumer",
    "R2Bucket",
    "RequestLog",
    "ScriptSubdomain",
    "State",
    "Token",
    "User",
    "WorkerRoute",
    "WorkerScript",
    "WorkerVersion",
    "Workflow",
    "Zone",
]
