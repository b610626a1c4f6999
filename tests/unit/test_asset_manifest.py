"""Tests for the assets manifest (cfaction.ops.worker.assets.manifest): what is walked and
ignored, the limits, and the hash, checked against wrangler's own (blake3-wasm 2.1.5 run
under node, from the wrangler that tests/harness/wrangler.py installs)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cfaction.errors import InputError
from cfaction.ops.worker.assets import manifest as assets_manifest
from cfaction.ops.worker.assets.manifest import build_manifest, hash_file
from tests.harness.wrangler import installed_wrangler


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


SITE: dict[str, str | bytes] = {
    "public/index.html": "<h1>home</h1>",
    "public/about/index.html": "<h1>about</h1>",
    "public/css/site.css": "body{}",
    "public/img/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    "public/_headers": "/*\n  X-Frame-Options: DENY\n",
    "public/_redirects": "/old /new 301\n",
    "public/.assetsignore": "*.map\ndrafts/\n",
    "public/app.js.map": "{}",
    "public/drafts/wip.html": "wip",
    "public/README": "no extension",
}


def test_the_manifest_has_every_file_but_the_ignored_ones(tmp_path: Path) -> None:
    write(tmp_path, SITE)

    found = build_manifest(tmp_path / "public", tmp_path)

    assert [f.key for f in found.files] == [
        "/README",
        "/about/index.html",
        "/css/site.css",
        "/img/logo.png",
        "/index.html",
    ]
    assert found.ignored == 5  # .assetsignore, _headers, _redirects, the map, the draft
    assert (found.headers, found.redirects) == (SITE["public/_headers"], SITE["public/_redirects"])
    logo = next(f for f in found.files if f.key == "/img/logo.png")
    assert logo.size == len(SITE["public/img/logo.png"])
    body = found.session_body()["manifest"]
    assert body["/index.html"] == {"hash": hash_file(tmp_path / "public/index.html"), "size": 13}


def test_the_hash_is_wranglers(tmp_path: Path) -> None:
    files = {
        "a.html": "<p>x</p>",
        "b.txt": "",
        "noext": "plain",
        "big.bin": os.urandom(7 * 1024 * 1024 + 5),  # more than one read chunk, not a multiple of 3
        "x.tar.gz": b"\x1f\x8b",
    }
    write(tmp_path, files)
    wrangler = installed_wrangler()
    script = (
        "const { hash } = require('blake3-wasm');\n"
        "const fs = require('fs'); const path = require('path');\n"
        "const out = {};\n"
        "for (const f of JSON.parse(process.argv[1])) {\n"
        "  const b64 = fs.readFileSync(f).toString('base64');\n"
        "  out[f] = hash(b64 + path.extname(f).substring(1)).toString('hex').slice(0, 32);\n"
        "}\n"
        "console.log(JSON.stringify(out));\n"
    )
    paths = [str(tmp_path / name) for name in files]
    done = subprocess.run(
        [str(wrangler.node), "-e", script, json.dumps(paths)],
        cwd=wrangler.script.parents[2],  # node_modules/wrangler -> node_modules/.. resolves
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "NODE_PATH": str(wrangler.script.parents[2])},
    )

    assert {p: hash_file(Path(p)) for p in paths} == json.loads(done.stdout)


def test_a_pages_worker_file_is_refused_without_an_assetsignore(tmp_path: Path) -> None:
    write(tmp_path, {"public/index.html": "x", "public/_worker.js": "export default {}"})

    with pytest.raises(InputError) as refused:
        build_manifest(tmp_path / "public", tmp_path)

    assert "_worker.js file" in refused.value.problem
    write(tmp_path, {"public/.assetsignore": ""})  # an empty one publishes it on purpose
    keys = [f.key for f in build_manifest(tmp_path / "public", tmp_path).files]
    assert keys == ["/_worker.js", "/index.html"]


def test_a_file_over_the_size_limit_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets_manifest, "MAX_ASSET_BYTES", 10)
    write(tmp_path, {"public/ok.txt": "small", "public/video/clip.mp4": b"0" * 11})

    with pytest.raises(InputError) as refused:
        build_manifest(tmp_path / "public", tmp_path)

    assert refused.value.input_name == "assets"
    assert "public/video/clip.mp4" in refused.value.problem


def test_too_many_files_are_refused_before_any_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets_manifest, "MAX_ASSET_FILES", 3)
    write(tmp_path, {f"public/{n}.txt": str(n) for n in range(4)})

    with pytest.raises(InputError, match="more than 3 files"):
        build_manifest(tmp_path / "public", tmp_path)


def test_a_link_out_of_the_workspace_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"secret.txt": "s"})
    workspace = tmp_path / "ws"
    write(workspace, {"public/index.html": "x"})
    (workspace / "public/leak.txt").symlink_to(outside / "secret.txt")

    with pytest.raises(InputError, match="links outside the workspace"):
        build_manifest(workspace / "public", workspace)


def test_a_linked_file_counts_and_a_linked_folder_is_not_entered_as_in_wrangler(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"public/index.html": "x", "shared/logo.svg": "<svg/>"})
    (tmp_path / "public/logo.svg").symlink_to(tmp_path / "shared/logo.svg")
    (tmp_path / "public/again").symlink_to(tmp_path / "public")

    keys = [f.key for f in build_manifest(tmp_path / "public", tmp_path).files]

    assert keys == ["/index.html", "/logo.svg"]
