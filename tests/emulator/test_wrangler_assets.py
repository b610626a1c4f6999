"""Real wrangler (``wrangler deploy --no-bundle``, the version tests/harness/wrangler.py
pins) deploying Workers static assets to the emulator: a site with nested folders,
``_headers``, ``_redirects`` and ``.assetsignore`` behind a Worker with an ASSETS binding,
and an assets-only project (no ``main``). The emulator checks every upload (tokens, sizes,
hashes), so a deploy that succeeds proves the protocol; the tests then read what the
version stores, and count the upload requests of redeploys: none when nothing changed, one
file when one changed.

Skipped when npm is missing; wrangler is installed from npm on first use and cached.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cfemu import Emulator, LoggedRequest
from cfemu.assets import AssetFile, hash_asset
from cfemu.demo import DEMO_ACCOUNT_ID, demo_state
from cfemu.runner import write_files
from cfemu.workers import split_multipart
from tests.harness.wrangler import Wrangler, deploy, installed_wrangler

pytestmark = pytest.mark.e2e

UPLOAD_PATH = f"/accounts/{DEMO_ACCOUNT_ID}/workers/assets/upload"
HEADERS = "/*\n  X-Frame-Options: DENY\n/css/*\n  Cache-Control: max-age=3600\n"
REDIRECTS = "/old /new 301\n/blog/* /posts/:splat 302\n"
# Served files: path -> (content, the Content-Type wrangler sends, None for application/null).
SERVED: dict[str, tuple[bytes, str | None]] = {
    "/index.html": (b"<h1>home</h1>\n", "text/html; charset=utf-8"),
    "/404.html": (b"<h1>not here</h1>\n", "text/html; charset=utf-8"),
    "/css/site.css": (b"body { margin: 0 }\n", "text/css; charset=utf-8"),
    "/blog/2026/11/post.html": (b"<p>post</p>\n", "text/html; charset=utf-8"),
    "/img/logo.svg": (b'<svg xmlns="http://www.w3.org/2000/svg"/>\n', "image/svg+xml"),
    "/data/feed.json": (b'{"items": []}\n', "application/json"),
    "/robots.txt": (b"User-agent: *\n", "text/plain; charset=utf-8"),
    "/blob.weird-ext": (b"\x00\x01\x02\xff", None),
}
IGNORED = {
    "public/.assetsignore": "secret.txt\nprivate/\n",
    "public/secret.txt": "not for the web\n",
    "public/private/keys.txt": "neither\n",
    "public/_headers": HEADERS,
    "public/_redirects": REDIRECTS,
}
WORKER_CONFIG = """\
name = "site"
main = "src/index.js"
compatibility_date = "2026-11-01"

[assets]
directory = "./public"
binding = "ASSETS"
html_handling = "drop-trailing-slash"
not_found_handling = "404-page"
run_worker_first = ["/api/*", "!/api/docs/*"]
"""
ASSETS_ONLY_CONFIG = """\
name = "static"
compatibility_date = "2026-11-01"

