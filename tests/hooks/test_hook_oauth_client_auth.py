"""How the OAuth client authenticates: HTTP Basic at Snowflake OAuth's ``/oauth/token-request``
(as Snowflake expects), ``client_id``/``client_secret`` form fields at any other token endpoint."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import pytest

from airflow_provider_spcs.core.errors import SpcsTokenExchangeError
from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook
    from tests.recorder import Recorder


def test_snowflake_oauth_gets_the_client_in_basic_auth(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("oauth", oauth_token_endpoint=spcs.snowflake_oauth_endpoint)
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert spcs.stats()["requests"]["snowflake_oauth"] == 1
    refresh = make_hook(
        "oauth", oauth_token_endpoint=spcs.snowflake_oauth_endpoint, oauth_refresh_token=spcs.oauth_refresh_token
    )
    assert refresh.get_service_status("ECHO_SERVICE") == "RUNNING"


def test_what_each_endpoint_receives(spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder) -> None:
    for path in ("/oauth/token-request", "/oauth2/token"):
        hook = make_hook("oauth", oauth_token_endpoint=f"{foreign.url}{path}")
        with pytest.raises(SpcsTokenExchangeError):  # the recorder grants nothing; what it received is the point
            hook.get_service_status("ECHO_SERVICE")
        seen = foreign.requests[-1]
        form = dict(parse_qsl(seen.body.decode()))
        if path == "/oauth/token-request":
            expected = f"{spcs.oauth_client_id}:{spcs.oauth_client_secret}".encode()
            assert seen.headers["authorization"] == "Basic " + base64.b64encode(expected).decode()
            assert "client_secret" not in form
            assert "client_id" not in form
        else:
            assert "authorization" not in seen.headers
            assert (form["client_id"], form["client_secret"]) == (spcs.oauth_client_id, spcs.oauth_client_secret)
        assert form["grant_type"] == "client_credentials"
