"""``.assetsignore`` matching as wrangler 4.125.0 does it, with the npm package
``ignore@5.3.1`` (kaelzhang/node-ignore ``index.js``): ``ignore().add(patterns)`` and
``.test(relativePath).ignored`` in workers-sdk ``packages/workers-shared/utils/helpers.ts``
(``createAssetsIgnoreFunction``, ``createPatternMatcher``).

``ignore`` turns each gitignore line into a JavaScript regular expression with a chain of
string replacements, tested case-insensitively (its default ``ignorecase: true``) against
the path and, first, each of its parent folders (``a/``, ``a/b/``): once a folder is ignored
everything under it is, whatever later ``!`` lines say. The last rule that matches wins.

This module ports that chain as it is, quirks included (``\\?`` matches nothing, a ``\\d``
stays a digit class, ``a/**`` needs something below ``a``, ...), then runs the resulting
expression with JavaScript's semantics (UTF-16 code units, ECMAScript case folding without
the ``u`` flag, ``$`` only at the end, Annex B syntax) on a small automaton instead of a
backtracking engine: every path is matched in time linear in its length, where Node itself
takes seconds on ``*a*a*a*a*a*a*a*a*b`` against a path of forty ``a``.

Differences, both for lines nobody writes: a regular-expression back-reference (a line like
``\\\\(x\\\\)\\1``) is refused with :class:`IgnorePatternError`, and case folding follows
Python's Unicode database, so letters given a case partner in a later Unicode version than
the interpreter's (8 in the BMP between Unicode 14 and 17) fold as the older version says.
"""

from __future__ import annotations

import functools
import re
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final


class IgnorePatternError(ValueError):
    """A pattern ``ignore@5.3.1`` cannot compile (``add`` throws, so wrangler stops)."""


# --- JavaScript character classes used by the chain -------------------------------------

# ECMAScript WhiteSpace and LineTerminator, what `\s` means in JavaScript.
_JS_SPACE: Final = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# What `.` does not match in JavaScript.
_JS_LINE_END: Final = "\n\r\u2028\u2029"

_BLANK: Final = re.compile(f"[{_JS_SPACE}]+")
_INVALID_TRAILING_BACKSLASH: Final = re.compile(r"(?:[^\\]|^)\\\Z")
_INVALID_PATH: Final = re.compile(r"\.*/|\.+\Z")
_RANGE: Final = re.compile(r"([0-z])-([0-z])")
_HAS_INNER_SLASH: Final = re.compile(r"/(?!\Z)")

_Replacer = Callable[[re.Match[str], str], str]


def _sanitize_range(text: str) -> str:
    # An out-of-order range among `0`..`z` is dropped (fine for gitignore, fatal in a regexp).
    return _RANGE.sub(lambda m: m[0] if ord(m[1]) <= ord(m[2]) else "", text)


def _range(m: re.Match[str], _pattern: str) -> str:
    lead_escape, content, end_escape, close = m[1], m[2], m[3], m[4]
    if lead_escape == "\\":
        # '\\[bar]' -> '\\\\[bar\\]'
        return f"\\[{content}{end_escape[: len(end_escape) - len(end_escape) % 2]}{close}"
    if close == "]" and len(end_escape) % 2 == 0:
        return f"[{_sanitize_range(content)}{end_escape}]"
    return "[]"


