"""The account resources Workers bind to or are triggered by: KV namespaces, D1 databases,
R2 buckets, Queues (with their consumers) and Workflows, as plain records.

The State holds them (state.py); the route modules routes/storage.py, routes/queues.py and
routes/workflows.py serve them, and upload_checks.py checks upload bindings against them.
Nothing here imports the rest of the emulator except model.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .model import timestamp

__all__ = [
    "D1Database",
    "DispatchNamespace",
    "KvNamespace",
    "Queue",
    "QueueConsumer",
    "R2Bucket",
    "Workflow",
    "new_uuid",
    "r2_timestamp",
]


def new_uuid() -> str:
    """A fresh hyphenated UUID (D1 database ids, Workflow ids)."""
    return str(uuid.uuid4())


def r2_timestamp() -> str:
    """The time as R2 writes ``creation_date`` (millisecond precision, Z)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class KvNamespace:
    """GET /accounts/{a}/storage/kv/namespaces answers {id, title, supports_url_encoding}."""

    id: str
    account_id: str
    title: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "supports_url_encoding": True}


@dataclass
class D1Database:
    uuid: str
    account_id: str
    name: str
    created_at: str = field(default_factory=timestamp)
    jurisdiction: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "uuid": self.uuid,
            "name": self.name,
            "created_at": self.created_at,
            "version": "production",
            "num_tables": 0,
            "file_size": 0,
        }
        if self.jurisdiction is not None:
            data["jurisdiction"] = self.jurisdiction
        return data


@dataclass
class DispatchNamespace:
    """A Workers for Platforms dispatch namespace, as
    https://developers.cloudflare.com/api/resources/workers_for_platforms/subresources/dispatch/subresources/namespaces/
    lists it."""

    namespace_id: str
    account_id: str
    namespace_name: str
    created_on: str = field(default_factory=timestamp)

    def to_json(self) -> dict[str, Any]:
        return {
            "namespace_id": self.namespace_id,
            "namespace_name": self.namespace_name,
            "created_on": self.created_on,
            "created_by": self.account_id,
            "modified_on": self.created_on,
            "modified_by": self.account_id,
            "script_count": 0,
        }


@dataclass
class R2Bucket:
    account_id: str
    name: str
    location: str = "enam"
    storage_class: str = "Standard"
    creation_date: str = field(default_factory=r2_timestamp)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "creation_date": self.creation_date,
            "location": self.location,
            "storage_class": self.storage_class,
        }


@dataclass
class QueueConsumer:
    """A consumer of a queue: a Worker (``type`` "worker", ``script`` set) or an HTTP pull
    consumer (``type`` "http_pull")."""

    consumer_id: str
    queue_id: str
    type: str
    script: str | None
    settings: dict[str, Any]
    dead_letter_queue: str | None = None
    environment: str | None = None
    created_on: str = field(default_factory=timestamp)

    def to_json(self, queue_name: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "consumer_id": self.consumer_id,
            "type": self.type,
            "queue_name": queue_name,
            "settings": dict(self.settings),
            "created_on": self.created_on,
        }
        if self.script is not None:
            data["script"] = self.script
            data["script_name"] = self.script
        if self.environment is not None:
            data["environment"] = self.environment
        if self.dead_letter_queue is not None:
            data["dead_letter_queue"] = self.dead_letter_queue
        return data


@dataclass
class Queue:
    queue_id: str
    account_id: str
    queue_name: str
    created_on: str = field(default_factory=timestamp)
    modified_on: str = ""
    consumers: list[QueueConsumer] = field(default_factory=list)
    settings: dict[str, Any] = field(
        default_factory=lambda: {"delivery_delay": 0, "message_retention_period": 345600}
    )

    def __post_init__(self) -> None:
        if not self.modified_on:
            self.modified_on = self.created_on

    def consumer(self, consumer_id: str) -> QueueConsumer | None:
        for consumer in self.consumers:
            if consumer.consumer_id == consumer_id:
                return consumer
        return None

    def worker_consumer(self) -> QueueConsumer | None:
        return next((c for c in self.consumers if c.type == "worker"), None)


@dataclass
class Workflow:
    id: str
    account_id: str
    name: str
    script_name: str
    class_name: str
    limits: dict[str, Any] | None = None
    schedules: list[dict[str, Any]] | None = None
    created_on: str = field(default_factory=timestamp)
    modified_on: str = ""

    def __post_init__(self) -> None:
        if not self.modified_on:
            self.modified_on = self.created_on

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "script_name": self.script_name,
            "class_name": self.class_name,
            "created_on": self.created_on,
            "modified_on": self.modified_on,
            "triggered_on": None,
        }
        if self.limits is not None:
            data["limits"] = dict(self.limits)
        if self.schedules is not None:
            data["schedules"] = [dict(s) for s in self.schedules]
        return data
