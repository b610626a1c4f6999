"""Generated bad input (Hypothesis): every input parser turns any text into a value or an
:class:`~cfaction.errors.InputError` naming an input, never another exception.

Each input of each operation is fuzzed through :func:`cfaction.main.load`, the path a run
takes, beside a valid base for that operation, and so are the files inputs name (records,
``@list`` files, the wrangler config, secrets files) with any bytes. The examples are
derandomized (the same on every machine, every run) and few enough to run in seconds;
``figures.count("input fuzz", …)`` reports how many ran.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfaction.documents import DocumentError, YAMLError, load_json, load_yaml
from cfaction.errors import InputError, InvalidInputsError
from cfaction.main import load
from cfaction.ops import INPUT_NAMES, OPERATIONS
from cfaction.settings import COMMON_INPUTS
from cfaction.workspace import Workspace
from tests.harness import figures
from tests.helpers import ACCOUNT_ID, TOKEN

FUZZ = settings(
    # CFACTION_FUZZ_EXAMPLES=1000 for a longer hunt on your machine; CI runs the default.
    max_examples=int(os.environ.get("CFACTION_FUZZ_EXAMPLES", "30")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Pieces that make parsers take their less travelled paths.
_PIECES = [
    "[", "]", "{", "}", ",", ":", ": ", "- ", "\n", "  ", "\t", "#", "&a ", "*a", "<<: ",
    "!!set ", "!!binary ", "!x ", "'", '"', "\\", "@", "=", "*", "**", "/", "../", "~",
    "${{ github.ref }}", "https://", "http://[::1/x", "[::1]", ":99999", "%", "?", "#x",
    "true", "yes", "null", "0x", "0o", "9" * 5000, "1e999", "-", ".", "…", "\u200b",
    "\r\n", "\x7f", "\x1b[31m", "\ud800", "é", "xn--", "*.example.com/*", "example.com",
    "192.0.2.1", "2001:db8::1", "type: A", "name: www", "content: ", "Bearer ",
    "A" * 40, "=" * 3, "\u2028",
]  # fmt: skip

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_PIECES), max_size=25).map("".join),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    ).map(lambda value: json.dumps(value)),
)


def _count(case: Callable[[], None]) -> None:
    """Run one generated case, counting it and any exception other than the expected."""
    try:
        case()
    except BaseException:
        figures.count("input fuzz", cases=1, tracebacks=1)
        raise
    figures.count("input fuzz", cases=1, tracebacks=0)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "src").mkdir()
    (root / "src" / "index.js").write_text("export default { fetch() {} };\n")
    (root / "public").mkdir()
    (root / "public" / "index.html").write_text("<h1>hi</h1>\n")
    yield root


BASES: dict[str, dict[str, str]] = {
    "verify": {"operation": "verify"},
    "purge": {"operation": "purge", "zone": "example.com", "files": "/a"},
    "dns": {
        "operation": "dns",
        "zone": "example.com",
        "type": "A",
        "name": "www",
        "content": "192.0.2.1",
    },
    "worker": {
        "operation": "worker",
        "account_id": ACCOUNT_ID,
        "script_name": "w",
        "script": "src/index.js",
        "compatibility_date": "2026-11-01",
        "no_bundle": "true",
    },
}
"""A valid run of each operation, which a fuzzed input then replaces one value of."""
CASES = [
    (operation, name)
    for operation, spec in OPERATIONS.items()
    for name in (*COMMON_INPUTS, *spec.inputs)
]
"""Every input an operation reads (the common ones included), each fuzzed on its own."""


def _load(raw: Mapping[str, str], root: Path) -> None:
    """``load`` succeeds, or refuses with InputErrors that each name a known input."""
    try:
        load(raw, Workspace.at(root))
    except InvalidInputsError as invalid:
        assert invalid.errors, "an InvalidInputsError without an error"
        for error in invalid.errors:
            assert isinstance(error, InputError)
            known = set(INPUT_NAMES) | {"files/tags/hosts/prefixes"}
            assert error.input_name in known, error.input_name
            assert error.problem and "Traceback" not in str(error)


def _raw(operation: str, name: str, text: str) -> dict[str, str]:
    return {"api_token": TOKEN, **BASES[operation], name: text}


@pytest.mark.parametrize(("operation", "name"), CASES, ids=[f"{o}-{n}" for o, n in CASES])
@FUZZ
@given(text=texts)
def test_any_text_in_an_input_is_a_value_or_an_input_error(
    workspace: Path, operation: str, name: str, text: str
) -> None:
    _count(lambda: _load(_raw(operation, name, text), workspace))


FILE_INPUTS = [
    ("dns", "records", "records.yml", "records.yml"),
    ("dns", "records", "records.json", "records.json"),
    ("purge", "files", "list.txt", "@list.txt"),
    ("purge", "prefixes", "list.txt", "@list.txt"),
    ("purge", "changed_files", "changed.txt", "@changed.txt"),
    ("worker", "config", "wrangler.toml", "wrangler.toml"),
    ("worker", "config", "wrangler.json", "wrangler.json"),
    ("worker", "config", "wrangler.jsonc", "wrangler.jsonc"),
    ("worker", "secrets", "secrets.env", "@secrets.env"),
    ("worker", "secrets", "secrets.json", "@secrets.json"),
]

contents = st.one_of(
    st.binary(max_size=300),
    texts.map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@pytest.mark.parametrize(
    ("operation", "name", "file", "given_as"), FILE_INPUTS, ids=[f[2] for f in FILE_INPUTS]
)
@FUZZ
@given(content=contents)
def test_any_bytes_in_a_file_an_input_names_are_a_value_or_an_input_error(
    workspace: Path, operation: str, name: str, file: str, given_as: str, content: bytes
) -> None:
    (workspace / file).write_bytes(content)
    raw = _raw(operation, name, given_as)
    if name == "changed_files":
        raw.pop("files")
        raw["url_map"] = "/ https://example.com/"

    _count(lambda: _load(raw, workspace))


@FUZZ
@given(text=texts)
def test_load_yaml_gives_a_document_or_a_yaml_or_document_error(text: str) -> None:
    def case() -> None:
        try:
            document = load_yaml(text)
        except (YAMLError, DocumentError):
            return
        json.dumps(document)  # a JSON shape: only JSON's types are built

    _count(case)


@FUZZ
@given(text=texts)
def test_load_json_gives_a_document_or_a_value_error(text: str) -> None:
    def case() -> None:
        try:
            load_json(text)
        except ValueError:  # JSONDecodeError, DocumentError
            return

    _count(case)


@FUZZ
@given(
    value=st.recursive(
        st.integers() | st.text("abc xyz", max_size=5), lambda inner: st.lists(inner, max_size=3)
    )
)
def test_nesting_generated_past_the_limit_is_refused_by_both_loaders(value: Any) -> None:
    def case() -> None:
        deep: Any = value
        for _ in range(80):
            deep = [deep]
        text = json.dumps(deep)
        for loader in (load_json, load_yaml):
            with pytest.raises(DocumentError, match="nests deeper than 64 levels"):
                loader(text)

    _count(case)
