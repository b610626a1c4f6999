"""DNS records: the stored form, Cloudflare's normalisation and validation, and changes.

The routes (routes/dns.py) and the State helpers both go through ``DnsChanges``, so a record
added by a test is normalised and checked exactly like one created over the API.

Normalisation (what the real API stores and returns, and clients must cope with):

* ``name``: "@" is the zone apex; a name equal to the zone name or ending in "." + zone name
  is already full; anything else gets "." + zone name appended. Stored lower-case, without
  a trailing dot.
* A content as sent; AAAA compressed and lower-case; CNAME, MX, NS and PTR lower-case
  without a trailing dot.
* TXT content is stored quoted: unless it already is a sequence of quoted strings, it is
  cut into chunks of at most 255 bytes (UTF-8, never inside a character), each wrapped in
  double quotes (``"`` and ``\\`` inside escaped with a backslash), joined by a space.
* ``proxied`` defaults to false and ``ttl`` to 1; a proxied record always gets ttl 1.
  ``comment`` defaults to null and ``tags`` to [].
* SRV and CAA take ``data`` and the content is derived from it: SRV
  ``"<weight> <port> <target>"`` (priority is returned separately), CAA
  ``<flags> <tag> "<value>"``. Other structured types (CERT, DNSKEY, DS, HTTPS, LOC, NAPTR,
  SMIMEA, SSHFP, SVCB, TLSA, URI) accept ``data`` (content = its values joined by spaces,
  our approximation) or a plain ``content``.

Validation failures are 400 1004 "DNS Validation Error" with one ``error_chain`` entry.
Codes marked (real) were seen in real responses; the others are our choice:

====  ==========================================================================  ========
code  message                                                                     source
====  ==========================================================================  ========
9000  DNS name is invalid.                                                        real
9003  Invalid 'proxied' value, must be a boolean                                  real
9004  This kind of record cannot be proxied.                                      chosen
9005  Content for A record must be a valid IPv4 address.                          real
9006  Content for AAAA record must be a valid IPv6 address.                       real
9007  Content for <TYPE> record is invalid. (bad hostname; CNAME to an IP)        chosen
9008  Invalid priority, priority must be set and be between 0 and 65535            real
9009  Change the content of your MX record to be a hostname (not an IP) ...       real
9020  Unknown record type: <TYPE>                                                 chosen
9021  TTL must be between 30 and 86400 seconds, or 1 for Automatic.               real
9022  <field> must be ... (wrong JSON type for comment, tags, data fields)         chosen
9023  Too many operations in batch: N (limit L)                                   chosen
9024  Invalid batch request: ... (batch body shape)                               chosen
9039  CNAME content cannot reference itself.                                      real
9100  <field> is a required field. (type, name, content, data, MX priority)       real
9101  <field> is a required data field. (SRV/CAA data members)                    real
====  ==========================================================================  ========

TTL: 1, or 60..86400 (30..86400 on Enterprise zones); the message is Cloudflare's text,
which names 30 whatever the plan.

Conflicts (real codes and texts), checked after validation, in this order:

* 81053 "An A, AAAA, or CNAME record with that host already exists." for a CNAME where
  another A, AAAA or CNAME record has the same name;
* 81054 "A CNAME record with that host already exists. For more details, ..." for an A or
  AAAA where a CNAME has the same name;
* 81057 "Record already exists." for a create identical (type, name, content) to an
  existing record; 81058 "An identical record already exists." for an update that would
  make a record identical to another;
* 81045 "Record quota exceeded." for a create past ``State.dns_record_limit_free`` on a
  free zone (off by default).

Unknown record ids answer 404 81044 "Record does not exist.".
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final

from .errors import ErrorDetail, ReplyError
from .model import Zone

__all__ = [
    "CONTENT_TYPES",
    "DATA_TYPES",
    "DEFAULT_DNS_BATCH_LIMITS",
    "PROXIABLE_TYPES",
    "RECORD_FIELDS",
    "RECORD_TYPES",
    "DnsChanges",
    "DnsRecord",
    "normalize_name",
    "quote_txt",
    "record_json",
    "validation_error",
]

RECORD_TYPES: Final = (
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
)
PROXIABLE_TYPES: Final = frozenset({"A", "AAAA", "CNAME"})
# Types whose content is a hostname: stored lower-case without the trailing dot.
_HOSTNAME_TYPES: Final = frozenset({"CNAME", "MX", "NS", "PTR"})
# Types that must be sent with ``data`` (content is derived from it).
DATA_TYPES: Final = frozenset({"SRV", "CAA"})
# Structured types that take either ``data`` or a plain ``content``.
_EITHER_TYPES: Final = frozenset(
    {"CERT", "DNSKEY", "DS", "HTTPS", "LOC", "NAPTR", "SMIMEA", "SSHFP", "SVCB", "TLSA", "URI"}
)
CONTENT_TYPES: Final = frozenset(RECORD_TYPES) - DATA_TYPES - _EITHER_TYPES

# Request fields a record body may set; anything else in a body is ignored.
RECORD_FIELDS: Final = (
    "type",
    "name",
    "content",
    "data",
    "ttl",
    "proxied",
    "priority",
    "comment",
    "tags",
)

# Records per batch request, by zone plan
# (https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/).
# Read-only; each State starts with its own copy in ``State.dns_batch_limits``.
DEFAULT_DNS_BATCH_LIMITS: Final[Mapping[str, int]] = MappingProxyType(
    {"free": 200, "pro": 3500, "business": 3500, "enterprise": 3500}
)

VALIDATION_CODE: Final = 1004
VALIDATION_MESSAGE: Final = "DNS Validation Error"
TTL_MESSAGE: Final = "TTL must be between 30 and 86400 seconds, or 1 for Automatic."
SAME_HOST_URL: Final = (
    "https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/"
    "records-with-same-name/"
)
MX_HOSTNAME_MESSAGE: Final = (
    "Change the content of your MX record to be a hostname (and not an IP address). For "
    "more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/"
    "how-to/email-records/#add-mx-records>."
)
_MAX_TTL: Final = 86400
_MAX_TXT_CHUNK: Final = 255
_MAX_NAME: Final = 253
_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_QUOTED_SEQUENCE_RE = re.compile(rf"{_QUOTED}(?:\s+{_QUOTED})*", re.DOTALL)
_CAA_TAG_RE = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class DnsRecord:
    """One stored record, already normalised (see the module docstring).

    ``data`` holds the normalised structured data of SRV, CAA and the like (None for plain
    content types; left out of the hash); ``priority`` is set for MX, SRV and URI.
    """

    id: str
    zone_id: str
    type: str
    name: str
    content: str
    data: dict[str, Any] | None = field(default=None, hash=False)
    ttl: int = 1
    proxied: bool = False
    priority: int | None = None
    comment: str | None = None
    tags: tuple[str, ...] = ()
    created_on: str = ""
    modified_on: str = ""

    @property
    def proxiable(self) -> bool:
        return self.type in PROXIABLE_TYPES

    def fields(self) -> dict[str, Any]:
        """The record as a request body (what PATCH merges into)."""
        body: dict[str, Any] = {
            "type": self.type,
            "name": self.name,
            "content": self.content,
            "ttl": self.ttl,
            "proxied": self.proxied,
            "comment": self.comment,
            "tags": list(self.tags),
        }
        if self.data is not None:
            body["data"] = dict(self.data)
        if self.priority is not None:
            body["priority"] = self.priority
        return body


def record_json(record: DnsRecord, zone_name: str) -> dict[str, Any]:
    """The record as Cloudflare returns it."""
    data: dict[str, Any] = {
        "id": record.id,
        "zone_id": record.zone_id,
        "zone_name": zone_name,
        "name": record.name,
        "type": record.type,
        "content": record.content,
        "proxiable": record.proxiable,
        "proxied": record.proxied,
        "ttl": record.ttl,
        "settings": {},
        "meta": {},
        "comment": record.comment,
        "tags": list(record.tags),
        "created_on": record.created_on,
        "modified_on": record.modified_on,
    }
    if record.priority is not None:
        data["priority"] = record.priority
    if record.data is not None:
        data["data"] = dict(record.data)
    return data


# --- errors -------------------------------------------------------------------------------


def validation_error(code: int, message: str) -> ReplyError:
    """400 1004 "DNS Validation Error" with one error_chain entry."""
    return ReplyError(400, [ErrorDetail(VALIDATION_CODE, VALIDATION_MESSAGE, ((code, message),))])


def record_not_found() -> ReplyError:
    return ReplyError.single(404, 81044, "Record does not exist.")


def _required(name: str) -> ReplyError:
    return validation_error(9100, f"{name} is a required field.")


def _required_data(name: str) -> ReplyError:
    return validation_error(9101, f"{name} is a required data field.")


def _wrong_type(message: str) -> ReplyError:
    return validation_error(9022, message)


def _conflict(code: int, message: str) -> ReplyError:
    return ReplyError.single(400, code, message)


# --- normalisation ------------------------------------------------------------------------


def normalize_name(name: str, zone_name: str) -> str:
    """The stored FQDN for a name sent as "@", relative or full, any case, maybe with a dot."""
    zone = zone_name.lower().rstrip(".")
    value = name.lower()
    if value.endswith("."):
        value = value[:-1]
    if value == "@":
        return zone
    if value == zone or value.endswith("." + zone):
        return value
    return f"{value}.{zone}" if value else value


def _valid_fqdn(name: str) -> bool:
    if not name or len(name) > _MAX_NAME:
        return False
    labels = name.split(".")
    if labels[0] == "*":
        labels = labels[1:]
    return all(_LABEL_RE.fullmatch(label) for label in labels)


def quote_txt(content: str) -> str:
    """Cloudflare's stored TXT form: quoted character strings of at most 255 bytes each."""
    if _QUOTED_SEQUENCE_RE.fullmatch(content):
        return content
    chunks: list[str] = []
    current = ""
    size = 0
    for char in content:
        width = len(char.encode())
        if size + width > _MAX_TXT_CHUNK:
            chunks.append(current)
            current, size = "", 0
        current += char
        size += width
    chunks.append(current)
    return " ".join('"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"' for chunk in chunks)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Normalized:
    type: str
    name: str
    content: str
    data: dict[str, Any] | None
    ttl: int
    proxied: bool
    priority: int | None
    comment: str | None
    tags: tuple[str, ...]


