"""Tests for publishing a Worker (cfaction.ops.worker plan, apply, summary): the exact requests
in order, the multipart upload, triggers, the account, dry run and a failure after the
upload, with a real Client whose HTTP is mocked by ``responses``. Nothing sleeps."""

from __future__ import annotations

import email.parser
import email.policy
import json
import random
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from cfaction.errors import InputError, ServerError
from cfaction.ops.worker.plan import WorkerPlan
from cfaction.ops.worker.upload import keep_bindings
from tests.helpers import ACCOUNT_ID, BASE, ZONE_ID, Run, failure, ok

SCRIPT = f"{BASE}/accounts/{ACCOUNT_ID}/workers/scripts/hello"
SUBDOMAIN = f"{BASE}/accounts/{ACCOUNT_ID}/workers/subdomain"
DOMAINS = f"{BASE}/accounts/{ACCOUNT_ID}/workers/domains"
MODULE = "import t from './t.txt';\nexport default { fetch() { return new Response(t); } };\n"
TOML = """\
name = "hello"
main = "src/index.js"
compatibility_date = "2026-11-01"
no_bundle = true

[vars]
GREETING = "world"
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for name, text in {"wrangler.toml": TOML, "src/index.js": MODULE, "src/t.txt": "hi"}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def run(workspace: Path, **given: str) -> Run:
    inputs = {"config": "wrangler.toml", "modules": "src/t.txt", "account_id": ACCOUNT_ID}
    return Run("worker", workspace, **{**inputs, **given})


def calls(rsps: responses.RequestsMock) -> list[str]:
    """The calls made, without their query strings."""
    return [
        f"{c.request.method} {c.request.url.removeprefix(BASE).split('?')[0]}" for c in rsps.calls
    ]


def parts(body: bytes | str | None, content_type: str) -> dict[str, tuple[str, bytes]]:
    """The parts of a multipart body: name -> (content type, content)."""
    raw = body if isinstance(body, bytes) else str(body).encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    found = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        found[str(name)] = (part.get_content_type(), part.get_payload(decode=True))
    return found


def uploaded(rsps: responses.RequestsMock, index: int = 0) -> dict[str, tuple[str, bytes]]:
    request = rsps.calls[index].request
    return parts(request.body, request.headers["Content-Type"])


def answer_upload(
    rsps: responses.RequestsMock, version: str = "v1", previous: str | None = None
) -> None:
    """The upload's answer and the read of the deployment it made (the one before it, of
    ``previous``, when there is one)."""
    rsps.put(SCRIPT, json=ok({"id": "hello", "etag": "etag-1", "deployment_id": version}))
    history = [
        {
            "id": f"dep-{version}",
            "created_on": "2026-12-01T10:00:00Z",
            "versions": [{"version_id": version, "percentage": 100}],
        }
    ]
    if previous:
        history.append(
            {
                "id": f"dep-{previous}",
                "created_on": "2026-11-30T10:00:00Z",
                "versions": [{"version_id": previous, "percentage": 100}],
            }
        )
    rsps.get(f"{SCRIPT}/deployments", json=ok({"deployments": history}))


def answer_subdomain(rsps: responses.RequestsMock, enabled: bool = True) -> None:
    if enabled:
        rsps.get(SUBDOMAIN, json=ok({"subdomain": "acme"}))
    rsps.post(
        f"{SCRIPT}/subdomain",
        json=ok({"enabled": enabled}),
        match=[
            matchers.json_params_matcher({"enabled": enabled}),
            matchers.header_matcher({"Cloudflare-Workers-Script-Api-Date": "2025-08-01"}),
        ],
    )


def answer_zone_lookup(
    rsps: responses.RequestsMock, name: str, zone_id: str | None = ZONE_ID
) -> None:
    """``GET /zones?name=<name>`` in the account: the zone ``zone_id``, or none."""
    row = {"id": zone_id, "name": name, "account": {"id": ACCOUNT_ID, "name": "Acme"}}
    query = {"name": name, "account.id": ACCOUNT_ID, "page": "1", "per_page": "50"}
    rsps.get(
        f"{BASE}/zones",
        json=ok(
            [row] if zone_id else [], result_info={"page": 1, "per_page": 50, "total_pages": 1}
        ),
        match=[matchers.query_param_matcher(query)],
    )


# immediate publish


def test_a_new_worker_is_uploaded_deployed_and_reachable_on_workers_dev(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_upload(rsps)
    answer_subdomain(rsps)

    outcome = run(workspace).perform()

    assert outcome.problems == []
    assert calls(rsps) == [
        f"PUT /accounts/{ACCOUNT_ID}/workers/scripts/hello",
        f"GET /accounts/{ACCOUNT_ID}/workers/scripts/hello/deployments",
        f"GET /accounts/{ACCOUNT_ID}/workers/subdomain",
        f"POST /accounts/{ACCOUNT_ID}/workers/scripts/hello/subdomain",
    ]
    query = rsps.calls[0].request.url.split("?", 1)[1]
    assert query == "bindings_inherit=strict&excludeScript=true"
    form = uploaded(rsps)
    assert list(form) == ["metadata", "index.js", "t.txt"]
    assert form["index.js"] == ("application/javascript+module", MODULE.encode())
    assert form["t.txt"] == ("text/plain", b"hi")
    metadata = json.loads(form["metadata"][1])
    assert metadata == {
        "compatibility_date": "2026-11-01",
        "compatibility_flags": [],
        "bindings": [{"type": "plain_text", "name": "GREETING", "text": "world"}],
        "main_module": "index.js",
        "observability": {"enabled": False},
    }
    assert outcome.outputs["version_id"] == "v1"
    assert outcome.outputs["etag"] == "etag-1"
    assert outcome.outputs["url"] == "https://hello.acme.workers.dev"
    assert outcome.outputs["deployment_id"] == "dep-v1"  # read after the upload
    assert outcome.outputs["previous_version_id"] == ""  # a first deploy
    assert outcome.heading == "worker · hello"
    assert "published to 100 % of traffic" in outcome.markdown


def test_secrets_go_with_the_upload_and_never_into_the_summary(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_upload(rsps)
    answer_subdomain(rsps)

    outcome = run(workspace, secrets="API_KEY=s3cr3t-value", keep_secrets="false").perform()

    metadata = json.loads(uploaded(rsps)["metadata"][1])
    assert {"type": "secret_text", "name": "API_KEY", "text": "s3cr3t-value"} in metadata[
        "bindings"
    ]
    assert metadata["keep_bindings"] == []  # the secrets not given are dropped
    assert "s3cr3t-value" not in outcome.markdown
    assert "s3cr3t-value" not in json.dumps(outcome.result)
    assert "`API_KEY` | secret_text | (secret)" in outcome.markdown


def test_a_message_deploys_the_uploaded_version_again_with_it(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_upload(rsps)
    rsps.post(
        f"{SCRIPT}/deployments",
        json=ok({"id": "dep-1"}),
        match=[
            matchers.json_params_matcher(
                {
                    "strategy": "percentage",
                    "versions": [{"version_id": "v1", "percentage": 100.0}],
                    "annotations": {"workers/message": "release 1.2"},
                }
            )
        ],
    )
    answer_subdomain(rsps)

    outcome = run(workspace, message="release 1.2").perform()

    assert outcome.problems == []
    assert outcome.outputs["deployment_id"] == "dep-v1"  # the newest of the version
    assert len(rsps.calls) == 5


# gradual rollout


def test_a_gradual_rollout_deploys_the_new_version_beside_the_serving_one(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    rsps.get(
        f"{SCRIPT}/deployments",
        json=ok({"deployments": [{"versions": [{"version_id": "v0", "percentage": 100}]}]}),
    )
    rsps.post(
        f"{SCRIPT}/versions",
        json=ok({"id": "v2", "resources": {"script": {"etag": "etag-2"}}}),
    )
    rsps.post(
        f"{SCRIPT}/deployments",
        json=ok({"id": "dep-2"}),
        match=[
            matchers.json_params_matcher(
                {
                    "strategy": "percentage",
                    "versions": [
                        {"version_id": "v2", "percentage": 10.0},
                        {"version_id": "v0", "percentage": 90.0},
                    ],
                    "annotations": {"workers/message": "canary"},
                }
            )
        ],
    )
    answer_subdomain(rsps)

    outcome = run(workspace, rollout_percentage="10", message="canary").perform()

    assert outcome.problems == []
    assert calls(rsps)[:3] == [
        f"GET /accounts/{ACCOUNT_ID}/workers/scripts/hello/deployments",
        f"POST /accounts/{ACCOUNT_ID}/workers/scripts/hello/versions",
        f"POST /accounts/{ACCOUNT_ID}/workers/scripts/hello/deployments",
    ]
    metadata = json.loads(uploaded(rsps, 1)["metadata"][1])
    assert metadata["annotations"] == {"workers/message": "canary"}
    assert (outcome.outputs["version_id"], outcome.outputs["etag"]) == ("v2", "etag-2")
    assert outcome.outputs["deployment_id"] == "dep-2"
    assert "10 % of traffic (gradual rollout)" in outcome.markdown


def test_a_gradual_rollout_without_a_serving_version_writes_nothing(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    rsps.get(f"{SCRIPT}/deployments", status=404, json=failure(10007, "Worker not found"))

    outcome = run(workspace, rollout_percentage="25").perform()

    (problem,) = outcome.problems
    assert isinstance(problem, InputError)
    assert problem.input_name == "rollout_percentage"
    assert problem.problem == "needs a version that serves now, and this Worker has none."
    assert calls(rsps) == [f"GET /accounts/{ACCOUNT_ID}/workers/scripts/hello/deployments"]


# triggers


def test_routes_are_set_in_one_call_and_switch_workers_dev_off(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_zone_lookup(rsps, "example.com")
    answer_upload(rsps)
    rsps.put(
        f"{SCRIPT}/routes",
        json=ok([]),
        match=[matchers.json_params_matcher([{"pattern": "example.com/*", "zone_id": ZONE_ID}])],
    )
    answer_subdomain(rsps, enabled=False)

    outcome = run(workspace, routes="example.com/*").perform()

    assert outcome.problems == []
    assert len(rsps.calls) == 5
    assert outcome.outputs["routes"] == ["example.com/*"]
    assert outcome.outputs["url"] == ""
    assert "| workers.dev | disabled |" in outcome.markdown


def test_routes_fall_back_to_zone_routes_when_the_token_may_not_set_them_account_wide(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_zone_lookup(rsps, "a.example.com", None)
    answer_zone_lookup(rsps, "example.com")
    answer_zone_lookup(rsps, "b.example.com", None)
    answer_upload(rsps)
    rsps.put(f"{SCRIPT}/routes", status=403, json=failure(10000, "Authentication error"))
    zone_routes = f"{BASE}/zones/{ZONE_ID}/workers/routes"
    rsps.get(zone_routes, json=ok([{"id": "r1", "pattern": "b.example.com/*", "script": "old"}]))
    for method, url, pattern in (
        (responses.POST, zone_routes, "a.example.com/*"),
        (responses.PUT, f"{zone_routes}/r1", "b.example.com/*"),
    ):
        rsps.add(
            method,
            url,
            json=ok({}),
            match=[matchers.json_params_matcher({"pattern": pattern, "script": "hello"})],
        )
    answer_subdomain(rsps, enabled=False)

    worker = run(workspace, routes="a.example.com/*\nb.example.com/*")
    outcome = worker.perform()

    assert outcome.problems == []
    assert worker.progress[-1] == (
        "The token may not set routes account-wide; setting them zone by zone."
    )
    # wrangler's order: the workers.dev switch, then the routes (and their fallback).
    assert [c.split(" ")[0] for c in calls(rsps)[-5:]] == ["POST", "PUT", "GET", "POST", "PUT"]
    assert calls(rsps)[-5].endswith("/workers/scripts/hello/subdomain")


def test_a_zone_route_whose_answer_is_lost_is_read_back_not_created_twice(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_zone_lookup(rsps, "a.example.com", None)
    answer_zone_lookup(rsps, "example.com")
    answer_upload(rsps)
    answer_subdomain(rsps, enabled=False)
    rsps.put(f"{SCRIPT}/routes", status=403, json=failure(10000, "Authentication error"))
    zone_routes = f"{BASE}/zones/{ZONE_ID}/workers/routes"
    rsps.get(zone_routes, json=ok([]))
    rsps.post(zone_routes, body=requests.exceptions.ReadTimeout("read timed out"))
    # The lost attempt made the route: the check finds it, and nothing is sent again.
    made = {"id": "r9", "pattern": "a.example.com/*", "script": "hello"}
    rsps.get(zone_routes, json=ok([made]))

    worker = run(workspace, routes="a.example.com/*")
    outcome = worker.perform()

    assert outcome.problems == []
    assert outcome.outputs["routes"] == ["a.example.com/*"]
    assert [c for c in calls(rsps) if c.startswith("POST /zones")] == [
        f"POST /zones/{ZONE_ID}/workers/routes"
    ]


def test_custom_domains_are_attached_in_one_call_as_wrangler_does_in_ci(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_upload(rsps)
    answer_subdomain(rsps, enabled=False)
    rsps.put(
        f"{SCRIPT}/domains/records",
        json=ok([]),
        match=[
            matchers.json_params_matcher(
                {
                    "override_scope": True,
                    "override_existing_origin": True,
                    "override_existing_dns_record": True,
                    "origins": [{"hostname": "api.example.com"}, {"hostname": "www.example.com"}],
                }
            )
        ],
    )

    outcome = run(workspace, custom_domains="api.example.com, www.example.com").perform()

    assert outcome.problems == []
    assert outcome.outputs["custom_domains"] == ["api.example.com", "www.example.com"]
    # upload, its deployment read, workers.dev switch, one call for both domains
    assert len(rsps.calls) == 4


def test_a_custom_domain_whose_dns_records_exist_is_sent_once_with_a_hint(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_upload(rsps, "v3")
    answer_subdomain(rsps, enabled=False)
    message = (
        "Hostname 'www.example.com' already has externally managed DNS records (A, CNAME, "
        "etc). Either delete them, try a different hostname, or use the option "
        "'override_existing_dns_record' to override."
    )
    rsps.put(f"{SCRIPT}/domains/records", status=409, json=failure(100117, message))

    worker = run(workspace, custom_domains="www.example.com")
    outcome = worker.perform()

    refused, incomplete = outcome.problems
    assert refused.title == "Cloudflare error 100117"
    assert refused.hint.startswith("The custom domain's hostname already has DNS records")
    assert incomplete.message.startswith(
        "Version v3 of hello is live, but setting custom domains (www.example.com) failed; "
        "set: workers.dev (disabled). Re-run the step"
    )
    assert outcome.outputs["version_id"] == "v3"
    assert outcome.outputs["custom_domains"] == []
    assert len(rsps.calls) == 4  # the PUT once: a known code is never retried
    assert worker.sleeps == []


def test_a_message_that_cannot_be_attached_leaves_the_uploaded_version_live_and_reported(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_upload(rsps, "v4", previous="v3")
    rsps.post(f"{SCRIPT}/deployments", status=400, json=failure(10021, "message too long"))
    answer_subdomain(rsps)

    outcome = run(workspace, message="release 1.2").perform()

    refused, incomplete = outcome.problems
    assert refused.title == "Cloudflare error 10021"
    assert incomplete.message.startswith(
        "Version v4 of hello is live, but attaching the deployment message failed; set: "
        "workers.dev (enabled)."
    )
    # What is live: the version, the deployment the upload made, the triggers after it.
    assert outcome.outputs["version_id"] == "v4"
    assert outcome.outputs["deployment_id"] == "dep-v4"
    assert outcome.outputs["previous_version_id"] == "v3"
    assert "version `v4` is live: published to 100 % of traffic." in outcome.markdown
    assert outcome.outputs["url"] == "https://hello.acme.workers.dev"


# the account


def test_without_an_account_the_run_stops_before_any_call(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    outcome = run(workspace, account_id="").perform()

    (problem,) = outcome.problems
    assert isinstance(problem, InputError)
    assert (problem.input_name, problem.title) == ("account_id", "Input account_id")
    assert len(rsps.calls) == 0


def test_the_account_is_read_from_the_zone_when_not_given(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    zone = {"id": ZONE_ID, "name": "example.com", "account": {"id": ACCOUNT_ID, "name": "Acme"}}
    rsps.get(f"{BASE}/zones/{ZONE_ID}", json=ok(zone))
    answer_upload(rsps)
    answer_subdomain(rsps)

    worker = run(workspace, account_id="", zone=ZONE_ID)
    plan = worker.plan()

    assert isinstance(plan, WorkerPlan)
    assert plan.account_id == ACCOUNT_ID
    assert worker.settings.operation.apply is not None
    worker.settings.operation.apply(worker.ctx, plan)
    assert calls(rsps)[0] == f"GET /zones/{ZONE_ID}"


# dry run and failures


def test_a_dry_run_reads_what_it_needs_and_writes_nothing(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_zone_lookup(rsps, "example.com")

    outcome = run(workspace, routes="example.com/*", dry_run="true").perform()

    assert calls(rsps) == ["GET /zones"]
    assert outcome.problems == []
    assert outcome.heading == "worker · hello (dry run)"
    assert "would be published to 100 % of traffic" in outcome.markdown
    assert "| workers.dev |  | would be disabled |" in outcome.markdown
    assert "| route | `example.com/*` | would be set |" in outcome.markdown
    assert outcome.outputs["routes"] == ["example.com/*"]
    assert outcome.outputs["version_id"] == ""


def test_a_failure_after_the_upload_reports_the_version_that_is_live(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_upload(rsps, "v7")
    rsps.get(SUBDOMAIN, json=ok({"subdomain": "acme"}))
    rsps.post(f"{SCRIPT}/subdomain", status=500, json=failure(10013, "internal error"))

    worker = run(workspace)
    outcome = worker.perform()

    server, incomplete = outcome.problems
    assert isinstance(server, ServerError)
    assert incomplete.title == "Worker triggers incomplete"
    assert incomplete.message.startswith(
        "Version v7 of hello is live, but setting workers.dev (enabled) failed. Re-run the step"
    )
    assert outcome.outputs["version_id"] == "v7"
    assert "| workers.dev | enabled | ❌ failed |" in outcome.markdown
    assert outcome.result["triggers"] == [
        {"kind": "workers.dev", "target": "enabled", "state": "failed"}
    ]
    # the upload and its deployment read; the subdomain switch is idempotent: 2 retries
    assert len(rsps.calls) == 3 + 3
    assert worker.sleeps == [0.5, 1.0]


def test_a_worker_above_the_free_plan_size_is_published_with_a_warning(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    (workspace / "src/t.txt").write_bytes(random.Random(1).randbytes(3_500_000))
    answer_upload(rsps)
    answer_subdomain(rsps)

    outcome = run(workspace).perform()

    assert outcome.problems == []
    (notice,) = outcome.warnings
    assert notice.title == "Worker size"
    assert notice.message.startswith("The Worker is 3.5 MB gzipped: above the Free plan's 3 MB")


def test_a_worker_above_every_plan_size_is_refused_before_any_call(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    (workspace / "src/t.txt").write_bytes(random.Random(1).randbytes(11_000_000))

    outcome = run(workspace).perform()

    (problem,) = outcome.problems
    assert problem.title == "Worker size"
    assert problem.message.startswith("The Worker is 11.0 MB (11.0 MB gzipped)")
    assert len(rsps.calls) == 0


def test_metadata_of_a_service_worker_names_its_body_part(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    (tmp_path / "sw.js").write_text("addEventListener('fetch', () => {});\n", encoding="utf-8")
    answer_upload(rsps)
    answer_subdomain(rsps)

    outcome = Run(
        "worker",
        tmp_path,
        script_name="hello",
        script="sw.js",
        compatibility_date="2026-11-01",
        account_id=ACCOUNT_ID,
    ).perform()

    assert outcome.problems == []
    form = uploaded(rsps)
    assert form["sw.js"][0] == "application/javascript"
    assert json.loads(form["metadata"][1])["body_part"] == "sw.js"


def test_the_result_lists_modules_and_binding_types_not_values(
    rsps: responses.RequestsMock, workspace: Path
) -> None:
    answer_upload(rsps)
    answer_subdomain(rsps)

    result: dict[str, Any] = run(workspace).perform().result

    assert result["modules"] == [
        {"name": "index.js", "type": "application/javascript+module", "size": len(MODULE)},
        {"name": "t.txt", "type": "text/plain", "size": 2},
    ]
    assert result["bindings"] == [{"name": "GREETING", "type": "plain_text"}]
    assert result["workers_dev"] is True


@pytest.mark.parametrize(
    ("keep_vars", "sends_secrets", "keep_secrets", "expected"),
    [
        # A plain deploy sends none, as wrangler does: the Worker's secrets stay.
        (False, False, True, None),
        # Sent anyway: a list names only what it keeps, so the secrets are listed too.
        (False, True, True, ["secret_text", "secret_key"]),
        (True, False, True, ["plain_text", "json", "secret_text", "secret_key"]),
        # keep_secrets: false drops the secrets the upload does not carry.
        (False, True, False, []),
        (False, False, False, []),
        (True, True, False, ["plain_text", "json"]),
    ],
)
def test_keep_bindings_keeps_what_wrangler_keeps(
    keep_vars: bool, sends_secrets: bool, keep_secrets: bool, expected: list[str] | None
) -> None:
    assert keep_bindings(keep_vars, sends_secrets, keep_secrets) == expected
