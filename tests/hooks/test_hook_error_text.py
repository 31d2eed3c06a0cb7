"""Servers that echo back what they were sent (token servers, the SQL API, a service) are real HTTP
servers here (the recorder on 127.0.0.2, the emulator): the secrets must not come back in exception
text. JWT rejections explain themselves."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.core.errors import SpcsApiError, SpcsAuthError, SpcsError, SpcsTokenExchangeError
from airflow_provider_spcs.testing import SpcsEmulator
from tests.recorder import Recorded, Reply

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook
    from tests.recorder import Recorder


def _echo_form(seen: Recorded) -> Reply:
    """A token server that answers 400 and quotes the whole request back."""
    said = {"form": dict(parse_qsl(seen.body.decode())), "headers": seen.headers}
    body = {"error": "invalid_request", "message": f"bad request: {json.dumps(said)}", "code": None}
    return Reply(400, {"Content-Type": "application/json"}, json.dumps(body).encode())


def _secrets_in(error: BaseException, secrets: list[str]) -> list[str]:
    text = str(error) + repr(error.__dict__)
    if isinstance(error, SpcsError):
        text += json.dumps(error.to_dict())
    return [s for s in secrets if s and s in text]


def test_an_echoing_oauth_server_gets_no_secret_into_the_error(
    spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder
) -> None:
    foreign.reply = _echo_form
    refresh = spcs.oauth_refresh_token
    for extra in ({}, {"oauth_refresh_token": refresh}):
        hook = make_hook("oauth", oauth_token_endpoint=f"{foreign.url}/token", **extra)
        with pytest.raises(SpcsTokenExchangeError) as refused:
            hook.run_sql("SELECT 1")
        assert refused.value.status_code == 400
        assert "bad request" in str(refused.value)  # the server's words are quoted...
        assert _secrets_in(refused.value, [spcs.oauth_client_secret, refresh]) == []  # ...without the secrets
    assert "client_secret" in foreign.requests[0].body.decode()  # the server did get (and echo) them


def test_an_echoing_token_exchange_gets_no_secret_into_the_error(make_hook: MakeHook, foreign: Recorder) -> None:
    foreign.reply = _echo_form
    ingress = "https://abc-myorg-myacct.snowflakecomputing.app/x"  # allowed; the exchange fails first
    key_pair = make_hook("key_pair", account_url=foreign.url)
    with pytest.raises(SpcsTokenExchangeError) as refused:
        key_pair.request("GET", ingress)
    assertion = dict(parse_qsl(foreign.requests[-1].body.decode()))["assertion"]
    assert _secrets_in(refused.value, [assertion]) == []
    pat = make_hook("pat", account_url=foreign.url, pat_exchange="true")
    with pytest.raises(SpcsTokenExchangeError) as refused_pat:
        pat.request("GET", ingress)
    subject = dict(parse_qsl(foreign.requests[-1].body.decode()))["subject_token"]
    assert _secrets_in(refused_pat.value, [subject]) == []


def test_an_echoing_sql_api_gets_no_secret_into_the_error(
    make_hook: MakeHook, foreign: Recorder, spcs: SpcsEmulator
) -> None:
    def echo_headers(seen: Recorded) -> Reply:
        body = {"code": "390142", "message": f"rejected {seen.headers.get('authorization')} and {seen.body.decode()}"}
        return Reply(400, {"Content-Type": "application/json"}, json.dumps(body).encode())

    foreign.reply = echo_headers
    hook = make_hook("pat", account_url=foreign.url)
    with pytest.raises(SpcsApiError) as refused:
        hook.run_sql("SELECT 1")
    assert refused.value.status_code == 400
    assert "rejected" in str(refused.value)
    assert _secrets_in(refused.value, [spcs.pat]) == []


def test_an_ingress_error_quotes_the_service_scrubbed(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")

    async def leaky(request: Request) -> Response:
        detail = f"cannot use client_secret=abc123abc123 or {spcs.pat} here"
        return JSONResponse({"detail": detail}, status_code=500)

    spcs.set_handler("ECHO_SERVICE", "echo", leaky)
    with pytest.raises(SpcsApiError) as failed:
        hook.request("GET", spcs.ingress_url())
    assert failed.value.status_code == 500
    assert "cannot use" in str(failed.value)
    assert _secrets_in(failed.value, [spcs.pat, "abc123abc123"]) == []


def test_jwt_rejections_explain_themselves(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    spcs.clock_skew = -7200.0  # Snowflake's clock two hours behind: our JWT looks issued in the future
    hook = make_hook("key_pair")
    with pytest.raises(SpcsAuthError) as sql:
        hook.run_sql("SELECT 1")
    assert sql.value.code == "394302"
    assert "clock" in str(sql.value)
    with pytest.raises(SpcsTokenExchangeError) as exchange:
        hook.request("GET", spcs.ingress_url())
    assert "clock" in str(exchange.value)


def test_a_key_that_is_not_the_users_says_fingerprint(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    hook = make_hook("key_pair", private_key_content=pem)
    with pytest.raises(SpcsAuthError) as refused:
        hook.run_sql("SELECT 1")
    assert refused.value.code == "394304"
    assert "fingerprint" in str(refused.value)