def _normalize(zone: Zone, body: Mapping[str, Any]) -> _Normalized:
    """Validate a full record body (fields left out take their defaults) and normalise it."""
    record_type = body.get("type")
    if record_type is None or record_type == "":
        raise _required("type")
    if not isinstance(record_type, str) or record_type.upper() not in RECORD_TYPES:
        raise validation_error(9020, f"Unknown record type: {record_type}")
    record_type = record_type.upper()

    raw_name = body.get("name")
    if raw_name is None or raw_name == "":
        raise _required("name")
    if not isinstance(raw_name, str) or len(raw_name) > 255:
        raise validation_error(9000, "DNS name is invalid.")
    name = normalize_name(raw_name, zone.name)
    if not _valid_fqdn(name):
        raise validation_error(9000, "DNS name is invalid.")

    proxied = body.get("proxied", False)
    if proxied is None:
        proxied = False
    if not isinstance(proxied, bool):
        raise validation_error(9003, "Invalid 'proxied' value, must be a boolean")
    if proxied and record_type not in PROXIABLE_TYPES:
        raise validation_error(9004, "This kind of record cannot be proxied.")

    ttl = body.get("ttl", 1)
    if ttl is None:
        ttl = 1
    if proxied:
        ttl = 1
    else:
        minimum = 30 if zone.plan == "enterprise" else 60
        if not _is_int(ttl) or not (ttl == 1 or minimum <= ttl <= _MAX_TTL):
            raise validation_error(9021, TTL_MESSAGE)

    content, data, priority = _content(record_type, name, body)

    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise _wrong_type("comment must be a string or null.")
    tags = body.get("tags")
    if tags is None:
        tags = []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise _wrong_type("tags must be a list of strings.")
    return _Normalized(
        record_type, name, content, data, ttl, proxied, priority, comment, tuple(tags)
    )


