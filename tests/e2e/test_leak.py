"""Secrets never leak: sentinel credentials are searched for in everything a step leaves
behind (log lines, stderr, outputs, summary), on success and on every kind of failure.
The only place a secret may appear is its own ``::add-mask::`` line, which must come before
anything else is printed."""

from __future__ import annotations

import pytest

from cfemu import Emulator, Fault
from cfemu.runner import RUNNER_EXPRESSIONS, StepResult, is_mask_command
from tests.conftest import RunStep

pytestmark = pytest.mark.e2e

TOKEN = "SENTINELtok3n0000000000000000000000000001"
UNKNOWN = "SENTINELunkn0wn00000000000000000000000002"
EMAIL = "sentinel-leak@example.com"
KEY = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"  # 37 hex, like a Global API Key
SECRETS = (TOKEN, UNKNOWN, EMAIL, KEY)


@pytest.fixture
def sentinel_emulator(emulator: Emulator) -> Emulator:
    emulator.state.add_token(TOKEN, permissions={"zone:read", "user:read"})
    emulator.state.add_global_key(email=EMAIL, key=KEY)
    return emulator


def assert_no_leak(run: StepResult) -> None:
    lines = (run.stdout + run.stderr).splitlines()
    for secret in SECRETS:
        for line in run.log_lines():
            assert secret not in line, f"{secret!r} printed: {line!r}"
        for name, value in run.outputs.items():
            assert secret not in value, f"{secret!r} in output {name}"
        assert secret not in run.summary
    # Every ::add-mask:: precedes the first other line.
    masks = [i for i, line in enumerate(lines) if is_mask_command(line)]
    others = [i for i, line in enumerate(lines) if not is_mask_command(line)]
    if masks and others:
        assert max(masks) < min(others), run.stdout


@pytest.mark.parametrize(
    "inputs",
    [
        {"api_token": TOKEN, "zone": "example.com"},
        {"api_token": UNKNOWN, "zone": "example.com", "account_id": "0" * 32},
        {"api_token": f"  'Bearer {TOKEN}'\n"},
        {"global_key": TOKEN, "email": EMAIL},
        {"api_token": KEY},
        {"api_token": f"{TOKEN}\n{UNKNOWN}"},
        {"email": EMAIL, "global_key": KEY, "zone": "example.org"},
        {"email": EMAIL, "global_key": KEY[:-1] + "0"},
    ],
    ids=[
        "valid-token",
        "unknown-token",
        "bearer-quoted",
        "token-as-key",
        "key-as-token",
        "two-lines",
        "valid-key",
        "wrong-key",
    ],
)
def test_credentials_never_appear_in_log_outputs_or_summary(
    step: RunStep, sentinel_emulator: Emulator, inputs: dict[str, str]
) -> None:
    run = step(operation="verify", **inputs)

    assert run.exit_code in (0, 1)
    assert_no_leak(run)
    given = [s for s in SECRETS if any(s in v for v in inputs.values())]
    assert set(given) <= set(run.masks)


def test_secret_echoed_by_the_api_is_scrubbed(step: RunStep, sentinel_emulator: Emulator) -> None:
    sentinel_emulator.faults.add(
        Fault(
            kind="status",
            status=400,
            code=1001,
            message=f"bad header Bearer {TOKEN}",
            path="verify",
        )
    )

    run = step(operation="verify", api_token=TOKEN)

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert "bad header Bearer ***" in error.data
    assert_no_leak(run)


def test_api_text_cannot_run_workflow_commands(step: RunStep, sentinel_emulator: Emulator) -> None:
    evil = "nope\n::add-mask::example\n::set-output name=token_status::pwned\n##[error]pwned"
    sentinel_emulator.faults.add(
        Fault(kind="status", status=400, code=1001, message=evil, path="verify")
    )

    run = step(operation="verify", api_token=TOKEN)

    names = [c.name for c in run.commands]
    assert names.count("error") == 1
    assert "set-output" not in names
    assert sorted(run.masks) == sorted([TOKEN, RUNNER_EXPRESSIONS["${{ github.token }}"]])
    assert run.outputs["token_status"] == "invalid"
    (error,) = run.annotations("error")
    assert "::set-output name=token_status::pwned" in error.data  # shown, not executed
