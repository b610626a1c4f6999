"""The fault-injection matrix: for each operation, at every call position of its fault-free
run, one fault of each kind (a lost answer, a timeout, 429 with Retry-After, 500, an HTML
522 page, a connection reset). The request a lost answer or a timeout hits is applied, the
others are not; either way, the run must end as the fault-free run ends: the same emulator
state (no version, deployment, record, route, consumer or resource made twice), exit 0, and
the same outputs and summary (IDs read through the state, call counts aside).

A second matrix keeps one request failing for good (HTTP 500 on each of its attempts) at
each position: the run exits 1 (or 0 with a warning, for a read whose loss changes nothing
that is live), and its outputs and summary say exactly what is live, read from the
emulator's state: the version and deployment, which triggers were set and which not, which
DNS batches committed, which purge batches went through, and that a re-run is safe.

Runs are in-process (``cfaction.main.execute`` with a recording reporter, each against a
fresh emulator); retry pauses do not wait, except that a pause after a timeout lasts until
the slow request was served, as a real pause outlasts a slow answer.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import cfaction.main
from cfaction.client import Client
from cfemu import Emulator, Fault, LoggedRequest, State
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, demo_state
from cfemu.runner import write_files
from tests.harness import figures
from tests.helpers import RecordingReporter

pytestmark = pytest.mark.e2e

TIMEOUT = 0.5
"""The ``timeout`` input of every run: a latency fault of SLOW seconds outlasts it."""
SLOW = 0.8
RETRY_AFTER = 1.0

FAULTS: Mapping[str, Callable[[int], Fault]] = {
    "lost answer": lambda skip: Fault(kind="lose_answer", skip=skip),
    "timeout": lambda skip: Fault(kind="latency", delay=SLOW, skip=skip),
    "429 Retry-After": lambda skip: Fault(
        kind="status", status=429, retry_after=RETRY_AFTER, skip=skip
    ),
    "500": lambda skip: Fault(kind="status", status=500, skip=skip),
    "HTML 522": lambda skip: Fault(kind="html", status=522, skip=skip),
    "reset": lambda skip: Fault(kind="drop", skip=skip),
}

# --- the scenarios ------------------------------------------------------------------------

WORKER_SOURCE = """\
export default {
  async fetch() { return new Response("hi"); },
  async queue() {},
  async scheduled() {},
};
"""
BASE_CONFIG = """\
name = "full"
main = "src/index.js"
compatibility_date = "2026-11-01"
no_bundle = true
"""
GRADUAL_CONFIG = (
    BASE_CONFIG
    + """\
routes = [
  { pattern = "example.com/full/*", zone_name = "example.com" },
  { pattern = "full.example.com", custom_domain = true },
]

[triggers]
crons = ["*/5 * * * *"]

[[queues.consumers]]
queue = "jobs"
max_batch_size = 5
"""
)
IMMEDIATE_CONFIG = """\
name = "fresh"
main = "src/index.js"
compatibility_date = "2026-11-01"
no_bundle = true
workers_dev = true

[[kv_namespaces]]
binding = "CACHE"

[[queues.producers]]
binding = "JOBS"
queue = "fresh-jobs"

[triggers]
crons = ["0 * * * *"]
"""
PURGE_FILES = "\n".join(
    [
        "https://example.com/a",
        "https://example.com/b",
        '{"url": "https://example.com/c", "headers": {"CF-Device-Type": "mobile"}}',
        "https://example.com/d",
    ]
)
DNS_RECORDS = """\
- {type: A, name: '@', content: 192.0.2.11, proxied: true}
- {type: TXT, name: new, content: hello}
- {type: CNAME, name: www, content: example.net, proxied: true}
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    inputs: Mapping[str, str]
    files: Mapping[str, str] = field(default_factory=dict)
    prepare: Callable[[State], None] | None = None
    setup: Mapping[str, str] | None = None
    """Inputs of a fault-free run made first (a Worker that serves before a gradual one)."""

    def state(self) -> State:
        state = demo_state()
        if self.prepare is not None:
            self.prepare(state)
        return state


def with_jobs_queue(state: State) -> None:
    state.add_queue(DEMO_ACCOUNT_ID, "jobs")


