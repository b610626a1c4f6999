"""``uses: docker://image`` has no action.yml: the runner passes only the inputs written in
``with:`` (no defaults), so cfaction applies every default itself. Each operation, given
only what it needs, must do exactly what it does through action.yml and its defaults: the
same requests, outputs, summary and exit code."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from cfaction.ops import INPUT_NAMES, INPUTS, OPERATIONS
from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, demo_state
from cfemu.runner import StepResult, input_environment, run_step

pytestmark = pytest.mark.e2e

WORKER_PROJECT: dict[str, str | bytes] = {
    "wrangler.toml": (
        'name = "defaults"\nmain = "src/index.ts"\ncompatibility_date = "2026-11-01"\n'
        f'account_id = "{DEMO_ACCOUNT_ID}"\n'
    ),
    "src/index.ts": (
        "export default {\n  async fetch(): Promise<Response> { return new Response('hi'); },\n};\n"
    ),
}

REQUIRED: dict[str, dict[str, str]] = {
    "verify": {"operation": "verify"},
    "purge": {"operation": "purge", "zone": "example.com", "files": "/index.html"},
    "dns": {"operation": "dns", "zone": "example.com", "type": "A", "name": "www"}
    | {"content": "192.0.2.1"},
    "worker": {"operation": "worker", "config": "wrangler.toml"},
}
"""Each operation with only what it cannot do without (plus the token, and the emulator's
address as api_base_url)."""

_VARYING = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"(?<![0-9a-f])[0-9a-f]{12,64}(?![0-9a-f])"), "<hex>"),
    (re.compile(r"cfaction-step-[A-Za-z0-9_]+"), "<step>"),
    (re.compile(r"in \d+\.\d+ s\b"), "in <t> s"),
    (re.compile(r'"seconds": ?\d+(?:\.\d+)?'), '"seconds": <t>'),
]
"""What differs between two runs of the same step: IDs the emulator makes up, temp folders,
how long the bundling took."""


def steady(text: str) -> str:
    for pattern, placeholder in _VARYING:
        text = pattern.sub(placeholder, text)
    return text


def outcome(run: StepResult, emulator: Emulator) -> dict[str, Any]:
    """What a workflow and Cloudflare see of one step, without the values that vary."""
    requests = [
        (r.method, steady(r.path), sorted(r.query.items()), steady(json.dumps(r.json)))
        for r in emulator.log
    ]
    return {
        "exit_code": run.exit_code,
        "outputs": {name: steady(value) for name, value in run.outputs.items()},
        "summary": steady(run.summary),
        "annotations": [(c.name, steady(c.data)) for c in run.commands if c.name != "add-mask"],
        "requests": requests,
    }


def run(inputs: Mapping[str, str], *, defaults: bool) -> dict[str, Any]:
    with Emulator(demo_state()) as emulator:
        given = {"api_base_url": emulator.base_url, "api_token": DEMO_TOKEN, **inputs}
        files = WORKER_PROJECT if inputs["operation"] == "worker" else None
        step = run_step(given, files=files, defaults=defaults)
        assert step.exit_code == 0, step.stdout + step.stderr
        return outcome(step, emulator)


def test_every_operation_is_run_here() -> None:
    assert set(REQUIRED) == set(OPERATIONS)


@pytest.mark.parametrize("name", list(REQUIRED))
def test_only_the_given_inputs_behave_as_the_action_yml_defaults(name: str) -> None:
    through_action_yml = run(REQUIRED[name], defaults=True)
    through_docker_uri = run(REQUIRED[name], defaults=False)

    assert through_docker_uri == through_action_yml
    assert through_action_yml["requests"], "the step made no request"


def test_the_docker_uri_step_gets_only_the_with_keys() -> None:
    # The runner stand-in's docker:// mode: what the step above was given, and no default.
    given = {"operation": "purge", "files": "/index.html"}

    environment = input_environment(given, defaults=False)

    assert environment == {"INPUT_OPERATION": "purge", "INPUT_FILES": "/index.html"}
    defaults = input_environment(given)
    assert set(defaults) == {f"INPUT_{n.upper()}" for n in INPUT_NAMES}
    assert defaults["INPUT_BATCH_SIZE"] == INPUTS["batch_size"] == "100"
