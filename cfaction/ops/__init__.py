"""The operations, by the value of the ``operation`` input: the only list of them.

Each entry is light data (the operation's inputs with their defaults, its outputs, its token
permissions); the operation's package is imported only when the run needs it
(:meth:`OperationSpec.operation`), so a purge never imports the Worker code or YAML and the
first API request goes out sooner. Each package builds its
:class:`~cfaction.ops.base.Operation` from its entry here (names, defaults, outputs,
permissions are written once, in this file).

A new operation is a package under ``cfaction/ops/`` exposing one
:class:`~cfaction.ops.base.Operation` as ``OPERATION``, one entry here, and its inputs and
outputs in ``action.yml`` and the README.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from cfaction.permissions import (
    ACCOUNT_SETTINGS_READ,
    CACHE_PURGE,
    D1_EDIT,
    DNS_EDIT,
    QUEUES_EDIT,
    R2_EDIT,
    WORKERS_KV_EDIT,
    WORKERS_ROUTES_EDIT,
    WORKERS_SCRIPTS_EDIT,
    ZONE_READ,
)
from cfaction.settings import COMMON_INPUTS

if TYPE_CHECKING:
    from cfaction.ops.base import Operation


@dataclass(frozen=True, kw_only=True)
class OperationSpec:
    """One operation as the run sees it before its package is imported."""

    name: str
    inputs: Mapping[str, str]
    """The inputs it reads besides the common ones, with the defaults action.yml gives them."""
    outputs: tuple[str, ...]
    """The outputs it sets besides the common ones."""
    permissions: tuple[tuple[str, str], ...]
    """(token permission, when it is needed), in dashboard words."""
    many_zones: bool = False
    """Whether ``zone`` may list several zones."""
    secret_inputs: tuple[str, ...] = ()
    """The inputs of its own whose values it masks; its package is imported to mask them
    only when one of them is given."""

    def operation(self) -> Operation[Any, Any, Any]:
        """The operation itself: imports ``cfaction.ops.<name>`` (once) for its
        ``OPERATION``."""
        found: Operation[Any, Any, Any] = importlib.import_module(
            f"{__name__}.{self.name}"
        ).OPERATION
        return found

    def secrets(self, raw: Mapping[str, str]) -> Iterable[str]:
        """The values of its own inputs to mask, as its package says, without importing the
        package when none of :attr:`secret_inputs` is given."""
        if not any(raw.get(name, "").strip() for name in self.secret_inputs):
            return ()
        return self.operation().secrets(raw)


_SPECS: Final = (
    OperationSpec(
        name="purge",
        inputs={
            "files": "",
            "tags": "",
            "hosts": "",
            "prefixes": "",
            "purge_everything": "false",
            "batch_size": "100",
            "changed_files": "",
            "url_map": "",
            "index_files": "index.html",
            "strip_html": "false",
            "max_changed_urls": "3000",
            "warm": "false",
            "warm_concurrency": "8",
        },
        outputs=("purge_ids", "purged", "batches", "zones", "purged_urls", "warmed"),
        permissions=(
            (CACHE_PURGE, "always"),
            (ZONE_READ, "when zone is a name, or items are routed to their zones by hostname"),
        ),
        many_zones=True,
    ),
    OperationSpec(
        name="dns",
        inputs={
            "records": "",
            "type": "",
            "name": "",
            "content": "",
            "ttl": "",
            "proxied": "",
            "priority": "",
            "comment": "",
            "tags": "",
            "mode": "",
            "batch_limit": "200",
        },
        outputs=("records", "created", "updated", "deleted", "unchanged", "plan"),
        permissions=(
            (DNS_EDIT, "always (DNS → Read is enough for dry_run)"),
            (ZONE_READ, "when zone is a name"),
        ),
    ),
    OperationSpec(
        name="worker",
        inputs={
            "config": "",
            "environment": "",
            "script_name": "",
            "script": "",
            "no_bundle": "",
            "assets": "",
            "modules": "",
            "format": "auto",
            "compatibility_date": "",
            "compatibility_flags": "",
            "vars": "",
            "secrets": "",
            "bindings": "",
            "keep_secrets": "true",
            "routes": "",
            "custom_domains": "",
            "workers_dev": "",
            "rollout_percentage": "100",
            "message": "",
            "deploy": "true",
            "preview_alias": "",
            "version_id": "",
            "rollback": "false",
        },
        outputs=(
            "script_name",
            "etag",
            "version_id",
            "deployment_id",
            "previous_version_id",
            "url",
            "preview_url",
            "preview_alias_url",
            "routes",
            "custom_domains",
        ),
        permissions=(
            (WORKERS_SCRIPTS_EDIT, "always"),
            (WORKERS_ROUTES_EDIT, "when routes or custom_domains are given"),
            (ZONE_READ, "when routes or custom_domains are given, or zone is a name"),
            (ACCOUNT_SETTINGS_READ, "to find the workers.dev subdomain"),
            (WORKERS_KV_EDIT, "when a KV namespace is found or created by name"),
            (D1_EDIT, "when a D1 database is found or created by name"),
            (R2_EDIT, "when an R2 bucket binding is checked or created"),
            (QUEUES_EDIT, "with queue producers or consumers"),
        ),
        secret_inputs=("secrets",),
    ),
    OperationSpec(
        name="verify",
        inputs={},
        outputs=("token_status",),
        permissions=((ZONE_READ, "when zone is given"),),
    ),
)

OPERATIONS: Final[Mapping[str, OperationSpec]] = {spec.name: spec for spec in _SPECS}

INPUTS: Final[Mapping[str, str]] = {
    **COMMON_INPUTS,
    **{name: default for spec in _SPECS for name, default in spec.inputs.items()},
}
"""Every input this version declares, in action.yml's order, with its default (an input
two operations share is declared once, where it first appears)."""

INPUT_NAMES: Final = tuple(INPUTS)
