"""Cache purge of N URLs: cfaction's batches vs one request per URL, Free and Enterprise."""

from __future__ import annotations

import time

import requests

from bench.common import Section, Table, cfaction, emulator, num, ratio, secs
from cfemu import DEFAULT_PURGE_LIMITS, Emulator
from cfemu.demo import DEMO_TOKEN, DEMO_ZONE_ID

BATCH = {"free": 100, "enterprise": 500}  # the most URLs one request may hold on each plan


def paths(count: int) -> list[str]:
    """Paths, which cfaction joins to https://example.com: 10,000 full URLs would not fit in
    one environment variable (Linux caps one at 128 KiB), so no runner could pass them."""
    return [f"/a/{i}" for i in range(count)]


def urls(count: int) -> list[str]:
    return [f"https://example.com{path}" for path in paths(count)]


def run_cfaction(plan: str, count: int, latency: float) -> tuple[float, int]:
    with emulator(latency, plan) as emu:
        start = time.monotonic()
        inputs = {
            "operation": "purge",
            "zone": "example.com",
            "files": "\n".join(paths(count)),
            "batch_size": str(BATCH[plan]),
        }
        cfaction(emu, inputs)
        wall = time.monotonic() - start
        assert len(emu.state.purged_urls()) == count
        return wall, len(emu.log)


def naive(emu: Emulator, count: int) -> int:
    """POST one URL per request (a keep-alive session); wait out 429s. Returns requests sent."""
    sent = 0
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {DEMO_TOKEN}"
        for url in urls(count):
            while True:
                sent += 1
                answer = session.post(
                    f"{emu.base_url}/zones/{DEMO_ZONE_ID}/purge_cache", json={"files": [url]}
                )
                if answer.status_code != 429:
                    answer.raise_for_status()
                    break
                time.sleep(float(answer.headers.get("Retry-After", "1")))
    return sent


def run_naive(plan: str, count: int, cap: int, latency: float) -> tuple[float, int, bool]:
    """(wall seconds, calls, extrapolated?) for ``count`` URLs, measuring at most ``cap``."""
    measured = min(count, cap)
    with emulator(latency, plan) as emu:
        start = time.monotonic()
        calls = naive(emu, measured)
        wall = time.monotonic() - start
    scale = count / measured
    return wall * scale, round(calls * scale), measured < count


def run(sizes: list[int], naive_cap: int, latency: float) -> Section:
    rows: list[list[str]] = []
    plot: dict[str, dict[str, list[float]]] = {}
    extrapolated_any = False
    for plan in ("free", "enterprise"):
        limit = DEFAULT_PURGE_LIMITS[plan].urls_per_second
        for count in sizes:
            wall, calls = run_cfaction(plan, count, latency)
            n_wall, n_calls, extrapolated = run_naive(plan, count, naive_cap, latency)
            extrapolated_any |= extrapolated
            mark = " *" if extrapolated else ""
            rows.append(
                [
                    plan,
                    num(count),
                    secs(wall),
                    num(calls),
                    num(count / wall),
                    f"{num(limit)}/s",
                    secs(n_wall) + mark,
                    num(n_calls) + mark,
                    ratio(n_wall, wall),
                ]
            )
            series = plot.setdefault(plan, {"n": [], "ours": [], "naive": []})
            series["n"].append(count)
            series["ours"].append(wall)
            series["naive"].append(n_wall)
    notes = [
        f"{latency * 1000:.0f} ms added to every API request; the emulator enforces the plan's "
        "purge rate limits (token buckets: Free 800 URLs/s, Enterprise 3,000 URLs/s, a "
        "second's worth as burst) and answers 429 with Retry-After beyond them.",
        "cfaction: `operation: purge` with `zone: example.com` (one zone lookup) and "
        f"`batch_size` {BATCH['free']} on Free, {BATCH['enterprise']} on Enterprise (the most "
        "URLs one request may hold). Its time includes Python start-up and the lookup. "
        "The URLs are given as `/a/N` paths: 10,000 full URLs exceed the 128 KiB Linux allows "
        "one environment variable, so a `files` input that large cannot reach any action.",
        'one per URL: a `requests.Session` loop POSTing `{"files": [url]}` to the zone ID, '
        "sequentially, sleeping Retry-After on 429. Ratio: its time / cfaction's.",
    ]
    notes.append(
        "The loop runs inside the bench's own process, so it pays no interpreter start-up "
        "(~0.15 s for cfaction, see Start-up): at the smallest size it can come out ahead."
    )
    if extrapolated_any:
        notes.append(
            f"\\* measured on the first {num(naive_cap)} URLs and scaled linearly to the size "
            "(sequential requests below the rate limit take the same time each)."
        )
    table = Table(
        "Cache purge",
        [
            "plan",
            "URLs",
            "cfaction",
            "calls",
            "URLs/s",
            "plan limit",
            "one per URL",
            "its calls",
            "time vs cfaction",
        ],
        rows,
        notes,
    )
    return Section([table], plot)
