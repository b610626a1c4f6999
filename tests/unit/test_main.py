"""Tests for cfaction.main: the one run shape every operation goes through, in-process with a
RecordingReporter and HTTP mocked by ``responses`` (the e2e suite runs the same through the
entrypoint)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from cfaction.errors import ActionError
from cfaction.main import execute, perform
from cfaction.ops.base import Context, Operation, Outcome
from tests.helpers import BASE, TOKEN, ZONE_ID, RecordingReporter, Run, ok


def raw(**given: str) -> dict[str, str]:
    return {"api_token": TOKEN, "api_base_url": BASE, "max_retries": "0", **given}


def purge_ok(rsps: responses.RequestsMock) -> None:
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))


def test_a_run_reports_outputs_summary_and_exit_code_0(rsps: responses.RequestsMock) -> None:
    purge_ok(rsps)
    reporter = RecordingReporter()

    code = execute(raw(operation="purge", zone=ZONE_ID, purge_everything="true"), reporter)

    assert code == 0
    (outputs,) = reporter.output_calls
    assert (outputs["purged"], outputs["batches"], outputs["api_calls"]) == (1, 1, 1)
    assert outputs["dry_run"] is False
    assert outputs["zone_id"] == ZONE_ID
    result = outputs["result"]
    assert isinstance(result, dict) and result["ok"] is True and result["errors"] == []
    assert reporter.logs[-1] == "cfaction purge succeeded; 1 API call."
    (summary,) = reporter.summaries
    assert summary.endswith("Operation `purge` ✅ succeeded. API calls: 1.\n")
    assert reporter.errors == []


def test_dry_run_is_decided_once_in_main_and_nothing_is_sent(rsps: responses.RequestsMock) -> None:
    reporter = RecordingReporter()

    code = execute(
        raw(operation="purge", zone=ZONE_ID, files="https://example.com/a", dry_run="true"),
        reporter,
    )

    assert code == 0
    assert len(rsps.calls) == 0
    assert "Dry run: would purge" in reporter.logs[0]
    assert reporter.output_calls[0]["dry_run"] is True


def test_an_invalid_input_is_reported_with_0_calls_and_no_summary_when_asked(
    rsps: responses.RequestsMock,
) -> None:
    reporter = RecordingReporter()

    code = execute(
        raw(
            operation="purge",
            zone=ZONE_ID,
            purge_everything="true",
            batch_size="0",
            summary="false",
        ),
        reporter,
    )

    assert code == 1
    assert [title for title, _ in reporter.errors] == ["Input batch_size"]
    (outputs,) = reporter.output_calls
    assert outputs["api_calls"] == 0
    assert reporter.summaries == []
    assert len(rsps.calls) == 0


def test_an_invalid_dry_run_still_reports_dry_run_false(rsps: responses.RequestsMock) -> None:
    reporter = RecordingReporter()

    execute(raw(operation="verify", dry_run="maybe"), reporter)

    assert reporter.output_calls[0]["dry_run"] is False
    assert [title for title, _ in reporter.errors] == ["Input dry_run"]


def test_secrets_are_masked_even_when_the_inputs_are_invalid(rsps: responses.RequestsMock) -> None:
    reporter = RecordingReporter()

    code = execute(
        raw(operation="verify", secrets="KEY=worker-secret-value", timeout="0"), reporter
    )

    assert code == 1
    assert reporter.scrub(f"x {TOKEN} worker-secret-value y") == "x *** *** y"


def test_warnings_of_the_inputs_and_of_the_operation_are_annotations(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(
        f"{BASE}/user/tokens/verify",
        json=ok({"id": "t", "status": "active", "expires_on": "2000-01-01T00:00:00Z"}),
    )
    reporter = RecordingReporter()

    code = execute(raw(operation="verify", api_token=f"Bearer {TOKEN}"), reporter)

    assert code == 0
    assert [title for title, _ in reporter.warnings] == ["Input api_token", "API token"]


def failing(plan: Any) -> Operation[None, None, None]:
    return Operation(
        name="probe",
        inputs={},
        outputs=(),
        permissions=(),
        load=lambda source, problems: None,
        plan=plan,
        apply=None,
        render=lambda plan, applied: Outcome(heading="probe", markdown=""),
    )


def test_an_action_error_while_planning_becomes_a_failed_outcome() -> None:
    def plan(ctx: Context, inputs: None) -> None:
        raise ActionError("cannot go on", title="Probe")

    outcome = perform(failing(plan), Run("verify").ctx, None)

    assert outcome.heading == "probe failed"
    assert [(p.title, p.message) for p in outcome.problems] == [("Probe", "cannot go on")]
    assert outcome.result == {"ok": False}


def test_any_other_exception_is_a_bug_and_keeps_its_traceback() -> None:
    def plan(ctx: Context, inputs: None) -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        perform(failing(plan), Run("verify").ctx, None)


def test_a_failure_after_partial_progress_keeps_the_operations_outputs(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    rsps.post(f"{BASE}/zones/{ZONE_ID}/purge_cache", json=ok({"id": "p1"}))
    rsps.post(
        f"{BASE}/zones/{ZONE_ID}/purge_cache",
        status=400,
        json={"success": False, "errors": [{"code": 1016, "message": "bad"}], "result": None},
    )
    reporter = RecordingReporter()
    files = "\n".join(f"https://example.com/{n}" for n in range(3))

    code = execute(raw(operation="purge", zone=ZONE_ID, files=files, batch_size="2"), reporter)

    assert code == 1
    outputs = reporter.output_calls[0]
    assert (outputs["purged"], outputs["batches"], outputs["purge_ids"]) == (2, 1, ["p1"])
    assert [title for title, _ in reporter.errors] == ["Cloudflare error 1016", "Purge incomplete"]
    assert json.loads(json.dumps(outputs["result"]))["not_purged"] == ["https://example.com/2"]