[assets]
directory = "./public"
not_found_handling = "single-page-application"
"""
WORKER = "export default { fetch(request, env) { return env.ASSETS.fetch(request); } };\n"


@pytest.fixture(scope="module")
def wrangler() -> Wrangler:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so wrangler cannot be installed")
    return installed_wrangler()


def write_site(project: Path, config: str, worker: bool) -> None:
    files: dict[str, str | bytes] = {"wrangler.toml": config, **IGNORED}
    files.update({"public" + path: content for path, (content, _) in SERVED.items()})
    if worker:
        files["src/index.js"] = WORKER
    write_files(project, files)


def expected_manifest(served: dict[str, tuple[bytes, str | None]]) -> dict[str, AssetFile]:
    return {path: AssetFile(hash_asset(c, path), len(c)) for path, (c, _) in served.items()}


def uploads(log: list[LoggedRequest]) -> list[LoggedRequest]:
    return [r for r in log if r.method == "POST" and r.path.startswith(UPLOAD_PATH)]


def uploaded_hashes(log: list[LoggedRequest]) -> list[str]:
    """The part names (hashes) of every bulk upload request logged."""
    names = []
    for request in uploads(log):
        content_type = request.header("Content-Type") or ""
        names += [name for name, _, _ in split_multipart(request.body, content_type)]
    return names


def session_manifest(log: list[LoggedRequest]) -> dict[str, AssetFile]:
    [request] = [r for r in log if r.path.endswith("/assets-upload-session")]
    return {p: AssetFile(e["hash"], e["size"]) for p, e in request.json["manifest"].items()}


def run_deploy(wrangler: Wrangler, emu: Emulator, project: Path, home: Path) -> None:
    emu.log.clear()
    run = deploy(wrangler, project, emu.base_url, home)
    assert run.returncode == 0, run.stdout + run.stderr


def test_real_wrangler_deploys_a_site_with_a_worker(wrangler: Wrangler, tmp_path: Path) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    home.mkdir()
    write_site(project, WORKER_CONFIG, worker=True)
    state = demo_state()
    manifest = expected_manifest(SERVED)

    with Emulator(state) as emu:
        run_deploy(wrangler, emu, project, home)
        first_log = emu.log.snapshot()

        assert session_manifest(first_log) == manifest
        assert sorted(uploaded_hashes(first_log)) == sorted(f.hash for f in manifest.values())
        script = state.worker(DEMO_ACCOUNT_ID, "site")
        version = script.deployed_version()
        assert version is not None and version.main_module == "index.js"
        assert version.assets is not None
        assert version.assets.manifest == manifest
        assert version.assets.config == {
            "html_handling": "drop-trailing-slash",
            "not_found_handling": "404-page",
            "run_worker_first": ["/api/*", "!/api/docs/*"],
            "_redirects": REDIRECTS,
            "_headers": HEADERS,
        }
        assert script.bindings() == [{"name": "ASSETS", "type": "assets"}]
        for path, (content, content_type) in SERVED.items():
            stored = state.assets.file(DEMO_ACCOUNT_ID, manifest[path].hash)
            assert (stored.content, stored.content_type) == (content, content_type), path

        # Nothing changed: the session asks for nothing and wrangler uploads nothing.
        run_deploy(wrangler, emu, project, home)
        second_log = emu.log.snapshot()

        assert uploads(second_log) == []
        assert [r.path.rsplit("/site", 1)[-1] for r in second_log if r.method == "POST"][:2] == [
            "/assets-upload-session",
            "/versions",
        ]
        assert len(script.versions) == 2
        redeployed = script.deployed_assets()
        assert redeployed is not None and redeployed is not version.assets
        assert (redeployed.manifest, redeployed.config) == (manifest, version.assets.config)

        # One file changed: only it is uploaded.
        changed = b"<h1>new home</h1>\n"
        write_files(project, {"public/index.html": changed})
        run_deploy(wrangler, emu, project, home)

        assert uploaded_hashes(emu.log.snapshot()) == [hash_asset(changed, "/index.html")]
        deployed = script.deployed_assets()
        assert deployed is not None
        assert deployed.manifest == {
            **manifest,
            "/index.html": AssetFile(hash_asset(changed, "/index.html"), len(changed)),
        }


def test_real_wrangler_deploys_an_assets_only_project(wrangler: Wrangler, tmp_path: Path) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    home.mkdir()
    write_site(project, ASSETS_ONLY_CONFIG, worker=False)
    state = demo_state()

    with Emulator(state) as emu:
        run_deploy(wrangler, emu, project, home)

        assert len(uploads(emu.log.snapshot())) == 1
        script = state.worker(DEMO_ACCOUNT_ID, "static")
        version = script.deployed_version()
        assert version is not None
        # wrangler uploads an assets-only Worker as its metadata part alone.
        assert (version.main_module, version.body_part, version.modules) == (None, None, [])
        assert version.bindings == []
        assert version.assets is not None
        assert version.assets.manifest == expected_manifest(SERVED)
        assert version.assets.config == {
            "not_found_handling": "single-page-application",
            "_redirects": REDIRECTS,
            "_headers": HEADERS,
        }

        run_deploy(wrangler, emu, project, home)

        assert uploads(emu.log.snapshot()) == []
        assert len(script.versions) == 2
        again = script.deployed_version()
        assert again is not None and again.assets is not None
        assert again.main_module is None
        assert again.assets.manifest == version.assets.manifest
