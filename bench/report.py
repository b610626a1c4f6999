"""docs/performance.md and its plot."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.common import Section, secs

INTRO = """\
How long cfaction takes, and how many API calls it makes, next to the usual alternatives,
all against the local emulator (`cfemu`) with {latency} added to every API
request to stand in for the network. Absolute times are from one machine and noisy; the
ratios from one run are what we quote. Regenerate with `{command}` ({elapsed} for this run).
`--container` runs `scripts/container build` first, so Worker publish also times the action's
image run as the runner runs it; without an engine that has the image, that row is skipped
and its table says why.
"""


def write(
    done: dict[str, Section],
    path: Path,
    png: str,
    command: str,
    machine: str,
    when: str,
    elapsed: float,
) -> None:
    lines = [
        "# Performance",
        "",
        INTRO.format(latency="50 ms", command=command, elapsed=secs(elapsed)),
        f"Run on {when}: {machine}.",
        "",
        f"![cfaction vs the alternatives]({png})",
        "",
    ]
    for section in done.values():
        lines += [table.markdown() for table in section.tables]
    path.write_text("\n".join(lines), encoding="utf-8")


def plot(done: dict[str, Section], path: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    (ax_worker, ax_purge), (ax_dns, ax_start) = axes
    if "worker" in done:
        data = done["worker"].plot
        ax_worker.bar(data["labels"], data["medians"], color=data["colors"])
        ax_worker.set_title("Worker publish (median)")
        ax_worker.set_ylabel("seconds")
    if "purge" in done:
        for index, (plan, series) in enumerate(done["purge"].plot.items()):
            colour = f"C{index}"
            ax_purge.plot(series["n"], series["ours"], "o-", color=colour, label=f"cfaction {plan}")
            ax_purge.plot(
                series["n"], series["naive"], "s--", color=colour, label=f"one per URL {plan}"
            )
        loglog(ax_purge, "Cache purge", "URLs")
    if "dns" in done:
        for index, (zone, series) in enumerate(done["dns"].plot.items()):
            colour = f"C{index}"
            ax_dns.plot(series["n"], series["ours"], "o-", color=colour, label=f"cfaction, {zone}")
            ax_dns.plot(
                series["n"], series["naive"], "s--", color=colour, label=f"record by record, {zone}"
            )
        loglog(ax_dns, "DNS upsert", "records upserted")
    if "startup" in done:
        data = done["startup"].plot
        ax_start.bar(data["labels"][: len(data["first"])], data["first"], color=["C0", "C1"])
        ax_start.set_title("Process start to first API request (median)")
        ax_start.set_ylabel("seconds")
    fig.suptitle("cfaction vs alternatives, emulator with 50 ms per request (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def loglog(ax: plt.Axes, title: str, xlabel: str) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title + " (dashed: per item, extrapolated past the cap)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("seconds")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