# index.js REPLACERS, in order: (JavaScript regexp as a Python one, replacement, global).
# JavaScript's `$` (end of input) is `\Z`, its `\s` and `.` the classes above.
_REPLACERS: Final[Sequence[tuple[re.Pattern[str], _Replacer, bool]]] = (
    # remove BOM
    (re.compile("\\A\ufeff"), lambda m, p: "", False),
    # trailing spaces are ignored unless escaped: (a\ ) -> (a ), (a  ) -> (a)
    (re.compile(f"\\\\?[{_JS_SPACE}]+\\Z"), lambda m, p: " " if m[0][0] == "\\" else "", False),
    # (\ ) -> ' '
    (re.compile(f"\\\\[{_JS_SPACE}]"), lambda m, p: " ", True),
    # escape regexp metacharacters
    (re.compile(r"[\\$.|*+(){^]"), lambda m, p: "\\" + m[0], True),
    # `?` matches one character but `/`
    (re.compile(r"(?!\\)\?"), lambda m, p: "[^/]", True),
    # a leading slash anchors at the start
    (re.compile(r"\A/"), lambda m, p: "^", False),
    (re.compile(r"/"), lambda m, p: "\\/", True),
    # a leading `**/` matches in every folder
    (re.compile(r"\A\^*\\\*\\\*\\/"), lambda m, p: "^(?:.*\\/)?", False),
    # a pattern with no slash but a trailing one matches at any depth
    (
        re.compile(r"\A(?=[^^])"),
        lambda m, p: "^" if _HAS_INNER_SLASH.search(p) else "(?:^|\\/)",
        False,
    ),
    # `/**/` is zero or more folders; a trailing `/**` everything inside
    (
        re.compile(r"\\/\\\*\\\*(?=\\/|\Z)"),
        lambda m, p: "(?:\\/[^\\/]+)*" if m.start() + 6 < len(m.string) else "\\/.+",
        True,
    ),
    # intermediate wildcards (a run of `*` is one `[^\/]*`); a trailing one comes later
    (
        re.compile(f"(^|[^\\\\]+)(\\\\\\*)+(?=[^{_JS_LINE_END}]+)"),
        lambda m, p: m[1] + "[^\\/]*",
        True,
    ),
    # unescape what the user escaped, but backslashes
    (re.compile(r"\\\\\\(?=[$.|*+(){^])"), lambda m, p: "\\", True),
    (re.compile(r"\\\\"), lambda m, p: "\\", True),
    # ranges `[a-z]`
    (re.compile(r"(\\)?\[([^\]/]*?)(\\*)(\Z|\])"), _range, True),
    # ending: `foo/` only matches a folder, `foo` a file or folder
    (
        re.compile(r"[^*]\Z"),
        lambda m, p: m[0] + "$" if m[0] == "/" else m[0] + "(?=$|\\/$)",
        False,
    ),
    # trailing wildcard
    (
        re.compile(r"(\^|\\/)?\\\*\Z"),
        lambda m, p: (m[1] + "[^/]+" if m[1] else "[^/]*") + "(?=$|\\/$)",
        False,
    ),
)


@functools.lru_cache(maxsize=4096)
def regex_source(pattern: str) -> str:
    """The JavaScript regular expression ``ignore@5.3.1``'s ``makeRegex`` makes of a pattern
    (after its ``!`` and leading ``\\!``/``\\#`` are handled)."""
    source = pattern
    for regex, replace, is_global in _REPLACERS:
        source = regex.sub(lambda m, r=replace: r(m, pattern), source, count=0 if is_global else 1)
    return source


# --- ECMAScript regular expressions without the `u` flag, case-insensitive ----------------

_MAX_PROGRAM: Final = 20_000
_LF, _CR, _LS, _PS = 0x0A, 0x0D, 0x2028, 0x2029


