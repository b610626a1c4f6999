"""Tests for the emulator's Workers static assets: upload sessions, the JWT-authenticated
file uploads, the account's content-addressed store, the limits, and what Worker uploads
carrying ``metadata.assets`` (or ``keep_assets``) store on the version, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cfemu import Emulator, State
from cfemu.assets import ASSET_MAX_BYTES, AssetFile, extension, hash_asset
from tests.emulator.helpers import (
    ACME,
    ES_WORKER,
    MISSING_AUTH,
    OTHER,
    OTHER_ACCOUNT_TOKEN,
    assert_error,
    assert_no_route,
    assert_ok,
    base_state,
    bearer,
)

TOKEN = "W" * 40  # workers_scripts:edit, every account
READ_TOKEN = "R" * 40  # workers_scripts:read only
UNKNOWN_ACCOUNT = "f" * 32

SITE: dict[str, tuple[bytes, str]] = {
    "/index.html": (b"<h1>home</h1>\n", "text/html; charset=utf-8"),
    "/css/site.css": (b"body { color: red }\n", "text/css; charset=utf-8"),
    "/blog/2026/post.html": (b"<p>post</p>\n", "text/html; charset=utf-8"),
    "/img/logo.svg": (b"<svg/>\n", "image/svg+xml"),
    "/data.unknownext": (b"\x00\x01\x02binary", "application/null"),
}


@pytest.fixture
def state() -> State:
    state = base_state()
    state.add_token(TOKEN, permissions={"workers_scripts:edit"})
    state.add_token(READ_TOKEN, permissions={"workers_scripts:read"})
    state.add_token(OTHER_ACCOUNT_TOKEN, permissions={"workers_scripts:edit"}, account_id=OTHER)
    return state


def manifest_of(files: dict[str, tuple[bytes, str]]) -> dict[str, dict[str, Any]]:
    return {
        path: {"hash": hash_asset(content, path), "size": len(content)}
        for path, (content, _) in files.items()
    }


def claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, decoded as wrangler does (plain base64 of the middle part)."""
    head, payload, signature = jwt.split(".")
    assert head and signature
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(data, dict)
    return data


class Api:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.http = requests.Session()

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, token: str | None = TOKEN, **kwargs: Any) -> Any:
        headers = bearer(token) if token is not None else {}
        headers.update(kwargs.pop("headers", {}))
        return self.http.request(
            method, self.emu.base_url + path, headers=headers, timeout=30, **kwargs
        )

    def start(
        self,
        manifest: Any,
        name: str = "site",
        account: str = ACME,
        token: str | None = TOKEN,
    ) -> Any:
        path = f"/accounts/{account}/workers/scripts/{name}/assets-upload-session"
        return self.call("POST", path, token=token, json={"manifest": manifest})

    def session(
        self, files: dict[str, tuple[bytes, str]], name: str = "site", account: str = ACME
    ) -> dict[str, Any]:
        response = self.start(manifest_of(files), name, account)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()["result"]
        return result

    def upload(
        self,
        jwt: str | None,
        parts: list[tuple[str, bytes, str]],
        account: str = ACME,
        query: str = "?base64=true",
        encode: bool = True,
    ) -> Any:
        """POST .../workers/assets/upload with one part per (hash, content, type)."""
        files = [
            (digest, (digest, base64.b64encode(content) if encode else content, ctype))
            for digest, content, ctype in parts
        ]
        headers = {} if jwt is None else {"Authorization": f"Bearer {jwt}"}
        return self.session_request(
            "POST", f"/accounts/{account}/workers/assets/upload{query}", headers, files=files
        )

    def session_request(
        self, method: str, path: str, headers: dict[str, str], **kwargs: Any
    ) -> Any:
        return self.http.request(
            method, self.emu.base_url + path, headers=headers, timeout=30, **kwargs
        )

    def upload_all(self, files: dict[str, tuple[bytes, str]], session: dict[str, Any]) -> str:
        """Upload every bucket of a session as wrangler does; the completion token."""
        by_hash = {hash_asset(c, p): (c, t) for p, (c, t) in files.items()}
        completion = ""
        for bucket in session["buckets"]:
            response = self.upload(session["jwt"], [(h, *by_hash[h]) for h in bucket])
            assert response.status_code in (201, 202), response.text
            completion = response.json()["result"].get("jwt") or completion
        return completion

    def completion(self, files: dict[str, tuple[bytes, str]], name: str = "site") -> str:
        session = self.session(files, name)
        return self.upload_all(files, session) if session["buckets"] else session["jwt"]

    def deploy(
        self,
        metadata: dict[str, Any],
        name: str = "site",
        account: str = ACME,
        token: str = TOKEN,
        code: bool = True,
        version: bool = False,
    ) -> Any:
        """PUT .../scripts/{name} (or POST .../versions): metadata plus index.js, or the
        metadata part alone (``code=False``, as wrangler uploads an assets-only Worker)."""
        meta = {"compatibility_date": "2026-01-01", **metadata}
        if code:
            meta.setdefault("main_module", "index.js")
        files: list[Any] = [("metadata", (None, json.dumps(meta), "application/json"))]
        if code:
            files.append(("index.js", ("index.js", ES_WORKER, "application/javascript+module")))
        path = f"/accounts/{account}/workers/scripts/{name}"
        if version:
            return self.call("POST", path + "/versions", token=token, files=files)
        return self.call("PUT", path, token=token, files=files)


