"""``python -m cfaction``: the CLI."""

import sys

from cfaction.cli import main

sys.exit(main())
