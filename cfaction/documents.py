"""YAML (and so JSON) documents given in inputs, read with YAML 1.2 core scalars.

PyYAML implements YAML 1.1, which reads ``proxied: yes``, ``name: on``, ``ttl: 1:30`` (90)
and ``0755`` (493) as booleans and numbers without a word. Inputs follow the YAML 1.2 core
schema instead, like the inputs themselves (``@actions/core`` ``getBooleanInput``): booleans
are only true/false in any case, numbers are decimal, ``0o`` octal or ``0x`` hex, and
everything else stays a string.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

YAMLError = yaml.YAMLError


class _CoreSchemaLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core booleans, integers and floats."""


_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_CoreSchemaLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CoreSchemaLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_CoreSchemaLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_CoreSchemaLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9]+[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def load_yaml(text: str) -> Any:
    """The document in ``text``.

    :raises YAMLError: when it is not valid YAML (the error may carry ``problem_mark``).
    """
    return yaml.load(text, Loader=_CoreSchemaLoader)  # a SafeLoader subclass


def describe_yaml_error(error: YAMLError) -> str:
    """Where and why a document did not parse, for a message: ``at line 2, column 5: …``."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{where}: {getattr(error, 'problem', None) or error}"


MAX_JSON_DEPTH = 64
"""The deepest nesting a JSON input may have (far more than any real input)."""


class DuplicateKeyError(ValueError):
    """A JSON object names a key twice: one of the two values would be lost silently."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice")
        self.key = key


def load_json(text: str) -> Any:
    """The JSON document in ``text``, refusing duplicate keys and deep nesting.

    :raises DuplicateKeyError: for a key given twice in one object.
    :raises ValueError: for invalid JSON, or nesting deeper than :data:`MAX_JSON_DEPTH`.
    """
    if _depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"it nests deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text, object_pairs_hook=_unique_keys)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKeyError(key)
        found[key] = value
    return found


def _depth(text: str) -> int:
    """The deepest bracket nesting outside strings, counted without parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
