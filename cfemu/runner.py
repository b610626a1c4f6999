"""A stand-in for the GitHub Actions runner side of a Docker action step, for tests and demos.

It does what the runner does around our entrypoint (actions/runner,
src/Runner.Worker/Handlers/ContainerActionHandler.cs and the files named below):

* every input declared in ``action.yml`` becomes ``INPUT_<NAME>`` (upper-cased, spaces to
  ``_``; src/Runner.Worker/Handlers/Handler.cs ``AddInputsToEnvironment``), with its
  default when the workflow did not give it, ``""`` when it has none; a step that uses
  ``docker://image`` has no ``action.yml``, so only the ``with:`` keys arrive
  (``defaults=False``);
* fresh, empty file-command files (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, …) and the
  ``GITHUB_*`` variables, ``GITHUB_ACTIONS=true`` and ``CI=true``;
* afterwards, ``GITHUB_OUTPUT`` is parsed with the rules of the runner's
  ``EnvFileKeyValuePairs`` (src/Runner.Worker/FileCommandManager.cs) and stdout/stderr
  with those of ``ActionCommand.TryParseV2`` (src/Runner.Common/ActionCommand.cs), with
  ``::stop-commands::`` as src/Runner.Worker/ActionCommandManager.cs handles it, and the
  legacy ``##[`` form.

:func:`run_step` runs ``entrypoint.py`` as the container's main process would run;
:func:`run_container_step` runs the built image with the runner's own ``docker run`` shape,
and :func:`run_action_step` the image an ``action.yml`` names as ``docker://…`` (a released
``action.yml``, see scripts/release_action).

Nothing here is used by the action itself; the Docker image does not contain it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .github import WRITE_TOKEN

REPO_ROOT = Path(__file__).resolve().parents[1]
COMMANDS = frozenset(
    {
        "add-mask",
        "add-matcher",
        "remove-matcher",
        "debug",
        "notice",
        "warning",
        "error",
        "group",
        "endgroup",
        "echo",
        "stop-commands",
        "save-state",
        "set-output",
        "set-env",
        "add-path",
        "internal-set-repo-path",
    }
)
# The runner's file-command files: variable -> file name prefix (a random suffix follows).
FILE_COMMANDS = {
    "GITHUB_OUTPUT": "set_output_",
    "GITHUB_ENV": "set_env_",
    "GITHUB_STATE": "save_state_",
    "GITHUB_PATH": "add_path_",
    "GITHUB_STEP_SUMMARY": "step_summary_",
}


class FileCommandError(ValueError):
    """The runner would fail the step with ``Unable to process file command``."""


@dataclass(frozen=True)
class Command:
    """A workflow command the runner recognised on stdout or stderr."""

    name: str
    properties: dict[str, str]
    data: str
    line: str


@dataclass
class StepResult:
    """What a workflow (and a test) sees of one step."""

    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    commands: list[Command] = field(default_factory=list)
    workspace: Path | None = None
    report: dict[str, object] | None = None
    """The report file (``report_path``), as a later step reads it."""
    file_commands: dict[str, str] = field(default_factory=dict)
    """The text of each file command (``GITHUB_ENV``, ``GITHUB_STATE``, …) the step wrote."""
    started: float = 0.0
    """``time.monotonic()`` just before the process (or ``docker run``) was started."""

    def annotations(self, kind: str) -> list[Command]:
        return [c for c in self.commands if c.name == kind]

    @property
    def masks(self) -> list[str]:
        return [c.data for c in self.commands if c.name == "add-mask"]

    def log_lines(self) -> list[str]:
        """Every line printed, except the ``::add-mask::`` commands the runner consumes."""
        lines = (self.stdout + self.stderr).splitlines()
        return [line for line in lines if not is_mask_command(line)]

    def result(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.outputs["result"])
        return parsed


RUNNER_EXPRESSIONS = {
    "${{ github.token }}": WRITE_TOKEN,
    "${{ github.api_url }}": "https://api.github.com",
}
"""What the runner makes of the expressions action.yml defaults use: the job's token (here
one the emulated GitHub API gives write permissions) and github.com's API root."""

RUN_VARIABLES = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_API_URL": "https://api.github.com",
    "GITHUB_WORKFLOW": "CI",
    "GITHUB_JOB": "deploy",
    "GITHUB_RUN_ID": "1000001",
    "GITHUB_RUN_ATTEMPT": "1",
}
"""The run's other ``GITHUB_*`` variables, as on github.com."""