def _code_units(text: str) -> array[int]:
    """``text`` as JavaScript sees it: UTF-16 code units."""
    units = array("H", text.encode("utf-16-le", "surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return units


@functools.cache
def _canon() -> array[int]:
    """ECMAScript ``Canonicalize`` for a case-insensitive, non-Unicode regexp, per code unit:
    its ``toUpperCase()`` when that is one code unit and does not turn a non-ASCII unit into
    an ASCII one, else the unit itself."""
    table = array("H", range(0x10000))
    for unit in range(0x10000):
        if 0xD800 <= unit <= 0xDFFF:
            continue
        upper = chr(unit).upper()
        if len(upper) == 1 and ord(upper) <= 0xFFFF and (unit < 128 or ord(upper) >= 128):
            table[unit] = ord(upper)
    return table


@functools.cache
def _folded_together() -> dict[int, tuple[int, ...]]:
    """The code units of each canonical value, where that is not just the value itself."""
    canon = _canon()
    groups: dict[int, list[int]] = {}
    for unit, key in enumerate(canon):
        if key != unit:
            groups.setdefault(key, []).append(unit)
    return {
        key: tuple(sorted([key, *units] if canon[key] == key else units))
        for key, units in groups.items()
    }


def _units_of(key: int) -> tuple[int, ...]:
    """Every code unit that canonicalizes to ``key``."""
    found = _folded_together().get(key)
    if found is not None:
        return found
    return (key,) if _canon()[key] == key else ()


@dataclass(frozen=True, slots=True)
class _Units:
    """A set of code units as a regexp writes it: ``units``, or every unit but ``units``."""

    units: frozenset[int]
    complement: bool = False


def _union(parts: Iterable[_Units]) -> _Units:
    positive: set[int] = set()
    excluded: set[int] | None = None
    for part in parts:
        if part.complement:
            excluded = set(part.units) if excluded is None else excluded & part.units
        else:
            positive |= part.units
    if excluded is None:
        return _Units(frozenset(positive))
    return _Units(frozenset(excluded - positive), complement=True)


@dataclass(frozen=True, slots=True)
class _Matcher:
    """Matches a canonical code unit ``c`` when ``(c in keys) != inverted``."""

    keys: frozenset[int]
    inverted: bool

    def __call__(self, key: int) -> bool:
        return (key in self.keys) != self.inverted


def _fold(units: _Units, *, invert: bool = False) -> _Matcher:
    """ECMAScript ``CharacterSetMatcher``: a unit matches when some member of the set has its
    canonical value (then ``invert``, for ``[^...]``)."""
    canon = _canon()
    if not units.complement:
        return _Matcher(frozenset(canon[u] for u in units.units), invert)
    # Every unit but X: the canonical values none of whose units lies outside X fail.
    excluded = units.units
    keys = {canon[u] for u in excluded}
    failing = frozenset(k for k in keys if all(u in excluded for u in _units_of(k)))
    return _Matcher(failing, not invert)


def _chars(text: str) -> frozenset[int]:
    return frozenset(_code_units(text))


_DIGITS: Final = _Units(_chars("0123456789"))
_WORD: Final = _Units(_chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"))
_SPACES: Final = _Units(
    frozenset([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, *range(0x2000, 0x200B)])
    | frozenset([0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF])
)
_CLASS_ESCAPES: Final = {
    ord("d"): _DIGITS,
    ord("D"): _Units(_DIGITS.units, complement=True),
    ord("w"): _WORD,
    ord("W"): _Units(_WORD.units, complement=True),
    ord("s"): _SPACES,
    ord("S"): _Units(_SPACES.units, complement=True),
}
_CONTROL_ESCAPES: Final = {ord("f"): 0x0C, ord("n"): 0x0A, ord("r"): 0x0D, ord("t"): 0x09}
_CONTROL_ESCAPES[ord("v")] = 0x0B
_HEX: Final = frozenset(_code_units("0123456789abcdefABCDEF"))
_OCTAL: Final = frozenset(range(ord("0"), ord("8")))
_DECIMAL: Final = frozenset(range(ord("0"), ord(":")))
_LETTERS: Final = _chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


# The syntax tree of an expression.
@dataclass(frozen=True, slots=True)
class _Char:
    match: _Matcher


@dataclass(frozen=True, slots=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Alt:
    items: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Repeat:
    item: _Node
    least: int
    most: int | None


@dataclass(frozen=True, slots=True)
class _Assert:
    kind: str  # "^", "$", "b" or "B"


@dataclass(frozen=True, slots=True)
class _Look:
    item: _Node
    negative: bool


_Node = _Char | _Seq | _Alt | _Repeat | _Assert | _Look


class _SyntaxError(Exception):
    """What V8's ``new RegExp`` would throw (its message), or a construct not supported."""


def _count_groups(units: Sequence[int]) -> int:
    """Capturing groups in a pattern, as V8 scans for them before a back-reference."""
    count, i, in_class = 0, 0, False
    while i < len(units):
        unit = units[i]
        if unit == 0x5C:  # \
            i += 1
        elif in_class:
            in_class = unit != 0x5D  # ]
        elif unit == 0x5B:  # [
            in_class = True
        elif unit == 0x28 and (i + 1 >= len(units) or units[i + 1] != 0x3F):  # ( not (?
            count += 1
        i += 1
    return count


def _js_int(digits: str) -> int:
    """A decimal number in a pattern; V8 caps them at 2**31 - 1."""
    return min(int(digits[:11]), 2**31 - 1)


class _Parser:
    """ECMAScript Pattern grammar with Annex B (web compatibility), without the ``u`` flag,
    as V8 parses it."""

    def __init__(self, source: str) -> None:
        self.units = _code_units(source)
        self.pos = 0
        self.groups = _count_groups(self.units)

    def peek(self, offset: int = 0) -> int:
        at = self.pos + offset
        return self.units[at] if at < len(self.units) else -1

    def parse(self) -> _Node:
        node = self.disjunction()
        if self.pos < len(self.units):
            raise _SyntaxError("Unmatched ')'")
        return node

    def disjunction(self) -> _Node:
        items = [self.alternative()]
        while self.peek() == 0x7C:  # |
            self.pos += 1
            items.append(self.alternative())
        return items[0] if len(items) == 1 else _Alt(tuple(items))

    def alternative(self) -> _Node:
        items: list[_Node] = []
        while self.peek() not in (-1, 0x7C, 0x29):  # end | )
            items.append(self.term())
        return items[0] if len(items) == 1 else _Seq(tuple(items))

    def term(self) -> _Node:
        unit = self.peek()
        if unit in (0x5E, 0x24):  # ^ $
            self.pos += 1
            return self.unquantifiable(_Assert(chr(unit)))
        if unit == 0x5C and self.peek(1) in (0x62, 0x42):  # \b \B
            self.pos += 2
            return self.unquantifiable(_Assert(chr(self.units[self.pos - 1])))
        if unit in (0x2A, 0x2B, 0x3F) or (unit == 0x7B and self.braces() is not None):
            raise _SyntaxError("Nothing to repeat")
        return self.quantified(self.atom())

    def unquantifiable(self, node: _Node) -> _Node:
        if self.peek() in (0x2A, 0x2B, 0x3F) or (self.peek() == 0x7B and self.braces()):
            raise _SyntaxError("Nothing to repeat")
        return node

    def braces(self) -> tuple[int, int | None, int] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` at the position: (n, m, its length), else None (the
        brace is then a literal character)."""
        i = self.pos + 1
        numbers: list[str] = []
        for _ in range(2):
            start = i
            while self.peek(i - self.pos) in _DECIMAL:
                i += 1
            numbers.append("".join(map(chr, self.units[start:i])))
            if not numbers[0]:
                return None
            if len(numbers) == 1 and self.peek(i - self.pos) == 0x2C:  # ,
                i += 1
                continue
            break
        if self.peek(i - self.pos) != 0x7D:  # }
            return None
        least = _js_int(numbers[0])
        if len(numbers) == 1:
            return least, least, i + 1 - self.pos
        return least, _js_int(numbers[1]) if numbers[1] else None, i + 1 - self.pos

    def quantified(self, node: _Node) -> _Node:
        unit = self.peek()
        if unit == 0x2A:
            least, most, length = 0, None, 1
        elif unit == 0x2B:
            least, most, length = 1, None, 1
        elif unit == 0x3F:
            least, most, length = 0, 1, 1
        elif unit == 0x7B and (braces := self.braces()) is not None:
            least, most, length = braces
            if most is not None and most < least:
                raise _SyntaxError("numbers out of order in {} quantifier")
        else:
            return node
        self.pos += length
        if self.peek() == 0x3F:  # lazy: the same matches, in another order
            self.pos += 1
        return _Repeat(node, least, most)

    def atom(self) -> _Node:
        unit = self.units[self.pos]
        self.pos += 1
        if unit == 0x2E:  # .
            return _Char(_fold(_Units(frozenset([_LF, _CR, _LS, _PS]), complement=True)))
        if unit == 0x5B:  # [
            return self.character_class()
        if unit == 0x28:  # (
            return self.group()
        if unit == 0x5C:  # \
            return self.atom_escape()
        return self.literal(unit)

    def literal(self, unit: int) -> _Node:
        return _Char(_fold(_Units(frozenset([unit]))))

    def group(self) -> _Node:
        negative = None
        if self.peek() == 0x3F:  # ?
            kind = self.peek(1)
            if kind == 0x3A:  # (?:
                self.pos += 2
            elif kind in (0x3D, 0x21):  # (?= (?!
                self.pos += 2
                negative = kind == 0x21
            elif kind == 0x3C:  # (?<
                raise _SyntaxError("lookbehind and named groups are not supported")
            else:
                raise _SyntaxError("Invalid group")
        node = self.disjunction()
        if self.peek() != 0x29:
            raise _SyntaxError("Unterminated group")
        self.pos += 1
        return node if negative is None else _Look(node, negative)

    def atom_escape(self) -> _Node:
        unit = self.peek()
        if unit == -1:
            raise _SyntaxError("\\ at end of pattern")
        if unit in _CLASS_ESCAPES:
            self.pos += 1
            return _Char(_fold(_CLASS_ESCAPES[unit]))
        if ord("1") <= unit <= ord("9"):
            end = self.pos
            while end < len(self.units) and self.units[end] in _DECIMAL:
                end += 1
            if _js_int("".join(map(chr, self.units[self.pos : end]))) <= self.groups:
                raise _SyntaxError("back-references are not supported")
        return self.literal(self.character_escape(in_class=False))

    def character_escape(self, *, in_class: bool) -> int:
        """The code unit of an escape whose backslash has been read (Annex B forms)."""
        unit = self.units[self.pos]
        self.pos += 1
        if unit in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[unit]
        if unit == 0x63:  # \c
            letter = self.peek()
            if letter in _LETTERS or (in_class and (letter in _DECIMAL or letter == 0x5F)):
                self.pos += 1
                return letter % 32
            self.pos -= 1  # a lone backslash, and `c` is read next
            return 0x5C
        if unit in _OCTAL:  # legacy octal, up to \377
            value = unit - 0x30
            if self.peek() in _OCTAL:
                value = value * 8 + self.units[self.pos] - 0x30
                self.pos += 1
                if value < 32 and self.peek() in _OCTAL:
                    value = value * 8 + self.units[self.pos] - 0x30
                    self.pos += 1
            return value
        for letter, digits in ((0x78, 2), (0x75, 4)):  # \xHH \uHHHH
            if unit == letter:
                hex_digits = self.units[self.pos : self.pos + digits]
                if len(hex_digits) == digits and all(d in _HEX for d in hex_digits):
                    self.pos += digits
                    return int("".join(map(chr, hex_digits)), 16)
        return unit  # identity escape

    def character_class(self) -> _Node:
        invert = self.peek() == 0x5E  # ^
        if invert:
            self.pos += 1
        parts: list[_Units] = []
        while True:
            if self.peek() == -1:
                raise _SyntaxError("Unterminated character class")
            if self.peek() == 0x5D:  # ]
                self.pos += 1
                return _Char(_fold(_union(parts), invert=invert))
            first = self.class_atom()
            if self.peek() != 0x2D:  # -
                parts.append(first if isinstance(first, _Units) else _Units(frozenset([first])))
                continue
            self.pos += 1
            if self.peek() == -1:
                raise _SyntaxError("Unterminated character class")
            if self.peek() == 0x5D:
                parts.append(first if isinstance(first, _Units) else _Units(frozenset([first])))
                parts.append(_Units(frozenset([0x2D])))
                continue
            second = self.class_atom()
            if isinstance(first, _Units) or isinstance(second, _Units):
                for atom in (first, 0x2D, second):
                    parts.append(atom if isinstance(atom, _Units) else _Units(frozenset([atom])))
            elif first > second:
                raise _SyntaxError("Range out of order in character class")
            else:
                parts.append(_Units(frozenset(range(first, second + 1))))

    def class_atom(self) -> int | _Units:
        unit = self.units[self.pos]
        self.pos += 1
        if unit != 0x5C:
            return unit
        escaped = self.peek()
        if escaped == -1:
            raise _SyntaxError("\\ at end of pattern")
        if escaped in _CLASS_ESCAPES:
            self.pos += 1
            return _CLASS_ESCAPES[escaped]
        if escaped == 0x62:  # \b is a backspace in a class
            self.pos += 1
            return 0x08
        return self.character_escape(in_class=True)


# --- matching: a lazily built automaton, no backtracking ----------------------------------

_CHAR, _SPLIT, _JUMP, _ASSERT, _LOOK, _MATCH = range(6)
# What the zero-width assertions see at a position, as bits of an int (lookaheads' results
# from bit 4 on).
_AT_START, _AT_END, _WORD_BEFORE, _WORD_AFTER = 1, 2, 4, 8
_ASSERTIONS: Final = {"^": 0, "$": 1, "b": 2, "B": 3}


class _Program:
    """A compiled expression (Thompson construction), matched by a DFA built on demand:
    a state is the set of character and match instructions its threads are at."""

    def __init__(self, node: _Node) -> None:
        self.code: list[tuple[int, int, int]] = []
        self.matchers: list[_Matcher] = []
        self.looks: list[tuple[_Program, bool]] = []
        self.uses = 0  # the context bits the assertions read
        self._emit(node)
        self.code.append((_MATCH, 0, 0))
        self.match_pc = len(self.code) - 1
        self.anchored = _starts_anchored(node)
        self._steps: dict[tuple[frozenset[int], int, int, bool], frozenset[int]] = {}
        self._starts: dict[int, frozenset[int]] = {}

    def _add(self, op: int, a: int = 0, b: int = 0) -> int:
        if len(self.code) >= _MAX_PROGRAM:
            raise _SyntaxError("the expression is too large")
        self.code.append((op, a, b))
        return len(self.code) - 1

    def _emit(self, node: _Node) -> None:
        if isinstance(node, _Char):
            self.matchers.append(node.match)
            self._add(_CHAR, len(self.matchers) - 1)
        elif isinstance(node, _Seq):
            for item in node.items:
                self._emit(item)
        elif isinstance(node, _Alt):
            jumps: list[int] = []
            for item in node.items[:-1]:
                split = self._add(_SPLIT)
                self._emit(item)
                jumps.append(self._add(_JUMP))
                self.code[split] = (_SPLIT, split + 1, len(self.code))
            self._emit(node.items[-1])
            for jump in jumps:
                self.code[jump] = (_JUMP, len(self.code), 0)
        elif isinstance(node, _Repeat):
            for _ in range(node.least):
                self._emit(node.item)
            if node.most is None:
                split = self._add(_SPLIT)
                self._emit(node.item)
                self._add(_JUMP, split)
                self.code[split] = (_SPLIT, split + 1, len(self.code))
            else:
                splits = []
                for _ in range(min(node.most, _MAX_PROGRAM) - node.least):
                    splits.append(self._add(_SPLIT))
                    self._emit(node.item)
                for split in splits:
                    self.code[split] = (_SPLIT, split + 1, len(self.code))
        elif isinstance(node, _Assert):
            kind = _ASSERTIONS[node.kind]
            self.uses |= (_WORD_BEFORE | _WORD_AFTER) if kind >= 2 else 1 << kind
            self._add(_ASSERT, kind)
        else:
            self._add(_LOOK, len(self.looks))
            self.looks.append((_Program(node.item), node.negative))

    def _closure(self, pcs: Iterable[int], context: int) -> frozenset[int]:
        found: set[int] = set()
        seen: set[int] = set()
        stack = list(pcs)
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            op, a, b = self.code[pc]
            if op in (_CHAR, _MATCH):
                found.add(pc)
            elif op == _SPLIT:
                stack += (a, b)
            elif op == _JUMP:
                stack.append(a)
            elif op == _LOOK:
                if context >> (4 + a) & 1:
                    stack.append(pc + 1)
            elif a < 2:  # ^ $
                if context & (1 << a):
                    stack.append(pc + 1)
            else:  # \b (a == 2), \B
                boundary = bool(context & _WORD_BEFORE) != bool(context & _WORD_AFTER)
                if boundary == (a == 2):
                    stack.append(pc + 1)
        return frozenset(found)

    def _context(self, text: _Text, at: int) -> int:
        uses, units = self.uses, text.units
        context = 0
        if uses & _AT_START and at == 0:
            context |= _AT_START
        if uses & _AT_END and at == len(units):
            context |= _AT_END
        if uses & _WORD_BEFORE:
            if at > 0 and units[at - 1] in _WORD.units:
                context |= _WORD_BEFORE
            if at < len(units) and units[at] in _WORD.units:
                context |= _WORD_AFTER
        for index, (look, negative) in enumerate(self.looks):
            if look.search(text, at) != negative:
                context |= 1 << (4 + index)
        return context

    def _start(self, context: int) -> frozenset[int]:
        state = self._starts.get(context)
        if state is None:
            state = self._starts[context] = self._closure((0,), context)
        return state

    def search(self, text: _Text, at: int | None = None) -> bool:
        """Whether the expression matches somewhere in ``text`` (``RegExp.test``), or, with
        ``at``, from that position on (a lookahead)."""
        keys = text.keys
        begin = 0 if at is None else at
        floating = at is None and not self.anchored
        state = self._start(self._context(text, begin))
        match_pc, code, matchers, steps = self.match_pc, self.code, self.matchers, self._steps
        for i in range(begin, len(keys)):
            if match_pc in state:
                return True
            if not state and not floating:
                return False
            context = self._context(text, i + 1)
            key = (state, keys[i], context, floating)
            following = steps.get(key)
            if following is None:
                moved = [
                    pc + 1 for pc in state if pc != match_pc and matchers[code[pc][1]](keys[i])
                ]
                following = self._closure(moved, context)
                if floating:
                    following |= self._start(context)
                if len(steps) > 100_000:
                    steps.clear()
                steps[key] = following
            state = following
        return match_pc in state


def _starts_anchored(node: _Node) -> bool:
    """Whether every match starts at position 0 (the expression begins with ``^``)."""
    while isinstance(node, _Seq) and node.items:
        node = node.items[0]
    return isinstance(node, _Assert) and node.kind == "^"


@dataclass(frozen=True, slots=True)
class _Text:
    units: array[int]
    keys: array[int]  # canonical values

    @classmethod
    def of(cls, text: str) -> _Text:
        units = _code_units(text)
        canon = _canon()
        return cls(units, array("H", (canon[u] for u in units)))


def _literals(node: _Node) -> list[str]:
    """Runs of single characters every match contains (canonical values as a string), to
    skip the automaton on texts that cannot match."""
    items = node.items if isinstance(node, _Seq) else (node,)
    runs: list[str] = []
    run: list[str] = []
    for item in items:
        if isinstance(item, _Char) and not item.match.inverted and len(item.match.keys) == 1:
            run.append(chr(next(iter(item.match.keys))))
            continue
        if run:
            runs.append("".join(run))
            run = []
    if run:
        runs.append("".join(run))
    return runs


# --- the ignore rules ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    origin: str
    source: str  # the JavaScript regexp ignore@5.3.1 builds
    negative: bool
    program: _Program
    literals: tuple[str, ...]

    def test(self, text: _Text, keys: str) -> bool:
        return all(lit in keys for lit in self.literals) and self.program.search(text)


def _rule(origin: str) -> _Rule | None:
    """index.js ``checkPattern`` and ``createRule``: None for a blank line or a comment."""
    if not origin or _BLANK.fullmatch(origin) or _INVALID_TRAILING_BACKSLASH.search(origin):
        return None
    if origin.startswith("#"):
        return None
    negative = origin.startswith("!")
    pattern = origin[1:] if negative else origin
    if pattern.startswith(("\\!", "\\#")):  # a literal leading ! or #
        pattern = pattern[1:]
    source = regex_source(pattern)
    try:
        node = _Parser(source).parse()
        program = _Program(node)
    except _SyntaxError as error:
        raise IgnorePatternError(
            f"ignore pattern {origin!r}: ignore@5.3.1 makes the regular expression "
            f"/{source}/i of it, which is invalid or unsupported ({error})"
        ) from None
    return _Rule(origin, source, negative, program, tuple(_literals(node)))


@dataclass(frozen=True, slots=True)
class _Result:
    ignored: bool
    unignored: bool


class IgnoreMatcher:
    """``ignore().add(patterns)`` of ``ignore@5.3.1``: ``ignored(path)`` is
    ``.test(path).ignored``.

    Each pattern is one gitignore line (wrangler gives ``/.assetsignore``, ``/_redirects``,
    ``/_headers`` and then the lines of ``.assetsignore`` split at ``\\n``, so a ``\\r``
    stays on each line). Paths are relative to the assets folder, with ``/`` separators and
    no leading ``/`` (``sub/page.html``), as Node's ``readdir(dir, {recursive: true})``
    gives them to wrangler.

    :raises IgnorePatternError: for a pattern ``ignore`` cannot compile.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self._rules = [rule for rule in map(_rule, patterns) if rule is not None]
        self._folders: dict[str, _Result] = {}

    def ignored(self, relative_path: str) -> bool:
        """Whether ``relative_path`` (or one of its parent folders) is ignored.

        :raises ValueError: for an empty path or one ``ignore`` refuses as not relative
            (``/a``, ``./a``, ``../a``, ``.``, ``..``, ``...``).
        """
        if not relative_path:
            raise ValueError("path must not be empty")
        if _INVALID_PATH.match(relative_path):
            raise ValueError(f"path should be a `path.relative()`d string: {relative_path!r}")
        # index.js `_t`: each parent folder (`a/`, `a/b/`) first; an ignored one decides.
        parent: _Result | None = None
        prefix = ""
        for part in relative_path.split("/")[:-1]:
            prefix += part + "/"
            cached = self._folders.get(prefix)
            if cached is None:
                cached = parent if parent is not None and parent.ignored else self._test(prefix)
                self._folders[prefix] = cached
            parent = cached
        if parent is not None and (parent.ignored or prefix == relative_path):
            return parent.ignored
        return self._test(relative_path).ignored

    def _test(self, path: str) -> _Result:
        """index.js ``_testOne(path, checkUnignored=true)``."""
        text = _Text.of(path)
        keys = "".join(map(chr, text.keys))
        ignored = unignored = False
        for rule in self._rules:
            if unignored == rule.negative and ignored != unignored:
                continue
            if rule.test(text, keys):
                ignored, unignored = not rule.negative, rule.negative
        return _Result(ignored, unignored)
