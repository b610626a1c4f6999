"""Tests for cfaction.cli: options and CLOUDFLARE_* variables become the raw inputs."""

from __future__ import annotations

import json

import pytest
import responses

from cfaction import __version__, cli
from cfaction.ops import INPUT_NAMES, INPUTS, OPERATIONS
from tests.helpers import ACCOUNT_ID

ENV_TOKEN = "EnvTokenEnvTokenEnvTokenEnvTokenEnvToken"
OPTION_TOKEN = "OptTokenOptTokenOptTokenOptTokenOptToken"


@pytest.fixture(autouse=True)
def outside_github(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI as run on a laptop: no runner and no Cloudflare variables in the environment."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    for variable in cli.ENVIRONMENT_FALLBACKS.values():
        monkeypatch.delenv(variable, raising=False)


def test_the_operation_is_the_positional_argument_and_the_rest_is_empty() -> None:
    raw = cli.raw_inputs(["verify"], {})

    assert raw == {name: "" for name in INPUT_NAMES} | {"operation": "verify"}


@pytest.mark.parametrize("name", [n for n in INPUT_NAMES if n != "operation"])
def test_every_input_has_an_option_named_after_it_with_dashes(name: str) -> None:
    option = "--" + name.replace("_", "-")

    raw = cli.raw_inputs(["verify", option, "false"], {})

    assert raw[name] == "false"


def test_the_help_names_every_operation_and_each_input_default() -> None:
    actions = {action.dest: action for action in cli.build_parser()._actions}

    assert actions["operation"].help == "one of: " + ", ".join(sorted(OPERATIONS))
    assert actions["operation"].help == "one of: dns, purge, verify, worker"
    for name in INPUT_NAMES:
        if name == "operation":
            continue
        help_text = actions[name].help or ""
        if INPUTS[name] and "${{" not in INPUTS[name]:
            assert help_text.startswith(f"default: {INPUTS[name]}"), name
        else:
            assert "default" not in help_text, name
        variable = cli.ENVIRONMENT_FALLBACKS.get(name)
        assert (f"env {variable}" in help_text) is bool(variable), name


def test_options_map_to_their_inputs() -> None:
    raw = cli.raw_inputs(
        [
            "verify",
            "--api-token",
            OPTION_TOKEN,
            "--zone",
            "example.com",
            "--account-id",
            ACCOUNT_ID,
            "--max-retries",
            "2",
            "--timeout",
            "10",
            "--api-base-url",
            "http://127.0.0.1:8787/client/v4",
        ],
        {},
    )

    assert raw["api_token"] == OPTION_TOKEN
    assert raw["zone"] == "example.com"
    assert raw["account_id"] == ACCOUNT_ID
    assert raw["max_retries"] == "2"
    assert raw["timeout"] == "10"
    assert raw["api_base_url"] == "http://127.0.0.1:8787/client/v4"


@pytest.mark.parametrize(
    ("argv", "dry_run"),
    [
        (["verify", "--dry-run"], "true"),
        (["verify", "--dry-run", "false"], "false"),
        (["verify", "--dry-run=false"], "false"),
        (["verify", "--dry-run", "--zone", "example.com"], "true"),
        (["verify"], ""),
    ],
)
def test_dry_run_alone_means_true_and_takes_an_explicit_value(
    argv: list[str], dry_run: str
) -> None:
    assert cli.raw_inputs(argv, {})["dry_run"] == dry_run


def test_summary_alone_means_true_and_false_is_accepted() -> None:
    assert cli.raw_inputs(["verify", "--summary"], {})["summary"] == "true"
    assert cli.raw_inputs(["verify", "--summary", "false"], {})["summary"] == "false"


def test_dry_run_alone_before_the_operation_means_true() -> None:
    raw = cli.raw_inputs(["--dry-run", "verify", "--zone", "example.com"], {})

    assert raw["operation"] == "verify"
    assert raw["dry_run"] == "true"


@pytest.mark.parametrize(
    ("name", "variable", "value"),
    [
        ("api_token", "CLOUDFLARE_API_TOKEN", ENV_TOKEN),
        ("email", "CLOUDFLARE_EMAIL", "ops@example.com"),
        ("global_key", "CLOUDFLARE_API_KEY", "0123456789abcdef0123456789abcdef01234"),
        ("account_id", "CLOUDFLARE_ACCOUNT_ID", ACCOUNT_ID),
        ("api_base_url", "CLOUDFLARE_API_BASE_URL", "http://localhost:8787/client/v4"),
    ],
)
def test_cloudflare_variables_fill_inputs_not_given_as_options(
    name: str, variable: str, value: str
) -> None:
    raw = cli.raw_inputs(["verify"], {variable: value})

    assert raw[name] == value


@pytest.mark.parametrize(
    ("name", "option", "variable"),
    [
        ("api_token", "--api-token", "CLOUDFLARE_API_TOKEN"),
        ("email", "--email", "CLOUDFLARE_EMAIL"),
        ("global_key", "--global-key", "CLOUDFLARE_API_KEY"),
        ("account_id", "--account-id", "CLOUDFLARE_ACCOUNT_ID"),
        ("api_base_url", "--api-base-url", "CLOUDFLARE_API_BASE_URL"),
    ],
)
def test_an_option_wins_over_its_variable(name: str, option: str, variable: str) -> None:
    raw = cli.raw_inputs(["verify", option, "from-option"], {variable: "from-variable"})

    assert raw[name] == "from-option"


def test_runner_input_variables_are_not_read_by_the_cli() -> None:
    raw = cli.raw_inputs(["verify"], {"INPUT_API_TOKEN": ENV_TOKEN, "INPUT_ZONE": "example.com"})

    assert raw["api_token"] == ""
    assert raw["zone"] == ""


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        cli.raw_inputs(["--version"], {})

    assert excinfo.value.code == 0
    assert capsys.readouterr().out == f"cfaction {__version__}\n"


def test_main_without_credentials_exits_1_before_any_request(
    rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(["verify", "--zone", "example.com"])

    assert status == 1
    assert len(rsps.calls) == 0
    captured = capsys.readouterr()
    outputs = json.loads(captured.out)
    assert outputs["api_calls"] == 0
    assert outputs["result"]["ok"] is False
    assert [e["input"] for e in outputs["result"]["errors"]] == ["api_token"]
    assert "error (Input api_token): api_token: no credentials were given." in captured.err
    assert "CLOUDFLARE_API_TOKEN" in captured.err


def test_main_rejects_a_broken_token_from_the_environment_without_showing_it(
    rsps: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = f"{ENV_TOKEN} {ENV_TOKEN}"
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", broken)

    status = cli.main(["verify"])

    assert status == 1
    assert len(rsps.calls) == 0
    captured = capsys.readouterr()
    assert "error (Input api_token): api_token: contains a space or line break" in captured.err
    assert ENV_TOKEN not in captured.out + captured.err
    assert json.loads(captured.out)["api_calls"] == 0


def test_the_github_token_comes_from_github_token_and_no_workflow_expression_is_shown() -> None:
    raw = cli.raw_inputs(["dns", "--pr-comment", "true"], {"GITHUB_TOKEN": "ghs_" + "x" * 36})

    assert raw["github_token"] == "ghs_" + "x" * 36
    help_text = {a.dest: a.help or "" for a in cli.build_parser()._actions}
    assert "${{" not in help_text["github_token"] + help_text["github_api_url"]
