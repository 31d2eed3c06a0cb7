"""``python -m airflow_provider_spcs.testing``: serve the emulator until Ctrl-C / SIGTERM.

stdout starts with one JSON object per line, each a ready Airflow connection (usable as the value
of ``AIRFLOW_CONN_<ID>``): key pair first, then PAT, then password and OAuth (and the session
token one with ``--token-file``). Human-readable details go to stderr. ``--help`` lists the flags;
the ``/_emulator/`` admin routes script the running emulator from any process.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

from airflow_provider_spcs.testing.airflow_connections import DEFAULT_CONN_ID, AuthMethod
from airflow_provider_spcs.testing.control.private_files import write_private_file
from airflow_provider_spcs.testing.control.secret_record import SecretRecord
from airflow_provider_spcs.testing.control.service_requests import (
    RequestError,
    ServiceDefinition,
    parse_service_option,
)
from airflow_provider_spcs.testing.control.token_rotation import TokenFileRotator, rotation_interval
from airflow_provider_spcs.testing.emulator import SpcsEmulator

CONNECTION_IDS: dict[AuthMethod, str] = {
    "key_pair": DEFAULT_CONN_ID,
    "pat": "snowflake_spcs_pat",
    "password": "snowflake_spcs_password",
    "oauth": "snowflake_spcs_oauth",
    "spcs_token": "snowflake_spcs_session_token",
}
"""Connection id of each auth method in ``--connections-file`` (stdout prints them in this order)."""
CONNECTION_ORDER: tuple[AuthMethod, ...] = ("key_pair", "pat", "password", "oauth")

_PROG = "python -m airflow_provider_spcs.testing"
_EPILOG = f"""\
--service NAME[:KEY=VALUE,...] adds a service at start (replacing one of the same name, so
ECHO_SERVICE can be scripted too). Keys:
  database, schema     where it lives (default SPCS_DB.APP)
  compute_pool         the pool it runs on (default SPCS_POOL; a new name creates an ACTIVE pool)
  status               RUNNING (default), PENDING (held until scripted), SUSPENDED or FAILED
  pending_polls        PENDING for N looks (DESCRIBE SERVICE, SHOW SERVICE CONTAINERS...), then RUNNING
  pending_seconds      PENDING for N seconds, then RUNNING (with pending_polls: whichever comes first)
  fail_after_polls     keep the starting status (RUNNING or PENDING) for N looks, then FAILED
  fail_after_seconds   the same in seconds
  message, exit_code   the failure's container message and exit code (status FAILED or fail_after_*)
  endpoints            names joined by '+', NAME:private for a private one (default: echo)
  containers           names joined by '+' (default: main)
  handler              what the public endpoints answer: echo (default: the request as JSON),
                       paginated, paginated:ITEMS or paginated:ITEMS:PAGE_SIZE (25 items, 10 a page)
  latency              seconds the service takes to answer each request (default 0)
A message may contain commas; a comma starts a new KEY=VALUE only before a known key.

examples:
  # one service PENDING for 3 looks, one that crashes after 2, a slow paginated API
  {_PROG} --port 8765 \\
      --service BATCH_SERVICE:pending_polls=3 \\
      --service 'FLAKY_SERVICE:fail_after_polls=2,message=OOMKilled: out of memory,exit_code=137' \\
      --service CATALOG_SERVICE:endpoints=api,handler=paginated:25:10,latency=2

  # hand everything to a harness through files
  {_PROG} --connections-file /tmp/spcs/connections.json \\
      --token-file /tmp/spcs/token --token-lifetime 600 --ready-file /tmp/spcs/ready
  airflow connections import /tmp/spcs/connections.json

  # script the running emulator (account URL: the ready file or the stdout connections)
  curl -X POST http://127.0.0.1:8765/_emulator/services/BATCH_SERVICE/fail -d '{{"message": "boom"}}'

