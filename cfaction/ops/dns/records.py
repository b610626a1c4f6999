"""DNS records: the type table and every rule about record values, in one place.

Input validation and the plan both use these rules, so a record is judged the same way
before any API call and while comparing it with the zone:

* which types exist, which may be proxied, which point to a hostname, which replace their
  group by default (https://developers.cloudflare.com/dns/manage-dns-records/reference/
  dns-record-types/ and .../proxied-dns-records/);
* how a value is checked (IPv4, IPv6, hostname) and normalised the way the API stores it
  (IPv6 compressed, hostnames lower-case without the trailing dot, TXT unquoted and its
  chunks joined): :func:`content_key`, the identity of a value within its group;
* which types cannot share a name (a CNAME stands alone), and the duplicate and CNAME checks
  over a set of desired records: :func:`set_errors`. Run on the names as written before any
  call, and once more on full names right after the zone lookup (``www`` and
  ``www.example.com`` are one name only in zone example.com), with the same wording.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from cfaction.errors import InputError
from cfaction.values import shown

TYPES: Final = frozenset(
    {
        "A",
        "AAAA",
        "CAA",
        "CERT",
        "CNAME",
        "DNSKEY",
        "DS",
        "HTTPS",
        "LOC",
        "MX",
        "NAPTR",
        "NS",
        "OPENPGPKEY",
        "PTR",
        "SMIMEA",
        "SRV",
        "SSHFP",
        "SVCB",
        "TLSA",
        "TXT",
        "URI",
    }
)
PROXIABLE: Final = frozenset({"A", "AAAA", "CNAME"})
HOSTNAME_CONTENT: Final = frozenset({"CNAME", "MX", "NS", "PTR"})
REPLACE_BY_DEFAULT: Final = PROXIABLE
"""Types whose group becomes exactly the desired set unless ``mode`` says otherwise; every
other type is added to (so a TXT verification record never removes the SPF beside it)."""
ADDRESS_TYPES: Final = frozenset({"A", "AAAA"})
SETTABLE_FIELDS: Final = frozenset(
    {"type", "name", "content", "data", "ttl", "proxied", "priority", "comment", "tags"}
)
"""The fields of a record a user may set (https://developers.cloudflare.com/api/resources/
dns/subresources/records/methods/create/)."""
MIN_TTL, MAX_TTL = 60, 86400
AUTOMATIC_TTL: Final = 1

_HOST: Final = re.compile(
    r"^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
    r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$"
)
_QUOTED: Final = re.compile(r'"((?:[^"\\]|\\.)*)"')

State = Literal["present", "absent"]
Mode = Literal["replace", "add"]


class RecordValueError(ValueError):
    """A record value breaks a rule of its type; ``problem`` and ``fix`` are for the user."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@dataclass(frozen=True)
class DesiredRecord:
    """One record as the user wants it. ``None`` means "not given": on create the API's
    default applies, on update the existing value is kept."""

    label: str  # how errors and the summary name it, e.g. records[2] (A www)
    type: str
    name: str  # as written: "@", relative or full, lower-case, no trailing dot
    content: str | None = None
    data: Mapping[str, Any] | None = None
    ttl: int | None = None
    proxied: bool | None = None
    priority: int | None = None
    comment: str | None = None
    tags: tuple[str, ...] | None = None
    state: State = "present"
    mode: Mode | None = None

    @property
    def key(self) -> str:
        """The normalised identity of this record's value within its group."""
        return content_key(self.type, self.content, self.data)


