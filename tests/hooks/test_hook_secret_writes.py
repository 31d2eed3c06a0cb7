"""The hook's secret methods against the emulator, over the SQL API (key pair) and the connector (password).

Values round-trip exactly (the service's mounted file reports the SHA-256 of what Snowflake
stored), writes are idempotent, bad names are refused before any SQL, and no value reaches a log
line at any level, stdout, an error, a response, or anything the emulator shows.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.errors import (
    SpcsApiError,
    SpcsConfigError,
    SpcsSqlError,
)
from airflow_provider_spcs.core.identifiers import secret_literal
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.core.rollouts import SpecChange, UpgradeWait
from airflow_provider_spcs.core.secret_values import GenericStringSecret, OAuth2CodeSecret, PasswordSecret
from airflow_provider_spcs.core.secret_writes import run_secret_statement
from airflow_provider_spcs.core.secrets import add_secret_sink, remove_secret_sink
from airflow_provider_spcs.core.services import Observation, Outcome
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.default_world import API_KEY_ENV, API_KEY_FILE, API_SERVICE, DEFAULT_API_KEY
from airflow_provider_spcs.testing.model import Pace
from tests.secret_leaks import RecordingPool, emulator_views, find_leaks

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, poll_initial=0.01, poll_max=0.05, max_attempts=4)
SECRET = "SPCS_DB.APP.SERVICE_API_KEY"
METHODS = ("key_pair", "password")  # SQL API and snowflake-connector-python
HOSTILE = {
    "quotes": "it's ''doubled'' and \\'escaped\\'",
    "backslashes": "C:\\path\\to\\\\share\\",
    "dollars": "$$ends$$ a $tag$ and $",
    "newlines": "line one\nline two\r\nline three\n",
    "tabs": "\tindented\tvalue\t",
    "unicode": "ünïcødé ✓ 中文 😀 \u2028 \u00a0",
    "sql": "x'; DROP SECRET api_key; --/* */",
    "controls": "bell\x07 esc\x1b del\x7f",
    "spaces": "  padded  ",
    "long": "k" * 20_000,
}

HookFactory = Callable[..., SpcsHook]


def short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


@pytest.fixture
def pool() -> RecordingPool:
    return RecordingPool()


@pytest.fixture
def hook_for(spcs_conn_factory: Callable[..., str], pool: RecordingPool) -> Iterator[HookFactory]:
    """``hook_for("password")``: a hook on an emulator connection whose HTTP bodies are recorded."""
    hooks: list[SpcsHook] = []
    process = ProcessState(clients=pool)

    def factory(method: str = "key_pair") -> SpcsHook:
        conn_id = f"secrets_{method}_{len(hooks)}"
        spcs_conn_factory(method, conn_id=conn_id)
        hook = SpcsHook(conn_id, retry_policy=FAST, timeout=10.0, process=process)
        hooks.append(hook)
        return hook

    yield factory
    for hook in hooks:
        hook.close()
    process.reset()


def mounted(hook: SpcsHook) -> dict[str, str]:
    """The digests API_SERVICE's container reports for its mounted secrets."""
    url = hook.get_ingress_url(API_SERVICE, "api")
    digests: dict[str, str] = hook.request("GET", f"{url}/digests").json()["secrets"]
    return digests


@pytest.mark.parametrize("method", METHODS)
def test_hostile_values_round_trip_exactly(spcs: SpcsEmulator, hook_for: HookFactory, method: str) -> None:
    hook = hook_for(method)
    assert mounted(hook) == {API_KEY_ENV: short(DEFAULT_API_KEY), API_KEY_FILE: short(DEFAULT_API_KEY)}
    for value in HOSTILE.values():
        write = hook.create_or_update_secret(SECRET, GenericStringSecret(value))
        assert (write.secret, write.secret_type, write.action) == (SECRET, "GENERIC_STRING", "updated")
        assert mounted(hook)[API_KEY_FILE] == short(value)  # the file follows at once, byte for byte


