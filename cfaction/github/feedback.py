"""The hook ``main`` calls around a run: a GitHub Deployment around the Worker's apply, and
the pull-request comment once the report is written (imported only by a run that asks for one).

``main`` calls :meth:`Feedback.around` on the operation before performing it (for a
Worker with ``deployment_environment``, the apply is wrapped: the deployment is created,
``in_progress``, just before it) and :meth:`Feedback.publish` after the report (the
deployment's final status, then the comment). Every GitHub problem is a warning: the
Cloudflare operation's exit code is never changed by it.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from cfaction.github import comment, deployments
from cfaction.github.api import GitHubAPI, GitHubError, GitHubRefusedError
from cfaction.github.body import comment_text
from cfaction.github.event import EventError, Run, read_run
from cfaction.github.inputs import DEFAULT_GITHUB_API_URL, GitHubSettings
from cfaction.ops.base import Context, Operation, Outcome
from cfaction.report import Reporter
from cfaction.settings import CommonSettings

PERMISSIONS_URL = (
    "https://docs.github.com/en/actions/security-for-github-actions/security-guides/"
    "automatic-token-authentication#permissions-for-the-github_token"
)


class Feedback:
    """What one run tells GitHub; built only for a run that asks for a comment or a deployment."""

    def __init__(
        self,
        settings: GitHubSettings,
        *,
        operation: str,
        dry_run: bool,
        reporter: Reporter,
        environ: Mapping[str, str],
        timeout: float = 30.0,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.operation = operation
        self.dry_run = dry_run
        self._reporter = reporter
        self._environ = environ
        self._timeout = timeout
        self._max_retries = max_retries
        self._sleep = sleep
        self._run: Run | None = None
        self._api: GitHubAPI | None = None
        self._deployment: deployments.Started | None = None

    @classmethod
    def for_run(
        cls, common: CommonSettings, reporter: Reporter, environ: Mapping[str, str] | None = None
    ) -> Feedback:
        return cls(
            common.github,
            operation=common.operation,
            dry_run=common.dry_run,
            reporter=reporter,
            environ=os.environ if environ is None else environ,
            timeout=common.timeout,
            max_retries=common.max_retries,
        )

    # --- deployments -------------------------------------------------------------------

    def around(self, operation: Operation[Any, Any, Any]) -> Operation[Any, Any, Any]:
        """The operation, with its apply wrapped when a deployment is to be recorded."""
        apply = operation.apply
        if self.settings.deployment_environment is None or apply is None:
            return operation
        if self.dry_run:
            self._reporter.log("deployment_environment: a dry run records no GitHub deployment.")
            return operation

        def deploying(context: Context, plan: Any) -> Any:
            self._start_deployment()
            return apply(context, plan)

        return dataclasses.replace(operation, apply=deploying)

    def _start_deployment(self) -> None:
        environment = self.settings.deployment_environment
        setup = self._connect("deployment_environment")
        if setup is None or environment is None:
            return
        run, api = setup
        if not run.commit:
            self._warn("deployment_environment", "GITHUB_SHA is not set; no deployment made.")
            return
        try:
            self._deployment = deployments.create(
                api,
                run.repository,
                sha=run.commit,
                environment=environment,
                description=f"cfaction {self.operation}",
                run_key=f"{run.run_id}/{run.run_attempt}/{run.job}/{self.settings.comment_key}",
            )
            deployments.set_status(
                api,
                run.repository,
                self._deployment,
                "in_progress",
                description=f"cfaction {self.operation}: applying",
                log_url=run.run_url,
            )
        except (GitHubError, ValueError) as error:
            self._refused("deployment_environment", "the deployment", error, run)

    def _finish_deployment(self, outcome: Outcome) -> None:
        if self._deployment is None or self._api is None or self._run is None:
            return
        url = environment_url(outcome.outputs)
        state: deployments.State = "success" if outcome.ok else "failure"
        try:
            deployments.set_status(
                self._api,
                self._run.repository,
                self._deployment,
                state,
                description=_deployment_description(outcome),
                environment_url=url if outcome.ok else "",
                log_url=self._run.run_url,
            )
        except GitHubError as error:
            self._refused("deployment_environment", "the deployment status", error, self._run)
            return
        where = f" at {url}" if url and outcome.ok else ""
        self._reporter.log(
            f"GitHub deployment {self._deployment.id} in "
            f"{self._deployment.environment}: {state}{where}."
        )

    # --- the comment -------------------------------------------------------------------

    def publish(self, outcome: Outcome, summary: str) -> None:
        """Finish the deployment, then post or update the comment with ``summary``."""
        try:
            self._finish_deployment(outcome)
            if self.settings.pr_comment:
                self._comment(summary)
        finally:
            if self._api is not None:
                self._api.close()

    def _comment(self, summary: str) -> None:
        setup = self._connect("pr_comment", need_pull_request=True)
        if setup is None:
            return
        run, api = setup
        pull = run.pull_request
        assert pull is not None  # _connect checked
        marker = comment.Marker(
            workflow=run.workflow,
            job=run.job,
            operation=self.operation,
            key=self.settings.comment_key,
        )
        # Scrubbed before it is cut, so that a cut cannot split a secret.
        text = comment_text(marker.text(), self._reporter.scrub(summary), run.run_url)
        before = api.calls
        try:
            posted = comment.upsert(api, run.repository, pull.number, marker, text)
        except GitHubError as error:
            self._refused("pr_comment", "the pull-request comment", error, run)
            return
        calls = api.calls - before
        self._reporter.log(
            f"Pull-request #{pull.number}: comment {posted.id} {posted.action} "
            f"({calls} GitHub API call{'' if calls == 1 else 's'})."
        )

    # --- shared --------------------------------------------------------------------------

    def _connect(
        self, input_name: str, *, need_pull_request: bool = False
    ) -> tuple[Run, GitHubAPI] | None:
        """The run and the API client, or None after saying once why there are none."""
        if self._run is None:
            try:
                self._run = read_run(self._environ)
            except EventError as error:
                self._warn(input_name, f"{error}; nothing was posted to GitHub.")
                return None
        run = self._run
        if need_pull_request and run.pull_request is None:
            self._reporter.log(
                f"pr_comment: the event is {run.event_name or 'unknown'!r}, not a pull request; "
                "no comment posted."
            )
            return None
        if self.settings.token is None:
            self._warn(
                input_name,
                "github_token is empty, so nothing was posted to GitHub. Pass "
                "github_token: ${{ github.token }} (a docker:// step gets no defaults).",
            )
            return None
        if self._api is None:
            self._api = GitHubAPI(
                api_url=self.settings.api_url or run.api_url or DEFAULT_GITHUB_API_URL,
                token=self.settings.token,
                scrub=self._reporter.scrub,
                timeout=self._timeout,
                max_retries=self._max_retries,
                sleep=self._sleep,
                on_retry=self._reporter.log,
            )
        return run, self._api

    def _refused(self, input_name: str, what: str, error: Exception, run: Run) -> None:
        message = error.message if isinstance(error, GitHubError) else str(error)
        text = f"GitHub did not take {what} ({message})."
        if isinstance(error, GitHubRefusedError) and error.status == 403:
            text += " " + _forbidden_advice(input_name, run)
        elif isinstance(error, GitHubRefusedError) and error.status == 401:
            text += " github_token was refused: pass ${{ github.token }} or a valid token."
        elif isinstance(error, GitHubRefusedError) and error.status == 404:
            text += (
                f" The token cannot see {run.repository} (a token without access to a "
                "private repository gets 404), or the API root github_api_url is wrong."
            )
        elif not isinstance(error, GitHubRefusedError):
            text += " The Cloudflare operation is not affected; re-run the job to post it."
        self._warn(input_name, text)

    def _warn(self, input_name: str, message: str) -> None:
        self._reporter.warning(message, title=f"GitHub ({input_name})")


def _forbidden_advice(input_name: str, run: Run) -> str:
    scope = "pull-requests: write" if input_name == "pr_comment" else "deployments: write"
    pull = run.pull_request
    if pull is not None and pull.fork and run.event_name == "pull_request":
        return (
            "This pull request comes from a fork: its runs get a read-only token whatever "
            f"the workflow asks ({PERMISSIONS_URL}). Post from a workflow_run or "
            "pull_request_target workflow instead, or leave it to the job summary."
        )
    return (
        f"The token may not write here: give the job `permissions: {scope}` (and keep the "
        f"permissions it needs already, e.g. contents: read); see {PERMISSIONS_URL}."
    )


def environment_url(outputs: Mapping[str, Any]) -> str:
    """The Worker's address for the deployment: where the new version serves (the
    workers.dev URL, else its first custom domain) once deployed; its preview (the alias,
    else the version's own) when it was only uploaded."""
    deployed = bool(outputs.get("deployment_id"))
    if deployed:
        domains = outputs.get("custom_domains") or []
        first = f"https://{domains[0]}" if isinstance(domains, list) and domains else ""
        return str(outputs.get("url") or first or "")
    return str(outputs.get("preview_alias_url") or outputs.get("preview_url") or "")


def _deployment_description(outcome: Outcome) -> str:
    outputs = outcome.outputs
    name = str(outputs.get("script_name") or "the Worker")
    version = str(outputs.get("version_id") or "")[:8]
    if not outcome.ok:
        return f"cfaction: {name} failed; see the job summary"
    done = "deployed" if outputs.get("deployment_id") else "uploaded (not deployed)"
    return f"cfaction: {name} {('version ' + version + ' ') if version else ''}{done}"
