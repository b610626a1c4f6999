"""Run the benchmarks, print their tables and write docs/performance.md and .png."""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import assets, bundle, dns, load, purge, startup, worker
from bench.common import REPO, Section, secs

SECTIONS = ("worker", "bundle", "assets", "purge", "dns", "load", "startup")


def sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    add = parser.add_argument
    add("--quick", action="store_true", help="small sizes, 2 runs, no npm install; temp output")
    add(
        "--only", default=",".join(SECTIONS), help="comma-separated subset of " + ",".join(SECTIONS)
    )
    add("--runs", type=int, default=5, help="runs for worker publish and start-up (5)")
    add("--npm-runs", type=int, default=3, help="npm install runs, 0 to skip (3)")
    add("--latency", type=float, default=0.05, help="seconds added to every request (0.05)")
    add("--purge-sizes", type=sizes, default=[10, 1000, 10000], help="URL counts")
    add("--purge-naive-cap", type=int, default=1000, help="most URLs the one-per-URL loop sends")
    add("--dns-sizes", type=sizes, default=[1, 100, 1000], help="records upserted")
    add("--zone-sizes", type=sizes, default=[100, 5000], help="records already in the zone")
    add("--dns-naive-cap", type=int, default=200, help="most records done record by record")
    add("--out", type=Path, help="output folder (default docs/, or a temp folder with --quick)")
    add(
        "--container",
        action="store_true",
        help="run `scripts/container build` first (starts a Docker engine if none answers, "
        "as root; builds cfaction:test; leaves the engine up, `scripts/container stop` stops "
        "it) so Worker publish also times the image as the runner runs it. Without it that "
        "row is measured only if an engine already answers ($DOCKER_HOST or the sockets "
        "scripts/container uses) and has the image; otherwise the table says it was skipped",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.npm_runs = 2, 0
        args.purge_sizes, args.purge_naive_cap = [10, 200], 50
        args.dns_sizes, args.zone_sizes, args.dns_naive_cap = [1, 20], [100], 10
        args.out = args.out or Path(tempfile.mkdtemp(prefix="cfaction-bench-"))
    args.out = args.out or REPO / "docs"
    return args


def machine() -> str:
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Node {node.stdout.strip() or 'n/a'}"
    )


def container_setup() -> str:
    """`scripts/container build`, then DOCKER_HOST for the worker bench; "" or why it failed."""
    print("-- scripts/container build ...", flush=True)
    script = str(REPO / "scripts" / "container")
    built = subprocess.run([script, "build"], check=False)
    if built.returncode != 0:
        return f"`scripts/container build` failed (exit {built.returncode})"
    engine = subprocess.run([script, "engine"], capture_output=True, text=True, check=False)
    for line in engine.stdout.splitlines():
        if line.startswith("DOCKER_HOST="):
            os.environ["DOCKER_HOST"] = line.removeprefix("DOCKER_HOST=")
            return ""
    return f"`scripts/container engine` gave no DOCKER_HOST (exit {engine.returncode})"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    only = set(args.only.split(","))
    unavailable = container_setup() if args.container and "worker" in only else ""
    # The product's bytecode, as the image carries it: with PYTHONDONTWRITEBYTECODE set (as
    # on some machines) every timed run would otherwise compile what it imports from source.
    compileall.compile_dir(REPO / "cfaction", quiet=1)
    started = time.monotonic()
    done: dict[str, Section] = {}
    steps = {
        "worker": lambda: worker.run(args.runs, args.npm_runs, args.latency, unavailable),
        "bundle": lambda: bundle.run(args.runs, args.npm_runs, args.latency),
        "assets": lambda: assets.run(max(1, args.runs // 2), args.latency),
        "purge": lambda: purge.run(args.purge_sizes, args.purge_naive_cap, args.latency),
        "dns": lambda: dns.run(args.zone_sizes, args.dns_sizes, args.dns_naive_cap, args.latency),
        "load": lambda: load.run(args.latency, quick=args.quick),
        "startup": lambda: startup.run(
            args.runs,
            args.latency,
            done["worker"].plot.get("wrangler_first") if "worker" in done else None,
        ),
    }
    for name in SECTIONS:
        if name not in only:
            continue
        t0 = time.monotonic()
        print(f"-- {name} ...", flush=True)
        done[name] = steps[name]()
        for table in done[name].tables:
            print(table.text(), flush=True)
        print(f"   ({secs(time.monotonic() - t0)})", flush=True)
    elapsed = time.monotonic() - started
    args.out.mkdir(parents=True, exist_ok=True)
    from bench.report import plot, write  # matplotlib only once there is something to draw

    png = args.out / "performance.png"
    plot(done, png)
    md = args.out / "performance.md"
    command = "bench/run" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    write(done, md, png.name, command, machine(), when, elapsed)
    print(f"wrote {md} and {png} in {secs(elapsed)}")
    return 0
