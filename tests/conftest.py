"""Shared fixtures: a clean environment for in-process tests, and the emulator with a
runner-like step for end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest
import responses

from cfemu import Emulator
from cfemu.demo import demo_state
from cfemu.runner import StepResult, run_step

RunStep = Callable[..., StepResult]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No runner or Cloudflare variables leak in from the machine running the tests."""
    import os

    for name in list(os.environ):
        if name.startswith(("INPUT_", "GITHUB_", "RUNNER_", "CLOUDFLARE_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session", autouse=True)
def bundler_tools() -> None:
    """The bundler's tools as the image provides them (``ESBUILD_BINARY_PATH``,
    ``CFACTION_UNENV_DIR``), installed from npm once; a machine's own settings win."""
    import os

    from tests.harness.bundler import bundler_modules, esbuild_binary

    os.environ.setdefault("ESBUILD_BINARY_PATH", str(esbuild_binary()))
    os.environ.setdefault("CFACTION_UNENV_DIR", str(bundler_modules()))


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """HTTP mocked with ``responses``: an unexpected request fails, an unused answer too."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh emulator with the demo state, on a free loopback port."""
    with Emulator(demo_state()) as emu:
        yield emu


@pytest.fixture
def step(emulator: Emulator) -> RunStep:
    """Run ``entrypoint.py`` as the runner would, aimed at the emulator.

    ``step(operation="verify", zone="example.com", api_token=...)``; the emulator's request
    log is cleared first, so ``emulator.log`` holds only this step's requests.
    """

    def run(env: Mapping[str, str] | None = None, **inputs: str) -> StepResult:
        emulator.log.clear()
        given = {"api_base_url": emulator.base_url, "max_retries": "2", **inputs}
        return run_step(given, env=env)

    return run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The hardening matrices' figures (tests/harness/figures.py), after the results."""
    from tests.harness import figures

    found = figures.lines()
    if found:
        terminalreporter.section("hardening figures")
        for line in found:
            terminalreporter.write_line(line)
