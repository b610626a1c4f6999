"""The ``cfaction`` command: the same engine with options and ``CLOUDFLARE_*`` variables.

``cfaction verify --zone example.com`` reads the API token from ``CLOUDFLARE_API_TOKEN``
(or ``--api-token``, which other users of the machine can see in the process list).
Option names are the input names with ``-``; an option given wins over its variable.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from cfaction import __version__
from cfaction.main import execute
from cfaction.ops import INPUT_NAMES, INPUTS, OPERATIONS
from cfaction.report import make_reporter

ENVIRONMENT_FALLBACKS: Mapping[str, str] = {
    "api_token": "CLOUDFLARE_API_TOKEN",
    "email": "CLOUDFLARE_EMAIL",
    "global_key": "CLOUDFLARE_API_KEY",
    "account_id": "CLOUDFLARE_ACCOUNT_ID",
    "api_base_url": "CLOUDFLARE_API_BASE_URL",
    "github_token": "GITHUB_TOKEN",
}
"""input -> environment variable read when the option is not given."""

_FLAGS = ("dry_run", "summary")


def build_parser() -> argparse.ArgumentParser:
    """Every input as an option; the two flags take an optional boolean."""
    parser = argparse.ArgumentParser(
        prog="cfaction",
        description="Purge cache, upsert DNS records, deploy Workers and verify credentials "
        "on Cloudflare. Prints the summary on stderr and the outputs as JSON on stdout.",
    )
    parser.add_argument("--version", action="version", version=f"cfaction {__version__}")
    parser.add_argument("operation", help=f"one of: {', '.join(sorted(OPERATIONS))}")
    for name in INPUT_NAMES:
        if name == "operation":
            continue
        option = "--" + name.replace("_", "-")
        default = INPUTS[name]
        variable = ENVIRONMENT_FALLBACKS.get(name)
        # A workflow expression (${{ github.token }}) is the runner's to evaluate: none here.
        help_text = f"default: {default}" if default and "${{" not in default else ""
        if variable:
            help_text = f"{help_text}; env {variable}" if help_text else f"env {variable}"
        if name in _FLAGS:
            # `--dry-run` alone means true; `--dry-run false` is accepted too.
            parser.add_argument(
                option,
                dest=name,
                nargs="?",
                const="true",
                default="",
                metavar="BOOL",
                help=help_text,
            )
        else:
            parser.add_argument(option, dest=name, default="", help=help_text or None)
    return parser


def _bind_flag_values(argv: Sequence[str]) -> list[str]:
    """``--dry-run`` takes the next word only when it is a boolean (``--dry-run false``);
    otherwise it means true, so ``cfaction --dry-run verify`` keeps ``verify`` as the
    operation (argparse alone would take it as the flag's value)."""
    flags = {"--" + name.replace("_", "-") for name in _FLAGS}
    args = list(argv)
    for index, arg in enumerate(args):
        following = args[index + 1] if index + 1 < len(args) else ""
        if arg in flags and following.strip().lower() not in ("true", "false"):
            args[index] = f"{arg}=true"
    return args


def raw_inputs(argv: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """Options, then ``CLOUDFLARE_*`` variables, as the raw input strings."""
    args = vars(build_parser().parse_args(_bind_flag_values(argv)))
    raw = {name: str(args.get(name) or "") for name in INPUT_NAMES}
    for name, variable in ENVIRONMENT_FALLBACKS.items():
        if not raw[name]:
            raw[name] = environ.get(variable, "")
    return raw


def main(argv: Sequence[str] | None = None) -> int:
    """``cfaction <operation> [--option value ...]``; returns the exit code."""
    raw = raw_inputs(sys.argv[1:] if argv is None else argv, os.environ)
    return execute(raw, make_reporter(os.environ))


if __name__ == "__main__":
    sys.exit(main())
