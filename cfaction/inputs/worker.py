"""The inputs of ``operation: worker``, merged with a wrangler configuration.

``config`` (``wrangler.toml``, ``.json`` or ``.jsonc``) supplies every input that is not
given; an input given explicitly wins. Paths are relative to the workspace, except the
config's own ``main``, which is relative to the config file. Everything is checked before
any API call: the script name against the API's pattern, the files exist inside the
workspace and have a module type, the compatibility date, vars, secrets and bindings and
their names, the rollout percentage.
"""

from __future__ import annotations

import datetime
import glob
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from cfaction.credentials import InputWarning
from cfaction.errors import InputError
from cfaction.inputs.values import normalize_hostname, parse_bool
from cfaction.inputs.worker_config import RouteSpec, WorkerConfig, load_worker_config

WORKER_DEFAULTS: Final[Mapping[str, str]] = {
    "config": "",
    "environment": "",
    "script_name": "",
    "script": "",
    "modules": "",
    "format": "auto",
    "compatibility_date": "",
    "compatibility_flags": "",
    "vars": "",
    "secrets": "",
    "bindings": "",
    "keep_secrets": "true",
    "routes": "",
    "custom_domains": "",
    "workers_dev": "",
    "rollout_percentage": "100",
    "message": "",
}
"""The worker inputs, with the defaults action.yml gives them."""

CONTENT_TYPES: Final[Mapping[str, str]] = {
    ".js": "application/javascript+module",
    ".mjs": "application/javascript+module",
    ".cjs": "application/javascript",
    ".wasm": "application/wasm",
    ".txt": "text/plain",
    ".html": "text/plain",
    ".bin": "application/octet-stream",
    ".map": "application/source-map",
    ".py": "text/x-python",
}
"""Module types by file ending (cloudflare-api.md §5, part Content-Type)."""

SCRIPT_NAME: Final = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")
MAX_SCRIPT_NAME = 63
MAX_MESSAGE = 50
BINDING_NAME: Final = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_ES_MODULE: Final = re.compile(
    r"(^|\n)\s*(export\s+(default|\{|\*|const|let|var|function|class|async)"
    r"|import\s+[\w{*'\"])"
)

Format = Literal["modules", "service-worker"]


@dataclass(frozen=True)
class WorkerInputs:
    """What to upload and how to publish it."""

    script_name: str
    entry: Path
    modules: tuple[Path, ...]
    format: Format
    compatibility_date: str
    compatibility_flags: tuple[str, ...]
    vars: dict[str, Any]
    secrets: dict[str, str]
    bindings: tuple[dict[str, Any], ...]
    keep_secrets: bool
    routes: tuple[RouteSpec, ...]
    custom_domains: tuple[str, ...]
    workers_dev: bool | None
    rollout_percentage: float
    message: str
    account_id: str | None = None
    workspace: Path = field(default_factory=Path)
    config_path: str | None = None
    unsupported: tuple[str, ...] = ()
    warnings: tuple[InputWarning, ...] = ()

    def part_name(self, path: Path) -> str:
        """A module's part name: its path relative to the entry's folder."""
        return path.relative_to(self.entry.parent).as_posix()


