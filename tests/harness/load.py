"""Twenty runs at once sharing one token, against the emulator's per-token rate limit.

Cloudflare allows 1,200 requests per 5 minutes per user or token and answers 429 with
``Retry-After`` beyond that (https://developers.cloudflare.com/fundamentals/api/reference/
limits/). :func:`run_load` starts purge, DNS and Worker runs together, each as the runner runs
the entrypoint, with the emulator's ``global_limit`` on, and checks what a team sharing the
token would check afterwards: every run finished, every purge batch was accepted exactly
once, every DNS record exists once, every Worker has exactly one version. The test runs it
scaled down (a limit of a few dozen requests per few seconds); ``bench/load.py`` runs it at
Cloudflare's figures.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, DEMO_ZONE_ID
from cfemu.runner import StepResult, run_step

WORKER = "export default { async fetch() { return new Response('load'); } };\n"


@dataclass(frozen=True)
class LoadShape:
    """How many runs of each kind, and how much each one sends."""

    purge_runs: int = 8
    dns_runs: int = 8
    worker_runs: int = 4
    urls_per_purge: int = 100
    batch_size: int = 10
    records_per_dns: int = 3


@dataclass
class LoadReport:
    """What the runs did and what the emulator holds afterwards."""

    runs: list[StepResult]
    seconds: float
    requests: int
    rate_limited: int
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[int]:
        return [n for n, run in enumerate(self.runs) if run.exit_code != 0]


def run_load(emulator: Emulator, shape: LoadShape, limit: tuple[int, float]) -> LoadReport:
    """Run ``shape`` at once with ``limit`` = (requests, window seconds) per credential,
    every run with the action's defaults (``max_retries`` included)."""
    emulator.state.global_limit = limit
    emulator.log.clear()
    steps = _steps(emulator, shape)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(steps)) as pool:
        runs = list(pool.map(lambda given: run_step(given[0], files=given[1], timeout=900), steps))
    seconds = time.monotonic() - started
    report = LoadReport(
        runs=runs,
        seconds=seconds,
        requests=len(emulator.log),
        rate_limited=sum(1 for r in emulator.log if r.status == 429),
    )
    _check_purges(emulator, shape, report)
    _check_records(emulator, shape, report)
    _check_workers(emulator, shape, report)
    return report


Step = tuple[dict[str, str], dict[str, str | bytes]]


def _steps(emulator: Emulator, shape: LoadShape) -> list[Step]:
    common = {"api_token": DEMO_TOKEN, "api_base_url": emulator.base_url}
    steps: list[Step] = []
    for run in range(shape.purge_runs):
        urls = "\n".join(_urls(run, shape))
        given = {"operation": "purge", "zone": "example.com", "files": "@urls.txt"}
        given["batch_size"] = str(shape.batch_size)
        steps.append(({**common, **given}, {"urls.txt": urls + "\n"}))
    for run in range(shape.dns_runs):
        records = "\n".join(
            f"- {{type: TXT, name: {name}, content: 'load-{run}'}}" for name in _names(run, shape)
        )
        given = {"operation": "dns", "zone": "example.com", "records": records}
        steps.append(({**common, **given}, {}))
    for run in range(shape.worker_runs):
        config = (
            f'name = "load-{run}"\nmain = "index.js"\ncompatibility_date = "2026-11-01"\n'
            "no_bundle = true\n"
        )
        given = {"operation": "worker", "account_id": DEMO_ACCOUNT_ID, "config": "wrangler.toml"}
        steps.append(({**common, **given}, {"index.js": WORKER, "wrangler.toml": config}))
    return steps


def _urls(run: int, shape: LoadShape) -> list[str]:
    return [f"https://example.com/load/{run}/{n}.css" for n in range(shape.urls_per_purge)]


def _names(run: int, shape: LoadShape) -> list[str]:
    return [f"load-{run}-{n}" for n in range(shape.records_per_dns)]


def _check_purges(emulator: Emulator, shape: LoadShape, report: LoadReport) -> None:
    purged = Counter(item for p in emulator.state.purges for item in p.items)
    for run in range(shape.purge_runs):
        for url in _urls(run, shape):
            if purged[url] == 0:
                report.missing.append(f"purge {url}")
            elif purged[url] > 1:
                report.duplicates.append(f"purge {url} x{purged[url]}")


def _check_records(emulator: Emulator, shape: LoadShape, report: LoadReport) -> None:
    for run in range(shape.dns_runs):
        for name in _names(run, shape):
            found = emulator.state.records(DEMO_ZONE_ID, name=f"{name}.example.com", type="TXT")
            if not found:
                report.missing.append(f"record {name}")
            elif len(found) > 1:
                report.duplicates.append(f"record {name} x{len(found)}")


def _check_workers(emulator: Emulator, shape: LoadShape, report: LoadReport) -> None:
    for run in range(shape.worker_runs):
        script = emulator.state.workers.get((DEMO_ACCOUNT_ID, f"load-{run}"))
        versions = len(script.versions) if script is not None else 0
        if versions == 0:
            report.missing.append(f"worker load-{run}")
        elif versions > 1:
            report.duplicates.append(f"worker load-{run}: {versions} versions")
