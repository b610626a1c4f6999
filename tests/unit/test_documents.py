"""Tests for cfaction.documents: YAML 1.2 core scalars, and the bounds every document is read
with (nesting, aliases, size, long numbers, duplicate keys, tags)."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest

from cfaction.documents import (
    MAX_ALIAS_EXPANSION,
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    MAX_YAML_CHARS,
    DocumentError,
    DuplicateKeyError,
    YAMLError,
    check_document,
    describe_yaml_error,
    load_json,
    load_yaml,
)


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A few hundred bytes that stand for ``width ** levels`` strings."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def yaml_error(text: str) -> YAMLError:
    with pytest.raises(YAMLError) as excinfo:
        load_yaml(text)
    return excinfo.value


def document_error(load: Any, text: str) -> DocumentError:
    with pytest.raises(DocumentError) as excinfo:
        load(text)
    return excinfo.value


# YAML 1.2 core schema


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: yes", {"a": "yes"}),
        ("a: on", {"a": "on"}),
        ("a: True", {"a": True}),
        ("a: 0755", {"a": "0755"}),
        ("a: 0o755", {"a": 493}),
        ("a: 0x1F", {"a": 31}),
        ("a: 1:30", {"a": "1:30"}),
        ("a: 2026-11-01", {"a": "2026-11-01"}),
        ("a: ~", {"a": None}),
        ("a: 1.5e3", {"a": 1500.0}),
        ("[1, {b: [c]}]", [1, {"b": ["c"]}]),
    ],
)
def test_yaml_reads_core_schema_scalars(text: str, expected: Any) -> None:
    assert load_yaml(text) == expected


def test_merge_keys_may_override_what_they_merge() -> None:
    text = "base: &base {ttl: 300, proxied: false}\nrecord: {<<: *base, ttl: 60}\n"

    assert load_yaml(text)["record"] == {"ttl": 60, "proxied": False}


@pytest.mark.parametrize("tag", ["!!set {a, b}", "!!binary aGk=", "!!omap [a: 1]", "!custom x"])
def test_tags_beyond_json_types_are_refused(tag: str) -> None:
    error = yaml_error(f"a: {tag}")

    assert "is not read here: write plain values, lists and mappings" in error.problem
    assert error.line == 1


def test_an_explicit_int_tag_on_text_is_a_yaml_error_not_a_crash() -> None:
    assert "'x' is not an integer" in yaml_error("a: !!int x").problem


def test_a_syntax_error_names_the_line_and_column_and_the_character() -> None:
    error = yaml_error("a: 1\nb: @x\n")

    assert (error.line, error.column) == (2, 4)
    assert describe_yaml_error(error).startswith(" at line 2, column 4: ")
    assert "'@'" in error.problem


# nesting


@pytest.mark.parametrize(
    "text", ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000, "- " * 3000 + "x"]
)
def test_yaml_nested_deeper_than_the_limit_is_refused_without_recursing(text: str) -> None:
    error = document_error(load_yaml, text)

    assert error.problem.startswith(f"nests deeper than {MAX_DEPTH} levels of lists and mappings")
    assert "Write a flatter document" in error.fix


def test_yaml_nested_exactly_to_the_limit_is_read() -> None:
    assert load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000])
def test_json_nested_deeper_than_the_limit_is_refused(text: str) -> None:
    error = document_error(load_json, text)

    assert error.problem == f"nests deeper than {MAX_DEPTH} levels of arrays and objects"


def test_brackets_inside_json_strings_do_not_count_as_nesting() -> None:
    assert load_json(json.dumps(["[" * 1000, "{" * 1000])) == ["[" * 1000, "{" * 1000]


def test_check_document_applies_the_bounds_to_a_value_built_elsewhere() -> None:
    deep: Any = []
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(DocumentError, match="nests deeper"):
        check_document({"a": deep})
    with pytest.raises(DocumentError, match="at most 100 are read"):
        check_document({"a": [10**200]})
    check_document({"a": [[1, 2], {"b": 10**50}]})


# aliases


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    tracemalloc.start()
    try:
        error = document_error(load_yaml, alias_bomb())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert error.problem.startswith(
        f"has YAML aliases (*name) that stand for more than {MAX_ALIAS_EXPANSION:,} values"
    )
    assert "use fewer aliases" in error.fix
    assert peak < 50 * 1024 * 1024  # 9^9 strings would take gigabytes


def test_a_bomb_in_a_nested_value_is_refused_too() -> None:
    text = alias_bomb() + "records:\n- {type: A, name: www, tags: *l8}\n"

    assert "stand for more than" in document_error(load_yaml, text).problem


def test_ordinary_aliases_are_read() -> None:
    text = "d: &d {ttl: 300}\n" + "".join(f"r{i}: {{<<: *d, name: n{i}}}\n" for i in range(2000))

    document = load_yaml(text)

    assert document["r1999"] == {"ttl": 300, "name": "n1999"}


def test_an_alias_inside_the_node_it_names_is_refused() -> None:
    error = document_error(load_yaml, "a: &a [1, *a]")

    assert error.problem.startswith("has the alias *a inside the value it names")


def test_an_undefined_alias_is_a_yaml_error() -> None:
    assert "undefined alias" in yaml_error("a: *nowhere").problem


# size and numbers


def test_yaml_longer_than_the_limit_is_not_parsed() -> None:
    error = document_error(load_yaml, "#" * (MAX_YAML_CHARS + 1))

    assert error.problem == (
        f"has {MAX_YAML_CHARS + 1:,} characters; at most {MAX_YAML_CHARS:,} are read as YAML"
    )


@pytest.mark.parametrize("load", [load_yaml, load_json])
def test_an_integer_of_thousands_of_digits_is_refused_with_its_length(load: Any) -> None:
    error = document_error(load, "[" + "9" * 5000 + "]")

    assert error.problem.startswith(
        f"has a number of 5,000 digits; at most {MAX_NUMBER_DIGITS} are read"
    )
    assert "Quote it" in error.fix


@pytest.mark.parametrize("load", [load_yaml, load_json])
def test_an_integer_of_the_longest_length_is_read(load: Any) -> None:
    assert load("[" + "9" * MAX_NUMBER_DIGITS + "]") == [10**MAX_NUMBER_DIGITS - 1]


def test_a_quoted_long_number_stays_text() -> None:
    assert load_yaml('ttl: "' + "9" * 5000 + '"') == {"ttl": "9" * 5000}


# duplicate keys


@pytest.mark.parametrize(
    ("load", "text", "line"),
    [
        (load_yaml, "a: 1\nb: 2\na: 3\n", 3),
        (load_yaml, "- {type: A, name: www, name: x}", 1),
        (load_yaml, '{"a": 1, "a": 2}', 1),
        (load_json, '{"a": 1, "b": {"c": 1, "c": 2}}', None),
    ],
)
def test_a_key_given_twice_is_refused(load: Any, text: str, line: int | None) -> None:
    with pytest.raises(DuplicateKeyError) as excinfo:
        load(text)

    error = excinfo.value
    assert error.problem.startswith(f"names the key '{error.key}' twice")
    assert error.line == line
    assert "the second value would silently replace the first" in error.fix


def test_the_same_key_in_two_mappings_is_fine() -> None:
    assert load_yaml("- {name: a}\n- {name: b}") == [{"name": "a"}, {"name": "b"}]


def test_text_with_a_byte_that_is_not_utf8_is_refused_before_libyaml_sees_it() -> None:
    error = document_error(load_yaml, "a: b\udcff")

    assert error.problem == "is not UTF-8 text: character 5 is a byte that is not UTF-8"


def test_json_with_a_surrogate_pair_escape_is_read_as_json() -> None:
    # PyYAML refuses the escape of a character beyond the BMP; JSON reads it.
    assert load_yaml('[{"type": "TXT", "content": "\\ud83d\\ude00 ok"}]') == [
        {"type": "TXT", "content": "\U0001f600 ok"}
    ]


def test_json_with_half_a_surrogate_pair_is_refused() -> None:
    error = document_error(load_yaml, '["\\ud83d"]')

    assert "half a surrogate pair" in error.problem
