"""The bundler lock, ``bundler/package-lock.json``, installed the way the Dockerfile's bundler
stage installs it (``npm ci`` of ``bundler/``), into a cache folder keyed by the lock's hash:
the esbuild binary and the ``node_modules`` holding the nodejs_compat polyfills, at exactly
the versions the image ships."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

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


BUNDLER = Path(__file__).resolve().parents[2] / "bundler"
"""The npm project the image's bundler stage installs."""
FILES = ("package.json", "package-lock.json", ".npmrc")
"""What the Dockerfile copies from it (``.npmrc`` keeps the workerd peer out)."""
NPM_CI = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
"""The Dockerfile's command: every tarball checked against the lock's integrity hash."""


def bundler_folder() -> Path:
    """The cache folder: ``CFACTION_BUNDLER_DIR``, default
    ``~/.cache/cfaction/bundler-<first 12 hex digits of the lock's sha256>``."""
    digest = hashlib.sha256((BUNDLER / "package-lock.json").read_bytes()).hexdigest()
    return Path(
        os.environ.get("CFACTION_BUNDLER_DIR")
        or Path.home() / ".cache" / "cfaction" / f"bundler-{digest[:12]}"
    )


def _installed(folder: Path) -> bool:
    # npm writes node_modules/.package-lock.json only once an install has finished, and the
    # copied lock says which lock it was (CFACTION_BUNDLER_DIR is not keyed by the hash).
    try:
        copied = (folder / "package-lock.json").read_bytes()
    except OSError:
        return False
    lock = (BUNDLER / "package-lock.json").read_bytes()
    return copied == lock and (folder / "node_modules" / ".package-lock.json").is_file()


def bundler_modules() -> Path:
    """The ``node_modules`` of the cache folder, installed there from the lock with
    ``npm ci`` on first use (or when the folder holds another lock's install).

    Raises RuntimeError, with npm's output, when npm is missing, fails (the registry
    unreachable, an integrity mismatch) or runs over 900 seconds.
    """
    folder = bundler_folder()
    if not _installed(folder):
        folder.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(BUNDLER / name, folder / name)
        command = " ".join(NPM_CI)
        try:
            run = subprocess.run(
                NPM_CI, cwd=folder, capture_output=True, text=True, timeout=900, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RuntimeError(f"`{command}` in {folder} failed: {error}") from error
        if run.returncode != 0 or not _installed(folder):
            raise RuntimeError(
                f"`{command}` in {folder} failed (exit {run.returncode}):\n{run.stdout}{run.stderr}"
            )
    return folder / "node_modules"


def esbuild_binary() -> Path:
    """``$ESBUILD_BINARY_PATH`` if set, else this platform's esbuild binary in
    :func:`bundler_modules` (RuntimeError when the lock has none for this platform)."""
    given = os.environ.get("ESBUILD_BINARY_PATH")
    if given:
        return Path(given)
    package = bundler_modules() / platform_package()
    binary = package / "esbuild.exe" if sys.platform == "win32" else package / "bin" / "esbuild"
    if not binary.is_file():
        raise RuntimeError(f"npm installed no {platform_package()} binary: {binary} is missing")
    return binary
