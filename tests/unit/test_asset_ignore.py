"""cfaction/ops/worker/assets/ignore.py: ``.assetsignore`` matching with the semantics of the
npm package ignore@5.3.1, as wrangler 4.125.0 uses it (``ignore().add(patterns)``,
``.test(relativePath).ignored``).

The ground-truth tests run the package itself under Node (installed by
tests/harness/npm_packages.py) over a matrix of patterns and paths, plus seeded random
patterns, and compare every answer and every regular expression the package builds."""

from __future__ import annotations

import json
import random
import subprocess
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from cfaction.ops.worker.assets.ignore import (
    IgnoreMatcher,
    IgnorePatternError,
    _canon,
    _units_of,
    regex_source,
)
from tests.harness.node import node_binary
from tests.harness.npm_packages import installed

BUILT_IN = ["/.assetsignore", "/_redirects", "/_headers"]
"""What workers-sdk createAssetsIgnoreFunction always adds before the file's lines."""


def ignores(patterns: list[str], path: str) -> bool:
    return IgnoreMatcher(patterns).ignored(path)


# --- readable cases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        # wrangler's built-ins: the files at the top only
        (BUILT_IN, ".assetsignore", True),
        (BUILT_IN, "_headers", True),
        (BUILT_IN, "_REDIRECTS", True),  # case-insensitive, like every rule
        (BUILT_IN, "sub/_headers", False),
        (BUILT_IN, "index.html", False),
        # no slash: any depth; a leading or inner slash anchors at the top
        (["*.map"], "a.map", True),
        (["*.map"], "deep/er/a.MAP", True),
        (["/*.map"], "a.map", True),
        (["/*.map"], "sub/a.map", False),
        (["a/b"], "a/b", True),
        (["a/b"], "x/a/b", False),
        (["a/b"], "a/b/c.txt", True),  # a matched folder takes what it holds
        # trailing slash: folders only (a file of that name stays)
        (["sub/"], "sub/x.txt", True),
        (["sub/"], "sub", False),
        (["sub/"], "x/sub/y", True),
        (["sub"], "sub", True),
        # globstars
        (["**/x"], "x", True),
        (["**/x"], "a/b/x", True),
        (["a/**/b"], "a/b", True),
        (["a/**/b"], "a/x/y/b", True),
        (["a/**/b"], "x/a/b", False),
        (["a/**"], "a/x", True),
        (["a/**"], "a", False),  # everything inside, not the folder itself
        (["**"], "anything/at/all", True),
        (["a**b"], "axyb", True),  # not a globstar: two stars, one segment
        (["a**b"], "ax/yb", False),
        # single-character wildcards and ranges
        (["?.txt"], "a.txt", True),
        (["?.txt"], "ab.txt", False),
        (["[a-c].txt"], "B.txt", True),
        (["[a-c].txt"], "d.txt", False),
        (["[!a]x"], "bx", False),  # `[!...]` is no negation in ignore 5.3.1: `!` or `a`
        (["[!a]x"], "!x", True),
        (["[z-a]x"], "zx", False),  # an out-of-order range is dropped: `[]x` matches nothing
        # negation: the last matching rule wins, but not below an ignored folder
        (["*.txt", "!keep.txt"], "keep.txt", False),
        (["*.txt", "!keep.txt"], "other.txt", True),
        (["sub/", "!sub/keep.txt"], "sub/keep.txt", True),
        (["sub/*", "!sub/keep.txt"], "sub/keep.txt", False),
        (["x", "!x", "x"], "x", True),
        (["!a"], "a", False),
        # comments, escapes, spaces
        (["#comment"], "#comment", False),
        (["\\#hash"], "#hash", True),
        (["\\!bang"], "!bang", True),
        (["foo  "], "foo", True),  # trailing spaces dropped
        (["foo\\ "], "foo ", True),  # an escaped one kept
        (["foo\\ "], "foo", False),
        (["foo\r"], "foo", True),  # a CRLF file split at \n, as wrangler splits it
        (["\\*.txt"], "*.txt", True),  # an escaped star is a star...
        (["\\*.txt"], "a.txt", False),
        (["a\\*"], "ab", True),  # ...but not a trailing one: `a\*` is `a*`
        (["\\*"], "x", True),
        (["\\?"], "?", False),  # ignore 5.3.1 turns `\?` into `\[^\/]`, which never matches
        (["a\\d"], "a5", True),  # `\d` reaches the regular expression as a digit class
        (["a\\d"], "ad", False),
        (["", "   ", "\ufeff"], "x", False),  # blank lines match nothing
        (["!"], "x", False),
        # unicode, folded the ECMAScript way
        (["café"], "CAFÉ", True),
        (["k"], "\u212a", False),  # KELVIN SIGN only folds to k with the `u` flag
        (["ǅ"], "ǆ", True),
        (["ß"], "ẞ", False),
        (["emoji😀"], "EMOJI😀", True),
        (["日本/*"], "日本/x", True),
    ],
)
def test_ignored(patterns: list[str], path: str, expected: bool) -> None:
    assert ignores(patterns, path) is expected


