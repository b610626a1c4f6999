"""Resources a Worker's bindings name but that may not exist yet, found or created by name
as wrangler 4 does (workers-sdk ``packages/deploy-helpers/src/deploy/helpers/
provision-bindings.ts``), and queues that must exist.

While planning (reads only), each binding that needs it is decided:

* a KV namespace without ``id``, a D1 database without ``database_id`` and no
  ``database_name``, an R2 bucket without ``bucket_name``: **inherited** when the deployed
  Worker has a binding of that type and name (sent as ``{"type": "inherit"}``), else
  **created** as ``<worker>-<binding, lower case, _ as ->``;
* a D1 database named by ``database_name``: **connected** to the database of that name
  (``GET …/d1/database/{name}``), else created with that name;
* an R2 bucket named by ``bucket_name``: used when it exists (``GET …/r2/buckets/{name}``),
  else created;
* a queue a producer names: used when it exists, else created; a queue a consumer (or its
  dead letter queue) names must exist, or the run stops before anything is written;
* a dispatch namespace a binding names: used when it exists (one paged
  ``GET …/workers/dispatch/namespaces``), else created.

Creating happens first in apply, before the upload, and the summary lists each resource
as inherited, found or created. A create is not safe to send twice: when its answer is lost,
the resource is looked up by name before it is sent again, and a re-sent create refused as
"already exists" takes the one the lost attempt made (:meth:`cfaction.client.Client.write`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from cfaction.client import Client
from cfaction.errors import APIError, InputError, NotFoundError
from cfaction.ops.worker.bindings import ConfigBinding
from cfaction.ops.worker.wrangler import QueueConsumer
from cfaction.permissions import (
    D1_EDIT,
    QUEUES_EDIT,
    R2_EDIT,
    WORKERS_KV_EDIT,
    WORKERS_SCRIPTS_EDIT,
)

Action = Literal["inherit", "found", "create"]
ResourceKind = Literal["kv", "d1", "r2", "queue", "dispatch"]
FRIENDLY: Final[Mapping[ResourceKind, str]] = {
    "kv": "KV namespace",
    "d1": "D1 database",
    "r2": "R2 bucket",
    "queue": "queue",
    "dispatch": "dispatch namespace",
}
NAMED_ONLY: Final = frozenset({"queue", "dispatch"})
"""Kinds a binding names by name alone: creating one fills no binding field."""


@dataclass(frozen=True)
class Resource:
    """What becomes of one resource a binding (or a consumer) needs."""

    kind: ResourceKind
    binding: str
    """The binding's name (a consumer's queue: the queue's name)."""
    name: str
    """The resource's name (KV: its title)."""
    action: Action
    field: str = ""
    """The binding field its ID or name fills (namespace_id, id, bucket_name, queue_name)."""
    id: str = ""
    """Its ID when known (found, or inherited)."""

    def describe(self, *, done: bool = True) -> str:
        """One line; ``done``: a resource to create was created (else the run stopped
        before it)."""
        created = "created" if done else "not created (the run stopped before it)"
        what = {"inherit": "kept from the deployed Worker", "found": "exists", "create": created}
        return f"{FRIENDLY[self.kind]} {self.name}: {what[self.action]}"


@dataclass(frozen=True)
class Queue:
    """A queue of the account: its ID and its consumers (as the API lists them)."""

    id: str
    name: str
    consumers: tuple[dict[str, Any], ...]


def default_name(script: str, binding: str) -> str:
    """The name wrangler gives a resource the config does not name."""
    return f"{script}-{binding.lower().replace('_', '-')}"


