"""Start-up: process start to the first API request, and the import time of cfaction.main."""

from __future__ import annotations

import re
import subprocess
import sys
import time

from bench.common import REPO, Section, Stats, Table, cfaction, emulator, ratio, secs


def first_request(latency: float) -> float:
    """Seconds from just before run_step starts the process to the emulator's first log entry."""
    with emulator(latency) as emu:
        start = time.monotonic()
        cfaction(emu, {"operation": "verify", "zone": "example.com"})
        return emu.log.snapshot()[0].at - start


def import_time() -> float:
    """cfaction.main's cumulative import time per ``python -X importtime``, in seconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import cfaction.main"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| cfaction\.main$", line)
        if match:
            return int(match.group(1)) / 1e6
    raise RuntimeError("cfaction.main not in -X importtime output")


def interpreter(code: str) -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    return time.monotonic() - start


def run(runs: int, latency: float, wrangler_first: Stats | None) -> Section:
    first = Stats(tuple(first_request(latency) for _ in range(runs)))
    imports = Stats(tuple(import_time() for _ in range(runs)))
    bare = Stats(tuple(interpreter("pass") for _ in range(runs)))
    with_main = Stats(tuple(interpreter("import cfaction.main") for _ in range(runs)))
    rows = [
        ["cfaction: process start to first API request", secs(first.min), secs(first.median), ""],
        [
            "`-X importtime` cumulative of cfaction.main",
            secs(imports.min),
            secs(imports.median),
            "",
        ],
        ["`python -c pass` (bare interpreter)", secs(bare.min), secs(bare.median), ""],
        ["`python -c 'import cfaction.main'`", secs(with_main.min), secs(with_main.median), ""],
    ]
    if wrangler_first is not None:
        rows.append(
            [
                "wrangler deploy: process start to first API request",
                secs(wrangler_first.min),
                secs(wrangler_first.median),
                ratio(wrangler_first.median, first.median) + " cfaction's",
            ]
        )
    notes = [
        f"{runs} runs each, of `operation: verify`; the time counts from just before "
        "run_step writes the step's files and starts `python entrypoint.py` to the "
        "emulator's log entry, which is made "
        f"after the {latency * 1000:.0f} ms latency, so it includes one latency.",
        "The wrangler row comes from the Worker publish runs (its first request, same latency).",
    ]
    table = Table("Start-up", ["what", "min", "median", "ratio"], rows, notes)
    plot = {"labels": ["cfaction", "wrangler"], "first": [first.median]}
    if wrangler_first is not None:
        plot["first"].append(wrangler_first.median)
    return Section([table], plot)
