"""The inputs of ``operation: dns``: the desired records, validated before any API call.

Records come from ``records`` (a YAML or JSON list, inline or in a ``.yml``/``.yaml``/
``.json`` file of the workspace) or from the single-record inputs (``type``, ``name``,
``content``, …). Each record is checked on its own (content for its type, ttl range,
proxying, MX priority) and the set is checked as a whole (duplicates, a CNAME beside other
records of its name). Errors name the record: ``records[2] (A www)``.

YAML is read with booleans limited to true/false (any case), as for the inputs themselves:
YAML 1.1 would read ``proxied: yes`` or ``name: on`` as booleans without a word.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from cfaction.credentials import InputWarning
from cfaction.errors import InputError
from cfaction.inputs.values import int_between, parse_bool

DNS_DEFAULTS: Final[Mapping[str, str]] = {
    "records": "",
    "type": "",
    "name": "",
    "content": "",
    "ttl": "",
    "proxied": "",
    "priority": "",
    "comment": "",
    "mode": "",
    "batch_limit": "200",
}
"""The DNS inputs (``tags`` is shared with purge), with the defaults action.yml gives them."""

SHORTHAND: Final = ("type", "name", "content", "ttl", "proxied", "priority", "comment", "tags")
RECORD_FIELDS: Final = frozenset(
    {
        "type",
        "name",
        "content",
        "data",
        "ttl",
        "proxied",
        "priority",
        "comment",
        "tags",
        "state",
        "mode",
    }
)
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
MAX_BATCH_LIMIT: Final = 3500
MIN_TTL, MAX_TTL = 60, 86400
RECORD_FILE_SUFFIXES: Final = (".yml", ".yaml", ".json")

_NAME: Final = re.compile(
    r"^(@|(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
    r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?|\*)$"
)
_HOST: Final = re.compile(
    r"^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
    r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$"
)
_TAG: Final = re.compile(r"^[^:\s]{1,32}:.{0,100}$")

State = Literal["present", "absent"]
Mode = Literal["replace", "add"]


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


@dataclass(frozen=True)
class DnsInputs:
    records: tuple[DesiredRecord, ...]
    default_mode: Mode | None = None
    batch_limit: int = 200
    warnings: tuple[InputWarning, ...] = field(default=())


def load_dns(values: Mapping[str, str], workspace: Path) -> tuple[DnsInputs, list[InputError]]:
    """Parse and check the DNS inputs; returns the inputs (best effort) and every error."""
    errors: list[InputError] = []
    warnings: list[InputWarning] = []
    default_mode: Mode | None = None
    mode_text = values.get("mode", "").strip().lower()
    if mode_text:
        if mode_text in ("replace", "add"):
            default_mode = "replace" if mode_text == "replace" else "add"
        else:
            errors.append(
                InputError(
                    "mode",
                    f"'{mode_text}' is not a mode.",
                    "Write replace or add (or leave it empty: replace for A, "
                    "AAAA and CNAME, add for the other types).",
                )
            )
    batch_limit = 200
    try:
        text = values.get("batch_limit", "").strip() or DNS_DEFAULTS["batch_limit"]
        batch_limit = int_between(1, MAX_BATCH_LIMIT)("batch_limit", text)
    except InputError as error:
        errors.append(error)

    records: list[DesiredRecord] = []
    try:
        raw_records = _raw_records(values, workspace)
        for index, raw in enumerate(raw_records):
            label = _label(index, raw, len(raw_records) == 1 and not values.get("records"))
            try:
                records.append(parse_record(label, raw, warnings))
            except InputError as error:
                errors.append(error)
        if not errors:
            errors.extend(set_errors(records))
    except InputError as error:
        errors.append(error)
    return DnsInputs(tuple(records), default_mode, batch_limit, tuple(warnings)), errors


def _raw_records(values: Mapping[str, str], workspace: Path) -> list[Mapping[str, Any]]:
    text = values.get("records", "").strip()
    shorthand = [name for name in SHORTHAND if values.get(name, "").strip()]
    if text and shorthand:
        raise InputError(
            "records",
            f"is given together with {', '.join(shorthand)}.",
            "Describe every record in records, or use the single-record inputs (type, name, "
            "content, …) without records.",
        )
    if text:
        return _records_document(text, workspace)
    if not shorthand:
        raise InputError(
            "records",
            "no DNS records were given.",
            "Set records to a YAML list of records, or set type, name and content.",
        )
    raw: dict[str, Any] = {name: values[name].strip() for name in shorthand}
    if "tags" in raw:
        raw["tags"] = [t.strip() for t in re.split(r"[,\n]", raw["tags"]) if t.strip()]
    return [raw]


def _records_document(text: str, workspace: Path) -> list[Mapping[str, Any]]:
    source = "records"
    if "\n" not in text and text.lower().endswith(RECORD_FILE_SUFFIXES):
        path = _workspace_file(text, workspace)
        source = f"records file {text}"
        text = path.read_text(encoding="utf-8")
    try:
        document = yaml.load(text, Loader=_StrictBoolLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(
            "records",
            f"{source} is not valid YAML or JSON{where}: {getattr(error, 'problem', error)}.",
            "Check the indentation; quote values that start with @, *, & or ! (name: '@').",
        ) from None
    if isinstance(document, Mapping) and "records" in document:
        document = document["records"]
    if not isinstance(document, list) or not all(isinstance(r, Mapping) for r in document):
        raise InputError(
            "records",
            f"{source} is not a list of records.",
            "Write a YAML list, e.g.\n- {type: A, name: www, content: 192.0.2.1}",
        )
    if not document:
        raise InputError("records", f"{source} is an empty list.", "List at least one record.")
    return list(document)


def _workspace_file(text: str, workspace: Path) -> Path:
    root = workspace.resolve()
    path = (root / text).resolve()
    if root != path and root not in path.parents:
        raise InputError(
            "records",
            f"'{text}' is outside the workspace.",
            "Give a path relative to the repository checkout.",
        )
    if not path.is_file():
        raise InputError(
            "records",
            f"the file '{text}' does not exist in the workspace.",
            "Check the path (relative to the repository root) and that the "
            "checkout step ran before this one.",
        )
    return path


def workspace_root(environ: Mapping[str, str]) -> Path:
    """The runner's workspace, or the current directory outside GitHub."""
    return Path(environ.get("GITHUB_WORKSPACE") or os.getcwd())


