"""The inputs of ``operation: dns``: the desired records, validated before any API call.

Records come from ``records`` (a YAML or JSON list, inline or in a ``.yml``/``.yaml``/
``.json`` file of the workspace) or from the single-record inputs (``type``, ``name``,
``content``, …). Each record is checked on its own (content for its type, ttl range,
proxying, MX priority) and the set as a whole (duplicates, a CNAME beside other records of
its name), by the rules of :mod:`cfaction.ops.dns.records`. Errors name the record:
``records[2] (A www)``. YAML is read with YAML 1.2 core scalars (:mod:`cfaction.documents`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cfaction.documents import (
    DocumentError,
    YAMLError,
    describe_yaml_error,
    load_yaml,
)
from cfaction.errors import InputError
from cfaction.ops import OPERATIONS
from cfaction.ops.base import LoadSource
from cfaction.ops.dns.records import (
    MAX_TTL,
    MIN_TTL,
    PROXIABLE,
    SETTABLE_FIELDS,
    TYPES,
    DesiredRecord,
    Mode,
    RecordValueError,
    check_content,
    set_errors,
)
from cfaction.problems import Problems
from cfaction.values import ZoneRef, int_between, parse_bool, shown

DNS_INPUTS: Final = OPERATIONS["dns"].inputs
"""The dns inputs, with the defaults action.yml gives them (declared with the
operation in :mod:`cfaction.ops`, which a run reads before importing this package)."""

SHORTHAND: Final = ("type", "name", "content", "ttl", "proxied", "priority", "comment", "tags")
RECORD_FIELDS: Final = SETTABLE_FIELDS | {"state", "mode"}
"""What a desired record may say: the API's fields, and how cfaction treats its group."""
MAX_BATCH_LIMIT: Final = 3500
RECORD_FILE_SUFFIXES: Final = (".yml", ".yaml", ".json")

_NAME: Final = re.compile(
    r"^(@|(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
    r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?|\*)$"
)
_TAG: Final = re.compile(r"^[^:\s]{1,32}:.{0,100}$")


@dataclass(frozen=True)
class DnsInputs:
    zone: ZoneRef
    records: tuple[DesiredRecord, ...]
    default_mode: Mode | None = None
    batch_limit: int = 200


def load(source: LoadSource, problems: Problems) -> DnsInputs | None:
    """Parse and check the DNS inputs (best effort: every error goes to ``problems``)."""
    inputs = source.inputs
    before = len(problems.errors)
    default_mode = problems.attempt(lambda: _mode(inputs.given("mode").lower()), None)
    batch_limit = problems.attempt(
        lambda: int_between(1, MAX_BATCH_LIMIT)("batch_limit", inputs.text("batch_limit")), 200
    )
    no_records: list[Mapping[str, Any]] = []
    raw_records = problems.attempt(lambda: _raw_records(source), no_records)
    shorthand = len(raw_records) == 1 and not inputs.given("records")
    records: list[DesiredRecord] = []
    for index, raw in enumerate(raw_records):
        try:
            records.append(parse_record(_label(index, raw, shorthand), raw, problems))
        except InputError as invalid:
            problems.add(invalid)
    if len(problems.errors) == before:
        # The set is judged only once every record is valid on its own.
        for error in set_errors(records):
            problems.add(error)
    if not source.zones:
        if source.zones is not None:  # None: zone is invalid and reported already
            problems.add(
                InputError(
                    "zone",
                    "is required for operation dns.",
                    "Set zone to the zone's domain (example.com) or its ID.",
                )
            )
        return None
    return DnsInputs(source.zones[0], tuple(records), default_mode, batch_limit)


def _mode(text: str) -> Mode | None:
    if not text:
        return None
    if text not in ("replace", "add"):
        raise InputError(
            "mode",
            f"'{text}' is not a mode.",
            "Write replace or add (or leave it empty: replace for A, AAAA and CNAME, add for "
            "the other types).",
        )
    return "replace" if text == "replace" else "add"


def _raw_records(source: LoadSource) -> list[Mapping[str, Any]]:
    inputs = source.inputs
    text = inputs.given("records")
    shorthand = [name for name in SHORTHAND if inputs.given(name)]
    if text and shorthand:
        raise InputError(
            "records",
            f"is given together with {', '.join(shorthand)}.",
            "Describe every record in records, or use the single-record inputs (type, name, "
            "content, …) without records.",
        )
    if text:
        return _records_document(text, source)
    if not shorthand:
        raise InputError(
            "records",
            "no DNS records were given.",
            "Set records to a YAML list of records, or set type, name and content.",
        )
    raw: dict[str, Any] = {name: inputs.given(name) for name in shorthand}
    if "tags" in raw:
        raw["tags"] = [t.strip() for t in re.split(r"[,\n]", raw["tags"]) if t.strip()]
    return [raw]


def _records_document(text: str, source: LoadSource) -> list[Mapping[str, Any]]:
    where = "records"
    if "\n" not in text and text.lower().endswith(RECORD_FILE_SUFFIXES):
        where = f"records file {text}"
        text = source.workspace.read_text(
            "records",
            text,
            missing_fix="Check the path (relative to the repository root) and that the "
            "checkout step ran before this one.",
        )
    try:
        document = load_yaml(text)
    except YAMLError as error:
        raise InputError(
            "records",
            f"{where} is not valid YAML or JSON{describe_yaml_error(error)}.",
            "Check the indentation; quote values that start with @, *, & or ! (name: '@').",
        ) from None
    except DocumentError as error:
        raise InputError("records", f"{where} {error.problem}.", error.fix) from None
    if isinstance(document, Mapping) and "records" in document:
        document = document["records"]
    if not isinstance(document, list) or not all(isinstance(r, Mapping) for r in document):
        raise InputError(
            "records",
            f"{where} is not a list of records.",
            "Write a YAML list, e.g.\n- {type: A, name: www, content: 192.0.2.1}",
        )
    if not document:
        raise InputError("records", f"{where} is an empty list.", "List at least one record.")
    return list(document)


