"""YAML and JSON documents given in inputs: YAML 1.2 core scalars, and bounded resources.

PyYAML implements YAML 1.1, which reads ``proxied: yes``, ``name: on``, ``ttl: 1:30`` (90)
and ``0755`` (493) as booleans and numbers without a word. Inputs follow the YAML 1.2 core
schema instead (https://yaml.org/spec/1.2.2/#1032-tag-resolution), like the inputs
themselves (``@actions/core`` ``getBooleanInput``): booleans are only true/false in any
case, numbers are decimal, ``0o`` octal or ``0x`` hex, null is ``null``, ``~`` or nothing,
and everything else stays a string (no YAML 1.1 timestamps); only those types, lists and
mappings are built, so a document always has a JSON shape (``!!set``, ``!!binary``,
``!!omap`` and other explicit tags are refused).

Every document is read with bounded resources, whatever its author meant:

* **nesting**: at most :data:`MAX_DEPTH` levels of lists and mappings (parsers recurse per
  level; a few kilobytes of ``[[[[…`` would otherwise exhaust the stack);
* **aliases**: ``*name`` refers to an ``&name`` node, and nothing stops a document of a few
  hundred bytes from standing for billions of strings ("billion laughs",
  https://en.wikipedia.org/wiki/Billion_laughs_attack): what the aliases of one document
  stand for is counted, and more than :data:`MAX_ALIAS_EXPANSION` is refused, as is an
  alias inside the node it names;
* **size**: YAML text longer than :data:`MAX_YAML_CHARS` is not parsed (PyYAML builds the
  document in Python, about a second per megabyte);
* **numbers**: an integer of more than :data:`MAX_NUMBER_DIGITS` digits is refused (Python
  refuses to convert more than 4,300 digits to or from text, so such a value could not even
  be printed in a message);
* **duplicate keys**: a key given twice in one mapping or object is an error
  (:class:`DuplicateKeyError`): one of the two values would otherwise be lost silently.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, ClassVar, Final

from cfaction.values import NOT_UTF8, shown

MAX_DEPTH: Final = 64
"""The deepest nesting of lists and mappings a document may have (far more than any real
input: a wrangler config needs about 5)."""
MAX_JSON_DEPTH: Final = MAX_DEPTH
MAX_YAML_CHARS: Final = 4 * 1024 * 1024
"""The longest YAML text read: about 50,000 DNS records, parsed in a few seconds."""
MAX_ALIAS_EXPANSION: Final = 1_000_000
"""What the aliases of one document may stand for, counted as the values they repeat plus
the characters of their strings: room for a ``<<: *defaults`` in every one of thousands of
records, and about a megabyte at most."""
MAX_NUMBER_DIGITS: Final = 100
"""The longest integer read (a 64-bit integer has 20 digits)."""


class DocumentError(ValueError):
    """A document refused for its shape rather than its syntax; ``problem`` completes "the
    input …" and ``fix`` says what to write instead."""

    def __init__(self, problem: str, fix: str, *, line: int | None = None) -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__(problem + where)
        self.problem = problem + where
        self.fix = fix
        self.line = line


class DuplicateKeyError(DocumentError):
    """A mapping or JSON object names a key twice: one of the two values would be lost."""

    def __init__(self, key: str, *, line: int | None = None) -> None:
        super().__init__(
            f"names the key {shown(key)!r} twice",
            "Give each key once: the second value would silently replace the first.",
            line=line,
        )
        self.key = key


class YAMLError(ValueError):
    """Text that is not valid YAML: PyYAML's problem, and where (1-based), when known."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.column = column


# --- YAML -------------------------------------------------------------------------------


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


_NUMBER_LIMIT: Final = 10**MAX_NUMBER_DIGITS


def long_number_error(digits: int | None, line: int | None = None) -> DocumentError:
    count = f"{digits:,}" if digits is not None else f"more than {MAX_NUMBER_DIGITS}"
    return DocumentError(
        f"has a number of {count} digits; at most {MAX_NUMBER_DIGITS} are read",
        "Quote it to keep it as text, or write a smaller number.",
        line=line,
    )


_CORE: Final = "tag:yaml.org,2002:"
_REPLACED: Final = {f"{_CORE}{name}" for name in ("bool", "int", "float", "timestamp", "value")}
"""PyYAML's YAML 1.1 implicit tags that the core schema reads otherwise, or not at all."""


