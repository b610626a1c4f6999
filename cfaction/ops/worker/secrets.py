"""The ``secrets`` input: ``KEY=value`` lines, a JSON object (as ``wrangler secret bulk``
reads one), or ``@path`` of a JSON or dotenv file in the workspace, read as wrangler's
``--secrets-file`` reads it (workers-sdk ``packages/deploy-helpers/src/deploy/helpers/
parse-bulk-input.ts``: JSON if it parses, else dotenv).

Values may span lines: in JSON (``"-----BEGIN KEY-----\\n…"``) and in double-quoted dotenv
values, where ``\\n`` is a line break, as the ``dotenv`` package reads them (motdotla/dotenv
``lib/main.js`` ``parse``). ``KEY=value`` lines keep everything after the ``=`` (trimmed),
``#`` included: a secret is never cut at what looks like a comment.

:func:`mask_forms` lists what to mask for each value, before anything is printed: the value,
each of its lines, and the escaped forms a value takes in JSON, so no form of a secret can
reach the log, the outputs or the summary.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Final

from cfaction.documents import DocumentError, DuplicateKeyError, load_json
from cfaction.errors import InputError
from cfaction.values import key_value_lines, shown
from cfaction.workspace import Workspace

BINDING_NAME: Final = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
MAX_SECRET_BYTES: Final = 5 * 1024
"""Cloudflare's limit per secret value (https://developers.cloudflare.com/workers/platform/
limits/#environment-variables)."""
MAX_SECRETS_FILE_BYTES: Final = 1024 * 1024
MIN_SECRET_CHARS: Final = 4
"""Shorter values are refused: masking them would rewrite unrelated text."""
# The dotenv package's line rule (lib/main.js LINE), as a Python pattern.
_DOTENV_LINE: Final = re.compile(
    r"^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)"
    r"(\s*'(?:\\'|[^'])*'|\s*\"(?:\\\"|[^\"])*\"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?"
    r"\s*(?:#.*)?$",
    re.MULTILINE,
)
_QUOTED: Final = re.compile(r"^(['\"`])([\s\S]*)\1$", re.MULTILINE)


def parse_secrets(text: str, workspace: Workspace) -> dict[str, str]:
    """The secrets the input gives, by name.

    :raises InputError: for a malformed line, file or JSON, a bad name, a duplicate, a
        value that is not text or is longer than Cloudflare allows.
    """
    stripped = text.strip()
    if not stripped:
        return {}
    if stripped.startswith("@"):
        written = stripped[1:].strip()
        content = workspace.read_text("secrets", written, limit=MAX_SECRETS_FILE_BYTES)
        found = _from_file(written, content)
    elif stripped.startswith("{"):
        found = _from_json("the secrets input", stripped)
    else:
        found = _from_lines(text)
    for name, value in found.items():
        if not BINDING_NAME.match(name):
            raise InputError(
                "secrets",
                f"'{shown(name)}' is not a valid secret name.",
                "Use a JavaScript identifier: letters, digits, _ and $, not starting with a digit.",
            )
        if 0 < len(value.strip()) < MIN_SECRET_CHARS:
            raise InputError(
                "secrets",
                f"the value of {name} is shorter than {MIN_SECRET_CHARS} characters, too short "
                "to mask: every such string in the log would be hidden, and the value itself "
                "could not be told apart from ordinary text.",
                "Use a real secret of at least 4 characters, or pass a value that is not "
                "secret in vars.",
            )
        if len(value.encode()) > MAX_SECRET_BYTES:
            raise InputError(
                "secrets",
                f"the value of {name} is {len(value.encode()):,} bytes; Cloudflare takes at "
                f"most {MAX_SECRET_BYTES // 1024} KiB per secret.",
                "Store a large value in KV or R2 and keep its key as the secret.",
            )
    return found


def _from_lines(text: str) -> dict[str, str]:
    return key_value_lines(
        "secrets",
        text,
        "Write one KEY=value per line, a JSON object, or @path of a .env or .json file (for "
        "values of several lines).",
    )


def _from_file(written: str, content: str) -> dict[str, str]:
    """JSON when it parses as JSON (an object of strings), else dotenv, as wrangler."""
    try:
        load_json(content)
    except DocumentError:
        pass  # JSON, refused by _from_json with the reason
    except ValueError:
        return _from_dotenv(written, content)
    return _from_json(f"'{written}'", content)


def _from_json(where: str, content: str) -> dict[str, str]:
    try:
        document = load_json(content)
    except DuplicateKeyError as error:
        raise InputError(
            "secrets", f"{where} names {shown(error.key)} twice.", "Give each once."
        ) from None
    except DocumentError as error:
        raise InputError("secrets", f"{where} {error.problem}.", error.fix) from None
    except ValueError as error:
        raise InputError(
            "secrets", f"{where} is not valid JSON: {error}.", 'Write {"NAME": "value", …}.'
        ) from None
    if not isinstance(document, dict):
        raise InputError("secrets", f"{where} is not a JSON object.", 'Write {"NAME": "value"}.')
    found: dict[str, str] = {}
    for name, value in document.items():
        if not isinstance(value, str):
            raise InputError(
                "secrets",
                f"{where}: the value of {name} is not a string.",
                "Quote it: secrets are text.",
            )
        found[str(name)] = value
    return found


def _from_dotenv(written: str, content: str) -> dict[str, str]:
    """The ``dotenv`` package's ``parse``: ``KEY=value``, ``export``, quotes, comments;
    double quotes turn ``\\n`` and ``\\r`` into line breaks. A later key replaces an earlier
    one there; here a duplicate is an error, since one of the two values would be lost."""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    found: dict[str, str] = {}
    for match in _DOTENV_LINE.finditer(text):
        key = match[1]
        value = (match[2] or "").strip()
        quote = value[:1]
        value = _QUOTED.sub(r"\2", value)
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        if key in found:
            raise InputError("secrets", f"'{written}' names {key} twice.", "Give each once.")
        found[key] = value
    if not found:
        raise InputError(
            "secrets",
            f"'{written}' is neither a JSON object nor a .env file with KEY=value lines.",
            'Write NAME=value lines (quote a value of several lines: NAME="line 1\\nline 2"), '
            'or a JSON object {"NAME": "value"}.',
        )
    return found


def mask_forms(values: Iterable[str]) -> set[str]:
    """Every form of every value to mask: whole, trimmed, each line, and JSON-escaped."""
    forms: set[str] = set()
    for value in values:
        candidates = [value, value.strip(), json.dumps(value)[1:-1]]
        for line in value.splitlines():
            candidates += [line, line.strip()]
        forms.update(f for f in candidates if len(f.strip()) >= MIN_SECRET_CHARS)
    return forms


def secret_values(raw: Mapping[str, str], workspace: Workspace | None = None) -> set[str]:
    """What to mask for the ``secrets`` input before anything else happens: the values of
    whatever form it takes (a file it names is read here too, from the runner's workspace,
    with the same limits; an input that cannot be read has each of its lines masked)."""
    text = raw.get("secrets", "")
    if not text.strip():
        return set()
    workspace = workspace or Workspace.from_environ(os.environ)
    try:
        values = list(parse_secrets(text, workspace).values())
    except InputError:
        # Malformed: mask what could be a value, so even the error cannot show one.
        values = [line.partition("=")[2] or line for line in text.splitlines()]
    return mask_forms(values)