def check_content(rtype: str, text: str) -> str:
    """``text`` if it is a valid value for a record of ``rtype``.

    :raises RecordValueError: saying what is wrong and what to write.
    """
    if rtype == "A":
        try:
            ipaddress.IPv4Address(text)
        except ValueError:
            raise RecordValueError(
                f"content '{shown(text)}' is not an IPv4 address.",
                "Write an address such as 192.0.2.10 (an IPv6 address needs type AAAA).",
            ) from None
    elif rtype == "AAAA":
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            raise RecordValueError(
                f"content '{shown(text)}' is not an IPv6 address.",
                "Write an address such as 2001:db8::10 (an IPv4 address needs type A).",
            ) from None
    elif rtype in HOSTNAME_CONTENT and not _HOST.match(text.lower()):
        raise RecordValueError(
            f"content '{shown(text)}' is not a hostname.",
            f"A {rtype} record points to a hostname, e.g. target.example.net.",
        )
    return text


def content_key(rtype: str, content: str | None, data: Mapping[str, Any] | None) -> str:
    """The identity of a record's value within its (name, type) group, normalised as the
    API stores it: ``2001:DB8:0::1`` is ``2001:db8::1``, ``"abc"`` is ``abc`` for TXT."""
    if data:
        return json.dumps({k: _plain(v) for k, v in data.items()}, sort_keys=True, default=str)
    text = (content or "").strip()
    if rtype in ADDRESS_TYPES:
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return text.lower()
    if rtype in HOSTNAME_CONTENT:
        return text.lower().rstrip(".")
    if rtype == "TXT":
        return unquote_txt(text)
    return text


def unquote_txt(text: str) -> str:
    """TXT content as one string: ``"a" "b"`` (as Cloudflare stores it) reads as ``ab``."""
    stripped = text.strip()
    chunks = _QUOTED.findall(stripped)
    if chunks and _QUOTED.sub("", stripped).strip() == "":
        return "".join(chunk.replace('\\"', '"').replace("\\\\", "\\") for chunk in chunks)
    return stripped


def fqdn(name: str, zone_name: str) -> str:
    """A record name as the API returns it: full, lower-case, without the trailing dot."""
    name = name.lower().rstrip(".")
    if name == "@":
        return zone_name
    if name == zone_name or name.endswith("." + zone_name):
        return name
    return f"{name}.{zone_name}"


def conflicting_types(rtype: str) -> frozenset[str]:
    """The types that cannot share a name with a record of ``rtype``."""
    if rtype == "CNAME":
        return ADDRESS_TYPES
    if rtype in ADDRESS_TYPES:
        return frozenset({"CNAME"})
    return frozenset()


def set_errors(
    records: Sequence[DesiredRecord], name_of: Callable[[DesiredRecord], str] | None = None
) -> list[InputError]:
    """The errors of a set of desired records as a whole: a record listed twice, and a CNAME
    beside other records of its name. ``name_of`` gives the name each record is compared by
    (default: as written; after the zone lookup, the full name)."""
    name = name_of or (lambda record: record.name)
    present = [r for r in records if r.state == "present"]
    errors: list[InputError] = []
    seen: dict[tuple[str, str, str], DesiredRecord] = {}
    for record in present:
        first = seen.setdefault((name(record), record.type, record.key), record)
        if first is not record:
            errors.append(
                InputError(
                    "records",
                    f"{record.label} repeats {first.label}"
                    f"{_full_name({first.name, record.name}, name(record))}.",
                    "List each record once.",
                )
            )
    for record in present:
        if record.type != "CNAME":
            continue
        others = [r for r in present if name(r) == name(record) and r is not record]
        if others:
            written = {r.name for r in (record, *others)}
            errors.append(
                InputError(
                    "records",
                    f"{record.label}: a CNAME cannot share its name"
                    f"{_full_name(written, name(record))} with other records "
                    f"({', '.join(r.label for r in others)}).",
                    "Keep the CNAME alone at its name, or replace it with A/AAAA records.",
                )
            )
    return errors


def _full_name(written: set[str], full: str) -> str:
    """`` (www.example.com)`` when records are one name only once the zone is known."""
    return f" ({full})" if len(written) > 1 else ""


def _plain(value: Any) -> Any:
    return value.lower().rstrip(".") if isinstance(value, str) else value
