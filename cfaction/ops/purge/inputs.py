"""The inputs of ``operation: purge``: what to purge, validated before any API call.

Lists come one item per line, comma-separated, or as a JSON array; ``@path`` reads the list
from a file of the workspace (a runner passes each input as one environment variable of at
most 128 KiB, so thousands of URLs need a file). Commas inside a URL or a prefix are kept:
a comma splits ``files`` only before something that starts a new URL (``http``, ``/`` or
``{``), and ``prefixes`` only before something that starts a new ``host/path``. Items keep
their input order; duplicates are removed while planning, per zone, once ``/path`` lines
have become URLs.

``changed_files`` with ``url_map`` adds the URLs the changed files are served at to
``files`` (see ``serving.py``); more of them than ``max_changed_urls`` purges their hosts
instead (or everything, with ``purge_everything: true``). Cloudflare offers purge by
hostname on every plan (https://developers.cloudflare.com/cache/how-to/purge-cache/, the
availability table), so the hosts are the fallback unless everything was asked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

from cfaction.documents import DocumentError, load_json
from cfaction.errors import InputError
from cfaction.ops import OPERATIONS
from cfaction.ops.base import LoadSource
from cfaction.ops.purge.changed import read_changed_files
from cfaction.ops.purge.derived import ChangedUrls, derive
from cfaction.ops.purge.items import (
    MAX_BATCH_SIZE,
    FileItem,
    parse_file_item,
    parse_host,
    parse_prefix,
    parse_tag,
)
from cfaction.ops.purge.serving import (
    MAPPING_EXAMPLE,
    ServingRules,
    parse_index_files,
    parse_url_map,
)
from cfaction.problems import Problems
from cfaction.values import int_between, parse_bool, shown

PURGE_INPUTS: Final = OPERATIONS["purge"].inputs
"""The purge inputs, with the defaults action.yml gives them (declared with the
operation in :mod:`cfaction.ops`, which a run reads before importing this package)."""

LIST_INPUTS: Final = ("files", "tags", "hosts", "prefixes")
FILE_INPUTS: Final = (*LIST_INPUTS, "changed_files", "url_map")
"""The inputs whose value may be ``@path`` of a file in the workspace."""
MAX_CHANGED_URLS: Final = 100_000
"""The highest max_changed_urls: derived URLs are kept in memory up to it."""
MAX_WARM_CONCURRENCY: Final = 32

_FILE_SPLIT: Final = re.compile(r"(?:,\s*)+(?=https?://|/|\{)", re.IGNORECASE)
_PREFIX_SPLIT: Final = re.compile(r"(?:,\s*)+(?=[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/)")
_NOTHING = "files/tags/hosts/prefixes"


@dataclass(frozen=True)
class PurgeInputs:
    """What one purge step was asked to purge."""

    files: tuple[FileItem, ...] = ()
    tags: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    everything: bool = False
    batch_size: int = 100
    changed: ChangedUrls | None = None
    """What changed_files and url_map asked for (its URLs are in ``files`` already, or its
    hosts in ``hosts`` when there are too many)."""
    warm: bool = False
    warm_concurrency: int = 8

    @property
    def routed(self) -> bool:
        """True when some items name their host (files, hosts, prefixes)."""
        return bool(self.files or self.hosts or self.prefixes)


def load(source: LoadSource, problems: Problems) -> PurgeInputs:
    """Parse and check the purge inputs (best effort: every error goes to ``problems``)."""
    zone_count = None if source.zones is None else len(source.zones)

    def text(name: str) -> str:
        value = source.inputs.text(name)
        if name in FILE_INPUTS and value.startswith("@") and "\n" not in value:
            path = value[1:].strip()
            return source.workspace.read_text(
                name,
                path,
                label=f"'{path}' (from '{value}')",
                missing_fix="Write it in an earlier step, or fix the path.",
            )
        return value

    no_files: tuple[FileItem, ...] = ()
    none: tuple[str, ...] = ()
    attempt = problems.attempt
    files = attempt(lambda: _files(text("files"), zone_count), no_files)
    tags = attempt(lambda: _strings("tags", text("tags"), parse_tag), none)
    hosts = attempt(lambda: _strings("hosts", text("hosts"), parse_host), none)
    prefixes = attempt(
        lambda: _strings("prefixes", text("prefixes"), parse_prefix, _PREFIX_SPLIT), none
    )
    everything = attempt(lambda: parse_bool("purge_everything", text("purge_everything")), False)
    batch_size = attempt(
        lambda: int_between(1, MAX_BATCH_SIZE)("batch_size", text("batch_size")), 100
    )
    warm = attempt(lambda: parse_bool("warm", text("warm")), False)
    warm_concurrency = attempt(
        lambda: int_between(1, MAX_WARM_CONCURRENCY)("warm_concurrency", text("warm_concurrency")),
        8,
    )
    requested = bool(source.inputs.given("changed_files") or source.inputs.given("url_map"))
    changed = _changed(source, text, problems) if requested else None
    purge = PurgeInputs(
        files, tags, hosts, prefixes, everything, batch_size, changed, warm, warm_concurrency
    )
    if not problems.failed("purge_everything"):
        # Without a valid purge_everything, "nothing to purge" would be a second, wrong error.
        for error in _combination_errors(purge, problems, zone_count, requested):
            problems.add(error)
    return _with_changed_urls(purge)


def _changed(
    source: LoadSource, text: Callable[[str], str], problems: Problems
) -> ChangedUrls | None:
    """The changed files mapped to URLs; None when one of the inputs it needs is invalid
    (each is reported)."""
    attempt = problems.attempt
    mappings = attempt(lambda: parse_url_map(text("url_map")), None)
    index_files = attempt(lambda: parse_index_files(text("index_files")), None)
    strip_html = attempt(lambda: parse_bool("strip_html", text("strip_html")), None)
    max_urls = attempt(
        lambda: int_between(1, MAX_CHANGED_URLS)("max_changed_urls", text("max_changed_urls")),
        None,
    )
    if mappings == () and not problems.failed("url_map"):
        problem = (
            "has no SOURCE_PREFIX => URL_PREFIX line, only blank lines and comments."
            if source.inputs.given("url_map")
            else "is required with changed_files: it says which URL each repository path is "
            "served at."
        )
        fix = f"Add one line per published folder, e.g. {MAPPING_EXAMPLE}"
        problems.add(InputError("url_map", problem, fix))
        mappings = None
    if mappings is None or index_files is None or strip_html is None or max_urls is None:
        # Still check the list itself, so its errors come in the same run.
        attempt(lambda: sum(1 for _ in read_changed_files(text("changed_files"))), 0)
        return None
    rules = ServingRules(mappings, index_files, strip_html)
    return attempt(lambda: derive(read_changed_files(text("changed_files")), rules, max_urls), None)


def _with_changed_urls(purge: PurgeInputs) -> PurgeInputs:
    """The inputs with the changed files' URLs joined to ``files``, or, past
    ``max_changed_urls``, their hosts joined to ``hosts`` (everything, when
    ``purge_everything`` was given with ``changed_files``)."""
    changed = purge.changed
    if changed is None:
        return purge
    if not changed.over_cap:
        derived = tuple(FileItem(url.url) for url in changed.urls)
        return replace(purge, files=purge.files + derived, everything=False)
    if purge.everything:
        return purge
    return replace(purge, hosts=purge.hosts + changed.hosts)


def _combination_errors(
    purge: PurgeInputs, problems: Problems, zone_count: int | None, changed: bool
) -> list[InputError]:
    """Errors about the inputs together; inputs already reported count as given.
    ``changed``: changed_files or url_map was given (purge_everything then only says what
    to fall back to, and an empty list of changes is not an error: nothing changed)."""
    given = [name for name in LIST_INPUTS if getattr(purge, name) or problems.failed(name)]
    if purge.everything and given:
        return [
            InputError(
                "purge_everything",
                f"is true together with {', '.join(given)}.",
                "purge_everything purges all cached content of the zone: remove "
                f"{', '.join(given)}, or set purge_everything to false to purge only those.",
            )
        ]
    if not purge.everything and not given and not changed:
        return [
            InputError(
                _NOTHING,
                "nothing to purge: files, tags, hosts and prefixes are all empty, and "
                "purge_everything is not true.",
                "List what to purge (one item per line), or set purge_everything: true to "
                "purge everything; an empty list never purges everything.",
            )
        ]
    needs_zone = [
        name for name, on in (("tags", purge.tags), ("purge_everything", purge.everything)) if on
    ]
    if needs_zone and zone_count == 0:  # None: zone is invalid and reported already
        return [
            InputError(
                "zone",
                f"is required for {' and '.join(needs_zone)}: unlike URLs, hosts and "
                "prefixes, they do not say which zone they belong to.",
                "Set zone to the zone's domain or ID (several zones: one per line).",
            )
        ]
    return []


def split_items(
    name: str, text: str, splitter: re.Pattern[str] | None = None, *, objects: bool = False
) -> list[Any]:
    """The raw items of a list input: a JSON array, or lines split on commas. With
    ``objects``, an item starting with ``{`` is a JSON object (the variants of ``files``)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            array = load_json(text)
        except DocumentError as error:
            raise InputError(name, f"{error.problem}.", error.fix) from None
        except json.JSONDecodeError as error:
            raise InputError(
                name,
                f"starts with '[' but is not a valid JSON array ({error.msg} at line "
                f"{error.lineno}, column {error.colno}).",
                "Fix the JSON, or write one item per line.",
            ) from None
        if not isinstance(array, list):
            raise InputError(name, "is not a JSON array.", "Write one item per line.")
        return [
            item.strip() if isinstance(item, str) else item
            for item in array
            if not (isinstance(item, str) and not item.strip())
        ]
    items: list[Any] = []
    for line in text.splitlines():
        line = line.strip()
        if objects and line.startswith("{"):
            items.append(_json_object(name, line))
            continue
        parts = splitter.split(line) if splitter else line.split(",")
        for part in parts:
            part = part.strip().rstrip(",").strip()
            if objects and part.startswith("{"):
                items.append(_json_object(name, part))
            elif part:
                items.append(part)
    return items


def _json_object(name: str, line: str) -> Any:
    try:
        return load_json(line)
    except DocumentError as error:
        raise InputError(name, f"{error.problem}: {shown(line, 80)}", error.fix) from None
    except json.JSONDecodeError as error:
        raise InputError(
            name,
            f"has a line starting with '{{' that is not valid JSON ({error.msg}): {line[:80]}",
            'Write it as {"url": "https://…", "headers": {"CF-Device-Type": "mobile"}}.',
        ) from None


def _files(text: str, zone_count: int | None) -> tuple[FileItem, ...]:
    items = [parse_file_item(raw) for raw in split_items("files", text, _FILE_SPLIT, objects=True)]
    relative = [item.url for item in items if item.relative]
    if relative and zone_count is not None and zone_count != 1:
        where = "zone lists several zones" if zone_count else "zone is empty"
        raise InputError(
            "files",
            f"has paths without a host ({', '.join(relative[:3])}), but {where}, so there is "
            "no single zone name to join them to.",
            "Write full URLs (https://www.example.com/path), or set zone to one zone.",
        )
    return tuple(items)


def _strings(
    name: str,
    text: str,
    check: Callable[[str, str], str],
    splitter: re.Pattern[str] | None = None,
) -> tuple[str, ...]:
    items = split_items(name, text, splitter)
    bad = [item for item in items if not isinstance(item, str)]
    if bad:
        raise InputError(
            name,
            f"has an item that is not a string: {json.dumps(bad[0])[:80]}",
            "Write one item per line.",
        )
    return tuple(check(name, item) for item in items)
