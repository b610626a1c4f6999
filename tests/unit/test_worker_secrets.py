"""Tests for the ``secrets`` input (cfaction.ops.worker.secrets): ``KEY=value`` lines, a JSON
object, ``@path`` of a JSON or dotenv file (as wrangler's ``--secrets-file`` reads one),
values of several lines, every refusal, and what is masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cfaction.errors import InputError
from cfaction.ops.worker.secrets import mask_forms, parse_secrets, secret_values
from cfaction.workspace import Workspace

PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n"
    "-----END PRIVATE KEY-----"
)


def parse(text: str, root: Path) -> dict[str, str]:
    return parse_secrets(text, Workspace.at(root))


def test_key_value_lines_keep_everything_after_the_equals_sign(tmp_path: Path) -> None:
    text = "A=first\n  B = two words # not a comment \n\n# C=skipped\nD=x=y=z\n"

    assert parse(text, tmp_path) == {"A": "first", "B": "two words # not a comment", "D": "x=y=z"}


def test_a_json_object_may_carry_values_of_several_lines(tmp_path: Path) -> None:
    found = parse(json.dumps({"KEY": PEM, "TOKEN": "token"}), tmp_path)

    assert found == {"KEY": PEM, "TOKEN": "token"}


@pytest.mark.parametrize("text", ["TOKEN=abc", '{"TOKEN": "1"}', "TOKEN=  ab  "])
def test_a_value_too_short_to_mask_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse(text, tmp_path)

    assert raised.value.input_name == "secrets"
    assert "TOKEN is shorter than 4 characters" in raised.value.problem


def test_a_json_file_is_read_from_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps({"KEY": PEM}), encoding="utf-8")

    assert parse("@secrets.json", tmp_path) == {"KEY": PEM}


def test_a_dotenv_file_is_read_as_the_dotenv_package_reads_it(tmp_path: Path) -> None:
    (tmp_path / ".env.production").write_text(
        "# comment\n"
        "export PLAIN=value  # trailing comment\n"
        "SINGLE='kept \\n as is'\n"
        'DOUBLE="line 1\\nline 2"\n'
        'MULTI="-----BEGIN-----\nbody\n-----END-----"\n'
        "EMPTY=\n"
        "SPACED = spaced value\n",
        encoding="utf-8",
    )

    found = parse("@.env.production", tmp_path)

    assert found == {
        "PLAIN": "value",
        "SINGLE": "kept \\n as is",
        "DOUBLE": "line 1\nline 2",
        "MULTI": "-----BEGIN-----\nbody\n-----END-----",
        "EMPTY": "",
        "SPACED": "spaced value",
    }


@pytest.mark.parametrize(
    ("text", "files", "expected"),
    [
        ("NOT A LINE", {}, "line 1 is not KEY=value."),
        ("1BAD=x", {}, "'1BAD' is not a valid secret name."),
        ("A=1\nA=2", {}, "names A twice (line 2)."),
        ('{"A": 1}', {}, "the secrets input: the value of A is not a string."),
        ('{"A": "1", "A": "2"}', {}, "the secrets input names A twice."),
        ("[1, 2]", {}, "line 1 is not KEY=value."),
        ("@missing.env", {}, "the file 'missing.env' does not exist in the workspace."),
        ("@bad.env", {"bad.env": "just words\n"}, "'bad.env' is neither a JSON object nor"),
        ("@list.json", {"list.json": "[1]"}, "'list.json' is not a JSON object."),
        ("@dup.env", {"dup.env": "A=1\nA=2\n"}, "'dup.env' names A twice."),
        ("BIG=" + "x" * 6000, {}, "the value of BIG is 6,000 bytes"),
    ],
)
def test_invalid_secrets_are_refused_naming_the_problem(
    tmp_path: Path, text: str, files: dict[str, str], expected: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")

    with pytest.raises(InputError) as refused:
        parse(text, tmp_path)

    assert refused.value.input_name == "secrets"
    assert refused.value.problem.startswith(expected)


def test_every_line_and_escaped_form_of_a_multi_line_secret_is_masked() -> None:
    forms = mask_forms([PEM])

    assert PEM in forms
    assert set(PEM.splitlines()) <= forms
    assert json.dumps(PEM)[1:-1] in forms  # how the value reads inside a JSON document


def test_a_secrets_file_is_masked_before_the_inputs_are_read(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(json.dumps({"KEY": PEM}), encoding="utf-8")

    values = secret_values({"secrets": "@s.json"}, Workspace.at(tmp_path))

    assert set(PEM.splitlines()) <= values
