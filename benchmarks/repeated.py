"""Figure 3 — repeated calls: N sequential endpoint calls, three ways, in one client process.

* ``hook``: ``SpcsHook.request`` from a fresh hook with cold token caches (so the first call pays
  for the JWT and the exchange, as in a real task).
* ``bare``: the physical limit — one ``httpx.Client`` with keep-alive and a header made beforehand
  (the token is fetched outside the timed loop), i.e. one round trip per call and nothing else.
* ``tutorial``: the pattern from blog posts and samples, written plainly: for every call sign a new
  JWT with PyJWT, POST it to ``/oauth/token``, then call the endpoint, each on a new connection.

Requests and exchanges come from the emulator's own counters, read around each timed run.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from benchmarks._common import Admin, delta, median

CONN_ENV = "AIRFLOW_CONN_SNOWFLAKE_SPCS_DEFAULT"


def reset_token_caches() -> None:
    """Forget exchanged tokens and signed JWTs, so a run starts as a fresh worker would.

    The parsed key stays cached: the provider parses it once per process by design.
    """
    from airflow_provider_spcs.core.process import PROCESS

    PROCESS.tokens.clear()


class Tutorial:
    """The per-call JWT + exchange + new-connection pattern, as tutorials write it."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization

        conn = json.loads(os.environ[CONN_ENV])
        extra = conn["extra"]
        # Being generous to the baseline: the key is parsed once, not per call.
        self.key = serialization.load_pem_private_key(extra["private_key_content"].encode(), password=None)
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
        self.account = extra["account"].upper()
        self.user = conn["login"].upper()
        self.role = extra["role"]
        self.token_url = extra["account_url"] + "/oauth/token"

    def call(self, url: str) -> int:
        """One endpoint call the tutorial way; returns the HTTP status."""
        import httpx
        import jwt

        now = int(time.time())
        qualified = f"{self.account}.{self.user}"
        assertion = jwt.encode(
            {"iss": f"{qualified}.{self.fingerprint}", "sub": qualified, "iat": now, "exp": now + 3540},
            self.key,  # type: ignore[arg-type]
            algorithm="RS256",
        )
        host = urlsplit(url).netloc
        exchanged = httpx.post(
            self.token_url,
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "scope": f"session:role:{self.role} {host}",
                "assertion": assertion,
            },
        )
        exchanged.raise_for_status()
        response = httpx.get(url, headers={"Authorization": f'Snowflake Token="{exchanged.text}"'})
        return response.status_code


def _timed(n: int, call: Callable[[], int]) -> tuple[list[float], float]:
    times: list[float] = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        status = call()
        times.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise RuntimeError(f"endpoint call returned HTTP {status}")
    return times, (time.perf_counter() - started) * 1000


def _hook_call(hook: Any, url: str) -> int:
    return int(hook.request("GET", url).status_code)


def _bare_call(client: Any, url: str) -> int:
    return int(client.get(url).status_code)


def run_once(admin: Admin, url: str, variant: str, n: int, tutorial: Tutorial | None) -> dict[str, Any]:
    """One timed run of ``n`` calls with ``variant``, from cold token caches."""
    import httpx

    from airflow_provider_spcs.hooks.spcs import SpcsHook

    reset_token_caches()
    hook = SpcsHook()
    hook.get_config()  # the connection read belongs to the cold-latency figure
    client: httpx.Client | None = None
    call: Callable[[], int]
    if variant == "hook":
        call = functools.partial(_hook_call, hook, url)
    elif variant == "bare":
        headers = hook.ingress_headers(url)  # fetched before the clock starts: the limit
        client = httpx.Client(headers=headers)
        call = functools.partial(_bare_call, client, url)
    else:
        if tutorial is None:
            raise ValueError("the tutorial variant needs a Tutorial")
        call = functools.partial(tutorial.call, url)
    try:
        before = admin.stats()
        times, total = _timed(n, call)
        counts = delta(before, admin.stats())
    finally:
        if client is not None:
            client.close()
        hook.close()
    return {"times": times, "total": total, "counts": counts}


def summarize(variant: str, n: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over runs: per-call (all calls pooled), total; counters (exchanges: min and max)."""
    counts = [r["counts"] for r in runs]
    return {
        "variant": variant,
        "n": n,
        "repeats": len(runs),
        "per_call_ms": median([t for r in runs for t in r["times"]]),
        "total_ms": median([r["total"] for r in runs]),
        "requests": int(median([c["requests.total"] for c in counts])),
        "ingress_requests": int(median([c.get("requests.ingress", 0) for c in counts])),
        "exchanges": max(c["exchanges"] for c in counts),
        "exchanges_min": min(c["exchanges"] for c in counts),
    }
