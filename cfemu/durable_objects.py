"""Durable Object migrations: the rules an upload's ``metadata.migrations`` must follow, and
the check that every ``durable_object_namespace`` binding names a class that exists.

A script keeps a migration tag and its set of Durable Object classes (name -> {"sqlite":
bool}). ``migrations`` is ``{old_tag?, new_tag?, steps: [step]}`` or the legacy single step
``{old_tag?, new_tag?, new_classes?, ...}``; a step holds ``new_classes``,
``new_sqlite_classes``, ``renamed_classes [{from, to}]``, ``deleted_classes`` and
``transferred_classes [{from, from_script, to}]``, applied in that order, steps in order
(https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/).

Error codes (all 400; nothing is stored when one is raised):

* 10079 "Actor migration tag precondition failed, got tag '<old_tag>' when expected tag is
  '<current>'" (real code and wording): ``old_tag`` differs from the script's tag, is given
  while the script has none, or is missing while the script has one.
* 10074 "Cannot apply new-class migration to class 'X' that is already depended on by
  existing Durable Objects" (real; "new-sqlite-class" for new_sqlite_classes): the class
  exists. The same code for a rename or transfer onto an existing class (our choice).
* 10061 "Cannot create binding for class 'X' because it is not currently configured to
  implement Durable Objects. Ensure a --new-class migration has been applied to it." (real):
  a binding to a class the script (or the binding's ``script_name``) does not hold after the
  migration. 10061 "Cannot apply --delete-class migration to class 'X' without also removing
  the binding that references it." (real): a binding names a class this upload deletes.
  10061 is also our choice for renaming, deleting or transferring a class that does not
  exist, and for a transfer from, or a binding to, a script that does not exist.
* 10021 (validation, real code): a malformed ``migrations`` object.

Pure functions: the caller passes a lookup for other scripts' classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ReplyError

__all__ = [
    "MigrationPlan",
    "OtherClasses",
    "Transfer",
    "check_namespace_bindings",
    "plan_migration",
]

Classes = dict[str, dict[str, bool]]
# A lookup: script name -> that script's classes, or None when there is no such script.
OtherClasses = Callable[[str], Mapping[str, Mapping[str, bool]] | None]

_STEP_KEYS = (
    "new_classes",
    "new_sqlite_classes",
    "renamed_classes",
    "deleted_classes",
    "transferred_classes",
)


@dataclass(frozen=True)
class Transfer:
    """Move class ``from_class`` of script ``from_script`` to this script as ``to_class``."""

    from_script: str
    from_class: str
    to_class: str


@dataclass
class MigrationPlan:
    """What a valid migration does: the new tag, the script's classes afterwards, the
    classes taken from other scripts, and the classes it deleted."""

    tag: str | None
    classes: Classes
    transfers: list[Transfer] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)


def _invalid(message: str) -> ReplyError:
    return ReplyError.single(400, 10021, message)


def _not_configured(message: str) -> ReplyError:
    return ReplyError.single(400, 10061, message)


def _exists(kind: str, name: str) -> ReplyError:
    return ReplyError.single(
        400,
        10074,
        f"Cannot apply {kind} migration to class '{name}' that is already depended on by "
        "existing Durable Objects",
    )


def _names(step: Mapping[str, Any], key: str) -> list[str]:
    value = step.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _invalid(f"migrations: {key} must be a list of class names.")
    return list(value)


def _pairs(step: Mapping[str, Any], key: str, fields: Sequence[str]) -> list[dict[str, str]]:
    value = step.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid(f"migrations: {key} must be a list of objects.")
    for item in value:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(f), str) and item[f] for f in fields
        ):
            raise _invalid(f"migrations: each of {key} needs {', '.join(fields)}.")
    return [{f: str(item[f]) for f in fields} for item in value]


def _steps(migrations: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "steps" not in migrations:
        return [migrations]  # the legacy single-step form
    steps = migrations["steps"]
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise _invalid("migrations.steps must be a list of objects.")
    return steps


def _tag(migrations: Mapping[str, Any], key: str) -> str | None:
    value = migrations.get(key)
    if value is not None and not isinstance(value, str):
        raise _invalid(f"migrations.{key} must be a string.")
    return value


def plan_migration(
    migrations: Any,
    script_name: str,
    current_tag: str | None,
    classes: Mapping[str, Mapping[str, bool]],
    other_classes: OtherClasses,
) -> MigrationPlan:
    """Check ``migrations`` against the script's tag and classes; raise ReplyError or return
    what applying it gives (nothing is changed here)."""
    if not isinstance(migrations, dict):
        raise _invalid("migrations must be an object.")
    old_tag = _tag(migrations, "old_tag")
    new_tag = _tag(migrations, "new_tag")
    if (old_tag or None) != current_tag:
        raise ReplyError.single(
            400,
            10079,
            f"Actor migration tag precondition failed, got tag '{old_tag or ''}' when "
            f"expected tag is '{current_tag or ''}'",
        )
    result: Classes = {name: {"sqlite": bool(info.get("sqlite"))} for name, info in classes.items()}
    plan = MigrationPlan(tag=new_tag if new_tag is not None else current_tag, classes=result)
    for step in _steps(migrations):
        _apply_step(step, script_name, plan, other_classes)
    return plan


def _apply_step(
    step: Mapping[str, Any], script_name: str, plan: MigrationPlan, other_classes: OtherClasses
) -> None:
    classes = plan.classes
    for key, sqlite, kind in (
        ("new_classes", False, "new-class"),
        ("new_sqlite_classes", True, "new-sqlite-class"),
    ):
        for name in _names(step, key):
            if name in classes:
                raise _exists(kind, name)
            classes[name] = {"sqlite": sqlite}
            plan.deleted.discard(name)  # deleted, then made again
    for pair in _pairs(step, "renamed_classes", ("from", "to")):
        if pair["from"] not in classes:
            raise _not_configured(
                f"Cannot apply --rename-class migration to class '{pair['from']}': it is not "
                "a Durable Object class of this script."
            )
        if pair["to"] in classes:
            raise _exists("--rename-class", pair["to"])
        classes[pair["to"]] = classes.pop(pair["from"])
        plan.deleted.discard(pair["to"])
    for name in _names(step, "deleted_classes"):
        if name not in classes:
            raise _not_configured(
                f"Cannot apply --delete-class migration to class '{name}': it is not a "
                "Durable Object class of this script."
            )
        del classes[name]
        plan.deleted.add(name)
    for item in _pairs(step, "transferred_classes", ("from", "from_script", "to")):
        source = item["from_script"]
        if source == script_name:
            raise _invalid("migrations: a transfer must come from another script.")
        theirs = other_classes(source)
        if theirs is None:
            raise _not_configured(
                f"Cannot apply --transfer-class migration: script '{source}' does not exist."
            )
        taken = {t.from_class for t in plan.transfers if t.from_script == source}
        if item["from"] not in theirs or item["from"] in taken:
            raise _not_configured(
                f"Cannot apply --transfer-class migration to class '{item['from']}': it is "
                f"not a Durable Object class of script '{source}'."
            )
        if item["to"] in classes:
            raise _exists("--transfer-class", item["to"])
        classes[item["to"]] = {"sqlite": bool(theirs[item["from"]].get("sqlite"))}
        plan.deleted.discard(item["to"])
        plan.transfers.append(Transfer(source, item["from"], item["to"]))


def check_namespace_bindings(
    bindings: Sequence[Mapping[str, Any]],
    script_name: str,
    classes: Mapping[str, Mapping[str, bool]],
    other_classes: OtherClasses,
    deleted: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Raise 10061 for a ``durable_object_namespace`` binding whose class does not exist:
    in this script (``script_name`` absent or this script), in the named script otherwise,
    or that this upload deletes."""
    for binding in bindings:
        if binding.get("type") != "durable_object_namespace":
            continue
        class_name = str(binding.get("class_name"))
        if class_name in deleted:
            raise _not_configured(
                f"Cannot apply --delete-class migration to class '{class_name}' without also "
                "removing the binding that references it."
            )
        target = binding.get("script_name") or script_name
        held = classes if target == script_name else other_classes(str(target))
        if held is None:
            raise _not_configured(
                f"Cannot create binding for class '{class_name}' because script '{target}' "
                "does not exist."
            )
        if class_name not in held:
            raise _not_configured(
                f"Cannot create binding for class '{class_name}' because it is not currently "
                "configured to implement Durable Objects. Ensure a --new-class migration has "
                "been applied to it."
            )
