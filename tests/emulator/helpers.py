"""What the emulator test modules share: identifiers, credentials, a base State and the
Cloudflare envelope assertions.

Each module's ``state`` fixture starts from base_state() and adds its own zones and tokens;
the token values below name an owner and a scope, and each module grants them the
permissions its tests need.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from cfemu import State

ACME = "a" * 32  # account "Acme"
OTHER = "b" * 32  # account "Other Corp"
ZONE = "c" * 31 + "1"  # example.com, in Acme, Free plan
ZONE_OTHER = "d" * 32  # other.io, in Other Corp, Free plan
UNKNOWN_ZONE = "e" * 32  # well-formed, but no zone has it

USER_TOKEN = "U" * 40  # owned by the user: every account
ACCOUNT_TOKEN = "cfat_" + "A" * 40  # owned by Acme
OTHER_ACCOUNT_TOKEN = "cfat_" + "O" * 40  # owned by Other Corp
SCOPED_TOKEN = "S" * 40  # owned by the user, limited to ZONE

EMAIL = "ops@example.com"
GLOBAL_KEY = "0123456789abcdef0123456789abcdef01234"
KEY_HEADERS = {"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY}

MISSING_AUTH = "Missing X-Auth-Key, X-Auth-Email or Authorization headers"


def base_state(**fields: Any) -> State:
    """Acme with example.com (ZONE), Other Corp with other.io (ZONE_OTHER), and the Global
    API key EMAIL/GLOBAL_KEY; ``fields`` go to State (e.g. ``clock``). No tokens."""
    state = State(**fields)
    state.add_account("Acme", id=ACME)
    state.add_account("Other Corp", id=OTHER)
    state.add_zone("example.com", account_id=ACME, id=ZONE)
    state.add_zone("other.io", account_id=OTHER, id=ZONE_OTHER)
    state.add_global_key(email=EMAIL, key=GLOBAL_KEY)
    return state


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_ok(response: requests.Response) -> Any:
    """A 200 success envelope without errors or messages; returns its result."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["success"], body["errors"], body["messages"]) == (True, [], [])
    return body["result"]


def assert_error(
    response: requests.Response,
    status: int,
    code: int,
    message: str | None = None,
    chain: list[tuple[int, str]] | None = None,
) -> str:
    """A JSON failure envelope with exactly one error: ``code``, ``message`` (any when None)
    and ``chain`` as its error_chain (None: no error_chain). Returns the message."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert (body["success"], body["result"], body["messages"]) == (False, None, [])
    [error] = body["errors"]
    text: str = error["message"] if message is None else message
    expected: dict[str, Any] = {"code": code, "message": text}
    if chain is not None:
        expected["error_chain"] = [{"code": c, "message": m} for c, m in chain]
    assert error == expected, body
    return text


def assert_no_route(response: requests.Response, status: int, full_path: str) -> None:
    """Cloudflare's 7003/7000 pair for a path (as sent, with /client/v4) that names nothing."""
    assert response.status_code == status
    assert response.json()["errors"] == [
        {
            "code": 7003,
            "message": f"Could not route to {full_path}, perhaps your object identifier is "
            "invalid?",
        },
        {"code": 7000, "message": "No route for that URI"},
    ]


ES_WORKER = b"export default { fetch() { return new Response('hi'); } };\n"


class Client:
    """Calls to a running emulator with a bearer token, and Worker uploads (multipart with
    a ``metadata`` part and one ES module, ``index.js``, unless ``modules`` says more)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = bearer(token or self.token)
        headers.update(kwargs.pop("headers", {}))
        return self.session.request(
            method, self.base_url + path, headers=headers, timeout=5, **kwargs
        )

    def upload(
        self,
        name: str = "hello",
        metadata: dict[str, Any] | None = None,
        *,
        account: str = ACME,
        version: bool = False,
        token: str | None = None,
        query: str = "",
    ) -> Any:
        """PUT .../scripts/{name}, or POST .../versions with ``version``; ``metadata``
        extends {"main_module": "index.js", "compatibility_date": "2025-01-01"}."""
        meta = {"main_module": "index.js", "compatibility_date": "2025-01-01", **(metadata or {})}
        files = [
            ("metadata", (None, json.dumps(meta), "application/json")),
            ("index.js", ("index.js", ES_WORKER, "application/javascript+module")),
        ]
        path = f"/accounts/{account}/workers/scripts/{name}"
        if version:
            return self.call("POST", path + "/versions" + query, token=token, files=files)
        return self.call("PUT", path + query, token=token, files=files)