@pytest.fixture
def api(emu: Emulator) -> Iterator[Api]:
    client = Api(emu)
    yield client
    client.close()


# --- the hash ---------------------------------------------------------------------------

# Computed with wrangler 4.125's own hash (blake3-wasm over base64(content) + extension).
WRANGLER_HASHES = [
    (b"<h1>hi</h1>", "/index.html", "e5e943f01929441dfbb0d4956a759fda"),
    (b"x", "/.assetsignore", "c89c27f28e24f706b72c408fe1d6537a"),
    ("été".encode(), "/a..b", "31cfd4bced854e3ec08c09f6fa2d1a93"),
    (b"", "/empty.txt", "f9bc91770fa5e997cbd47fba833629fc"),
]


@pytest.mark.parametrize(("content", "path", "expected"), WRANGLER_HASHES)
def test_hash_is_wranglers(content: bytes, path: str, expected: str) -> None:
    assert hash_asset(content, path) == expected


@pytest.mark.parametrize(
    ("path", "ext"),
    [
        ("/index.html", "html"),
        ("/a/b.c/d", ""),
        ("/archive.tar.gz", "gz"),
        ("/.assetsignore", ""),
        ("/..", ""),
        ("/...", ""),
        ("/a.", ""),
        ("/..a", "a"),
        ("/.a.b", "b"),
        ("/README", ""),
    ],
)
def test_extension_is_node_extname(path: str, ext: str) -> None:
    assert extension(path) == ext


# --- the protocol ---------------------------------------------------------------------