def plan_resources(
    client: Client,
    account: str,
    script: str,
    bindings: Sequence[ConfigBinding],
    deployed: Mapping[str, Mapping[str, Any]] | None,
) -> list[Resource]:
    """Decide every KV, D1 and R2 binding that names no existing resource (reads only).
    ``deployed``: the deployed Worker's bindings by name (None: it does not exist)."""
    decided = []
    for item in bindings:
        kind = item.binding["type"]
        if kind == "r2_bucket" and "bucket_name" in item.binding:
            name = item.binding["bucket_name"]
            action: Action = "found" if _r2_exists(client, account, name) else "create"
            decided.append(Resource("r2", item.name, name, action, "bucket_name", name))
            continue
        if item.provision is None:
            continue
        resource, field = item.provision.resource, item.provision.field
        named = str(item.extra.get(item.provision.name_key) or "")
        if resource == "d1" and named:
            uuid = _d1_by_name(client, account, named)
            decided.append(
                Resource("d1", item.name, named, "found" if uuid else "create", "id", uuid or "")
            )
        elif (deployed or {}).get(item.name, {}).get("type") == kind:
            decided.append(Resource(resource, item.name, item.name, "inherit", field))
        else:
            name = named or default_name(script, item.name)
            decided.append(Resource(resource, item.name, name, "create", field))
    return decided


def plan_queues(
    client: Client,
    account: str,
    producers: Sequence[ConfigBinding],
    consumers: Sequence[QueueConsumer],
) -> tuple[dict[str, Queue], list[Resource]]:
    """The queues producers and consumers name, read in one paged call; producers' missing
    queues are to be created, consumers' must exist.

    :raises InputError: naming the consumer whose queue (or dead letter queue) is missing.
    """
    produced = [p.binding["queue_name"] for p in producers if "queue_name" in p.binding]
    consumed = [c.queue for c in consumers]
    dead_letters = [c.dead_letter_queue for c in consumers if c.dead_letter_queue]
    names = list(dict.fromkeys([*produced, *consumed, *dead_letters]))
    if not names:
        return {}, []
    rows = client.paginate(
        f"/accounts/{account}/queues", {"name": names}, per_page=100, permission=QUEUES_EDIT
    )
    queues = {
        str(row.get("queue_name")): Queue(
            str(row.get("queue_id")), str(row.get("queue_name")), tuple(row.get("consumers") or ())
        )
        for row in rows
        if isinstance(row, dict)
    }
    to_create: list[Resource] = []
    for producer in producers:
        name = producer.binding.get("queue_name")
        if name and name not in queues and name not in [r.name for r in to_create]:
            to_create.append(Resource("queue", producer.name, name, "create", "queue_name"))
    creating = {r.name for r in to_create}
    for consumer in consumers:
        for name, what in (
            (consumer.queue, "queue"),
            (consumer.dead_letter_queue, "dead_letter_queue"),
        ):
            if name and name not in queues and name not in creating:
                raise InputError(
                    "config",
                    f"{consumer.where}.{what}: the queue {name} does not exist.",
                    f"Create it first (wrangler queues create {name}), or fix the name.",
                )
    return queues, to_create


def plan_dispatch_namespaces(
    client: Client, account: str, bindings: Sequence[ConfigBinding]
) -> list[Resource]:
    """The dispatch namespaces the bindings name that the account lacks, to be created."""
    named = [b for b in bindings if b.binding["type"] == "dispatch_namespace"]
    if not named:
        return []
    rows = client.paginate(
        f"/accounts/{account}/workers/dispatch/namespaces", permission=WORKERS_SCRIPTS_EDIT
    )
    existing = {str(row.get("namespace_name")) for row in rows if isinstance(row, dict)}
    missing: list[Resource] = []
    for item in named:
        name = str(item.binding["namespace"])
        if name not in existing and name not in [r.name for r in missing]:
            missing.append(Resource("dispatch", item.name, name, "create", "namespace"))
    return missing


ALREADY_EXISTS: Final = frozenset({10014, 7502, 10004, 11009, 100119})
"""The codes a create of a name the account has is refused with (KV, D1, R2, queues,
dispatch namespaces): after a lost answer, the earlier attempt made it."""