def _label(index: int, raw: Mapping[str, Any], shorthand: bool) -> str:
    what = f"{str(raw.get('type', '?')).upper()} {raw.get('name', '?')}"
    return f"the record ({what})" if shorthand else f"records[{index}] ({what})"


def parse_record(label: str, raw: Mapping[str, Any], warnings: list[InputWarning]) -> DesiredRecord:
    """One record, checked on its own."""

    def fail(problem: str, fix: str) -> InputError:
        return InputError("records", f"{label}: {problem}", fix)

    unknown = sorted(set(map(str, raw)) - RECORD_FIELDS)
    if unknown:
        raise fail(
            f"has unknown fields {', '.join(unknown)}.",
            f"Use only {', '.join(sorted(RECORD_FIELDS))}.",
        )
    rtype = str(raw.get("type") or "").strip().upper()
    if rtype not in TYPES:
        raise fail(
            f"type '{rtype}' is not a DNS record type.", f"Write one of {', '.join(sorted(TYPES))}."
        )
    name = str(raw.get("name") or "").strip().lower()
    if not name or not _NAME.match(name):
        raise fail(
            f"name '{name}' is not a record name.",
            "Write '@' for the zone apex, a name relative to the zone (www), or a full "
            "name (www.example.com).",
        )
    state = str(raw.get("state") or "present").strip().lower()
    if state not in ("present", "absent"):
        raise fail(f"state '{state}' is not present or absent.", "Write present or absent.")
    mode = str(raw.get("mode") or "").strip().lower() or None
    if mode not in (None, "replace", "add"):
        raise fail(f"mode '{mode}' is not replace or add.", "Write replace or add.")
    content = _content(rtype, raw.get("content"), fail)
    data = raw.get("data")
    if data is not None and not isinstance(data, Mapping):
        raise fail("data is not a mapping.", "Write data as a mapping, e.g. {port: 443, ...}.")
    if state == "present" and content is None and data is None:
        raise fail("has no content (or data).", "Give content, or data for structured types.")
    proxied = _bool(raw.get("proxied"), "proxied", fail)
    if proxied and rtype not in PROXIABLE:
        raise fail(
            f"a {rtype} record cannot be proxied.",
            "Only A, AAAA and CNAME records can be proxied: remove proxied.",
        )
    ttl = _int(raw.get("ttl"), "ttl", fail)
    if ttl is not None and ttl != 1 and not MIN_TTL <= ttl <= MAX_TTL:
        raise fail(
            f"ttl {ttl} is out of range.",
            f"Write 1 (automatic) or a number of seconds from {MIN_TTL} to {MAX_TTL}.",
        )
    if proxied and ttl not in (None, 1):
        warnings.append(
            InputWarning(
                "records",
                f"{label}: ttl {ttl} is ignored: a proxied record's ttl is automatic (1).",
            )
        )
        ttl = 1
    priority = _int(raw.get("priority"), "priority", fail)
    if priority is not None and not 0 <= priority <= 65535:
        raise fail(f"priority {priority} is out of range.", "Write a number from 0 to 65535.")
    if rtype == "MX" and state == "present" and priority is None:
        raise fail("an MX record needs a priority.", "Add priority, e.g. priority: 10.")
    comment = raw.get("comment")
    if comment is not None and not isinstance(comment, str):
        comment = str(comment)
    return DesiredRecord(
        label=label,
        type=rtype,
        name=name.rstrip("."),
        content=content,
        data=dict(data) if data is not None else None,
        ttl=ttl,
        proxied=proxied,
        priority=priority,
        comment=comment,
        tags=_tags(raw.get("tags"), fail),
        state="absent" if state == "absent" else "present",
        mode="add" if mode == "add" else ("replace" if mode == "replace" else None),
    )