def _content(
    record_type: str, name: str, body: Mapping[str, Any]
) -> tuple[str, dict[str, Any] | None, int | None]:
    """(content, data, priority) for the type; raises the type's validation error."""
    if record_type == "SRV":
        return _srv(body.get("data"))
    if record_type == "CAA":
        return _caa(body.get("data"))
    raw_data = body.get("data")
    priority = _optional_priority(body) if record_type == "URI" else None
    if record_type in _EITHER_TYPES and raw_data is not None:
        if not isinstance(raw_data, dict) or not raw_data:
            raise _wrong_type("data must be an object.")
        content = " ".join(str(value) for value in raw_data.values())
        return content, dict(raw_data), priority
    raw = body.get("content")
    if raw is None or raw == "":
        raise _required("content")
    if not isinstance(raw, str):
        raise _wrong_type("content must be a string.")
    if record_type == "A":
        try:
            ipaddress.IPv4Address(raw)
        except ValueError:
            raise validation_error(
                9005, "Content for A record must be a valid IPv4 address."
            ) from None
        return raw, None, None
    if record_type == "AAAA":
        try:
            if "%" in raw:
                raise ValueError(raw)
            compressed = ipaddress.IPv6Address(raw).compressed
        except ValueError:
            raise validation_error(
                9006, "Content for AAAA record must be a valid IPv6 address."
            ) from None
        return compressed, None, None
    if record_type == "TXT":
        return quote_txt(raw), None, None
    if record_type in _HOSTNAME_TYPES:
        host = raw.lower()
        if host.endswith("."):
            host = host[:-1]
        if record_type == "MX":
            priority = _required_priority(body)
            if _is_ip(host):
                raise validation_error(9009, MX_HOSTNAME_MESSAGE)
        if not host or any(char.isspace() for char in host) or ".." in host:
            raise validation_error(9007, f"Content for {record_type} record is invalid.")
        if record_type == "CNAME":
            if _is_ip(host):
                raise validation_error(9007, "Content for CNAME record is invalid.")
            if host == name:
                raise validation_error(9039, "CNAME content cannot reference itself.")
        return host, None, priority
    return raw, None, priority


