"""Which URL a deployment links to, and what a refused write tells the user to change."""

from __future__ import annotations

from typing import Any

import pytest

from cfaction.github.event import PullRequest, Run
from cfaction.github.feedback import _forbidden_advice, environment_url


@pytest.mark.parametrize(
    ("outputs", "url"),
    [
        ({"deployment_id": "d1", "url": "https://app.x.workers.dev"}, "https://app.x.workers.dev"),
        ({"deployment_id": "d1", "url": "", "custom_domains": ["app.example.com"]},
         "https://app.example.com"),
        ({"deployment_id": "", "preview_url": "https://v1-app.x.workers.dev",
          "preview_alias_url": "https://pr-7-app.x.workers.dev"}, "https://pr-7-app.x.workers.dev"),
        ({"deployment_id": "", "preview_url": "https://v1-app.x.workers.dev"},
         "https://v1-app.x.workers.dev"),
        ({"deployment_id": "d1", "url": "", "custom_domains": []}, ""),
    ],
)  # fmt: skip
def test_the_environment_url_is_where_the_new_version_serves(
    outputs: dict[str, Any], url: str
) -> None:
    assert environment_url(outputs) == url


def run(event: str, fork: bool) -> Run:
    return Run(
        repository="octo/site",
        event_name=event,
        sha="0" * 40,
        workflow="CI",
        job="deploy",
        run_id="1",
        run_attempt="1",
        server_url="https://github.com",
        api_url="https://api.github.com",
        pull_request=PullRequest(number=7, head_sha="1" * 40, fork=fork),
    )


def test_a_403_says_which_permission_or_why_a_fork_cannot() -> None:
    assert "permissions: pull-requests: write" in _forbidden_advice(
        "pr_comment", run("pull_request", False)
    )
    assert "permissions: deployments: write" in _forbidden_advice(
        "deployment_environment", run("pull_request", False)
    )
    assert "comes from a fork" in _forbidden_advice("pr_comment", run("pull_request", True))
    # pull_request_target runs with the base repository's token: permissions apply.
    assert "pull-requests: write" in _forbidden_advice(
        "pr_comment", run("pull_request_target", True)
    )