def load_worker(
    values: Mapping[str, str], workspace: Path
) -> tuple[WorkerInputs | None, list[InputError]]:
    """Merge the inputs with the config and check them; ``None`` when the errors leave
    nothing to work with."""
    errors: list[InputError] = []
    warnings: list[InputWarning] = []

    def given(name: str) -> str:
        return values.get(name, "").strip()

    config: WorkerConfig | None = None
    if given("config"):
        try:
            config_file = _inside(workspace, given("config"), "config")
            config = load_worker_config(config_file, given("environment") or None)
        except InputError as error:
            errors.append(error)
            return None, errors
    elif given("environment"):
        errors.append(
            InputError(
                "environment",
                "is set but config is empty.",
                "Set config to your wrangler.toml, or remove environment.",
            )
        )

    def attempt(parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except InputError as error:
            errors.append(error)
            return None

    name = attempt(_script_name, given("script_name") or (config.name if config else "") or "")
    entry = attempt(_entry, given("script"), config, workspace)
    modules = attempt(_modules, given("modules"), workspace, entry) if entry else ()
    fmt = attempt(_format, given("format") or "auto", entry, modules or ())
    date = attempt(
        _date, given("compatibility_date") or (config.compatibility_date if config else "") or ""
    )
    flags = (
        tuple(_split(given("compatibility_flags")))
        if given("compatibility_flags")
        else (config.compatibility_flags if config else ())
    )
    vars_ = attempt(_vars, given("vars")) if given("vars") else dict(config.vars if config else {})
    secrets = attempt(_secrets, given("secrets")) or {}
    bindings = attempt(_bindings, given("bindings")) if given("bindings") else ()
    keep = attempt(parse_bool, "keep_secrets", given("keep_secrets") or "true")
    routes = (
        tuple(RouteSpec(pattern) for pattern in _split(given("routes")))
        if given("routes")
        else (config.routes if config else ())
    )
    domains = attempt(_domains, given("custom_domains"))
    workers_dev = (
        attempt(parse_bool, "workers_dev", given("workers_dev"))
        if given("workers_dev")
        else (config.workers_dev if config else None)
    )
    percentage = attempt(_percentage, given("rollout_percentage") or "100")
    message = given("message")
    if len(message) > MAX_MESSAGE:
        warnings.append(
            InputWarning(
                "message",
                f"has {len(message)} characters; Cloudflare keeps {MAX_MESSAGE}, so it was cut.",
            )
        )
        message = message[: MAX_MESSAGE - 1] + "…"
    all_bindings = tuple(config.bindings if config and not given("bindings") else ()) + tuple(
        bindings or ()
    )
    errors.extend(_name_clashes(vars_ or {}, secrets, all_bindings))
    if errors or name is None or entry is None or fmt is None or date is None:
        return None, errors
    return WorkerInputs(
        script_name=name,
        entry=entry,
        modules=tuple(modules or ()),
        format=fmt,
        compatibility_date=date,
        compatibility_flags=flags,
        vars=vars_ or {},
        secrets=secrets,
        bindings=all_bindings,
        keep_secrets=bool(keep),
        routes=routes,
        custom_domains=tuple(domains or ()),
        workers_dev=workers_dev,
        rollout_percentage=percentage if percentage is not None else 100.0,
        message=message,
        account_id=config.account_id if config else None,
        workspace=workspace,
        config_path=given("config") or None,
        unsupported=config.unsupported if config else (),
        warnings=tuple(warnings),
    ), errors


def _inside(workspace: Path, text: str, name: str) -> Path:
    root = workspace.resolve()
    path = (root / text).resolve()
    if root != path and root not in path.parents:
        raise InputError(
            name,
            f"'{text}' is outside the workspace.",
            "Give a path relative to the repository checkout.",
        )
    if not path.is_file():
        raise InputError(
            name,
            f"the file '{text}' does not exist in the workspace.",
            "Check the path (relative to the repository root); build the Worker "
            "before this step if the file is a build output.",
        )
    return path


def _script_name(text: str) -> str:
    if not text:
        raise InputError(
            "script_name",
            "is required (or name in config).",
            "Set script_name to the Worker's name, e.g. my-worker.",
        )
    if not SCRIPT_NAME.match(text) or len(text) > MAX_SCRIPT_NAME:
        suggestion = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")[:MAX_SCRIPT_NAME]
        raise InputError(
            "script_name",
            f"'{text}' is not a valid Worker name: lower-case letters, digits, '-' and '_' "
            f"only, starting with a letter, digit or '_', at most {MAX_SCRIPT_NAME} characters.",
            f"Write e.g. {suggestion or 'my-worker'}.",
        )
    return text


def _entry(text: str, config: WorkerConfig | None, workspace: Path) -> Path:
    if text:
        return _inside(workspace, text, "script")
    if config is not None and config.main is not None:
        main = config.main.resolve()
        root = workspace.resolve()
        if root not in main.parents or not main.is_file():
            raise InputError(
                "config",
                f"main '{config.main}' does not exist in the workspace.",
                "Build the Worker before this step (cfaction does not bundle), "
                "or fix main in the config.",
            )
        return main
    raise InputError(
        "script",
        "is required (or main in config).",
        "Set script to the built entry module, e.g. dist/index.js.",
    )


def _modules(text: str, workspace: Path, entry: Path) -> tuple[Path, ...]:
    found: list[Path] = []
    root = workspace.resolve()
    for pattern in _split(text):
        matches = sorted(glob.glob(str(root / pattern), recursive=True))
        files = [Path(m).resolve() for m in matches if Path(m).is_file()]
        if not files:
            raise InputError(
                "modules",
                f"'{pattern}' matches no file in the workspace.",
                "Check the path or glob (relative to the repository root).",
            )
        for path in files:
            if entry.parent not in path.parents:
                raise InputError(
                    "modules",
                    f"'{path.relative_to(root)}' is outside the entry "
                    f"module's folder ({entry.parent.relative_to(root)}).",
                    "Modules are named by their path relative to the entry's "
                    "folder; keep them inside it.",
                )
            if path.suffix not in CONTENT_TYPES:
                raise InputError(
                    "modules",
                    f"'{path.relative_to(root)}' has no module type.",
                    f"Use one of {', '.join(CONTENT_TYPES)}.",
                )
            if path != entry and path not in found:
                found.append(path)
    return tuple(found)


def _format(text: str, entry: Path | None, modules: tuple[Path, ...]) -> Format:
    text = text.lower()
    if text not in ("auto", "modules", "service-worker"):
        raise InputError(
            "format", f"'{text}' is not a format.", "Write modules, service-worker, or auto."
        )
    if entry is None:
        return "modules"
    if text == "auto":
        source = entry.read_text(encoding="utf-8", errors="replace")
        text = (
            "modules" if entry.suffix == ".mjs" or _ES_MODULE.search(source) else ("service-worker")
        )
    if text == "service-worker" and modules:
        raise InputError(
            "format",
            "is service-worker, but modules lists further files.",
            "Service-worker scripts are one file; use an ES module Worker "
            "(export default { fetch }) to upload modules.",
        )
    if text == "modules" and entry.suffix not in (".js", ".mjs", ".cjs", ".py"):
        raise InputError(
            "script",
            f"'{entry.name}' is not a JavaScript or Python module.",
            "Point script at the built .js or .mjs entry.",
        )
    return "modules" if text == "modules" else "service-worker"


def _date(text: str) -> str:
    if not text:
        raise InputError(
            "compatibility_date",
            "is required (or compatibility_date in config).",
            f"Write the date your Worker was tested with, e.g. "
            f"{datetime.date.today().isoformat()}.",
        )
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            "compatibility_date", f"'{text}' is not a date.", "Write YYYY-MM-DD, e.g. 2026-11-01."
        ) from None
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        raise InputError(
            "compatibility_date", f"'{text}' is not YYYY-MM-DD.", "Write e.g. 2026-11-01."
        )
    return text


