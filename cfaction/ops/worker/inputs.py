"""The inputs of ``operation: worker``, merged with a wrangler configuration.

``config`` (``wrangler.toml``, ``.json`` or ``.jsonc``) supplies every input that is not
given, as wrangler's command-line flags do: an input given explicitly replaces the config's
value, except ``vars`` and ``bindings``, which add to the config's and override entries of
the same name (as ``--var`` does), and ``custom_domains``, which adds to the config's custom
domains (as ``--domain`` does). A config key cfaction does not apply stops the run here,
before any API call, naming the key.

Paths are relative to the workspace, except the config's own paths (``main``, ``base_dir``,
``rules``…), which are relative to the config file. Everything is checked before any API
call: the script name against the API's pattern, the files exist inside the workspace and
have a module type, the compatibility date, vars, secrets and bindings and their names, the
rollout percentage.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
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
from cfaction.ops.worker.bindings import ConfigBinding
from cfaction.ops.worker.bundling.node_compat import no_bundle_warning
from cfaction.ops.worker.modules import (
    PYTHON_RULE,
    TYPES_BY_SUFFIX,
    Format,
    Module,
    ModuleError,
    collect,
    detect_format,
    effective_rules,
    glob_regex,
    python_modules,
)
from cfaction.ops.worker.release import (
    ROLLBACK_MESSAGE,
    Release,
    parse_deploy,
    parse_preview_alias,
    parse_release,
)
from cfaction.ops.worker.secrets import parse_secrets
from cfaction.ops.worker.wrangler import AssetsSpec, RouteSpec, WorkerConfig, load_worker_config
from cfaction.problems import Problems
from cfaction.values import key_value_lines, normalize_hostname, parse_bool, shown
from cfaction.workspace import Workspace

WORKER_INPUTS: Final = OPERATIONS["worker"].inputs
"""The worker inputs, with the defaults action.yml gives them (declared with the
operation in :mod:`cfaction.ops`, which a run reads before importing this package)."""

SCRIPT_NAME: Final = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")
MAX_SCRIPT_NAME = 63
MAX_MESSAGE = 50
BINDING_NAME: Final = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
INPUT_BINDING = "the bindings input"
BUNDLED_SUFFIXES: Final = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"})
"""What esbuild bundles (its default loaders, and wrangler's JSX for .js)."""
UNBUNDLED_SUFFIXES: Final = frozenset({".js", ".mjs", ".cjs"})
"""What an entry uploaded as it is may be, besides a Python Worker's ``.py``."""


@dataclass(frozen=True)
class WorkerInputs:
    """What to upload and how to publish it."""

    script_name: str
    entry: Path | None
    """None: an assets-only Worker (no ``main``)."""
    format: Format | None
    """None: the bundler decides, as wrangler does (a default export means modules)."""
    modules: tuple[Module, ...]
    """The modules uploaded beside the entry (collected by the rules, and the modules input;
    with bundling, the modules find_additional_modules walks)."""
    compatibility_date: str
    compatibility_flags: tuple[str, ...]
    vars: dict[str, Any]
    secrets: dict[str, str]
    bindings: tuple[ConfigBinding, ...]
    keep_secrets: bool
    routes: tuple[RouteSpec, ...]
    custom_domains: tuple[str, ...]
    workers_dev: bool | None
    rollout_percentage: float
    message: str
    account_id: str | None = None
    config: WorkerConfig = field(default_factory=lambda: WorkerConfig(Path(".")))
    """The config's other settings (migrations, triggers, metadata fields…); empty without one."""
    config_path: str | None = None
    project_root: Path = field(default_factory=Path)
    """Where package.json and .wrangler are looked for: the config's folder, else the workspace."""
    var_sources: dict[str, str] = field(default_factory=dict)
    """Where each var comes from: ``vars`` (the config's key, as written) or the vars input."""
    bundle: bool = False
    """The entry is bundled with esbuild, as wrangler does unless ``no_bundle``."""
    assets: AssetsSpec | None = None
    """The static assets, their ``directory`` resolved and checked."""
    workspace_root: Path = field(default_factory=Path)
    deploy: bool = True
    """False: upload a version and leave the deployment as it is (``versions upload``)."""
    preview_alias: str | None = None
    release: Release | None = None
    """Deploy an existing version (or roll back) instead of uploading one."""

    @property
    def entry_name(self) -> str:
        """The main module's part name: the entry's file name, as wrangler names it."""
        return self.entry.name if self.entry is not None else ""


def load(source: LoadSource, problems: Problems) -> WorkerInputs | None:
    """Merge the inputs with the config and check them; None when the errors leave nothing
    to work with."""
    given = source.inputs.given
    before = len(problems.errors)
    attempt = problems.attempt
    release = attempt(lambda: parse_release(source.inputs), None)
    if len(problems.errors) > before:
        return None
    if release is not None:
        return _release_inputs(source, release, problems)
    config = _config(source, problems)
    if config is None:
        return None
    name = attempt(lambda: _script_name(given("script_name") or config.name or ""), None)
    assets = attempt(lambda: _assets(given("assets"), config, source.workspace), None)
    entry = attempt(
        lambda: _entry(given("script"), config, source.workspace, assets is not None), None
    )
    if assets is not None:
        attempt(lambda: _check_assets_only(assets, entry), None)
    no_bundle = (
        attempt(lambda: parse_bool("no_bundle", given("no_bundle")), None)
        if given("no_bundle")
        else config.no_bundle
    )
    # A Python Worker is uploaded as it is: esbuild bundles JavaScript.
    bundle = not no_bundle and entry is not None and entry.suffix != ".py"
    format_text = source.inputs.text("format")
    fmt = attempt(lambda: _format(format_text, entry, config, problems, bundle=bundle), None)
    no_modules: tuple[Module, ...] = ()
    modules = (
        attempt(lambda: _modules(source, config, entry, fmt, problems, bundle=bundle), no_modules)
        if entry
        else no_modules
    )
    date = attempt(
        lambda: _date(given("compatibility_date") or config.compatibility_date or ""), None
    )
    flags = (
        tuple(_split(given("compatibility_flags")))
        if given("compatibility_flags")
        else config.compatibility_flags
    )
    no_vars: dict[str, Any] = {}
    input_vars = attempt(lambda: _vars(given("vars")), no_vars) if given("vars") else no_vars
    vars_ = {**config.vars, **input_vars}
    var_sources = {name: ("the vars input" if name in input_vars else "vars") for name in vars_}
    no_secrets: dict[str, str] = {}
    secrets = attempt(lambda: parse_secrets(given("secrets"), source.workspace), no_secrets)
    no_bindings: tuple[ConfigBinding, ...] = ()
    input_bindings = attempt(lambda: _bindings(given("bindings")), no_bindings)
    bindings = _merged_bindings(config.bindings, input_bindings)
    keep = attempt(lambda: parse_bool("keep_secrets", source.inputs.text("keep_secrets")), True)
    routes = (
        tuple(RouteSpec(pattern) for pattern in _split(given("routes")))
        if given("routes")
        else config.routes
    )
    route_error = _route_error(routes, "routes" if given("routes") else "config")
    if route_error is not None:
        problems.add(route_error)
    no_domains: tuple[str, ...] = ()
    domains = attempt(lambda: _domains(given("custom_domains")), no_domains)
    workers_dev = (
        attempt(lambda: parse_bool("workers_dev", given("workers_dev")), None)
        if given("workers_dev")
        else config.workers_dev
    )
    percentage = attempt(lambda: _percentage(source.inputs.text("rollout_percentage")), 100.0)
    message = _message(given("message"), problems)
    deploy = attempt(lambda: parse_deploy(source.inputs), True)
    alias = attempt(lambda: parse_preview_alias(given("preview_alias"), name, deploy), None)
    if not deploy and percentage < 100:
        problems.add(
            InputError(
                "rollout_percentage",
                "deploys a share of traffic, and deploy: false deploys nothing.",
                "Remove rollout_percentage; deploy the version later with version_id and "
                "rollout_percentage.",
            )
        )
    for error in _name_clashes(vars_, secrets, bindings):
        problems.add(error)
    _bundling_warnings(config, flags, bundle, problems)
    failed = len(problems.errors) > before
    if failed or name is None or (entry is None and assets is None) or date is None:
        return None
    return WorkerInputs(
        script_name=name,
        entry=entry,
        format=fmt,
        modules=modules,
        compatibility_date=date,
        compatibility_flags=flags,
        vars=vars_,
        secrets=secrets,
        bindings=bindings,
        keep_secrets=keep,
        routes=tuple(r for r in routes if not r.custom_domain),
        custom_domains=_all_domains(routes, domains),
        workers_dev=workers_dev,
        rollout_percentage=percentage,
        message=message,
        account_id=config.account_id,
        config=config,
        config_path=given("config") or None,
        project_root=config.path.parent if given("config") else source.workspace.root,
        var_sources=var_sources,
        bundle=bundle,
        assets=assets,
        workspace_root=source.workspace.root,
        deploy=deploy,
        preview_alias=alias,
    )


def _release_inputs(
    source: LoadSource, release: Release, problems: Problems
) -> WorkerInputs | None:
    """The inputs of a deploy of an existing version: the Worker's name and account (from
    the config if one is given: only those are read from it) and the deployment's share and
    message."""
    given = source.inputs.given
    before = len(problems.errors)
    attempt = problems.attempt
    config = WorkerConfig(source.workspace.root / "wrangler.toml")
    if given("config"):
        loaded = attempt(
            lambda: load_worker_config(
                source.workspace.file("config", given("config")),
                given("environment") or None,
                workspace=source.workspace,
            ),
            None,
        )
        if loaded is None:
            return None
        config = loaded
    name = attempt(lambda: _script_name(given("script_name") or config.name or ""), None)
    percentage = attempt(lambda: _percentage(source.inputs.text("rollout_percentage")), 100.0)
    message = _message(given("message"), problems)
    if len(problems.errors) > before or name is None:
        return None
    return WorkerInputs(
        script_name=name,
        entry=None,
        format=None,
        modules=(),
        compatibility_date="",
        compatibility_flags=(),
        vars={},
        secrets={},
        bindings=(),
        keep_secrets=True,
        routes=(),
        custom_domains=(),
        workers_dev=None,
        rollout_percentage=percentage,
        message=message or (ROLLBACK_MESSAGE if release.kind == "rollback" else ""),
        account_id=config.account_id,
        config=config,
        config_path=given("config") or None,
        workspace_root=source.workspace.root,
        release=release,
    )


def _config(source: LoadSource, problems: Problems) -> WorkerConfig | None:
    """The config (an empty one without the input), its refusals as input errors and its
    warnings as input warnings; None when it cannot be read."""
    given = source.inputs.given
    workspace = source.workspace
    if not given("config"):
        if given("environment"):
            problems.add(
                InputError(
                    "environment",
                    "is set but config is empty.",
                    "Set config to your wrangler.toml, or remove environment.",
                )
            )
        return WorkerConfig(workspace.root / "wrangler.toml")
    try:
        path = workspace.file("config", given("config"))
        config = load_worker_config(path, given("environment") or None, workspace=workspace)
    except InputError as invalid:
        problems.add(invalid)
        return None
    for key, what in config.refused:
        problems.add(
            InputError(
                "config",
                f"{given('config')}: {key} would change the deployed Worker, and cfaction does "
                "not apply it.",
                f"{what[0].upper()}{what[1:]}.",
            )
        )
    for warning in config.warnings:
        problems.warn("config", f"{given('config')}: {warning}")
    return config


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


def _entry(text: str, config: WorkerConfig, workspace: Workspace, has_assets: bool) -> Path | None:
    """The entry module; None for an assets-only Worker (assets, and no script or main)."""
    if text:
        return workspace.file("script", text, missing_fix=_BUILD_FIRST)
    if config.main is not None:
        return workspace.file(
            "config",
            config.main,
            label=f"'{config.main}' (main in the config)",
            missing_fix="Run the Worker's build (build.command, if the config has one) in an "
            "earlier step, or fix main in the config.",
        )
    if has_assets:
        return None
    raise InputError(
        "script",
        "is required (or main in config).",
        "Set script to the Worker's entry module, e.g. src/index.ts, or give assets for a "
        "Worker that only serves static files.",
    )


def _assets(text: str, config: WorkerConfig, workspace: Workspace) -> AssetsSpec | None:
    """The assets: the config's ``assets`` with the input's folder, if given, instead of
    ``assets.directory`` (as ``--assets`` replaces it); the folder must exist in the
    workspace."""
    spec = config.assets
    if not text and spec is None:
        return None
    spec = spec or AssetsSpec(None)
    if text:
        directory = workspace.folder(
            "assets", text, missing_fix="Build the site before this step, or fix the path."
        )
    elif spec.directory is None:
        raise InputError(
            "config",
            "assets has no directory.",
            'Add directory = "./public" (the folder of static files) to [assets], or set the '
            "assets input.",
        )
    else:
        directory = workspace.folder(
            "config",
            spec.directory,
            label=f"'{spec.directory}' (assets.directory in the config)",
            missing_fix="Build the site in an earlier step, or fix assets.directory.",
        )
    return dataclasses.replace(spec, directory=directory)


def _check_assets_only(assets: AssetsSpec, entry: Path | None) -> None:
    """What wrangler refuses in a Worker that has assets and no script."""
    if entry is not None:
        return
    if assets.binding:
        raise InputError(
            "config",
            "assets.binding needs a Worker script: an assets-only Worker has no code to read it.",
            "Remove assets.binding, or set main (or the script input).",
        )
    if assets.run_worker_first:
        raise InputError(
            "config",
            "assets.run_worker_first needs a Worker script to run first.",
            "Remove run_worker_first, or set main (or the script input).",
        )


def _format(
    text: str, entry: Path | None, config: WorkerConfig, problems: Problems, *, bundle: bool
) -> Format | None:
    """The entry's format: as given, or (``auto``) as wrangler decides it from the exports
    (None: the bundler decides, from the exports esbuild finds)."""
    text = text.lower()
    if text not in ("auto", "modules", "service-worker"):
        raise InputError(
            "format", f"'{text}' is not a format.", "Write modules, service-worker, or auto."
        )
    if entry is None:
        return "modules"
    if bundle:
        if entry.suffix not in BUNDLED_SUFFIXES:
            raise InputError(
                "script",
                f"'{entry.name}' is not a JavaScript or TypeScript module, which is what "
                "esbuild bundles.",
                "Point script (or main) at the Worker's entry, e.g. src/index.ts, or set "
                "no_bundle: true to upload it as it is.",
            )
        if text == "service-worker":
            _check_service_worker(entry, config)
        if text == "auto":
            return None
        return "service-worker" if text == "service-worker" else "modules"
    if entry.suffix == ".py":
        if "python_workers" not in config.compatibility_flags:
            raise InputError(
                "script",
                f"'{entry.name}' is a Python Worker, which needs the python_workers "
                "compatibility flag.",
                'Add "python_workers" to compatibility_flags.',
            )
        return "modules"
    if entry.suffix not in UNBUNDLED_SUFFIXES and not _javascript_by_rule(entry, config):
        raise InputError(
            "script",
            f"'{shown(entry.name)}' is not a JavaScript or Python module.",
            "Point script at the built .js or .mjs entry (without no_bundle, a .ts entry is "
            "bundled).",
        )
    if text == "auto":
        source = entry.read_text(encoding="utf-8", errors="replace")
        detected, exports = detect_format(source)
        if detected == "service-worker" and exports:
            problems.warn(
                "script",
                f"{entry.name} has exports like an ES module, but no default export like a "
                'module Worker normally has; it is built as a "service-worker", as wrangler '
                "does.",
            )
        text = detected
    if text == "service-worker":
        _check_service_worker(entry, config)
        return "service-worker"
    return "modules"


def _javascript_by_rule(entry: Path, config: WorkerConfig) -> bool:
    """Whether the config's module rules make ``entry`` JavaScript (the first rule whose glob
    matches its name, relative to the module root, is an ESModule or CommonJS rule), as
    they make ``.md`` or ``.txt`` files modules when wrangler uploads without bundling."""
    root = config.base_dir or entry.parent
    try:
        name = entry.relative_to(root).as_posix()
    except ValueError:
        return False
    rules, _ = effective_rules(config.rules)
    for rule in rules:
        if any(glob_regex(glob).match(name) for glob in rule.globs):
            return rule.type in ("ESModule", "CommonJS")
    return False


def _check_service_worker(entry: Path, config: WorkerConfig) -> None:
    if config.migrations:
        raise InputError(
            "config",
            "Durable Object migrations need an ES module Worker, and "
            f"{entry.name} is a service worker.",
            "Export the Worker as `export default { fetch }` and its classes with `export class`.",
        )
    own = [
        b.where
        for b in config.bindings
        if b.binding["type"] == "durable_object_namespace"
        and b.binding.get("script_name") in (None, config.name)
    ]
    if own:
        raise InputError(
            "config",
            f"{own[0]} binds a Durable Object of this Worker, and {entry.name} is a service "
            "worker.",
            "Durable Objects need an ES module Worker: export the Worker as `export default "
            "{ fetch }` and the class with `export class`.",
        )


def _modules(
    source: LoadSource,
    config: WorkerConfig,
    entry: Path | None,
    fmt: Format | None,
    problems: Problems,
    *,
    bundle: bool,
) -> tuple[Module, ...]:
    """The modules beside the entry: what the config's rules find (wrangler's
    ``find_additional_modules``, on by default without bundling, off with it), then the
    modules input (without bundling only: a bundle's modules are what it imports)."""
    if entry is None:
        return ()
    if bundle and source.inputs.given("modules"):
        raise InputError(
            "modules",
            "uploads files as they are, and this Worker is bundled (as wrangler deploy does "
            "unless no_bundle is set).",
            "Import the files from the code instead (rules make .txt, .html, .sql, .bin and "
            ".wasm imports modules of their own), or set no_bundle: true.",
        )
    workspace = source.workspace
    module_root = config.base_dir or entry.parent
    if not workspace.contains(module_root):
        raise InputError("config", f"base_dir '{module_root}' is outside the workspace.", "")
    rules = list(config.rules)
    if entry.suffix == ".py":
        rules.append(PYTHON_RULE)
    found: list[Module] = []
    walk = config.find_additional_modules is True if bundle else config.find_additional_modules
    if walk is not False:
        kept, warnings = effective_rules(rules)
        where = f"{source.inputs.given('config')}: " if source.inputs.given("config") else ""
        for warning in warnings:
            problems.warn("config", f"{where}{warning}")
        found, duplicates = collect(
            entry,
            module_root,
            config.path.parent if source.inputs.given("config") else workspace.root,
            config.path if source.inputs.given("config") else None,
            kept,
        )
        for warning in duplicates:
            problems.warn("config", f"{where}{warning}")
    if entry.suffix == ".py":
        found.extend(python_modules(config.path.parent, config.python_exclude))
    for module in found:
        if not workspace.contains(module.path):
            raise InputError(
                "config",
                f"the module {module.name} links outside the workspace.",
                "Remove the link, or exclude it with a rule.",
            )
        if not module.path.is_file():
            raise InputError(
                "config", f"the module {module.name} is not a file.", "Exclude it with a rule."
            )
    names = {m.name for m in found}
    for module in _input_modules(source.inputs.given("modules"), workspace, module_root, entry):
        if module.name not in names:
            found.append(module)
            names.add(module.name)
    if fmt == "service-worker":
        javascript = [m.name for m in found if m.type in ("ESModule", "CommonJS")]
        if javascript:
            raise InputError(
                "modules",
                f"{javascript[0]} is a JavaScript module, and a service worker is one script.",
                "Use an ES module Worker (export default { fetch }) to upload JavaScript modules.",
            )
    return tuple(found)


def _bundling_warnings(
    config: WorkerConfig, flags: tuple[str, ...], bundle: bool, problems: Problems
) -> None:
    """wrangler's warnings for bundling settings that ``no_bundle`` makes moot."""
    if bundle:
        return
    if config.build.minify:
        problems.warn(
            "config",
            "minify and no_bundle can't be used together: the files are uploaded as they "
            "are; minify them in your own build.",
        )
    warning = no_bundle_warning(flags, no_bundle=True)
    if warning is not None:
        problems.warn("compatibility_flags", warning)


def _input_modules(text: str, workspace: Workspace, module_root: Path, entry: Path) -> list[Module]:
    modules = []
    for pattern in _split(text):
        files = workspace.glob("modules", pattern)
        if not files:
            raise InputError(
                "modules",
                f"'{pattern}' matches no file in the workspace.",
                "Check the path or glob (relative to the repository root).",
            )
        for path in files:
            if path == entry or path.suffix == ".map":
                continue
            if module_root not in path.parents:
                raise InputError(
                    "modules",
                    f"'{workspace.relative(path)}' is outside the entry "
                    f"module's folder ({workspace.relative(module_root)}).",
                    "Modules are named by their path relative to the entry's "
                    "folder; keep them inside it.",
                )
            module_type = TYPES_BY_SUFFIX.get(path.suffix)
            if module_type is None:
                raise InputError(
                    "modules",
                    f"'{workspace.relative(path)}' has no module type.",
                    f"Use one of {', '.join(TYPES_BY_SUFFIX)}, or a rule in the config.",
                )
            modules.append(Module(path.relative_to(module_root).as_posix(), path, module_type))
    return modules


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
    except DocumentError as error:
        raise InputError("vars", f"{error.problem}.", error.fix) from None
    if not isinstance(document, Mapping):
        raise InputError(
            "vars",
            "is neither a YAML/JSON mapping nor KEY=value lines.",
            "Write KEY=value lines, or a mapping such as {API_URL: https://…}.",
        )
    for key in document:
        if not isinstance(key, str):
            raise InputError(
                "vars",
                f"has the name {describe_value(key)}, which is not text.",
                "Write each var's name as a JavaScript identifier, e.g. API_URL.",
            )
        _binding_name("vars", key)
    return dict(document)


def _key_values(name: str, text: str) -> dict[str, str]:
    return key_value_lines(name, text, "Write one KEY=value per line.", _binding_name)


def _binding_name(name: str, key: str) -> None:
    if not BINDING_NAME.match(key):
        raise InputError(
            name,
            f"'{shown(key)}' is not a valid binding name.",
            "Use a JavaScript identifier: letters, digits, _ and $, not starting with a digit.",
        )


def _bindings(text: str) -> tuple[ConfigBinding, ...]:
    if not text:
        return ()
    try:
        document = load_yaml(text)
    except YAMLError as error:
        raise InputError(
            "bindings",
            f"is not valid YAML or JSON{describe_yaml_error(error)}.",
            "Write a list of binding objects.",
        ) from None
    except DocumentError as error:
        raise InputError("bindings", f"{error.problem}.", error.fix) from None
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
        result.append(ConfigBinding(f"{INPUT_BINDING} [{index}]", dict(item)))
    return tuple(result)


def _merged_bindings(
    config: tuple[ConfigBinding, ...], given: tuple[ConfigBinding, ...]
) -> tuple[ConfigBinding, ...]:
    """The config's bindings with those the input names replaced in place, then the input's
    new ones (wrangler's flags override by binding name the same way)."""
    by_name = {b.name: b for b in given}
    merged = [by_name.pop(b.name, b) for b in config]
    return (*merged, *by_name.values())


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


_ROUTE_SCHEMES: Final = ("https://", "http://")
_ROUTE_FIX: Final = (
    "Write host/path, e.g. example.com/* or *.example.com/api/*: a * only at the start of "
    "the host or the end of the path, no query string."
)


def _route_error(routes: tuple[RouteSpec, ...], input_name: str) -> InputError | None:
    """The first pattern Cloudflare would refuse after the upload, refused before any call
    (https://developers.cloudflare.com/workers/configuration/routing/routes/#matching-behavior:
    an optional scheme, a host with at most a leading ``*``, a path with at most a trailing
    ``*``, no query string)."""
    for route in routes:
        problem = _route_problem(route.pattern, custom_domain=route.custom_domain)
        if problem is None:
            continue
        if route.custom_domain:
            what, fix = "custom domain", "Write a hostname such as api.example.com (no path or *)."
        else:
            what, fix = "route", _ROUTE_FIX
        return InputError(input_name, f"the {what} '{shown(route.pattern)}' {problem}.", fix)
    return None


def _route_problem(pattern: str, *, custom_domain: bool) -> str | None:
    if "${{" in pattern:
        return "holds a GitHub expression (${{ … }}) that was never evaluated"
    bad = next((c for c in pattern if c.isspace() or not c.isprintable()), None)
    if bad is not None:
        return "contains a space" if bad == " " else f"contains the character U+{ord(bad):04X}"
    if custom_domain:
        return None if normalize_hostname(pattern) and "/" not in pattern else "is not a hostname"
    rest = pattern
    for scheme in _ROUTE_SCHEMES:
        if rest.lower().startswith(scheme):
            rest = rest[len(scheme) :]
    if "://" in rest:
        return "has a scheme other than http:// or https://"
    if "?" in rest or "#" in rest:
        return "has a query string or fragment, which a route never matches on"
    host, _, path = rest.partition("/")
    bare = host[2:] if host.startswith("*.") else host[1:] if host.startswith("*") else host
    if "*" in bare:
        return "has a * inside its host; only a leading * is allowed there"
    if "*" in path[:-1]:
        return "has a * inside its path; only a trailing * is allowed there"
    if normalize_hostname(bare) is None:
        return f"does not start with a hostname ('{shown(host, 40)}')"
    return None


def _all_domains(routes: tuple[RouteSpec, ...], given: tuple[str, ...]) -> tuple[str, ...]:
    """The config's custom-domain routes, then the input's hostnames, each once."""
    hosts = [r.pattern.lower().rstrip(".") for r in routes if r.custom_domain]
    return tuple(dict.fromkeys([*hosts, *given]))


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
    vars_: Mapping[str, Any], secrets: Mapping[str, str], bindings: tuple[ConfigBinding, ...]
) -> list[InputError]:
    seen: dict[str, str] = {}
    errors = []
    for source, names in (
        ("vars", list(vars_)),
        ("secrets", list(secrets)),
        ("bindings", [b.name for b in bindings]),
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


__all__ = ["MAX_MESSAGE", "ModuleError", "WorkerInputs", "load"]
