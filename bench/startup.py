"""Start-up: process start to the first API request, and what the run imports to get there.

The time to the first request is measured with no added latency, from just before the
runner stand-in starts ``python entrypoint.py`` (``StepResult.started``) to the emulator's
log entry of that request, which is made as soon as it is served. The import figures come
from ``-X importtime`` (PYTHONPROFILEIMPORTTIME=1 for the step, so they cover exactly what
the run imports). ``bench/run.py`` writes the product's bytecode first, as the image
carries it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Mapping

from bench.common import REPO, Section, Stats, Table, cfaction, emulator, ratio, secs

PURGE = {"operation": "purge", "zone": "example.com", "files": "/index.html"}
VERIFY = {"operation": "verify", "zone": "example.com"}

_IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)$")


def first_request(inputs: Mapping[str, str]) -> float:
    """Seconds from the start of ``python entrypoint.py`` to the emulator serving its first
    request (no added latency)."""
    with emulator(0) as emu:
        result = cfaction(emu, inputs)
        return emu.log.snapshot()[0].at - result.started


def run_imports(inputs: Mapping[str, str]) -> tuple[float, int]:
    """(seconds, modules) that a run imports, per ``-X importtime``: the sum of the
    cumulative times of the top-level imports, and how many modules were imported."""
    with emulator(0) as emu:
        result = cfaction(emu, inputs, env={"PYTHONPROFILEIMPORTTIME": "1"})
    total, count = 0, 0
    for line in result.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            count += 1
            if not match.group(2):  # top level: its cumulative time includes its imports
                total += int(match.group(1))
    return total / 1e6, count


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
    purge = Stats(tuple(first_request(PURGE) for _ in range(runs)))
    verify = Stats(tuple(first_request(VERIFY) for _ in range(runs)))
    profiled = [run_imports(PURGE) for _ in range(runs)]
    purge_imports = Stats(tuple(seconds for seconds, _ in profiled))
    modules = min(count for _, count in profiled)
    imports = Stats(tuple(import_time() for _ in range(runs)))
    bare = Stats(tuple(interpreter("pass") for _ in range(runs)))
    with_main = Stats(tuple(interpreter("import cfaction.main") for _ in range(runs)))
    rows = [
        ["purge: process start to first API request", secs(purge.min), secs(purge.median), ""],
        ["verify: process start to first API request", secs(verify.min), secs(verify.median), ""],
        [
            f"`-X importtime`: all a purge run imports ({modules} modules)",
            secs(purge_imports.min),
            secs(purge_imports.median),
            "",
        ],
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
        # Its figure counts to the log entry after one added latency; compare without it.
        theirs = wrangler_first.median - latency
        rows.append(
            [
                "wrangler deploy: process start to first API request",
                secs(wrangler_first.min - latency),
                secs(theirs),
                ratio(theirs, verify.median) + " cfaction verify's",
            ]
        )
    notes = [
        f"{runs} runs each. `purge` is `zone: example.com`, `files: /index.html` (its first "
        "request is the zone lookup); `verify` is `zone: example.com` (the token check). "
        "The time counts from just before the runner stand-in starts `python entrypoint.py` "
        "to the emulator serving the request, with no added latency.",
        "A run imports only the operation it runs (`cfaction/ops/__init__.py` names each "
        "operation's inputs and defaults and imports its package when it runs): a purge "
        "imports neither the Worker code nor YAML (tests/e2e/test_startup_imports.py).",
        "The wrangler row comes from the Worker publish runs (its first request, less the "
        f"{latency * 1000:.0f} ms latency those runs add).",
    ]
    table = Table("Start-up", ["what", "min", "median", "ratio"], rows, notes)
    plot = {"labels": ["cfaction", "wrangler"], "first": [verify.median]}
    if wrangler_first is not None:
        plot["first"].append(wrangler_first.median - latency)
    return Section([table], plot)
