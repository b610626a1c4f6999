"""What a Worker publish did (or, in a dry run, would do): outputs and the summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cfaction import markdown
from cfaction.ops.base import Notice, Outcome
from cfaction.ops.worker.apply import Published
from cfaction.ops.worker.inputs import describe_value
from cfaction.ops.worker.plan import WorkerPlan


def render(plan: WorkerPlan, published: Published | None) -> Outcome:
    worker = plan.worker
    dry_run = published is None
    done = published or Published()
    bindings = plan.metadata["bindings"]
    sections = [
        markdown.table(
            ("Module", "Type", "Size"),
            [(markdown.code(p.name), p.content_type, f"{len(p.data):,} B") for p in plan.parts],
        ),
        markdown.table(
            ("Binding", "Type", "Value"),
            [(markdown.code(b["name"]), b["type"], _binding_value(b)) for b in bindings],
        )
        if bindings
        else "No bindings.",
        _triggers(plan, done, dry_run),
    ]
    if worker.unsupported:
        sections.append(
            "Config keys not applied: " + ", ".join(markdown.code(k) for k in worker.unsupported)
        )
    rollout = (
        f"{worker.rollout_percentage:g} % of traffic (gradual rollout)"
        if worker.rollout_percentage < 100
        else "100 % of traffic"
    )
    summary = (
        f"Compatibility date {worker.compatibility_date}; "
        f"{'would be published' if dry_run else 'published'} to {rollout}."
    )
    if done.problem is not None:
        live = (
            f"version {done.version_id} was uploaded, its triggers may be incomplete"
            if done.version_id
            else "nothing was published"
        )
        summary = f"Compatibility date {worker.compatibility_date}; publishing stopped: {live}."
    warnings = list(plan.warnings) + [
        Notice("Worker config", f"{worker.config_path}: '{key}' is not applied by cfaction.")
        for key in worker.unsupported
    ]
    return Outcome(
        heading=f"worker · {worker.script_name}" + (" (dry run)" if dry_run else ""),
        markdown="\n\n".join([summary, *sections]),
        outputs={
            "script_name": worker.script_name,
            "etag": done.etag,
            "version_id": done.version_id,
            "deployment_id": done.deployment_id,
            "url": done.url,
            "routes": [s.pattern for s in worker.routes] if dry_run else done.routes,
            "custom_domains": list(worker.custom_domains) if dry_run else done.custom_domains,
        },
        result={
            "script_name": worker.script_name,
            "account_id": plan.account_id,
            "modules": [
                {"name": p.name, "type": p.content_type, "size": len(p.data)} for p in plan.parts
            ],
            "bindings": [{"name": b["name"], "type": b["type"]} for b in bindings],
            "rollout_percentage": worker.rollout_percentage,
            "version_id": done.version_id,
            "deployment_id": done.deployment_id,
            "workers_dev": done.workers_dev,
            "route_zones": {p: z.id for p, z in plan.route_zones.items()},
        },
        zone=plan.zone,
        account_id=plan.account_id,
        problems=[done.problem] if done.problem else [],
        warnings=warnings,
    )


def _binding_value(binding: Mapping[str, Any]) -> str:
    kind = binding["type"]
    if kind in ("secret_text", "secret_key"):
        return "(secret)"
    if kind == "plain_text":
        return markdown.code(describe_value(binding.get("text", "")))
    if kind == "json":
        return markdown.code(describe_value(binding.get("json")))
    details = {k: v for k, v in binding.items() if k not in ("type", "name")}
    return markdown.cell(", ".join(f"{k}={v}" for k, v in details.items()))


def _triggers(plan: WorkerPlan, published: Published, dry_run: bool) -> str:
    worker = plan.worker
    rows = [("route", markdown.code(spec.pattern)) for spec in worker.routes]
    rows += [("custom domain", markdown.code(host)) for host in worker.custom_domains]
    if published.url:
        rows.append(("workers.dev", published.url))
    elif published.workers_dev is False:
        rows.append(("workers.dev", "disabled"))
    elif dry_run:
        rows.append(
            ("workers.dev", "would be enabled" if plan.workers_dev else "would be disabled")
        )
    return markdown.table(("Trigger", "Value"), rows) if rows else "No triggers."
