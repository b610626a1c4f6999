"""``operation: purge`` end to end: the entrypoint as the runner runs it, against the
emulator, which records what was purged and enforces the per-request limits and the purge
rate limits. Call budgets are asserted as exact counts."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from cfemu import Emulator, Fault, PurgeLimits
from cfemu.demo import DEMO_TOKEN, DEMO_ZONE_ID, DEMO_ZONE_TOKEN, DEMO_ZONES
from cfemu.runner import run_step
from tests.conftest import RunStep

pytestmark = pytest.mark.e2e

PURGE_PATH = "/purge_cache"


def purge_bodies(emulator: Emulator) -> list[dict[str, object]]:
    """Bodies of the purge requests Cloudflare answered with success."""
    return [r.json for r in emulator.log if r.path.endswith(PURGE_PATH) and r.status == 200]


def purge_calls(emulator: Emulator) -> int:
    return sum(1 for r in emulator.log if r.path.endswith(PURGE_PATH))


def lookups(emulator: Emulator) -> list[str]:
    return [r.query["name"][0] for r in emulator.log if r.path == "/zones"]


def relax_limits(emulator: Emulator) -> None:
    """Rate limits high enough that only the per-request caps matter."""
    emulator.state.purge_limits["free"] = PurgeLimits(
        ops_rate=1000, ops_window=1, ops_bucket=1000, urls_per_second=100_000
    )


def url_lines() -> tuple[list[str], list[str]]:
    """1,234 lines: 1,000 URLs, 100 /path lines, and 134 duplicates (100 repeated URLs and
    34 /path lines that name an URL already listed). Returns (lines, unique URLs)."""
    absolute = [f"https://example.com/a/{i}" for i in range(1000)]
    paths = [f"/b/{i}" for i in range(100)]
    duplicates = absolute[:100] + [f"/a/{i}" for i in range(34)]
    lines = absolute[:500] + paths + duplicates + absolute[500:]
    unique = absolute + [f"https://example.com{p}" for p in paths]
    return lines, unique


def test_1234_url_lines_are_purged_once_each_in_the_fewest_calls(
    step: RunStep, emulator: Emulator
) -> None:
    relax_limits(emulator)
    lines, unique = url_lines()
    assert len(lines) == 1234

    run = step(operation="purge", zone="example.com", api_token=DEMO_TOKEN, files="\n".join(lines))

    assert run.exit_code == 0, run.stdout
    batches = math.ceil(len(unique) / 100)
    assert purge_calls(emulator) == batches == 11
    assert lookups(emulator) == ["example.com"]
    assert run.outputs["api_calls"] == str(1 + batches)
    purged = emulator.state.purged(DEMO_ZONE_ID, "files")
    assert Counter(purged) == Counter(unique)  # every URL exactly once
    assert [len(body["files"]) for body in purge_bodies(emulator)] == [100] * 10 + [100]
    # Input order is kept: the first batch starts with the first line.
    assert purge_bodies(emulator)[0]["files"][:2] == lines[:2]
    assert run.outputs["purged"] == "1100"
    assert run.outputs["batches"] == "11"
    assert len(json.loads(run.outputs["purge_ids"])) == 11
    assert json.loads(run.outputs["zones"]) == [{"id": DEMO_ZONE_ID, "name": "example.com"}]
    assert run.outputs["zone_id"] == DEMO_ZONE_ID
    assert "| example.com | files | 1,100 | 11 | ✅ purged |" in run.summary


def test_rate_limits_and_server_errors_at_different_batches_are_survived(
    step: RunStep, emulator: Emulator
) -> None:
    relax_limits(emulator)
    lines, unique = url_lines()
    emulator.faults.add(Fault(kind="status", status=429, retry_after=0, path=PURGE_PATH, skip=2))
    emulator.faults.add(Fault(kind="status", status=502, path=PURGE_PATH, skip=5))
    emulator.faults.add(Fault(kind="html", status=522, path=PURGE_PATH, skip=8))

    run = step(operation="purge", zone="example.com", api_token=DEMO_TOKEN, files="\n".join(lines))

    assert run.exit_code == 0, run.stdout
    assert [r.fault for r in emulator.log if r.fault] == ["status", "status", "html"]
    assert purge_calls(emulator) == 11 + 3  # the retries are the only extra calls
    assert Counter(emulator.state.purged(DEMO_ZONE_ID, "files")) == Counter(unique)
    assert run.outputs["purged"] == "1100"


def test_the_purge_bucket_is_waited_for_without_losing_or_repeating_items(
    step: RunStep, emulator: Emulator
) -> None:
    # One tag request per second, two in a burst: the third batch must wait for a token.
    emulator.state.purge_limits["free"] = PurgeLimits(ops_rate=1, ops_window=1, ops_bucket=2)
    tags = [f"tag-{i}" for i in range(300)]

    run = step(operation="purge", zone="example.com", api_token=DEMO_TOKEN, tags="\n".join(tags))

    assert run.exit_code == 0, run.stdout
    throttled = [r for r in emulator.log if r.status == 429]
    assert throttled, "the bucket should have been hit"
    assert all(r.path.endswith(PURGE_PATH) for r in throttled)
    assert Counter(emulator.state.purged(DEMO_ZONE_ID, "tags")) == Counter(tags)
    assert run.outputs["batches"] == "3"
    assert purge_calls(emulator) == 3 + len(throttled)


def test_a_batch_that_fails_for_good_gives_a_partial_report(
    step: RunStep, emulator: Emulator
) -> None:
    relax_limits(emulator)
    lines, unique = url_lines()
    # Batch 4 fails on both of its attempts (max_retries=1); every other batch succeeds.
    emulator.faults.add(Fault(kind="status", status=500, path=PURGE_PATH, skip=3, times=2))

    run = step(
        operation="purge",
        zone="example.com",
        api_token=DEMO_TOKEN,
        files="\n".join(lines),
        max_retries="1",
    )

    assert run.exit_code == 1
    lost = set(unique[300:400])  # batch 4 holds the 301st to the 400th unique URL
    assert set(emulator.state.purged(DEMO_ZONE_ID, "files")) == set(unique) - lost
    assert run.outputs["purged"] == "1000"
    assert run.outputs["batches"] == "10"
    result = run.result()
    assert set(result["not_purged"]) == lost
    assert [b["state"] for b in result["batches"]].count("failed") == 1
    titles = [e.properties["title"] for e in run.annotations("error")]
    assert titles == ["Cloudflare error 10001", "Purge incomplete"]
    assert "1 of 11 purge batches were not purged (100 items)" in run.annotations("error")[1].data
    assert "❌ 10 of 11 purged, 1 failed" in run.summary
    assert "**Not purged**" in run.summary
    assert f"`{unique[300]}`" in run.summary


def test_a_token_without_the_purge_permission_stops_after_the_first_batch(
    step: RunStep, emulator: Emulator
) -> None:
    emulator.state.add_token("NoPurge-0123456789abcdefghijklmnopqrstuv", permissions={"zone:read"})

    run = step(
        operation="purge",
        zone="example.com",
        api_token="NoPurge-0123456789abcdefghijklmnopqrstuv",
        files="\n".join(f"https://example.com/{i}" for i in range(250)),
    )

    assert run.exit_code == 1
    assert purge_calls(emulator) == 1  # the zone refuses the permission: the rest is skipped
    result = run.result()
    assert [b["state"] for b in result["batches"]] == ["failed", "not attempted", "not attempted"]
    assert len(result["not_purged"]) == 250
    (denied, incomplete) = run.annotations("error")
    assert "It needs Zone → Cache Purge → Purge" in denied.data
    assert incomplete.properties["title"] == "Purge incomplete"


def test_urls_of_three_zones_without_zone_are_routed_with_one_lookup_per_name(
    step: RunStep, emulator: Emulator
) -> None:
    files = [
        "https://example.com/1",
        "https://www.example.com/2",
        "https://example.org/3",
        "https://shop.example.co.uk/4",
        "https://www.example.com/5",
        "https://example.org/6",
        "https://shop.example.co.uk/7",
    ]

    run = step(operation="purge", api_token=DEMO_TOKEN, files="\n".join(files))

    assert run.exit_code == 0, run.stdout
    assert Counter(lookups(emulator)) == Counter(
        ["example.com", "www.example.com", "example.org", "shop.example.co.uk", "example.co.uk"]
    )
    assert emulator.state.purged(DEMO_ZONES["example.com"], "files") == [
        files[0],
        files[1],
        files[4],
    ]
    assert emulator.state.purged(DEMO_ZONES["example.org"], "files") == [files[2], files[5]]
    assert emulator.state.purged(DEMO_ZONES["example.co.uk"], "files") == [files[3], files[6]]
    assert purge_calls(emulator) == 3
    assert run.outputs["zone_id"] == ""  # several zones: `zones` lists them
    assert [z["name"] for z in json.loads(run.outputs["zones"])] == [
        "example.com",
        "example.org",
        "example.co.uk",
    ]
    assert "purge · 3 zones" in run.summary


def test_a_host_in_no_zone_stops_everything_before_any_purge(
    step: RunStep, emulator: Emulator
) -> None:
    run = step(
        operation="purge",
        api_token=DEMO_TOKEN,
        files="https://example.com/1\nhttps://unknown.example.net/2",
    )

    assert run.exit_code == 1
    assert purge_calls(emulator) == 0
    (error,) = run.annotations("error")
    assert "unknown.example.net (files)" in error.data
    assert "Nothing was purged" in error.data


def test_purge_everything_on_two_zones(step: RunStep, emulator: Emulator) -> None:
    run = step(
        operation="purge",
        zone="example.com\nexample.org",
        api_token=DEMO_TOKEN,
        purge_everything="true",
    )

    assert run.exit_code == 0, run.stdout
    assert purge_bodies(emulator) == [{"purge_everything": True}] * 2
    assert [r.path for r in emulator.log if r.path.endswith(PURGE_PATH)] == [
        f"/zones/{DEMO_ZONES['example.com']}{PURGE_PATH}",
        f"/zones/{DEMO_ZONES['example.org']}{PURGE_PATH}",
    ]
    everything = [(p.zone_id, p.kind) for p in emulator.state.purges]
    assert everything == [
        (DEMO_ZONES["example.com"], "everything"),
        (DEMO_ZONES["example.org"], "everything"),
    ]
    assert run.outputs["batches"] == "2"


VARIANTS = (
    "https://example.com/a\n"
    '{"url": "https://example.com/a", "headers": {"CF-Device-Type": "mobile"}}'
)


def test_each_kind_goes_in_its_own_requests(step: RunStep, emulator: Emulator) -> None:
    every_kind = {
        "operation": "purge",
        "zone": DEMO_ZONE_ID,
        "api_token": DEMO_TOKEN,
        "files": VARIANTS,
        "tags": "Blog, blog, news",
        "hosts": "www.example.com, images.example.com",
    }

    # A prefix with a query is refused before anything of any kind is sent.
    run = step(**every_kind, prefixes="www.example.com/docs\nwww.example.com/blog?x")

    assert run.exit_code == 1
    assert purge_calls(emulator) == 0

    run = step(**every_kind, prefixes="www.example.com/docs")

    assert run.exit_code == 0, run.stdout
    assert [sorted(body) for body in purge_bodies(emulator)] == [
        ["files"],
        ["tags"],
        ["hosts"],
        ["prefixes"],
    ]
    # One item with headers makes every item of its batch an object (the API schema takes
    # all strings or all objects).
    assert purge_bodies(emulator)[0]["files"] == [
        {"url": "https://example.com/a"},
        {"url": "https://example.com/a", "headers": {"CF-Device-Type": "mobile"}},
    ]
    assert purge_bodies(emulator)[1]["tags"] == ["Blog", "news"]  # tags are case-insensitive
    assert run.outputs["api_calls"] == "4"  # a zone ID needs no lookup


def test_path_lines_with_a_zone_id_cost_one_zone_read(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="purge", zone=DEMO_ZONE_ID, api_token=DEMO_TOKEN, files="/x\n/y")

    assert run.exit_code == 0, run.stdout
    assert [f"{r.method} {r.path}" for r in emulator.log] == [
        f"GET /zones/{DEMO_ZONE_ID}",
        f"POST /zones/{DEMO_ZONE_ID}{PURGE_PATH}",
    ]
    assert emulator.state.purged(DEMO_ZONE_ID, "files") == [
        "https://example.com/x",
        "https://example.com/y",
    ]


def test_a_url_outside_the_zone_gets_one_warning_and_is_purged(
    step: RunStep, emulator: Emulator
) -> None:
    run = step(
        operation="purge",
        zone="example.com",
        api_token=DEMO_TOKEN,
        files="https://cdn.other.net/a.js\nhttps://cdn.other.net/b.js\nhttps://example.com/c",
    )

    assert run.exit_code == 0
    (warning,) = run.annotations("warning")
    assert "2 item(s) are not in zone example.com" in warning.data
    assert len(emulator.state.purged(DEMO_ZONE_ID, "files")) == 3


def test_dry_run_sends_no_purge_and_shows_the_batches(step: RunStep, emulator: Emulator) -> None:
    lines, unique = url_lines()

    run = step(
        operation="purge",
        zone="example.com",
        api_token=DEMO_TOKEN,
        files="\n".join(lines),
        dry_run="true",
        batch_size="500",
    )

    assert run.exit_code == 0, run.stdout
    assert purge_calls(emulator) == 0
    assert [r.method for r in emulator.log] == ["GET"]
    assert emulator.state.purges == []
    assert run.outputs["dry_run"] == "true"
    assert run.outputs["purged"] == "1100"
    assert run.outputs["batches"] == "3"
    assert "purge · example.com (dry run)" in run.summary
    assert "example.com files batch 3/3 (100 files)" in run.summary
    assert f"`{unique[0]}`" in run.summary
    assert "would be purged (dry run)" in run.summary


def test_a_zone_scoped_token_purges_its_zone(step: RunStep, emulator: Emulator) -> None:
    run = step(
        operation="purge", zone="example.com", api_token=DEMO_ZONE_TOKEN, hosts="example.com"
    )

    assert run.exit_code == 0, run.stdout
    assert emulator.state.purged(DEMO_ZONE_ID, "hosts") == ["example.com"]


def test_path_lines_join_the_hostname_written_in_zone(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="purge", zone="www.example.com", api_token=DEMO_TOKEN, files="/x")

    assert run.exit_code == 0, run.stdout
    assert emulator.state.purged(DEMO_ZONE_ID, "files") == ["https://www.example.com/x"]
    assert run.outputs["zone_name"] == "example.com"


def test_the_global_rate_limit_is_waited_for(step: RunStep, emulator: Emulator) -> None:
    relax_limits(emulator)
    emulator.state.global_limit = (2, 1.0)  # 2 requests per second per credential
    files = [f"https://example.com/{i}" for i in range(300)]

    run = step(operation="purge", zone=DEMO_ZONE_ID, api_token=DEMO_TOKEN, files="\n".join(files))

    assert run.exit_code == 0, run.stdout
    limited = [r for r in emulator.log if r.status == 429]
    assert limited, "the global limit should have been hit"
    assert purge_calls(emulator) == 3 + len(limited)  # retries are the only extra calls
    assert Counter(emulator.state.purged(DEMO_ZONE_ID, "files")) == Counter(files)
    assert run.outputs["batches"] == "3"


def test_a_list_too_large_for_an_input_is_read_from_a_workspace_file(
    emulator: Emulator,
) -> None:
    relax_limits(emulator)
    urls = [f"https://example.com/assets/{i:05d}.js" for i in range(10_000)]
    emulator.log.clear()

    run = run_step(
        {
            "operation": "purge",
            "zone": "example.com",
            "api_token": DEMO_TOKEN,
            "api_base_url": emulator.base_url,
            "files": "@build/changed-urls.txt",
        },
        files={"build/changed-urls.txt": "\n".join(urls) + "\n"},
    )

    assert run.exit_code == 0, run.stdout
    assert Counter(emulator.state.purged(DEMO_ZONE_ID, "files")) == Counter(urls)
    assert purge_calls(emulator) == 100


def test_a_missing_list_file_is_named_before_any_call(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="purge", zone="example.com", api_token=DEMO_TOKEN, files="@nope.txt")

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert error.properties["title"] == "Input files"
    assert "the file 'nope.txt' (from '@nope.txt') does not exist" in error.data
    assert emulator.log == []