WORKER = {"operation": "worker", "account_id": DEMO_ACCOUNT_ID, "config": "wrangler.toml"}
SCENARIOS = (
    Scenario(
        "purge",
        {
            "operation": "purge",
            "zone": "example.com",
            "files": PURGE_FILES,
            "tags": "release-1, release-2",
            "batch_size": "2",
        },
    ),
    Scenario("dns", {"operation": "dns", "zone": "example.org", "records": DNS_RECORDS}),
    Scenario("verify", {"operation": "verify", "zone": "example.com"}),
    Scenario(
        "worker gradual",
        {**WORKER, "rollout_percentage": "40", "message": "release 2"},
        {"wrangler.toml": GRADUAL_CONFIG, "src/index.js": WORKER_SOURCE},
        prepare=with_jobs_queue,
        setup={**WORKER, "config": "base.toml"},
    ),
    Scenario(
        "worker immediate",
        {**WORKER, "message": "first release"},
        {"wrangler.toml": IMMEDIATE_CONFIG, "src/index.js": WORKER_SOURCE},
    ),
    Scenario(
        "worker version",
        {**WORKER, "deploy": "false", "preview_alias": "pr-7", "message": "preview"},
        {"wrangler.toml": BASE_CONFIG, "src/index.js": WORKER_SOURCE},
        setup={**WORKER, "config": "base.toml"},
    ),
)


# --- running one step in-process -----------------------------------------------------------


@dataclass
class Step:
    """One run: its exit code, what it reported, the requests it sent and the state after."""

    code: int
    outputs: dict[str, Any]
    summary: str
    errors: list[tuple[str | None, str]]
    warnings: list[tuple[str | None, str]]
    log: list[LoggedRequest]
    state: State
    sleeps: list[float]
    before: frozenset[str] = frozenset()
    """The IDs of the versions and deployments there were before the run (its setup's)."""