@pytest.mark.parametrize(
    ("pattern", "source"),
    [
        ("/.assetsignore", r"^\.assetsignore(?=$|\/$)"),
        ("*.map", r"(?:^|\/)[^\/]*\.map(?=$|\/$)"),
        ("node_modules/", r"(?:^|\/)node_modules\/$"),
        ("a/**/b", r"^a(?:\/[^\/]+)*\/b(?=$|\/$)"),
        ("**/x", r"^(?:.*\/)?x(?=$|\/$)"),
        ("a/**", r"^a\/.+(?=$|\/$)"),
        ("****x", r"(?:^|\/)[^\/]*x(?=$|\/$)"),  # a run of stars is one wildcard
        ("\\?", r"(?:^|\/)\[^\/](?=$|\/$)"),
    ],
)
def test_regex_source(pattern: str, source: str) -> None:
    assert regex_source(pattern) == source


@pytest.mark.parametrize(
    "pattern",
    [
        "x\\\\(",  # `\\(` reaches the regexp as a backslash and an unterminated group
        "a[/",  # an unterminated character class
        "foo\\\\\\",  # a regexp ending in a lone backslash
        "a\\\\{2,1}",
    ],
)
def test_a_pattern_node_cannot_compile_is_refused(pattern: str) -> None:
    with pytest.raises(IgnorePatternError, match="invalid or unsupported"):
        IgnoreMatcher(["ok", pattern])


def test_a_backreference_is_refused() -> None:
    # Valid in JavaScript (`\1` after a group), but no regular language: not supported.
    with pytest.raises(IgnorePatternError, match="back-references are not supported"):
        IgnoreMatcher(["x\\\\(y\\\\)\\1"])
    # Without a group `\1` is a legacy octal escape, U+0001, which is supported.
    assert ignores(["a\\1"], "a\x01")


def test_a_trailing_lone_backslash_is_no_pattern() -> None:
    # ignore's checkPattern drops it instead of compiling it.
    assert not ignores(["foo\\"], "foo")
    assert not ignores(["foo\\"], "foo\\")


@pytest.mark.parametrize("path", ["", "/a", "./a", "../a", ".", "..", "...", "/"])
def test_a_path_that_is_not_relative_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="path"):
        IgnoreMatcher(["x"]).ignored(path)


def test_dotted_names_inside_a_path_are_fine() -> None:
    assert ignores(["a/.."], "a/..")
    assert not ignores(["x"], ".hidden/y")


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        # Node's backtracking takes 3 s on 8 pairs and 34 s on 10, against 40 `a`.
        ("*a" * 60 + "*b", "a" * 3000 + "bc"),
        ("*" * 10_000 + "x", "a" * 5000),
        ("a/**/" * 200 + "b", "a/" * 300 + "c"),
        ("?" * 500 + "*" + "?" * 500 + "z", "y" * 3000 + "z/"),
    ],
)
def test_matching_is_bounded(pattern: str, path: str) -> None:
    matcher = IgnoreMatcher([pattern])
    start = time.monotonic()
    matcher.ignored(path)
    assert time.monotonic() - start < 2