def _content(rtype: str, value: Any, fail: Any) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if rtype == "A":
        try:
            ipaddress.IPv4Address(text)
        except ValueError:
            raise fail(
                f"content '{text}' is not an IPv4 address.",
                "Write an address such as 192.0.2.10 (an IPv6 address needs type AAAA).",
            ) from None
    elif rtype == "AAAA":
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            raise fail(
                f"content '{text}' is not an IPv6 address.",
                "Write an address such as 2001:db8::10 (an IPv4 address needs type A).",
            ) from None
    elif rtype in HOSTNAME_CONTENT and not _HOST.match(text.lower()):
        raise fail(
            f"content '{text}' is not a hostname.",
            f"A {rtype} record points to a hostname, e.g. target.example.net.",
        )
    return text


def _bool(value: Any, what: str, fail: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    try:
        return parse_bool(what, str(value))
    except InputError:
        raise fail(f"{what} '{value}' is not a boolean.", "Write true or false.") from None


def _int(value: Any, what: str, fail: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise fail(f"{what} '{value}' is not a number.", "Write a whole number.")
    try:
        return int(str(value).strip())
    except ValueError:
        raise fail(f"{what} '{value}' is not a number.", "Write a whole number.") from None


def _tags(value: Any, fail: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    tags = tuple(str(item).strip() for item in items)
    for tag in tags:
        if not _TAG.match(tag):
            raise fail(
                f"tag '{tag}' is not name:value.",
                "Write tags as name:value (name up to 32 characters, value up to 100).",
            )
    return tags


def content_key(record: DesiredRecord) -> str:
    """What makes two desired records of a group the same record."""
    if record.data is not None:
        return json.dumps(record.data, sort_keys=True, default=str)
    return (
        (record.content or "").lower()
        if record.type in HOSTNAME_CONTENT
        else (record.content or "")
    )


def set_errors(records: list[DesiredRecord]) -> list[InputError]:
    """Errors of the set as a whole, on names as written (full-name twins are checked again
    once the zone is known)."""
    errors: list[InputError] = []
    seen: dict[tuple[str, str, str], str] = {}
    for record in records:
        if record.state != "present":
            continue
        key = (record.name, record.type, content_key(record))
        if key in seen:
            errors.append(
                InputError(
                    "records", f"{record.label} repeats {seen[key]}.", "List each record once."
                )
            )
        seen.setdefault(key, record.label)
    present = [r for r in records if r.state == "present"]
    for record in present:
        if record.type != "CNAME":
            continue
        others = [r for r in present if r.name == record.name and r is not record]
        if others:
            errors.append(
                InputError(
                    "records",
                    f"{record.label}: a CNAME cannot share its name with other records "
                    f"({', '.join(r.label for r in others)}).",
                    "Keep the CNAME alone at its name, or replace it with A/AAAA records.",
                )
            )
    return errors


class _StrictBoolLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars: booleans only true/false in any case, and
    no YAML 1.1 sexagesimal (``1:30`` = 90) or leading-zero octal (``0755`` = 493) numbers:
    those stay strings."""


_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_StrictBoolLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9]+[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
