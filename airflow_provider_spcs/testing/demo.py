"""``make demo``: a key-pair JWT -> ``/oauth/token`` exchange -> SPCS ingress call, on the emulator.

Written plainly with PyJWT and httpx so each step of the real protocol is visible. Secrets are
never printed: only lengths and the public key fingerprint.
"""

from __future__ import annotations

import json
import time

import httpx
import jwt
from cryptography.hazmat.primitives import serialization

from airflow_provider_spcs.testing.emulator import SpcsEmulator
from airflow_provider_spcs.testing.jwt_verify import normalize_account_for_jwt


def step(number: int, text: str) -> None:
    """Print a numbered step."""
    print(f"[{number}] {text}", flush=True)


def main() -> None:
    """Run the demo."""
    with SpcsEmulator() as emu:
        step(1, f"emulator for account {emu.account} at {emu.account_url}")
        endpoint_url = emu.ingress_url("ECHO_SERVICE", "echo")
        step(2, f"service ECHO_SERVICE, public endpoint 'echo' at {endpoint_url}")

        # Key-pair JWT (reference section 1): iss = ACCOUNT.USER.SHA256:<fingerprint>, lifetime < 1 h.
        account = normalize_account_for_jwt(emu.account)
        user = emu.user.upper()
        private_key = serialization.load_pem_private_key(emu.private_key_pem.encode(), password=None)
        now = int(time.time())
        claims = {
            "iss": f"{account}.{user}.{emu.public_key_fingerprint}",
            "sub": f"{account}.{user}",
            "iat": now,
            "exp": now + 59 * 60,
        }
        assertion = jwt.encode(claims, private_key, algorithm="RS256")  # type: ignore[arg-type]
        step(
            3,
            f"signed a key-pair JWT for {claims['sub']} with key {emu.public_key_fingerprint} ({len(assertion)} chars)",
        )

        # Token exchange (reference section 3): form POST, the reply body is the bare token.
        host = endpoint_url.removeprefix("http://")
        with httpx.Client(timeout=10) as client:
            reply = client.post(
                f"{emu.account_url}/oauth/token",
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": assertion,
                    "scope": f"session:role:{emu.role} {host}",
                },
            )
            reply.raise_for_status()
            token = reply.text.strip()
            expires = jwt.decode(token, options={"verify_signature": False})["exp"]
            step(
                4,
                f"POST /oauth/token -> {reply.status_code}, ingress token of {len(token)} chars, valid {expires - time.time():.0f} s",
            )

            # Ingress call (reference section 4): Authorization: Snowflake Token="<token>".
            response = client.post(
                f"{endpoint_url}/hello?name=airflow",
                json={"greeting": "hi from the demo"},
                headers={"Authorization": f'Snowflake Token="{token}"'},
            )
            step(5, f"POST {endpoint_url}/hello -> {response.status_code}")
            echoed = response.json()
            shown = {key: echoed[key] for key in ("method", "path", "query", "json", "user")}
            print(json.dumps(shown, indent=2))
            print(f"    credential forwarded to the service: {'authorization' in echoed['headers']}")
        stats = emu.stats()
        step(6, "emulator counters:")
        print(json.dumps(stats, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