class Pauses:
    """The client's ``sleep``: records each pause and, while a latency fault is armed, lasts
    until the slow request was served (a real pause outlasts it), without waiting otherwise."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.seen: list[float] = []
        self.slow = False

    def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)
        if self.slow:
            served(self.emulator)


def served(emulator: Emulator) -> None:
    """Wait until the request a latency fault slowed down has been served."""
    deadline = time.monotonic() + 10
    while not any(e.fault == "latency" for e in emulator.log.snapshot()):
        assert time.monotonic() < deadline, "the slow request was never served"
        time.sleep(0.01)


def run(
    scenario: Scenario,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: Fault | None = None,
) -> Step:
    with Emulator(scenario.state()) as emulator:
        files = dict(scenario.files)
        files["base.toml"] = BASE_CONFIG
        write_files(workspace, files)
        monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
        pauses = Pauses(emulator)
        monkeypatch.setattr(cfaction.main, "Client", functools.partial(Client, sleep=pauses))
        given = {
            "api_token": DEMO_TOKEN,
            "api_base_url": emulator.base_url,
            "max_retries": "2",
            "timeout": str(TIMEOUT),
        }
        if scenario.setup is not None:
            assert cfaction.main.execute({**given, **scenario.setup}, RecordingReporter()) == 0
            emulator.log.clear()
        before = frozenset(
            item.id
            for script in emulator.state.workers.values()
            for item in (*script.versions, *script.deployments)
        )
        if fault is not None:
            emulator.faults.add(fault)
            pauses.slow = fault.kind == "latency"
        reporter = RecordingReporter()
        code = cfaction.main.execute({**given, **scenario.inputs}, reporter)
        if pauses.slow:
            served(emulator)  # the state is read once the slow request is done
        (outputs,) = reporter.output_calls
        return Step(
            code,
            outputs,
            "".join(reporter.summaries),
            reporter.errors,
            reporter.warnings,
            emulator.log.snapshot(),
            emulator.state,
            pauses.seen,
            before,
        )


# --- what is compared ----------------------------------------------------------------------


def view(state: State) -> dict[str, Any]:
    """The state a run leaves, without IDs and times: what must equal the fault-free run's.
    Purges are a set: purging the same items twice is purging them once."""
    workers = {}
    for (_, name), script in sorted(state.workers.items()):
        number = {v.id: v.number for v in script.versions}
        workers[name] = {
            "versions": [(v.number, v.annotations.get("workers/message")) for v in script.versions],
            "deployments": [
                (
                    sorted((number[v["version_id"]], float(v["percentage"])) for v in d.versions),
                    d.annotations.get("workers/message"),
                )
                for d in script.deployments
            ],
            "aliases": {alias: number[v] for alias, v in script.aliases.items()},
            "schedules": [s.get("cron") for s in script.schedules],
            "workers.dev": (script.subdomain.enabled, script.subdomain.previews_enabled),
        }
    return {
        "workers": workers,
        "routes": sorted(
            (r.zone_id, r.pattern, r.script or "") for r in state.worker_routes.values()
        ),
        "domains": sorted((d.hostname, d.service) for d in state.worker_domains.values()),
        "queues": sorted(
            (q.queue_name, sorted((c.script or "", json.dumps(c.settings)) for c in q.consumers))
            for q in state.queues.values()
        ),
        "kv": sorted(n.title for n in state.kv_namespaces.values()),
        "dns": sorted(
            (r.zone_id, r.type, r.name, r.content, r.proxied, r.ttl)
            for r in state.dns_records.values()
        ),
        "purges": sorted({json.dumps([p.zone_id, p.kind, list(p.items)]) for p in state.purges}),
    }


def counts(state: State) -> Counter[str]:
    """How many of each thing a duplicate would add to."""
    found: Counter[str] = Counter()
    for script in state.workers.values():
        found["versions"] += len(script.versions)
        found["deployments"] += len(script.deployments)
    found["routes"] += len(state.worker_routes)
    found["domains"] += len(state.worker_domains)
    found["records"] += len(state.dns_records)
    found["consumers"] += sum(len(q.consumers) for q in state.queues.values())
    found["queues"] += len(state.queues)
    found["kv namespaces"] += len(state.kv_namespaces)
    return found


def names(state: State) -> dict[str, str]:
    """Every ID the state holds -> a name that is the same in every run."""
    found: dict[str, str] = {}
    for (_, name), script in state.workers.items():
        for version in script.versions:
            found[version.id] = f"<version {name} {version.number}>"
            found[version.etag] = f"<etag {name} {version.number}>"
            found[f"{version.id[:8]}-{name}."] = f"<version {name} {version.number}>-{name}."
        for index, deployment in enumerate(script.deployments, 1):
            found[deployment.id] = f"<deployment {name} {index}>"
    for record in state.dns_records.values():
        found[record.id] = f"<record {record.type} {record.name} {record.content}>"
    for purge in state.purges:
        found[purge.id] = f"<purge {purge.kind} {json.dumps(list(purge.items))}>"
    for namespace in state.kv_namespaces.values():
        found[namespace.id] = f"<kv {namespace.title}>"
    for queue in state.queues.values():
        found[queue.queue_id] = f"<queue {queue.queue_name}>"
        for consumer in queue.consumers:
            found[consumer.consumer_id] = f"<consumer {queue.queue_name}>"
    return found


CALLS = re.compile(r'("api_calls": )\d+|(API calls: )\d+|(\d+ API calls?)')


def report(step: Step) -> tuple[str, str]:
    """Outputs and summary with every ID named through the state and call counts left out."""
    text = json.dumps(step.outputs, sort_keys=True)
    summary = step.summary
    for value, name in sorted(names(step.state).items(), key=lambda item: -len(item[0])):
        if value:
            text = text.replace(value, name)
            summary = summary.replace(value, name)
    return CALLS.sub("<calls>", text), CALLS.sub("<calls>", summary)


# --- the matrices --------------------------------------------------------------------------


@dataclass
class Totals:
    """What one scenario's matrix found (printed with the run's log)."""

    runs: int = 0
    exit_0: int = 0
    recovered: int = 0
    duplicates: int = 0
    wrong_reports: int = 0
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "workspace"
    folder.mkdir()
    yield folder


@pytest.fixture
def terminal(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Prints past pytest's capture: the matrix figures are part of every test run's log."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def write(line: str) -> None:
        with capture.global_and_fixture_disabled():
            print(line)

    return write


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_a_fault_at_any_call_ends_as_the_fault_free_run_ends(
    scenario: Scenario,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    terminal: Callable[[str], None],
) -> None:
    clean = run(scenario, workspace, monkeypatch)
    assert clean.code == 0, clean.errors
    expected_view, expected_counts, expected_report = (
        view(clean.state),
        counts(clean.state),
        report(clean),
    )
    totals = Totals()
    for position, sent in enumerate(clean.log):
        for kind, make in FAULTS.items():
            step = run(scenario, workspace, monkeypatch, make(position))
            totals.runs += 1
            where = f"{kind} at call {position + 1} ({sent.method} {sent.path})"
            faulted = [e for e in step.log if e.fault is not None]
            assert len(faulted) == 1, where
            extra = counts(step.state) - expected_counts
            duplicated = sum(extra.values())
            totals.duplicates += duplicated
            if step.code == 0:
                totals.exit_0 += 1
            else:
                totals.failures.append(f"{where}: exit {step.code}: {step.errors}")
            if view(step.state) != expected_view:
                totals.failures.append(
                    f"{where}: the state differs:\n{view(step.state)}\n!=\n{expected_view}"
                )
            wrong = report(step) != expected_report
            if wrong:
                totals.wrong_reports += 1
                totals.failures.append(
                    f"{where}: the report differs:\n{report(step)}\n!=\n{expected_report}"
                )
            figures.count(
                "fault matrix", cases=1, duplicates=min(duplicated, 1), wrong_reports=int(wrong)
            )
            if kind.startswith("429"):
                assert RETRY_AFTER in step.sleeps, where
            if len(step.log) > len(clean.log):
                totals.recovered += 1
    terminal(
        f"fault matrix {scenario.name}: {totals.runs} runs ({len(clean.log)} calls x "
        f"{len(FAULTS)} faults), exit 0: {totals.exit_0}, duplicates {totals.duplicates}, "
        f"wrong reports {totals.wrong_reports}"
    )
    assert not totals.failures, "\n\n".join(totals.failures[:4])
    assert totals.duplicates == 0
    assert totals.recovered == totals.runs


# --- a request that fails for good -------------------------------------------------------

ID = re.compile(r"[0-9a-f]{32}")
"""A 32-hex ID in a path (a queue or zone the run's state made): another in every run."""


def failing_for_good(log: list[LoggedRequest], position: int) -> Fault:
    """HTTP 500 on every attempt of the request at ``position`` of a fault-free run (one
    first attempt and ``max_retries`` 2 more), and on no other request."""
    sent = log[position]
    pattern = "^" + ID.sub("[0-9a-f]{32}", re.escape(sent.path)) + "$"
    earlier = sum(
        1 for e in log[:position] if e.method == sent.method and re.search(pattern, e.path)
    )
    return Fault(kind="status", status=500, method=sent.method, path=pattern, skip=earlier, times=3)


def live_worker(step: Step) -> list[str]:
    """What a Worker run's outputs and summary get wrong about what is live (empty: right)."""
    wrong: list[str] = []
    outputs, summary = step.outputs, step.summary
    ((_, name),) = [key for key in step.state.workers if key[1] in ("full", "fresh")] or [("", "")]
    script = next((s for (_, n), s in step.state.workers.items() if n == name), None)
    made = [v for v in script.versions if v.id not in step.before] if script else []
    new_deployments = [d for d in script.deployments if d.id not in step.before] if script else []
    latest = script.deployments[-1] if script and script.deployments else None
    live = (
        bool(made)
        and latest is not None
        and any(v["version_id"] == made[-1].id for v in latest.versions)
    )
    if len(made) > 1:
        wrong.append(f"{len(made)} versions were made")
    version = made[-1].id if made else ""
    if outputs.get("version_id", "") != version:
        wrong.append(f"version_id {outputs.get('version_id')!r}, but the run made {version!r}")
    if live:
        assert latest is not None
        if f"{version} of {name} is live" not in summary and f"`{version}` is live" not in summary:
            wrong.append("the summary does not say the new version is live")
        said = outputs.get("deployment_id", "")
        warned = any("deployment_id" in message for _, message in step.warnings)
        if said != latest.id and not (said == "" and warned):
            wrong.append(f"deployment_id {said!r}, but {latest.id!r} is live")
    elif made:
        uploaded = (
            "was uploaded but is not deployed",
            f"uploaded version `{version}`, not deployed",
        )
        if not any(words in summary for words in uploaded) or version not in summary:
            wrong.append("the summary does not say the version is uploaded, not deployed")
        if outputs.get("deployment_id", "") != "" or new_deployments:
            wrong.append("a deployment is reported or made though the version is not live")
    elif not any(
        words in summary
        for words in ("nothing was published", "no version was uploaded", "Nothing was changed")
    ):
        wrong.append("the summary does not say nothing was published")
    routes = sorted(r.pattern for r in step.state.worker_routes.values() if r.script == name)
    if sorted(outputs.get("routes", [])) != routes:
        wrong.append(f"routes {outputs.get('routes')}, but {routes} are set")
    domains = sorted(d.hostname for d in step.state.worker_domains.values() if d.service == name)
    if sorted(outputs.get("custom_domains", [])) != domains:
        wrong.append(f"custom_domains {outputs.get('custom_domains')}, but {domains} are set")
    result = outputs.get("result", {})
    for trigger in result.get("triggers", []):
        row = f"| {trigger['kind']} |"
        state = {"set": "✅ set", "failed": "❌ failed"}.get(trigger["state"], trigger["state"])
        if not any(
            line.startswith(row) and line.endswith(f"| {state} |") for line in summary.splitlines()
        ):
            wrong.append(f"the summary does not show {trigger['kind']} as {state}")
        if trigger["state"] == "failed" and trigger["kind"] not in next(
            (m for t, m in step.errors if t == "Worker triggers incomplete"), ""
        ):
            wrong.append(f"the report does not name the failed {trigger['kind']}")
    for row in result.get("resources", []):
        exists = row["name"] in {n.title for n in step.state.kv_namespaces.values()} | {
            q.queue_name for q in step.state.queues.values()
        }
        if row["action"] == "create" and row.get("created") != exists:
            wrong.append(f"{row['name']}: created {row.get('created')}, but exists: {exists}")
    return wrong


def live_purge(step: Step) -> list[str]:
    wrong: list[str] = []
    purged = Counter(
        json.dumps(item, sort_keys=True) for p in step.state.purges for item in p.items
    )
    result = step.outputs.get("result", {})
    said = sum(b["items"] for b in result.get("batches", []) if b["state"] == "purged")
    if step.outputs.get("purged", 0) != said or said != sum(purged.values()):
        wrong.append(
            f"purged {step.outputs.get('purged')}, but {sum(purged.values())} went through"
        )
    if len(step.outputs.get("purge_ids", [])) != len(step.state.purges):
        wrong.append("purge_ids does not list every purge that went through")
    for item in result.get("not_purged", []):
        if f"`{item}`" not in step.summary:
            wrong.append(f"the summary does not list {item} as not purged")
    return wrong


def live_dns(step: Step, clean: Step) -> list[str]:
    committed = view(step.state)["dns"] == view(clean.state)["dns"]
    result = step.outputs.get("result", {})
    wrong: list[str] = []
    if "applied_batches" in result and result["applied_batches"] != int(committed):
        wrong.append(f"applied_batches {result['applied_batches']}, committed: {committed}")
    if (
        not committed
        and "not applied" not in step.summary
        and "Nothing was changed" not in (step.summary)
    ):
        wrong.append("the summary does not say the changes were not applied")
    return wrong


def live_verify(step: Step) -> list[str]:
    status = step.outputs.get("token_status")
    return [] if status in ("active", "unknown") else [f"token_status {status!r} after a 500"]


def what_is_wrong(scenario: Scenario, step: Step, clean: Step) -> list[str]:
    """The report's errors about what is live (empty: it says exactly what is)."""
    operation = scenario.inputs["operation"]
    wrong = {
        "worker": lambda: live_worker(step),
        "purge": lambda: live_purge(step),
        "dns": lambda: live_dns(step, clean),
        "verify": lambda: live_verify(step),
    }[operation]()
    if step.code == 0 and not step.warnings:
        wrong.append("exit 0 without a warning though a request failed for good")
    if step.code == 0 and view(step.state) != view(clean.state):
        wrong.append("exit 0, but the state differs from the fault-free run's")
    if step.code != 0 and "Re-run" not in step.summary and "re-run" not in step.summary:
        wrong.append("the summary does not say what to do (re-run)")
    return wrong


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_after_a_request_fails_for_good_the_report_says_exactly_what_is_live(
    scenario: Scenario,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    terminal: Callable[[str], None],
) -> None:
    clean = run(scenario, workspace, monkeypatch)
    assert clean.code == 0, clean.errors
    failures: list[str] = []
    for position, sent in enumerate(clean.log):
        step = run(scenario, workspace, monkeypatch, failing_for_good(clean.log, position))
        where = f"HTTP 500 for good at call {position + 1} ({sent.method} {sent.path})"
        assert sum(1 for e in step.log if e.fault is not None) == 3, where
        wrong = what_is_wrong(scenario, step, clean)
        figures.count("late-failure reports", cases=1, wrong_reports=int(bool(wrong)))
        failures.extend(f"{where}: {problem}" for problem in wrong)
        extra = counts(step.state) - counts(clean.state)
        assert not extra, f"{where}: made twice: {extra}"
    terminal(
        f"late-failure reports {scenario.name}: {len(clean.log)} runs, "
        f"wrong reports {len({f.split(': ')[0] for f in failures})}"
    )
    assert not failures, "\n".join(failures)