def test_session_upload_and_deploy(emu: Emulator, api: Api) -> None:
    emu.state.assets.bucket_max_files = 3
    emu.state.assets.clock = lambda: 1_800_000_000.0
    manifest = manifest_of(SITE)

    response = api.start(manifest)

    assert response.status_code == 201, response.text
    session = response.json()["result"]
    assert set(session) == {"jwt", "buckets"}
    assert [len(b) for b in session["buckets"]] == [3, 2]
    assert [h for b in session["buckets"] for h in b] == [e["hash"] for e in manifest.values()]
    payload = claims(session["jwt"])
    assert payload["phase"] == "upload"
    assert payload["exp"] - payload["iat"] == 3600
    assert payload["iat"] == 1_800_000_000
    assert payload["account_id"] == ACME and payload["script_name"] == "site"
    assert "wrangler_single_asset_uploads" not in payload

    by_hash = {hash_asset(c, p): (c, t) for p, (c, t) in SITE.items()}
    first, second = session["buckets"]
    early = api.upload(session["jwt"], [(h, *by_hash[h]) for h in first])
    assert early.status_code == 202, early.text
    assert early.json() == {"success": True, "errors": [], "messages": [], "result": {}}
    last = api.upload(session["jwt"], [(h, *by_hash[h]) for h in second])
    assert last.status_code == 201, last.text
    completion = last.json()["result"]["jwt"]
    assert claims(completion)["phase"] == "complete"
    assert completion != session["jwt"]

    store = emu.state.assets
    assert store.hashes(ACME) == set(by_hash)
    assert store.hashes(OTHER) == set()
    index = store.file(ACME, manifest["/index.html"]["hash"])
    assert (index.content, index.content_type) == SITE["/index.html"]
    blob = store.file(ACME, manifest["/data.unknownext"]["hash"])
    assert (blob.content, blob.content_type) == (SITE["/data.unknownext"][0], None)

    config = {
        "html_handling": "drop-trailing-slash",
        "not_found_handling": "404-page",
        "run_worker_first": ["/api/*", "!/api/docs/*"],
        "_headers": "/*\n  X-Frame-Options: DENY\n",
        "_redirects": "/old /new 301\n",
    }
    metadata = {
        "assets": {"jwt": completion, "config": config},
        "bindings": [{"type": "assets", "name": "ASSETS"}],
    }
    assert_ok(api.deploy(metadata))

    script = emu.state.worker(ACME, "site")
    assets = script.deployed_assets()
    assert assets is not None
    assert assets.manifest == {
        path: AssetFile(entry["hash"], entry["size"]) for path, entry in manifest.items()
    }
    assert assets.config == config
    assert script.bindings() == [{"type": "assets", "name": "ASSETS"}]
    listed = assert_ok(api.call("GET", f"/accounts/{ACME}/workers/scripts"))
    assert [s["has_assets"] for s in listed] == [True]


def test_a_second_session_for_the_same_files_asks_for_nothing(emu: Emulator, api: Api) -> None:
    api.completion(SITE)

    again = api.session(SITE)

    assert again["buckets"] == []
    assert claims(again["jwt"])["phase"] == "complete"
    assert_ok(api.deploy({"assets": {"jwt": again["jwt"]}}))
    assets = emu.state.worker(ACME, "site").deployed_assets()
    assert assets is not None and set(assets.manifest) == set(SITE)
    assert assets.config == {}

    changed = {**SITE, "/index.html": (b"<h1>new home</h1>\n", "text/html; charset=utf-8")}
    partial = api.session(changed)
    assert partial["buckets"] == [[hash_asset(b"<h1>new home</h1>\n", "/index.html")]]
    # Another Worker of the account shares the account's files.
    assert api.session(SITE, name="other-site")["buckets"] == []


def test_files_added_to_the_store_are_not_asked_for(emu: Emulator, api: Api) -> None:
    content, ctype = SITE["/index.html"]
    digest = emu.state.assets.add(ACME, content, "/index.html", ctype)
    assert emu.state.assets.has(ACME, digest) and not emu.state.assets.has(OTHER, digest)

    session = api.session(SITE)

    assert digest not in [h for bucket in session["buckets"] for h in bucket]
    assert len([h for bucket in session["buckets"] for h in bucket]) == len(SITE) - 1


def test_other_accounts_do_not_share_files(api: Api) -> None:
    api.completion(SITE)
    manifest = manifest_of(SITE)

    response = api.start(manifest, account=OTHER, token=OTHER_ACCOUNT_TOKEN)

    assert response.status_code == 201, response.text
    assert len(response.json()["result"]["buckets"][0]) == len(SITE)


def test_the_same_content_at_two_paths_is_asked_for_once(api: Api) -> None:
    files = {"/a.txt": (b"same", "text/plain"), "/b/a.txt": (b"same", "text/plain")}
    files["/c.md"] = (b"same", "text/markdown")  # another extension: another hash

    session = api.session(files)

    assert session["buckets"] == [[hash_asset(b"same", "/a.txt"), hash_asset(b"same", "/c.md")]]