def _label(index: int, raw: Mapping[str, Any], shorthand: bool) -> str:
    rtype, name = (_label_value(raw.get(key, "?")) for key in ("type", "name"))
    what = f"{rtype.upper()} {name}"
    return f"the record ({what})" if shorthand else f"records[{index}] ({what})"


Fault = Callable[[str, str], InputError]
"""``(problem, fix) -> InputError`` naming one record."""


def parse_record(label: str, raw: Mapping[str, Any], problems: Problems) -> DesiredRecord:
    """One record, checked on its own."""

    def fail(problem: str, fix: str) -> InputError:
        return InputError("records", f"{label}: {problem}", fix)

    unknown = sorted(set(map(str, raw)) - RECORD_FIELDS)
    if unknown:
        raise fail(
            f"has unknown fields {', '.join(shown(u, 40) for u in unknown)}.",
            f"Use only {', '.join(sorted(RECORD_FIELDS))}.",
        )
    _check_shapes(raw, fail)
    rtype = str(raw.get("type") or "").strip().upper()
    if rtype not in TYPES:
        raise fail(
            f"type '{shown(rtype)}' is not a DNS record type.",
            f"Write one of {', '.join(sorted(TYPES))}.",
        )
    name = str(raw.get("name") or "").strip().lower()
    if not name or not _NAME.match(name):
        raise fail(
            f"name '{shown(name)}' is not a record name.",
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
            f"ttl {shown(str(ttl))} is out of range.",
            f"Write 1 (automatic) or a number of seconds from {MIN_TTL} to {MAX_TTL}.",
        )
    if proxied and ttl not in (None, 1):
        problems.warn(
            "records", f"{label}: ttl {ttl} is ignored: a proxied record's ttl is automatic (1)."
        )
        ttl = 1
    priority = _int(raw.get("priority"), "priority", fail)
    if priority is not None and not 0 <= priority <= 65535:
        raise fail(
            f"priority {shown(str(priority))} is out of range.", "Write a number from 0 to 65535."
        )
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


SCALAR_FIELDS: Final = ("type", "name", "content", "ttl", "proxied", "priority", "comment")
_KINDS: Final = {list: "a list", dict: "a mapping"}


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def _label_value(value: Any) -> str:
    """A field's value for a label: itself, cut short, or ``?`` when it is not one value."""
    return shown(str(value), 40) if _is_scalar(value) else "?"


def _kind(value: Any) -> str:
    return next((kind for t, kind in _KINDS.items() if isinstance(value, t)), "not a value")


def _check_shapes(raw: Mapping[str, Any], fail: Fault) -> None:
    """Fields that hold one value hold one (a YAML list or mapping would otherwise reach the
    API as its Python text), tags are a list of values, data a mapping of values."""
    for key in (*SCALAR_FIELDS, "state", "mode"):
        value = raw.get(key)
        if not _is_scalar(value):
            raise fail(
                f"{key} is {_kind(value)}, not a single value.",
                f"Write {key} as one value, quoted if it holds brackets or commas (content: "
                '"v=spf1 -all"); give each value a record of its own.',
            )
    tags = raw.get("tags")
    if isinstance(tags, list) and not all(_is_scalar(tag) for tag in tags):
        raise fail("tags holds a list or mapping.", "Write tags as a list of name:value strings.")
    if not _is_scalar(tags) and not isinstance(tags, list):
        raise fail("tags is a mapping.", "Write tags as a list of name:value strings.")
    data = raw.get("data")
    if isinstance(data, Mapping) and not all(
        isinstance(key, str) and _is_scalar(value) for key, value in data.items()
    ):
        raise fail(
            "data holds a list or mapping, or a key that is not text.",
            "Write data as a mapping of field names to values, e.g. {port: 443, ...}.",
        )


def _content(rtype: str, value: Any, fail: Fault) -> str | None:
    if value is None or value == "":
        return None
    try:
        return check_content(rtype, str(value).strip())
    except RecordValueError as error:
        raise fail(error.problem, error.fix) from None


def _bool(value: Any, what: str, fail: Fault) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    try:
        return parse_bool(what, str(value))
    except InputError:
        text = shown(str(value))
        raise fail(f"{what} '{text}' is not a boolean.", "Write true or false.") from None


def _int(value: Any, what: str, fail: Fault) -> int | None:
    if value is None or value == "":
        return None
    text = shown(str(value))
    if isinstance(value, bool):
        raise fail(f"{what} '{text}' is not a number.", "Write a whole number.")
    try:
        return int(str(value).strip())
    except ValueError:  # not a number, or more digits than Python converts (4,300)
        raise fail(f"{what} '{text}' is not a number.", "Write a whole number.") from None


def _tags(value: Any, fail: Fault) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    tags = tuple(str(item).strip() for item in items)
    for tag in tags:
        if not _TAG.match(tag):
            raise fail(
                f"tag '{shown(tag)}' is not name:value.",
                "Write tags as name:value (name up to 32 characters, value up to 100).",
            )
    return tags