@functools.cache
def _loader() -> tuple[Any, type[Exception]]:
    """The loader class and PyYAML's error class, built on first use, so that only a run
    that reads YAML imports PyYAML (a purge never does)."""
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import ConstructorError, SafeConstructor
    from yaml.events import AliasEvent, CollectionStartEvent, Event
    from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
    from yaml.resolver import Resolver

    parser: Any
    try:  # libyaml's parser, when PyYAML was built with it (the wheels are): 3x faster
        from yaml._yaml import CParser

        parser = CParser
    except ImportError:  # a PyYAML built without libyaml: the same parser in Python
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class PythonParser(Reader, Scanner, Parser):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)

        parser = PythonParser

    class _CoreResolver(Resolver):
        """The YAML 1.2 core schema's implicit tags (and ``<<`` merge keys)."""

    _CoreResolver.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
        for first, resolvers in Resolver.yaml_implicit_resolvers.items()
    }
    _CoreResolver.add_implicit_resolver(
        f"{_CORE}bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    _CoreResolver.add_implicit_resolver(
        f"{_CORE}int",
        re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-+0123456789"),
    )
    _CoreResolver.add_implicit_resolver(
        f"{_CORE}float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?[0-9]+[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+.0123456789"),
    )

    class _BoundedComposer(Composer):
        """PyYAML's composer, counting nesting and what aliases stand for as it goes."""

        if TYPE_CHECKING:  # the parser's, mixed in beside this class

            def peek_event(self) -> Event | None: ...

        def __init__(self) -> None:
            super().__init__()
            self._depth = 0
            self._expanded = 0
            self._open: set[str] = set()  # anchors of the collections being composed
            self._sizes: dict[int, int] = {}

        def compose_node(self, parent: Node | None, index: Any) -> Node | None:
            event = self.peek_event()
            if isinstance(event, AliasEvent):
                self._count_alias(event)
            if not isinstance(event, CollectionStartEvent):
                return super().compose_node(parent, index)
            self._depth += 1
            anchor = event.anchor
            try:
                if self._depth > MAX_DEPTH:
                    raise DocumentError(
                        f"nests deeper than {MAX_DEPTH} levels of lists and mappings",
                        "Write a flatter document: no input needs that many levels.",
                        line=_line(event.start_mark),
                    )
                if anchor is not None:
                    self._open.add(anchor)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
                if anchor is not None:
                    self._open.discard(anchor)

        def _count_alias(self, event: AliasEvent) -> None:
            line = _line(event.start_mark)
            if event.anchor in self._open:
                raise DocumentError(
                    f"has the alias *{shown(event.anchor, 30)} inside the value it names, "
                    "which would repeat without end",
                    "Write the value out instead of the alias.",
                    line=line,
                )
            target = self.anchors.get(event.anchor)
            if target is None:
                return  # PyYAML reports the undefined alias
            self._expanded += self._size(target)
            if self._expanded > MAX_ALIAS_EXPANSION:
                raise DocumentError(
                    f"has YAML aliases (*name) that stand for more than {MAX_ALIAS_EXPANSION:,} "
                    "values and characters",
                    "Write the values out, or use fewer aliases (an alias repeats everything "
                    "its anchor names).",
                    line=line,
                )

        def _size(self, node: Node) -> int:
            """What ``node`` stands for, aliases inside it expanded (memoised: nodes a document
            repeats are the same objects, so this costs one visit per distinct node)."""
            known = self._sizes.get(id(node))
            if known is not None:
                return known
            if isinstance(node, ScalarNode):
                size = 1 + len(node.value)
            elif isinstance(node, SequenceNode):
                size = 1 + sum(self._size(item) for item in node.value)
            elif isinstance(node, MappingNode):
                size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
            else:  # PyYAML has no other node kind
                size = 1
            self._sizes[id(node)] = size
            return size

    def _refuse_tag(constructor: SafeConstructor, node: Node) -> Any:
        raise ConstructorError(
            None,
            None,
            f"the tag {node.tag!r} is not read here: write plain values, lists and mappings",
            node.start_mark,
        )

    class _CoreConstructor(SafeConstructor):
        """SafeConstructor building only JSON's types, refusing duplicate keys and long numbers."""

        yaml_constructors: ClassVar[dict[Any, Any]] = {
            **{
                tag: constructor
                for tag, constructor in SafeConstructor.yaml_constructors.items()
                if tag in {f"{_CORE}{name}" for name in ("null", "bool", "int", "float", "str")}
                or tag in {f"{_CORE}seq", f"{_CORE}map"}
            },
            None: _refuse_tag,  # every other tag, explicit (!!set, !!binary) or unknown
        }

        def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
            if isinstance(node, MappingNode):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    if key_node.tag == f"{_CORE}merge":
                        continue  # merged keys may be overridden: that is what << is for
                    key = self.construct_object(key_node, deep=True)
                    if not isinstance(key, Hashable):
                        continue  # PyYAML reports the unhashable key
                    if key in seen:
                        raise DuplicateKeyError(str(key), line=_line(key_node.start_mark))
                    seen.add(key)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return mapping

        def construct_yaml_int(self, node: ScalarNode) -> int:
            digits = len(str(node.value).lstrip("+-"))
            if digits > MAX_NUMBER_DIGITS:
                raise long_number_error(digits, _line(node.start_mark))
            value: int = self._scalar(SafeConstructor.construct_yaml_int, node, "an integer")
            return value

        def construct_yaml_float(self, node: ScalarNode) -> float:
            value: float = self._scalar(SafeConstructor.construct_yaml_float, node, "a number")
            return value

        def construct_yaml_bool(self, node: ScalarNode) -> bool:
            value: bool = self._scalar(SafeConstructor.construct_yaml_bool, node, "a boolean")
            return value

        def _scalar(self, construct: Any, node: ScalarNode, kind: str) -> Any:
            """``construct(self, node)``; a value an explicit tag (``!!int x``) cannot hold is a
            YAML error, not a crash."""
            try:
                return construct(self, node)
            except (ValueError, KeyError, TypeError):
                raise ConstructorError(
                    None, None, f"{shown(str(node.value))!r} is not {kind}", node.start_mark
                ) from None

    for _name in ("int", "float", "bool"):
        _CoreConstructor.add_constructor(
            f"{_CORE}{_name}", getattr(_CoreConstructor, f"construct_yaml_{_name}")
        )

    class _CoreSchemaLoader(parser, _BoundedComposer, _CoreConstructor, _CoreResolver):  # type: ignore[misc]
        """libyaml's parser (when there), the bounded composer, the core-schema constructor."""

        def __init__(self, stream: str) -> None:
            parser.__init__(self, stream)
            _BoundedComposer.__init__(self)
            _CoreConstructor.__init__(self)
            _CoreResolver.__init__(self)

        # CParser composes in C, past any bound: these must be the Python composer's.
        get_single_node = Composer.get_single_node
        compose_document = Composer.compose_document
        check_node = Composer.check_node
        get_node = Composer.get_node

    return _CoreSchemaLoader, yaml.YAMLError


