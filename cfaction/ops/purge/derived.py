"""From the changed files to the URLs to purge: the mapping applied, de-duplicated, counted
against ``max_changed_urls``, with the files no prefix holds kept aside as unmapped.

Derivation stops keeping URLs once there are more than ``max_changed_urls`` of them (the
purge then falls back to the hosts), but keeps reading the list for the hosts and the
counts, so memory stays bounded by the cap and the list's own size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from cfaction.ops.purge.changed import ChangedFile
from cfaction.ops.purge.serving import ServingRules

MAX_KEPT_UNMAPPED: Final = 1000
"""Unmapped paths kept for the summary and the result; the count is always exact."""


@dataclass(frozen=True)
class DerivedUrl:
    """A URL to purge, the first changed file it comes from and the rule that gave it.
    ``deleted``: every file it comes from was deleted, so it is not warmed."""

    url: str
    path: str
    rule: str
    deleted: bool = False


@dataclass(frozen=True)
class ChangedUrls:
    """What ``changed_files`` with ``url_map`` asks to purge."""

    rules: ServingRules
    max_urls: int
    files: int = 0
    """Distinct changed paths listed."""
    mapped: int = 0
    """Of those, the paths under a ``url_map`` prefix."""
    urls: tuple[DerivedUrl, ...] = ()
    """The URLs, in list order, without repeats; all of them unless ``over_cap``."""
    over_cap: bool = False
    """More than ``max_urls`` URLs: the purge falls back to ``hosts``."""
    hosts: tuple[str, ...] = ()
    """The hosts of every mapped path's URLs (complete even when ``over_cap``)."""
    unmapped: tuple[str, ...] = field(default=())
    """The first unmapped paths (at most :data:`MAX_KEPT_UNMAPPED`)."""
    unmapped_count: int = 0

    @property
    def only_deleted(self) -> frozenset[str]:
        """URLs that only deleted files serve: purged, never warmed (none after a fallback,
        where the URLs are not purged one by one)."""
        if self.over_cap:
            return frozenset()
        return frozenset(derived.url for derived in self.urls if derived.deleted)


def derive(changed: Iterable[ChangedFile], rules: ServingRules, max_urls: int) -> ChangedUrls:
    """Apply ``rules`` to every changed path."""
    seen_paths: set[str] = set()
    urls: dict[str, DerivedUrl] = {}
    hosts: dict[str, None] = {}
    unmapped: list[str] = []
    unmapped_count = mapped = 0
    over_cap = False
    for file in changed:
        first_time = file.path not in seen_paths
        seen_paths.add(file.path)
        served = rules.urls(file.path)
        if served is None:
            if first_time:
                unmapped_count += 1
                if len(unmapped) < MAX_KEPT_UNMAPPED:
                    unmapped.append(file.path)
            continue
        mapped += first_time
        for item in served:
            hosts.setdefault(_host(item.url), None)
            known = urls.get(item.url)
            if known is not None:
                if known.deleted and not file.deleted:
                    urls[item.url] = DerivedUrl(known.url, known.path, known.rule, deleted=False)
                continue
            if over_cap:
                continue
            if len(urls) == max_urls:
                over_cap = True
                continue
            urls[item.url] = DerivedUrl(item.url, file.path, item.rule, file.deleted)
    return ChangedUrls(
        rules=rules,
        max_urls=max_urls,
        files=len(seen_paths),
        mapped=mapped,
        urls=tuple(urls.values()),
        over_cap=over_cap,
        hosts=tuple(hosts),
        unmapped=tuple(unmapped),
        unmapped_count=unmapped_count,
    )


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""
