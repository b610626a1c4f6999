"""Run the emulator standalone with the demo state: python -m cfemu --port N."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from . import demo
from .server import Emulator


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m cfemu",
        description="Serve a local, stateful Cloudflare v4 API with demo data.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=8787, help="port (0 = any free port)")
    parser.add_argument("--quiet", action="store_true", help="do not print each request")
    return parser.parse_args(argv)


def _banner(emulator: Emulator) -> str:
    return "\n".join(
        [
            f"Cloudflare API emulator listening on {emulator.base_url}",
            f"  admin:          {emulator.root_url}/__emulator/health | log | faults",
            f"  account:        {demo.DEMO_ACCOUNT_NAME} ({demo.DEMO_ACCOUNT_ID})",
            "  zones:          "
            + ", ".join(f"{name} ({zid})" for name, zid in demo.DEMO_ZONES.items()),
            f"  token (user):   {demo.DEMO_TOKEN}",
            f"  token (acct):   {demo.DEMO_ACCOUNT_TOKEN}",
            f"  token (r/o):    {demo.DEMO_READONLY_TOKEN}",
            f"  token (zone):   {demo.DEMO_ZONE_TOKEN}",
            f"  workers.dev:    <script>.{demo.DEMO_WORKERS_SUBDOMAIN}.workers.dev",
            f"  global key:     {demo.DEMO_GLOBAL_KEY} (X-Auth-Email {demo.DEMO_EMAIL})",
            "Press Ctrl-C to stop.",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    emulator = Emulator(demo.demo_state(), host=args.host, port=args.port, verbose=not args.quiet)
    with emulator:
        print(_banner(emulator), flush=True)
        while not stopping.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
