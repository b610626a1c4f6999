"""A GitHub Deployment for a Worker run (https://docs.github.com/en/rest/deployments):
created for the commit, in the ``deployment_environment``, before the Worker is applied,
with status ``in_progress``; then ``success`` with the Worker's URL as ``environment_url``,
or ``failure``. The pull request and the repository's environments page show the link.

The deployment is created with ``auto_merge: false`` and no required contexts: cfaction
records what it deployed, it does not gate it on other checks (the API would otherwise
merge the default branch into the ref, or refuse while a check is pending).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from cfaction.github.api import Answer, GitHubAPI

MAX_DESCRIPTION: Final = 140
"""The longest status description the API accepts."""

State = Literal["in_progress", "success", "failure"]


@dataclass(frozen=True)
class Started:
    id: int
    environment: str


def create(
    api: GitHubAPI,
    repository: str,
    *,
    sha: str,
    environment: str,
    description: str,
    run_key: str,
) -> Started:
    """Create the deployment. ``run_key`` goes into its payload, so that a create whose
    answer was lost is found (by sha and environment) before it is sent again."""
    path = f"/repos/{repository}/deployments"

    def check() -> Answer | None:
        listed = api.get(path, params={"sha": sha, "environment": environment, "per_page": 30})
        for deployment in listed.body if isinstance(listed.body, list) else []:
            payload = deployment.get("payload") if isinstance(deployment, Mapping) else None
            if isinstance(payload, Mapping) and payload.get("cfaction_run") == run_key:
                return Answer(status=201, body=deployment)
        return None

    answer = api.post(
        path,
        {
            "ref": sha,
            "environment": environment,
            "description": description[:MAX_DESCRIPTION],
            "auto_merge": False,
            "required_contexts": [],
            "payload": {"cfaction_run": run_key},
        },
        check=check,
    )
    deployment_id = answer.body.get("id") if isinstance(answer.body, Mapping) else None
    if not isinstance(deployment_id, int) or isinstance(deployment_id, bool):
        raise ValueError("the deployment's answer has no id")
    return Started(id=deployment_id, environment=environment)


def set_status(
    api: GitHubAPI,
    repository: str,
    deployment: Started,
    state: State,
    *,
    description: str,
    environment_url: str = "",
    log_url: str = "",
) -> None:
    """Add a status; a lost answer is looked for in the newest status before re-sending."""
    path = f"/repos/{repository}/deployments/{deployment.id}/statuses"
    body: dict[str, Any] = {
        "state": state,
        "description": description[:MAX_DESCRIPTION],
        "environment": deployment.environment,
    }
    if environment_url:
        body["environment_url"] = environment_url
    if log_url:
        body["log_url"] = log_url

    def check() -> Answer | None:
        listed = api.get(path, params={"per_page": 1})  # newest first
        newest = listed.body[0] if isinstance(listed.body, list) and listed.body else None
        if isinstance(newest, Mapping) and newest.get("state") == state:
            return Answer(status=201, body=newest)
        return None

    api.post(path, body, check=check)