def test_buckets_split_by_bytes(emu: Emulator, api: Api) -> None:
    emu.state.assets.bucket_max_bytes = 10
    files = {
        f"/{n}.txt": (bytes([65 + n]) * size, "text/plain")
        for n, size in enumerate([6, 4, 1, 10, 3])
    }

    session = api.session(files)

    sizes = {hash_asset(c, p): len(c) for p, (c, _) in files.items()}
    assert [[sizes[h] for h in bucket] for bucket in session["buckets"]] == [[6, 4], [1], [10], [3]]


def test_default_buckets_hold_2000_files_or_50_mib(api: Api) -> None:
    manifest = {f"/f{i}.txt": {"hash": f"{i:032x}", "size": 1} for i in range(2001)}
    manifest["/big1.bin"] = {"hash": "a" * 32, "size": 25 * 1024 * 1024}
    manifest["/big2.bin"] = {"hash": "b" * 32, "size": 25 * 1024 * 1024}

    buckets = assert_created(api.start(manifest))["buckets"]

    assert [len(b) for b in buckets] == [2000, 2, 1]


def assert_created(response: requests.Response) -> Any:
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["success"], body["errors"], body["messages"]) == (True, [], [])
    return body["result"]


def test_an_empty_manifest_is_complete_at_once(api: Api) -> None:
    session = assert_created(api.start({}))

    assert session["buckets"] == []
    assert claims(session["jwt"])["phase"] == "complete"


def test_repeating_an_upload_after_completion_answers_the_same_token(api: Api) -> None:
    files = {"/a.txt": SITE["/index.html"]}
    session = api.session(files)
    parts = [(hash_asset(SITE["/index.html"][0], "/a.txt"), *SITE["/index.html"])]

    first = api.upload(session["jwt"], parts)
    retry = api.upload(session["jwt"], parts)

    assert first.status_code == retry.status_code == 201
    assert first.json()["result"]["jwt"] == retry.json()["result"]["jwt"]


def test_a_session_completes_once_another_session_stored_its_files(api: Api) -> None:
    files = dict(list(SITE.items())[:2])
    one, two = api.session(files), api.session(files)
    assert one["buckets"] == two["buckets"]
    api.upload_all(files, one)
    [first_hash, _] = two["buckets"][0]
    content, ctype = next(v for p, v in files.items() if hash_asset(v[0], p) == first_hash)

    response = api.upload(two["jwt"], [(first_hash, content, ctype)])

    assert response.status_code == 201, response.text
    assert claims(response.json()["result"]["jwt"])["sub"] == claims(two["jwt"])["sub"]


def test_single_asset_uploads_take_raw_bytes(emu: Emulator, api: Api) -> None:
    files = {"/index.html": SITE["/index.html"], "/img/logo.svg": SITE["/img/logo.svg"]}
    session = api.session(files)
    answers = []
    for path, (content, ctype) in files.items():
        digest = hash_asset(content, path)
        answers.append(
            api.session_request(
                "POST",
                f"/accounts/{ACME}/workers/assets/upload/{digest}",
                {"Authorization": f"Bearer {session['jwt']}", "Content-Type": ctype},
                data=content,
            )
        )

    assert [a.status_code for a in answers] == [202, 201]
    assert claims(answers[1].json()["result"]["jwt"])["phase"] == "complete"
    logo = emu.state.assets.file(ACME, hash_asset(files["/img/logo.svg"][0], "/img/logo.svg"))
    assert (logo.content, logo.content_type) == files["/img/logo.svg"]