@pytest.mark.parametrize("method", METHODS)
def test_create_update_replace_describe_drop(spcs: SpcsEmulator, hook_for: HookFactory, method: str) -> None:
    hook = hook_for(method)
    first = hook.create_or_update_secret("LOGIN", PasswordSecret("svc_user", "pw-one-1234"), comment="for the CRM")
    assert (first.secret, first.action) == ("LOGIN", "created")
    assert hook.create_or_update_secret("LOGIN", PasswordSecret("svc_user", "pw-two-5678")).action == "updated"
    stored = spcs.world.secret("LOGIN")
    assert stored is not None
    assert stored.mounted_value("password") == "pw-two-5678"
    assert stored.comment == "for the CRM"  # kept when no comment is given
    row = hook.describe_secret("LOGIN")
    assert (row["name"], row["secret_type"], row["username"], row["comment"]) == (
        "LOGIN",
        "PASSWORD",
        "svc_user",
        "for the CRM",
    )
    assert "pw-two-5678" not in repr(row)
    with pytest.raises(SpcsConfigError, match="is of type PASSWORD, not GENERIC_STRING; pass or_replace=True") as info:
        hook.create_or_update_secret("LOGIN", GenericStringSecret("now-a-string"))
    assert info.value.field == "secret_type"
    replaced = hook.create_or_update_secret("LOGIN", GenericStringSecret("now-a-string"), or_replace=True)
    assert (replaced.action, replaced.secret_type) == ("replaced", "GENERIC_STRING")
    assert hook.describe_secret("LOGIN")["secret_type"] == "GENERIC_STRING"
    assert hook.drop_secret("LOGIN") is True
    assert hook.drop_secret("LOGIN") is False
    with pytest.raises(SpcsSqlError, match="does not exist") as missing:
        hook.drop_secret("LOGIN", if_exists=False)
    assert missing.value.code == "002003"
    with pytest.raises(SpcsSqlError) as described:
        hook.describe_secret("LOGIN")
    assert described.value.code == "002003"