def _vars(text: str) -> dict[str, Any]:
    if "=" in text.splitlines()[0] and ":" not in text.splitlines()[0].split("=", 1)[0]:
        return _key_values("vars", text)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        document = None
    if not isinstance(document, Mapping):
        raise InputError(
            "vars",
            "is neither a YAML/JSON mapping nor KEY=value lines.",
            "Write KEY=value lines, or a mapping such as {API_URL: https://…}.",
        )
    result = {str(k): v for k, v in document.items()}
    for key in result:
        _binding_name("vars", key)
    return result


def _secrets(text: str) -> dict[str, str]:
    return _key_values("secrets", text)


def _key_values(name: str, text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(
                name, f"line {number} is not KEY=value.", "Write one KEY=value per line."
            )
        _binding_name(name, key)
        if key in result:
            raise InputError(name, f"names {key} twice.", "Give each name once.")
        result[key] = value.strip()
    return result


def _binding_name(name: str, key: str) -> None:
    if not BINDING_NAME.match(key):
        raise InputError(
            name,
            f"'{key}' is not a valid binding name.",
            "Use a JavaScript identifier: letters, digits, _ and $, not starting with a digit.",
        )


def _bindings(text: str) -> tuple[dict[str, Any], ...]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(
            "bindings", f"is not valid YAML or JSON: {error}.", "Write a list of binding objects."
        ) from None
    if not isinstance(document, list):
        raise InputError(
            "bindings",
            "is not a list.",
            'Write a list, e.g. [{type: kv_namespace, name: CACHE, namespace_id: "…"}].',
        )
    result = []
    for index, item in enumerate(document):
        if (
            not isinstance(item, Mapping)
            or not isinstance(item.get("type"), str)
            or not (isinstance(item.get("name"), str))
        ):
            raise InputError(
                "bindings",
                f"bindings[{index}] has no type or name.",
                "Every binding is an object with a type and a name, as the API "
                "expects (see the binding shapes in the README).",
            )
        _binding_name("bindings", item["name"])
        result.append(dict(item))
    return tuple(result)


def _domains(text: str) -> tuple[str, ...]:
    domains = []
    for item in _split(text):
        host = normalize_hostname(item)
        if host is None or "/" in item or "*" in item:
            raise InputError(
                "custom_domains",
                f"'{item}' is not a hostname.",
                "Write a hostname such as api.example.com (no scheme, path or *).",
            )
        domains.append(host)
    return tuple(domains)


def _percentage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 100:
        raise InputError(
            "rollout_percentage",
            f"'{text}' is not a percentage above 0 and up to 100.",
            "Write e.g. 10 for a gradual rollout, or 100.",
        )
    return round(value, 2)


def _name_clashes(
    vars_: Mapping[str, Any], secrets: Mapping[str, str], bindings: tuple[dict[str, Any], ...]
) -> list[InputError]:
    seen: dict[str, str] = {}
    errors = []
    for source, names in (
        ("vars", list(vars_)),
        ("secrets", list(secrets)),
        ("bindings", [str(b["name"]) for b in bindings]),
    ):
        for name in names:
            if name in seen and seen[name] != source:
                errors.append(
                    InputError(
                        source,
                        f"{name} is also defined in {seen[name]}.",
                        "A binding name is used once per Worker.",
                    )
                )
            seen.setdefault(name, source)
    return errors


def _split(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[\n,]", text) if item.strip()]


def describe_value(value: Any) -> str:
    """How a var is shown: its JSON, cut short (vars are not secret, but may be long)."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "…"
