"""Fixtures for the emulator tests: ``emu``, a running Emulator serving the ``state``
fixture, and a requests ``session``.

``state`` is the demo state here; a module that needs its own overrides the fixture
(building on helpers.base_state).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from cfemu import Emulator, State
from cfemu.demo import demo_state


@pytest.fixture
def state() -> State:
    """The State ``emu`` serves."""
    return demo_state()


@pytest.fixture
def emu(state: State) -> Iterator[Emulator]:
    with Emulator(state) as emulator:
        yield emulator


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as client:
        yield client