def test_oauth2_authorization_code(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    hook = hook_for()
    value = OAuth2CodeSecret("refresh-token-1", "2030-12-31T23:59:59Z", "crm_oauth")
    assert hook.create_or_update_secret("CRM_TOKEN", value).action == "created"
    row = hook.describe_secret("CRM_TOKEN")
    assert (row["secret_type"], row["integration_name"]) == ("OAUTH2", "CRM_OAUTH")
    assert row["oauth_refresh_token_expiry_time"].isoformat() == "2030-12-31T23:59:59+00:00"
    stored = spcs.world.secret("CRM_TOKEN")
    assert stored is not None
    before = stored.mounted_value("access_token")
    rotated = OAuth2CodeSecret("refresh-token-2", "2031-01-31T00:00:00Z", "CRM_OAUTH")
    assert hook.create_or_update_secret("CRM_TOKEN", rotated).action == "updated"
    assert stored.mounted_value("access_token") != before  # the stand-in access token follows the refresh token
    with pytest.raises(SpcsConfigError, match="uses security integration CRM_OAUTH, not OTHER_OAUTH") as info:
        hook.create_or_update_secret("CRM_TOKEN", OAuth2CodeSecret("refresh-token-3", 0, "other_oauth"))
    assert info.value.field == "api_authentication"


def _rollout(change: SpecChange) -> UpgradeWait:
    return UpgradeWait.after(change, deadline=time.time() + 30)


def test_async_twins(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    hook = hook_for()

    async def scenario() -> tuple[str, str, Outcome, bool]:
        write = await hook.acreate_or_update_secret(SECRET, GenericStringSecret("async-value-1"))
        row = await hook.adescribe_secret(SECRET)
        change = await hook.arestart_service_on_current_spec(API_SERVICE)
        seen = await hook.apoll_wait(_rollout(change), poll_interval=0.01)
        dropped = await hook.adrop_secret("NEVER_MADE")
        return write.action, row["secret_type"], seen.decision.outcome, dropped

    assert asyncio.run(scenario()) == ("updated", "GENERIC_STRING", Outcome.SUCCESS, False)
    assert mounted(hook)[API_KEY_ENV] == short("async-value-1")


@pytest.mark.parametrize("method", METHODS)
def test_env_vars_follow_only_a_restart(spcs: SpcsEmulator, hook_for: HookFactory, method: str) -> None:
    hook = hook_for(method)
    service = spcs.service(API_SERVICE)
    service.instance_pace = Pace(polls=2)  # type: ignore[attr-defined]
    looks: list[str] = []
    for value in ("rotated-1234", "rotated-5678"):
        looks.clear()
        hook.create_or_update_secret(SECRET, GenericStringSecret(value))
        assert mounted(hook)[API_KEY_FILE] == short(value)  # files follow at once
        assert mounted(hook)[API_KEY_ENV] != short(value)  # env vars only through a restart
        change = hook.restart_service_on_current_spec(API_SERVICE)
        assert hook.describe_service(API_SERVICE)["is_upgrading"] is True
        seen = hook.poll_wait(
            _rollout(change), poll_interval=0.01, on_wait=lambda o, _: looks.append(o.decision.reason)
        )
        assert looks  # the instances restarted one at a time, and the wait saw them do it
        assert seen.decision.outcome is Outcome.SUCCESS
        instances = hook.get_service_instances(API_SERVICE)
        assert {(i["status"], i["spec_digest"]) for i in instances} == {("READY", change.new_spec_digest)}
        assert mounted(hook) == {API_KEY_ENV: short(value), API_KEY_FILE: short(value)}
    # The spec is sent back as DESCRIBE shows it, so restarting again keeps the digest: only the
    # wait's not_before and is_upgrading tell the restart from the rollout before it.
    assert change.old_spec_digest == change.new_spec_digest


def test_a_restart_whose_instance_fails(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    hook = hook_for()
    spcs.mark_image_broken("/spcs_db/app/images/api:latest", message="exec format error")
    change = hook.restart_service_on_current_spec(API_SERVICE)
    seen = hook.poll_wait(_rollout(change), poll_interval=0.01)
    assert isinstance(seen, Observation)
    assert seen.decision.outcome is Outcome.FAILED
    assert "FAILED during the rollout" in seen.decision.reason
    assert [d["message"] for d in seen.containers if d["status"] == "FAILED"] == ["exec format error"]


def test_a_spec_holding_dollar_quotes_is_not_sent(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    spec = "spec:\n  containers:\n  - name: main\n    image: /spcs_db/app/images/x:1\n    env:\n      PRICE: $$5\n"
    spcs.world.add_service_from_spec("DOLLARS", spec)
    hook = hook_for()
    spcs.reset_stats()
    with pytest.raises(SpcsConfigError, match=r"contains '\$\$', so it cannot be sent back inline; upgrade it") as info:
        hook.restart_service_on_current_spec("DOLLARS")
    assert info.value.field == "service"
    assert spcs.stats()["sql_statements"] == 1  # the DESCRIBE only


@pytest.mark.parametrize("method", METHODS)
def test_hostile_names_are_refused_before_any_sql(spcs: SpcsEmulator, hook_for: HookFactory, method: str) -> None:
    hook = hook_for(method)
    spcs.reset_stats()
    calls: list[Callable[[str], object]] = [
        lambda name: hook.create_or_update_secret(name, GenericStringSecret("never-sent-1")),
        hook.describe_secret,
        hook.drop_secret,
    ]
    for name in ("k; DROP SECRET x", "k'--", "a.b.c.d", "", "two words", '"bad\nname"', "x" * 300):
        for call in calls:
            with pytest.raises(SpcsConfigError) as info:
                call(name)
            assert info.value.field == "secret"
    assert spcs.stats()["sql_statements"] == 0
    assert spcs.stats()["requests"].get("sql_api", 0) == 0


def test_a_refused_write_names_the_redacted_statement_and_the_code(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    # Another role's secret: DESCRIBE does not see it, CREATE finds the name taken, ALTER may not touch it.
    spcs.world.add_secret("THEIRS", "GENERIC_STRING", owner_role="OTHER_ROLE", secret_string="theirs-1234")
    for method in METHODS:
        with pytest.raises(SpcsSqlError) as info:
            hook_for(method).create_or_update_secret("THEIRS", GenericStringSecret("mine-refused-5678"))
        error = info.value
        assert str(error).startswith('ALTER SECRET "THEIRS" SET SECRET_STRING = *** failed (Snowflake error 002003')
        assert "Secret 'THEIRS' does not exist or not authorized" in str(error)
        assert error.code == "002003"
        assert "mine-refused" not in str(error) + repr(error) + repr(error.to_dict())
        assert error.__context__ is None  # no original error for a traceback to print
        assert error.__cause__ is None
    # The emulator's own errors (before our redaction) do not echo the literal either.
    raw_errors = emulator_views(spcs)["statement history (errors)"]
    assert "002002" in raw_errors
    assert "002003" in raw_errors
    assert find_leaks(["mine-refused-5678"], {"emulator errors": raw_errors}) == []


def test_request_failures_are_redacted_too() -> None:
    statement = statements.alter_secret_set("k", GenericStringSecret("echoed-by-server-99"))

    def failing(_statement: object) -> Any:
        raise SpcsApiError("SQL API returned HTTP 400: bad body echoed-by-server-99", status_code=400, code="390000")
        yield  # a generator, like every SQL step

    steps = run_secret_statement(failing, statement)
    with pytest.raises(SpcsApiError) as info:
        next(steps)
    assert type(info.value) is SpcsApiError
    assert (
        str(info.value)
        == 'ALTER SECRET "K" SET SECRET_STRING = *** failed (Snowflake error 390000): SQL API returned HTTP 400: bad body ***'
    )
    assert info.value.status_code == 400


def test_no_value_leaks_anywhere(
    spcs: SpcsEmulator,
    hook_for: HookFactory,
    pool: RecordingPool,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("airflow_provider_spcs", "httpx", "httpcore", "snowflake", "airflow"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    heard: list[str] = []
    add_secret_sink(heard.append)
    values = [*HOSTILE.values(), "password-value-1", "oauth-refresh-token-1", "refused-value-1"]
    spcs.world.add_secret("THEIRS", "GENERIC_STRING", owner_role="OTHER_ROLE", secret_string="theirs-1234")
    errors: list[str] = []
    results: list[str] = []
    writes = 0
    try:
        for method in METHODS:
            hook = hook_for(method)
            for value in HOSTILE.values():
                results.append(repr(hook.create_or_update_secret(SECRET, GenericStringSecret(value))))
                writes += method == "key_pair"
            results.append(repr(hook.create_or_update_secret("LOGIN", PasswordSecret("u", "password-value-1"))))
            oauth = OAuth2CodeSecret("oauth-refresh-token-1", "2030-01-01", "i")
            results.append(repr(hook.create_or_update_secret("TOK", oauth, or_replace=True)))
            writes += 2 * (method == "key_pair")
            results += [repr(hook.describe_secret(n)) for n in (SECRET, "LOGIN", "TOK")]
            change = hook.restart_service_on_current_spec(API_SERVICE)
            results.append(repr(hook.poll_wait(_rollout(change), poll_interval=0.01)))
            results.append(repr(mounted(hook)))
            try:
                hook.create_or_update_secret("THEIRS", GenericStringSecret("refused-value-1"))
            except SpcsSqlError as exc:
                errors += [str(exc), repr(exc), repr(exc.to_dict())]
                writes += 2 * (method == "key_pair")  # CREATE (name taken), then ALTER (refused)
            for name in ("LOGIN", "TOK"):
                hook.drop_secret(name)
    finally:
        remove_secret_sink(heard.append)
    out, err = capsys.readouterr()
    assert len(errors) == 6
    # Every value reached the masker (a multi-line one as its lines: see core/secrets.py).
    assert all(v in heard or all(line in heard for line in v.splitlines() if len(line) >= 8) for v in values)
    haystacks = {
        "log records": caplog.text,
        "stdout": out,
        "stderr": err,
        "errors": "\n".join(errors),
        "results": "\n".join(results),
        "responses": pool.texts("response"),
        **emulator_views(spcs),
    }
    assert caplog.records, "logging was captured"
    assert pool.texts("response"), "responses were recorded"
    assert find_leaks(values, haystacks) == []
    # Over the SQL API, each value travels in exactly the request bodies of the statements writing it.
    assert sum(pool.requests_holding(v) for v in values) == writes


def test_the_scanner_finds_a_planted_value(
    spcs: SpcsEmulator,
    hook_for: HookFactory,
    pool: RecordingPool,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    planted = "planted-it's\\value\nsecond-line"
    hook = hook_for()
    logging.getLogger("airflow_provider_spcs.planted").debug("oops %r", planted)  # repr: the JSON-ish escapes
    print(planted.splitlines()[1])
    hook.request("GET", spcs.ingress_url(), params={"q": planted})  # the echo sends it back
    hook.run_sql(f"SELECT {secret_literal(planted, field='planted')}")  # a statement the emulator keeps unredacted
    out, _ = capsys.readouterr()
    haystacks = {"log records": caplog.text, "stdout": out, "responses": pool.texts("response"), **emulator_views(spcs)}
    found = {leak.split(":")[0] for leak in find_leaks([planted], haystacks)}
    assert {"log records", "stdout", "responses", "statement history (stored text)"} <= found


def test_recording_pool_sees_async_bodies_too(spcs: SpcsEmulator, hook_for: HookFactory, pool: RecordingPool) -> None:
    hook = hook_for()
    asyncio.run(hook.arequest("POST", spcs.ingress_url(), json={"marker": "async-marker-1"}))
    assert "async-marker-1" in pool.texts("request")
    assert "async-marker-1" in pool.texts("response")  # the echo
