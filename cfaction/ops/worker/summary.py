"""What a Worker publish did (or, in a dry run, would do): outputs and the summary.

After a failure the summary says exactly what is live: whether the new version was
uploaded and deployed, which triggers were set and which were not, and that a re-run is
safe (every step replaces or updates in place).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cfaction import markdown
from cfaction.errors import ActionError
from cfaction.ops.base import Notice, Outcome
from cfaction.ops.worker.apply import Published
from cfaction.ops.worker.inputs import INPUT_BINDING, describe_value
from cfaction.ops.worker.plan import WorkerPlan
from cfaction.ops.worker.versions import Released, ReleasePlan


def render(plan: WorkerPlan | ReleasePlan, applied: Published | Released | None) -> Outcome:
    """The outcome of an upload (and its deployment), or of a deployment of a version that
    exists (``version_id``, ``rollback``)."""
    if isinstance(plan, ReleasePlan):
        return render_release(plan, applied if isinstance(applied, Released) else None)
    return render_upload(plan, applied if isinstance(applied, Published) else None)


def render_upload(plan: WorkerPlan, published: Published | None) -> Outcome:
    worker = plan.worker
    dry_run = published is None
    done = published or Published()
    metadata_bindings = plan.metadata.get("bindings", [])  # none for assets only
    sections = [
        _status(plan, done, dry_run),
        *_bundle(plan),
        *_assets(plan, done, dry_run),
        markdown.table(
            ("Module", "Type", "Size"),
            [
                (markdown.code(p.name), p.content_type, f"{len(p.data):,} B")
                for p in plan.upload.modules
            ],
        ),
        _bindings_table(plan, metadata_bindings),
        _triggers(plan, done, dry_run),
    ]
    made = {(r.kind, r.name) for r in done.created}
    if plan.resources:
        sections.append(
            "**Resources**\n\n"
            + "\n".join(
                f"- {markdown.cell(r.describe(done=dry_run or (r.kind, r.name) in made))}"
                for r in plan.resources
            )
            + ("\n\n(dry run: nothing was created)" if dry_run else "")
        )
    if "migrations" in plan.metadata:
        migration = plan.metadata["migrations"]
        sections.append(
            f"Durable Object migrations: {len(migration['steps'])} step(s) to tag "
            f"{markdown.code(migration['new_tag'])}."
        )
    problems: list[ActionError] = []
    if done.problem is not None:
        problems.append(done.problem)
    problems.extend(error for _, error in done.unfinished)
    problems.extend(t.error for t in done.triggers.failed if t.error is not None)
    if done.uploaded and (done.triggers.failed or done.unfinished):
        problems.append(_partial(plan, done))
    warnings = [*plan.warnings, *(Notice("Worker", w) for w in done.warnings)]
    triggers_set = {t.kind: t for t in done.triggers.steps if t.state == "set"}
    return Outcome(
        heading=f"worker · {worker.script_name}" + (" (dry run)" if dry_run else ""),
        markdown="\n\n".join(sections),
        outputs={
            "script_name": worker.script_name,
            "etag": done.etag,
            "version_id": done.version_id,
            "deployment_id": done.deployment_id,
            "previous_version_id": done.previous_version_id,
            "url": done.url,
            "preview_url": done.preview_url,
            "preview_alias_url": done.preview_alias_url,
            "routes": [s.pattern for s in worker.routes]
            if dry_run or "routes" in triggers_set
            else [],
            "custom_domains": list(worker.custom_domains)
            if dry_run or "custom domains" in triggers_set
            else [],
        },
        result={
            "script_name": worker.script_name,
            "account_id": plan.account_id,
            "modules": [
                {"name": p.name, "type": p.content_type, "size": len(p.data)}
                for p in plan.upload.modules
            ],
            "bindings": [{"name": b["name"], "type": b["type"]} for b in metadata_bindings],
            "rollout_percentage": worker.rollout_percentage,
            "version_id": done.version_id,
            "deployment_id": done.deployment_id,
            "uploaded": done.uploaded,
            "workers_dev": plan.workers_dev if "workers.dev" in triggers_set else None,
            "triggers": [
                {"kind": t.kind, "target": t.target, "state": t.state} for t in done.triggers.steps
            ],
            "resources": [
                {
                    "kind": r.kind,
                    "name": r.name,
                    "action": r.action,
                    **({"created": (r.kind, r.name) in made} if r.action == "create" else {}),
                }
                for r in plan.resources
            ],
            "route_zones": {p: z.id for p, z in plan.route_zones.items()},
            "bundle": _bundle_json(plan),
            "assets": _assets_json(plan, done),
        },
        zone=plan.zone,
        account_id=plan.account_id,
        problems=problems,
        warnings=warnings,
    )


def _bundle(plan: WorkerPlan) -> list[str]:
    """One line on the bundle: entry, output, modules, Node.js mode, warnings, time."""
    built = plan.upload.bundle
    if built is None:
        return []
    entry = _entry_label(plan)
    modes = {"v2": "nodejs_compat (v2)", "v1": "nodejs_compat (v1)", "als": "nodejs_als"}
    parts = [
        f"Bundled {markdown.code(entry)} into {markdown.code(built.main_name)} "
        f"({len(built.main):,} B, {built.inputs} input files",
        f", {len(built.modules)} more module(s)" if built.modules else "",
        f", {modes[built.node_compat]}" if built.node_compat else "",
        f", {len(built.warnings)} warning(s)" if built.warnings else "",
        f") with esbuild {markdown.cell(built.esbuild_version)} in {built.seconds:.2f} s.",
    ]
    return ["".join(parts)]


def _assets(plan: WorkerPlan, done: Published, dry_run: bool) -> list[str]:
    """One line on the static assets: what the folder holds and what went up."""
    manifest = plan.upload.assets
    if manifest is None:
        return []
    folder = os.path.relpath(manifest.directory, plan.worker.workspace_root)
    held = (
        f"Assets: {len(manifest.files):,} files ({manifest.total_bytes:,} B) from "
        f"{markdown.code(folder)}" + (f", {manifest.ignored:,} ignored" if manifest.ignored else "")
    )
    sent = done.assets
    if dry_run:
        return [f"{held}; the manifest would go to the upload session (dry run)."]
    if sent is None:
        return [f"{held}; not uploaded."]
    return [
        f"{held}: {sent.uploaded:,} uploaded ({sent.uploaded_bytes:,} B in "
        f"{sent.buckets} request(s)), {sent.already_there:,} already on Cloudflare."
    ]


def _assets_json(plan: WorkerPlan, done: Published) -> dict[str, Any] | None:
    manifest = plan.upload.assets
    if manifest is None:
        return None
    sent = done.assets
    return {
        "files": len(manifest.files),
        "bytes": manifest.total_bytes,
        "ignored": manifest.ignored,
        "uploaded": sent.uploaded if sent else 0,
        "uploaded_bytes": sent.uploaded_bytes if sent else 0,
        "already_there": sent.already_there if sent else 0,
    }


def _entry_label(plan: WorkerPlan) -> str:
    """The entry as the project names it (relative to the config's folder)."""
    entry = plan.worker.entry
    return os.path.relpath(entry, plan.worker.project_root) if entry is not None else ""


def _bundle_json(plan: WorkerPlan) -> dict[str, Any] | None:
    built = plan.upload.bundle
    if built is None:
        return None
    return {
        "entry": _entry_label(plan),
        "main": built.main_name,
        "size": len(built.main),
        "inputs": built.inputs,
        "modules": [m.name for m in built.modules],
        "format": built.format,
        "node_compat": built.node_compat,
        "warnings": list(built.warnings),
        "seconds": round(built.seconds, 3),
        "esbuild": built.esbuild_version,
    }


def _version_status(plan: WorkerPlan, done: Published, dry_run: bool) -> str:
    """``deploy: false``: a version, and where to see it; what serves is unchanged."""
    worker = plan.worker
    if dry_run:
        return (
            f"Compatibility date {worker.compatibility_date}; would upload a version, not deployed."
        )
    if not done.version_id:
        return (
            f"Compatibility date {worker.compatibility_date}; no version was uploaded; the "
            "Worker that was live is unchanged. Re-run the step once the cause is fixed."
        )
    previews = [u for u in (done.preview_url, done.preview_alias_url) if u]
    if previews:
        seen = f" Preview: {', '.join(previews)}."
    elif done.unfinished:
        seen = " Its preview URLs could not be read."
    else:
        seen = " It has no preview URL (previews are off, or it has a Durable Object)."
    return (
        f"Compatibility date {worker.compatibility_date}; uploaded version "
        f"{markdown.code(done.version_id)}, not deployed: what serves is unchanged.{seen}"
    )


def render_release(plan: ReleasePlan, released: Released | None) -> Outcome:
    worker = plan.worker
    dry_run = released is None
    done = released or Released()
    kind = "rollback" if worker.release and worker.release.kind == "rollback" else "deploy"
    shares = ", ".join(f"{markdown.code(v)} at {p:g} %" for v, p in plan.shares)
    if dry_run:
        status = (
            f"Would deploy {shares} (now: {markdown.code(plan.previous_version_id or 'none')})."
        )
    elif done.problem is not None:
        status = (
            f"The {kind} was not deployed: {markdown.cell(done.problem.message)} The version "
            f"that serves is unchanged: {markdown.code(plan.previous_version_id or 'none')}."
        )
    else:
        status = (
            f"Deployed {shares}, replacing {markdown.code(plan.previous_version_id or 'none')}"
            + (" (forced past a change of secrets)" if done.forced else "")
            + "."
        )
    deployed = not dry_run and done.problem is None
    return Outcome(
        heading=f"worker · {worker.script_name} · {kind}" + (" (dry run)" if dry_run else ""),
        markdown=status,
        outputs={
            "script_name": worker.script_name,
            "etag": "",
            "version_id": plan.target if deployed or dry_run else "",
            "deployment_id": done.deployment_id,
            "previous_version_id": plan.previous_version_id,
            "url": "",
            "preview_url": "",
            "preview_alias_url": "",
            "routes": [],
            "custom_domains": [],
        },
        result={
            "script_name": worker.script_name,
            "account_id": plan.account_id,
            "release": kind,
            "versions": [{"version_id": v, "percentage": p} for v, p in plan.shares],
            "previous_version_id": plan.previous_version_id,
            "deployment_id": done.deployment_id,
            "forced": done.forced,
        },
        zone=plan.zone,
        account_id=plan.account_id,
        problems=[done.problem] if done.problem is not None else [],
        notes=list(done.notes),
    )


def _status(plan: WorkerPlan, done: Published, dry_run: bool) -> str:
    worker = plan.worker
    if not worker.deploy:
        return _version_status(plan, done, dry_run)
    rollout = (
        f"{worker.rollout_percentage:g} % of traffic (gradual rollout)"
        if worker.rollout_percentage < 100
        else "100 % of traffic"
    )
    if dry_run:
        return f"Compatibility date {worker.compatibility_date}; would be published to {rollout}."
    if done.problem is not None:
        return f"Compatibility date {worker.compatibility_date}; publishing stopped: " + (
            _not_deployed(plan, done) if done.version_id else _nothing_published(done)
        )
    beside = (
        f" beside version {markdown.code(done.previous_version_id)}"
        if worker.rollout_percentage < 100 and done.previous_version_id
        else ""
    )
    return (
        f"Compatibility date {worker.compatibility_date}; version "
        f"{markdown.code(done.version_id or 'unknown')} is live: published to {rollout}{beside}."
    )


def _not_deployed(plan: WorkerPlan, done: Published) -> str:
    """The upload went through, its deployment did not."""
    serving = plan.serving_version
    return (
        f"version {markdown.code(done.version_id)} was uploaded but is not deployed; the "
        "version that serves is unchanged"
        + (f" ({markdown.code(serving)})" if serving else "")
        + ", and no trigger was set. Re-run the step (it uploads again; nothing is applied "
        f"twice), or deploy this version with version_id: {done.version_id}."
    )


def _nothing_published(done: Published) -> str:
    created = (
        " The resources listed below as created exist now; a re-run finds them."
        if done.created
        else ""
    )
    return (
        "nothing was published; the Worker that was live is unchanged, and no trigger was "
        f"set.{created} Re-run the step once the cause is fixed."
    )


def _partial(plan: WorkerPlan, done: Published) -> ActionError:
    """What is live after a failure that came after the upload (and its deployment)."""
    worker = plan.worker
    failed = [what for what, _ in done.unfinished]
    failed += [f"setting {t.kind} ({t.target})" for t in done.triggers.failed]
    set_ = [f"{t.kind} ({t.target})" for t in done.triggers.steps if t.state == "set"]
    if not worker.deploy:
        return ActionError(
            f"Version {done.version_id or '(unknown)'} of {worker.script_name} was uploaded "
            f"(not deployed: what serves is unchanged), but {', '.join(failed)} failed. Re-run "
            "the step: it uploads the version again, and nothing else changes.",
            title="Worker version incomplete",
        )
    share = worker.rollout_percentage
    live = f" at {share:g} % of traffic" if share < 100 else ""
    return ActionError(
        f"Version {done.version_id or '(unknown)'} of {worker.script_name} is live{live}, but "
        f"{', '.join(failed)} failed"
        + (f"; set: {', '.join(set_)}" if set_ else "")
        + ". Re-run the step: every step replaces or updates what it sets, so nothing is "
        "applied twice.",
        title="Worker triggers incomplete" if done.triggers.failed else "Worker publish incomplete",
    )


def _bindings_table(plan: WorkerPlan, metadata_bindings: list[dict[str, Any]]) -> str:
    if not metadata_bindings:
        return "No bindings."
    worker = plan.worker
    sources = {b.name: b.where for b in worker.bindings}
    sources.update({name: "the secrets input" for name in worker.secrets})
    sources.update(worker.var_sources)
    rows = [
        (
            markdown.code(b["name"]),
            b["type"],
            _binding_value(b),
            markdown.cell(_source(sources.get(b["name"], ""))),
        )
        for b in metadata_bindings
    ]
    return markdown.table(("Binding", "Type", "Value", "From"), rows)


def _source(where: str) -> str:
    if where.startswith(INPUT_BINDING) or where.startswith("the "):
        return where.split(" [", 1)[0]
    return f"config ({where})" if where else "config"


def _binding_value(binding: Mapping[str, Any]) -> str:
    kind = binding["type"]
    if kind in ("secret_text", "secret_key"):
        return "(secret)"
    if kind == "plain_text":
        return markdown.code(describe_value(binding.get("text", "")))
    if kind == "json":
        return markdown.code(describe_value(binding.get("json")))
    if kind == "inherit":
        return "(kept from the deployed Worker)"
    details = {k: v for k, v in binding.items() if k not in ("type", "name")}
    return markdown.cell(", ".join(f"{k}={v}" for k, v in details.items()))


def _triggers(plan: WorkerPlan, published: Published, dry_run: bool) -> str:
    worker = plan.worker
    if dry_run:
        rows = [("route", markdown.code(spec.pattern), "would be set") for spec in worker.routes]
        rows += [
            ("custom domain", markdown.code(host), "would be set") for host in worker.custom_domains
        ]
        rows.append(
            ("workers.dev", "", "would be enabled" if plan.workers_dev else "would be disabled")
        )
        if worker.config.crons is not None:
            rows.append(("crons", markdown.code(", ".join(worker.config.crons)), "would be set"))
        for consumer in worker.config.queue_consumers:
            rows.append(("queue consumer", markdown.code(consumer.queue), "would be set"))
        return markdown.table(("Trigger", "Value", "State"), rows)
    if not published.triggers.steps:
        return (
            "No triggers were set."
            if published.uploaded
            else "No triggers were set: the run stopped before them."
        )
    rows = []
    for step in published.triggers.steps:
        shown_url = step.kind == "workers.dev" and step.state == "set" and published.url
        value = published.url if shown_url else step.target
        state = {"set": "✅ set", "failed": "❌ failed", "not attempted": "not attempted"}[
            step.state
        ]
        rows.append((step.kind, markdown.cell(value), state))
    return markdown.table(("Trigger", "Value", "State"), rows)