def load_yaml(text: str) -> Any:
    """The document in ``text`` (YAML, and so JSON), read with bounded resources.

    :raises YAMLError: when it is not valid YAML (with the line and column, when known).
    :raises DocumentError: when it is too long or too deep, its aliases stand for too much,
        a number is too long, or (:class:`DuplicateKeyError`) a mapping names a key twice.
    """
    if len(text) > MAX_YAML_CHARS:
        raise DocumentError(
            f"has {len(text):,} characters; at most {MAX_YAML_CHARS:,} are read as YAML",
            "Split it, or leave out what the step does not need.",
        )
    bad = NOT_UTF8.search(text)
    if bad is not None:  # libyaml takes UTF-8 only, and such a character has none
        raise DocumentError(
            f"is not UTF-8 text: character {bad.start() + 1} is a byte that is not UTF-8",
            "Save the text as UTF-8.",
        )
    loader_class, pyyaml_error = _loader()
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    except pyyaml_error as error:
        document = _as_json(text)
        if document is not _NOT_JSON:
            return document
        error = _python_parser_error(text) or error
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise YAMLError(
            problem, mark.line + 1 if mark else None, mark.column + 1 if mark else None
        ) from None
    except RecursionError:  # a safety net: MAX_DEPTH stops nesting long before
        raise DocumentError("nests too deeply to be read", "Write a flatter document.") from None
    finally:
        loader.dispose()