def _priority_value(value: Any) -> int:
    if not _is_int(value) or not 0 <= value <= 65535:
        raise validation_error(
            9008, "Invalid priority, priority must be set and be between 0 and 65535"
        )
    result: int = value
    return result


def _required_priority(body: Mapping[str, Any]) -> int:
    value = body.get("priority")
    if value is None:
        raise _required("priority")
    return _priority_value(value)


def _optional_priority(body: Mapping[str, Any]) -> int | None:
    value = body.get("priority")
    return None if value is None else _priority_value(value)


def _data_object(raw: Any) -> dict[str, Any]:
    if raw is None:
        raise _required("data")
    if not isinstance(raw, dict):
        raise _wrong_type("data must be an object.")
    return raw


def _data_int(data: Mapping[str, Any], key: str, maximum: int) -> int:
    value = data.get(key)
    if value is None:
        raise _required_data(key)
    if not _is_int(value) or not 0 <= value <= maximum:
        raise _wrong_type(f"data.{key} must be an integer between 0 and {maximum}.")
    result: int = value
    return result


def _srv(raw: Any) -> tuple[str, dict[str, Any], int]:
    data = _data_object(raw)
    priority = _data_int(data, "priority", 65535)
    weight = _data_int(data, "weight", 65535)
    port = _data_int(data, "port", 65535)
    target = data.get("target")
    if target is None or target == "":
        raise _required_data("target")
    if not isinstance(target, str) or any(char.isspace() for char in target):
        raise validation_error(9007, "Content for SRV record is invalid.")
    target = target.lower()
    if target.endswith(".") and target != ".":
        target = target[:-1]
    normalized = {"port": port, "priority": priority, "target": target, "weight": weight}
    return f"{weight} {port} {target}", normalized, priority


