"""The real esbuild binary, for the service-protocol tests: ``$ESBUILD_BINARY_PATH`` if set,
else the platform package's binary installed from npm once into a cache folder."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

ESBUILD_VERSION = "0.28.1"
"""The version cfaction pins (the one wrangler 4.125.0 bundles with)."""
NPM_INSTALL = ["npm", "install", f"esbuild@{ESBUILD_VERSION}", "--no-fund", "--no-audit"]

_CPUS = {
    "x86_64": "x64",
    "amd64": "x64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm",
    "i386": "ia32",
    "i686": "ia32",
    "ppc64le": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loong64",
}
"""``platform.machine()`` -> the CPU part of esbuild's ``@esbuild/<os>-<cpu>`` package names."""


def platform_package() -> str:
    """This machine's esbuild package, e.g. ``@esbuild/linux-x64``."""
    system = "win32" if sys.platform == "win32" else platform.system().lower()
    machine = platform.machine().lower()
    return f"@esbuild/{system}-{_CPUS.get(machine, machine)}"


def esbuild_binary() -> Path:
    """``$ESBUILD_BINARY_PATH`` if set, else the binary in the cache folder
    (``~/.cache/cfaction/esbuild-<version>``), installed there with npm on first use."""
    given = os.environ.get("ESBUILD_BINARY_PATH")
    if given:
        return Path(given)
    folder = Path.home() / ".cache" / "cfaction" / f"esbuild-{ESBUILD_VERSION}"
    package = folder / "node_modules" / platform_package()
    binary = package / "esbuild.exe" if sys.platform == "win32" else package / "bin" / "esbuild"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*NPM_INSTALL, "--prefix", str(folder)], check=True, capture_output=True, timeout=900
        )
    return binary
