"""``deployment_environment`` end to end: a GitHub Deployment around a Worker publish, on a
recorded-shape ``pull_request`` event, against the emulator's Cloudflare and GitHub APIs:
created ``in_progress`` before the Worker is applied, then ``success`` with the Worker's URL
or ``failure``; three GitHub calls in all."""

from __future__ import annotations

from pathlib import Path

import pytest

from cfemu import Emulator, Fault
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN
from cfemu.github import READ_TOKEN, WRITE_TOKEN, GitHubDeployment
from cfemu.runner import StepResult, run_step

pytestmark = pytest.mark.e2e

EVENT = Path(__file__).resolve().parents[1] / "data" / "pull_request_event.json"
HEAD_SHA = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
"""pull_request.head.sha of the event: the commit the deployment is for."""
SECRET = "s3cret-value-123"
PROJECT: dict[str, str | bytes] = {
    "wrangler.toml": (
        'name = "app"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n'
        "no_bundle = true\nworkers_dev = true\npreview_urls = true\n"
    ),
    "src/index.js": "export default { fetch() { return new Response('hi'); } };\n",
}
CREATE = "POST /repos/octo/site/deployments"


def worker_step(emulator: Emulator, event_name: str = "pull_request", **inputs: str) -> StepResult:
    emulator.github.log.clear()
    emulator.log.clear()
    given = {
        "operation": "worker",
        "api_token": DEMO_TOKEN,
        "account_id": DEMO_ACCOUNT_ID,
        "api_base_url": emulator.base_url,
        "max_retries": "1",
        "config": "wrangler.toml",
        "secrets": f"API_KEY={SECRET}",
        "deployment_environment": "preview",
        "github_token": WRITE_TOKEN,
        "github_api_url": emulator.github_url,
        **inputs,
    }
    env = {"GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(EVENT)}
    return run_step(given, files=PROJECT, env=env)


def calls(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.github.log]


def only_deployment(emulator: Emulator) -> GitHubDeployment:
    (deployment,) = emulator.github.deployments.values()
    return deployment


def test_a_deploy_records_a_deployment_with_the_workers_dev_url(emulator: Emulator) -> None:
    emulator.github.add_pull_request("octo/site", 7)

    # A var that holds a secret's value: the summary's bindings table would show it.
    run = worker_step(
        emulator, deployment_environment="production", pr_comment="true", vars=f"ECHO={SECRET}"
    )

    assert run.exit_code == 0, run.stdout
    deployment = only_deployment(emulator)
    assert (deployment.sha, deployment.environment) == (HEAD_SHA, "production")
    assert [s.state for s in deployment.statuses] == ["in_progress", "success"]
    assert deployment.statuses[-1].environment_url == run.outputs["url"]
    assert run.outputs["url"] == "https://app.demo-account.workers.dev"
    assert deployment.statuses[-1].log_url == "https://github.com/octo/site/actions/runs/1000001"
    statuses = f"POST /repos/octo/site/deployments/{deployment.id}/statuses"
    assert calls(emulator)[:3] == [CREATE, statuses, statuses]
    # Created (in progress) before the Worker was uploaded, finished after it was deployed.
    created, started, finished = emulator.github.log[:3]
    (upload,) = [r for r in emulator.log if r.method == "PUT"]
    assert created.at < started.at < upload.at < finished.at
    assert created.json["required_contexts"] == [] and created.json["auto_merge"] is False
    # No secret in any GitHub payload, the comment's included.
    payloads = emulator.github.payloads()
    assert len(payloads) == 4  # 3 deployment writes and the comment
    for secret in (SECRET, DEMO_TOKEN, WRITE_TOKEN):
        assert all(secret not in p for p in payloads), secret
    (comment,) = emulator.github.comments_on("octo/site", 7)
    assert "ECHO" in comment.body and "***" in comment.body


def test_a_preview_upload_links_the_preview_url(emulator: Emulator) -> None:
    worker_step(emulator, deployment_environment="production")  # the Worker exists

    run = worker_step(emulator, deploy="false", preview_alias="pr-7")

    assert run.exit_code == 0, run.stdout
    preview = [d for d in emulator.github.deployments.values() if d.environment == "preview"]
    (deployment,) = preview
    assert [s.state for s in deployment.statuses] == ["in_progress", "success"]
    assert deployment.statuses[-1].environment_url == run.outputs["preview_alias_url"]
    assert run.outputs["preview_alias_url"].startswith("https://pr-7-app.")
    assert len(calls(emulator)) == 3


def test_a_failed_publish_sets_the_failure_status(emulator: Emulator) -> None:
    emulator.faults.add(
        Fault(kind="status", status=500, method="PUT", path=r"/workers/scripts/app$", times=0)
    )

    run = worker_step(emulator)

    assert run.exit_code == 1
    deployment = only_deployment(emulator)
    assert [s.state for s in deployment.statuses] == ["in_progress", "failure"]
    assert deployment.statuses[-1].environment_url == ""
    assert "failed" in deployment.statuses[-1].description


def test_a_read_only_token_is_a_warning_and_the_worker_is_deployed(emulator: Emulator) -> None:
    run = worker_step(emulator, github_token=READ_TOKEN)

    assert run.exit_code == 0, run.stdout
    assert run.outputs["version_id"]
    assert calls(emulator) == [CREATE]
    assert emulator.github.deployments == {}
    (warning,) = [c.data for c in run.annotations("warning")]
    assert "permissions: deployments: write" in warning


def test_a_push_deploys_the_pushed_commit(emulator: Emulator) -> None:
    run = worker_step(emulator, event_name="push")

    assert run.exit_code == 0, run.stdout
    assert only_deployment(emulator).sha == "0" * 40  # GITHUB_SHA


def test_a_dry_run_records_no_deployment(emulator: Emulator) -> None:
    run = worker_step(emulator, dry_run="true")

    assert run.exit_code == 0, run.stdout
    assert emulator.github.log == []
    assert "a dry run records no GitHub deployment" in run.stdout
