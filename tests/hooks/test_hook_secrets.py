"""No secret reaches a log line (any level), stdout/stderr, an exception message or a repr, for every
auth method's flows; and every secret is handed to Airflow's masker the moment it exists."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from airflow_provider_spcs.core.errors import SpcsError
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.core.secrets import add_secret_sink, remove_secret_sink
from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook

METHODS = ("key_pair", "pat", "password", "spcs_token", "oauth")


@pytest.fixture
def reported() -> Iterator[list[str]]:
    seen: list[str] = []
    add_secret_sink(seen.append)
    yield seen
    remove_secret_sink(seen.append)


def _exercise(spcs: SpcsEmulator, make_hook: MakeHook, method: str, errors: list[str], reprs: list[str]) -> None:
    url = spcs.ingress_url()
    hook = make_hook(method)
    hook.request("GET", f"{url}/a")
    spcs.inject("ingress", status=401, count=1)
    hook.request("GET", f"{url}/b")
    hook.run_sql("SELECT 1")
    hook.ingress_headers(url)
    asyncio.run(hook.arequest("POST", f"{url}/c", json={"x": 1}))
    asyncio.run(hook.aget_service_status("ECHO_SERVICE"))
    try:
        spcs.inject("ingress", status=401, count=2)
        hook.request("GET", url)
    except SpcsError as exc:
        errors.append(str(exc))
        errors.append(repr(exc))
    reprs += [repr(hook), repr(hook.get_config()), repr(hook.get_runner().credential), str(hook.get_config())]
    reprs += [repr(t) for t in hook.process.tokens.tokens()]
    reprs.append(repr(hook.get_runner().token("sql")) if hook.get_runner().credential.supports_sql_api else "")


def test_no_secret_in_logs_errors_or_reprs(
    spcs: SpcsEmulator,
    make_hook: MakeHook,
    reported: list[str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    process: ProcessState,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("airflow_provider_spcs", "httpx", "httpcore", "snowflake"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    errors: list[str] = []
    reprs: list[str] = []
    minted: list[str] = []
    for method in METHODS:
        _exercise(spcs, make_hook, method, errors, reprs)
        minted += [t.value for t in process.tokens.tokens()]  # JWTs included
    # failures carry secrets in their inputs, never in their outputs
    for method, override in (("password", {"password": "wrong-password-123"}), ("pat", {"token": "bad-pat-value-456"})):
        try:
            make_hook(method, **override).run_sql("SELECT 1")
        except SpcsError as exc:
            errors.append(str(exc))
    out, err = capsys.readouterr()
    secrets = {spcs.pat, spcs.password, spcs.oauth_client_secret, "wrong-password-123", "bad-pat-value-456", *minted}
    secrets |= {line for line in spcs.private_key_pem.splitlines() if "-----" not in line}
    secrets |= set(reported)
    secrets = {s for s in secrets if s and len(s) >= 8}
    assert len(minted) >= 8, "expected JWTs, exchanged and session tokens to have been minted"
    # everything we minted or read was announced to the masker
    assert {m for m in minted if len(m) >= 8} <= set(reported)
    assert spcs.pat in reported
    assert spcs.password in reported
    assert spcs.oauth_client_secret in reported
    haystacks = {
        "log records": caplog.text,
        "stdout": out,
        "stderr": err,
        "errors": "\n".join(errors),
        "reprs": "\n".join(reprs),
    }
    assert caplog.records, "logging was captured"
    for where, text in haystacks.items():
        leaked = [s[:6] + "..." for s in secrets if s in text]
        assert not leaked, f"secret(s) {leaked} found in {where}"


def test_hook_wires_airflow_masker(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    from airflow.sdk.log import redact  # type: ignore[attr-defined]

    hook = make_hook("pat", pat_exchange="true")
    hook.request("GET", spcs.ingress_url())
    (exchanged,) = [t.value for t in hook.process.tokens.tokens() if t.kind == "exchanged"]
    assert redact(f"pat={spcs.pat}") == "pat=***"
    assert exchanged not in str(redact(f"token {exchanged}"))


def test_spcs_token_file_contents_are_masked(
    spcs: SpcsEmulator, make_hook: MakeHook, reported: list[str], tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    value = spcs.write_session_token_file(token_file)
    make_hook("spcs_token", token_file=str(token_file)).run_sql("SELECT 1")
    assert value in reported
