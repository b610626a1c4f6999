"""Worker publish: cfaction vs ``wrangler deploy --no-bundle``, plus wrangler's npm install."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import Section, Stats, Table, cfaction, emulator, ratio, secs
from cfaction.emulator.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN

WRANGLER_VERSION = "4.86.0"
INSTALL = ["npm", "install", f"wrangler@{WRANGLER_VERSION}", "--no-fund", "--no-audit"]
PROJECT = {
    "wrangler.toml": (
        'name = "bench"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n'
        'workers_dev = true\n\n[vars]\nGREETING = "hello"\n'
    ),
    "src/index.js": (
        "export default {\n"
        "  async fetch(request, env) { return new Response(env.GREETING); },\n"
        "};\n"
    ),
}


def wrangler_binary() -> Path:
    """The cached wrangler the conformance test uses; installed there on first use."""
    folder = Path(
        os.environ.get("CFACTION_WRANGLER_DIR")
        or Path.home() / ".cache" / "cfaction" / f"wrangler-{WRANGLER_VERSION}"
    )
    binary = folder / "node_modules" / ".bin" / "wrangler"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*INSTALL, "--prefix", str(folder)],
            check=True,
            capture_output=True,
            timeout=900,
        )
    return binary


def write_project(folder: Path) -> None:
    for relative, text in PROJECT.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")


def run_cfaction(latency: float) -> tuple[float, int, float]:
    """(wall seconds, API calls, seconds to the first API request)."""
    with emulator(latency) as emu:
        start = time.monotonic()
        inputs = {"operation": "worker", "account_id": DEMO_ACCOUNT_ID, "config": "wrangler.toml"}
        cfaction(emu, inputs, files=PROJECT)
        wall = time.monotonic() - start
        log = emu.log.snapshot()
        return wall, len(log), log[0].at - start


def run_wrangler(binary: Path, latency: float) -> tuple[float, int, float]:
    with emulator(latency) as emu, tempfile.TemporaryDirectory(prefix="bench-wr-") as tmp:
        project, home = Path(tmp) / "project", Path(tmp) / "home"
        write_project(project)
        home.mkdir()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "CI": "true",
            "NO_COLOR": "1",
            "WRANGLER_SEND_METRICS": "false",
            "CLOUDFLARE_API_BASE_URL": emu.base_url,
            "CLOUDFLARE_API_TOKEN": DEMO_TOKEN,
            "CLOUDFLARE_ACCOUNT_ID": DEMO_ACCOUNT_ID,
        }
        start = time.monotonic()
        done = subprocess.run(
            [str(binary), "deploy", "--no-bundle"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        wall = time.monotonic() - start
        if done.returncode != 0:
            raise RuntimeError(f"wrangler deploy failed:\n{done.stdout}\n{done.stderr}")
        log = emu.log.snapshot()
        return wall, len(log), log[0].at - start


def npm_install() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-npm-") as tmp:
        start = time.monotonic()
        subprocess.run(
            [*INSTALL, "--prefer-online"],
            cwd=tmp,
            check=True,
            capture_output=True,
            timeout=900,
        )
        return time.monotonic() - start


def run(runs: int, npm_runs: int, latency: float) -> Section:
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not installed: the worker benchmark needs it for wrangler")
    binary = wrangler_binary()
    ours = [run_cfaction(latency) for _ in range(runs)]
    theirs = [run_wrangler(binary, latency) for _ in range(runs)]
    npm = Stats(tuple(npm_install() for _ in range(npm_runs))) if npm_runs else None
    ours_t, theirs_t = Stats(tuple(r[0] for r in ours)), Stats(tuple(r[0] for r in theirs))
    rows = [
        ["cfaction (entrypoint.py)", secs(ours_t.min), secs(ours_t.median), str(ours[0][1]), "1x"],
        [
            "wrangler deploy --no-bundle",
            secs(theirs_t.min),
            secs(theirs_t.median),
            str(theirs[0][1]),
            ratio(theirs_t.median, ours_t.median),
        ],
    ]
    notes = [
        f"{runs} runs each, {latency * 1000:.0f} ms added to every API request; a fresh emulator "
        "per run. Ratio: median time of the row / cfaction's median.",
        "cfaction is run as `python entrypoint.py` the way the runner runs the container's "
        "process; the Docker variant (image pull or build, container start) is not measured.",
        "The project is one ES module and a var; the same files for both tools.",
    ]
    if npm is not None:
        total = npm.median + theirs_t.median
        rows.append(
            [
                f"npm install wrangler@{WRANGLER_VERSION} (fresh dir)",
                secs(npm.min),
                secs(npm.median),
                "0",
                ratio(npm.median, ours_t.median),
            ]
        )
        rows.append(
            ["npm install + wrangler deploy", "", secs(total), "", ratio(total, ours_t.median)]
        )
        notes.append(
            f"npm install: {npm_runs} runs in a new empty folder with `--prefer-online`: metadata "
            "is revalidated with the registry, but the tarballs come from this machine's warm "
            "npm cache (about 77 MB in ~/.npm/_cacache; wrangler's node_modules is about "
            "195 MB), so this is a lower bound: a runner without a restored npm cache also "
            "downloads them. The official wrangler-action runs such an install on every run."
        )
    table = Table(
        "Worker publish",
        ["tool", "min", "median", "API calls", "median vs cfaction"],
        rows,
        notes,
    )
    first = Table(
        "Worker publish: process start to first API request",
        ["tool", "min", "median", "vs cfaction"],
        [],
    )
    ours_f, theirs_f = Stats(tuple(r[2] for r in ours)), Stats(tuple(r[2] for r in theirs))
    first.rows = [
        ["cfaction", secs(ours_f.min), secs(ours_f.median), "1x"],
        [
            "wrangler",
            secs(theirs_f.min),
            secs(theirs_f.median),
            ratio(theirs_f.median, ours_f.median),
        ],
    ]
    plot = {
        "labels": ["cfaction", "wrangler deploy"] + (["npm install"] if npm else []),
        "medians": [ours_t.median, theirs_t.median] + ([npm.median] if npm else []),
        "wrangler_first": theirs_f,
    }
    return Section([table, first], plot)