# --- session errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], 'Expected a JSON body {"manifest": {path: {hash, size}}}.'),
        ({}, 'Expected a JSON body {"manifest": {path: {hash, size}}}.'),
        ({"manifest": []}, 'Expected a JSON body {"manifest": {path: {hash, size}}}.'),
        ({"manifest": {"index.html": {"hash": "a" * 32, "size": 1}}}, None),
        ({"manifest": {"/a": "x"}}, None),
        ({"manifest": {"/a": {"hash": "a" * 31, "size": 1}}}, None),
        ({"manifest": {"/a": {"hash": "A" * 32, "size": 1}}}, None),
        ({"manifest": {"/a": {"hash": "g" * 32, "size": 1}}}, None),
        ({"manifest": {"/a": {"size": 1}}}, None),
        ({"manifest": {"/a": {"hash": "a" * 32, "size": -1}}}, None),
        ({"manifest": {"/a": {"hash": "a" * 32, "size": True}}}, None),
        ({"manifest": {"/a": {"hash": "a" * 32, "size": "1"}}}, None),
        ({"manifest": {"/a": {"hash": "a" * 32, "size": 1.5}}}, None),
        ({"manifest": {"/a": {"hash": "a" * 32}}}, None),
    ],
)
def test_malformed_manifests_are_10021(
    emu: Emulator, api: Api, body: Any, message: str | None
) -> None:
    path = f"/accounts/{ACME}/workers/scripts/site/assets-upload-session"

    assert_error(api.call("POST", path, json=body), 400, 10021, message)
    assert emu.state.assets.sessions == {}


def test_malformed_json_is_6007(api: Api) -> None:
    path = f"/accounts/{ACME}/workers/scripts/site/assets-upload-session"
    response = api.call("POST", path, data=b"{", headers={"Content-Type": "application/json"})
    assert_error(response, 400, 6007, "Malformed JSON in request body")


def test_a_file_may_be_25_mib(api: Api) -> None:
    ok_size = {"/big.bin": {"hash": "a" * 32, "size": ASSET_MAX_BYTES}}
    over = {"/big.bin": {"hash": "a" * 32, "size": ASSET_MAX_BYTES + 1}}

    assert ASSET_MAX_BYTES == 25 * 1024 * 1024
    assert assert_created(api.start(ok_size))["buckets"] == [["a" * 32]]
    message = assert_error(api.start(over), 400, 10021)
    assert message.startswith("Asset too large: /big.bin is 26214401 bytes")


def _many(count: int) -> dict[str, dict[str, Any]]:
    return {f"/{i}.txt": {"hash": f"{i:032x}", "size": 1} for i in range(count)}


def test_free_accounts_may_have_20000_files(api: Api) -> None:
    assert_created(api.start(_many(20_000)))
    message = assert_error(api.start(_many(20_001)), 400, 10021)
    assert message == (
        "Too many assets: the manifest lists 20001 files and a Worker version on this plan "
        "may have at most 20000."
    )


def test_paid_accounts_may_have_100000_files(emu: Emulator, api: Api) -> None:
    emu.state.assets.paid_accounts.add(ACME)

    assert_created(api.start(_many(100_000)))
    message = assert_error(api.start(_many(100_001)), 400, 10021)
    assert "at most 100000" in message


def test_session_permissions(api: Api) -> None:
    manifest = manifest_of(SITE)

    assert_error(api.start(manifest, token=READ_TOKEN), 403, 10000, "Authentication error")
    assert_error(api.start(manifest, token=OTHER_ACCOUNT_TOKEN), 403, 10000)
    assert_error(api.start(manifest, token=None), 400, 9106, MISSING_AUTH)
    assert_error(api.start(manifest, name="Bad_Name"), 400, 10016)
    assert_no_route(
        api.start(manifest, account=UNKNOWN_ACCOUNT),
        404,
        f"/client/v4/accounts/{UNKNOWN_ACCOUNT}/workers/scripts/site/assets-upload-session",
    )


# --- upload errors ------------------------------------------------------------------------


def _one_file_session(api: Api) -> tuple[dict[str, Any], list[tuple[str, bytes, str]]]:
    content, ctype = SITE["/index.html"]
    session = api.session({"/index.html": (content, ctype)})
    return session, [(hash_asset(content, "/index.html"), content, ctype)]


