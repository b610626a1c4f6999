"""Worker modules without bundling, collected as wrangler 4 collects them.

* **Module types** and their part Content-Types: ESModule ``application/javascript+module``,
  CommonJS ``application/javascript``, CompiledWasm ``application/wasm``, Text
  ``text/plain``, Data ``application/octet-stream``, PythonModule ``text/x-python``,
  PythonRequirement ``text/x-python-requirement``
  (https://developers.cloudflare.com/workers/configuration/multipart-upload-metadata/).
* **Rules** are the config's ``rules`` followed by wrangler's defaults (Text: ``**/*.txt``,
  ``**/*.html``, ``**/*.sql``; Data: ``**/*.bin``; CompiledWasm: ``**/*.wasm``,
  ``**/*.wasm?module``). Per type, rules are kept up to and including the first one without
  ``fallthrough = true``; later rules of that type are dropped, with wrangler's warning
  unless that rule says ``fallthrough = false`` (workers-sdk ``packages/wrangler/src/
  deployment-bundle/rules.ts``). There are no default JavaScript rules.
* **The walk** (``find_additional_modules``, on by default without bundling) visits every
  file under the module root (``base_dir``, else the entry's folder) in sorted order,
  depth first, skipping only ``<project>/.wrangler`` and the config file; a module is named
  by its path relative to the module root, and the first rule whose glob matches decides
  its type (``find-additional-modules.ts``). Globs follow glob-to-regexp with globstar:
  ``**/`` is zero or more folders, ``*`` stays within one, everything else is literal.
* **Format** (``guess-worker-format.ts``): an entry with a default export is an ES module
  Worker; one with other exports or none is a service worker.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from cfaction.ops.worker.wrangler import ModuleRule

ModuleType = Literal[
    "ESModule", "CommonJS", "CompiledWasm", "Text", "Data", "PythonModule", "PythonRequirement"
]
Format = Literal["modules", "service-worker"]

CONTENT_TYPES: Final[Mapping[str, str]] = {
    "ESModule": "application/javascript+module",
    "CommonJS": "application/javascript",
    "CompiledWasm": "application/wasm",
    "Text": "text/plain",
    "Data": "application/octet-stream",
    "PythonModule": "text/x-python",
    "PythonRequirement": "text/x-python-requirement",
}
SOURCE_MAP_TYPE: Final = "application/source-map"
TYPES_BY_SUFFIX: Final[Mapping[str, ModuleType]] = {
    ".js": "ESModule",
    ".mjs": "ESModule",
    ".cjs": "CommonJS",
    ".wasm": "CompiledWasm",
    ".txt": "Text",
    ".html": "Text",
    ".sql": "Text",
    ".bin": "Data",
    ".py": "PythonModule",
}
"""Module types of the files the ``modules`` input names, by file ending."""
DEFAULT_RULES: Final = (
    ModuleRule("Text", ("**/*.txt", "**/*.html", "**/*.sql")),
    ModuleRule("Data", ("**/*.bin",)),
    ModuleRule("CompiledWasm", ("**/*.wasm", "**/*.wasm?module")),
)
PYTHON_RULE: Final = ModuleRule("PythonModule", ("**/*.py",))
SERVICE_WORKER_BLOBS: Final[Mapping[str, str]] = {
    "CompiledWasm": "wasm_module",
    "Text": "text_blob",
    "Data": "data_blob",
}
_LITERAL: Final = frozenset("/$^+.()=!|?[]{},")
_BLOB_NAME: Final = re.compile(r"[^a-zA-Z0-9_$]")
_SOURCE_MAPPING_URL: Final = "//# sourceMappingURL="


class ModuleError(ValueError):
    """A module cannot be collected; the message says which file and why."""


@dataclass(frozen=True)
class Module:
    """One module of the upload: its name (the part name), its file and its type."""

    name: str
    path: Path
    type: ModuleType

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.type]


def glob_regex(glob: str, *, globstar: bool = True) -> re.Pattern[str]:
    """A glob as the npm package glob-to-regexp 0.4 reads it (``extended`` off): ``*`` is
    ``[^/]*`` (``.*`` without globstar), a whole ``**`` segment any number of folders,
    and ``? [ ] { } ,`` are literal."""
    out = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if char == "*":
            previous = glob[i - 1] if i > 0 else ""
            stars = 1
            while i + 1 < len(glob) and glob[i + 1] == "*":
                stars += 1
                i += 1
            following = glob[i + 1] if i + 1 < len(glob) else ""
            if not globstar:
                out.append(".*")
            elif stars > 1 and previous in ("/", "") and following in ("/", ""):
                out.append(r"((?:[^/]*(?:/|$))*)")
                i += 1  # the slash after ** is part of it
            else:
                out.append("([^/]*)")
        elif char in _LITERAL or not (char.isalnum() or char in "_-"):
            out.append(re.escape(char))
        else:
            out.append(char)
        i += 1
    return re.compile("^" + "".join(out) + "$")


def effective_rules(user_rules: Sequence[ModuleRule]) -> tuple[list[ModuleRule], list[str]]:
    """The config's rules followed by the defaults, with the rules no ``fallthrough`` lets
    through removed; and wrangler's warning for each type that lost rules that way."""
    kept, _, warnings = parse_rules(user_rules)
    return kept, warnings


