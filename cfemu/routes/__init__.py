"""API route modules; each exposes register(router). Add new modules to ROUTE_MODULES."""

from __future__ import annotations

from collections.abc import Callable

from ..routing import Router
from . import (
    assets,
    dns,
    purge,
    queues,
    storage,
    tokens,
    user,
    worker_triggers,
    workers,
    workflows,
    zones,
)

ROUTE_MODULES: tuple[Callable[[Router], None], ...] = (
    tokens.register,
    user.register,
    zones.register,
    purge.register,
    dns.register,
    workers.register,
    assets.register,
    worker_triggers.register,
    storage.register,
    queues.register,
    workflows.register,
)


def build_router() -> Router:
    """A Router with every emulated Cloudflare endpoint registered."""
    router = Router()
    for register in ROUTE_MODULES:
        register(router)
    return router