_NOT_JSON: Final = object()


def _as_json(text: str) -> Any:
    """``text`` read as JSON when it is JSON that PyYAML refused (it cannot read a surrogate
    pair escape such as ``\\ud83d\\ude00``), else :data:`_NOT_JSON`."""
    if text.lstrip()[:1] not in ("[", "{"):
        return _NOT_JSON
    try:
        document = load_json(text)
    except json.JSONDecodeError:
        return _NOT_JSON
    if NOT_UTF8.search(json.dumps(document, ensure_ascii=False)):
        raise DocumentError(
            "has a \\u escape of half a surrogate pair, which stands for no character",
            "Write the character itself, or escape both halves of the pair.",
        )
    return document


def _python_parser_error(text: str) -> Exception | None:
    """The error PyYAML's Python parser finds in ``text``, which names the character it
    stopped at (libyaml's says only "found character that cannot start any token").
    Only events are produced, so nothing is composed or expanded."""
    import yaml

    try:
        for _event in yaml.parse(text, Loader=yaml.SafeLoader):
            pass
    except yaml.YAMLError as error:
        return error
    return None


def describe_yaml_error(error: YAMLError) -> str:
    """Where and why a document did not parse, for a message: ``at line 2, column 5: …``."""
    where = f" at line {error.line}, column {error.column}" if error.line is not None else ""
    return f"{where}: {error.problem}"


# --- JSON -------------------------------------------------------------------------------


def load_json(text: str) -> Any:
    """The JSON document in ``text``, refusing duplicate keys, deep nesting, long numbers.

    :raises DuplicateKeyError: for a key given twice in one object.
    :raises DocumentError: for nesting deeper than :data:`MAX_DEPTH` or a number longer
        than :data:`MAX_NUMBER_DIGITS` digits.
    :raises ValueError: for invalid JSON (a :class:`json.JSONDecodeError`).
    """
    if _depth(text) > MAX_DEPTH:
        raise too_deep_error()
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_int=_bounded_int)
    except RecursionError:  # a safety net: the depth check stops nesting first
        raise too_deep_error() from None


def check_document(value: Any) -> None:
    """Apply the bounds of :func:`load_json` to a value another parser built (TOML).

    :raises DocumentError: for nesting deeper than :data:`MAX_DEPTH` or a long integer.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth + 1 > MAX_DEPTH:
                raise too_deep_error()
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, int) and abs(item) >= _NUMBER_LIMIT:
            raise long_number_error(None)  # compared as numbers: str() of a huge int fails


def too_deep_error() -> DocumentError:
    return DocumentError(
        f"nests deeper than {MAX_DEPTH} levels of arrays and objects",
        "Write a flatter document: no input needs that many levels.",
    )


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise long_number_error(digits)
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKeyError(key)
        found[key] = value
    return found


def _depth(text: str) -> int:
    """The deepest bracket nesting outside strings, counted without parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
