"""action.yml, README.md and the code name the same inputs and outputs, with the same
defaults: an input exists in all three or in none. The code's side is the operation
registry (``cfaction.ops``): each Operation's own inputs and outputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cfaction.errors import InputError, InvalidInputsError
from cfaction.ops import INPUT_NAMES, INPUTS, OPERATIONS
from cfaction.ops.worker.config_keys import KEYS
from cfaction.settings import COMMON_INPUTS, parse_operation
from tests.helpers import load_settings

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")

COMMON_OUTPUTS = {
    "zone_id",
    "zone_name",
    "account_id",
    "dry_run",
    "api_calls",
    "result",
    "report_path",
}
"""The outputs every operation sets (``main._outputs``)."""


def readme_section(heading: str) -> str:
    return README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def readme_table_names(heading: str) -> set[str]:
    """The backticked names in the first column of the table under ``## heading``."""
    names: set[str] = set()
    for line in readme_section(heading).splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([a-z_]+)`", first_cell))
    return names


def readme_operation_values() -> list[str]:
    """The values the README's Inputs table gives for ``operation`` (its last column)."""
    rows = [
        line for line in readme_section("Inputs").splitlines() if line.startswith("| `operation` |")
    ]
    assert len(rows) == 1, rows
    return re.findall(r"`([a-z_]+)`", rows[0].split("|")[3])


def test_action_yml_declares_exactly_the_inputs_the_code_reads() -> None:
    assert list(ACTION["inputs"]) == list(INPUT_NAMES)


def test_action_yml_defaults_match_the_code() -> None:
    for name, spec in ACTION["inputs"].items():
        assert str(spec.get("default", "")) == INPUTS[name], name


def test_readme_documents_every_input() -> None:
    assert readme_table_names("Inputs") == set(INPUT_NAMES)


def test_readme_documents_every_output() -> None:
    assert readme_table_names("Outputs") == set(ACTION["outputs"])


def test_the_operations_the_code_runs_are_the_ones_it_accepts() -> None:
    for name, operation in OPERATIONS.items():
        assert operation.name == name
        assert parse_operation("operation", name, OPERATIONS) == name
        try:
            assert load_settings(operation=name).operation is operation.operation()
        except InvalidInputsError as invalid:  # the operation's own inputs are missing
            assert "operation" not in [e.input_name for e in invalid.errors], name
    with pytest.raises(InputError) as excinfo:
        parse_operation("operation", "deploy", OPERATIONS)
    assert excinfo.value.fix == f"Write one of: {', '.join(sorted(OPERATIONS))}."


def test_the_readme_documents_exactly_the_operations_the_code_runs() -> None:
    values = readme_operation_values()

    assert values == ["purge", "dns", "worker", "verify"]
    assert set(OPERATIONS) == set(values)
    assert len(values) == len(set(values))


def test_every_operation_input_is_declared_with_its_default() -> None:
    for operation in OPERATIONS.values():
        for name, default in operation.inputs.items():
            assert name not in COMMON_INPUTS, (operation.name, name)
            assert INPUTS[name] == default, (operation.name, name)


def test_inputs_two_operations_share_have_the_same_default_in_both() -> None:
    readers: dict[str, list[str]] = {}
    for operation in OPERATIONS.values():
        for name in operation.inputs:
            readers.setdefault(name, []).append(operation.name)
    shared = {name: ops for name, ops in readers.items() if len(ops) > 1}

    assert shared["tags"] == ["purge", "dns"]
    for name, ops in shared.items():
        defaults = {OPERATIONS[op].inputs[name] for op in ops}
        assert defaults == {INPUTS[name]}, (name, defaults)


def test_every_declared_output_belongs_to_an_operation_or_to_all() -> None:
    operation_outputs = [set(op.outputs) for op in OPERATIONS.values()]

    assert set(ACTION["outputs"]) == COMMON_OUTPUTS.union(*operation_outputs)
    for operation in OPERATIONS.values():
        assert len(operation.outputs) == len(set(operation.outputs)), operation.name
        assert not COMMON_OUTPUTS & set(operation.outputs), operation.name


def test_no_two_operations_claim_one_output() -> None:
    seen: dict[str, str] = {}
    for operation in OPERATIONS.values():
        for output in operation.outputs:
            assert output not in seen, (output, seen.get(output), operation.name)
            seen[output] = operation.name


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_action_yml_describes_each_operation_output_as_that_operations(name: str) -> None:
    for output in OPERATIONS[name].outputs:
        description = ACTION["outputs"][output]["description"]
        assert description.startswith(f"{name}: "), (output, description)


def test_readme_lists_every_wrangler_key_as_the_code_treats_it() -> None:
    rows = {}
    for line in readme_section("Workers: the same Worker `wrangler deploy` makes").splitlines():
        found = re.match(r"^\| `([^`]+)` \| (applied|ignored|refused) \| (.+) \|$", line)
        if found:
            rows[found[1]] = (found[2], found[3])
    assert rows == {key: (rule.disposition, rule.note) for key, rule in KEYS.items()}
