"""Twenty runs at once sharing one token, against a rate limit scaled down from Cloudflare's
1,200 requests per 5 minutes (tests/harness/load.py; ``bench/load.py`` runs the full one):
every run finishes, nothing is lost, nothing is applied twice."""

from __future__ import annotations

import pytest

from cfemu import Emulator
from tests.harness import figures
from tests.harness.load import LoadShape, run_load

pytestmark = pytest.mark.e2e


def test_twenty_runs_sharing_one_token_all_finish_under_the_rate_limit(
    emulator: Emulator,
) -> None:
    shape = LoadShape()

    report = run_load(emulator, shape, limit=(40, 4.0))

    figures.count(
        "load (scaled down)",
        runs=len(report.runs),
        requests=report.requests,
        answered_429=report.rate_limited,
        failed=len(report.failed),
        lost=len(report.missing),
        duplicates=len(report.duplicates),
    )
    assert len(report.runs) == 20
    assert report.rate_limited > 0, "the limit was never reached: the test proves nothing"
    assert report.failed == [], [report.runs[n].stdout[-2000:] for n in report.failed]
    assert report.missing == []
    assert report.duplicates == []
