"""Load: twenty runs at once sharing one token against Cloudflare's per-token rate limit of
1,200 requests per 5 minutes, with more requests in all than the limit lets through, so
runs wait out 429 answers (``Retry-After``) and finish after the window moves on. The
scenario and its checks are ``tests/harness/load.py``; ``tests/e2e/test_load.py`` runs it
scaled down on every CI run."""

from __future__ import annotations

from bench.common import Section, Table, emulator, secs
from tests.harness.load import LoadShape, run_load

FULL = LoadShape(purge_runs=12, dns_runs=4, worker_runs=4, urls_per_purge=3_000, batch_size=30)
"""12 purges of 100 batches, 4 DNS upserts and 4 Worker deploys: about 1,300 requests."""
QUICK = LoadShape(purge_runs=12, dns_runs=4, worker_runs=4, urls_per_purge=300, batch_size=30)


def run(
    latency: float, *, quick: bool = False, limit: tuple[int, float] = (1200, 300.0)
) -> Section:
    shape = QUICK if quick else FULL
    if quick:
        limit = (100, 10.0)
    with emulator(latency) as emu:
        report = run_load(emu, shape, limit)
    runs = len(report.runs)
    table = Table(
        f"Load: {runs} runs at once on one token, {limit[0]:,} requests per {limit[1]:.0f} s",
        ["runs", "finished", "requests", "answered 429", "lost", "applied twice", "wall time"],
        [
            [
                str(runs),
                str(runs - len(report.failed)),
                f"{report.requests:,}",
                f"{report.rate_limited:,}",
                str(len(report.missing)),
                str(len(report.duplicates)),
                secs(report.seconds),
            ]
        ],
        [
            f"{shape.purge_runs} purges of {shape.urls_per_purge:,} URLs in batches of "
            f"{shape.batch_size}, {shape.dns_runs} DNS upserts of {shape.records_per_dns} "
            f"records and {shape.worker_runs} Worker deploys, started together with the "
            f"default max_retries; {latency * 1000:.0f} ms added to every request.",
            "The emulator counts every authenticated request per token in a sliding window "
            "and answers 429 with Retry-After (when the oldest counted request leaves it) "
            "beyond the limit; Cloudflare blocks the token for the rest of its window "
            "instead, which makes the wait longer, not the outcome different. Free plan "
            "purge buckets apply too.",
            "Lost: a purged URL, DNS record or Worker missing afterwards. Applied twice: a "
            "URL purged twice, a record or a Worker version created twice.",
        ],
    )
    return Section([table], {})
