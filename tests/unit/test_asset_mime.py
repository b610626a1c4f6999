"""cfaction/ops/worker/assets/mime.py: the content type of each static asset, as wrangler
4.125.0 takes it from the npm package mime@4.0.7 (``getType``) and workers-sdk
``getContentType`` (``; charset=utf-8`` on ``text/*``, ``application/null`` for none).

The last tests run the package itself under Node (installed by tests/harness/npm_packages.py)
over every extension of the table and a list of odd names, and compare answer for answer."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cfaction.ops.worker.assets import mime_table
from cfaction.ops.worker.assets.mime import NO_TYPE, asset_content_type, content_type
from cfaction.ops.worker.assets.mime_table import MIME_VERSION, TYPES
from tests.harness.node import node_binary
from tests.harness.npm_packages import installed

# --- readable cases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("index.html", "text/html"),
        ("sub/dir/app.js", "text/javascript"),
        ("/abs/site/style.CSS", "text/css"),  # the extension is lower-cased
        ("Photo.JPEG", "image/jpeg"),
        ("data.json", "application/json"),
        ("font.woff2", "font/woff2"),
        ("archive.tar.gz", "application/gzip"),  # only the last extension counts
        ("page.html.bak", None),
        ("html", "text/html"),  # a bare extension, no folder: the name is the extension
        (".html", "text/html"),  # likewise a dotfile without a folder
        ("dir/html", None),  # a folder and no dot: untyped
        ("dir/.html", None),  # a dot only at the start of the name is no extension
        ("dir/.htaccess", None),
        (".htaccess", None),  # looked up as "htaccess", which the table lacks
        ("Makefile", None),
        ("dir/file.", None),  # an empty extension
        ("dir.d/README", None),  # a dot in a folder is not the file's
        ("dir.html/file", None),
        ("C:\\site\\logo.PNG", "image/png"),  # a backslash separates too
        ("été/données.json", "application/json"),
        ("file.\u212aml", "application/vnd.google-earth.kml+xml"),  # KELVIN SIGN lower-cases to k
        ("file.\uff28\uff34\uff2d\uff2c", None),  # fullwidth letters stay fullwidth
        ("", None),
    ],
)
def test_content_type(path: str, expected: str | None) -> None:
    assert content_type(path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/index.html", "text/html; charset=utf-8"),
        ("/sub/app.js", "text/javascript; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/feed.xml", "application/xml"),  # not text/*: nothing added
        ("/logo.svg", "image/svg+xml"),
        ("/data.json", "application/json"),
        ("/notes.unknown-ext", NO_TYPE),
        ("/LICENSE", NO_TYPE),
        ("/html", NO_TYPE),  # wrangler passes a path with folders: a bare name is untyped
    ],
)
def test_asset_content_type(path: str, expected: str) -> None:
    assert asset_content_type(path) == expected


def test_a_charset_already_there_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # mime 4.0.7's table has no type with a charset; getContentType only adds one when absent.
    monkeypatch.setitem(mime_table.TYPES, "latin", "text/x-latin; charset=iso-8859-1")
    assert asset_content_type("/a.latin") == "text/x-latin; charset=iso-8859-1"


def test_the_table_is_the_pinned_version() -> None:
    assert MIME_VERSION == "4.0.7"
    assert len(TYPES) > 1000
    assert all(ext == ext.lower() and ext.isascii() for ext in TYPES)


# --- ground truth: mime@4.0.7 under Node ---------------------------------------------------

# Reads a JSON list of paths on stdin; prints the package's table and, per path, getType and
# wrangler's getContentType (workers-sdk packages/workers-shared/utils/helpers.ts) with the
# application/null fallback of packages/deploy-helpers/src/deploy/helpers/assets.ts.
NODE_SCRIPT = r"""
import mime from "mime";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const getContentType = (absFilePath) => {
  let contentType = mime.getType(absFilePath);
  if (contentType && contentType.startsWith("text/") && !contentType.includes("charset")) {
    contentType = `${contentType}; charset=utf-8`;
  }
  return contentType;
};
const paths = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({
  version: createRequire(import.meta.url)("mime/package.json").version,
  table: Object.fromEntries(mime._getTestState().types),
  types: paths.map((p) => mime.getType(p)),
  uploaded: paths.map((p) => getContentType(p) ?? "application/null"),
}));
"""

ODD_NAMES = [
    "",
    ".",
    "..",
    "...",
    "a..b",
    "x.",
    "dir/x.",
    "/",
    "dir/",
    "dir\\",
    "Makefile",
    "dir/Makefile",
    ".htaccess",
    "dir/.htaccess",
    ".gitignore",
    ".well-known/assetlinks.json",
    "a.tar.gz",
    "ARCHIVE.TAR.GZ",
    "x.html.bak",
    "x.bak.html",
    "dir.d/file",
    "dir.html/file",
    "dir.html\\file",
    "C:\\site\\Logo.PNG",
    "mixed/sep\\x.css",
    "/home/u/site/sub/page.html",
    "été.json",
    "données/ÉTÉ.JSON",
    "emoji😀.png",
    "😀/x.svg",
    "x.😀",
    "x.\u212aml",
    "x.\u0130",
    "\u0130\u0130\u0130",
    "a/\u0130\u0130",
    "a/\u0130\u0130.png",
    "x.\uff28\uff34\uff2d\uff2c",
    "x.png\n",
    "a\n/b.png",
    "x.ht ml",
    " .html",
    "x.html ",
    "x.HTML",
    "X.Html",
    "x.d.ts",
    "x.mjs",
    "x.cjs",
    "x.wasm",
    "x.map",
    "x.webmanifest",
    "x.avif",
    "x.unknown",
    "__proto__",
    "x.__proto__",
    "x.constructor",
    "x.toString",
]


def name_list() -> list[str]:
    names = list(ODD_NAMES)
    for ext in TYPES:
        names += [f"x.{ext}", f"dir/x.{ext.upper()}", ext, f".{ext}", f"dir/{ext}", f"/a/.{ext}"]
    return names


@pytest.fixture(scope="module")
def node_answers() -> tuple[list[str], dict[str, object]]:
    modules = installed({"mime": "4.0.7", "ignore": "5.3.1"})
    names = name_list()
    done = subprocess.run(
        [str(node_binary()), "--input-type=module", "-e", NODE_SCRIPT],
        input=json.dumps(names),
        capture_output=True,
        text=True,
        cwd=Path(modules).parent,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answers: dict[str, object] = json.loads(done.stdout)
    return names, answers


def test_node_runs_the_pinned_version(node_answers: tuple[list[str], dict[str, object]]) -> None:
    assert node_answers[1]["version"] == MIME_VERSION


def test_the_table_is_the_package_table(
    node_answers: tuple[list[str], dict[str, object]],
) -> None:
    assert node_answers[1]["table"] == TYPES


def test_content_type_matches_mime_get_type(
    node_answers: tuple[list[str], dict[str, object]],
) -> None:
    names, answers = node_answers
    ours = [content_type(name) for name in names]
    theirs = answers["types"]
    assert isinstance(theirs, list)
    mismatches = [(n, o, t) for n, o, t in zip(names, ours, theirs, strict=True) if o != t]
    assert mismatches == []
    assert len(names) > 7000
    assert sum(t is None for t in theirs) > 1000  # the list exercises the untyped cases too


def test_asset_content_type_matches_wrangler(
    node_answers: tuple[list[str], dict[str, object]],
) -> None:
    names, answers = node_answers
    theirs = answers["uploaded"]
    assert isinstance(theirs, list)
    mismatches = [
        (n, asset_content_type(n), t)
        for n, t in zip(names, theirs, strict=True)
        if asset_content_type(n) != t
    ]
    assert mismatches == []