def create(client: Client, account: str, resource: Resource) -> tuple[str, str]:
    """Create one resource (apply); returns the value its binding field takes and its ID."""
    base = f"/accounts/{account}"
    name = resource.name
    if resource.kind == "kv":
        path = f"{base}/storage/kv/namespaces"
        result = _created(
            client,
            path,
            {"title": name},
            WORKERS_KV_EDIT,
            lambda: _named(client, path, "title", name, WORKERS_KV_EDIT),
        )
        return str(result.get("id")), str(result.get("id"))
    if resource.kind == "d1":
        result = _created(
            client,
            f"{base}/d1/database",
            {"name": name},
            D1_EDIT,
            lambda: _d1_row(client, account, name),
        )
        return str(result.get("uuid")), str(result.get("uuid"))
    if resource.kind == "r2":
        _created(
            client,
            f"{base}/r2/buckets",
            {"name": name},
            R2_EDIT,
            lambda: {"name": name} if _r2_exists(client, account, name) else None,
        )
        return name, name
    if resource.kind == "dispatch":
        path = f"{base}/workers/dispatch/namespaces"
        result = _created(
            client,
            path,
            {"name": name},
            WORKERS_SCRIPTS_EDIT,
            lambda: _named(client, path, "namespace_name", name, WORKERS_SCRIPTS_EDIT),
        )
        return name, str(result.get("namespace_id"))
    path = f"{base}/queues"
    result = _created(
        client,
        path,
        {"queue_name": name},
        QUEUES_EDIT,
        lambda: _named(client, path, "queue_name", name, QUEUES_EDIT, {"name": name}),
    )
    return name, str(result.get("queue_id"))


def _created(
    client: Client,
    path: str,
    body: dict[str, Any],
    permission: str,
    find: Callable[[], dict[str, Any] | None],
) -> dict[str, Any]:
    """POST a create; after a lost answer, ``find`` reads whether it exists (by name)."""
    result = client.write(
        "POST",
        path,
        json_body=body,
        permission=permission,
        check=lambda _since: find(),
        conflict_codes=ALREADY_EXISTS,
    ).result
    return result if isinstance(result, dict) else {}


def _named(
    client: Client,
    path: str,
    key: str,
    name: str,
    permission: str,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The row of a paged list whose ``key`` is ``name``, or None."""
    rows = client.paginate(path, params, per_page=100, permission=permission)
    return next((dict(r) for r in rows if isinstance(r, dict) and r.get(key) == name), None)


def _d1_row(client: Client, account: str, name: str) -> dict[str, Any] | None:
    uuid = _d1_by_name(client, account, name)
    return {"uuid": uuid} if uuid else None


def deployed_bindings(client: Client, script_path: str) -> dict[str, dict[str, Any]] | None:
    """The deployed Worker's bindings by name (``GET …/settings``); None when it has none."""
    try:
        settings = client.get(f"{script_path}/settings", permission=WORKERS_SCRIPTS_EDIT)
    except NotFoundError:
        return None
    found = settings.get("bindings") if isinstance(settings, dict) else None
    if not isinstance(found, list):
        return {}
    return {str(b["name"]): b for b in found if isinstance(b, dict) and "name" in b}


def _r2_exists(client: Client, account: str, name: str) -> bool:
    try:
        client.get(f"/accounts/{account}/r2/buckets/{name}", permission=R2_EDIT)
    except NotFoundError:
        return False
    except APIError as error:
        if 10006 in error.codes():
            return False
        raise
    return True


def _d1_by_name(client: Client, account: str, name: str) -> str | None:
    try:
        result = client.get(f"/accounts/{account}/d1/database/{name}", permission=D1_EDIT)
    except NotFoundError:
        return None
    except APIError as error:
        if 7404 in error.codes():
            return None
        raise
    return str(result["uuid"]) if isinstance(result, dict) and result.get("uuid") else None
