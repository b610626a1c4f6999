"""The bad-input matrix: every invalid input gives exactly one ``::error`` naming it, says
what to write instead, exits 1, and sends nothing to Cloudflare."""

from __future__ import annotations

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_EMAIL, DEMO_GLOBAL_KEY, DEMO_TOKEN
from tests.conftest import RunStep

pytestmark = pytest.mark.e2e

TOKEN = {"api_token": DEMO_TOKEN}

CASES = [
    # (inputs, input named in the error, words that tell what to write)
    ({**TOKEN}, "operation", "Write one of: dns, purge, verify, worker"),
    ({"operation": "deploy", **TOKEN}, "operation", "Write one of: dns, purge, verify, worker"),
    ({"operation": "verify"}, "api_token", "set api_token to an API token"),
    (
        {
            "operation": "verify",
            "api_token": DEMO_TOKEN,
            "global_key": DEMO_GLOBAL_KEY,
            "email": DEMO_EMAIL,
        },
        "api_token",
        "give one credential mode, not both",
    ),
    ({"operation": "verify", "email": DEMO_EMAIL}, "global_key", "set api_token and remove email"),
    ({"operation": "verify", "global_key": DEMO_GLOBAL_KEY}, "email", "Set email"),
    (
        {"operation": "verify", "api_token": DEMO_GLOBAL_KEY},
        "api_token",
        "Move it to global_key, together with email",
    ),
    (
        {"operation": "verify", "api_token": DEMO_GLOBAL_KEY, "email": DEMO_EMAIL},
        "api_token",
        "Move it to global_key (email is already set)",
    ),
    (
        {"operation": "verify", "email": DEMO_EMAIL, "global_key": DEMO_TOKEN},
        "global_key",
        "Put it in api_token",
    ),
    (
        {"operation": "verify", "global_key": f"Bearer {DEMO_TOKEN}"},
        "global_key",
        "Put the token (without 'Bearer ') in api_token",
    ),
    (
        {"operation": "verify", "email": "not-an-email", "global_key": DEMO_GLOBAL_KEY},
        "email",
        "Write the email address",
    ),
    (
        {"operation": "verify", "api_token": "two tokens pasted together-0123456789"},
        "api_token",
        "Copy the value again as a single line",
    ),
    ({"operation": "verify", "api_token": "DEMO-user-token-all-permis…"}, "api_token", "U+2026"),
    ({"operation": "verify", "zone": "not a zone", **TOKEN}, "zone", "Write the zone's domain"),
    (
        {"operation": "verify", "zone": "0123456789abcdef0123456789abcde", **TOKEN},
        "zone",
        "has 31 characters, not 32",
    ),
    (
        {"operation": "verify", "zone": "example.com\nexample.org", **TOKEN},
        "zone",
        "only operation 'purge' accepts several",
    ),
    (
        {"operation": "verify", "account_id": "Demo Account", **TOKEN},
        "account_id",
        "Copy the Account ID",
    ),
    ({"operation": "verify", "dry_run": "yes", **TOKEN}, "dry_run", "Write true or false"),
    ({"operation": "verify", "summary": "1", **TOKEN}, "summary", "Write true or false"),
    (
        {"operation": "verify", "max_retries": "many", **TOKEN},
        "max_retries",
        "Write a number from 0 to 20",
    ),
    (
        {"operation": "verify", "max_retries": "50", **TOKEN},
        "max_retries",
        "Write a number from 0 to 20",
    ),
    ({"operation": "verify", "timeout": "0", **TOKEN}, "timeout", "Write a number of seconds"),
    (
        {"operation": "verify", "api_base_url": "http://api.example.net/client/v4", **TOKEN},
        "api_base_url",
        "only to 127.0.0.1/localhost",
    ),
    (
        {"operation": "verify", "api_base_url": "api.cloudflare.com", **TOKEN},
        "api_base_url",
        "Leave it empty",
    ),
]


PURGE = {"operation": "purge", "zone": "example.com", **TOKEN}
CASES += [
    (PURGE, "files/tags/hosts/prefixes", "an empty list never purges everything"),
    (
        {**PURGE, "files": "/a", "purge_everything": "true"},
        "purge_everything",
        "remove files, or set purge_everything to false",
    ),
    ({**PURGE, "purge_everything": "yes"}, "purge_everything", "Write true or false"),
    ({"operation": "purge", "tags": "a", **TOKEN}, "zone", "is required for tags"),
    (
        {"operation": "purge", "purge_everything": "true", **TOKEN},
        "zone",
        "is required for purge_everything",
    ),
    ({**PURGE, "files": "ftp://example.com/a"}, "files", "is not an http(s) URL with a host"),
    ({**PURGE, "files": "https:///nohost"}, "files", "is not an http(s) URL with a host"),
    ({**PURGE, "files": "https://example.com/a b"}, "files", "Encode spaces in URLs as %20"),
    (
        {"operation": "purge", "files": "/index.html", **TOKEN},
        "files",
        "Write full URLs (https://www.example.com/path), or set zone to one zone",
    ),
    (
        {**PURGE, "files": '{"url": "https://example.com/", "header": {}}'},
        "files",
        "header values as strings",
    ),
    (
        {**PURGE, "files": '["https://example.com/"'},
        "files",
        "Fix the JSON, or write one item per line",
    ),
    ({**PURGE, "tags": "release 42"}, "tags", "contains a space"),
    ({**PURGE, "tags": "x" * 1025}, "tags", "at most 1024 characters"),
    ({**PURGE, "hosts": "https://www.example.com"}, "hosts", "Write only the hostname"),
    ({**PURGE, "prefixes": "https://example.com/blog"}, "prefixes", "Write example.com/blog"),
    (
        {**PURGE, "prefixes": "example.com/blog?page=2"},
        "prefixes",
        "remove everything from '?' or '#'",
    ),
    ({**PURGE, "prefixes": "example.com" + "/x" * 32}, "prefixes", "more than 31 '/' separators"),
    ({**PURGE, "files": "/a", "batch_size": "501"}, "batch_size", "Write a number from 1 to 500"),
    ({**PURGE, "files": "/a", "batch_size": "0"}, "batch_size", "Write a number from 1 to 500"),
]


