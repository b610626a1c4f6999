"""Deploying a version that exists (``version_id``) or the one before the current
deployment (``rollback``), without uploading anything, as ``wrangler versions deploy`` and
``wrangler rollback`` do (workers-sdk ``packages/wrangler/src/versions/deploy.ts``,
``packages/wrangler/src/versions/rollback/index.ts``).

One read (``GET …/deployments``) says what serves now; one write (``POST …/deployments``)
deploys. A rollback picks what wrangler picks: the newest deployment before the current one
that has a version at 100 %. When Cloudflare refuses a rollback because the Worker's secrets
changed since that version (10220), it is sent again with ``force=true``, as wrangler's
non-interactive confirmation does.

A deployment is not safe to send twice (each one is a new entry of the history, which a
later rollback reads), so when its answer is lost the deployments are read first
(:func:`deployment_made`): one with the same versions, shares and message, made since the
request went out, is the one it made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cfaction.client import Client, created_at
from cfaction.errors import ActionError, APIError, CloudflareError, InputError, NotFoundError
from cfaction.ops.base import Context
from cfaction.ops.worker.inputs import WorkerInputs
from cfaction.permissions import WORKERS_SCRIPTS_EDIT
from cfaction.zones import Zone

SECRETS_CHANGED = 10220
"""Cloudflare's code for a rollback past a change of secrets (wrangler asks, then forces)."""


@dataclass(frozen=True)
class Deployment:
    """One deployment as the API lists it: its versions and their shares."""

    id: str
    created_on: str
    versions: tuple[tuple[str, float], ...]

    @property
    def full_version(self) -> str | None:
        """The version serving all traffic, if one does."""
        return next((v for v, share in self.versions if share >= 100), None)


@dataclass(frozen=True)
class ReleasePlan:
    """What is deployed now and what will be."""

    worker: WorkerInputs
    account_id: str
    zone: Zone | None
    current: Deployment | None
    target: str
    """The version to deploy."""
    shares: tuple[tuple[str, float], ...]
    """The new deployment's versions and percentages."""

    @property
    def script_path(self) -> str:
        return f"/accounts/{self.account_id}/workers/scripts/{self.worker.script_name}"

    @property
    def previous_version_id(self) -> str:
        """The version that served most of the traffic before this deploy."""
        if self.current is None or not self.current.versions:
            return ""
        return max(self.current.versions, key=lambda item: item[1])[0]


@dataclass
class Released:
    deployment_id: str = ""
    forced: bool = False
    problem: ActionError | None = None
    notes: list[str] = field(default_factory=list)


def plan_release(
    ctx: Context, worker: WorkerInputs, account_id: str, zone: Zone | None
) -> ReleasePlan:
    """Read the deployments and decide the new one (reads only).

    :raises InputError: when there is nothing to roll back to, or no serving version to
        deploy beside.
    """
    release = worker.release
    assert release is not None
    path = f"/accounts/{account_id}/workers/scripts/{worker.script_name}"
    history = deployments(ctx.client, path)
    current = history[0] if history else None
    if release.kind == "rollback":
        target = rollback_target(history)
        if target is None:
            raise InputError(
                "rollback",
                f"finds no earlier version of {worker.script_name} that served all traffic.",
                "Deploy a version with version_id instead, or publish the Worker first.",
            )
        shares: tuple[tuple[str, float], ...] = ((target, 100.0),)
    else:
        target = release.version_id
        share = worker.rollout_percentage
        shares = ((target, 100.0),)
        if share < 100:
            serving = stable_version(history)
            if serving is None or serving == target:
                raise InputError(
                    "rollout_percentage",
                    "deploys the version beside the one that serves now, and no other "
                    "version serves.",
                    "Deploy it to 100 % (remove rollout_percentage), or publish a version first.",
                )
            shares = ((target, share), (serving, round(100.0 - share, 2)))
    return ReleasePlan(worker, account_id, zone, current, target, shares)


def apply_release(ctx: Context, plan: ReleasePlan) -> Released:
    released = Released()
    message = plan.worker.message
    body: dict[str, Any] = {
        "strategy": "percentage",
        "versions": [{"version_id": v, "percentage": p} for v, p in plan.shares],
        "annotations": {"workers/message": message} if message else {},
    }
    path = f"{plan.script_path}/deployments"
    try:
        try:
            result = _post(ctx.client, path, body, force=False)
        except APIError as error:
            if plan.worker.release is None or plan.worker.release.kind != "rollback":
                raise
            if SECRETS_CHANGED not in error.codes():
                raise
            released.forced = True
            released.notes.append(
                "The Worker's secrets changed since that version; deployed it anyway "
                "(force=true), as wrangler rollback does when it cannot ask."
            )
            result = _post(ctx.client, path, body, force=True)
    except CloudflareError as error:
        released.problem = error
        return released
    released.deployment_id = str(result.get("id") or "")
    ctx.progress(
        f"Deployed version {plan.target} of {plan.worker.script_name} "
        f"({', '.join(f'{v} at {p:g} %' for v, p in plan.shares)})."
    )
    return released


