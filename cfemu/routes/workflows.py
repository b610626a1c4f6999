"""Workflows (https://developers.cloudflare.com/api/resources/workflows/).

Paths are under ``/accounts/{account_id}``; each checks the account (else 404 7003/7000),
then "workflows:edit" (GETs also take "workflows:read"; else 403 10000).

* ``PUT /workflows/{workflow_name}`` {script_name, class_name, limits?: {steps?},
  schedules?: [{cron}]} creates or updates the Workflow and answers it: {id, name,
  script_name, class_name, created_on, modified_on, triggered_on, limits?, schedules?}.
  Names of 1-64 letters, digits, dashes and underscores (our choice) and a malformed
  body are 400 10021 (our choice); ``limits.steps`` must be a whole number from 1 to 25000
  (https://developers.cloudflare.com/workflows/reference/limits/); each schedule's cron
  is checked as crons.py does; a ``script_name`` the account lacks is 404 10007 "This
  Worker does not exist on your account." (our choice).
* ``GET /workflows/{workflow_name}``: unknown 404 10200 "Workflow not found" (code real:
  wrangler reads 10200 as absent). ``DELETE`` it (answers null; unknown: 10200).
* ``GET /workflows`` (``page``, ``per_page`` 1..100, default 10, our choice): the account's
  Workflows in creation order, with result_info.

A ``workflow`` binding in an upload ({type, name, workflow_name, class_name,
script_name?}) is stored as sent; it needs no Workflow to exist.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Final

from ..app import Response, ok
from ..crons import cron_problem
from ..errors import ReplyError
from ..model import Account, timestamp
from ..paging import paginate, parse_page_request
from ..permissions import WORKFLOWS_EDIT, WORKFLOWS_READ
from ..resources import Workflow, new_uuid
from ..routing import ID_PATTERN, RequestContext, Router
from ..workers import script_not_found
from .workers import account_for

__all__ = ["MAX_WORKFLOW_STEPS", "register"]

_WORKFLOWS: Final = rf"/accounts/(?P<account_id>{ID_PATTERN})/workflows"
_WORKFLOW: Final = rf"{_WORKFLOWS}/(?P<workflow_name>[^/]+)"
_NAME_RE: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
MAX_WORKFLOW_STEPS: Final = 25_000


def register(router: Router) -> None:
    router.add("GET", _WORKFLOWS, list_workflows)
    router.add("PUT", _WORKFLOW, put_workflow)
    router.add("GET", _WORKFLOW, get_workflow)
    router.add("DELETE", _WORKFLOW, delete_workflow)


def _invalid(message: str) -> ReplyError:
    return ReplyError.single(400, 10021, message)


def _account(ctx: RequestContext, write: bool) -> Account:
    if write:
        return account_for(ctx, WORKFLOWS_EDIT)
    return account_for(ctx, WORKFLOWS_EDIT, WORKFLOWS_READ)


def _name(ctx: RequestContext) -> str:
    return urllib.parse.unquote(ctx.params["workflow_name"])


def _workflow(ctx: RequestContext, write: bool) -> Workflow:
    account = _account(ctx, write)
    workflow = ctx.state.workflows.get((account.id, _name(ctx)))
    if workflow is None:
        raise ReplyError.single(404, 10200, "Workflow not found")
    return workflow


def _limits(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _invalid("limits must be an object.")
    steps = raw.get("steps")
    if steps is not None and (
        isinstance(steps, bool)
        or not isinstance(steps, int)
        or not 1 <= steps <= MAX_WORKFLOW_STEPS
    ):
        raise _invalid(f"limits.steps must be a whole number from 1 to {MAX_WORKFLOW_STEPS}.")
    return dict(raw)


def _schedules(raw: Any) -> list[dict[str, Any]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise _invalid("schedules must be a list of {cron} objects.")
    for item in raw:
        problem = cron_problem(item.get("cron"))
        if problem is not None:
            raise _invalid(f"Invalid cron expression {item.get('cron')!r}: {problem}.")
    return [{"cron": item["cron"]} for item in raw]


def put_workflow(ctx: RequestContext) -> Response:
    account = _account(ctx, write=True)
    name = _name(ctx)
    if _NAME_RE.fullmatch(name) is None:
        raise _invalid("A Workflow name is 1 to 64 letters, digits, dashes or underscores.")
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise _invalid("Request body must be a JSON object.")
    script_name = body.get("script_name")
    class_name = body.get("class_name")
    if not isinstance(script_name, str) or not script_name:
        raise _invalid("script_name is required.")
    if not isinstance(class_name, str) or not class_name:
        raise _invalid("class_name is required.")
    limits = _limits(body.get("limits"))
    schedules = _schedules(body.get("schedules"))
    state = ctx.state
    if (account.id, script_name) not in state.workers:
        raise script_not_found()
    workflow = state.workflows.get((account.id, name))
    if workflow is None:
        workflow = Workflow(
            id=new_uuid(),
            account_id=account.id,
            name=name,
            script_name=script_name,
            class_name=class_name,
        )
        state.workflows[(account.id, name)] = workflow
    else:
        workflow.script_name = script_name
        workflow.class_name = class_name
        workflow.modified_on = timestamp()
    workflow.limits = limits
    workflow.schedules = schedules
    return ok(workflow.to_json())


def get_workflow(ctx: RequestContext) -> Response:
    return ok(_workflow(ctx, write=False).to_json())


def delete_workflow(ctx: RequestContext) -> Response:
    workflow = _workflow(ctx, write=True)
    del ctx.state.workflows[(workflow.account_id, workflow.name)]
    return ok(None)


def list_workflows(ctx: RequestContext) -> Response:
    account = _account(ctx, write=False)
    rows = [w for (owner, _), w in ctx.state.workflows.items() if owner == account.id]
    page = parse_page_request(
        ctx.request.query, default_per_page=10, min_per_page=1, max_per_page=100
    )
    shown, info = paginate(rows, page, ctx.state.max_page_rows)
    return ok([w.to_json() for w in shown], result_info=info)
