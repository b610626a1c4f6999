"""The one pull-request comment of a step: found by its hidden marker, created once, then
updated in place.

The marker is an HTML comment (GitHub does not render it) on the body's first line:
``<!-- cfaction: workflow=… job=… operation=… key=… -->``. Pull-request comments are issue
comments (https://docs.github.com/en/rest/issues/comments): listed 100 a page, oldest first,
pages chained by ``Link`` headers, which are followed until the marker is found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import quote

from cfaction.github.api import Answer, GitHubAPI

PER_PAGE: Final = 100
"""The most a page holds (the API's ``per_page`` maximum)."""
MAX_PAGES: Final = 300
"""GitHub keeps at most 2,500 comments on an issue or pull request; 300 pages is more."""


@dataclass(frozen=True)
class Marker:
    """What tells this step's comment apart from every other one."""

    workflow: str
    job: str
    operation: str
    key: str = ""

    def text(self) -> str:
        """The marker line. Names are percent-encoded (spaces too), so that no name can
        end the HTML comment or be mistaken for another field."""
        fields = {
            "workflow": self.workflow,
            "job": self.job,
            "operation": self.operation,
            "key": self.key,
        }
        words = " ".join(f"{name}={quote(value, safe='')}" for name, value in fields.items())
        return f"<!-- cfaction: {words} -->"


@dataclass(frozen=True)
class Posted:
    action: Literal["created", "updated"]
    id: int
    url: str


def find(api: GitHubAPI, repository: str, number: int, marker: Marker) -> int | None:
    """The ID of the comment that starts with the marker, reading pages until it is found."""
    line = marker.text()
    answer = api.get(f"/repos/{repository}/issues/{number}/comments", params={"per_page": PER_PAGE})
    for _ in range(MAX_PAGES):
        found = _with_marker(answer.body, line)
        if found is not None or answer.next_url is None:
            return found
        answer = api.get(answer.next_url)
    return None


def upsert(api: GitHubAPI, repository: str, number: int, marker: Marker, text: str) -> Posted:
    """Update the marked comment with ``text`` (which starts with the marker), or create it:
    two calls either way when the comment is on the first page."""
    existing = find(api, repository, number, marker)
    if existing is not None:
        answer = api.patch(f"/repos/{repository}/issues/comments/{existing}", {"body": text})
        return _posted("updated", answer, existing)

    def check() -> Answer | None:
        # The create's answer was lost: if it was applied, the marker is there now.
        made = find(api, repository, number, marker)
        return None if made is None else Answer(status=201, body={"id": made})

    answer = api.post(f"/repos/{repository}/issues/{number}/comments", {"body": text}, check=check)
    return _posted("created", answer, None)


def _with_marker(page: Any, line: str) -> int | None:
    if not isinstance(page, list):
        return None
    for comment in page:
        if not isinstance(comment, Mapping):
            continue
        body, comment_id = comment.get("body"), comment.get("id")
        ours = isinstance(body, str) and body.split("\n", 1)[0].strip() == line
        if ours and isinstance(comment_id, int) and not isinstance(comment_id, bool):
            return comment_id
    return None


def _posted(action: Literal["created", "updated"], answer: Answer, known: int | None) -> Posted:
    body = answer.body if isinstance(answer.body, Mapping) else {}
    comment_id = body.get("id", known)
    url = body.get("html_url", "")
    return Posted(
        action=action,
        id=comment_id if isinstance(comment_id, int) else 0,
        url=url if isinstance(url, str) else "",
    )
