"""Queues and their consumers (https://developers.cloudflare.com/api/resources/queues/).

Paths are under ``/accounts/{account_id}``; each checks the account (else 404 7003/7000),
then "queues:edit" (GETs also take "queues:read"; else 403 10000), then the queue.

* ``GET /queues`` (``name`` may repeat: only those queues; ``page``, ``per_page`` 1..1000,
  default 100, our choice) answers queue objects {queue_id, queue_name, created_on,
  modified_on, producers, producers_total_count, consumers, consumers_total_count,
  settings} with result_info. ``producers`` are the account's Workers whose deployed
  version has a ``queue`` binding to the queue ({type "worker", script}); ``consumers`` the
  consumer objects below.
* ``POST /queues`` {queue_name, settings?}: names of 1-63 lowercase letters, digits and
  dashes (https://developers.cloudflare.com/queues/configuration/configure-queues/), else
  400 10021 (our choice); a name the account has 409 11009 "A queue with this name already
  exists" (our choice).
* ``GET /queues/{queue_id}``; an unknown id is 404 11000 "Queue does not exist" (our choice:
  no public source gives the code).
* ``GET /queues/{queue_id}/consumers``; ``POST`` it {type "worker", script_name,
  environment_name?, dead_letter_queue?, settings?} or {type "http_pull", settings?};
  ``PUT /queues/{queue_id}/consumers/{consumer_id}`` (same body, replaces);
  ``DELETE`` it. Consumer objects: {consumer_id, type, script and script_name (worker),
  queue_name, dead_letter_queue?, settings, created_on}; settings are the documented
  defaults (batch_size 10, max_retries 3, max_wait_time_ms 5000) overlaid with the body's.
  Refusals: a second worker consumer on a queue 400 11004
  "workers.api.error.consumer_exists" (real code and text, status our choice); a script
  the account lacks 404 10007 (our choice); an unknown consumer 404 11002 "Consumer does
  not exist" (our choice); a malformed body or setting out of range 400 10021 (our choice).
  Ranges: batch_size 1-100, max_retries 0-100, max_wait_time_ms 0-60000, max_concurrency
  1-250 or null, retry_delay 0-43200 seconds and visibility_timeout_ms 0-43200000 (the 12
  hour delay limit of https://developers.cloudflare.com/queues/platform/limits/).
  A ``dead_letter_queue`` that does not exist is created, as the docs say ("If there is no
  queue with the specified name, it will be created automatically"); the queue itself as
  its own dead letter queue is 400 10021 (our choice).
"""

from __future__ import annotations

import re
from typing import Any, Final

from ..app import Response, ok
from ..errors import ReplyError
from ..model import Account, new_id, timestamp
from ..paging import paginate, parse_page_request
from ..permissions import QUEUES_EDIT, QUEUES_READ
from ..resources import Queue, QueueConsumer
from ..routing import ID_PATTERN, RequestContext, Router
from ..state import State
from ..workers import script_not_found
from .workers import account_for

__all__ = ["CONSUMER_DEFAULTS", "CONSUMER_LIMITS", "queue_json", "register"]

_QUEUES: Final = rf"/accounts/(?P<account_id>{ID_PATTERN})/queues"
_QUEUE: Final = rf"{_QUEUES}/(?P<queue_id>{ID_PATTERN})"
_CONSUMER: Final = rf"{_QUEUE}/consumers/(?P<consumer_id>{ID_PATTERN})"
_NAME_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
CONSUMER_DEFAULTS: Final = {"batch_size": 10, "max_retries": 3, "max_wait_time_ms": 5000}
# setting -> (lowest, highest); max_concurrency may also be null (scale freely).
CONSUMER_LIMITS: Final = {
    "batch_size": (1, 100),
    "max_retries": (0, 100),
    "max_wait_time_ms": (0, 60_000),
    "max_concurrency": (1, 250),
    "retry_delay": (0, 43_200),
    "visibility_timeout_ms": (0, 43_200_000),
}
CONSUMER_TYPES: Final = ("worker", "http_pull")