def parse_rules(
    user_rules: Sequence[ModuleRule],
) -> tuple[list[ModuleRule], list[tuple[ModuleRule, str]], list[str]]:
    """:func:`effective_rules`, plus the removed rules, each with wrangler's JSON of it (the
    bundler refuses imports they match, naming the rule; wrangler's ``parseRules``)."""
    rules = [*user_rules, *DEFAULT_RULES]
    completed: dict[str, int] = {}
    redundant: dict[str, list[tuple[int, bool]]] = {}
    removed: set[int] = set()
    for index, rule in enumerate(rules):
        if rule.type in completed:
            if rules[completed[rule.type]].fallthrough is not False:
                redundant.setdefault(rule.type, []).append((index, index >= len(user_rules)))
            removed.add(index)
        elif rule.fallthrough is not True:
            completed[rule.type] = index
    warnings = []
    for kind, index in completed.items():
        if kind not in redundant:
            continue
        default = "default " if index >= len(user_rules) else ""
        ignored = "".join(
            f"\n {_rule_json(rules[j])}" + (" (DEFAULT)" if is_default else "")
            for j, is_default in redundant[kind]
        )
        warnings.append(
            f"The {default}module rule {_rule_json(rules[index])} does not have a fallback, "
            f"the following rules will be ignored:{ignored}\n\nAdd `fallthrough = true` to rule "
            "to allow next rule to be used or `fallthrough = false` to silence this warning"
        )
    kept = [rule for index, rule in enumerate(rules) if index not in removed]
    dropped = [(rules[index], _rule_json(rules[index])) for index in sorted(removed)]
    return kept, dropped, warnings


def _rule_json(rule: ModuleRule) -> str:
    data: dict[str, object] = {"type": rule.type, "globs": list(rule.globs)}
    if rule.fallthrough is not None:
        data["fallthrough"] = rule.fallthrough
    return json.dumps(data, separators=(",", ":"))


def walk(module_root: Path, project_root: Path, config_path: Path | None) -> Iterator[str]:
    """The files under ``module_root`` as wrangler's walk yields them: names relative to the
    root with ``/``, in byte order, depth first; ``<project>/.wrangler`` and the config file
    are skipped; links to folders are not followed."""
    skip_dir = project_root / ".wrangler"
    stack = [module_root]
    pending: list[Iterator[os.DirEntry[str]]] = []

    def entries(folder: Path) -> Iterator[os.DirEntry[str]]:
        with os.scandir(folder) as found:
            return iter(sorted(found, key=lambda e: e.name.encode()))

    pending.append(entries(stack[0]))
    while pending:
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if path != skip_dir:
                pending.append(entries(path))
        elif config_path is None or path != config_path:
            yield path.relative_to(module_root).as_posix()


def collect(
    entry: Path,
    module_root: Path,
    project_root: Path,
    config_path: Path | None,
    rules: Sequence[ModuleRule],
) -> tuple[list[Module], list[str]]:
    """The entry's additional modules: every walked file a rule matches, typed by the first
    matching rule; and the warnings wrangler prints (duplicates)."""
    patterns = [(rule.type, glob_regex(glob)) for rule in rules for glob in rule.globs]
    entry_name = _relative(entry, module_root)
    modules: dict[str, Module] = {}
    warnings: list[str] = []
    for name in walk(module_root, project_root, config_path):
        for kind, pattern in patterns:
            if not pattern.match(name):
                continue
            if name in modules:
                warnings.append(f"Ignoring duplicate module: {name} ({kind})")
                continue
            modules[name] = Module(name, module_root / name, _module_type(kind))
    modules.pop(entry_name or "", None)
    return list(modules.values()), warnings


def _module_type(kind: str) -> ModuleType:
    if kind not in CONTENT_TYPES:
        raise ModuleError(f"unknown module type {kind}")
    return kind  # type: ignore[return-value]


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def python_modules(project_root: Path, exclude: Sequence[str]) -> list[Module]:
    """``<project>/python_modules/**`` as Data modules named ``python_modules/<path>`` (its
    ``workers/*.js``/``*.mjs`` as ES modules), without the ``exclude`` globs."""
    folder = project_root / "python_modules"
    if not folder.is_dir():
        return []
    skip = [glob_regex(glob) for glob in exclude]
    modules = []
    for name in walk(folder, project_root, None):
        if any(pattern.match(name) for pattern in skip):
            continue
        module_type: ModuleType = "Data"
        if re.match(r"^workers/[^/]*\.m?js$", name):
            module_type = "ESModule"
        modules.append(Module(f"python_modules/{name}", folder / name, module_type))
    return modules