Admin routes (JSON): GET|POST /_emulator/services, GET|DELETE /_emulator/services/NAME,
POST /_emulator/services/NAME/(pending|fail|suspend|resume|status|latency), POST /_emulator/session_token_file,
GET /_emulator/stats. Their answers never hold a credential. See the emulator page of the docs.
"""


def _service_option(text: str) -> ServiceDefinition:
    try:
        return parse_service_option(text)
    except RequestError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535 (0: any free port), got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"a number of seconds > 0, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Run the local SPCS emulator: the account port (connector login, SQL API v2, OAuth, "
        "admin routes) and one ingress port per public service endpoint.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=0, help="account port (default 0: a free port)")
    parser.add_argument(
        "--service",
        type=_service_option,
        action="append",
        default=[],
        metavar="NAME[:KEY=VALUE,...]",
        help="add a service at start (repeatable; keys below)",
    )
    parser.add_argument(
        "--connections-file",
        metavar="PATH",
        help="write the ready Airflow connections there as JSON {conn_id: connection} (mode 0600), "
        "for `airflow connections import` or the local filesystem secrets backend",
    )
    parser.add_argument(
        "--token-file",
        metavar="PATH",
        help="write an SPCS session token there and keep rewriting it (every 5 min, or at half the "
        "token lifetime), for spcs_token connections",
    )
    parser.add_argument(
        "--token-lifetime",
        type=_seconds,
        default=3600.0,
        metavar="SECONDS",
        help="lifetime of the tokens the emulator issues: --token-file tokens, /oauth/token exchanges "
        "and OAuth access tokens (default 3600)",
    )
    parser.add_argument(
        "--record-secrets",
        metavar="PATH",
        help="write every credential the emulator holds or issues there (mode 0600, one JSON string a "
        "line): the default user's key, PAT and password, the OAuth client secret, then each token as it "
        "is minted; for tests that scan logs for secrets",
    )
    parser.add_argument(
        "--ready-file",
        metavar="PATH",
        help="once serving, write {account, account_url, pid} there (no credentials); removed on exit",
    )
    return parser


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = _parser()
    args = parser.parse_args(argv)
    seen: set[tuple[str, str, str]] = set()
    for definition in args.service:
        key = (definition.database, definition.schema, definition.name)
        if key in seen:
            parser.error(f"argument --service: {'.'.join(key)} is given twice")
        seen.add(key)
    return args


def ready_connections(emulator: SpcsEmulator, *, session_token: bool) -> dict[str, dict[str, Any]]:
    """``{conn_id: connection}`` for every auth method (the session token one only if asked)."""
    methods = (*CONNECTION_ORDER, "spcs_token") if session_token else CONNECTION_ORDER
    return {CONNECTION_IDS[method]: emulator.connection(method) for method in methods}


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _describe(emulator: SpcsEmulator, args: argparse.Namespace) -> None:
    err = sys.stderr
    print(f"SPCS emulator for account {emulator.account} at {emulator.account_url}", file=err)
    print(f"  user {emulator.user} (role {emulator.role}), key {emulator.public_key_fingerprint}", file=err)
    for service in emulator.world.list_services():
        public = [e for e in service.endpoints if e.is_public]
        print(f"  {service.qualified_name}: {service.status}", file=err)
        for endpoint in public:
            print(f"    {endpoint.name}: {endpoint.ingress_url}", file=err)
    for label, path in (
        ("connections", args.connections_file),
        ("token file", args.token_file),
        ("secrets record", args.record_secrets),
    ):
        if path:
            print(f"  {label}: {os.path.abspath(path)}", file=err)
    if not _is_loopback(args.host):
        print(
            f"  warning: serving on {args.host}: credentials and admin routes are reachable from the network", file=err
        )
    print("  admin: GET /_emulator/services, /_emulator/stats. Stop with Ctrl-C.", file=err, flush=True)


def _write(flag: str, path: str, text: str) -> None:
    try:
        write_private_file(path, text)
    except OSError as exc:
        raise SystemExit(f"error: {flag} {path}: {exc.strerror or exc}") from None


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until interrupted; return the exit status."""
    args = _parse(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.ready_file and os.path.lexists(args.ready_file):
        os.unlink(args.ready_file)  # a stale one must not say "ready" for this run
    emulator = SpcsEmulator(host=args.host, port=args.port, token_lifetime=args.token_lifetime)
    emulator.settings.spcs_token_lifetime = args.token_lifetime
    for definition in args.service:
        definition.create(emulator)
    rotator: TokenFileRotator | None = None
    record: SecretRecord | None = None
    try:
        emulator.start()
    except OSError as exc:
        raise SystemExit(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    try:
        if args.record_secrets:
            known = (emulator.private_key_pem, emulator.pat, emulator.password, emulator.oauth_client_secret)
            try:
                record = SecretRecord(args.record_secrets, known)
            except OSError as exc:
                raise SystemExit(f"error: --record-secrets {args.record_secrets}: {exc.strerror or exc}") from None
            emulator.state.issuer.observers.append(record.add)
        if args.token_file:
            emulator.session_token_path = os.path.abspath(args.token_file)
            rotator = TokenFileRotator(emulator.session_token_file, rotation_interval(args.token_lifetime))
            try:
                rotator.start()
            except OSError as exc:
                raise SystemExit(f"error: --token-file {args.token_file}: {exc.strerror or exc}") from None
        connections = ready_connections(emulator, session_token=bool(args.token_file))
        for connection in connections.values():
            print(json.dumps(connection), flush=True)
        if args.connections_file:
            _write("--connections-file", args.connections_file, json.dumps(connections, indent=2) + "\n")
        _describe(emulator, args)
        if args.ready_file:
            ready = {"account": emulator.account, "account_url": emulator.account_url, "pid": os.getpid()}
            _write("--ready-file", args.ready_file, json.dumps(ready) + "\n")
        while not stop.wait(0.5):
            pass
    finally:
        if rotator is not None:
            rotator.stop()
        if record is not None:
            record.close()
        if args.ready_file and os.path.lexists(args.ready_file):
            os.unlink(args.ready_file)
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
