"""The leak matrix: every secret input x every operation x every place a step leaves text.

Secrets: an API token; a Global API Key with its email; Worker ``secrets`` of one line, with
Markdown and HTML specials (``| < > & " '``), and of several lines (a PEM key). Scenarios: a
run that succeeds, a JSON error whose message echoes every secret, and an HTML error page
whose title echoes them (HTML-escaped, as a page carries text). Places: every log line
(annotations included), each output, the summary, the ``GITHUB_ENV``, ``GITHUB_STATE`` and
``GITHUB_PATH`` files, the report file, and everything sent to GitHub: every run is a
``pull_request`` run with ``pr_comment`` on (and a Worker's with ``deployment_environment``), so
the pull-request comment and the deployment payloads are searched too, as the emulated GitHub
API received them. Forms searched: each secret as written, each of its lines, and as a
Markdown cell, HTML and a JSON string spell it. The only line that may carry a secret is its
own ``::add-mask::``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cfaction import markdown
from cfemu import Emulator, Fault
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_EMAIL, DEMO_GLOBAL_KEY, DEMO_TOKEN
from cfemu.github import WRITE_TOKEN
from cfemu.runner import StepResult, run_step
from tests.harness import figures

pytestmark = pytest.mark.e2e

PLAIN = "plain-SENTINEL-secret-0001"
SPECIAL = "p|a<s>s&\"w'o`rd-SENTINEL-0002"
PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQSENTINELlineTwo0003AAAA\nBKcwSENTINELlineThree0004BBBB\n"
    "-----END PRIVATE KEY-----"
)
WORKER_SECRETS = {"PLAIN": PLAIN, "SPECIAL": SPECIAL, "PEM": PEM}

CREDENTIALS = {
    "token": ({"api_token": DEMO_TOKEN}, [DEMO_TOKEN]),
    "global-key": ({"email": DEMO_EMAIL, "global_key": DEMO_GLOBAL_KEY}, [DEMO_GLOBAL_KEY]),
}
"""The email is masked too, but it is not secret enough to hunt for: zone owners see it."""

OPERATIONS: dict[str, dict[str, str]] = {
    "verify": {"operation": "verify", "zone": "example.com"},
    "purge": {"operation": "purge", "zone": "example.com", "files": "https://example.com/a.css"},
    "dns": {"operation": "dns", "zone": "example.com", "type": "A", "name": "leak"},
    "worker": {
        "operation": "worker",
        "account_id": DEMO_ACCOUNT_ID,
        "config": "wrangler.toml",
    },
}
OPERATIONS["dns"]["content"] = "192.0.2.7"
WORKER_FILES: dict[str, str | bytes] = {
    "wrangler.toml": 'name = "leak"\nmain = "index.js"\ncompatibility_date = "2026-11-01"\n'
    "no_bundle = true\n",
    "index.js": "export default { async fetch() { return new Response('ok'); } };\n",
}
SCENARIOS = ("succeeds", "json-echo", "html-echo")
EVENT = Path(__file__).resolve().parents[1] / "data" / "pull_request_event.json"
REPOSITORY, NUMBER = "octo/site", 7
"""The pull request of the recorded event."""


@dataclass(frozen=True)
class Case:
    credential: str
    operation: str
    scenario: str
    worker_secrets: bool = False

    @property
    def id(self) -> str:
        extra = "+secrets" if self.worker_secrets else ""
        return f"{self.credential}-{self.operation}{extra}-{self.scenario}"


CASES = [
    Case(credential, operation, scenario)
    for credential in CREDENTIALS
    for operation in OPERATIONS
    for scenario in SCENARIOS
] + [Case("token", "worker", scenario, worker_secrets=True) for scenario in SCENARIOS]


def forms(secret: str) -> set[str]:
    """Every spelling of ``secret`` our text could carry, and each of its lines."""
    spelled = {
        secret,
        markdown.cell(secret),
        html.escape(secret),
        html.escape(secret, quote=False),
        json.dumps(secret)[1:-1],
    }
    lines = {line.strip() for line in secret.splitlines() if "SENTINEL" in line}
    return spelled | lines


def strings(value: Any) -> list[str]:
    """Every string in a JSON payload, decoded (as GitHub stores and shows them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def places(run: StepResult, emulator: Emulator) -> dict[str, str]:
    """Every text the step leaves behind, by where a user would find it."""
    found = {f"log line {n}": line for n, line in enumerate(run.log_lines())}
    found.update({f"output {name}": value for name, value in run.outputs.items()})
    found["summary"] = run.summary
    for name in ("GITHUB_ENV", "GITHUB_STATE", "GITHUB_PATH"):
        found[name] = run.file_commands.get(name, "")
    found["report file"] = json.dumps(run.report, ensure_ascii=False) if run.report else ""
    for n, request in enumerate(emulator.github.log):
        found[f"GitHub {request.method} {request.path} ({n})"] = "\n".join(strings(request.json))
    return found


def echo_text(secrets: list[str]) -> str:
    return "refused: " + " and ".join(secrets)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_no_secret_leaves_the_step_in_any_form(emulator: Emulator, case: Case) -> None:
    credentials, hunted = CREDENTIALS[case.credential]
    secrets = [*hunted, WRITE_TOKEN]
    given = {
        "api_base_url": emulator.base_url,
        "max_retries": "0",
        **credentials,
        **OPERATIONS[case.operation],
        "pr_comment": "true",
        "github_token": WRITE_TOKEN,
        "github_api_url": emulator.github_url,
    }
    if case.operation == "worker":
        given["deployment_environment"] = "preview"
    emulator.github.add_pull_request(REPOSITORY, NUMBER)
    files = WORKER_FILES if case.operation == "worker" else None
    if case.worker_secrets:
        given["secrets"] = json.dumps(WORKER_SECRETS)
        secrets += list(WORKER_SECRETS.values())
    if case.scenario == "json-echo":
        emulator.faults.add(Fault(kind="status", status=400, code=1001, message=echo_text(secrets)))
    elif case.scenario == "html-echo":
        emulator.faults.add(Fault(kind="html", status=403, message=echo_text(secrets)))

    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(EVENT)}
    run = run_step(given, files=files, env=env)

    assert run.exit_code == (0 if case.scenario == "succeeds" else 1), run.stdout
    if case.scenario != "succeeds":
        [error] = run.annotations("error")
        assert "refused: ***" in error.data  # the echo was shown, scrubbed
    # the GitHub places exist: the comment was posted (and the deployment made)
    assert len(emulator.github.comments_on(REPOSITORY, NUMBER)) == 1, run.stdout
    if case.operation == "worker":
        assert emulator.github.requests("POST", r"/deployments$"), run.stdout
    leaks = [
        f"{form!r} in {place}"
        for secret in secrets
        for form in forms(secret)
        for place, text in places(run, emulator).items()
        if form in text
    ]
    figures.count(
        "leak matrix",
        cases=1,
        checks=sum(len(forms(s)) for s in secrets) * len(places(run, emulator)),
        leaks=len(leaks),
    )
    assert leaks == []
    assert run.report is not None
