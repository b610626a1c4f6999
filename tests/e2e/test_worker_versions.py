"""Versions end to end, through the entrypoint as the runner runs it, against the emulator:
a version per pull request (``deploy: false``) with its preview URL and alias, promoting a
version (``version_id``), rolling back, ``deployment_id`` and ``previous_version_id`` on every
deploy, secrets of any shape (a PEM key from a file), and the call budget of each."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, DEMO_WORKERS_SUBDOMAIN
from cfemu.runner import StepResult, run_step

pytestmark = pytest.mark.e2e

TOML = """\
name = "app"
main = "src/index.js"
compatibility_date = "2026-11-01"
no_bundle = true
workers_dev = true
preview_urls = true
"""
PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
    "b2NhbGhvc3QgdGVzdCBrZXkgb25seSBub3QgcmVhbA==\n-----END PRIVATE KEY-----"
)


def files(text: str = "v1") -> dict[str, str | bytes]:
    return {
        "wrangler.toml": TOML,
        "src/index.js": f"export default {{ fetch() {{ return new Response('{text}'); }} }};\n",
    }


def step(
    emulator: Emulator, project: dict[str, str | bytes] | None = None, **inputs: str
) -> StepResult:
    emulator.log.clear()
    given = {
        "operation": "worker",
        "api_token": DEMO_TOKEN,
        "account_id": DEMO_ACCOUNT_ID,
        "api_base_url": emulator.base_url,
        "max_retries": "1",
        **inputs,
    }
    return run_step(given, files=project)


def deploy(emulator: Emulator, text: str = "v1", **inputs: str) -> StepResult:
    run = step(emulator, files(text), config="wrangler.toml", **inputs)
    assert run.exit_code == 0, run.stdout
    return run


def calls(emulator: Emulator) -> list[str]:
    prefix = f"/accounts/{DEMO_ACCOUNT_ID}/workers/scripts/app"
    return [f"{r.method} {r.path.replace(prefix, '')}" for r in emulator.log]


def script(emulator: Emulator) -> Any:
    return emulator.state.worker(DEMO_ACCOUNT_ID, "app")


def serving(emulator: Emulator) -> dict[str, float]:
    deployment = script(emulator).latest_deployment()
    return {v["version_id"]: v["percentage"] for v in deployment.versions}


def test_every_deploy_reports_its_deployment_and_the_version_it_replaced(
    emulator: Emulator,
) -> None:
    first = deploy(emulator)
    second = deploy(emulator, "v2")

    assert first.outputs["previous_version_id"] == ""
    assert first.outputs["deployment_id"] == script(emulator).deployments[0].id
    assert second.outputs["previous_version_id"] == first.outputs["version_id"]
    assert second.outputs["deployment_id"] == script(emulator).latest_deployment().id
    assert serving(emulator) == {second.outputs["version_id"]: 100}


def test_a_pull_request_version_is_uploaded_with_its_preview_urls_and_not_deployed(
    emulator: Emulator,
) -> None:
    live = deploy(emulator).outputs["version_id"]

    run = step(
        emulator,
        files("preview"),
        config="wrangler.toml",
        deploy="false",
        preview_alias="pr-42",
        message="PR #42",
    )

    assert run.exit_code == 0, run.stdout
    assert calls(emulator) == [
        "POST /versions",
        f"GET /accounts/{DEMO_ACCOUNT_ID}/workers/subdomain",
    ]
    version_id = run.outputs["version_id"]
    host = f"app.{DEMO_WORKERS_SUBDOMAIN}.workers.dev"
    assert run.outputs["preview_url"] == f"https://{version_id[:8]}-{host}"
    assert run.outputs["preview_alias_url"] == f"https://pr-42-{host}"
    assert serving(emulator) == {live: 100}  # the live deployment is untouched
    previewed = emulator.state.preview_url_version(run.outputs["preview_alias_url"])
    assert previewed is not None and previewed.id == version_id
    assert previewed.annotations["workers/message"] == "PR #42"
    assert run.outputs["deployment_id"] == ""
    assert "not deployed" in run.summary

    again = step(
        emulator, files("preview 2"), config="wrangler.toml", deploy="false", preview_alias="pr-42"
    )

    moved = emulator.state.preview_url_version(again.outputs["preview_alias_url"])
    assert moved is not None and moved.id == again.outputs["version_id"] != version_id


def test_a_version_of_a_worker_that_does_not_exist_says_to_deploy_first(
    emulator: Emulator,
) -> None:
    run = step(emulator, files(), config="wrangler.toml", deploy="false")

    assert run.exit_code == 1
    [error] = run.annotations("error")
    assert "Deploy it once (deploy: true)" in error.data


def test_a_version_is_promoted_later_in_two_calls(emulator: Emulator) -> None:
    live = deploy(emulator).outputs["version_id"]
    candidate = step(emulator, files("v2"), config="wrangler.toml", deploy="false").outputs[
        "version_id"
    ]

    run = step(emulator, script_name="app", version_id=candidate, message="ship v2")

    assert run.exit_code == 0, run.stdout
    assert calls(emulator) == ["GET /deployments", "POST /deployments"]
    assert serving(emulator) == {candidate: 100}
    assert (run.outputs["version_id"], run.outputs["previous_version_id"]) == (candidate, live)
    assert script(emulator).latest_deployment().annotations == {"workers/message": "ship v2"}

    gradual = step(emulator, script_name="app", version_id=live, rollout_percentage="25")

    assert gradual.exit_code == 0, gradual.stdout
    assert serving(emulator) == {live: 25, candidate: 75}


def test_a_rollout_keeps_the_stable_version_beside_whatever_is_rolled_out(
    emulator: Emulator,
) -> None:
    stable = deploy(emulator).outputs["version_id"]
    canary = deploy(emulator, "v2", rollout_percentage="60").outputs["version_id"]
    assert serving(emulator) == {canary: 60, stable: 40}

    # A re-run (or the next deploy) during the rollout replaces the canary, not the stable
    # version, though the canary has the larger share.
    again = deploy(emulator, "v2", rollout_percentage="60")

    replacement = again.outputs["version_id"]
    assert serving(emulator) == {replacement: 60, stable: 40}
    assert again.outputs["previous_version_id"] == stable

    # Raising the canary's share keeps the stable version beside it too.
    raised = step(emulator, script_name="app", version_id=replacement, rollout_percentage="90")

    assert raised.exit_code == 0, raised.stdout
    assert serving(emulator) == {replacement: 90, stable: 10}


def test_an_unknown_version_is_a_clear_error(emulator: Emulator) -> None:
    deploy(emulator)

    run = step(emulator, script_name="app", version_id="00000000-0000-4000-8000-000000000000")

    assert run.exit_code == 1
    assert run.annotations("error")
    assert [c for c in calls(emulator) if not c.startswith("GET")] == ["POST /deployments"]


def test_a_rollback_deploys_the_version_before_the_current_one(emulator: Emulator) -> None:
    first = deploy(emulator).outputs["version_id"]
    second = deploy(emulator, "v2", message="release 2").outputs["version_id"]

    run = step(emulator, script_name="app", rollback="true")

    assert run.exit_code == 0, run.stdout
    assert calls(emulator) == ["GET /deployments", "POST /deployments"]
    assert serving(emulator) == {first: 100}
    assert (run.outputs["version_id"], run.outputs["previous_version_id"]) == (first, second)
    assert script(emulator).latest_deployment().annotations == {"workers/message": "Rollback"}


def test_a_rollback_past_a_change_of_secrets_is_forced_as_wrangler_does(
    emulator: Emulator,
) -> None:
    first = deploy(emulator, secrets="TOKEN=first-token").outputs["version_id"]
    deploy(emulator, "v2", secrets="TOKEN=second-token")

    run = step(emulator, script_name="app", rollback="true")

    assert run.exit_code == 0, run.stdout
    assert calls(emulator) == ["GET /deployments", "POST /deployments", "POST /deployments"]
    assert serving(emulator) == {first: 100}
    assert "forced" in run.summary


def test_nothing_to_roll_back_to_writes_nothing(emulator: Emulator) -> None:
    deploy(emulator)

    run = step(emulator, script_name="app", rollback="true")

    assert run.exit_code == 1
    [error] = run.annotations("error")
    assert "finds no earlier version of app" in error.data
    assert all(c.startswith("GET") for c in calls(emulator))


@pytest.mark.parametrize(
    ("inputs", "named", "says"),
    [
        ({"version_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "script": "src/index.js"},
         "script", "uploads nothing"),
        ({"rollback": "true", "version_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12},
         "rollback", "both choose the version"),
        ({"rollback": "true", "deploy": "false"}, "deploy", "deploys one"),
        ({"config": "wrangler.toml", "preview_alias": "pr-1"}, "preview_alias", "deploy: false"),
        ({"config": "wrangler.toml", "deploy": "false", "preview_alias": "PR_1"},
         "preview_alias", "is not a valid alias"),
        ({"config": "wrangler.toml", "deploy": "false", "preview_alias": "p" * 60},
         "preview_alias", "at most 59"),
        ({"version_id": "v1"}, "version_id", "is not a Worker version ID"),
        ({"config": "wrangler.toml", "deploy": "false", "rollout_percentage": "10"},
         "rollout_percentage", "deploy: false deploys nothing"),
    ],
)  # fmt: skip
def test_contradicting_inputs_are_refused_before_any_call(
    emulator: Emulator, inputs: dict[str, str], named: str, says: str
) -> None:
    run = step(emulator, files(), script_name="app", **inputs)

    assert run.exit_code == 1
    [error] = run.annotations("error")
    assert error.properties["title"] == f"Input {named}"
    assert says in error.data
    assert list(emulator.log) == []


def test_a_pem_secret_from_a_file_goes_with_a_version_and_is_masked_everywhere(
    emulator: Emulator,
) -> None:
    deploy(emulator)
    project = {**files("v2"), "secrets.json": json.dumps({"SIGNING_KEY": PEM})}

    run = step(emulator, project, config="wrangler.toml", deploy="false", secrets="@secrets.json")

    assert run.exit_code == 0, run.stdout
    version = script(emulator).version(run.outputs["version_id"])
    [secret] = [b for b in version.bindings if b["name"] == "SIGNING_KEY"]
    assert secret["text"] == PEM
    masks = {c.data for c in run.commands if c.name == "add-mask"}
    assert set(PEM.splitlines()) <= masks
    everything = "\n".join(run.log_lines()) + run.summary + json.dumps(run.outputs)
    for line in PEM.splitlines()[1:-1]:
        assert line not in everything