def test_upload_token_problems_are_401(emu: Emulator, api: Api) -> None:
    session, parts = _one_file_session(api)
    jwt = session["jwt"]
    head, payload, signature = jwt.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["exp"] += 86400
    forged_part = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    completed = api.session({})["jwt"]

    cases = [
        (None, "Missing JWT"),
        (TOKEN, "Invalid JWT"),  # an API token is no upload token
        ("a.b.c", "Invalid JWT"),
        (f"{head}.{forged_part}.{signature}", "Invalid JWT"),
        (f"{head}.{payload}.{signature[:-2]}", "Invalid JWT"),
        (completed, "Invalid JWT (a completion token cannot upload files)"),
    ]
    for token, message in cases:
        assert_error(api.upload(token, parts), 401, 10000, message)
    assert_error(api.upload(jwt, parts, account=OTHER), 401, 10000, "Invalid JWT")
    emu.state.assets.sessions.clear()  # a token this emulator no longer knows
    assert_error(api.upload(jwt, parts), 401, 10000, "Invalid JWT")
    assert emu.state.assets.hashes(ACME) == set()


def test_an_upload_token_expires_after_an_hour(emu: Emulator, api: Api) -> None:
    now = [1_800_000_000.0]
    emu.state.assets.clock = lambda: now[0]
    session, parts = _one_file_session(api)

    now[0] += 3600
    assert_error(api.upload(session["jwt"], parts), 401, 10000, "Expired JWT")
    now[0] -= 1
    assert api.upload(session["jwt"], parts).status_code == 201


def test_upload_body_problems_are_10021(emu: Emulator, api: Api) -> None:
    session, parts = _one_file_session(api)
    jwt = session["jwt"]
    [(digest, content, ctype)] = parts
    same_size = b"<h1>HOME</h1>\n"
    assert len(same_size) == len(content)

    assert_error(api.upload(jwt, parts, query=""), 400, 10021)
    assert_error(api.upload(jwt, parts, query="?base64=false"), 400, 10021)
    not_multipart = api.session_request(
        "POST",
        f"/accounts/{ACME}/workers/assets/upload?base64=true",
        {"Authorization": f"Bearer {jwt}", "Content-Type": "application/json"},
        data=b"{}",
    )
    assert_error(not_multipart, 400, 10021)
    assert_error(
        api.upload(jwt, [("f" * 32, content, ctype)]),
        400,
        10021,
        f"Asset {'f' * 32} is not in this upload session's manifest.",
    )
    assert_error(
        api.upload(jwt, [(digest, b"not base64!!", ctype)], encode=False),
        400,
        10021,
        f"Asset {digest} is not valid base64.",
    )
    assert_error(
        api.upload(jwt, [(digest, content + b"x", ctype)]),
        400,
        10021,
        f"Asset {digest} is {len(content) + 1} bytes; the manifest says {len(content)}.",
    )
    assert_error(
        api.upload(jwt, [(digest, same_size, ctype)]),
        400,
        10021,
        f"Asset {digest}: the content does not match its hash.",
    )
    assert emu.state.assets.hashes(ACME) == set()


def test_a_refused_part_stores_none_of_the_request(emu: Emulator, api: Api) -> None:
    files = {"/a.txt": (b"aaa", "text/plain"), "/b.txt": (b"bbb", "text/plain")}
    session = api.session(files)
    good = (hash_asset(b"aaa", "/a.txt"), b"aaa", "text/plain")
    bad = (hash_asset(b"bbb", "/b.txt"), b"BBB", "text/plain")

    assert_error(api.upload(session["jwt"], [good, bad]), 400, 10021)

    assert emu.state.assets.hashes(ACME) == set()


def test_the_hash_is_checked_against_the_manifest_paths_extension(api: Api) -> None:
    content = b"body {}"
    wrong_extension = hash_asset(content, "/site.txt")
    session = assert_created(api.start({"/site.css": {"hash": wrong_extension, "size": 7}}))

    response = api.upload(session["jwt"], [(wrong_extension, content, "text/css")])

    assert_error(
        response, 400, 10021, f"Asset {wrong_extension}: the content does not match its hash."
    )


