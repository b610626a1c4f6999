"""``operation: worker``: upload a built Worker in one multipart request, publish it, and set
its triggers."""

from __future__ import annotations

from cfaction.ops.base import Operation
from cfaction.ops.worker.apply import apply
from cfaction.ops.worker.inputs import WORKER_INPUTS, load
from cfaction.ops.worker.plan import plan
from cfaction.ops.worker.secrets import secret_values
from cfaction.ops.worker.summary import render
from cfaction.permissions import (
    ACCOUNT_SETTINGS_READ,
    D1_EDIT,
    QUEUES_EDIT,
    R2_EDIT,
    WORKERS_KV_EDIT,
    WORKERS_ROUTES_EDIT,
    WORKERS_SCRIPTS_EDIT,
    ZONE_READ,
)

OPERATION = Operation(
    name="worker",
    inputs=WORKER_INPUTS,
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
    load=load,
    plan=plan,
    apply=apply,
    render=render,
    secrets=secret_values,
)