def register(router: Router) -> None:
    router.add("GET", _QUEUES, list_queues)
    router.add("POST", _QUEUES, create_queue)
    router.add("GET", _QUEUE, get_queue)
    router.add("GET", rf"{_QUEUE}/consumers", list_consumers)
    router.add("POST", rf"{_QUEUE}/consumers", create_consumer)
    router.add("PUT", _CONSUMER, update_consumer)
    router.add("DELETE", _CONSUMER, delete_consumer)


def _invalid(message: str) -> ReplyError:
    return ReplyError.single(400, 10021, message)


def _account(ctx: RequestContext, write: bool) -> Account:
    return account_for(ctx, QUEUES_EDIT) if write else account_for(ctx, QUEUES_EDIT, QUEUES_READ)


def _queue(ctx: RequestContext, write: bool) -> Queue:
    account = _account(ctx, write)
    queue = ctx.state.queues.get(ctx.params["queue_id"])
    if queue is None or queue.account_id != account.id:
        raise ReplyError.single(404, 11000, "Queue does not exist")
    return queue


def _body(ctx: RequestContext) -> dict[str, Any]:
    data = ctx.request.json()
    if not isinstance(data, dict):
        raise _invalid("Request body must be a JSON object.")
    return data


def producers(state: State, queue: Queue) -> list[dict[str, Any]]:
    """The Workers whose deployed version produces to the queue."""
    found = []
    for (account_id, name), script in state.workers.items():
        if account_id != queue.account_id:
            continue
        if any(
            b.get("type") == "queue" and b.get("queue_name") == queue.queue_name
            for b in script.bindings()
        ):
            found.append({"type": "worker", "script": name})
    return found


def queue_json(state: State, queue: Queue) -> dict[str, Any]:
    made = producers(state, queue)
    return {
        "queue_id": queue.queue_id,
        "queue_name": queue.queue_name,
        "created_on": queue.created_on,
        "modified_on": queue.modified_on,
        "producers": made,
        "producers_total_count": len(made),
        "consumers": [c.to_json(queue.queue_name) for c in queue.consumers],
        "consumers_total_count": len(queue.consumers),
        "settings": dict(queue.settings),
    }


def list_queues(ctx: RequestContext) -> Response:
    account = _account(ctx, write=False)
    names = ctx.request.query.get("name") or []
    rows = [
        q
        for q in ctx.state.queues.values()
        if q.account_id == account.id and (not names or q.queue_name in names)
    ]
    page = parse_page_request(
        ctx.request.query, default_per_page=100, min_per_page=1, max_per_page=1000
    )
    shown, info = paginate(rows, page, ctx.state.max_page_rows)
    return ok([queue_json(ctx.state, q) for q in shown], result_info=info)


def _new_queue(state: State, account: Account, name: str) -> Queue:
    queue = Queue(queue_id=new_id(), account_id=account.id, queue_name=name)
    state.queues[queue.queue_id] = queue
    return queue


def create_queue(ctx: RequestContext) -> Response:
    account = _account(ctx, write=True)
    body = _body(ctx)
    name = body.get("queue_name")
    if not isinstance(name, str) or _NAME_RE.fullmatch(name) is None:
        raise _invalid(
            "queue_name must be 1 to 63 lowercase letters, digits or dashes, starting with a "
            "letter or digit."
        )
    settings = body.get("settings")
    if settings is not None and not isinstance(settings, dict):
        raise _invalid("settings must be an object.")
    state = ctx.state
    if state.queue_named(account.id, name) is not None:
        raise ReplyError.single(409, 11009, "A queue with this name already exists")
    queue = _new_queue(state, account, name)
    queue.settings.update(settings or {})
    return ok(queue_json(state, queue))


def get_queue(ctx: RequestContext) -> Response:
    return ok(queue_json(ctx.state, _queue(ctx, write=False)))


def list_consumers(ctx: RequestContext) -> Response:
    queue = _queue(ctx, write=False)
    return ok([c.to_json(queue.queue_name) for c in queue.consumers])


