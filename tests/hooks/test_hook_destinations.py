"""The destination rule over real sockets: no Snowflake credential of any auth method reaches a
foreign host (a recording server on 127.0.0.2, while the account is on 127.0.0.1), whatever the
hook is asked; the hosts the rule does allow get them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from airflow_provider_spcs.core.auth import SpcsAuth
from airflow_provider_spcs.core.errors import SpcsApiError, SpcsAuthError, SpcsConfigError, SpcsTokenExchangeError
from airflow_provider_spcs.testing import SpcsEmulator
from tests.recorder import AUTH_METHODS

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook
    from tests.recorder import Recorder


def _refused(error: pytest.ExceptionInfo[SpcsConfigError], host: str) -> None:
    assert error.value.field == "extra.ingress_hosts"
    assert host in str(error.value)
    assert "ingress_hosts" in str(error.value)


FOREIGN_URLS = (
    "https://evil.example/x",
    "https://abc.snowflakecomputing.app.attacker.example/",
    "http://localhost.evil.example/",
)


@pytest.mark.parametrize(("method", "extra"), AUTH_METHODS)
def test_no_hook_call_sends_a_credential_to_a_foreign_host(
    spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder, method: str, extra: dict[str, Any]
) -> None:
    hook = make_hook(method, **extra)
    hook.get_service_status("ECHO_SERVICE")  # a working connection: the rule, not a broken login, refuses
    target = f"{foreign.url}/steal"
    with pytest.raises(SpcsConfigError) as refused:
        hook.request("GET", target)
    _refused(refused, f"127.0.0.2:{foreign.port}")
    with pytest.raises(SpcsConfigError):
        hook.ingress_headers(target)
    for url in FOREIGN_URLS:
        with pytest.raises(SpcsConfigError):
            hook.request("GET", url)
    # Your own client with SpcsAuth: the same rule.
    with httpx.Client() as own, pytest.raises(SpcsConfigError):
        own.get(target, auth=SpcsAuth(hook.get_runner()))
    assert foreign.requests == []
    # The same hook still reaches the real endpoint (nothing was disabled on the way).
    assert hook.request("GET", spcs.ingress_url()).status_code == 200


@pytest.mark.parametrize(("method", "extra"), AUTH_METHODS)
async def test_no_async_hook_call_sends_a_credential_to_a_foreign_host(
    spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder, method: str, extra: dict[str, Any]
) -> None:
    hook = make_hook(method, **extra)
    target = f"{foreign.url}/steal"
    with pytest.raises(SpcsConfigError) as refused:
        await hook.arequest("POST", target, json={"a": 1})
    _refused(refused, f"127.0.0.2:{foreign.port}")
    with pytest.raises(SpcsConfigError):
        await hook.aingress_headers(target)
    for url in FOREIGN_URLS:
        with pytest.raises(SpcsConfigError):
            await hook.arequest("GET", url)
    async with httpx.AsyncClient() as own:
        with pytest.raises(SpcsConfigError):
            await own.get(target, auth=SpcsAuth(await hook.aget_runner()))
    assert foreign.requests == []
    assert (await hook.arequest("GET", spcs.ingress_url())).status_code == 200


@pytest.mark.parametrize(("method", "extra"), AUTH_METHODS)
def test_a_redirect_to_a_foreign_host_is_never_followed(
    spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder, method: str, extra: dict[str, Any]
) -> None:
    async def redirect(request: Request) -> Response:
        return RedirectResponse(f"{foreign.url}/next", status_code=302)

    spcs.set_handler("ECHO_SERVICE", "echo", redirect)
    hook = make_hook(method, **extra)
    for follow in (False, True):
        with pytest.raises(SpcsAuthError, match="redirected"):
            hook.request("GET", spcs.ingress_url(), follow_redirects=follow)
    assert foreign.requests == []


def test_same_origin_redirects_are_followed_with_the_credential_checked_per_hop(
    spcs: SpcsEmulator, make_hook: MakeHook
) -> None:
    hops: list[str] = []

    async def moving(request: Request) -> Response:
        hops.append(request.url.path)
        if request.url.path == "/old":
            return RedirectResponse("/new", status_code=307)
        if request.url.path == "/loop":
            return RedirectResponse("/loop", status_code=302)
        return Response(f"{request.method} {request.url.path}", media_type="text/plain")

    spcs.set_handler("ECHO_SERVICE", "echo", moving)
    hook = make_hook("pat")
    base = spcs.ingress_url()
    assert hook.request("GET", f"{base}/old", raise_for_status=False).status_code == 307  # not followed unless asked
    followed = hook.request("POST", f"{base}/old", content=b"x", follow_redirects=True)
    assert followed.text == "POST /new"  # every hop authenticated: the proxy let it through
    with pytest.raises(SpcsApiError, match="more than 5 redirects"):
        hook.request("GET", f"{base}/loop", follow_redirects=True)
    assert hops.count("/loop") == 6
    with pytest.raises(SpcsConfigError, match="follow_redirects"):
        hook.request("GET", f"{base}/old", follow_redirects="yes")


def test_a_redirect_to_another_port_of_the_same_host_is_refused(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    async def hop(request: Request) -> Response:
        return RedirectResponse(f"{spcs.account_url}/x", status_code=302)  # 127.0.0.1, another port

    spcs.set_handler("ECHO_SERVICE", "echo", hop)
    hook = make_hook("pat")
    assert hook.request("GET", spcs.ingress_url(), raise_for_status=False).status_code == 302
    with pytest.raises(SpcsApiError, match="another origin"):
        hook.request("GET", spcs.ingress_url(), follow_redirects=True)
    assert spcs.stats()["requests"].get("sql_api", 0) == 0


def test_the_sql_api_goes_only_to_account_url(spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder) -> None:
    # A status URL from the server that points elsewhere (here through "user info" tricks) is refused.
    from airflow_provider_spcs.core import sql_api
    from airflow_provider_spcs.core.auth import authorized_send
    from airflow_provider_spcs.core.credentials import SQL

    hook = make_hook("pat")
    runner = hook.get_runner()
    for url in (
        f"{spcs.account_url}@127.0.0.2:{foreign.port}/api/v2/statements",
        f"{foreign.url}{sql_api.STATEMENTS_PATH}",
        spcs.ingress_url() + sql_api.STATEMENTS_PATH,
    ):
        with pytest.raises(SpcsConfigError):
            runner.run(authorized_send(runner.credential, httpx.Request("GET", url), SQL))
    assert foreign.requests == []


def test_listed_ingress_hosts_do_receive_credentials(
    spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder
) -> None:
    # The positive control: the recorder sees a credential once the connection lists its host.
    hook = make_hook("pat", ingress_hosts=f"proxy.corp.example, 127.0.0.2:{foreign.port}")
    hook.request("GET", f"{foreign.url}/allowed")
    assert foreign.credentials_seen([spcs.pat]) != []
    wrong_port = make_hook("pat", ingress_hosts=f"127.0.0.2:{foreign.port + 1}")
    with pytest.raises(SpcsConfigError):
        wrong_port.request("GET", f"{foreign.url}/other-port")
    assert len(foreign.requests) == 1


def test_key_pair_exchange_never_asks_for_a_foreign_scope(
    spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder
) -> None:
    hook = make_hook("key_pair")
    with pytest.raises(SpcsConfigError):
        hook.request("GET", f"{foreign.url}/x")
    assert spcs.stats()["exchanges"] == 0
    assert spcs.stats()["requests"].get("oauth_token", 0) == 0  # refused before any token was asked for


def test_hosts_show_endpoints_reported_are_remembered_per_account(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    from airflow_provider_spcs.core.destinations import origin_of

    hook = make_hook("pat")
    config = hook.get_config()
    known = hook.get_runner().credential.known_ingress
    url = hook.get_ingress_url("ECHO_SERVICE", "echo")
    assert known.knows(config, origin_of(url))
    other_account = make_hook("pat", account="otherorg-otheracct")
    assert not known.knows(other_account.get_config(), origin_of(url))


def test_token_endpoints_do_not_follow_redirects(spcs: SpcsEmulator, make_hook: MakeHook, foreign: Recorder) -> None:
    # The OAuth grant goes to the configured endpoint only; a redirect there is a failure, not a hop.
    foreign.reply = lambda _seen: _redirect_to(spcs.account_url + "/elsewhere")
    hook = make_hook("oauth", oauth_token_endpoint=f"{foreign.url}/token")
    with pytest.raises(SpcsTokenExchangeError, match="HTTP 302"):
        hook.get_service_status("ECHO_SERVICE")
    assert len(foreign.requests) == 1  # the one configured request, nothing followed
    assert spcs.stats()["requests"].get("oauth_server", 0) == 0


def _redirect_to(location: str) -> Any:
    from tests.recorder import Reply

    return Reply(302, {"Location": location}, b"")
