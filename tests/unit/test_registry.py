"""cfaction.ops: the registry's light entries say what each operation's package says, so a
run can read inputs, defaults and permissions without importing any operation's package."""

from __future__ import annotations

import pytest

from cfaction.ops import INPUT_NAMES, OPERATIONS


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_each_entry_is_what_its_package_declares(name: str) -> None:
    spec = OPERATIONS[name]
    operation = spec.operation()

    assert operation.name == spec.name == name
    assert dict(operation.inputs) == dict(spec.inputs)
    assert list(operation.inputs) == list(spec.inputs)
    assert operation.outputs == spec.outputs
    assert operation.permissions == spec.permissions
    assert operation.many_zones == spec.many_zones


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_an_operation_masks_only_values_of_its_secret_inputs(name: str) -> None:
    # The package is imported for masking only when one of secret_inputs is given, so it
    # must never find a secret in any other input.
    spec = OPERATIONS[name]
    raw = {n: "KEY=value-that-could-be-a-secret" for n in INPUT_NAMES}
    for secret_input in spec.secret_inputs:
        raw[secret_input] = ""

    assert set(spec.operation().secrets(raw)) == set()
    assert set(spec.secrets(raw)) == set()


def test_a_given_secret_input_is_masked_through_the_registry() -> None:
    raw = {n: "" for n in INPUT_NAMES} | {"secrets": "API_KEY=s3cret-value"}

    assert "s3cret-value" in set(OPERATIONS["worker"].secrets(raw))
    assert set(OPERATIONS["worker"].secrets(raw)) == set(
        OPERATIONS["worker"].operation().secrets(raw)
    )


def test_verify_lists_every_operations_permissions_from_the_registry() -> None:
    rows = OPERATIONS["verify"].operation().render.keywords["permissions"]  # type: ignore[attr-defined]

    expected = [
        (spec.name, permission, when)
        for spec in OPERATIONS.values()
        for permission, when in spec.permissions
    ]
    assert rows == expected
