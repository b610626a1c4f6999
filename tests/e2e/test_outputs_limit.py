"""Big results end to end: all outputs of a step stay under GitHub's 1 MB, lists are cut at
their end and ``result`` says so, and the report file that ``report_path`` names has every
item, read as a later step of the job reads it."""

from __future__ import annotations

import json

import pytest

from cfaction.output_budget import HEREDOC_OVERHEAD
from cfemu import Emulator, Fault
from cfemu.demo import DEMO_TOKEN
from cfemu.runner import StepResult, run_step

pytestmark = pytest.mark.e2e

MB = 1_000_000


def outputs_size(run: StepResult) -> int:
    """The bytes the runner counts against the limit: names, values and delimiters."""
    return sum(len(k.encode()) + len(v.encode()) + HEREDOC_OVERHEAD for k, v in run.outputs.items())


def cuts(result: dict[str, object]) -> dict[str, tuple[int, int]]:
    listed = result["cut"]
    assert isinstance(listed, list)
    return {
        ".".join(filter(None, (c["output"], c.get("path")))): (c["total"], c["kept"])
        for c in listed
    }


def test_a_failed_purge_of_20000_urls_fits_and_the_report_file_lists_every_url(
    emulator: Emulator,
) -> None:
    urls = [
        f"https://example.com/assets/build-2026-12-01/chunk-{n:05}.js?v=1" for n in range(20_000)
    ]
    emulator.faults.add(Fault(kind="status", status=403, code=10000, path="/purge_cache", times=0))

    run = run_step(
        {
            "operation": "purge",
            "zone": "example.com",
            "api_token": DEMO_TOKEN,
            "api_base_url": emulator.base_url,
            "files": "@urls.txt",
        },
        files={"urls.txt": "\n".join(urls) + "\n"},
    )

    assert run.exit_code == 1, run.stdout
    assert outputs_size(run) < MB
    result = run.result()
    assert result["ok"] is False and result["truncated"] is True
    total, kept = cuts(result)["result.not_purged"]
    assert total == 20_000 and 0 < kept < total
    assert result["not_purged"] == urls[:kept]
    assert run.report is not None
    whole = run.report["result"]
    assert isinstance(whole, dict) and whole["not_purged"] == urls
    assert "truncated" not in whole
    assert "the report file (`report_path`) lists them all" in run.summary
    assert any(line.startswith("Outputs cut to stay under") for line in run.log_lines())


def test_a_dns_dry_run_of_3000_records_fits_and_the_report_file_has_them_all(
    emulator: Emulator,
) -> None:
    lines = ["records:"] + [
        f"  - {{type: TXT, name: r{n:04}, content: 'site-verification={n:04}-{'v' * 120}'}}"
        for n in range(3_000)
    ]

    run = run_step(
        {
            "operation": "dns",
            "zone": "example.com",
            "api_token": DEMO_TOKEN,
            "api_base_url": emulator.base_url,
            "records": "dns.yml",
            "dry_run": "true",
        },
        files={"dns.yml": "\n".join(lines) + "\n"},
    )

    assert run.exit_code == 0, run.stdout
    assert outputs_size(run) < MB
    result = run.result()
    assert result["truncated"] is True
    assert cuts(result)["records"][0] == 3_000
    records = json.loads(run.outputs["records"])
    assert 0 < len(records) < 3_000
    assert [r["name"] for r in records] == [f"r{n:04}.example.com" for n in range(len(records))]
    assert run.outputs["created"] == "3000"
    assert run.report is not None
    assert len(run.report["records"]) == 3_000  # type: ignore[arg-type]
    assert run.report["created"] == 3000
    assert "plan.changes" in cuts(result) and len(run.report["plan"]["changes"]) == 3_000  # type: ignore[index]


def test_a_small_result_is_not_cut_and_the_report_file_matches_the_outputs(
    emulator: Emulator,
) -> None:
    run = run_step(
        {
            "operation": "purge",
            "zone": "example.com",
            "api_token": DEMO_TOKEN,
            "api_base_url": emulator.base_url,
            "files": "https://example.com/a.css",
        }
    )

    assert run.exit_code == 0, run.stdout
    assert "truncated" not in run.result()
    assert run.report is not None
    assert run.report["result"] == run.result()
    assert run.report["purged"] == int(run.outputs["purged"])
    assert run.outputs["report_path"].startswith(".cfaction/")