DNS = {"operation": "dns", "zone": "example.com", **TOKEN}
CASES += [
    (DNS, "records", "Set records to a YAML list of records"),
    (
        {"operation": "dns", "type": "A", "name": "www", "content": "192.0.2.1", **TOKEN},
        "zone",
        "is required for operation dns",
    ),
    (
        {**DNS, "records": "- {type: A, name: www", "type": "A"},
        "records",
        "or use the single-record inputs",
    ),
    ({**DNS, "records": "- {type: A, name: www"}, "records", "Check the indentation"),
    ({**DNS, "records": "type: A"}, "records", "Write a YAML list"),
    ({**DNS, "records": "missing/dns.yml"}, "records", "Check the path"),
    ({**DNS, "records": "../../etc/passwd.yml"}, "records", "relative to the repository"),
    (
        {**DNS, "records": "- {type: A, name: www, content: 192.0.2.1, ttl: 300, color: red}"},
        "records",
        "Use only comment, content",
    ),
    ({**DNS, "type": "AXFR", "name": "www", "content": "x"}, "records", "Write one of A, AAAA"),
    (
        {**DNS, "type": "A", "name": "www", "content": "2001:db8::1"},
        "records",
        "an IPv6 address needs type AAAA",
    ),
    (
        {**DNS, "type": "AAAA", "name": "www", "content": "192.0.2.1"},
        "records",
        "an IPv4 address needs type A",
    ),
    (
        {**DNS, "type": "CNAME", "name": "www", "content": "not a host!"},
        "records",
        "points to a hostname",
    ),
    ({**DNS, "type": "MX", "name": "@", "content": "mail.example.com"}, "records", "Add priority"),
    (
        {**DNS, "type": "TXT", "name": "@", "content": "x", "proxied": "true"},
        "records",
        "Only A, AAAA and CNAME records can be proxied",
    ),
    (
        {**DNS, "type": "A", "name": "www", "content": "192.0.2.1", "ttl": "30"},
        "records",
        "from 60 to 86400",
    ),
    (
        {**DNS, "records": "- {type: A, name: www, content: 192.0.2.1, proxied: yes}"},
        "records",
        "Write true or false",
    ),
    ({**DNS, "type": "A", "name": "www"}, "records", "Give content"),
    (
        {
            **DNS,
            "records": "- {type: A, name: www, content: 192.0.2.1}\n"
            "- {type: A, name: WWW, content: 192.0.2.1}",
        },
        "records",
        "List each record once",
    ),
    (
        {
            **DNS,
            "records": "- {type: CNAME, name: www, content: a.example.net}\n"
            "- {type: TXT, name: www, content: x}",
        },
        "records",
        "Keep the CNAME alone",
    ),
    (
        {**DNS, "type": "A", "name": "www", "content": "192.0.2.1", "mode": "upsert"},
        "mode",
        "Write replace or add",
    ),
    (
        {**DNS, "type": "A", "name": "www", "content": "192.0.2.1", "batch_limit": "0"},
        "batch_limit",
        "Write a number from 1 to 3500",
    ),
]


WORKER = {"operation": "worker", "account_id": "0" * 32, **TOKEN}
WORKER_OK = {
    **WORKER,
    "script_name": "w",
    "script": "missing.js",
    "compatibility_date": "2026-11-01",
}
CASES += [
    (WORKER_OK, "script", "Check the path"),
    (
        {**WORKER, "script_name": "w", "compatibility_date": "2026-11-01"},
        "script",
        "Set script to the Worker's entry module",
    ),
    ({**WORKER_OK, "config": "wrangler.toml"}, "config", "Check the path"),
]


@pytest.mark.parametrize(
    ("inputs", "name", "advice"), CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)]
)
def test_invalid_input_is_named_and_nothing_is_sent(
    step: RunStep, emulator: Emulator, inputs: dict[str, str], name: str, advice: str
) -> None:
    # The step fixture points api_base_url at the emulator unless the case overrides it.
    run = step(**inputs)

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert error.properties["title"] == f"Input {name}"
    assert error.data.startswith(f"{name}: ")
    assert advice in error.data
    assert emulator.log == []
    assert run.outputs["api_calls"] == "0"
    assert run.result()["ok"] is False
    assert "Nothing was sent to Cloudflare" in run.summary


def test_every_invalid_input_is_reported_in_one_run(step: RunStep, emulator: Emulator) -> None:
    run = step(operation="verify", zone="???", dry_run="maybe", timeout="-1")

    assert run.exit_code == 1
    titles = sorted(e.properties["title"] for e in run.annotations("error"))
    assert titles == ["Input api_token", "Input dry_run", "Input timeout", "Input zone"]
    assert emulator.log == []
