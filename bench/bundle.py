"""Worker bundle and publish, TypeScript + hono: cfaction (bundle + upload) against
``wrangler deploy`` bundling the same project, and against ``npm install wrangler`` plus that
deploy, which is what a workflow without cfaction runs.

Both tools bundle the same files with the same esbuild version and store the same bytes
(tests/e2e/test_worker_bundling.py checks that); cfaction's own bundling time is read from
its ``result`` output.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench.common import Section, Stats, Table, cfaction, emulator, ratio, secs
from bench.worker import npm_install
from cfemu.demo import DEMO_ACCOUNT_ID
from cfemu.runner import write_files
from tests.harness.bundler import bundler_modules, esbuild_binary
from tests.harness.npm_packages import installed, link_tree
from tests.harness.wrangler import WRANGLER_VERSION, Wrangler, deploy, installed_wrangler

INPUTS = {"operation": "worker", "account_id": DEMO_ACCOUNT_ID, "config": "wrangler.toml"}
PACKAGES = {"hono": "4.9.8"}
PROJECT = {
    "wrangler.toml": (
        'name = "bench-ts"\nmain = "src/index.ts"\ncompatibility_date = "2026-11-01"\n'
        'workers_dev = true\n\n[vars]\nGREETING = "hello"\n'
    ),
    "package.json": '{"name": "bench-ts", "private": true, "dependencies": {"hono": "4.9.8"}}',
    "src/index.ts": (
        'import { Hono } from "hono";\n\n'
        "type Env = { GREETING: string };\n"
        "const app = new Hono<{ Bindings: Env }>();\n"
        'app.get("/", (c) => c.text(c.env.GREETING));\n'
        'app.get("/items/:id", (c) => c.json({ id: c.req.param("id") }));\n'
        "export default app;\n"
    ),
}


def run_cfaction(latency: float, modules: Path) -> tuple[float, int, float]:
    """(wall seconds, API calls, seconds cfaction spent bundling)."""
    tools = {
        "ESBUILD_BINARY_PATH": str(esbuild_binary()),
        "CFACTION_UNENV_DIR": str(bundler_modules()),
    }
    with emulator(latency) as emu:
        start = time.monotonic()
        result = cfaction(
            emu,
            INPUTS,
            files=PROJECT,
            env=tools,
            prepare=lambda workspace: link_tree(modules, workspace / "node_modules"),
        )
        wall = time.monotonic() - start
        bundled = json.loads(result.outputs["result"])["bundle"]
        return wall, len(emu.log.snapshot()), float(bundled["seconds"])


def run_wrangler(wrangler: Wrangler, latency: float, modules: Path) -> tuple[float, int]:
    with emulator(latency) as emu, tempfile.TemporaryDirectory(prefix="bench-ts-") as tmp:
        project, home = Path(tmp) / "project", Path(tmp) / "home"
        write_files(project, PROJECT)
        link_tree(modules, project / "node_modules")
        home.mkdir()
        start = time.monotonic()
        done = deploy(wrangler, project, emu.base_url, home, timeout=600, no_bundle=False)
        wall = time.monotonic() - start
        if done.returncode != 0:
            raise RuntimeError(f"wrangler deploy failed:\n{done.stdout}\n{done.stderr}")
        return wall, len(emu.log.snapshot())


def run(runs: int, npm_runs: int, latency: float) -> Section:
    modules = installed(PACKAGES)
    wrangler = installed_wrangler()
    ours = [run_cfaction(latency, modules) for _ in range(runs)]
    theirs = [run_wrangler(wrangler, latency, modules) for _ in range(runs)]
    ours_t, theirs_t = Stats(tuple(r[0] for r in ours)), Stats(tuple(r[0] for r in theirs))
    bundling = Stats(tuple(r[2] for r in ours))
    rows = [
        [
            "cfaction (bundle + upload)",
            secs(ours_t.min),
            secs(ours_t.median),
            str(ours[0][1]),
            "1x",
        ],
        [
            "wrangler deploy (bundling)",
            secs(theirs_t.min),
            secs(theirs_t.median),
            str(theirs[0][1]),
            ratio(theirs_t.median, ours_t.median),
        ],
    ]
    notes = [
        f"{runs} runs each, {latency * 1000:.0f} ms added to every API request; a fresh emulator "
        "per run. The project: `src/index.ts` importing hono 4.9.8 (from the project's "
        "node_modules, as `npm ci` leaves it), a var, workers.dev.",
        f"cfaction's bundling (esbuild run through its service protocol, wrangler's plugins "
        f"in Python) took {secs(bundling.median)} (median, min {secs(bundling.min)}) of its "
        "run; both tools bundle with esbuild 0.28.1 and store the same bytes.",
    ]
    if npm_runs:
        npm = Stats(tuple(npm_install() for _ in range(npm_runs)))
        total = npm.median + theirs_t.median
        rows.append(
            [
                f"npm install wrangler@{WRANGLER_VERSION} + wrangler deploy",
                "",
                secs(total),
                "",
                ratio(total, ours_t.median),
            ]
        )
        notes.append(
            f"npm install: {npm_runs} runs in a new empty folder (median {secs(npm.median)}); "
            "what a workflow without cfaction adds before its deploy."
        )
    table = Table(
        "Worker bundle and publish: TypeScript + hono",
        ["tool", "min", "median", "API calls", "vs cfaction"],
        rows,
        notes,
    )
    return Section([table], {"ours": ours_t.median, "wrangler": theirs_t.median})