def _post(client: Client, path: str, body: Mapping[str, Any], *, force: bool) -> dict[str, Any]:
    return post_deployment(client, path, body, params={"force": "true"} if force else None)


def post_deployment(
    client: Client,
    path: str,
    body: Mapping[str, Any],
    params: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``POST …/deployments`` (``path``), retried as every write is; after a lost answer,
    the deployment it made is looked for before it is sent again."""
    script_path = path.removesuffix("/deployments")
    envelope = client.write(
        "POST",
        path,
        params=params,
        json_body=dict(body),
        permission=WORKERS_SCRIPTS_EDIT,
        check=lambda since: deployment_made(client, script_path, body, since),
    )
    return envelope.result if isinstance(envelope.result, dict) else {}


def deployment_made(
    client: Client, script_path: str, body: Mapping[str, Any], since: float
) -> dict[str, Any] | None:
    """The deployment ``body`` describes, made at or after ``since`` (epoch seconds, by
    Cloudflare's clock), or None: the same versions at the same shares and, when the body
    has a message, that message (Cloudflare may keep only its start)."""
    try:
        result = client.get(f"{script_path}/deployments", permission=WORKERS_SCRIPTS_EDIT)
    except NotFoundError:
        return None
    rows = result.get("deployments") if isinstance(result, Mapping) else None
    wanted = _shares(body.get("versions"))
    message = str((body.get("annotations") or {}).get("workers/message") or "")
    for row in rows or []:
        if not isinstance(row, Mapping):
            continue
        made = created_at(row.get("created_on"))
        if made is None or made < since or _shares(row.get("versions")) != wanted:
            continue
        kept = str((row.get("annotations") or {}).get("workers/message") or "")
        if message and not (kept and message.startswith(kept)):
            continue
        return dict(row)
    return None


def _shares(versions: Any) -> set[tuple[str, float]]:
    return {
        (str(v.get("version_id")), round(float(v.get("percentage") or 0), 2))
        for v in versions or []
        if isinstance(v, Mapping)
    }


def deployments(client: Client, script_path: str) -> list[Deployment]:
    """The Worker's deployments, newest first (an unknown Worker has none)."""
    try:
        result = client.get(f"{script_path}/deployments", permission=WORKERS_SCRIPTS_EDIT)
    except NotFoundError:
        return []
    rows = result.get("deployments") if isinstance(result, Mapping) else None
    found = [_deployment(row) for row in rows or [] if isinstance(row, Mapping)]
    return sorted(found, key=lambda d: d.created_on, reverse=True)


def _deployment(row: Mapping[str, Any]) -> Deployment:
    versions = tuple(
        (str(v.get("version_id")), float(v.get("percentage") or 0))
        for v in row.get("versions") or []
        if isinstance(v, Mapping)
    )
    return Deployment(str(row.get("id") or ""), str(row.get("created_on") or ""), versions)


def rollback_target(history: Sequence[Deployment]) -> str | None:
    """wrangler's choice: skip the newest deployment, take the first version at 100 % in
    the ones before it. One refinement: a deployment of the version that serves now is
    skipped too (a deploy with a ``message`` deploys its version twice), so a rollback
    always changes the version."""
    serving = _serving(history[0]) if history else None
    for deployment in history[1:]:
        version = deployment.full_version
        if version is not None and version != serving:
            return version
    return None


def _serving(current: Deployment | None) -> str | None:
    """The version with the largest share of ``current``."""
    if current is None or not current.versions:
        return None
    return max(current.versions, key=lambda item: item[1])[0]


def stable_version(history: Sequence[Deployment]) -> str | None:
    """The version a gradual rollout keeps serving beside the one it deploys: the version
    that serves now, and while a rollout is under way (two versions share the traffic) the
    one of them that last served all traffic, whatever its share now. So the next deploy
    during a rollout, or a re-run after a failed one, replaces the version being rolled out
    and keeps the stable one. (``history`` newest first; None when nothing serves.)"""
    if not history or not history[0].versions:
        return None
    current = [version for version, _ in history[0].versions]
    if len(current) == 1:
        return current[0]
    for earlier in history[1:]:
        if earlier.full_version in current:
            return earlier.full_version
    return _serving(history[0])