def declared_inputs(action_yml: Path = REPO_ROOT / "action.yml") -> dict[str, str]:
    """input name -> default ("" when it has none), as the runner reads and evaluates them."""
    document = yaml.safe_load(action_yml.read_text(encoding="utf-8"))
    inputs = document.get("inputs") or {}
    defaults = {name: str((spec or {}).get("default", "") or "") for name, spec in inputs.items()}
    return {str(name): RUNNER_EXPRESSIONS.get(value, value) for name, value in defaults.items()}


def input_environment(
    given: Mapping[str, str],
    action_yml: Path = REPO_ROOT / "action.yml",
    *,
    defaults: bool = True,
) -> dict[str, str]:
    """``INPUT_*`` for every declared input, plus any undeclared ``with:`` key (the runner
    only warns about those). With ``defaults=False`` only the given inputs, as the runner
    passes them to a ``docker://`` step, which has no ``action.yml`` to read."""
    values = declared_inputs(action_yml) if defaults else {}
    values.update(given)
    return {f"INPUT_{name.replace(' ', '_').upper()}": value for name, value in values.items()}


def docker_image(action_yml: Path) -> str:
    """The image a Docker action's ``runs.image`` names as ``docker://REF``, as REF.

    The runner strips the prefix and pulls REF (ContainerActionHandler.cs); this stand-in
    runs REF as it is, so it may be a local tag. Raises ValueError for anything else: a
    ``Dockerfile`` (build it and call :func:`run_container_step` with the tag), another
    ``runs.using``, or keys this stand-in does not apply (``entrypoint``, ``args``, ``env``,
    ``pre-entrypoint``, ``post-entrypoint``).
    """
    document = yaml.safe_load(action_yml.read_text(encoding="utf-8"))
    runs = document.get("runs") or {}
    if runs.get("using") != "docker":
        raise ValueError(f"{action_yml}: runs.using is {runs.get('using')!r}, not 'docker'")
    unsupported = sorted(
        set(runs) & {"entrypoint", "args", "env", "pre-entrypoint", "post-entrypoint"}
    )
    if unsupported:
        raise ValueError(f"{action_yml}: the runner stand-in does not apply runs.{unsupported}")
    image = str(runs.get("image", ""))
    if not image.lower().startswith("docker://"):
        raise ValueError(f"{action_yml}: runs.image is {image!r}, not docker://<image>")
    return image[len("docker://") :]


IMAGE_VARIABLES = ("ESBUILD_BINARY_PATH", "CFACTION_UNENV_DIR")
"""What the action's image sets in its ``ENV`` (the Dockerfile): the stand-in for it."""


