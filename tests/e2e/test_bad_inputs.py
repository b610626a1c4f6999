"""The bad-input matrix: every invalid input gives exactly one ``::error`` naming it, says
what to write instead, exits 1, and sends nothing to Cloudflare."""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_EMAIL, DEMO_GLOBAL_KEY, DEMO_TOKEN
from cfemu.runner import REPO_ROOT, StepResult, run_step
from tests.harness import figures

pytestmark = pytest.mark.e2e

MEMORY_LIMIT = 768 * 1024 * 1024
"""The address space a run may use: an alias bomb that expands (it took 1.2 GB) fails the
case with a MemoryError traceback instead of taking the machine."""
TIME_LIMIT = 60
"""Seconds a run may take before it counts as a hang (a refused input takes about one)."""

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


@pytest.fixture(scope="module")
def bounded_entrypoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``entrypoint.py`` under :data:`MEMORY_LIMIT` (``RLIMIT_AS``), run as the runner runs it."""
    wrapper = tmp_path_factory.mktemp("bounded") / "entrypoint.py"
    wrapper.write_text(
        textwrap.dedent(
            f"""\
            import resource, runpy, sys
            resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
            sys.path.insert(0, {str(REPO_ROOT)!r})
            runpy.run_path({str(REPO_ROOT / "entrypoint.py")!r}, run_name="__main__")
            """
        ),
        encoding="utf-8",
    )
    return wrapper


RunBad = Callable[..., StepResult]


@pytest.fixture
def run_bad(emulator: Emulator, bounded_entrypoint: Path) -> RunBad:
    """One bad-input run, bounded in time and memory, counted in the "bad-input matrix"
    figures: a traceback, any request the emulator saw, a run past :data:`TIME_LIMIT`."""

    def run(
        inputs: Mapping[str, str],
        files: Mapping[str, str | bytes] | None = None,
        prepare: Callable[[Path], None] | None = None,
    ) -> StepResult:
        emulator.log.clear()
        given = {"api_base_url": emulator.base_url, "max_retries": "2", **inputs}
        try:
            result = run_step(
                given,
                entrypoint=bounded_entrypoint,
                files=files,
                prepare=prepare,
                timeout=TIME_LIMIT,
            )
        except subprocess.TimeoutExpired:
            figures.count("bad-input matrix", cases=1, tracebacks=0, calls_on_invalid=0, hangs=1)
            raise
        traceback = "Traceback (most recent call last)" in result.stdout + result.stderr
        figures.count(
            "bad-input matrix",
            cases=1,
            tracebacks=int(traceback),
            calls_on_invalid=len(emulator.log),
            hangs=0,
        )
        return result

    return run


def assert_refused(run: StepResult, emulator: Emulator, name: str, advice: str) -> None:
    """Exit 1, one ``::error`` naming ``name`` that says what to write, nothing sent."""
    assert "Traceback" not in run.stdout + run.stderr
    assert run.exit_code == 1, run.stdout + run.stderr
    (error,) = run.annotations("error")
    assert error.properties["title"] == f"Input {name}"
    assert error.data.startswith(f"{name}: ")
    assert advice in error.data
    assert emulator.log == []
    assert run.outputs["api_calls"] == "0"
    assert run.result()["ok"] is False
    assert "Nothing was sent to Cloudflare" in run.summary


@pytest.mark.parametrize(
    ("inputs", "name", "advice"), CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)]
)
def test_invalid_input_is_named_and_nothing_is_sent(
    run_bad: RunBad, emulator: Emulator, inputs: dict[str, str], name: str, advice: str
) -> None:
    assert_refused(run_bad(inputs), emulator, name, advice)


def test_every_invalid_input_is_reported_in_one_run(run_bad: RunBad, emulator: Emulator) -> None:
    run = run_bad({"operation": "verify", "zone": "???", "dry_run": "maybe", "timeout": "-1"})

    assert run.exit_code == 1
    titles = sorted(e.properties["title"] for e in run.annotations("error"))
    assert titles == ["Input api_token", "Input dry_run", "Input timeout", "Input zone"]
    assert emulator.log == []


# --- hardening (issue 15): malformed input of every kind, bounded, named, nothing sent -----

DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_YAML = "- " * 3000 + "x"
DEEP_OBJECTS = '{"a": ' * 3000 + "1" + "}" * 3000


def alias_bomb(levels: int = 9) -> str:
    """A few hundred bytes of YAML whose last anchor stands for 9^9 strings."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


