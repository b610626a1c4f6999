"""The house rules of the layout, checked on the source: the product holds no emulator code
and its wheel none; nothing in the product imports the emulator; the product's imports form
no circle; operations never reach the reporter; every operation is one package."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import setuptools

from cfaction.ops import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ROOT / "cfaction"


def modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package``."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imported(path: Path, module: str) -> Iterator[str]:
    """Every module ``path`` imports, absolute, including ``if TYPE_CHECKING:`` imports and
    imports inside functions."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def product_graph() -> dict[str, set[str]]:
    names = modules(PRODUCT)
    return {
        name: {target for target in imported(path, name) if target in names and target != name}
        for name, path in names.items()
    }


def test_the_wheel_packages_only_the_product() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]

    packages = setuptools.find_packages(str(ROOT), include=include)

    assert packages and all(p == "cfaction" or p.startswith("cfaction.") for p in packages)
    assert set(packages) == {
        name for name, path in modules(PRODUCT).items() if path.name == "__init__.py"
    }


def test_nothing_in_the_product_imports_the_emulator_or_the_tests() -> None:
    offending = {
        name: sorted(t for t in imported(path, name) if t.split(".")[0] in ("cfemu", "tests"))
        for name, path in modules(PRODUCT).items()
    }

    assert {name: found for name, found in offending.items() if found} == {}


def test_the_product_imports_form_no_circle() -> None:
    graph = product_graph()
    circles = []
    for start in graph:  # a circle is found from its first module in sorted order
        stack, seen = [(start, [start])], {start}
        while stack:
            node, path = stack.pop()
            for target in graph[node]:
                if target == start:
                    circles.append(path)
                elif target not in seen and target > start:
                    seen.add(target)
                    stack.append((target, [*path, target]))

    assert circles == []


def test_operations_never_reach_the_reporter() -> None:
    graph = modules(PRODUCT)
    reporters = {"Reporter", "RunnerReporter", "ConsoleReporter", "make_reporter"}
    offending = [
        name
        for name, path in graph.items()
        if name.startswith("cfaction.ops")
        and any(t.rpartition(".")[2] in reporters for t in imported(path, name))
    ]

    assert offending == []


def test_every_operation_is_one_package_exposing_the_registered_value() -> None:
    packages = sorted(p.name for p in (PRODUCT / "ops").iterdir() if (p / "__init__.py").is_file())

    assert packages == sorted(OPERATIONS)
    for name, spec in OPERATIONS.items():
        operation = spec.operation()
        assert operation.name == name
        assert operation.load.__module__.startswith(f"cfaction.ops.{name}.")
