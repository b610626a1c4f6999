"""Worker publish: cfaction vs ``wrangler deploy --no-bundle``, plus wrangler's npm install.

cfaction is timed twice: as ``python entrypoint.py`` (``run_step``) and, when a Docker engine
answers and the image exists, as the runner runs the container (``run_container_step``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import Section, Stats, Table, cfaction, emulator, ratio, secs
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN
from cfemu.runner import run_container_step, write_files
from tests.harness.wrangler import (
    NPM_INSTALL,
    WRANGLER_VERSION,
    Wrangler,
    deploy,
    installed_wrangler,
)

IMAGE = os.environ.get("CFACTION_IMAGE", "cfaction:test")
INPUTS = {"operation": "worker", "account_id": DEMO_ACCOUNT_ID, "config": "wrangler.toml"}
PROJECT = {
    "wrangler.toml": (
        'name = "bench"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n'
        'no_bundle = true\nworkers_dev = true\n\n[vars]\nGREETING = "hello"\n'
    ),
    "src/index.js": (
        "export default {\n"
        "  async fetch(request, env) { return new Response(env.GREETING); },\n"
        "};\n"
    ),
}


def run_cfaction(latency: float) -> tuple[float, int, float]:
    """(wall seconds, API calls, seconds to the first API request)."""
    with emulator(latency) as emu:
        start = time.monotonic()
        cfaction(emu, INPUTS, files=PROJECT)
        wall = time.monotonic() - start
        log = emu.log.snapshot()
        return wall, len(log), log[0].at - start


def docker(docker_host: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_HOST": docker_host}
    return subprocess.run(
        ["docker", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def container_engine() -> tuple[str | None, str]:
    """(DOCKER_HOST, engine description) of an engine that answers and has IMAGE, or
    (None, why not). Starts nothing: $DOCKER_HOST when set, else the sockets
    scripts/container looks at (the default one, then the dockerd it starts)."""
    if shutil.which("docker") is None:
        return None, "no docker CLI"
    if os.environ.get("DOCKER_HOST"):
        candidates = [os.environ["DOCKER_HOST"]]
    else:
        own = Path(os.environ.get("CFACTION_DOCKER_DIR", "/var/tmp/cfaction-docker"))
        candidates = ["unix:///var/run/docker.sock", f"unix://{own / 'docker.sock'}"]
    for host in candidates:
        try:
            info = docker(host, "info", "-f", "{{.ServerVersion}} {{.Driver}}")
        except subprocess.TimeoutExpired:
            continue
        if info.returncode != 0:
            continue
        found = docker(host, "image", "inspect", "-f", "{{.Size}}", IMAGE)
        if found.returncode != 0:
            return None, f"no image {IMAGE} on the engine at {host} (run scripts/container build)"
        version, _, driver = info.stdout.strip().partition(" ")
        size = int(found.stdout.strip()) / 1e6
        return host, f"dockerd {version}, storage driver {driver}, {IMAGE} {size:.0f} MB"
    return None, f"no Docker engine answers at {' or '.join(candidates)}"


def run_container(latency: float, docker_host: str) -> tuple[float, int, float]:
    """As run_cfaction, with the image run the way the runner runs it."""
    with emulator(latency) as emu:
        start = time.monotonic()
        given = {"api_base_url": emu.base_url, "api_token": DEMO_TOKEN, **INPUTS}
        result = run_container_step(
            IMAGE, given, docker_host=docker_host, files=PROJECT, timeout=600
        )
        wall = time.monotonic() - start
        if result.exit_code != 0:
            raise RuntimeError(
                f"the container step failed ({result.exit_code}):\n{result.stdout}{result.stderr}"
            )
        log = emu.log.snapshot()
        return wall, len(log), log[0].at - start


def container_runs(
    runs: int, latency: float, reason: str
) -> tuple[list[tuple[float, int, float]], str]:
    """(the container runs, engine description) or ([], why they were skipped)."""
    if reason:
        return [], reason
    docker_host, about = container_engine()
    if docker_host is None:
        return [], about
    try:
        return [run_container(latency, docker_host) for _ in range(runs)], about
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        return [], f"the container run failed: {str(error).splitlines()[0]}"


def run_wrangler(wrangler: Wrangler, latency: float) -> tuple[float, int, float]:
    with emulator(latency) as emu, tempfile.TemporaryDirectory(prefix="bench-wr-") as tmp:
        project, home = Path(tmp) / "project", Path(tmp) / "home"
        write_files(project, PROJECT)
        home.mkdir()
        start = time.monotonic()
        done = deploy(wrangler, project, emu.base_url, home, timeout=600)
        wall = time.monotonic() - start
        if done.returncode != 0:
            raise RuntimeError(f"wrangler deploy failed:\n{done.stdout}\n{done.stderr}")
        log = emu.log.snapshot()
        return wall, len(log), log[0].at - start


def npm_install() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-npm-") as tmp:
        start = time.monotonic()
        subprocess.run(
            [*NPM_INSTALL, "--prefer-online"],
            cwd=tmp,
            check=True,
            capture_output=True,
            timeout=900,
        )
        return time.monotonic() - start


def run(runs: int, npm_runs: int, latency: float, container_unavailable: str = "") -> Section:
    """``container_unavailable``: why the container variant cannot run ("" to try it)."""
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not installed: the worker benchmark needs it for wrangler")
    wrangler = installed_wrangler()
    ours = [run_cfaction(latency) for _ in range(runs)]
    boxed, about = container_runs(runs, latency, container_unavailable)
    if not boxed:
        print(f"   container run skipped: {about}", flush=True)
    theirs = [run_wrangler(wrangler, latency) for _ in range(runs)]
    npm = Stats(tuple(npm_install() for _ in range(npm_runs))) if npm_runs else None
    ours_t, theirs_t = Stats(tuple(r[0] for r in ours)), Stats(tuple(r[0] for r in theirs))
    rows = [
        ["cfaction (entrypoint.py)", secs(ours_t.min), secs(ours_t.median), str(ours[0][1]), "1x"]
    ]
    boxed_t = Stats(tuple(r[0] for r in boxed)) if boxed else None
    if boxed_t is not None:
        rows.append(
            [
                f"cfaction (docker run {IMAGE})",
                secs(boxed_t.min),
                secs(boxed_t.median),
                str(boxed[0][1]),
                ratio(boxed_t.median, ours_t.median),
            ]
        )
    rows += [
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
        "cfaction (entrypoint.py) is `python entrypoint.py` run the way the runner runs the "
        "container's process, without Docker.",
        (
            f"cfaction (docker run): the built image run as the GitHub runner runs a container "
            f"action (`run_container_step`: `docker run --rm`, `-e` for every input, the "
            f"runner's five mounts, `--network host`), {runs} runs; {about}. It includes "
            "container create, start and removal, not the image build (`scripts/container "
            "build`) the runner does once per job. "
            + (
                "The vfs storage driver (the dockerd scripts/container starts uses it) copies "
                "the image's whole file system for every container; overlay2, the usual "
                "driver, does not, so a runner likely starts it sooner. "
                if "storage driver vfs" in about
                else ""
            )
            + "`bench/run --container` builds the image first."
            if boxed
            else f"The container run (docker run of {IMAGE}) was skipped: {about}. "
            "`bench/run --container` starts an engine and builds the image first."
        ),
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
    first.rows = [["cfaction", secs(ours_f.min), secs(ours_f.median), "1x"]]
    if boxed:
        boxed_f = Stats(tuple(r[2] for r in boxed))
        first.rows.append(
            [
                "cfaction (docker run)",
                secs(boxed_f.min),
                secs(boxed_f.median),
                ratio(boxed_f.median, ours_f.median),
            ]
        )
    first.rows += [
        [
            "wrangler",
            secs(theirs_f.min),
            secs(theirs_f.median),
            ratio(theirs_f.median, ours_f.median),
        ],
    ]
    bars = [("cfaction", ours_t.median, "C0")]
    if boxed_t is not None:
        bars.append(("cfaction\n(docker run)", boxed_t.median, "C2"))
    bars.append(("wrangler deploy", theirs_t.median, "C1"))
    if npm is not None:
        bars.append(("npm install", npm.median, "C7"))
    plot = {
        "labels": [label for label, _, _ in bars],
        "medians": [median for _, median, _ in bars],
        "colors": [colour for _, _, colour in bars],
        "wrangler_first": theirs_f,
        "container": boxed_t,
    }
    return Section([table, first], plot)
