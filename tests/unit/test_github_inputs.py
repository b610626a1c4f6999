"""The pull-request feedback inputs: defaults that hold in code, one error per bad input."""

from __future__ import annotations

import pytest

from cfaction.errors import InvalidInputsError
from cfaction.github.inputs import GitHubSettings, load_github
from cfaction.problems import Problems
from tests.helpers import load_settings

TOKEN = "ghs_" + "a" * 36


def loaded(operation: str = "dns", **given: str) -> tuple[GitHubSettings, Problems]:
    problems = Problems()
    settings = load_github(lambda name: given.get(name, ""), operation, problems)
    return settings, problems


def test_nothing_given_tells_github_nothing() -> None:
    settings, problems = loaded()

    assert settings == GitHubSettings() and not settings.wanted
    assert problems.errors == []


def test_the_token_and_api_root_are_read_only_when_used() -> None:
    unused, problems = loaded(github_token="${{ github.token }}", github_api_url="nonsense")
    assert unused.token is None and problems.errors == []

    used, problems = loaded(pr_comment="true", github_token=TOKEN)
    assert used.token == TOKEN and used.api_url is None and problems.errors == []
    assert TOKEN not in repr(used)


@pytest.mark.parametrize(
    ("given", "name", "says"),
    [
        ({"pr_comment": "yes"}, "pr_comment", "not a boolean"),
        ({"comment_key": "a b"}, "comment_key", "not a comment key"),
        ({"comment_key": "k-->"}, "comment_key", "not a comment key"),
        ({"deployment_environment": "prod"}, "deployment_environment", "only used by"),
        ({"pr_comment": "true", "github_token": "${{ github.token }}"}, "github_token", "did not"),
        ({"pr_comment": "true", "github_token": "a\nb"}, "github_token", "not a GitHub token"),
        (
            {"pr_comment": "true", "github_api_url": "http://ghe.example.com/api/v3"},
            "github_api_url",
            "plain http",
        ),
        ({"pr_comment": "true", "github_api_url": "ftp://x"}, "github_api_url", "not an http"),
    ],
)
def test_each_invalid_input_is_one_error_naming_it(
    given: dict[str, str], name: str, says: str
) -> None:
    _, problems = loaded(**given)

    (error,) = problems.errors
    assert error.input_name == name and says in error.problem and error.fix


def test_deployment_environment_is_a_worker_input() -> None:
    settings, problems = loaded("worker", deployment_environment="preview", github_token=TOKEN)

    assert settings.deployment_environment == "preview" and problems.errors == []


def test_the_common_settings_carry_them() -> None:
    settings = load_settings(operation="verify", pr_comment="true", comment_key="x")
    assert settings.common.github.pr_comment and settings.common.github.comment_key == "x"

    with pytest.raises(InvalidInputsError) as invalid:
        load_settings(operation="verify", deployment_environment="preview")
    assert [e.input_name for e in invalid.value.errors] == ["deployment_environment"]