def test_a_pattern_is_compiled_once() -> None:
    matcher = IgnoreMatcher(["*.map", "!keep.map"])
    program = matcher._rules[0].program
    assert [matcher.ignored(f"d{i}/f.map") for i in range(3)] == [True] * 3
    assert matcher._rules[0].program is program


# --- ground truth: ignore@5.3.1 under Node -------------------------------------------------

# Reads {"sets": [[pattern, ...], ...], "paths": [...]} on stdin; prints, per set, the error
# `add` throws, or the regular expressions it builds (RegExp wrapped to record them) and
# `test(path).ignored` per path ("error" when test throws).
NODE_SCRIPT = r"""
import ignore from "ignore";
import { readFileSync } from "node:fs";

const { sets, paths } = JSON.parse(readFileSync(0, "utf8"));
const sources = [];
const Original = RegExp;
globalThis.RegExp = function (source, flags) {
  sources.push(source);
  return new Original(source, flags);
};
const out = sets.map((patterns) => {
  sources.length = 0;
  let ig;
  try {
    ig = ignore().add(patterns);
  } catch (error) {
    return { error: error.message };
  }
  const results = paths.map((p) => {
    try {
      return ig.test(p).ignored;
    } catch {
      return "error";
    }
  });
  return { sources: [...sources], results };
});
process.stdout.write(JSON.stringify(out));
"""

PATTERNS = [
    *BUILT_IN,
    "*.map", "node_modules", "node_modules/", "/node_modules/", "sub/", "sub", "/sub",
    "sub/*", "sub/**", "**/sub", "**/sub/**", "a/**/b", "a/**/b/", "**", "**/", "*", "/*",
    "*/", "**/*.txt", "a/**/*.txt", "**/**/x", "a/**/**/b", "a**b", "***", "x/**/", "**/x/",
    "*.TXT", "README*", "*.min.*", "?.txt", "a?c", "a??", "[abc].txt", "[a-c]*", "[!a]*",
    "[^a]*", "[z-a]x", "[0-9]*.js", "x[", "x[]", "[]", "[[]", "[]]", "[a-", "[\\]]",
    "[a\\]", "a[/]b", "a[/", "\\[a\\]", "\\?", "\\*", "\\*.txt", "\\#hash", "#comment",
    " #notcomment", "!negated", "*.txt", "!keep.txt", "\\!bang", "!!x", "!", "foo\\ ",
    "foo  ", "foo \\ ", "\\ ", "   ", "", "\ufefffoo", "foo\\", "foo\\\\", "foo\\\\\\",
    "foo\r", "foo bar", "café", "ÉTÉ.txt", "日本/*", "emoji😀", "dir/file.txt",
    "/dir/file.txt", "dir//file", "a.b", ".*", ".hidden", "*.", "/", "//", "a/", "/a/",
    "a/b/", "*/b", "a/*/c", "a]b", "a}b", "{a,b}", "a+b", "a|b", "(a)", "$x", "^x", "x.*",
    "a\\d", "\\w*", "a{2}", "a\\\\{2}", "x\\\\(y\\\\)", "x\\\\(", "x\\\\|y", "\\\\",
    "\\x41", "\\u0041b", "\\cA", "\\1", "[\\d]x", "ǅ", "k", "\u017f", "ß", "[a-z]x.K", "**/.",
    "..", "../x", "\\400", "\\377", "\\c1", "[\\c1]", "[\\c*]", "\\b\\w+\\b",
]  # fmt: skip

