"""bundler/package-lock.json, the npm lock the image's bundler stage installs: it pins exactly
the bundler's three packages at the versions the product follows, by integrity hash and with
no registry address; it keeps workerd out and has esbuild's binary for both image
architectures. The last tests install it (tests/harness/bundler.py) and look at the result."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cfaction.ops.worker.bundling.node_compat import PRESET_VERSION, UNENV_VERSION
from cfaction.ops.worker.bundling.tools import ESBUILD_VERSION
from tests.harness.bundler import BUNDLER, bundler_modules, esbuild_binary

PINNED = {
    "esbuild": ESBUILD_VERSION,
    "@cloudflare/unenv-preset": PRESET_VERSION,
    "unenv": UNENV_VERSION,
}
"""The versions the product's bundling follows (those wrangler 4.125.0 uses)."""
RUNTIME = {"esbuild", "@cloudflare/unenv-preset", "unenv", "pathe"}
"""Every package that is not an optional esbuild platform package. The Dockerfile copies the
JavaScript ones by name, so a new runtime dependency must show up here first."""
ARCHITECTURES = ("@esbuild/linux-x64", "@esbuild/linux-arm64")
"""release.yml builds the image for amd64 and arm64."""


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BUNDLER / name).read_text(encoding="utf-8"))
    return data


def keys(value: object) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*(keys(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(item) for item in value))
    return set()


def packages() -> dict[str, dict[str, Any]]:
    """The lock's packages by name (``node_modules/<name>`` keys), the root left out."""
    entries: dict[str, dict[str, Any]] = load("package-lock.json")["packages"]
    return {path.removeprefix("node_modules/"): entry for path, entry in entries.items() if path}


def test_package_json_pins_exactly_the_three_packages_at_the_followed_versions() -> None:
    manifest = load("package.json")

    assert manifest["private"] is True
    assert manifest["dependencies"] == PINNED
    assert set(manifest) & {"devDependencies", "optionalDependencies", "peerDependencies"} == set()


def test_the_lock_matches_package_json_with_integrity_and_no_registry_address() -> None:
    lock = load("package-lock.json")
    found = packages()

    assert lock["lockfileVersion"] == 3
    assert lock["packages"][""]["dependencies"] == load("package.json")["dependencies"]
    assert {name: found[name]["version"] for name in PINNED} == PINNED
    assert "resolved" not in keys(lock)
    assert [n for n, e in found.items() if not e.get("integrity", "").startswith("sha512-")] == []


def test_the_lock_holds_only_the_runtime_packages_and_esbuilds_platform_binaries() -> None:
    found = packages()
    optional = {name for name, entry in found.items() if entry.get("optional")}

    assert set(found) - optional == RUNTIME
    assert all(re.fullmatch(r"@esbuild/[a-z0-9]+-[a-z0-9]+", name) for name in optional)
    assert set(ARCHITECTURES) <= optional
    assert {found[name]["version"] for name in optional} == {ESBUILD_VERSION}
    assert set(found["esbuild"]["optionalDependencies"]) == optional


def test_workerd_stays_out_and_the_preset_accepts_the_pinned_unenv() -> None:
    # legacy-peer-deps keeps npm from installing (or checking) peers, so the pairing the
    # preset asks for is checked here instead.
    preset = packages()["@cloudflare/unenv-preset"]

    assert "workerd" in preset["peerDependencies"]
    assert preset["peerDependenciesMeta"]["workerd"] == {"optional": True}
    assert not [name for name in packages() if "workerd" in name]
    assert preset["peerDependencies"]["unenv"] == UNENV_VERSION
    assert "legacy-peer-deps=true" in (BUNDLER / ".npmrc").read_text(encoding="utf-8").split()


def test_the_bundler_files_name_no_registry() -> None:
    text = "\n".join(
        (BUNDLER / name).read_text(encoding="utf-8")
        for name in ("package.json", "package-lock.json", ".npmrc")
    )

    assert re.findall(r"https?://|registry\.|npmjs|yarnpkg", text) == []


@pytest.fixture(scope="module")
def installed() -> Path:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so the bundler lock cannot be installed")
    return bundler_modules()


def version(modules: Path, name: str) -> str:
    manifest = json.loads((modules / name / "package.json").read_text(encoding="utf-8"))
    return str(manifest["version"])


def test_npm_ci_of_the_lock_installs_the_pinned_versions_and_no_workerd(installed: Path) -> None:
    assert {name: version(installed, name) for name in PINNED} == PINNED
    assert (installed / "pathe" / "package.json").is_file()
    assert (installed / "unenv" / "lib" / "mock.cjs").is_file()
    assert not list(installed.glob("**/workerd*"))


def test_the_installed_esbuild_binary_is_the_pinned_version(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ESBUILD_BINARY_PATH", raising=False)
    binary = esbuild_binary()
    done = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False
    )

    assert binary.is_relative_to(installed)
    assert (done.returncode, done.stdout.strip()) == (0, ESBUILD_VERSION)
