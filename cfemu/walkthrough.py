"""``python -m cfemu.walkthrough``: the action's main job, run the way the
runner runs it, against the bundled emulator; then what a workflow would see.

No Cloudflare account is needed: the emulator plays Cloudflare with the demo state of
:mod:`cfemu.demo`. Each scenario runs ``entrypoint.py`` as a subprocess with
``INPUT_*`` variables for every input of ``action.yml`` and fresh ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` files, then prints the log (as the runner displays it, masked),
the job summary and the parsed outputs.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from cfemu import Emulator, Fault
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_TOKEN, demo_state
from cfemu.runner import (
    StepResult,
    is_mask_command,
    parse_workflow_commands,
    run_step,
)


@dataclass(frozen=True)
class Scenario:
    title: str
    inputs: Mapping[str, str]
    faults: tuple[Fault, ...] = ()
    files: Mapping[str, str | bytes] | None = None


DEPLOYED_FILES = "\n".join(
    ["/", "/index.html", "/blog/", "/index.html"]  # a duplicate, dropped
    + [f"https://www.example.com/assets/app.{i}.js" for i in range(180)]
)

DNS_RECORDS = """\
- {type: A, name: '@', content: 192.0.2.11, proxied: true}
- {type: CNAME, name: pr-42, content: preview.pages.example.net, proxied: true}
- {type: TXT, name: '@', content: google-site-verification=demo}
"""

SCENARIOS = (
    Scenario(
        "purge after a deploy: 184 URL lines and a cache tag; Cloudflare answers one batch "
        "with 429 and another with an HTML 522 page",
        {
            "operation": "purge",
            "zone": "www.example.com",
            "api_token": DEMO_TOKEN,
            "files": DEPLOYED_FILES,
            "tags": "release-2026-11-21",
        },
        (
            Fault(kind="status", status=429, retry_after=1, path="purge_cache"),
            Fault(kind="html", status=522, path="purge_cache", skip=1),
        ),
    ),
    Scenario(
        "DNS upsert in example.org: switch the apex A record (blue-green), add a preview "
        "CNAME and a verification TXT beside the SPF record, in one batch",
        {
            "operation": "dns",
            "zone": "example.org",
            "api_token": DEMO_TOKEN,
            "records": DNS_RECORDS,
        },
    ),
    Scenario(
        "the same DNS records again: nothing to change, no write",
        {
            "operation": "dns",
            "zone": "example.org",
            "api_token": DEMO_TOKEN,
            "records": DNS_RECORDS,
        },
    ),
    Scenario(
        "publish a Worker from its wrangler.toml (an ES module and a text module, vars, a "
        "KV namespace and a secret) with its workers.dev URL; no_bundle uploads the files as "
        "they are, so the walkthrough needs no esbuild (the action's image has it)",
        {
            "operation": "worker",
            "api_token": DEMO_TOKEN,
            "account_id": DEMO_ACCOUNT_ID,
            "config": "wrangler.toml",
            "modules": "src/*.txt",
            "secrets": "API_KEY=demo-secret-value",
            "message": "release v1.2.0",
        },
        files={
            "wrangler.toml": (
                'name = "hello-demo"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n'
                "no_bundle = true\n"
                '[vars]\nGREETING = "world"\n[[kv_namespaces]]\nbinding = "CACHE"\n'
                'id = "0123456789abcdef0123456789abcdef"\n'
            ),
            "src/index.js": (
                'import banner from "./banner.txt";\n'
                "export default { fetch(request, env) { "
                "return new Response(banner + env.GREETING); } };\n"
            ),
            "src/banner.txt": "Hello, ",
        },
    ),
    Scenario(
        "verify a user API token and find the zone of www.example.com",
        {"operation": "verify", "zone": "www.example.com", "api_token": DEMO_TOKEN},
    ),
    Scenario(
        "verify an account-owned token (the user endpoint answers 401; account_id fixes it)",
        {"operation": "verify", "api_token": DEMO_ACCOUNT_TOKEN, "account_id": DEMO_ACCOUNT_ID},
    ),
    Scenario(
        "a token pasted into global_key: refused before any API call, with what to change",
        {"operation": "verify", "global_key": DEMO_TOKEN, "email": "demo@example.com"},
    ),
)


def runner_view(run: StepResult) -> list[str]:
    """The log as the runner shows it: add-mask lines hidden, masked values as ***."""
    lines = []
    for line in (run.stdout + run.stderr).splitlines():
        if is_mask_command(line):
            continue
        (command,) = parse_workflow_commands(line) or (None,)
        if command is not None and command.name in ("error", "warning", "notice"):
            title = command.properties.get("title", "")
            line = f"{command.name.capitalize()}: {title}: {command.data}"
        for secret in sorted(run.masks, key=len, reverse=True):
            line = line.replace(secret, "***")
        lines.append(line)
    return lines


def _shown_input(name: str, value: str) -> str:
    if name in ("api_token", "global_key", "email", "secrets"):
        return "***"
    lines = value.splitlines()
    return f"{lines[0]} … ({len(lines)} lines)" if len(lines) > 1 else value


def show(scenario: Scenario, run: StepResult, out: object = sys.stdout) -> None:
    def say(text: str = "") -> None:
        print(text, file=out)  # type: ignore[call-overload]

    say(f"\n=== {scenario.title}")
    shown = {k: _shown_input(k, v) for k, v in scenario.inputs.items()}
    say("with: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    say("--- log")
    for line in runner_view(run):
        say(f"  {line}")
    say("--- job summary (GITHUB_STEP_SUMMARY)")
    for line in run.summary.rstrip().splitlines():
        say(f"  {line}")
    say("--- outputs (GITHUB_OUTPUT)")
    for name, value in run.outputs.items():
        say(f"  {name} = {value}")
    say(f"--- exit code: {run.exit_code}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", type=int, help="run only scenario N (1-based)")
    args = parser.parse_args(argv)
    scenarios = SCENARIOS if args.only is None else (SCENARIOS[args.only - 1],)
    with Emulator(demo_state()) as emulator:
        print(
            f"Cloudflare emulator at {emulator.base_url} (demo account, zones example.com, "
            "example.org, example.co.uk)"
        )
        for scenario in scenarios:
            emulator.log.clear()
            for fault in scenario.faults:
                emulator.faults.add(fault)
            run = run_step(
                {**scenario.inputs, "api_base_url": emulator.base_url}, files=scenario.files
            )
            show(scenario, run)
            received = Counter(
                f"{r.method} {r.path}" + (f" ({r.fault} fault)" if r.fault else "")
                for r in emulator.log
            )
            listed = ", ".join(f"{count} x {what}" for what, count in received.items())
            print(f"--- requests the emulator received: {listed or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
