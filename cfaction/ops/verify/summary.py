"""What verify found, for the outputs, the summary and the log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cfaction import markdown
from cfaction.ops.base import Outcome
from cfaction.ops.verify.check import Report
from cfaction.zones import Zone

PermissionRow = tuple[str, str, str]
"""(operation, token permission, when it is needed)."""


def render(report: Report, _: None, permissions: Sequence[PermissionRow] = ()) -> Outcome:
    rows = [
        ("Credentials", markdown.cell(report.credentials)),
        ("Zone", markdown.cell(report.zone_detail)),
    ]
    zone = report.zone
    return Outcome(
        heading=f"verify · {zone.display_name}" if zone else "verify",
        markdown="\n\n".join(
            [markdown.table(("Check", "Result"), rows), _permission_table(permissions)]
        ),
        outputs={"token_status": report.check.status},
        result={
            "credential_mode": report.credential_mode,
            "token_status": report.check.status,
            "token_id": report.check.token_id,
            "token_owner": report.check.owner,
            "expires_on": report.check.expires_on,
            "zone": _zone_json(zone),
            "account_id": report.account_id,
            "ok": not report.problems,
        },
        zone=zone,
        account_id=report.account_id,
        problems=list(report.problems),
        warnings=list(report.warnings),
        notes=[f"Credentials: {report.credentials}", f"Zone: {report.zone_detail}"],
    )


def _zone_json(zone: Zone | None) -> dict[str, Any] | None:
    if zone is None:
        return None
    return {
        "id": zone.id,
        "name": zone.name,
        "status": zone.status,
        "account_id": zone.account_id,
        "account_name": zone.account_name,
    }


def _permission_table(permissions: Sequence[PermissionRow]) -> str:
    rows = [
        (operation, markdown.cell(permission), markdown.cell(when))
        for operation, permission, when in permissions
    ]
    return "**Token permissions each operation needs**\n\n" + markdown.table(
        ("Operation", "Permission", "Needed"), rows
    )