def blob_binding_name(module_name: str) -> str:
    """A service worker's blob binding (and part) for a module: non-identifier characters
    become ``_`` (``data/a.bin`` → ``data_a_bin``)."""
    return _BLOB_NAME.sub("_", module_name)


def source_map_url(content: bytes) -> str | None:
    """The ``//# sourceMappingURL=`` of a module, read from its end as wrangler does: blank
    lines and other ``//#``/``//@`` comments are skipped, anything else ends the search.

    :raises ModuleError: for a ``data:`` URL (wrangler refuses those).
    """
    text = content.decode("utf-8", errors="replace")
    for line in reversed(text.split("\n")):
        line = line.strip()
        if not line:
            continue
        if line.startswith(_SOURCE_MAPPING_URL):
            url = line[len(_SOURCE_MAPPING_URL) :].strip()
            if url.startswith("data:"):
                raise ModuleError("expected a file path but found a data URL")
            return url
        if not line.startswith(("//#", "//@")):
            return None
    return None


def rewrite_source_map(text: str, module_name: str) -> str:
    """A module's source map as wrangler uploads it: ``file`` is the module's name, and
    leading ``./`` and ``../`` are stripped from ``sourceRoot`` and ``sources``."""
    data = json.loads(text)
    data["file"] = module_name
    if data.get("sourceRoot"):
        data["sourceRoot"] = _clean_prefix(str(data["sourceRoot"]))
    data["sources"] = [_clean_prefix(str(source)) for source in data.get("sources", [])]
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _clean_prefix(path: str) -> str:
    for prefix in ("./", ".\\", "../", "..\\"):
        while path.startswith(prefix):
            path = path[len(prefix) :]
    return path


def detect_format(source: str) -> tuple[Format, bool]:
    """The format an entry is built as, and whether it has exports at all: an ES module
    Worker when it has a default export, else a service worker (wrangler warns when there
    are exports but no default one)."""
    exports = _exports(source)
    return ("modules" if "default" in exports else "service-worker"), bool(exports)


_EXPORT: Final = re.compile(
    r"""\bexport\b\s*(?:
        (?P<default>default\b)
      | \{(?P<names>[^}]*)\}
      | \*\s*as\s+(?P<star_as>[\w$]+)
      | (?P<star>\*)
      | (?:async\s+)?(?:function\*?|class|const|let|var)\s*\*?\s*(?P<declared>[\w$]+)?
    )""",
    re.VERBOSE,
)


def _exports(source: str) -> set[str]:
    """The names a module exports (``*`` for a bare ``export * from``)."""
    names: set[str] = set()
    for match in _EXPORT.finditer(_code_only(source)):
        if match.group("default"):
            names.add("default")
        elif match.group("names") is not None:
            for item in match.group("names").split(","):
                parts = item.split()
                if parts:
                    names.add(parts[-1])  # "a as default" exports "default"
        elif match.group("star_as"):
            names.add(match.group("star_as"))
        elif match.group("star"):
            names.add("*")
        elif match.group("declared"):
            names.add(match.group("declared"))
    return names


def _code_only(source: str) -> str:
    """The source with comments, strings, template literals and regular expression literals
    blanked, so that only code remains to look for ``export``."""
    out: list[str] = []
    i, length = 0, len(source)
    previous = ""  # the last significant character, to tell a regex from a division
    while i < length:
        char = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = length if end < 0 else end
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = length if end < 0 else end + 2
            out.append(" ")
            continue
        if char in "'\"`":
            i = _skip_string(source, i)
            out.append('""')
            previous = '"'
            continue
        if char == "/" and (previous == "" or previous in "(,=:[!&|?{};+-*%<>~^"):
            i = _skip_regex(source, i)
            out.append('""')
            previous = '"'
            continue
        out.append(char)
        if not char.isspace():
            previous = char
        i += 1
    return "".join(out)


def _skip_string(source: str, start: int) -> int:
    quote = source[start]
    i = start + 1
    depth = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if quote == "`" and source.startswith("${", i):
            depth += 1
            i += 2
            continue
        if quote == "`" and depth and char == "}":
            depth -= 1
        elif char == quote and not depth:
            return i + 1
        elif char == "\n" and quote != "`":
            return i
        i += 1
    return i


def _skip_regex(source: str, start: int) -> int:
    i = start + 1
    in_class = False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "\n":
            return i
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            i += 1
            while i < len(source) and (source[i].isalnum() or source[i] == "$"):
                i += 1
            return i
        i += 1
    return i
