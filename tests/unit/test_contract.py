"""action.yml, README.md and the code name the same inputs and outputs, with the same
defaults: an input exists in all three or in none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cfaction import inputs
from cfaction.ops import OPERATIONS
from cfemu.demo import DEMO_TOKEN
from tests.conftest import RunStep

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_table_names(heading: str) -> set[str]:
    """The backticked names in the first column of the table under ``## heading``."""
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([a-z_]+)`", first_cell))
    return names


def test_action_yml_declares_exactly_the_inputs_the_code_reads() -> None:
    assert list(ACTION["inputs"]) == list(inputs.INPUT_NAMES)


def test_action_yml_defaults_match_the_code() -> None:
    for name, spec in ACTION["inputs"].items():
        assert str(spec.get("default", "")) == inputs.DEFAULTS[name], name


def test_readme_documents_every_input() -> None:
    assert readme_table_names("Inputs") == set(inputs.INPUT_NAMES)


def test_readme_documents_every_output() -> None:
    assert readme_table_names("Outputs") == set(ACTION["outputs"])


def test_the_operations_the_code_runs_are_the_ones_it_accepts() -> None:
    assert set(OPERATIONS) == set(inputs.OPERATIONS)


COMMON_OUTPUTS = {"zone_id", "zone_name", "account_id", "dry_run", "api_calls", "result"}
OPERATION_OUTPUTS = {
    "verify": {"token_status"},
    "purge": {"purge_ids", "purged", "batches", "zones"},
    "dns": {"records", "created", "updated", "deleted", "unchanged", "plan"},
    "worker": {
        "script_name",
        "etag",
        "version_id",
        "deployment_id",
        "url",
        "routes",
        "custom_domains",
    },
}


def test_every_declared_output_belongs_to_an_operation_or_to_all() -> None:
    assert set(ACTION["outputs"]) == COMMON_OUTPUTS.union(*OPERATION_OUTPUTS.values())


@pytest.mark.e2e
@pytest.mark.parametrize(
    "inputs",
    [
        {"operation": "verify", "zone": "example.com"},
        {"operation": "purge", "zone": "example.com", "files": "/index.html"},
        {
            "operation": "dns",
            "zone": "example.com",
            "type": "A",
            "name": "www",
            "content": "192.0.2.1",
        },
    ],
    ids=["verify", "purge", "dns"],
)
def test_each_operation_sets_the_common_outputs_and_its_own(
    step: RunStep, inputs: dict[str, str]
) -> None:
    run = step(api_token=DEMO_TOKEN, **inputs)

    assert run.exit_code == 0, run.stdout
    assert set(run.outputs) == COMMON_OUTPUTS | OPERATION_OUTPUTS[inputs["operation"]]
