"""What a run does with versions: upload one without deploying it (``deploy: false``, with
an optional ``preview_alias``), deploy one that exists (``version_id``), or roll back
(``rollback``), as ``wrangler versions upload``, ``versions deploy`` and ``rollback`` do
(workers-sdk ``packages/deploy-helpers/src/deploy/versions-upload.ts``,
``packages/wrangler/src/versions/deploy.ts``, ``.../versions/rollback/index.ts``).

The inputs are checked together before any call: they are exclusive where they contradict
(a version to deploy and files to upload, a rollback and a version, a preview that is
deployed), and an input that a deploy of an existing version would not apply is refused, so
nothing is silently left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from cfaction.errors import InputError
from cfaction.settings import RawInputs
from cfaction.values import parse_bool

VERSION_ID: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PREVIEW_ALIAS: Final = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
"""The API's alias rule (wrangler ``preview-alias.ts``): a DNS label starting with a letter."""
MAX_HOST_LABEL: Final = 63
ROLLBACK_MESSAGE: Final = "Rollback"
"""wrangler's default message for a rollback deployment."""
UPLOAD_INPUTS: Final = (
    "script",
    "modules",
    "assets",
    "no_bundle",
    "format",
    "compatibility_date",
    "compatibility_flags",
    "vars",
    "secrets",
    "bindings",
    "routes",
    "custom_domains",
    "workers_dev",
)
"""Inputs that shape an upload: they would be left out by a deploy of an existing version."""


@dataclass(frozen=True)
class Release:
    """Deploy an existing version instead of uploading (``version_id``), or roll back."""

    kind: Literal["version", "rollback"]
    version_id: str = ""


def parse_release(inputs: RawInputs) -> Release | None:
    """``version_id`` or ``rollback``, checked against the inputs that contradict them.

    :raises InputError: naming the input to drop.
    """
    given = inputs.given

    def changed(name: str) -> bool:
        """Given, and not as its default (the runner passes every default as written)."""
        value = given(name)
        return bool(value) and value.lower() != inputs.defaults.get(name, "").lower()

    version_id = given("version_id").strip().lower()
    rollback = parse_bool("rollback", given("rollback")) if given("rollback") else False
    if version_id and rollback:
        raise InputError(
            "rollback",
            "and version_id both choose the version to deploy.",
            "Keep one: version_id for a given version, rollback for the one before the "
            "current deployment.",
        )
    if not version_id and not rollback:
        return None
    chosen = "version_id" if version_id else "rollback"
    if version_id and not VERSION_ID.match(version_id):
        raise InputError(
            "version_id",
            f"'{version_id}' is not a Worker version ID.",
            "Write the version's ID as the dashboard or a version upload's version_id "
            "output gives it (8-4-4-4-12 hex digits).",
        )
    if changed("deploy") and not parse_deploy(inputs):
        raise InputError(
            "deploy",
            f"false uploads a version without deploying it, and {chosen} deploys one.",
            f"Remove deploy, or drop {chosen} to upload.",
        )
    if changed("preview_alias"):
        raise InputError(
            "preview_alias",
            f"names the preview of an uploaded version, and {chosen} uploads none.",
            f"Remove preview_alias, or drop {chosen} to upload.",
        )
    if rollback and changed("rollout_percentage"):
        raise InputError(
            "rollout_percentage",
            "is for a version deployed beside the current one; a rollback deploys the earlier "
            "version to all traffic.",
            "Remove rollout_percentage, or use version_id with it.",
        )
    for name in UPLOAD_INPUTS:
        if changed(name):
            raise InputError(
                name,
                f"shapes an upload, and {chosen} uploads nothing, so it would be left out.",
                f"Remove {name}, or drop {chosen} to upload a new version.",
            )
    return Release("version", version_id) if version_id else Release("rollback")


def parse_deploy(inputs: RawInputs) -> bool:
    """``deploy`` (default true): false uploads a version and leaves the deployment alone."""
    text = inputs.given("deploy")
    return parse_bool("deploy", text) if text else True


def parse_preview_alias(text: str, script_name: str | None, deploy: bool) -> str | None:
    """``preview_alias``: a name the uploaded version's preview URL is also reached by.

    :raises InputError: for an alias the API would refuse, or one on a deployed upload.
    """
    alias = text.strip()
    if not alias:
        return None
    if deploy:
        raise InputError(
            "preview_alias",
            "names the preview of a version that is not deployed.",
            "Set deploy: false with it (a pull request's preview), or remove it.",
        )
    if not PREVIEW_ALIAS.match(alias):
        raise InputError(
            "preview_alias",
            f"'{alias}' is not a valid alias.",
            "Use lower-case letters, digits and -, starting with a letter and not ending "
            "with -, e.g. pr-42.",
        )
    room = MAX_HOST_LABEL - len(script_name or "") - 1
    if script_name and len(alias) > room:
        raise InputError(
            "preview_alias",
            f"'{alias}' is {len(alias)} characters; with the Worker's name "
            f"'{script_name}' it may have at most {room} (one DNS label of 63).",
            "Shorten it, e.g. pr-<number>.",
        )
    return alias
