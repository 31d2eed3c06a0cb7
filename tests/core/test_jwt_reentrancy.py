"""Signing the key-pair JWT while the secret sink waits on the event loop (as in the triggerer)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

_TWO_TRIGGERS = """
import asyncio, sys, threading
import greenback
from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import SQL, KeyPairCredential
from airflow_provider_spcs.core.runner import Runner
from airflow_provider_spcs.core.secrets import add_secret_sink

config = SpcsConfig.from_connection(
    login="svc", password=None, extra={"account": "myorg-myacct", "private_key_content": sys.stdin.read()}, env={}
)
heard, on_loop = [], []
loop = None

def sink(value):
    # What the triggerer's comms do for a sync send: from the loop's own thread through greenback,
    # from any other thread by handing the request to the loop and waiting for its answer.
    heard.append(value)
    if threading.get_ident() == loop_thread:
        on_loop.append(value)
        greenback.await_(asyncio.sleep(0.05))
    else:
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), loop).result(timeout=10)

async def sign():
    await greenback.ensure_portal()
    return (await Runner(KeyPairCredential(config)).atoken(SQL)).value

async def two_triggers():
    global loop, loop_thread
    loop, loop_thread = asyncio.get_running_loop(), threading.get_ident()
    return await asyncio.gather(sign(), sign())

add_secret_sink(sink)
tokens = asyncio.run(two_triggers())
print(bool(tokens[0]) and tokens[0] in heard, len(on_loop))
"""


def test_jwt_signing_survives_a_sink_that_waits_on_the_event_loop(rsa_key: Any) -> None:
    # In the triggerer, Airflow's mask_secret reaches its supervisor through the event loop: from a
    # worker thread it waits for the loop, on the loop thread it suspends through greenback while
    # the loop runs other triggers. Either way a trigger asking for the JWT meanwhile must not wait
    # on a lock the reporting one holds: that blocks the loop for good. Run apart, as a stuck loop
    # would hold the secret sinks' lock in this process too.
    done = subprocess.run(
        [sys.executable, "-c", _TWO_TRIGGERS],
        input=rsa_key.pem,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reported, on_loop = done.stdout.strip().splitlines()[-1].split()
    assert reported == "True"  # reported to the masker before use
    assert on_loop == "0"  # and never by the event loop's own thread
