"""What an upload names in the account, checked before anything is stored: the resources its
bindings point at, its Durable Object migration and classes, its tail consumers.

Error codes (all 400):

* 10042 "KV namespace '<id>' is not valid. Please verify the namespace_id in your
  configuration." (real): a ``kv_namespace`` binding whose ``namespace_id`` is not a
  namespace of the account.
* 10181 "D1 binding '<name>' references database '<id>' which was not found. ..." (real):
  a ``d1`` binding whose ``id`` is not a database of the account.
* 10085 "R2 bucket '<name>' not found. ..." (real): an ``r2_bucket`` binding whose
  ``bucket_name`` is not a bucket of the account.
* 10021 "binding <name> of type queue must have a queue that already exists" (our choice,
  worded like the real D1 message of the same code): a ``queue`` producer binding whose
  ``queue_name`` is not a queue of the account; likewise a ``dispatch_namespace`` binding
  whose ``namespace`` the account lacks.
* 10021 "tail consumer <service> does not exist" (our choice): a tail_consumers or
  streaming_tail_consumers entry naming a script the account does not have (the uploaded
  script itself is allowed).
* The Durable Object codes of durable_objects.py (10079, 10074, 10061, 10021).

``inherit`` bindings and bindings carried over by ``keep_bindings`` were checked when they
were first uploaded and are not checked again. ``workflow`` bindings are stored as sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .durable_objects import (
    MigrationPlan,
    OtherClasses,
    check_namespace_bindings,
    plan_migration,
)
from .errors import ReplyError
from .state import State
from .workers import WorkerScript, validation_error

__all__ = ["apply_migration", "check_bindings", "check_upload"]


def _other_classes(state: State, account_id: str) -> OtherClasses:
    def lookup(name: str) -> Mapping[str, Mapping[str, bool]] | None:
        script = state.workers.get((account_id, name))
        return None if script is None else script.durable_object_classes

    return lookup


def check_upload(
    state: State,
    account_id: str,
    script_name: str,
    metadata: Mapping[str, Any],
    current: WorkerScript | None,
) -> MigrationPlan | None:
    """Check an upload's migration, bindings and tail consumers against the account (hold
    ``state.lock``); raise ReplyError, or return the migration plan (None: no migration)."""
    lookup = _other_classes(state, account_id)
    tag = current.migration_tag if current is not None else None
    classes = current.durable_object_classes if current is not None else {}
    plan = None
    if metadata.get("migrations") is not None:
        plan = plan_migration(metadata["migrations"], script_name, tag, classes, lookup)
        classes = plan.classes
    bindings = list(metadata.get("bindings") or [])
    check_namespace_bindings(
        bindings, script_name, classes, lookup, plan.deleted if plan else frozenset()
    )
    check_resources(state, account_id, bindings)
    for key in ("tail_consumers", "streaming_tail_consumers"):
        check_tail_consumers(state, account_id, script_name, metadata.get(key) or [])
    return plan


def check_bindings(
    state: State, account_id: str, script: WorkerScript, bindings: Iterable[Mapping[str, Any]]
) -> None:
    """The checks of check_upload for bindings set without an upload (PATCH .../settings)."""
    listed = [b for b in bindings if b.get("type") != "inherit"]
    lookup = _other_classes(state, account_id)
    check_namespace_bindings(listed, script.name, script.durable_object_classes, lookup)
    check_resources(state, account_id, listed)


def check_resources(state: State, account_id: str, bindings: Iterable[Mapping[str, Any]]) -> None:
    """Raise for a KV, D1, R2, queue or dispatch namespace binding naming something the
    account lacks."""
    for binding in bindings:
        kind = binding.get("type")
        name = binding.get("name")
        if kind == "kv_namespace":
            namespace = state.kv_namespaces.get(str(binding.get("namespace_id")))
            if namespace is None or namespace.account_id != account_id:
                raise ReplyError.single(
                    400,
                    10042,
                    f"KV namespace '{binding.get('namespace_id')}' is not valid. Please verify "
                    "the namespace_id in your configuration.",
                )
        elif kind == "d1":
            database = state.d1_databases.get(str(binding.get("id")))
            if database is None or database.account_id != account_id:
                raise ReplyError.single(
                    400,
                    10181,
                    f"D1 binding '{name}' references database '{binding.get('id')}' which was "
                    "not found. Verify the database exists in your account and that the "
                    "database_id in your configuration is correct.",
                )
        elif kind == "r2_bucket":
            if (account_id, str(binding.get("bucket_name"))) not in state.r2_buckets:
                raise ReplyError.single(
                    400,
                    10085,
                    f"R2 bucket '{binding.get('bucket_name')}' not found. Verify the bucket "
                    "exists in your account and that the bucket_name in your configuration is "
                    "correct.",
                )
        elif (
            kind == "queue"
            and state.queue_named(account_id, str(binding.get("queue_name"))) is None
        ):
            raise validation_error(
                f"binding {name} of type queue must have a queue that already exists"
            )
        elif (
            kind == "dispatch_namespace"
            and (account_id, str(binding.get("namespace"))) not in state.dispatch_namespaces
        ):
            raise validation_error(
                f"binding {name} of type dispatch_namespace must have a namespace that "
                "already exists"
            )


def check_tail_consumers(
    state: State, account_id: str, script_name: str, consumers: Iterable[Mapping[str, Any]]
) -> None:
    for consumer in consumers:
        service = str(consumer.get("service"))
        if service != script_name and (account_id, service) not in state.workers:
            raise validation_error(f"tail consumer {service} does not exist")


def apply_migration(state: State, script: WorkerScript, plan: MigrationPlan) -> None:
    """Store a checked migration: the script's new tag and classes, and the transferred
    classes taken from their old scripts (hold ``state.lock``)."""
    script.migration_tag = plan.tag
    script.durable_object_classes = {name: dict(info) for name, info in plan.classes.items()}
    for transfer in plan.transfers:
        source = state.workers.get((script.account_id, transfer.from_script))
        if source is not None:
            source.durable_object_classes.pop(transfer.from_class, None)