PATHS = [
    "a.map", "sub/a.map", "A.MAP", ".assetsignore", "sub/.assetsignore", "_headers",
    "_HEADERS", "_redirects", "node_modules", "node_modules/x.js", "x/node_modules/y/z.js",
    "sub", "sub/", "sub/x", "sub/x/y", "x/sub", "x/sub/y", "SUB/X", "a/b", "a/x/b",
    "a/x/y/b", "a/b/c.txt", "a/x/c.txt", "b.txt", "x/b.txt", "B.TXT", "README", "README.md",
    "readme.txt", "x.min.js", "xmin.js", "a.txt", "ab.txt", "abc", "abcd", "a/c", "a/y/c",
    "b", "c.txt", "d", "[a]", "a", "?", "*", "*.txt", "x*.txt", "#hash", " #notcomment",
    "negated", "keep.txt", "!bang", "foo ", "foo", "foo  ", "foo bar", "café", "CAFÉ",
    "été.txt", "日本/x", "emoji😀", "EMOJI😀", "dir/file.txt", "x/dir/file.txt",
    "dir//file", "a.b", "aXb", ".hidden", "x/.hidden", "x.", "a5", "ad", "aa", "a\\{2}",
    "weird\\name", "x[", "x[]", "x(y)", "x\\y\\", "x", "y", "A", "a/b/", "]", "a]b", "a}b",
    "{a,b}", "a+b", "a|b", "(a)", "$x", "^x", "x.y", "\\x41", "Ab", "\x01", "5x", "ǆ", "Ǆ",
    "K", "\u212a", "s", "S", "ẞ", "q/x.k", "x/y/z", "x/x/", "...", "./a", "/a", ".",
    "a/.", "a/..", "é/ü/ö.TXT", "\u2028", "x\ny", " 0", "\xff", "\\c1", "\\1", "\x11",
    "c", "a\\\\", "a\\\\\\", "x y z",
]  # fmt: skip

NEGATIONS = [
    ["*.txt", "!keep.txt"],
    ["sub/", "!sub/keep.txt"],
    ["sub/*", "!sub/x"],
    ["/*", "!/sub"],
    ["*", "!*/", "!*.txt"],
    ["**/*.map", "!vendor/**"],
    [*BUILT_IN, "*.map", "", "# c", "!a.map", "node_modules"],
    ["!*.txt"],
    ["x", "!x", "x"],
    ["x", "!x"],
    ["a/", "!a/b"],
    ["!a", "a"],
    ["*", "!a/"],
    ["*", "!a", "!a/*"],
    ["a/**", "!a/b/**"],
    ["a", "!a/b"],
]


def random_sets(count: int) -> list[list[str]]:
    """Seeded random patterns of gitignore and regexp syntax, one to three per set."""
    rng = random.Random(5_3_1)
    tokens = [
        *"ab/*?[]!\\#-. ^$(){}|+,0123c",
        *["**", "**/", "/**", "\\\\", "é", "K", "\u212a", "😀", "\r", "\t", "\\x41"],
        *["\\\\(", "\\\\)", "\\\\|", "\\\\{2}", "\\\\[", "\\\\*", "\\\\?", "\\\\.", "\\\\^"],
        *["\\[", "\\]", "\\0", "\\12", "\\cz", "\\c1", "\\u00e9", "\\d", "\\s", "\\W", "\\b"],
    ]

    def pattern(most: int) -> str:
        return "".join(rng.choice(tokens) for _ in range(rng.randint(1, most)))

    return [[pattern(8)] + [pattern(5) for _ in range(rng.randint(0, 2))] for _ in range(count)]


