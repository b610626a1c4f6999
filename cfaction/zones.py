"""Zone resolution: a zone ID is used as is; a domain or hostname is found by walking up
its labels with ``GET /zones?name=``, the pattern wrangler uses (workers-sdk
``packages/deploy-helpers/src/triggers/zones.ts``).

Lookups are cached for the run: each candidate name costs at most one request, however
many hostnames share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cfaction.client import Client
from cfaction.errors import ZoneError
from cfaction.permissions import ZONE_READ
from cfaction.values import ZoneRef


@dataclass(frozen=True)
class Zone:
    """A zone as far as we know it; ``name`` and account are None for an ID used as is."""

    id: str
    name: str | None = None
    account_id: str | None = None
    account_name: str | None = None
    status: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Zone:
        account = data.get("account") or {}
        return cls(
            id=str(data["id"]),
            name=data.get("name"),
            account_id=account.get("id"),
            account_name=account.get("name"),
            status=data.get("status"),
        )

    @property
    def display_name(self) -> str:
        """How people see the zone: its name, or its ID while the name is unknown."""
        return self.name or self.id


class ZoneResolver:
    """Resolves zone references for one run, caching every lookup.

    ``account_id``, when known, restricts name lookups to that account (``account.id=``),
    which also avoids matching a same-named zone in another account.
    """

    def __init__(self, client: Client, account_id: str | None = None) -> None:
        self._client = client
        self._account_id = account_id
        self._by_name: dict[str, list[Zone]] = {}
        self._by_id: dict[str, Zone] = {}

    def resolve(self, ref: ZoneRef, *, details: bool = False) -> Zone:
        """The zone for ``ref``. An ID costs no request unless ``details`` asks for its
        name and account (``GET /zones/{id}``, which also proves it is reachable)."""
        if ref.id:
            return self.details(ref.id) if details else self._by_id.get(ref.id, Zone(ref.id))
        assert ref.name is not None
        zone = self.find_for_host(ref.name)
        if zone is None:
            raise ZoneError(self._not_found_message(ref.name))
        return zone

    def details(self, zone_id: str) -> Zone:
        """``GET /zones/{id}``, cached."""
        cached = self._by_id.get(zone_id)
        if cached is not None and cached.name is not None:
            return cached
        zone = Zone.from_api(self._client.get(f"/zones/{zone_id}", permission=ZONE_READ))
        self._by_id[zone_id] = zone
        return zone

    def find_for_host(self, hostname: str) -> Zone | None:
        """The zone a hostname belongs to: the longest suffix of it that is a zone.

        ``www.shop.example.co.uk`` tries ``www.shop.example.co.uk``, ``shop.example.co.uk``,
        ``example.co.uk`` and ``co.uk``, stopping at the first match. Raises
        :class:`ZoneError` when a name matches zones in several accounts.
        """
        labels = hostname.lower().rstrip(".").split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            matches = self._lookup(candidate)
            if len(matches) > 1:
                raise ZoneError(self._ambiguous_message(candidate, matches))
            if matches:
                return matches[0]
        return None

    def _lookup(self, name: str) -> list[Zone]:
        if name not in self._by_name:
            params: dict[str, str] = {"name": name}
            if self._account_id:
                params["account.id"] = self._account_id
            rows = self._client.paginate("/zones", params, per_page=50, permission=ZONE_READ)
            # name= is an exact match; keep only exact rows in case a server is lenient.
            zones = [Zone.from_api(row) for row in rows if str(row.get("name", "")).lower() == name]
            self._by_name[name] = zones
            for zone in zones:
                self._by_id.setdefault(zone.id, zone)
        return self._by_name[name]

    def _not_found_message(self, hostname: str) -> str:
        tried = ", ".join(".".join(hostname.split(".")[i:]) for i in range(hostname.count(".")))
        where = f" in account {self._account_id}" if self._account_id else ""
        return (
            f"No zone{where} matches '{hostname}' (looked up: {tried}). Either the domain is "
            "not a zone on this Cloudflare account, or the credentials cannot read it: an API "
            f"token needs {ZONE_READ} for that zone (a token limited to some zones sees only "
            "those). Check zone, account_id and the token's zone resources, or give the Zone ID."
        )

    @staticmethod
    def _ambiguous_message(name: str, zones: list[Zone]) -> str:
        listed = "; ".join(
            f"{z.id} in account {z.account_name or '?'} ({z.account_id or '?'}), status "
            f"{z.status or '?'}"
            for z in zones
        )
        return (
            f"The name '{name}' matches {len(zones)} zones: {listed}. Set account_id to the "
            "account you mean, or give the Zone ID in zone."
        )