def _settings(raw: Any) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _invalid("settings must be an object.")
    settings: dict[str, int | None] = dict(CONSUMER_DEFAULTS)
    for key, value in raw.items():
        if key not in CONSUMER_LIMITS:
            raise _invalid(f"Unknown consumer setting {key}.")
        if value is None and key == "max_concurrency":
            settings[key] = None
            continue
        low, high = CONSUMER_LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _invalid(f"settings.{key} must be a whole number from {low} to {high}.")
        settings[key] = value
    return settings


def _consumer(
    ctx: RequestContext, queue: Queue, body: dict[str, Any], consumer_id: str
) -> QueueConsumer:
    """A consumer from a checked body (the dead letter queue is created when missing)."""
    kind = body.get("type", "worker")
    if kind not in CONSUMER_TYPES:
        raise _invalid(f"type must be one of {', '.join(CONSUMER_TYPES)}.")
    state = ctx.state
    script: str | None = None
    if kind == "worker":
        script = body.get("script_name", body.get("script"))
        if not isinstance(script, str) or not script:
            raise _invalid("A worker consumer needs a script_name.")
        if (queue.account_id, script) not in state.workers:
            raise script_not_found()
    environment = body.get("environment_name") or None
    if environment is not None and not isinstance(environment, str):
        raise _invalid("environment_name must be a string.")
    settings = _settings(body.get("settings"))
    dead_letter = body.get("dead_letter_queue") or None
    if dead_letter is not None:
        if not isinstance(dead_letter, str) or _NAME_RE.fullmatch(dead_letter) is None:
            raise _invalid("dead_letter_queue must be a queue name.")
        if dead_letter == queue.queue_name:
            raise _invalid("A queue cannot be its own dead letter queue.")
    return QueueConsumer(
        consumer_id=consumer_id,
        queue_id=queue.queue_id,
        type=str(kind),
        script=script,
        settings=settings,
        dead_letter_queue=dead_letter,
        environment=environment,
    )


def _ensure_dead_letter(ctx: RequestContext, queue: Queue, consumer: QueueConsumer) -> None:
    name = consumer.dead_letter_queue
    if name is not None and ctx.state.queue_named(queue.account_id, name) is None:
        account = ctx.state.accounts[queue.account_id]
        _new_queue(ctx.state, account, name)


def _consumer_exists() -> ReplyError:
    return ReplyError.single(400, 11004, "workers.api.error.consumer_exists")


def create_consumer(ctx: RequestContext) -> Response:
    queue = _queue(ctx, write=True)
    consumer = _consumer(ctx, queue, _body(ctx), new_id())
    if consumer.type == "worker" and queue.worker_consumer() is not None:
        raise _consumer_exists()
    _ensure_dead_letter(ctx, queue, consumer)
    queue.consumers.append(consumer)
    queue.modified_on = timestamp()
    return ok(consumer.to_json(queue.queue_name))


def _existing(queue: Queue, consumer_id: str) -> QueueConsumer:
    consumer = queue.consumer(consumer_id)
    if consumer is None:
        raise ReplyError.single(404, 11002, "Consumer does not exist")
    return consumer


def update_consumer(ctx: RequestContext) -> Response:
    queue = _queue(ctx, write=True)
    old = _existing(queue, ctx.params["consumer_id"])
    consumer = _consumer(ctx, queue, _body(ctx), old.consumer_id)
    other = queue.worker_consumer()
    if consumer.type == "worker" and other is not None and other is not old:
        raise _consumer_exists()
    consumer.created_on = old.created_on
    _ensure_dead_letter(ctx, queue, consumer)
    queue.consumers[queue.consumers.index(old)] = consumer
    queue.modified_on = timestamp()
    return ok(consumer.to_json(queue.queue_name))


def delete_consumer(ctx: RequestContext) -> Response:
    queue = _queue(ctx, write=True)
    queue.consumers.remove(_existing(queue, ctx.params["consumer_id"]))
    queue.modified_on = timestamp()
    return ok(None)
