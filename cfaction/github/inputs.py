"""The pull-request feedback inputs (``pr_comment``, ``comment_key``, ``github_token``,
``github_api_url``, ``deployment_environment``), validated into :class:`GitHubSettings`.

``github_token`` and ``github_api_url`` default to the workflow expressions
``${{ github.token }}`` and ``${{ github.api_url }}``, which the runner evaluates; a
``docker://`` step gets no defaults, so only a value actually given is read here (empty:
no token, and ``GITHUB_API_URL`` from the runner's environment, else
:data:`DEFAULT_GITHUB_API_URL`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from cfaction.errors import InputError
from cfaction.problems import Problems
from cfaction.values import parse_api_url, parse_bool, shown

DEFAULT_GITHUB_API_URL: Final = "https://api.github.com"

GITHUB_INPUTS: Final[Mapping[str, str]] = {
    "pr_comment": "false",
    "comment_key": "",
    "github_token": "${{ github.token }}",
    "github_api_url": "${{ github.api_url }}",
    "deployment_environment": "",
}
"""The inputs, with the defaults action.yml gives them."""

DEPLOYING_OPERATIONS: Final = ("worker",)
"""The operations ``deployment_environment`` applies to."""

_KEY: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}$")
_TOKEN: Final = re.compile(r"^[A-Za-z0-9_\-.~+/=]{1,1024}$")
MAX_ENVIRONMENT_CHARS: Final = 255
"""https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment
("An environment name may not exceed 255 characters")."""


@dataclass(frozen=True)
class GitHubSettings:
    """The validated feedback inputs; the default is "tell GitHub nothing"."""

    pr_comment: bool = False
    comment_key: str = ""
    token: str | None = None
    api_url: str | None = None
    """As given; None: ``GITHUB_API_URL``, else :data:`DEFAULT_GITHUB_API_URL`."""
    deployment_environment: str | None = None

    def __repr__(self) -> str:
        return (
            f"GitHubSettings(pr_comment={self.pr_comment!r}, comment_key={self.comment_key!r}, "
            f"token={'***' if self.token else None}, api_url={self.api_url!r}, "
            f"deployment_environment={self.deployment_environment!r})"
        )

    @property
    def wanted(self) -> bool:
        """Whether this run talks to GitHub at all."""
        return self.pr_comment or self.deployment_environment is not None


def load_github(
    given: Callable[[str], str], operation: str | None, problems: Problems
) -> GitHubSettings:
    """Validate the inputs; ``given(name)`` is the value as written (trimmed, "" when not
    given). Every problem goes to ``problems``."""
    pr_comment = problems.attempt(
        lambda: parse_bool("pr_comment", given("pr_comment") or "false"), False
    )
    key = problems.attempt(lambda: _comment_key("comment_key", given("comment_key")), "")
    environment = problems.attempt(
        lambda: _environment("deployment_environment", given("deployment_environment"), operation),
        None,
    )
    settings = GitHubSettings(pr_comment=pr_comment, comment_key=key)
    if not (pr_comment or environment is not None):
        return settings  # the token and the API root are not used: not checked either
    token = problems.attempt(lambda: _token("github_token", given("github_token")), None)
    api_url = problems.attempt(lambda: _api_url("github_api_url", given("github_api_url")), None)
    return GitHubSettings(
        pr_comment=pr_comment,
        comment_key=key,
        token=token,
        api_url=api_url,
        deployment_environment=environment,
    )


def token_values(raw: Mapping[str, str]) -> list[str]:
    """The ``github_token`` to mask, as given and trimmed (registered before anything is
    printed, like every credential)."""
    value = raw.get("github_token", "")
    return [form for form in dict.fromkeys((value, value.strip())) if form]


def _comment_key(name: str, text: str) -> str:
    if text and not _KEY.match(text):
        raise InputError(
            name,
            f"'{shown(text)}' is not a comment key.",
            "Use up to 64 letters, digits and . _ : / + - (starting with a letter or digit), "
            "e.g. staging.",
        )
    return text


def _environment(name: str, text: str, operation: str | None) -> str | None:
    if not text:
        return None
    if operation is not None and operation not in DEPLOYING_OPERATIONS:
        raise InputError(
            name,
            f"is only used by operation 'worker', not '{operation}'.",
            "Remove deployment_environment from this step.",
        )
    if len(text) > MAX_ENVIRONMENT_CHARS or any(not c.isprintable() for c in text):
        raise InputError(
            name,
            f"'{shown(text)}' is not an environment name.",
            f"Use at most {MAX_ENVIRONMENT_CHARS} printable characters, e.g. preview or "
            "production.",
        )
    return text


def _token(name: str, text: str) -> str | None:
    if not text:
        return None
    if text.startswith("${{"):
        raise InputError(
            name,
            "is a workflow expression the runner did not evaluate.",
            "Pass github_token: ${{ github.token }} (or a token from a secret) in with:.",
        )
    if not _TOKEN.match(text):
        raise InputError(
            name,
            "is not a GitHub token (it has spaces, line breaks or other characters no token has).",
            "Pass ${{ github.token }} or a token from a secret, on one line.",
        )
    return text


def _api_url(name: str, text: str) -> str | None:
    if not text:
        return None
    default = f"{DEFAULT_GITHUB_API_URL} (or GitHub Enterprise Server's https://HOST/api/v3)"
    return parse_api_url(name, text, default=default)