def _caa(raw: Any) -> tuple[str, dict[str, Any], None]:
    data = _data_object(raw)
    flags = _data_int(data, "flags", 255)
    tag = data.get("tag")
    if tag is None or tag == "":
        raise _required_data("tag")
    if not isinstance(tag, str) or not _CAA_TAG_RE.fullmatch(tag):
        raise validation_error(9007, "Content for CAA record is invalid.")
    value = data.get("value")
    if value is None:
        raise _required_data("value")
    if not isinstance(value, str):
        raise _wrong_type("data.value must be a string.")
    normalized = {"flags": flags, "tag": tag, "value": value}
    return f'{flags} {tag} "{value}"', normalized, None


# --- changes ------------------------------------------------------------------------------


@dataclass
class DnsChanges:
    """Create, replace, patch and delete one zone's records inside ``records``.

    ``records`` is the State's dict, or a copy of it for an all-or-nothing batch. Every
    method validates first and changes ``records`` only when it succeeds; it raises ReplyError
    with Cloudflare's answer otherwise. ``now`` stamps created_on/modified_on.
    """

    records: MutableMapping[str, DnsRecord]
    zone: Zone
    now: str
    record_limit: int | None = None

    def get(self, record_id: Any) -> DnsRecord:
        record = self.records.get(record_id) if isinstance(record_id, str) else None
        if record is None or record.zone_id != self.zone.id:
            raise record_not_found()
        return record

    def zone_records(self) -> Iterable[DnsRecord]:
        return (r for r in self.records.values() if r.zone_id == self.zone.id)

    def create(self, body: Mapping[str, Any], record_id: str) -> DnsRecord:
        if record_id in self.records:
            raise ValueError(f"DNS record id {record_id} already exists")
        values = _normalize(self.zone, body)
        self._check_conflicts(values, None)
        if self.record_limit is not None:
            count = sum(1 for _ in self.zone_records())
            if count >= self.record_limit:
                raise _conflict(81045, "Record quota exceeded.")
        record = DnsRecord(
            id=record_id,
            zone_id=self.zone.id,
            **vars(values),
            created_on=self.now,
            modified_on=self.now,
        )
        self.records[record_id] = record
        return record

    def replace(self, record_id: Any, body: Mapping[str, Any]) -> DnsRecord:
        """PUT: the body is the whole record; fields left out take their defaults."""
        current = self.get(record_id)
        return self._update(current, body)

    def patch(self, record_id: Any, body: Mapping[str, Any]) -> DnsRecord:
        """PATCH: only the fields present in the body change."""
        current = self.get(record_id)
        merged = current.fields()
        merged.update({key: body[key] for key in RECORD_FIELDS if key in body})
        return self._update(current, merged)

    def delete(self, record_id: Any) -> DnsRecord:
        record = self.get(record_id)
        del self.records[record.id]
        return record

    def _update(self, current: DnsRecord, body: Mapping[str, Any]) -> DnsRecord:
        values = _normalize(self.zone, body)
        self._check_conflicts(values, current.id)
        record = replace(current, **vars(values), modified_on=self.now)
        self.records[current.id] = record
        return record

    def _check_conflicts(self, values: _Normalized, own_id: str | None) -> None:
        same_name = [r for r in self.zone_records() if r.name == values.name and r.id != own_id]
        types = {r.type for r in same_name}
        if values.type == "CNAME" and types & {"A", "AAAA", "CNAME"}:
            raise _conflict(81053, "An A, AAAA, or CNAME record with that host already exists.")
        if values.type in ("A", "AAAA") and "CNAME" in types:
            raise _conflict(
                81054,
                "A CNAME record with that host already exists. For more details, refer to "
                f"<{SAME_HOST_URL}>.",
            )
        if any(r.type == values.type and r.content == values.content for r in same_name):
            if own_id is None:
                raise _conflict(81057, "Record already exists.")
            raise _conflict(81058, "An identical record already exists.")
