"""Durable Object migrations, as ``wrangler deploy`` sends them (workers-sdk
``packages/deploy-helpers/src/deploy/helpers/durable.ts``; see
https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/).

The Worker's current migration tag is read first. Then:

* no tag yet: every migration, ``{"new_tag": <last>, "steps": [all]}``;
* the tag of the last migration: nothing to send;
* the tag of an earlier one: the steps after it, ``{"old_tag": <tag>, "new_tag": <last>,
  "steps": [after it]}``;
* a tag the config does not have: every migration, with ``old_tag`` (wrangler warns and does
  the same).

A step is a config entry without its ``tag``, as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cfaction.ops.worker.wrangler import Migration


def pending_migrations(
    migrations: Sequence[Migration], current_tag: str | None
) -> dict[str, Any] | None:
    """The ``migrations`` metadata field, or None when there is nothing to migrate."""
    if not migrations:
        return None
    last = migrations[-1].tag
    steps = [dict(m.step) for m in migrations]
    if not current_tag:
        return {"new_tag": last, "steps": steps}
    tags = [m.tag for m in migrations]
    if current_tag == last:
        return None
    if current_tag in tags:
        return {
            "old_tag": current_tag,
            "new_tag": last,
            "steps": steps[tags.index(current_tag) + 1 :],
        }
    return {"old_tag": current_tag, "new_tag": last, "steps": steps}
