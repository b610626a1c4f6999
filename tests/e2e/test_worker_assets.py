"""Static assets end to end: the entrypoint as the runner runs it deploys a site with a
Worker in front of it to the emulator, which keeps the account's uploaded files, so
incremental uploads are real; and real wrangler (tests/harness/wrangler.py) deploying the
same site leaves nothing for cfaction to upload, and the other way round."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from cfemu import Emulator
from cfemu.demo import DEMO_ACCOUNT_ID, DEMO_TOKEN, demo_state
from cfemu.faults import Fault
from cfemu.runner import StepResult, run_step, write_files
from tests.harness.wrangler import Wrangler, deploy, installed_wrangler

pytestmark = pytest.mark.e2e

TOML = """\
name = "site"
main = "src/index.js"
compatibility_date = "2026-11-01"
no_bundle = true
workers_dev = true

[assets]
directory = "./public"
binding = "ASSETS"
html_handling = "auto-trailing-slash"
not_found_handling = "404-page"
run_worker_first = ["/api/*"]
"""
WORKER = """\
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/api/")) return Response.json({ ok: true });
    return env.ASSETS.fetch(request);
  },
};
"""
SITE: dict[str, str | bytes] = {
    "wrangler.toml": TOML,
    "src/index.js": WORKER,
    "public/index.html": "<h1>home</h1>\n",
    "public/404.html": "<h1>not here</h1>\n",
    "public/about/index.html": "<h1>about</h1>\n",
    "public/docs/guide/intro.html": "<p>intro</p>\n",
    "public/css/site.css": "body { margin: 0 }\n",
    "public/img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    "public/fonts/a.woff2": bytes(range(256)) * 8,
    "public/_headers": "/*\n  X-Frame-Options: DENY\n",
    "public/_redirects": "/old /about/ 301\n",
    "public/.assetsignore": "*.map\ndrafts/\n",
    "public/js/app.js.map": "{}",
    "public/drafts/wip.html": "wip",
}
SERVED = [
    "/404.html",
    "/about/index.html",
    "/css/site.css",
    "/docs/guide/intro.html",
    "/fonts/a.woff2",
    "/img/logo.svg",
    "/index.html",
]


def publish(emulator: Emulator, files: dict[str, str | bytes] = SITE, **inputs: str) -> StepResult:
    emulator.log.clear()
    given = {
        "operation": "worker",
        "api_token": DEMO_TOKEN,
        "account_id": DEMO_ACCOUNT_ID,
        "api_base_url": emulator.base_url,
        "max_retries": "1",
        "config": "wrangler.toml",
        **inputs,
    }
    return run_step(given, files=files)


def uploads(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.log if r.path.endswith("/workers/assets/upload")]


def deployed(emulator: Emulator, name: str = "site") -> Any:
    version = emulator.state.worker(DEMO_ACCOUNT_ID, name).deployed_version()
    assert version is not None
    return version


def test_a_site_with_a_worker_deploys_and_redeploys_uploading_only_what_changed(
    emulator: Emulator,
) -> None:
    first = publish(emulator)

    assert first.exit_code == 0, first.stdout
    version = deployed(emulator)
    assert sorted(version.assets.manifest) == SERVED
    assert version.assets.config == {
        "html_handling": "auto-trailing-slash",
        "not_found_handling": "404-page",
        "run_worker_first": ["/api/*"],
        "_redirects": "/old /about/ 301\n",
        "_headers": "/*\n  X-Frame-Options: DENY\n",
    }
    assert {"name": "ASSETS", "type": "assets"} in version.bindings
    assert len(uploads(emulator)) == 1
    assert "7 files" in first.summary and "7 uploaded" in first.summary
    stored = emulator.state.assets.file(
        DEMO_ACCOUNT_ID, version.assets.manifest["/css/site.css"].hash
    )
    assert stored.content == b"body { margin: 0 }\n"
    assert stored.content_type == "text/css; charset=utf-8"

    again = publish(emulator)

    assert again.exit_code == 0, again.stdout
    assert uploads(emulator) == []
    assert "0 uploaded" in again.summary and "7 already on Cloudflare" in again.summary

    changed = publish(emulator, {**SITE, "public/css/site.css": "body { margin: 1px }\n"})

    assert changed.exit_code == 0, changed.stdout
    assert len(uploads(emulator)) == 1
    assert "1 uploaded" in changed.summary
    assert changed.result()["assets"]["uploaded"] == 1


def test_an_assets_only_worker_needs_no_script(emulator: Emulator) -> None:
    files: dict[str, str | bytes] = {
        "wrangler.toml": (
            'name = "static"\ncompatibility_date = "2026-11-01"\n'
            '[assets]\ndirectory = "dist"\nnot_found_handling = "single-page-application"\n'
        ),
        "dist/index.html": "<div id=app></div>",
        "dist/assets/app.js": "console.log(1)",
    }

    run = publish(emulator, files)

    assert run.exit_code == 0, run.stdout
    version = deployed(emulator, "static")
    assert version.modules == []
    assert version.metadata == {
        "assets": {"jwt": version.metadata["assets"]["jwt"], "config": {
            "not_found_handling": "single-page-application"
        }},
        "compatibility_date": "2026-11-01",
        "compatibility_flags": [],
    }  # fmt: skip
    assert sorted(version.assets.manifest) == ["/assets/app.js", "/index.html"]


def test_the_assets_input_replaces_the_folder_and_a_binding_without_a_script_is_refused(
    emulator: Emulator,
) -> None:
    files = {**SITE, "site/index.html": "other"}

    run = publish(emulator, files, assets="site")

    assert run.exit_code == 0, run.stdout
    assert sorted(deployed(emulator).assets.manifest) == ["/index.html"]

    bad = {
        "wrangler.toml": 'name = "x"\ncompatibility_date = "2026-11-01"\n'
        '[assets]\ndirectory = "public"\nbinding = "ASSETS"\n',
        "public/index.html": "x",
    }
    refused = publish(emulator, bad)
    assert refused.exit_code == 1
    [error] = refused.annotations("error")
    assert "assets.binding needs a Worker script" in error.data
    assert list(emulator.log) == []


def test_a_dry_run_hashes_the_site_and_sends_nothing(emulator: Emulator) -> None:
    run = publish(emulator, dry_run="true")

    assert run.exit_code == 0, run.stdout
    assert "Assets: 7 files" in run.summary and "dry run" in run.summary
    assert [r.method for r in emulator.log if r.method != "GET"] == []


def test_a_failed_asset_upload_leaves_the_live_worker_alone(emulator: Emulator) -> None:
    assert publish(emulator).exit_code == 0
    live = deployed(emulator).id
    emulator.faults.add(Fault(kind="status", status=500, path="/workers/assets/upload", times=0))

    run = publish(emulator, {**SITE, "public/index.html": "<h1>new home</h1>\n"})

    assert run.exit_code == 1
    assert deployed(emulator).id == live
    assert not any(r.method == "PUT" and r.path.endswith("/scripts/site") for r in emulator.log)
    assert "nothing was published" in run.summary
    [error] = run.annotations("error")
    assert "a re-run uploads only the files still missing" in error.data


def test_a_file_too_large_is_named_before_any_call(emulator: Emulator) -> None:
    big = b"\0" * (25 * 1024 * 1024 + 1)

    run = publish(emulator, {**SITE, "public/video.mp4": big})

    assert run.exit_code == 1
    [error] = run.annotations("error")
    assert "public/video.mp4" in error.data and "25 MiB" in error.data
    assert list(emulator.log) == []


# --- with real wrangler on the same account ------------------------------------------------


@pytest.fixture(scope="module")
def wrangler() -> Wrangler:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so wrangler cannot be installed to compare with")
    return installed_wrangler()


def test_a_site_wrangler_deployed_uploads_nothing_again_and_is_stored_the_same(
    wrangler: Wrangler, tmp_path: Path
) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    write_files(project, SITE)
    home.mkdir()
    with Emulator(demo_state()) as emulator:
        done = deploy(wrangler, project, emulator.base_url, home)
        assert done.returncode == 0, done.stdout + done.stderr
        theirs = deployed(emulator)

        run = publish(emulator)

        assert run.exit_code == 0, run.stdout
        assert uploads(emulator) == []
        ours = deployed(emulator)
        assert ours.assets.manifest == theirs.assets.manifest
        assert ours.assets.config == theirs.assets.config


def test_a_site_cfaction_deployed_uploads_nothing_for_wrangler(
    wrangler: Wrangler, tmp_path: Path
) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    write_files(project, SITE)
    home.mkdir()
    with Emulator(demo_state()) as emulator:
        assert publish(emulator).exit_code == 0
        emulator.log.clear()

        done = deploy(wrangler, project, emulator.base_url, home)

        assert done.returncode == 0, done.stdout + done.stderr
        assert uploads(emulator) == []
        assert "No updated asset files to upload" in done.stdout + done.stderr
