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
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from cfaction.documents import YAMLError, load_yaml
from cfaction.errors import InputError
from cfaction.ops.base import LoadSource
from cfaction.ops.worker.modules import CONTENT_TYPES, ES_MODULE
from cfaction.ops.worker.wrangler import RouteSpec, WorkerConfig, load_worker_config
from cfaction.problems import Problems
from cfaction.values import normalize_hostname, parse_bool
from cfaction.workspace import Workspace

WORKER_INPUTS: Final[Mapping[str, str]] = {
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

SCRIPT_NAME: Final = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")
MAX_SCRIPT_NAME = 63
MAX_MESSAGE = 50
BINDING_NAME: Final = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")

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
    config_path: str | None = None
    unsupported: tuple[str, ...] = ()

    def part_name(self, path: Path) -> str:
        """A module's part name: its path relative to the entry's folder."""
        return path.relative_to(self.entry.parent).as_posix()


def secret_values(raw: Mapping[str, str]) -> Iterable[str]:
    """The values of ``secrets`` (``KEY=value`` lines), to mask before anything is printed."""
    for line in raw.get("secrets", "").splitlines():
        _, sep, value = line.partition("=")
        if sep and value.strip():
            yield from {value, value.strip()}


def load(source: LoadSource, problems: Problems) -> WorkerInputs | None:
    """Merge the inputs with the config and check them; None when the errors leave nothing
    to work with."""
    inputs, workspace = source.inputs, source.workspace
    given = inputs.given
    before = len(problems.errors)
    config: WorkerConfig | None = None
    if given("config"):
        try:
            path = workspace.file("config", given("config"))
            config = load_worker_config(path, given("environment") or None, workspace=workspace)
        except InputError as invalid:
            problems.add(invalid)
            return None
    elif given("environment"):
        problems.add(
            InputError(
                "environment",
                "is set but config is empty.",
                "Set config to your wrangler.toml, or remove environment.",
            )
        )
    attempt = problems.attempt
    name = attempt(
        lambda: _script_name(given("script_name") or (config and config.name) or ""), None
    )
    entry = attempt(lambda: _entry(given("script"), config, workspace), None)
    no_paths: tuple[Path, ...] = ()
    modules = attempt(lambda: _modules(given("modules"), workspace, entry), no_paths)
    fmt = attempt(lambda: _format(inputs.text("format"), entry, modules), None)
    date = attempt(
        lambda: _date(given("compatibility_date") or (config and config.compatibility_date) or ""),
        None,
    )
    flags = (
        tuple(_split(given("compatibility_flags")))
        if given("compatibility_flags")
        else (config.compatibility_flags if config else ())
    )
    no_vars: dict[str, Any] = {}
    vars_ = (
        attempt(lambda: _vars(given("vars")), no_vars)
        if given("vars")
        else dict(config.vars if config else {})
    )
    no_secrets: dict[str, str] = {}
    secrets = attempt(lambda: _key_values("secrets", given("secrets")), no_secrets)
    no_bindings: tuple[dict[str, Any], ...] = ()
    bindings = attempt(lambda: _bindings(given("bindings")), no_bindings)
    keep = attempt(lambda: parse_bool("keep_secrets", inputs.text("keep_secrets")), True)
    routes = (
        tuple(RouteSpec(pattern) for pattern in _split(given("routes")))
        if given("routes")
        else (config.routes if config else ())
    )
    no_domains: tuple[str, ...] = ()
    domains = attempt(lambda: _domains(given("custom_domains")), no_domains)
    workers_dev = (
        attempt(lambda: parse_bool("workers_dev", given("workers_dev")), None)
        if given("workers_dev")
        else (config.workers_dev if config else None)
    )
    percentage = attempt(lambda: _percentage(inputs.text("rollout_percentage")), 100.0)
    message = _message(given("message"), problems)
    all_bindings = (config.bindings if config and not given("bindings") else ()) + bindings
    for error in _name_clashes(vars_, secrets, all_bindings):
        problems.add(error)
    failed = len(problems.errors) > before
    if failed or name is None or entry is None or fmt is None or date is None:
        return None
    return WorkerInputs(
        script_name=name,
        entry=entry,
        modules=modules,
        format=fmt,
        compatibility_date=date,
        compatibility_flags=flags,
        vars=vars_,
        secrets=secrets,
        bindings=all_bindings,
        keep_secrets=keep,
        routes=routes,
        custom_domains=domains,
        workers_dev=workers_dev,
        rollout_percentage=percentage,
        message=message,
        account_id=config.account_id if config else None,
        config_path=given("config") or None,
        unsupported=config.unsupported if config else (),
    )


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


_BUILD_FIRST = (
    "Check the path (relative to the repository root); build the Worker before this step if "
    "the file is a build output."
)


def _entry(text: str, config: WorkerConfig | None, workspace: Workspace) -> Path:
    if text:
        return workspace.file("script", text, missing_fix=_BUILD_FIRST)
    if config is not None and config.main is not None:
        return workspace.file(
            "config",
            config.main,
            label=f"'{config.main}' (main in the config)",
            missing_fix="Build the Worker before this step (cfaction does not bundle), or fix "
            "main in the config.",
        )
    raise InputError(
        "script",
        "is required (or main in config).",
        "Set script to the built entry module, e.g. dist/index.js.",
    )


def _modules(text: str, workspace: Workspace, entry: Path | None) -> tuple[Path, ...]:
    if entry is None:
        return ()
    found: list[Path] = []
    for pattern in _split(text):
        files = workspace.glob("modules", pattern)
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
                    f"'{workspace.relative(path)}' is outside the entry "
                    f"module's folder ({workspace.relative(entry.parent)}).",
                    "Modules are named by their path relative to the entry's "
                    "folder; keep them inside it.",
                )
            if path.suffix not in CONTENT_TYPES:
                raise InputError(
                    "modules",
                    f"'{workspace.relative(path)}' has no module type.",
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
        text = "modules" if entry.suffix == ".mjs" or ES_MODULE.search(source) else "service-worker"
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
    first = text.splitlines()[0]
    if "=" in first and ":" not in first.split("=", 1)[0]:
        return _key_values("vars", text)
    try:
        document = load_yaml(text)
    except YAMLError:
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
    if not text:
        return ()
    try:
        document = load_yaml(text)
    except YAMLError as error:
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


def _message(text: str, problems: Problems) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    problems.warn(
        "message",
        f"has {len(text)} characters; Cloudflare keeps {MAX_MESSAGE}, so it was cut.",
    )
    return text[: MAX_MESSAGE - 1] + "…"


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
