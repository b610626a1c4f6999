"""Each operation, run as the runner runs it against the emulator, sets exactly the outputs
every operation sets plus its own ``Operation.outputs``: no more, no fewer."""

from __future__ import annotations

import pytest

from cfaction.ops import OPERATIONS
from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN
from cfemu.runner import run_step
from tests.conftest import RunStep

pytestmark = pytest.mark.e2e

COMMON_OUTPUTS = {
    "zone_id",
    "zone_name",
    "account_id",
    "dry_run",
    "api_calls",
    "result",
    "report_path",
}
"""What every operation sets (tests/unit/test_contract.py checks action.yml declares them)."""

ZONE_OPERATIONS = {
    "verify": {"operation": "verify", "zone": "example.com"},
    "purge": {"operation": "purge", "zone": "example.com", "files": "/index.html"},
    "dns": {
        "operation": "dns",
        "zone": "example.com",
        "type": "A",
        "name": "www",
        "content": "192.0.2.1",
    },
}
WORKER_PROJECT: dict[str, str | bytes] = {
    "src/index.js": "export default { async fetch() { return new Response('hi'); } };\n",
}
WORKER_INPUTS = {
    "operation": "worker",
    "account_id": DEMO_ACCOUNT_ID,
    "script_name": "outputs-check",
    "script": "src/index.js",
    "compatibility_date": "2026-11-01",
}


def test_every_operation_is_run_here() -> None:
    assert {*ZONE_OPERATIONS, WORKER_INPUTS["operation"]} == set(OPERATIONS)


@pytest.mark.parametrize("inputs", ZONE_OPERATIONS.values(), ids=list(ZONE_OPERATIONS))
def test_each_operation_sets_the_common_outputs_and_its_own(
    step: RunStep, inputs: dict[str, str]
) -> None:
    run = step(api_token=DEMO_TOKEN, **inputs)

    assert run.exit_code == 0, run.stdout
    assert set(run.outputs) == COMMON_OUTPUTS | set(OPERATIONS[inputs["operation"]].outputs)


def test_worker_sets_the_common_outputs_and_its_own(emulator: Emulator) -> None:
    given = {
        "api_base_url": emulator.base_url,
        "max_retries": "2",
        "api_token": DEMO_TOKEN,
        **WORKER_INPUTS,
    }

    run = run_step(given, files=WORKER_PROJECT)

    assert run.exit_code == 0, run.stdout
    assert set(run.outputs) == COMMON_OUTPUTS | set(OPERATIONS["worker"].outputs)
