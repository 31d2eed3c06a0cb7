"""``python -m airflow_provider_spcs.testing``: serve the default world until Ctrl-C / SIGTERM.

stdout starts with one JSON object per line, each a ready Airflow connection (usable as the value
of ``AIRFLOW_CONN_<ID>``): key pair first, then PAT, then password and OAuth. Human-readable
details go to stderr.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from airflow_provider_spcs.testing.airflow_connections import AuthMethod
from airflow_provider_spcs.testing.emulator import SpcsEmulator

CONNECTION_ORDER: tuple[AuthMethod, ...] = ("key_pair", "pat", "password", "oauth")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_spcs.testing", description="Run the local SPCS emulator."
    )
    parser.add_argument("--port", type=int, default=0, help="account port (default: a free port)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until interrupted; return the exit status."""
    args = _parse(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator = SpcsEmulator(host=args.host, port=args.port).start()
    try:
        for method in CONNECTION_ORDER:
            print(json.dumps(emulator.connection(method)), flush=True)
        err = sys.stderr
        print(f"SPCS emulator for account {emulator.account} at {emulator.account_url}", file=err)
        print(f"  user {emulator.user} (role {emulator.role}), key {emulator.public_key_fingerprint}", file=err)
        for service in emulator.world.list_services():
            for endpoint in service.endpoints:
                if endpoint.is_public:
                    print(f"  {service.qualified_name}/{endpoint.name}: {endpoint.ingress_url}", file=err)
        print("  stats: GET /_emulator/stats. Stop with Ctrl-C.", file=err, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
