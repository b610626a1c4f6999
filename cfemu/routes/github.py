"""The GitHub REST endpoints of the emulator, answered as GitHub answers them (JSON bodies
with ``message`` and ``documentation_url``; lists paged with ``Link`` headers).

:func:`handle` takes a request whose path starts with :data:`~cfemu.github.GITHUB_PREFIX`;
None means the connection is to be closed without an answer (a lost answer).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlencode

from ..app import Request, Response, json_response
from ..github import (
    BOT_LOGIN,
    GITHUB_PREFIX,
    Comment,
    DeploymentStatus,
    GitHubDeployment,
    GitHubRequest,
    GitHubState,
    Scope,
)
from ..reqlog import parse_json_body

DOCS: Final = "https://docs.github.com/rest"
MAX_BODY: Final = 65_536
STATES: Final = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")
_SHA: Final = re.compile(r"^[0-9a-f]{40}$")
_REPO: Final = r"/repos/(?P<repo>[^/]+/[^/]+)"

Handler = Callable[[GitHubState, Request, dict[str, str], str], Response]


class _RefusalError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.response = _error(status, message, **extra)


def handle(state: GitHubState, request: Request) -> Response | None:
    path = request.path[len(GITHUB_PREFIX) :] or "/"
    base = f"http://{request.header('Host') or '127.0.0.1'}{GITHUB_PREFIX}"
    body = parse_json_body(request.body)
    injected = state.take_injected(request.method, path)
    response: Response | None
    if injected is not None and injected.kind != "lose_answer":
        response = _injected_answer(injected.kind, injected.retry_after, injected.status)
    else:
        response = _serve(state, request, path, base)
        if injected is not None:
            response = None  # applied, then the answer is lost
    with state.lock:
        state.log.append(
            GitHubRequest(
                method=request.method,
                path=path,
                query=request.query,
                headers=request.headers,
                json=body,
                status=None if response is None else response.status,
            )
        )
    return response


def _serve(state: GitHubState, request: Request, path: str, base: str) -> Response:
    for method, pattern, handler in _ROUTES:
        found = re.fullmatch(pattern, path)
        if found is None or method != request.method:
            continue
        try:
            with state.lock:
                return handler(state, request, found.groupdict(), base)
        except _RefusalError as refusal:
            return refusal.response
    return _error(404, "Not Found")


def _injected_answer(kind: str, retry_after: float | None, status: int) -> Response:
    if kind == "server":
        return _error(status, "Server Error")
    headers: dict[str, str] = {}
    if kind == "secondary":
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before you "
            "try again."
        )
        docs = f"{DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
    else:
        headers["x-ratelimit-remaining"] = "0"
        headers["x-ratelimit-reset"] = str(int(time.time() + (retry_after or 0)))
        message = "API rate limit exceeded for installation ID 1."
        docs = f"{DOCS}/overview/rate-limits-for-the-rest-api"
    return json_response(403, {"message": message, "documentation_url": docs}, headers)


# --- authentication ------------------------------------------------------------------------


def _scopes(state: GitHubState, request: Request) -> frozenset[Scope]:
    header = request.header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if not header:
        raise _RefusalError(401, "Requires authentication")
    if scheme.lower() not in ("bearer", "token") or token not in state.tokens:
        raise _RefusalError(401, "Bad credentials")
    return state.tokens[token]


def _may(state: GitHubState, request: Request, scope: Scope) -> None:
    if scope not in _scopes(state, request):
        raise _RefusalError(403, "Resource not accessible by integration")


def _pull(state: GitHubState, repo: str, number: str) -> int:
    if (repo.lower(), int(number)) not in state.pulls:
        raise _RefusalError(404, "Not Found")
    return int(number)


# --- issue comments ------------------------------------------------------------------------


def _list_comments(
    state: GitHubState, request: Request, params: dict[str, str], base: str
) -> Response:
    _scopes(state, request)
    number = _pull(state, params["repo"], params["number"])
    rows = [_comment_json(c, base) for c in state.comments_on(params["repo"], number)]
    return _paged(request, rows, f"{base}/repos/{params['repo']}/issues/{number}/comments")


def _create_comment(
    state: GitHubState, request: Request, params: dict[str, str], base: str
) -> Response:
    _may(state, request, "pull-requests")
    number = _pull(state, params["repo"], params["number"])
    text = _body_text(request)
    comment = Comment(
        state.new_id(), params["repo"].lower(), number, text, BOT_LOGIN, state.now(), state.now()
    )
    comment.updated_at = comment.created_at
    state.comments[comment.id] = comment
    return json_response(201, _comment_json(comment, base))


def _update_comment(
    state: GitHubState, request: Request, params: dict[str, str], base: str
) -> Response:
    _may(state, request, "pull-requests")
    comment = state.comments.get(int(params["id"]))
    if comment is None or comment.repository != params["repo"].lower():
        raise _RefusalError(404, "Not Found")
    comment.body = _body_text(request)
    comment.updated_at = state.now()
    return json_response(200, _comment_json(comment, base))


def _body_text(request: Request) -> str:
    data = parse_json_body(request.body)
    text = data.get("body") if isinstance(data, Mapping) else None
    if not isinstance(text, str):
        raise _RefusalError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    if len(text) > MAX_BODY:
        raise _RefusalError(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": "IssueComment",
                    "code": "custom",
                    "field": "body",
                    "message": f"body is too long (maximum is {MAX_BODY} characters)",
                }
            ],
        )
    return text


def _comment_json(comment: Comment, base: str) -> dict[str, Any]:
    html = f"https://github.com/{comment.repository}/pull/{comment.number}"
    return {
        "id": comment.id,
        "node_id": f"IC_{comment.id}",
        "url": f"{base}/repos/{comment.repository}/issues/comments/{comment.id}",
        "html_url": f"{html}#issuecomment-{comment.id}",
        "issue_url": f"{base}/repos/{comment.repository}/issues/{comment.number}",
        "body": comment.body,
        "user": {"login": comment.user, "type": "Bot" if comment.user == BOT_LOGIN else "User"},
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": "NONE",
    }


# --- deployments ---------------------------------------------------------------------------


def _create_deployment(
    state: GitHubState, request: Request, params: dict[str, str], base: str
) -> Response:
    _may(state, request, "deployments")
    data = parse_json_body(request.body)
    if not isinstance(data, Mapping) or not isinstance(data.get("ref"), str):
        raise _RefusalError(422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
    ref = str(data["ref"])
    if not _SHA.match(ref):
        raise _RefusalError(409, f"No ref found for: {ref}")
    if data.get("auto_merge", True) or data.get("required_contexts") is None:
        # A real repository would merge the default branch in, or wait for its checks.
        raise _RefusalError(409, "Conflict: auto_merge and required contexts are not emulated")
    deployment = GitHubDeployment(
        id=state.new_id(),
        repository=params["repo"].lower(),
        sha=ref,
        ref=ref,
        environment=str(data.get("environment") or "production"),
        description=str(data.get("description") or ""),
        payload=data.get("payload") or {},
        created_at=state.now(),
    )
    state.deployments[deployment.id] = deployment
    return json_response(201, _deployment_json(deployment, base))


def _list_deployments(
    state: GitHubState, request: Request, params: dict[str, str], base: str
) -> Response:
    _scopes(state, request)
    wanted = {name: request.param(name) for name in ("sha", "ref", "environment")}
    rows = [
        _deployment_json(d, base)
        for d in sorted(state.deployments.values(), key=lambda d: -d.id)
        if d.repository == params["repo"].lower()
        and all(value is None or getattr(d, name) == value for name, value in wanted.items())
    ]
    return _paged(request, rows, f"{base}/repos/{params['repo']}/deployments")


def _create_status(
    state: GitHubState, request: Request, params: dict[str, str], base: str
) -> Response:
    _may(state, request, "deployments")
    deployment = _deployment(state, params)
    data = parse_json_body(request.body)
    if not isinstance(data, Mapping) or data.get("state") not in STATES:
        raise _RefusalError(
            422, "Validation Failed", errors=[{"field": "state", "code": "invalid"}]
        )
    description = str(data.get("description") or "")
    if len(description) > 140:
        raise _RefusalError(
            422, "Validation Failed", errors=[{"field": "description", "code": "too_long"}]
        )
    status = DeploymentStatus(
        id=state.new_id(),
        state=str(data["state"]),
        description=description,
        environment=str(data.get("environment") or deployment.environment),
        environment_url=str(data.get("environment_url") or ""),
        log_url=str(data.get("log_url") or ""),
        created_at=state.now(),
    )
    deployment.statuses.append(status)
    return json_response(201, _status_json(status, deployment, base))


def _list_statuses(
    state: GitHubState, request: Request, params: dict[str, str], base: str
) -> Response:
    _scopes(state, request)
    deployment = _deployment(state, params)
    rows = [_status_json(s, deployment, base) for s in reversed(deployment.statuses)]
    return _paged(
        request, rows, f"{base}/repos/{params['repo']}/deployments/{deployment.id}/statuses"
    )


def _deployment(state: GitHubState, params: dict[str, str]) -> GitHubDeployment:
    deployment = state.deployments.get(int(params["id"]))
    if deployment is None or deployment.repository != params["repo"].lower():
        raise _RefusalError(404, "Not Found")
    return deployment


def _deployment_json(deployment: GitHubDeployment, base: str) -> dict[str, Any]:
    url = f"{base}/repos/{deployment.repository}/deployments/{deployment.id}"
    return {
        "id": deployment.id,
        "url": url,
        "sha": deployment.sha,
        "ref": deployment.ref,
        "task": "deploy",
        "payload": deployment.payload,
        "environment": deployment.environment,
        "description": deployment.description,
        "creator": {"login": BOT_LOGIN},
        "created_at": deployment.created_at,
        "statuses_url": f"{url}/statuses",
    }


def _status_json(
    status: DeploymentStatus, deployment: GitHubDeployment, base: str
) -> dict[str, Any]:
    url = f"{base}/repos/{deployment.repository}/deployments/{deployment.id}"
    return {
        "id": status.id,
        "state": status.state,
        "description": status.description,
        "environment": status.environment,
        "environment_url": status.environment_url,
        "log_url": status.log_url,
        "created_at": status.created_at,
        "deployment_url": url,
    }


# --- shared --------------------------------------------------------------------------------


def _paged(request: Request, rows: list[dict[str, Any]], url: str) -> Response:
    """One page of ``rows`` (``per_page``: default 30, at most 100) with GitHub's ``Link``."""
    try:
        per_page = min(100, max(1, int(request.param("per_page") or 30)))
        page = max(1, int(request.param("page") or 1))
    except ValueError:
        per_page, page = 30, 1
    last = max(1, -(-len(rows) // per_page))
    links = []
    for rel, target in (("prev", page - 1), ("next", page + 1), ("first", 1), ("last", last)):
        if (
            (rel == "prev" and page > 1)
            or (rel == "next" and page < last)
            or (rel in ("first", "last") and last > 1)
        ):
            query = urlencode({"per_page": per_page, "page": target})
            links.append(f'<{url}?{query}>; rel="{rel}"')
    headers = {"Link": ", ".join(links)} if links else {}
    start = (page - 1) * per_page
    return json_response(200, rows[start : start + per_page], headers)


def _error(status: int, message: str, **extra: Any) -> Response:
    return json_response(
        status, {"message": message, "documentation_url": DOCS, "status": str(status), **extra}
    )


_ROUTES: Final[tuple[tuple[str, str, Handler], ...]] = (
    ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", _list_comments),
    ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", _create_comment),
    ("PATCH", _REPO + r"/issues/comments/(?P<id>\d+)", _update_comment),
    ("GET", _REPO + r"/deployments", _list_deployments),
    ("POST", _REPO + r"/deployments", _create_deployment),
    ("GET", _REPO + r"/deployments/(?P<id>\d+)/statuses", _list_statuses),
    ("POST", _REPO + r"/deployments/(?P<id>\d+)/statuses", _create_status),
)