def test_hash_checks_can_be_turned_off(emu: Emulator, api: Api) -> None:
    emu.state.assets.check_hashes = False
    content = b"<p>hi</p>"
    sha = hashlib.sha256(content).hexdigest()[:32]  # the direct-upload docs' example hash
    session = assert_created(api.start({"/a.html": {"hash": sha, "size": len(content)}}))

    response = api.upload(session["jwt"], [(sha, content, "text/html")])

    assert response.status_code == 201, response.text
    assert emu.state.assets.file(ACME, sha).content == content


# --- Worker uploads -----------------------------------------------------------------------


def test_completion_token_checks_on_worker_uploads(emu: Emulator, api: Api) -> None:
    now = [1_800_000_000.0]
    emu.state.assets.clock = lambda: now[0]
    upload_session, _ = _one_file_session(api)
    other_files = {"/x.txt": (b"x", "text/plain")}
    completion = api.completion(other_files)

    refusals = [
        ({"jwt": "token"}, "assets.jwt is not a valid asset upload completion token."),
        ({"jwt": 5}, "assets.jwt must be the completion token of an asset upload."),
        ({"config": {}}, "assets.jwt is required (or keep_assets: true to keep the assets)."),
        (
            {"jwt": upload_session["jwt"]},
            "assets.jwt is an upload token, not a completion token: upload every file the "
            "upload session asked for first.",
        ),
    ]
    for assets, message in refusals:
        assert_error(api.deploy({"assets": assets}), 400, 10021, message)
    assert_error(
        api.deploy({"assets": {"jwt": completion}}, name="another"),
        400,
        10021,
        "assets.jwt was issued for another Worker: start an upload session for another.",
    )
    assert_error(
        api.deploy({"assets": {"jwt": completion}}, account=OTHER, token=OTHER_ACCOUNT_TOKEN),
        400,
        10021,
    )
    now[0] += 3600
    assert_error(
        api.deploy({"assets": {"jwt": completion}}),
        400,
        10021,
        "assets.jwt has expired: start a new asset upload session.",
    )
    assert emu.state.workers == {}
    now[0] -= 1
    assert_ok(api.deploy({"assets": {"jwt": completion}}))
    assert_ok(api.deploy({"assets": {"jwt": completion}}))  # a retry may reuse it


@pytest.mark.parametrize(
    "config",
    [
        [],
        {"html_handling": "auto"},
        {"html_handling": None, "not_found_handling": "spa"},
        {"run_worker_first": "yes"},
        {"run_worker_first": [1]},
        {"run_worker_first": ["api/*"]},
        {"serve_directly": "yes"},
        {"_headers": ["/*"]},
        {"_redirects": 1},
        {"htmlHandling": "none"},
    ],
)
def test_bad_asset_configs_are_10021(emu: Emulator, api: Api, config: Any) -> None:
    completion = api.completion(SITE)

    assert_error(api.deploy({"assets": {"jwt": completion, "config": config}}), 400, 10021)
    assert emu.state.workers == {}


@pytest.mark.parametrize(
    "config",
    [
        {"html_handling": handling, "not_found_handling": not_found}
        for handling in (
            "auto-trailing-slash",
            "force-trailing-slash",
            "drop-trailing-slash",
            "none",
        )
        for not_found in ("single-page-application", "404-page", "none")
    ]
    + [{"run_worker_first": True}, {"run_worker_first": False}, {"serve_directly": True}],
)
def test_good_asset_configs_are_stored(emu: Emulator, api: Api, config: dict[str, Any]) -> None:
    completion = api.completion(SITE)

    assert_ok(api.deploy({"assets": {"jwt": completion, "config": config}}))

    assets = emu.state.worker(ACME, "site").deployed_assets()
    assert assets is not None and assets.config == config


def test_the_assets_binding_needs_assets(emu: Emulator, api: Api) -> None:
    binding = {"type": "assets", "name": "ASSETS"}
    completion = api.completion(SITE)

    assert_error(
        api.deploy({"bindings": [binding]}),
        400,
        10021,
        "Cannot use an assets binding without assets",
    )
    two = [binding, {"type": "assets", "name": "STATIC"}]
    assert_error(
        api.deploy({"assets": {"jwt": completion}, "bindings": two}),
        400,
        10021,
        "A Worker may have at most one assets binding.",
    )
    assert emu.state.workers == {}
    assert_ok(api.deploy({}))
    patch = {"bindings": [binding]}
    path = f"/accounts/{ACME}/workers/scripts/site/settings"
    assert_error(api.call("PATCH", path, json=patch), 400, 10021)


