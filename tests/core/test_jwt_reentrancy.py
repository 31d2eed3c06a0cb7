"""Signing the key-pair JWT while the secret sink runs the event loop again (as in the triggerer)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

_TWO_TRIGGERS = """
import asyncio, sys
import greenback
from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import SQL, KeyPairCredential
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.core.runner import Runner
from airflow_provider_spcs.core.secrets import add_secret_sink

config = SpcsConfig.from_connection(
    login="svc", password=None, extra={"account": "myorg-myacct", "private_key_content": sys.stdin.read()}, env={}
)
heard = []
runner = Runner(KeyPairCredential(config), process=ProcessState())

def sink(value):
    heard.append(value)
    greenback.await_(asyncio.sleep(0.05))  # what the triggerer's comms do for a sync send

async def sign():
    await greenback.ensure_portal()
    return (await runner.atoken(SQL)).value

async def two_triggers():
    return await asyncio.gather(sign(), sign())

add_secret_sink(sink)
tokens = asyncio.run(two_triggers())
print(bool(tokens[0]) and tokens[0] in heard)
"""


def test_jwt_signing_survives_a_sink_that_reenters_the_event_loop(rsa_key: Any) -> None:
    # In the triggerer, Airflow's mask_secret reaches its supervisor through greenback: the sync
    # call suspends and the event loop runs other triggers meanwhile. A trigger asking for the JWT
    # then must not wait on a lock the suspended one holds: that blocks the loop for good. Run
    # apart, as a stuck loop would hold the secret sinks' lock in this process too.
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
    assert done.stdout.strip().splitlines()[-1] == "True"  # reported to the masker before use
