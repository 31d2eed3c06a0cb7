"""Secrets through the SQL API over a real socket: rotation reaching a service (env fixed, files live),
and the value never coming back from any response, statement history, admin route or log."""

from __future__ import annotations

import hashlib
import logging
import secrets

import httpx
import pytest
from emu_helpers import post_sql, snowflake_token, sql_headers, sql_row, sql_rows
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.handlers import mounted_secrets

APP_SPEC = """spec:
  containers:
  - name: app
    image: /spcs_db/app/images/app:1
    secrets:
    - snowflakeSecret: spcs_db.app.api_key
      envVarName: API_KEY
      secretKeyRef: secret_string
    - snowflakeSecret:
        objectName: login
      directoryPath: /secrets/login
  endpoints:
  - name: api
    port: 8000
    public: true
"""


def short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def literal(value: str) -> str:
    """The value as a provider writes it: single-quoted, backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def hostile(tag: str) -> str:
    return f"{tag}-{secrets.token_hex(6)}-it's \\ back $$ dollars\nnew line ünï 🔑"


def mounted(client: httpx.Client, emu: SpcsEmulator) -> dict[str, str]:
    reply = client.get(emu.ingress_url("APP", "api"), headers=snowflake_token(emu.pat))
    assert reply.status_code == 200, reply.text
    found: dict[str, str] = reply.json()["secrets"]
    return found


def deploy(client: httpx.Client, emu: SpcsEmulator, api_key: str, password: str) -> None:
    post_sql(client, emu, f"CREATE SECRET api_key TYPE = GENERIC_STRING SECRET_STRING = {literal(api_key)}")
    post_sql(client, emu, f"CREATE SECRET login TYPE = PASSWORD USERNAME = 'svc' PASSWORD = {literal(password)}")
    post_sql(client, emu, f"CREATE SERVICE app IN COMPUTE POOL spcs_pool FROM SPECIFICATION $${APP_SPEC}$$")
    for _ in range(3):
        if sql_row(client, emu, "DESCRIBE SERVICE app")["status"] == "RUNNING":
            return
    raise AssertionError("APP never became RUNNING")


def test_rotation_reaches_files_at_once_and_env_vars_with_an_upgrade(spcs: SpcsEmulator, client: httpx.Client) -> None:
    key1, key2, pw1, pw2 = hostile("k1"), hostile("k2"), hostile("p1"), hostile("p2")
    deploy(client, spcs, key1, pw1)
    assert mounted(client, spcs) == {
        "API_KEY": short(key1),
        "/secrets/login/password": short(pw1),
        "/secrets/login/username": short("svc"),
    }
    post_sql(client, spcs, f"ALTER SECRET api_key SET SECRET_STRING = {literal(key2)}")
    post_sql(client, spcs, f"ALTER SECRET login SET PASSWORD = {literal(pw2)}")
    rotated = mounted(client, spcs)
    assert rotated["/secrets/login/password"] == short(pw2)  # file mounts follow ALTER SECRET live
    assert rotated["API_KEY"] == short(key1)  # env vars are fixed until the service is upgraded
    spec = sql_row(client, spcs, "DESCRIBE SERVICE app")["spec"]
    post_sql(client, spcs, f"ALTER SERVICE app FROM SPECIFICATION $${spec}$$")
    for _ in range(5):
        if sql_row(client, spcs, "SHOW SERVICES LIKE 'APP'")["is_upgrading"] == "false":
            break
    assert mounted(client, spcs)["API_KEY"] == short(key2)


def test_a_spec_naming_a_missing_secret_is_refused(spcs: SpcsEmulator, client: httpx.Client) -> None:
    body = post_sql(
        client, spcs, f"CREATE SERVICE app IN COMPUTE POOL spcs_pool FROM SPECIFICATION $${APP_SPEC}$$", status=422
    )
    assert body["code"] == "002003"
    assert body["message"] == "SQL compilation error:\nSecret 'spcs_db.app.api_key' does not exist or not authorized."


def test_describe_and_show_secrets_over_the_wire(spcs: SpcsEmulator, client: httpx.Client) -> None:
    value = hostile("v")
    post_sql(
        client, spcs, f"CREATE SECRET token TYPE = GENERIC_STRING SECRET_STRING = {literal(value)} COMMENT = 'api'"
    )
    row = sql_row(client, spcs, "DESCRIBE SECRET token")
    assert (row["name"], row["secret_type"], row["comment"], row["username"]) == (
        "TOKEN",
        "GENERIC_STRING",
        "api",
        None,
    )
    [shown] = sql_rows(post_sql(client, spcs, "SHOW SECRETS LIKE 'TOK%' IN SCHEMA spcs_db.app"))
    assert (shown["name"], shown["owner_role_type"]) == ("TOKEN", "ROLE")
    assert spcs.world.secret("token").mounted_value("secret_string") == value  # type: ignore[union-attr]


def test_the_value_never_comes_back(spcs: SpcsEmulator, client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key, password, rotated = hostile("key"), hostile("pw"), hostile("rot")
    values = [key, password, rotated]
    # the escaped forms too: a leak of the literal as written must not pass unnoticed
    needles = values + [literal(v)[1:-1] for v in values] + [v.split("-")[1] for v in values]
    seen: list[str] = []
    handles: list[str] = []

    def send(statement: str) -> None:
        reply = client.post(
            f"{spcs.account_url}/api/v2/statements", json={"statement": statement}, headers=sql_headers(spcs.pat)
        )
        seen.append(reply.text)
        seen.extend(f"{k}: {v}" for k, v in reply.headers.items())
        handles.extend(filter(None, [reply.json().get("statementHandle")]))

    deploy(client, spcs, key, password)
    for statement in (
        f"ALTER SECRET api_key SET SECRET_STRING = {literal(rotated)}",
        f"ALTER SECRET login SET SECRET_STRING = {literal(rotated)}",  # wrong clause for the type
        f"ALTER SECRET api_key SET SECRET_STRING {literal(rotated)}",  # syntax error at the literal
        f"ALTER SECRET api_key SET SECRET_STRING = {literal(rotated)} {literal(rotated)}",
        f"CREATE SECRET api_key TYPE = GENERIC_STRING SECRET_STRING = {literal(rotated)}",  # exists
        f"CREATE SECRET x TYPE = GENERIC_STRING SECRET_STRING = '{rotated}",  # unterminated
        f"CREATE SECRET y TYPE = OAUTH2 API_AUTHENTICATION = i OAUTH_REFRESH_TOKEN = {literal(rotated)}",
        f"CREATE SECRET z TYPE = PASSWORD USERNAME = 'u' PASSWORD = {literal(rotated)}; SELECT 1",  # multi
        "DESCRIBE SECRET api_key",
        "DESCRIBE SECRET login",
        "SHOW SECRETS IN ACCOUNT",
        "DESCRIBE SERVICE app",
        "SHOW SERVICE CONTAINERS IN SERVICE app",
        "SELECT SYSTEM$GET_SERVICE_LOGS('app', 0, 'app')",
    ):
        send(statement)
    for handle in handles:
        reply = client.get(f"{spcs.account_url}/api/v2/statements/{handle}", headers=sql_headers(spcs.pat))
        seen.append(reply.text)
    for route in ("/_emulator/info", "/_emulator/stats"):
        seen.append(client.get(spcs.account_url + route).text)
    seen.append(client.get(spcs.ingress_url("APP", "api"), headers=snowflake_token(spcs.pat)).text)
    records = [spcs.state.statements.get(h) for h in handles]
    seen.extend(repr(record) for record in records)
    seen.extend(record.sql_text for record in records if record is not None)
    seen.extend(repr(s) for s in spcs.world.secrets.values())
    seen.extend(repr(s) for s in spcs.world.list_services())
    seen.extend(record.getMessage() for record in caplog.records)
    seen.append(caplog.text)
    leaks = [n for n in needles for text in seen if n in text]
    assert leaks == []
    # the history keeps the statements, redacted
    texts = [record.sql_text for record in records if record is not None]
    assert "ALTER SECRET api_key SET SECRET_STRING = '***'" in texts
    assert "CREATE SECRET z TYPE = PASSWORD USERNAME = 'u' PASSWORD = '***'; SELECT 1" in texts


def test_a_custom_handler_reads_the_mounted_values(spcs: SpcsEmulator, client: httpx.Client) -> None:
    async def uses_the_key(request: Request) -> Response:
        mounted = mounted_secrets(request)
        # a service would call an external API with these; this one says whether they match
        return JSONResponse(
            {
                "key_ok": mounted.env.get("API_KEY") == "k-1",
                "password_ok": mounted.files["/secrets/login/password"] == "p-1",
            }
        )

    deploy(client, spcs, "k-1", "p-1")
    spcs.set_handler("APP", "api", uses_the_key)
    reply = client.get(spcs.ingress_url("APP", "api"), headers=snowflake_token(spcs.pat))
    assert reply.json() == {"key_ok": True, "password_ok": True}
