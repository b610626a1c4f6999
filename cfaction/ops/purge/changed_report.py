"""How the changed files are reported: the warnings (a fallback, nothing published), the
summary section with the rules and the URLs each file gave, and the result's details."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

from cfaction import markdown
from cfaction.ops.base import Notice
from cfaction.ops.purge.derived import ChangedUrls

MAX_LISTED_URLS: Final = 500
"""Derived URLs shown in the summary."""
MAX_LISTED_UNMAPPED: Final = 100
MAX_LISTED_HOSTS: Final = 20


def changed_notices(changed: ChangedUrls | None, *, everything: bool, warm: bool) -> list[Notice]:
    """Warnings about the changed files: never a silent fallback, never a silent no-op."""
    if changed is None:
        return []
    if changed.over_cap:
        instead = (
            "everything in the zone (purge_everything is true)"
            if everything
            else f"the hosts they are served on ({_first(changed.hosts, MAX_LISTED_HOSTS)})"
        )
        unwarmed = " They are not warmed one by one." if warm else ""
        return [
            Notice(
                "Too many changed URLs",
                f"The {changed.files:,} changed files map to more than {changed.max_urls:,} "
                f"URLs (max_changed_urls), so cfaction purges {instead} rather than each URL."
                f"{unwarmed} Raise max_changed_urls to purge them one by one.",
            )
        ]
    if changed.files == 0:
        return [Notice("Nothing changed", "changed_files lists no file: no URL of it is purged.")]
    if changed.mapped == 0:
        prefixes = ", ".join(m.source or "./" for m in changed.rules.mappings)
        return [
            Notice(
                "No changed file is published",
                f"None of the {changed.files:,} changed files is under a url_map prefix "
                f"({prefixes}), so none is purged; the summary lists them. Check url_map if "
                "some of them are published.",
            )
        ]
    return []


def changed_section(changed: ChangedUrls, purged: Collection[str] | None, *, dry_run: bool) -> str:
    """The summary section: counts, the rules, the URLs and the unmapped files.
    ``purged``: the derived URLs that were purged (None in a dry run)."""
    urls = f"{len(changed.urls):,} URLs"
    if changed.over_cap:
        urls = f"more than {changed.max_urls:,} URLs (max_changed_urls): the hosts are purged"
    lines = [
        "**Changed files**",
        "",
        f"{changed.files:,} changed files: {changed.mapped:,} under url_map, "
        f"{changed.unmapped_count:,} unmapped; {urls}.",
        "",
        "Rules:",
        "",
        *(f"- {rule}" for rule in changed.rules.describe()),
    ]
    if changed.urls and not changed.over_cap:
        lines += ["", _url_table(changed, purged, dry_run=dry_run)]
    if changed.unmapped_count:
        listed = ", ".join(markdown.code(p) for p in changed.unmapped[:MAX_LISTED_UNMAPPED])
        more = changed.unmapped_count - min(len(changed.unmapped), MAX_LISTED_UNMAPPED)
        tail = f" and {more:,} more" if more else ""
        lines += ["", f"**Unmapped** (under no url_map prefix, not purged): {listed}{tail}"]
    return "\n".join(lines)


def _url_table(changed: ChangedUrls, purged: Collection[str] | None, *, dry_run: bool) -> str:
    rows = []
    for derived in changed.urls[:MAX_LISTED_URLS]:
        if purged is None:
            state = "would be purged"
        else:
            state = "purged" if derived.url in purged else "not purged"
        if derived.deleted:
            state += " (deleted: not warmed)"
        rows.append((markdown.code(derived.url), markdown.code(derived.path), derived.rule, state))
    table = markdown.table(("URL", "Changed file", "Rule", "Result"), rows)
    more = len(changed.urls) - MAX_LISTED_URLS
    if more > 0:
        table += f"\n\n…and {more:,} more (the `result` output and the report file list them)."
    if dry_run:
        return f"URLs the changed files are served at:\n\n{table}"
    summary = f"{len(changed.urls):,} URLs from the changed files"
    return f"<details><summary>{summary}</summary>\n\n{table}\n\n</details>"


def changed_json(changed: ChangedUrls, *, everything: bool) -> dict[str, Any]:
    """The changed files in the result output."""
    listed = () if changed.over_cap else changed.urls
    fallback = None
    if changed.over_cap:
        fallback = "everything" if everything else "hosts"
    return {
        "files": changed.files,
        "mapped": changed.mapped,
        "unmapped": changed.unmapped_count,
        "unmapped_paths": list(changed.unmapped),
        "unmapped_paths_truncated": changed.unmapped_count > len(changed.unmapped),
        "max_changed_urls": changed.max_urls,
        "fallback": fallback,
        "hosts": list(changed.hosts),
        "urls": [
            {"url": d.url, "path": d.path, "rule": d.rule, "deleted": d.deleted} for d in listed
        ],
    }


def dry_run_notes(changed: ChangedUrls, count: int = 50) -> list[str]:
    """Log lines for a dry run: the first URLs and where they come from."""
    if changed.over_cap:
        return []  # the warning says what is purged instead
    notes = [f"Dry run: {d.path} → {d.url} ({d.rule})" for d in changed.urls[:count]]
    if len(changed.urls) > count:
        notes.append(f"Dry run: …and {len(changed.urls) - count:,} more URLs (see the summary)")
    return notes


def _first(items: tuple[str, ...], count: int) -> str:
    shown = ", ".join(items[:count])
    return shown + (f" and {len(items) - count} more" if len(items) > count else "")
