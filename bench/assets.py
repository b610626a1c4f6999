"""Static assets: a 2,000-file, 20 MB site with a Worker in front, deployed by cfaction and by
``wrangler deploy`` on the same emulator (50 ms per request): first deploy and an unchanged
re-deploy, with calls, bytes uploaded, time and cfaction's peak memory.

Each tool deploys into a fresh emulator, so both first deploys upload every file; the
re-deploys then upload nothing. Peak memory is the largest resident set of the cfaction
process of a first deploy, measured in a fresh interpreter (``ru_maxrss`` of its one child)
so that no other process of the benchmark counts.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import REPO, Section, Stats, Table, cfaction, emulator, ratio, secs
from cfemu.demo import DEMO_ACCOUNT_ID
from cfemu.reqlog import LoggedRequest
from cfemu.runner import write_files
from tests.harness.npm_packages import link_tree
from tests.harness.wrangler import Wrangler, deploy, installed_wrangler

FILES = 2_000
SIZE = 10_000
"""Bytes per file: 2,000 files of 10 kB are 20 MB."""
INPUTS = {"operation": "worker", "account_id": DEMO_ACCOUNT_ID, "config": "wrangler.toml"}
TOML = (
    'name = "bench-site"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n'
    'no_bundle = true\nworkers_dev = true\n[assets]\ndirectory = "./public"\nbinding = "ASSETS"\n'
)


def site() -> dict[str, str | bytes]:
    """The project: nested folders of pseudo-random files (incompressible, distinct)."""
    files: dict[str, str | bytes] = {
        "wrangler.toml": TOML,
        "src/index.js": "export default { fetch(r, env) { return env.ASSETS.fetch(r); } };\n",
    }
    for n in range(FILES):
        seed = hashlib.sha256(str(n).encode()).digest()
        data = (seed * (SIZE // len(seed) + 1))[:SIZE]
        files[f"public/section-{n % 20}/page-{n // 20}/file-{n}.bin"] = data
    return files


def uploaded(log: Sequence[LoggedRequest]) -> tuple[int, int]:
    """(upload requests, bytes in their bodies) of one run."""
    ups = [r for r in log if r.path.endswith("/workers/assets/upload")]
    return len(ups), sum(len(r.body) for r in ups)


def run_cfaction_in(project: Path, latency: float) -> list[tuple[float, int, int, int]]:
    """[(seconds, calls, upload requests, upload bytes)] of a first deploy and a re-deploy
    on one emulator, of a project already written (linked into each step's workspace, so
    writing the site is not timed, as it is not for wrangler)."""
    rows = []
    with emulator(latency) as emu:
        for _ in range(2):
            emu.log.clear()
            start = time.monotonic()
            cfaction(emu, INPUTS, prepare=lambda workspace: link_tree(project, workspace))
            wall = time.monotonic() - start
            log = emu.log.snapshot()
            rows.append((wall, len(log), *uploaded(log)))
    return rows


def run_wrangler(
    wrangler: Wrangler, files: dict[str, str | bytes], latency: float
) -> list[tuple[float, int, int, int]]:
    rows = []
    with emulator(latency) as emu, tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        project, home = Path(tmp) / "project", Path(tmp) / "home"
        write_files(project, files)
        home.mkdir()
        for _ in range(2):
            emu.log.clear()
            start = time.monotonic()
            done = deploy(wrangler, project, emu.base_url, home, timeout=900)
            wall = time.monotonic() - start
            if done.returncode != 0:
                raise RuntimeError(f"wrangler deploy failed:\n{done.stdout}\n{done.stderr}")
            log = emu.log.snapshot()
            rows.append((wall, len(log), *uploaded(log)))
    return rows


def peak_memory_mb(latency: float) -> float:
    """The first deploy's cfaction process's peak resident set, in MB."""
    code = (
        "import resource\n"
        "from bench.assets import INPUTS, site\n"
        "from bench.common import cfaction, emulator\n"
        f"with emulator({latency!r}) as emu:\n"
        "    cfaction(emu, INPUTS, files=site())\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1]) / 1024


def run(runs: int, latency: float) -> Section:
    files = site()
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        write_files(Path(tmp), files)
        ours = [run_cfaction_in(Path(tmp), latency) for _ in range(runs)]
    peak_mb = peak_memory_mb(latency)
    wrangler = installed_wrangler()
    theirs = [run_wrangler(wrangler, files, latency) for _ in range(runs)]
    rows = []
    for index, label in enumerate(("first deploy", "unchanged re-deploy")):
        mine = Stats(tuple(r[index][0] for r in ours))
        other = Stats(tuple(r[index][0] for r in theirs))
        _, calls, ups, sent = ours[0][index]
        _, their_calls, their_ups, their_sent = theirs[0][index]
        rows.append(
            [
                f"cfaction, {label}",
                secs(mine.median),
                str(calls),
                str(ups),
                f"{sent / 1e6:.1f} MB",
                "1x",
            ]
        )
        rows.append(
            [
                f"wrangler deploy, {label}",
                secs(other.median),
                str(their_calls),
                str(their_ups),
                f"{their_sent / 1e6:.1f} MB",
                ratio(other.median, mine.median),
            ]
        )
    notes = [
        f"{runs} runs each, {latency * 1000:.0f} ms added to every API request. The site: "
        f"{FILES:,} files of {SIZE / 1000:.0f} kB ({FILES * SIZE / 1e6:.0f} MB) in 20 folders "
        "of 100, behind a one-line Worker (`no_bundle`, so only the assets differ).",
        "Upload bytes are the request bodies of the asset uploads (base64, as both tools send "
        "them). Ratio: the row's median time / cfaction's for the same deploy.",
        f"cfaction's peak memory (largest resident set of its process): {peak_mb:.0f} MB.",
    ]
    table = Table(
        "Static assets: 2,000 files, 20 MB",
        ["tool", "median", "API calls", "upload requests", "uploaded", "vs cfaction"],
        rows,
        notes,
    )
    return Section([table], {"peak_mb": peak_mb})
