"""A stateful local emulator of the Cloudflare v4 API, for tests and local runs."""

from __future__ import annotations

from .faults import Fault, FaultSet
from .reqlog import LoggedRequest, RequestLog
from .server import Emulator
from .state import Account, GlobalKey, State, Token, User, Zone

__all__ = [
    "Account",
    "Emulator",
    "Fault",
    "FaultSet",
    "GlobalKey",
    "LoggedRequest",
    "RequestLog",
    "State",
    "Token",
    "User",
    "Zone",
]