def run_node(script: str, payload: object) -> Any:
    modules = installed({"mime": "4.0.7", "ignore": "5.3.1"})
    done = subprocess.run(
        [str(node_binary()), "--input-type=module", "-e", script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=Path(modules).parent,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def python_answers(patterns: list[str], paths: list[str]) -> dict[str, Any]:
    """What ``run_node`` prints for one set, from this module."""
    try:
        matcher = IgnoreMatcher(patterns)
    except IgnorePatternError as error:
        return {"error": str(error)}
    results: list[bool | str] = []
    for path in paths:
        try:
            results.append(matcher.ignored(path))
        except ValueError:
            results.append("error")
    return {"sources": [rule.source for rule in matcher._rules], "results": results}


def compare(sets: list[list[str]], paths: list[str]) -> tuple[list[object], int]:
    """Mismatches between Node and this module, and how many answers were ignored=true."""
    mismatches: list[object] = []
    ignored = 0
    answers = run_node(NODE_SCRIPT, {"sets": sets, "paths": paths})
    for patterns, theirs in zip(sets, answers, strict=True):
        ours = python_answers(patterns, paths)
        if "error" in theirs or "error" in ours:
            if ("error" in theirs) != ("error" in ours):
                mismatches.append((patterns, ours.get("error"), theirs.get("error")))
            continue
        if ours["sources"] != theirs["sources"]:
            mismatches.append((patterns, ours["sources"], theirs["sources"]))
        for path, mine, node in zip(paths, ours["results"], theirs["results"], strict=True):
            if mine != node:
                mismatches.append((patterns, path, mine, node))
        ignored += sum(result is True for result in theirs["results"])
    return mismatches, ignored


def test_matrix_matches_ignore_5_3_1() -> None:
    sets = [[pattern] for pattern in PATTERNS] + NEGATIONS
    assert len(PATTERNS) > 100 and len(PATHS) > 100
    mismatches, ignored = compare(sets, PATHS)
    assert mismatches == []
    assert ignored > 1000  # both answers are well represented


def test_random_patterns_match_ignore_5_3_1() -> None:
    sets = random_sets(1500)
    paths = [*PATHS, "ab", "a/b/c", "b\\c", "(a)/b", "a|b/c"]
    mismatches, ignored = compare(sets, paths)
    assert mismatches == []
    assert ignored > 1000
    failing = sum("error" in python_answers(s, ["x"]) for s in sets)
    assert 50 < failing < 1000  # refused patterns are exercised, not the norm


# Per code unit and candidate, whether V8's case-insensitive, non-unicode RegExp matches the
# candidate with the unit as a literal and inside a class.
FOLD_SCRIPT = r"""
import { readFileSync } from "node:fs";

const candidates = JSON.parse(readFileSync(0, "utf8"));
const hex = (c) => "\\u" + c.toString(16).padStart(4, "0");
const out = [];
candidates.forEach((others, unit) => {
  const s = String.fromCharCode(unit);
  const all = new Set(others);
  for (const t of [s.toLowerCase(), s.toUpperCase()]) if (t.length === 1) all.add(t.charCodeAt(0));
  const literal = new RegExp("^" + hex(unit) + "$", "i");
  const klass = new RegExp("^[" + hex(unit) + "]$", "i");
  for (const other of all) {
    const o = String.fromCharCode(other);
    out.push([unit, other, literal.test(o), klass.test(o)]);
  }
});
process.stdout.write(JSON.stringify(out));
"""


def test_case_folding_matches_v8() -> None:
    canon = _canon()
    candidates: list[list[int]] = []
    for unit in range(0x10000):
        related = set(_units_of(canon[unit]))
        if not 0xD800 <= unit <= 0xDFFF:
            char = chr(unit)
            forms = (char.lower(), char.upper(), char.casefold(), char.title())
            related |= {ord(f) for f in forms if len(f) == 1 and ord(f) <= 0xFFFF}
        candidates.append(sorted(related - {unit}))

    def known(unit: int) -> bool:  # a character of the interpreter's Unicode version
        return 0xD800 <= unit <= 0xDFFF or unicodedata.category(chr(unit)) != "Cn"

    mismatches = []
    folded = 0
    for unit, other, literal, in_class in run_node(FOLD_SCRIPT, candidates):
        expected = canon[unit] == canon[other]
        folded += expected
        if known(unit) and known(other) and (literal, in_class) != (expected, expected):
            mismatches.append((hex(unit), hex(other), literal, in_class))
    assert mismatches == []
    assert folded > 2000
