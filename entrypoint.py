"""The action's entry point: the runner starts the container with this script."""

import sys

from cfaction.main import run_action

if __name__ == "__main__":
    sys.exit(run_action())
