"""Reading a wrangler configuration file: its three formats and its environments.

``wrangler.toml``, ``wrangler.json`` and ``wrangler.jsonc`` are read as wrangler reads them
(``.json`` files too may hold JSONC comments and trailing commas). What the keys mean is
:mod:`cfaction.ops.worker.wrangler`'s business; this module only turns text into the
top-level table and picks one ``[env.<name>]`` section.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any, Final

from cfaction.documents import (
    DocumentError,
    check_document,
    load_json,
    long_number_error,
    too_deep_error,
)
from cfaction.errors import InputError
from cfaction.workspace import Workspace

FORMATS: Final = (".toml", ".json", ".jsonc")


def read_top_level(path: Path, workspace: Workspace | None = None) -> dict[str, Any]:
    """The top-level table of the configuration file at ``path``, read from ``workspace``
    (default: the file's own folder).

    :raises InputError: named ``config`` when the file cannot be read or parsed (with the
        line and column of a syntax error).
    """
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            "config",
            f"'{path}' is not a wrangler.toml, wrangler.json or wrangler.jsonc file.",
            "Point config at the Worker's wrangler.toml, wrangler.json or wrangler.jsonc.",
        )
    folder = workspace or Workspace.at(path.resolve().parent)
    text = folder.read_text(
        "config",
        path if workspace else path.resolve(),
        label=f"'{path}'",
        missing_fix="Check the path (relative to the workspace).",
    )
    return parse_top_level(path, text)


def strip_jsonc(text: str) -> str:
    """JSONC as JSON: comments and trailing commas become spaces, so the line and column of
    every remaining character stay the same (for the JSON parser's error positions).

    :raises ValueError: for a ``/*`` comment that is never closed, with its position.
    """
    out = list(text)
    length = len(text)
    pending_comma: int | None = None  # a comma that is trailing if a } or ] comes next
    previous = ""  # the last character that is not space or comment
    i = 0
    while i < length:
        char = text[i]
        if char == '"':
            end = i + 1
            while end < length and text[end] not in '"\n':
                end += 2 if text[end] == "\\" else 1
            i = end + 1
            pending_comma, previous = None, '"'
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = length if end < 0 else end
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                line, column = _position(text, i)
                raise ValueError(f"a /* comment is never closed (line {line}, column {column})")
            end = close + 2
        else:
            if char == ",":
                # After {, [ or another comma the comma is an error; leave it to the parser.
                pending_comma = i if previous not in "{[," else None
            elif char in "}]" and pending_comma is not None:
                out[pending_comma] = " "
                pending_comma = None
            elif not char.isspace():
                pending_comma = None
            if not char.isspace():
                previous = char
            i += 1
            continue
        for j in range(i, end):
            if out[j] not in "\r\n":
                out[j] = " "
        i = end
    return "".join(out)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def parse_top_level(path: Path, text: str) -> dict[str, Any]:
    """The file's top-level table."""
    data = _parse(path, text, path.suffix.lower())
    if not isinstance(data, dict):
        raise InputError(
            "config",
            f"{path} holds {describe_kind(data, 'an object')}, not an object of settings.",
            'Write the settings as one object: {"name": "my-worker", …}.',
        )
    return data


def _parse(path: Path, text: str, suffix: str) -> Any:
    """The file's document, read with the bounds of :mod:`cfaction.documents` (nesting,
    number length, and for JSON duplicate keys; TOML refuses those itself)."""
    if suffix == ".toml":
        try:
            data = tomllib.loads(text)
            check_document(data)
        except tomllib.TOMLDecodeError as error:
            raise InputError(
                "config", f"{path} is not valid TOML: {error}.", "Fix the TOML syntax there."
            ) from None
        except RecursionError:  # tomllib recurses per level of arrays and inline tables
            raise _refused(path, too_deep_error()) from None
        except DocumentError as error:
            raise _refused(path, error) from None
        except ValueError:  # an integer of more digits than Python converts (4,300)
            raise _refused(path, long_number_error(None)) from None
        return data
    try:
        return load_json(strip_jsonc(text))
    except DocumentError as error:
        raise _refused(path, error) from None
    except ValueError as error:
        problem = (
            f"{error.msg} at line {error.lineno}, column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else str(error)
        )
        raise InputError(
            "config",
            f"{path} is not valid JSON: {problem}.",
            "Fix the JSON syntax there (// and /* */ comments and trailing commas are allowed).",
        ) from None


def _refused(path: Path, error: DocumentError) -> InputError:
    return InputError("config", f"{path} {error.problem}.", error.fix)


def select_environment(path: Path, top: dict[str, Any], name: str) -> dict[str, Any]:
    """The ``env.<name>`` table."""
    toml = path.suffix.lower() == ".toml"
    section = "[env.<name>] sections" if toml else '"env" entries'
    a_table = "a table" if toml else "an object"
    envs = top.get("env", {})
    if not isinstance(envs, dict):
        raise InputError(
            "config",
            f"{path}: env is {describe_kind(envs, a_table)}, not {a_table} of environments.",
            f"Define each environment in {section}.",
        )
    if name not in envs:
        if envs:
            problem = f"'{name}' is not in {path}; it defines: {', '.join(envs)}."
            fix = "Set environment to one of those, or leave it empty for the top level."
        else:
            problem = f"'{name}' is not in {path}; it defines no environments."
            fix = f"Add it to {path.name} ({section}), or leave environment empty."
        raise InputError("environment", problem, fix)
    env = envs[name]
    if not isinstance(env, dict):
        raise InputError(
            "config",
            f"{path}: env.{name} is {describe_kind(env, a_table)}, not {a_table} of settings.",
            f"Define the environment's settings in {section}.",
        )
    return env


def describe_kind(value: Any, a_table: str) -> str:
    """What a value is, for messages: 'a string', 'a list', ``a_table`` for a mapping."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return a_table
    if value is None:
        return "null"
    if isinstance(value, date | time):
        return "a TOML date/time"
    return type(value).__name__