BOMB = alias_bomb()
BOMB_LIST = "- &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"- &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]\n" for n in range(1, 9)
)
SCRIPT = {"src/index.js": "export default { fetch() { return new Response('hi'); } };\n"}
WORKER_FILES = {**WORKER_OK, "script": "src/index.js", "no_bundle": "true"}
WRANGLER_DEEP_TOML = 'name = "w"\nmain = "src/index.js"\nx = ' + "[" * 5000 + "]" * 5000 + "\n"
WRANGLER_DEEP_JSON = '{"name": "w", "main": "src/index.js", "x": ' + DEEP_JSON + "}"
WRANGLER_DUP = '{"name": "w", "main": "src/index.js", "name": "v"}'
MULTI_LINE_TOKEN = f'"Bearer {DEMO_TOKEN}"\n# deploy token, rotate in May'


def link_out(target: str, at: str) -> Callable[[Path], None]:
    def prepare(workspace: Path) -> None:
        (workspace / at).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, workspace / at)

    return prepare


def case(
    inputs: Mapping[str, str],
    name: str,
    advice: str,
    files: Mapping[str, str | bytes] | None = None,
    prepare: Callable[[Path], None] | None = None,
    *,
    key: str,
) -> object:
    return pytest.param(inputs, files, prepare, name, advice, id=key)