def run_step(
    inputs: Mapping[str, str],
    *,
    action_yml: Path = REPO_ROOT / "action.yml",
    entrypoint: Path = REPO_ROOT / "entrypoint.py",
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    files: Mapping[str, str | bytes] | None = None,
    prepare: Callable[[Path], None] | None = None,
    defaults: bool = True,
) -> StepResult:
    """Run the entrypoint as the runner runs the container's main process.

    ``files`` are written into the temporary workspace first (path -> text or bytes), then
    ``prepare`` gets the workspace's path (to add, say, a ``node_modules`` tree). The step's
    environment is only what the runner would pass, plus ``PATH``, the variables the image
    sets for its bundler (:data:`IMAGE_VARIABLES`, taken from this process when it has them)
    and ``env``. ``defaults=False`` passes only the given inputs, as for ``docker://image``.
    """
    with tempfile.TemporaryDirectory(prefix="cfaction-step-") as tmp:
        root = Path(tmp)
        workspace = root / "workspace"
        commands_dir = root / "file_commands"
        home = root / "home"
        for folder in (workspace, commands_dir, home):
            folder.mkdir()
        write_files(workspace, files)
        if prepare is not None:
            prepare(workspace)
        paths = {
            name: commands_dir / f"{prefix}{os.urandom(8).hex()}"
            for name, prefix in FILE_COMMANDS.items()
        }
        for path in paths.values():
            path.touch()
        event = root / "event.json"
        event.write_text("{}", encoding="utf-8")
        step_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_REPOSITORY": "octo/site",
            "GITHUB_SHA": "0" * 40,
            **RUN_VARIABLES,
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(root),
            **{name: str(path) for name, path in paths.items()},
            **{name: os.environ[name] for name in IMAGE_VARIABLES if name in os.environ},
            **input_environment(inputs, action_yml, defaults=defaults),
            **(env or {}),
        }
        # The package under test must be importable exactly as in the image (/app).
        step_env["PYTHONPATH"] = str(entrypoint.parent)
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, str(entrypoint)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        outputs = parse_file_commands(paths["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
        summary = paths["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
        report = read_report(workspace, outputs)
        written = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    return StepResult(
        exit_code=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        outputs=outputs,
        summary=summary,
        commands=parse_workflow_commands(completed.stdout)
        + parse_workflow_commands(completed.stderr),
        started=started,
        report=report,
        file_commands=written,
    )


def read_report(workspace: Path, outputs: Mapping[str, str]) -> dict[str, object] | None:
    """The file ``report_path`` names, read as a later step of the job reads it (from the
    workspace, the folder steps start in); None when the output is missing or empty."""
    relative = outputs.get("report_path", "")
    if not relative:
        return None
    document: dict[str, object] = json.loads((workspace / relative).read_text(encoding="utf-8"))
    return document


def run_container_step(
    image: str,
    inputs: Mapping[str, str],
    *,
    docker_host: str | None = None,
    files: Mapping[str, str | bytes] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
    root: Path | None = None,
    action_yml: Path = REPO_ROOT / "action.yml",
    defaults: bool = True,
) -> StepResult:
    """Run the built ``image`` as the runner runs a container action's step.

    The runner's shape (actions/runner src/Runner.Worker/Container/DockerCommandManager.cs
    ``DockerRun``, called by src/Runner.Worker/Handlers/ContainerActionHandler.cs):
    ``docker run --rm --workdir /github/workspace``, ``-e NAME`` (the value comes from the
    docker CLI's environment) for every declared input as ``INPUT_*`` (``""`` when it has
    no default), the ``GITHUB_*`` variables with container paths and ``env``, and its five
    mounts (runner temp, home, workflow, file commands, workspace). ``--network host`` lets
    the step reach an emulator on the host's loopback. ``docker_host`` is the engine
    (``DOCKER_HOST``); without it the docker CLI's own choice.

    The runner's folders are made under ``root`` (kept, and ``workspace`` set on the result)
    or a temporary folder (removed; ``workspace`` is None). ``files`` are written into the
    workspace first. On a timeout the container is removed and ``TimeoutExpired`` raised.
    ``defaults=False`` passes only the given inputs, as the runner does for ``docker://``.
    """
    step = _ContainerStep(image, inputs, docker_host, files, env, timeout, action_yml, defaults)
    if root is not None:
        return step.run(root)
    with tempfile.TemporaryDirectory(prefix="cfaction-container-step-") as tmp:
        result = step.run(Path(tmp))
    result.workspace = None
    return result


def run_action_step(
    action_yml: Path,
    inputs: Mapping[str, str],
    *,
    docker_host: str | None = None,
    files: Mapping[str, str | bytes] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
    root: Path | None = None,
) -> StepResult:
    """Run a step that uses the action ``action_yml`` describes, whose ``runs.image`` is
    ``docker://REF`` (:func:`docker_image`): its inputs and defaults, then REF as
    :func:`run_container_step` runs an image. REF must exist on the engine (no pull)."""
    return run_container_step(
        docker_image(action_yml),
        inputs,
        docker_host=docker_host,
        files=files,
        env=env,
        timeout=timeout,
        root=root,
        action_yml=action_yml,
    )


@dataclass(frozen=True)
class _ContainerStep:
    image: str
    inputs: Mapping[str, str]
    docker_host: str | None
    files: Mapping[str, str | bytes] | None
    env: Mapping[str, str] | None
    timeout: float
    action_yml: Path
    defaults: bool

    def run(self, root: Path) -> StepResult:
        return _run_container(self, root)


def _run_container(step: _ContainerStep, root: Path) -> StepResult:
    image, docker_host, env, timeout = step.image, step.docker_host, step.env, step.timeout
    runner_temp = root / "_temp"
    workspace = root / "workspace"
    file_commands = runner_temp / "_runner_file_commands"
    mounts = {
        runner_temp: "/github/runner_temp",
        runner_temp / "_github_home": "/github/home",
        runner_temp / "_github_workflow": "/github/workflow",
        file_commands: "/github/file_commands",
        workspace: "/github/workspace",
    }
    for host in mounts:
        host.mkdir(parents=True, exist_ok=True)
    write_files(workspace, step.files)
    (runner_temp / "_github_workflow" / "event.json").write_text("{}", encoding="utf-8")
    commands = {name: f"{prefix}{os.urandom(8).hex()}" for name, prefix in FILE_COMMANDS.items()}
    for name in commands.values():
        (file_commands / name).touch()

    step_env = {
        **input_environment(step.inputs, step.action_yml, defaults=step.defaults),
        "HOME": "/github/home",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REPOSITORY": "octo/site",
        "GITHUB_SHA": "0" * 40,
        "GITHUB_REF": "refs/heads/main",
        **RUN_VARIABLES,
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": "/github/runner_temp",
        **{name: f"/github/file_commands/{file}" for name, file in commands.items()},
        **(env or {}),
    }
    # As the runner does: `-e NAME` only, the values come from the docker CLI's environment.
    name = f"cfaction-step-{os.urandom(6).hex()}"
    command = ["docker", "run", "--name", name, "--rm", "--workdir", "/github/workspace"]
    command += ["--network", "host"]
    for variable in step_env:
        command += ["-e", variable]
    for host, container in mounts.items():
        command += ["-v", f"{host}:{container}"]
    command.append(image)
    cli_env = {**os.environ, **step_env}
    if docker_host:
        cli_env["DOCKER_HOST"] = docker_host
    started = time.monotonic()
    try:
        completed = subprocess.run(
            command, env=cli_env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        # The CLI is gone but the container is not: remove it before giving up.
        subprocess.run(
            ["docker", "rm", "--force", name],
            env=cli_env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        raise
    outputs = parse_file_commands(
        (file_commands / commands["GITHUB_OUTPUT"]).read_text(encoding="utf-8")
    )
    return StepResult(
        exit_code=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        outputs=outputs,
        summary=(file_commands / commands["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8"),
        commands=parse_workflow_commands(completed.stdout)
        + parse_workflow_commands(completed.stderr),
        workspace=workspace,
        started=started,
        report=read_report(workspace, outputs),
    )


def write_files(workspace: Path, files: Mapping[str, str | bytes] | None) -> None:
    """Write ``files`` (relative path -> text or bytes) into the workspace."""
    for relative, content in (files or {}).items():
        target = workspace / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def is_mask_command(line: str) -> bool:
    """True for an ``::add-mask::`` line (with or without a space before ``::``)."""
    command = _parse_v2(line, COMMANDS)
    return command is not None and command.name == "add-mask"


def parse_file_commands(text: str) -> dict[str, str]:
    """Parse ``GITHUB_OUTPUT``/``GITHUB_ENV`` like the runner on Linux.

    Lines split on LF only; ``NAME=VALUE`` when ``=`` comes before any ``<<``; otherwise
    ``NAME<<DELIM`` then lines up to one equal to ``DELIM``, joined without the last LF.
    Raises :class:`FileCommandError` with the runner's message for a malformed file.
    """
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line.split("=", 1)
            if not name:
                raise FileCommandError(f"Invalid format '{line}'. Name must not be empty")
            values[name] = value
            continue
        if heredoc < 0:
            raise FileCommandError(f"Invalid format '{line}'")
        name, delimiter = line.split("<<", 1)
        if not name or not delimiter:
            raise FileCommandError(
                f"Invalid format '{line}'. Name must not be empty and delimiter must not be empty"
            )
        body: list[str] = []
        while True:
            if index >= len(lines):
                raise FileCommandError(f"Invalid value. Matching delimiter not found '{delimiter}'")
            current = lines[index]
            index += 1
            if current == delimiter:
                if index >= len(lines):  # the delimiter ended the file without its LF
                    raise FileCommandError("Invalid value. EOF marker missing new line.")
                break
            body.append(current)
        values[name] = "\n".join(body)
    return values


def parse_workflow_commands(text: str) -> list[Command]:
    """The commands the runner would execute from these lines, honouring stop-commands."""
    found: list[Command] = []
    stop_token: str | None = None
    for line in text.splitlines():
        command = _parse_v2(line, COMMANDS | ({stop_token} if stop_token else set()))
        if stop_token is not None:
            if command is not None and command.name == stop_token:
                stop_token = None
            continue
        if command is None:
            command = _parse_legacy(line)
        if command is None:
            continue
        if command.name == "stop-commands":
            stop_token = command.data.lower()
            continue
        found.append(command)
    return found


def _parse_v2(line: str, known: frozenset[str] | set[str]) -> Command | None:
    stripped = line.lstrip()
    if not stripped.startswith("::"):
        return None
    end = stripped.find("::", 2)
    if end < 0:
        return None
    info = stripped[2:end]
    name, _, props = info.partition(" ")
    if name.lower() not in known:
        return None
    properties: dict[str, str] = {}
    for pair in filter(None, props.split(",")):
        key, sep, value = pair.partition("=")
        if sep and value:
            properties[key.lower()] = _unescape_property(value)
    return Command(name.lower(), properties, _unescape_data(stripped[end + 2 :]), line)


def _parse_legacy(line: str) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    end = line.find("]", start)
    if end < 0:
        return None
    name = line[start + 3 : end].split(" ")[0].lower()
    if name not in COMMANDS:
        return None
    return Command(name, {}, line[end + 1 :], line)


def _unescape_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(value: str) -> str:
    return (
        value.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )
