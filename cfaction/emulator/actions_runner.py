"""A stand-in for the GitHub Actions runner side of a Docker action step, for tests and demos.

It does what the runner does around our entrypoint (github-actions-contract.md §1-§4):

* every input declared in ``action.yml`` becomes ``INPUT_<NAME>`` (upper-cased, spaces to
  ``_``), with its default when the workflow did not give it, ``""`` when it has none;
* fresh, empty file-command files (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, …) and the
  ``GITHUB_*`` variables, ``GITHUB_ACTIONS=true`` and ``CI=true``;
* afterwards, ``GITHUB_OUTPUT`` is parsed with the rules of the runner's
  ``EnvFileKeyValuePairs`` and stdout/stderr with those of ``ActionCommand.TryParseV2``
  (including ``::stop-commands::`` and the legacy ``##[`` form).

Nothing here is used by the action itself; the Docker image does not contain it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
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


def declared_inputs(action_yml: Path = REPO_ROOT / "action.yml") -> dict[str, str]:
    """input name -> default ("" when it has none), as the runner reads them."""
    document = yaml.safe_load(action_yml.read_text(encoding="utf-8"))
    inputs = document.get("inputs") or {}
    return {str(name): str((spec or {}).get("default", "") or "") for name, spec in inputs.items()}


def input_environment(
    given: Mapping[str, str], action_yml: Path = REPO_ROOT / "action.yml"
) -> dict[str, str]:
    """``INPUT_*`` for every declared input, plus any undeclared ``with:`` key (the runner
    only warns about those)."""
    values = declared_inputs(action_yml)
    values.update(given)
    return {f"INPUT_{name.replace(' ', '_').upper()}": value for name, value in values.items()}


def run_step(
    inputs: Mapping[str, str],
    *,
    action_yml: Path = REPO_ROOT / "action.yml",
    entrypoint: Path = REPO_ROOT / "entrypoint.py",
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    files: Mapping[str, str | bytes] | None = None,
) -> StepResult:
    """Run the entrypoint as the runner runs the container's main process.

    ``files`` are written into the temporary workspace first (path -> text or bytes). The step's
    environment is only what the runner would pass, plus ``PATH`` and ``env``.
    """
    with tempfile.TemporaryDirectory(prefix="cfaction-step-") as tmp:
        root = Path(tmp)
        workspace = root / "workspace"
        commands_dir = root / "file_commands"
        home = root / "home"
        for folder in (workspace, commands_dir, home):
            folder.mkdir()
        for relative, text in (files or {}).items():
            target = workspace / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text, encoding="utf-8")
        paths = {
            name: commands_dir / f"{prefix}{os.urandom(8).hex()}"
            for name, prefix in (
                ("GITHUB_OUTPUT", "set_output_"),
                ("GITHUB_ENV", "set_env_"),
                ("GITHUB_STATE", "save_state_"),
                ("GITHUB_PATH", "add_path_"),
                ("GITHUB_STEP_SUMMARY", "step_summary_"),
            )
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
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(root),
            **{name: str(path) for name, path in paths.items()},
            **input_environment(inputs, action_yml),
            **(env or {}),
        }
        # The package under test must be importable exactly as in the image (/app).
        step_env["PYTHONPATH"] = str(entrypoint.parent)
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
    return StepResult(
        exit_code=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        outputs=outputs,
        summary=summary,
        commands=parse_workflow_commands(completed.stdout)
        + parse_workflow_commands(completed.stderr),
    )


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