HARDENING = [
    # nesting: the parsers recursed per level
    case(
        {**DNS, "records": DEEP_JSON},
        "records",
        "nests deeper than 64 levels",
        key="records-deep-json",
    ),
    case(
        {**DNS, "records": DEEP_YAML},
        "records",
        "nests deeper than 64 levels",
        key="records-deep-yaml",
    ),
    case(
        {**DNS, "records": "dns.yml"},
        "records",
        "Write a flatter document",
        {"dns.yml": DEEP_YAML},
        key="records-deep-file",
    ),
    case(
        {**WORKER_FILES, "vars": DEEP_OBJECTS},
        "vars",
        "nests deeper than 64 levels",
        SCRIPT,
        key="vars-deep",
    ),
    case(
        {**PURGE, "prefixes": DEEP_JSON},
        "prefixes",
        "nests deeper than 64 levels",
        key="prefixes-deep",
    ),
    case({**PURGE, "hosts": DEEP_JSON}, "hosts", "nests deeper than 64 levels", key="hosts-deep"),
    case({**PURGE, "tags": DEEP_JSON}, "tags", "nests deeper than 64 levels", key="tags-deep"),
    case(
        {**PURGE, "files": DEEP_OBJECTS}, "files", "nests deeper than 64 levels", key="files-deep"
    ),
    case(
        {**WORKER, "config": "wrangler.toml"},
        "config",
        "nests deeper than 64 levels",
        {**SCRIPT, "wrangler.toml": WRANGLER_DEEP_TOML},
        key="config-deep-toml",
    ),
    case(
        {**WORKER, "config": "wrangler.json"},
        "config",
        "nests deeper than 64 levels",
        {**SCRIPT, "wrangler.json": WRANGLER_DEEP_JSON},
        key="config-deep-json",
    ),
    case(
        {**WORKER, "config": "wrangler.jsonc"},
        "config",
        "nests deeper than 64 levels",
        {**SCRIPT, "wrangler.jsonc": "// c\n" + WRANGLER_DEEP_JSON},
        key="config-deep-jsonc",
    ),
    # numbers Python will not convert
    case(
        {**DNS, "records": "- {type: A, name: www, content: 192.0.2.1, ttl: " + "9" * 5000 + "}"},
        "records",
        "has a number of 5,000 digits",
        key="ttl-5000-digits-records",
    ),
    case(
        {**DNS, "type": "A", "name": "www", "content": "192.0.2.1", "ttl": "9" * 5000},
        "records",
        "Write a whole number",
        key="ttl-5000-digits-input",
    ),
    case(
        {**WORKER, "config": "wrangler.json"},
        "config",
        "at most 100 are read",
        {
            **SCRIPT,
            "wrangler.json": '{"name": "w", "main": "src/index.js", "x": ' + "9" * 5000 + "}",
        },
        key="config-5000-digits",
    ),
    # text that is not UTF-8
    case(
        {**DNS, "records": "dns.yml"},
        "records",
        "is not UTF-8 text",
        {"dns.yml": b"- {type: A, name: \xff\xfe, content: 192.0.2.1}\n"},
        key="records-file-not-utf8",
    ),
    case(
        {**PURGE, "files": "@urls.txt"},
        "files",
        "is not UTF-8 text",
        {"urls.txt": b"https://example.com/\xe9t\xe9\n"},
        key="list-file-not-utf8",
    ),
    case(
        {**PURGE, "files": "/caf\udce9"},
        "files",
        "is not UTF-8 text: character 5 is the byte 0xE9",
        key="input-not-utf8",
    ),
    # broken IPv6 literals
    case(
        {**DNS, "zone": "https://[::1/x", "type": "A", "name": "www", "content": "192.0.2.1"},
        "zone",
        "Write the zone's domain",
        key="zone-broken-ipv6",
    ),
    case(
        {"operation": "verify", **TOKEN, "api_base_url": "https://[::1/x"},
        "api_base_url",
        "Leave it empty",
        key="api-base-url-broken-ipv6",
    ),
    case(
        {"operation": "verify", **TOKEN, "api_base_url": "https://127.0.0.1:99999/client/v4"},
        "api_base_url",
        "Leave it empty",
        key="api-base-url-bad-port",
    ),
    # paths and globs that leave the workspace, or name folders
    case(
        {**WORKER_FILES, "modules": "/etc/*.conf"},
        "modules",
        "leaves the workspace",
        SCRIPT,
        key="modules-absolute",
    ),
    case(
        {**WORKER_FILES, "modules": "src/../../*"},
        "modules",
        "leaves the workspace",
        SCRIPT,
        key="modules-dotdot",
    ),
    case(
        {**WORKER_FILES, "modules": "src/out/*"},
        "modules",
        "links outside the workspace",
        SCRIPT,
        link_out("/etc", "src/out"),
        key="modules-symlink-out",
    ),
    case(
        {**WORKER_FILES, "modules": "src/**"},
        "modules",
        "links outside the workspace",
        SCRIPT,
        link_out("/", "src/root"),
        key="modules-globstar-symlink-out",
    ),
    case(
        {**WORKER_FILES, "modules": "src/lib"},
        "modules",
        "matches only folders",
        {**SCRIPT, "src/lib/a.txt": "a"},
        key="modules-folder",
    ),
    case(
        {**WORKER_FILES, "modules": "src/*.mjs"},
        "modules",
        "links outside the workspace",
        SCRIPT,
        link_out("/etc/hostname", "src/lib.mjs"),
        key="modules-file-symlink-out",
    ),
    case(
        {**WORKER_FILES, "script": "a/" * 60_000},
        "script",
        "a path has at most 4,096",
        SCRIPT,
        key="script-120kb-path",
    ),
    case(
        {**WORKER_FILES, "script": "src/link.js"},
        "script",
        "is outside the workspace",
        SCRIPT,
        link_out("/etc/hostname", "src/link.js"),
        key="script-symlink-out",
    ),
    # alias bombs: 9^9 strings from a few hundred bytes
    case(
        {**DNS, "records": BOMB_LIST},
        "records",
        "stand for more than 1,000,000",
        key="records-alias-bomb",
    ),
    case(
        {
            **DNS,
            "records": BOMB + "records:\n- {type: A, name: www, content: 192.0.2.1, tags: *l8}\n",
        },
        "records",
        "use fewer aliases",
        key="tags-alias-bomb",
    ),
    case(
        {**WORKER_FILES, "vars": BOMB},
        "vars",
        "stand for more than 1,000,000",
        SCRIPT,
        key="vars-alias-bomb",
    ),
    case(
        {**WORKER_FILES, "bindings": BOMB_LIST},
        "bindings",
        "stand for more than 1,000,000",
        SCRIPT,
        key="bindings-alias-bomb",
    ),
    case(
        {**DNS, "records": "- &a {type: A, name: www, content: *a}"},
        "records",
        "inside the value it names",
        key="records-alias-loop",
    ),
    # values the API would have been sent
    case(
        {**DNS, "records": "- {type: TXT, name: www, content: [v=spf1, -all]}"},
        "records",
        "content is a list, not a single value",
        key="txt-content-list",
    ),
    case(
        {**DNS, "records": "- {type: A, name: www, content: 192.0.2.1, tags: {a: b}}"},
        "records",
        "Write tags as a list",
        key="tags-mapping",
    ),
    case(
        {**PURGE, "files": "@urls.txt"},
        "files",
        "contains the control character U+0000",
        {"urls.txt": b"https://example.com/a\x00b\n"},
        key="list-file-nul",
    ),
    case(
        {**PURGE, "prefixes": "@p.txt"},
        "prefixes",
        "contains the control character U+0000",
        {"p.txt": b"example.com/a\x00\n"},
        key="prefixes-file-nul",
    ),
    case(
        {**WORKER_FILES, "routes": "${{ vars.ROUTE }}"},
        "routes",
        "was never evaluated",
        SCRIPT,
        key="routes-expression",
    ),
    case(
        {**WORKER_FILES, "routes": "example.com/api/* example.com/v2/*"},
        "routes",
        "contains a space",
        SCRIPT,
        key="routes-space",
    ),
    case(
        {**WORKER_FILES, "routes": "example.com/a*b"},
        "routes",
        "only a trailing * is allowed",
        SCRIPT,
        key="routes-inner-star",
    ),
    case(
        {**WORKER_FILES, "script": "readme.md"},
        "script",
        "is not a JavaScript or Python module",
        {"readme.md": "# hi\n"},
        key="script-markdown-no-bundle",
    ),
    case(
        {**WORKER, "script_name": "w", "script": "readme.md", "compatibility_date": "2026-11-01"},
        "script",
        "which is what esbuild bundles",
        {"readme.md": "# hi\n"},
        key="script-markdown-bundled",
    ),
    # duplicate keys: one of the two values was lost
    case(
        {**DNS, "records": "- {type: A, name: www, content: 192.0.2.1, content: 192.0.2.2}"},
        "records",
        "names the key 'content' twice",
        key="records-duplicate-yaml",
    ),
    case(
        {**DNS, "records": '[{"type": "A", "name": "www", "content": "192.0.2.1", "name": "api"}]'},
        "records",
        "names the key 'name' twice",
        key="records-duplicate-json",
    ),
    case(
        {**WORKER, "config": "wrangler.json"},
        "config",
        "names the key 'name' twice",
        {**SCRIPT, "wrangler.json": WRANGLER_DUP},
        key="config-duplicate-json",
    ),
    case(
        {**WORKER, "config": "wrangler.jsonc"},
        "config",
        "names the key 'name' twice",
        {**SCRIPT, "wrangler.jsonc": "// c\n" + WRANGLER_DUP},
        key="config-duplicate-jsonc",
    ),
    case(
        {**WORKER, "config": "wrangler.toml"},
        "config",
        "is not valid TOML",
        {**SCRIPT, "wrangler.toml": 'name = "w"\nmain = "src/index.js"\nname = "v"\n'},
        key="config-duplicate-toml",
    ),
    case(
        {**WORKER_FILES, "vars": "API_URL: https://a.example\nAPI_URL: https://b.example"},
        "vars",
        "names the key 'API_URL' twice",
        SCRIPT,
        key="vars-duplicate-yaml",
    ),
    case(
        {**WORKER_FILES, "vars": '{"API_URL": "a", "API_URL": "b"}'},
        "vars",
        "names the key 'API_URL' twice",
        SCRIPT,
        key="vars-duplicate-json",
    ),
    case(
        {**PURGE, "files": '{"url": "https://example.com/a", "url": "https://example.com/b"}'},
        "files",
        "names the key 'url' twice",
        key="purge-object-duplicate",
    ),
    case(
        {
            **PURGE,
            "files": '[{"url": "https://example.com/a", '
            '"headers": {"Origin": "a", "Origin": "b"}}]',
        },
        "files",
        "names the key 'Origin' twice",
        key="purge-headers-duplicate",
    ),
    # credentials Cloudflare never issued
    case(
        {"operation": "verify", "api_token": "A" * 120_000},
        "api_token",
        "at most 1,024 are read",
        key="token-120kb",
    ),
    case(
        {"operation": "verify", "api_token": DEMO_TOKEN[:-3]},
        "api_token",
        "so part of it is missing",
        key="token-cut-short",
    ),
    case(
        {"operation": "verify", "api_token": DEMO_TOKEN + "%"},
        "api_token",
        "which no API token has",
        key="token-odd-character",
    ),
    case(
        {"operation": "verify", "api_token": MULTI_LINE_TOKEN},
        "api_token",
        "has 2 lines; a credential is one line",
        key="token-multi-line-bearer",
    ),
]


@pytest.mark.parametrize(("inputs", "files", "prepare", "name", "advice"), HARDENING)
def test_malformed_input_is_refused_with_bounded_resources_and_nothing_sent(
    run_bad: RunBad,
    emulator: Emulator,
    inputs: dict[str, str],
    files: Mapping[str, str | bytes] | None,
    prepare: Callable[[Path], None] | None,
    name: str,
    advice: str,
) -> None:
    assert_refused(run_bad(inputs, files, prepare), emulator, name, advice)


def test_a_multi_line_token_paste_is_masked_line_by_line_and_never_printed(
    run_bad: RunBad, emulator: Emulator
) -> None:
    run = run_bad({"operation": "verify", "api_token": MULTI_LINE_TOKEN})

    assert_refused(run, emulator, "api_token", "Store only the value itself")
    assert {DEMO_TOKEN, f'"Bearer {DEMO_TOKEN}"', "# deploy token, rotate in May"} <= set(run.masks)
    printed = "\n".join([*run.log_lines(), *run.outputs.values(), run.summary])
    assert DEMO_TOKEN not in printed
    assert "rotate in May" not in printed