def test_keep_assets(emu: Emulator, api: Api) -> None:
    config = {"html_handling": "none"}
    assert_error(api.deploy({"keep_assets": True}), 400, 10021)
    assert_error(api.deploy({"keep_assets": "yes"}), 400, 10021)
    completion = api.completion(SITE)
    assert_ok(api.deploy({"assets": {"jwt": completion, "config": config}}))
    script = emu.state.worker(ACME, "site")
    first = script.deployed_assets()
    assert first is not None

    assert_ok(api.deploy({"keep_assets": True, "bindings": [{"type": "assets", "name": "A"}]}))
    kept = script.deployed_assets()
    assert kept == first
    assert_ok(
        api.deploy(
            {"keep_assets": True, "assets": {"config": {"html_handling": "auto-trailing-slash"}}}
        )
    )
    reconfigured = script.deployed_assets()
    assert reconfigured is not None
    assert reconfigured.manifest == first.manifest
    assert reconfigured.config == {"html_handling": "auto-trailing-slash"}

    assert_ok(api.deploy({}))
    assert script.deployed_assets() is None
    listed = assert_ok(api.call("GET", f"/accounts/{ACME}/workers/scripts"))
    assert [s["has_assets"] for s in listed] == [False]
    assert_error(api.deploy({"keep_assets": True}), 400, 10021)


def test_versions_carry_assets_until_deployed(emu: Emulator, api: Api) -> None:
    assert_ok(api.deploy({}))
    completion = api.completion(SITE)

    result = assert_ok(api.deploy({"assets": {"jwt": completion}}, version=True))

    script = emu.state.worker(ACME, "site")
    assert script.deployed_assets() is None
    version = script.version(result["id"])
    assert version is not None and version.assets is not None
    assert set(version.assets.manifest) == set(SITE)
    body = {"strategy": "percentage", "versions": [{"version_id": result["id"], "percentage": 100}]}
    assert_ok(api.call("POST", f"/accounts/{ACME}/workers/scripts/site/deployments", json=body))
    assert script.deployed_assets() == version.assets


def test_an_assets_only_worker_has_no_code(emu: Emulator, api: Api) -> None:
    completion = api.completion(SITE)
    config = {"not_found_handling": "single-page-application"}

    assert_error(
        api.deploy(
            {"assets": {"jwt": completion, "config": {"run_worker_first": True}}}, code=False
        ),
        400,
        10021,
        "assets.config.run_worker_first needs a Worker script.",
    )
    assert_error(api.deploy({}, code=False), 400, 10021)
    assert_ok(api.deploy({"assets": {"jwt": completion, "config": config}}, code=False))

    script = emu.state.worker(ACME, "site")
    version = script.deployed_version()
    assert version is not None
    assert (version.main_module, version.body_part, version.modules) == (None, None, [])
    assert version.assets is not None and version.assets.config == config
    content = api.call("GET", f"/accounts/{ACME}/workers/scripts/site")
    assert content.status_code == 200
    again = api.completion(SITE)
    assert_ok(api.deploy({"assets": {"jwt": again}}, code=False, version=True))


def test_secret_edits_keep_the_assets(emu: Emulator, api: Api) -> None:
    assert_ok(api.deploy({"assets": {"jwt": api.completion(SITE)}}))
    script = emu.state.worker(ACME, "site")
    before = script.deployed_assets()

    secret = {"name": "KEY", "text": "v", "type": "secret_text"}
    assert_ok(api.call("PUT", f"/accounts/{ACME}/workers/scripts/site/secrets", json=secret))

    assert len(script.versions) == 2
    assert before is not None and script.deployed_assets() == before
