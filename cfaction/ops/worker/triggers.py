"""The triggers of a Worker, set after its upload in wrangler's order (workers-sdk
``packages/deploy-helpers/src/triggers/deploy.ts``): the workers.dev subdomain, routes,
custom domains, cron schedules, queue consumers, Workflows.

Every step is idempotent (a PUT that replaces, or a consumer updated in place), so a re-run
finishes what a failure left undone. A step that fails does not stop the others, as in
wrangler; each one's result is reported.

Retried as every request is (:data:`cfaction.catalogue.RETRY_TABLE`). The PUTs (routes,
custom domains, crons, Workflows) and the workers.dev switch state what should be, so
sending one again after a lost answer changes nothing: the routes PUT replaces the Worker's
routes, the custom domains PUT names every origin with its override flags. The two creates,
a zone route and a queue consumer, are not safe to send twice: after a lost answer the zone's
routes (or the queue's consumers) are read first, and one already there for this Worker is
the one the lost attempt made (:meth:`cfaction.client.Client.write`).

* workers.dev: the account's subdomain is read when the Worker is to be reachable there, then
  ``POST …/scripts/{name}/subdomain {"enabled", "previews_enabled"?}`` is always sent
  (``previews_enabled`` only when ``preview_urls`` is set: else the API keeps its default).
* routes: ``PUT …/scripts/{name}/routes``; when the token may not set routes account-wide
  (10000), zone by zone through ``/zones/{id}/workers/routes``, as wrangler does.
* custom domains: one ``PUT …/scripts/{name}/domains/records`` with wrangler's override
  flags (https://developers.cloudflare.com/workers/configuration/routing/custom-domains/).
* crons: ``PUT …/scripts/{name}/schedules`` when the config has ``triggers.crons``
  (``[]`` clears them); absent, the schedules are left alone.
* queue consumers: the Worker's consumer of each queue is updated, or created
  (https://developers.cloudflare.com/queues/configuration/configure-queues/).
* Workflows this Worker defines: ``PUT /accounts/{a}/workflows/{name}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, Literal

from cfaction.client import Client
from cfaction.errors import CloudflareError, PermissionDeniedError
from cfaction.ops.base import Context
from cfaction.ops.worker.plan import WorkerPlan
from cfaction.ops.worker.provision import Queue
from cfaction.ops.worker.wrangler import QueueConsumer
from cfaction.permissions import QUEUES_EDIT, WORKERS_ROUTES_EDIT, WORKERS_SCRIPTS_EDIT

SCRIPT_API_DATE = {"Cloudflare-Workers-Script-Api-Date": "2025-08-01"}
"""The API date wrangler sends with the subdomain switch (previews follow workers.dev)."""

State = Literal["set", "failed", "not attempted"]
ROUTE_EXISTS: Final = frozenset({10020})
"""A zone route of a pattern the zone has: the lost attempt may have made it."""
CONSUMER_EXISTS: Final = frozenset({11004})
"""``workers.api.error.consumer_exists``: the queue has a Worker consumer already."""


@dataclass
class Trigger:
    """One trigger step: what it sets, and how it went."""

    kind: str
    target: str
    state: State = "not attempted"
    error: CloudflareError | None = None


@dataclass
class TriggerResults:
    steps: list[Trigger] = field(default_factory=list)
    url: str = ""
    """The workers.dev URL, when it is switched on."""

    @property
    def failed(self) -> list[Trigger]:
        return [t for t in self.steps if t.state == "failed"]


def set_triggers(ctx: Context, plan: WorkerPlan, queue_ids: Mapping[str, str]) -> TriggerResults:
    """Every trigger step in wrangler's order. ``queue_ids``: queues created by this run."""
    results = TriggerResults()
    worker = plan.worker
    config = worker.config
    steps: list[tuple[str, str, Callable[[], None]]] = [
        (
            "workers.dev",
            "enabled" if plan.workers_dev else "disabled",
            lambda: _subdomain(ctx, plan, results),
        ),
    ]
    if worker.routes:
        steps.append(
            ("routes", ", ".join(r.pattern for r in worker.routes), lambda: _routes(ctx, plan))
        )
    if worker.custom_domains:
        steps.append(
            ("custom domains", ", ".join(worker.custom_domains), lambda: _domains(ctx, plan))
        )
    if config.crons is not None:
        crons = config.crons
        steps.append(("crons", ", ".join(crons) or "(none)", lambda: _crons(ctx, plan, crons)))
    for consumer in config.queue_consumers:
        steps.append(
            ("queue consumer", consumer.queue, _bind(_consumer, ctx, plan, consumer, queue_ids))
        )
    for workflow in config.workflows:
        if workflow.script_name in (None, worker.script_name):
            steps.append(("workflow", workflow.name, _bind(_workflow, ctx, plan, workflow)))
    for kind, target, run in steps:
        step = Trigger(kind, target)
        results.steps.append(step)
        try:
            run()
        except CloudflareError as error:
            step.state, step.error = "failed", error
            ctx.progress(f"Setting {kind} failed: {error.message}")
            continue
        step.state = "set"
    return results


def _bind(function: Callable[..., None], *args: Any) -> Callable[[], None]:
    return lambda: function(*args)


def account_subdomain(client: Client, account_id: str) -> str:
    """The account's workers.dev subdomain (``<sub>`` of ``<sub>.workers.dev``), or ""."""
    found = client.get(f"/accounts/{account_id}/workers/subdomain", permission=WORKERS_SCRIPTS_EDIT)
    name = found.get("subdomain") if isinstance(found, Mapping) else None
    return str(name) if name else ""


def _subdomain(ctx: Context, plan: WorkerPlan, results: TriggerResults) -> None:
    worker = plan.worker
    if plan.workers_dev:
        name = account_subdomain(ctx.client, plan.account_id)
        if name:
            results.url = f"https://{worker.script_name}.{name}.workers.dev"
    body: dict[str, Any] = {"enabled": plan.workers_dev}
    if worker.config.preview_urls is not None:
        body["previews_enabled"] = worker.config.preview_urls
    ctx.client.request(
        "POST",
        f"{plan.script_path}/subdomain",
        json_body=body,
        idempotent=True,
        permission=WORKERS_SCRIPTS_EDIT,
        headers=SCRIPT_API_DATE,
    )


def _routes(ctx: Context, plan: WorkerPlan) -> None:
    worker = plan.worker
    body = [
        {"pattern": spec.pattern, "zone_id": plan.route_zones[spec.pattern].id}
        for spec in worker.routes
    ]
    try:
        ctx.client.request(
            "PUT", f"{plan.script_path}/routes", json_body=body, permission=WORKERS_ROUTES_EDIT
        )
        return
    except PermissionDeniedError:
        ctx.progress("The token may not set routes account-wide; setting them zone by zone.")
    by_zone: dict[str, list[str]] = {}
    for pattern, zone in plan.route_zones.items():
        by_zone.setdefault(zone.id, []).append(pattern)
    for zone_id, patterns in by_zone.items():
        _zone_routes(ctx, zone_id, patterns, worker.script_name)


def _zone_routes(ctx: Context, zone_id: str, patterns: list[str], script: str) -> None:
    path = f"/zones/{zone_id}/workers/routes"
    existing = {
        r.get("pattern"): r for r in ctx.client.get(path, permission=WORKERS_ROUTES_EDIT) or []
    }
    for pattern in patterns:
        route = existing.get(pattern)
        body = {"pattern": pattern, "script": script}
        if route is None:
            ctx.client.write(
                "POST",
                path,
                json_body=body,
                permission=WORKERS_ROUTES_EDIT,
                check=partial(_zone_route, ctx, path, pattern, script),
                conflict_codes=ROUTE_EXISTS,
            )
        elif route.get("script") != script:
            ctx.client.request(
                "PUT", f"{path}/{route['id']}", json_body=body, permission=WORKERS_ROUTES_EDIT
            )


def _zone_route(
    ctx: Context, path: str, pattern: str, script: str, _since: float
) -> dict[str, Any] | None:
    """The zone's route of ``pattern`` when it runs ``script``, else None."""
    routes = ctx.client.get(path, permission=WORKERS_ROUTES_EDIT) or []
    return next(
        (
            dict(r)
            for r in routes
            if isinstance(r, Mapping) and r.get("pattern") == pattern and r.get("script") == script
        ),
        None,
    )


def _domains(ctx: Context, plan: WorkerPlan) -> None:
    ctx.client.request(
        "PUT",
        f"{plan.script_path}/domains/records",
        json_body={
            "override_scope": True,
            "override_existing_origin": True,
            "override_existing_dns_record": True,
            "origins": [{"hostname": host} for host in plan.worker.custom_domains],
        },
        permission=WORKERS_ROUTES_EDIT,
    )


def _crons(ctx: Context, plan: WorkerPlan, crons: tuple[str, ...]) -> None:
    ctx.client.request(
        "PUT",
        f"{plan.script_path}/schedules",
        json_body=[{"cron": cron} for cron in crons],
        permission=WORKERS_SCRIPTS_EDIT,
    )


def consumer_body(script: str, consumer: QueueConsumer) -> dict[str, Any]:
    """A queue consumer as wrangler sends it: ``max_batch_timeout`` (seconds) becomes
    ``max_wait_time_ms``; ``visibility_timeout_ms`` is not sent (wrangler does not)."""
    given = consumer.settings
    settings: dict[str, Any] = {}
    for key, api in (
        ("max_batch_size", "batch_size"),
        ("max_retries", "max_retries"),
        ("max_batch_timeout", "max_wait_time_ms"),
        ("max_concurrency", "max_concurrency"),
        ("retry_delay", "retry_delay"),
    ):
        if key in given:
            value = given[key] * 1000 if key == "max_batch_timeout" else given[key]
            settings[api] = int(value) if float(value).is_integer() else value
    body: dict[str, Any] = {"type": "worker"}
    if consumer.dead_letter_queue:
        body["dead_letter_queue"] = consumer.dead_letter_queue
    body["script_name"] = script
    body["settings"] = settings
    return body


def _consumer(
    ctx: Context, plan: WorkerPlan, consumer: QueueConsumer, created: Mapping[str, str]
) -> None:
    script = plan.worker.script_name
    queue = plan.queues.get(consumer.queue) or Queue(created[consumer.queue], consumer.queue, ())
    base = f"/accounts/{plan.account_id}/queues/{queue.id}/consumers"
    body = consumer_body(script, consumer)
    mine = next(
        (
            c
            for c in queue.consumers
            if c.get("type", "worker") == "worker"
            and script in (c.get("script"), c.get("script_name"), c.get("service"))
        ),
        None,
    )
    if mine is not None:
        ctx.client.request(
            "PUT", f"{base}/{mine['consumer_id']}", json_body=body, permission=QUEUES_EDIT
        )
    else:
        ctx.client.write(
            "POST",
            base,
            json_body=body,
            permission=QUEUES_EDIT,
            check=partial(_worker_consumer, ctx, base, script),
            conflict_codes=CONSUMER_EXISTS,
        )


def _worker_consumer(ctx: Context, base: str, script: str, _since: float) -> dict[str, Any] | None:
    """The queue's consumer that is this Worker, else None."""
    consumers = ctx.client.get(base, permission=QUEUES_EDIT) or []
    return next(
        (
            dict(c)
            for c in consumers
            if isinstance(c, Mapping)
            and c.get("type", "worker") == "worker"
            and script in (c.get("script"), c.get("script_name"), c.get("service"))
        ),
        None,
    )


def _workflow(ctx: Context, plan: WorkerPlan, workflow: Any) -> None:
    body: dict[str, Any] = {
        "script_name": plan.worker.script_name,
        "class_name": workflow.class_name,
    }
    if workflow.limits is not None:
        body["limits"] = workflow.limits
    if workflow.schedules is not None:
        body["schedules"] = [{"cron": cron} for cron in workflow.schedules]
    ctx.client.request(
        "PUT",
        f"/accounts/{plan.account_id}/workflows/{workflow.name}",
        json_body=body,
        idempotent=True,
        permission=WORKERS_SCRIPTS_EDIT,
    )
