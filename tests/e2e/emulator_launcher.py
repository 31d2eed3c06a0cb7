"""Run the SPCS emulator as its own process for the end-to-end run, with the services it needs.

``python tests/e2e/emulator_launcher.py --state-dir DIR``

This file is the only place that knows how the emulator is started and scripted. It prints one
JSON line when ready (connections, the secrets a log must never show, services), then answers
one JSON command per stdin line with one JSON line on stdout:

==========================================================  ===========================================
``{"op": "hold", "service": S}``                            PENDING until released
``{"op": "release", "service": S}``                         RUNNING now
``{"op": "fail", "service": S, "message": M}``              FAILED now, with a container message
``{"op": "service", "service": S}``                         ``{"status", "polls"}``: status and poll count
``{"op": "secrets"}``                                       every secret so far, minted tokens included
==========================================================  ===========================================

Counters come from the emulator's own ``GET /_emulator/stats``. It stops on stdin EOF or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from starlette.requests import Request
from starlette.responses import Response

from airflow_provider_spcs.testing import SpcsEmulator, echo_handler, paginated_handler
from airflow_provider_spcs.testing.handlers import Handler

#: Seconds each call to these endpoints takes: long enough that a deferred request is seen deferred.
SLOW_ENDPOINTS = {("ECHO_SERVICE", "echo"): 1.5, ("CATALOG_SERVICE", "api"): 1.0}
CONNECTIONS = {
    # conn id -> auth method; the examples use the first two
    "snowflake_spcs_default": "key_pair",
    "snowflake_spcs_pat": "pat",
    "spcs_e2e_key_pair": "key_pair",
    "spcs_e2e_pat": "pat",
    "spcs_e2e_password": "password",
    "spcs_e2e_oauth": "oauth",
    "spcs_e2e_spcs_token": "spcs_token",
}

EXAMPLE_CONNECTIONS = ("snowflake_spcs_default", "snowflake_spcs_pat")
HARNESS_POOL = "E2E_POOL"
#: The plain connection example_spcs_rotate_secret rotates into SERVICE_API_KEY (the key in its password).
EXAMPLE_API_KEY_CONN = "example_api_key"


def slow(handler: Handler, seconds: float) -> Handler:
    """``handler`` behind a service that takes ``seconds`` to answer."""

    async def answer(request: Request) -> Response:
        await asyncio.sleep(seconds)
        return await handler(request)

    return answer


class Launcher:
    """The emulator, its scripted world, and every secret it hands out or mints."""

    def __init__(self, state_dir: str) -> None:
        self.emu = SpcsEmulator()
        self.token_file = os.path.join(state_dir, "spcs-session-token")
        self._minted: list[str] = []
        self._minted_lock = threading.Lock()
        self.example_api_key = "e2e-api-key-" + secrets.token_urlsafe(18)
        issuer = self.emu.state.issuer
        mint = issuer.mint

        def recording_mint(*args: Any, **kwargs: Any) -> str:
            token = mint(*args, **kwargs)
            with self._minted_lock:
                self._minted.append(token)
            return token

        issuer.mint = recording_mint  # type: ignore[method-assign]

    def start(self) -> dict[str, Any]:
        emu = self.emu.start()
        # The harness's own services run on a pool of their own: the pool examples suspend SPCS_POOL
        # (and every service on it) while the scheduled DAG and the triggerer restart still need theirs.
        emu.add_service("CATALOG_SERVICE", endpoints=(("api", True),), compute_pool=HARNESS_POOL)
        emu.add_service("TICK_SERVICE", endpoints=(("api", True),), compute_pool=HARNESS_POOL)
        emu.add_service("SLOW_SERVICE", endpoints=(("api", True),), status="PENDING", compute_pool=HARNESS_POOL)
        handlers: dict[tuple[str, str], Handler] = {
            ("ECHO_SERVICE", "echo"): echo_handler,
            ("CATALOG_SERVICE", "api"): paginated_handler(25, page_size=10),
        }
        for (service, endpoint), handler in handlers.items():
            delay = SLOW_ENDPOINTS.get((service, endpoint), 0.0)
            emu.set_handler(service, endpoint, slow(handler, delay) if delay else handler)
        emu.write_session_token_file(self.token_file)
        connections = {}
        for conn_id, method in CONNECTIONS.items():
            # Airflow's masker walks every extra value of a connection a task reads and warns about
            # any shorter than 5 characters, secret or not ("Skipping masking for a secret as it's
            # too short"). The examples name their services in full, so they need no default
            # schema ("APP"), and a PAT connection infers auth_method ("pat") from its token.
            overrides: dict[str, Any] = {"schema": None}
            if method == "spcs_token":
                overrides["token_file"] = self.token_file
            connection = emu.connection(method, **overrides)  # type: ignore[arg-type]
            if conn_id in EXAMPLE_CONNECTIONS and method == "pat":
                del connection["extra"]["auth_method"]
            connections[conn_id] = connection
        connections[EXAMPLE_API_KEY_CONN] = {"conn_type": "generic", "password": self.example_api_key}
        return {
            "account_url": emu.account_url,
            "account": emu.account,
            "user": emu.user,
            "connections": connections,
            "auth_methods": dict(CONNECTIONS),
            "secrets": self.secrets(),
            "services": {s.name: [e.ingress_url for e in s.endpoints] for s in emu.world.list_services()},
        }

    def secrets(self) -> list[str]:
        emu = self.emu
        with self._minted_lock:
            minted = list(self._minted)
        return [
            emu.private_key_pem,
            emu.pat,
            emu.password,
            emu.oauth_client_secret,
            self.example_api_key,
            *minted,
        ]

    def command(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "secrets":
            return {"secrets": self.secrets()}
        service = self.emu.service(str(request["service"]))
        actions: dict[str, Callable[[], None]] = {
            "hold": lambda: service.set_status("PENDING"),
            "release": lambda: service.set_status("RUNNING"),
            "fail": lambda: service.fail(str(request.get("message") or "Container exited with an error")),
            "service": lambda: None,
        }
        if op not in actions:
            raise ValueError(f"unknown op {op!r}")
        actions[str(op)]()
        return {"status": service.status, "polls": service.poll_count}


def serve(launcher: Launcher, out: TextIO) -> None:
    def reply(payload: dict[str, Any]) -> None:
        out.write(json.dumps(payload) + "\n")
        out.flush()

    reply({"ready": launcher.start()})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply({"ok": launcher.command(json.loads(line))})
        except (KeyError, ValueError, TypeError) as exc:
            reply({"error": f"{type(exc).__name__}: {exc}"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True, help="folder for the SPCS session token file")
    args = parser.parse_args()
    # The protocol owns stdout; anything else that prints goes to stderr (the process log).
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    launcher = Launcher(args.state_dir)
    try:
        serve(launcher, out)
    finally:
        launcher.emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
