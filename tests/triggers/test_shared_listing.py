"""Status triggers share one ``SHOW SERVICES IN SCHEMA`` per schema and poll cycle, whatever the name form.

Against the emulator through real sockets. The emulator counts one poll of every listed service
per ``SHOW SERVICES`` (and one of the named service per ``DESCRIBE``), so poll counts of a
bystander service tell which statement ran.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import credential_for
from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.errors import SpcsSqlError
from airflow_provider_spcs.core.identifiers import parse_object_name
from airflow_provider_spcs.core.listing import ListingKey, Scope, SharedListingReads, scope_of
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.core.runner import Runner
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.triggers.events import EventStatus, ServiceEvent
from airflow_provider_spcs.triggers.spcs import SpcsServiceStatusTrigger

ConnFactory = Any


@pytest.fixture(autouse=True)
def _no_spcs_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    # Inside SPCS these default the connection's database/schema; these tests set them explicitly.
    monkeypatch.delenv("SNOWFLAKE_DATABASE", raising=False)
    monkeypatch.delenv("SNOWFLAKE_SCHEMA", raising=False)


async def _events(triggers: list[SpcsServiceStatusTrigger]) -> list[ServiceEvent]:
    async def one(trigger: SpcsServiceStatusTrigger) -> ServiceEvent:
        payloads = [event.payload async for event in trigger.run()]
        assert len(payloads) == 1
        return ServiceEvent.from_payload(payloads[0])

    return list(await asyncio.gather(*(one(t) for t in triggers)))


def _triggers(conn_id: str, names: list[str], **kwargs: Any) -> list[SpcsServiceStatusTrigger]:
    return [SpcsServiceStatusTrigger(spcs_conn_id=conn_id, service=name, **kwargs) for name in names]


def _sql_requests(spcs: SpcsEmulator) -> int:
    return int(spcs.stats()["requests"].get("sql_api", 0))


# --- which schema a name is listed in ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "database", "schema", "expected"),
    [
        ("DB.SCH.SVC", None, None, Scope("DB", "SCH")),
        ('"db"."Sch".svc', "OTHER", "X", Scope("db", "Sch")),
        ("sch.svc", "spcs_db", None, Scope(None, "SCH", session=("spcs_db", None))),
        ("svc", "spcs_db", "app", Scope(None, None, session=("spcs_db", "app"))),
        ("sch.svc", None, "app", None),  # the database would come from the user's default namespace
        ("svc", "spcs_db", None, None),
        ("svc", None, None, None),
    ],
)
def test_scope_of_each_name_form(name: str, database: str | None, schema: str | None, expected: Scope | None) -> None:
    assert scope_of(parse_object_name(name), database, schema) == expected


def test_listing_sql_lets_snowflake_resolve_relative_parts() -> None:
    assert Scope("DB", "Sch").sql == 'SHOW SERVICES IN SCHEMA "DB"."Sch"'
    assert Scope(None, "APP", session=("x", None)).sql == 'SHOW SERVICES IN SCHEMA "APP"'
    assert Scope(None, None, session=("x", "y")).sql == "SHOW SERVICES IN SCHEMA"


# --- one request per poll cycle -----------------------------------------------------------------------


@pytest.mark.parametrize("service", ["BOARD_FLIP", "APP.BOARD_FLIP", "board_flip"])
async def test_hundred_unqualified_triggers_one_request_per_poll_cycle(
    spcs: SpcsEmulator, spcs_conn: str, service: str
) -> None:
    # PENDING for two looks, RUNNING from the third: three poll cycles for every trigger.
    spcs.add_service("BOARD_FLIP", start_after_polls=2)
    spcs.reset_stats()
    events = await _events(_triggers(spcs_conn, [service] * 100, poll_interval=0.5))
    assert {(e.status, e.service_status) for e in events} == {(EventStatus.SUCCESS, "RUNNING")}
    stats = spcs.stats()
    # One SHOW SERVICES IN SCHEMA per cycle for all 100 (each SHOW is one look at the service).
    assert stats["requests"]["sql_api"] == 3
    assert spcs.service("BOARD_FLIP").poll_count == 3
    assert stats["exchanges"] == 0


async def test_unqualified_failure_reads_containers_per_trigger(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service("BOARD_FAIL", containers=("main",))
    spcs.service("BOARD_FAIL").fail("OOMKilled: container used 2Gi", exit_code=137, restart_count=2)
    spcs.reset_stats()
    events = await _events(_triggers(spcs_conn, ["BOARD_FAIL"] * 10 + ["app.board_fail"] * 10, poll_interval=30))
    for event in events:
        assert (event.status, event.service_status) == (EventStatus.FAILED, "FAILED")
        (container,) = event.containers
        assert container["container_name"] == "main"
        assert container["status"] == "FAILED"
        assert "OOMKilled" in container["message"]
        assert str(container["last_exit_code"]) == "137"
        assert str(container["restart_count"]) == "2"
    with pytest.raises(Exception, match=r"restarts 2, exit code 137: OOMKilled"):
        events[0].raise_for_status()
    # One listing per schema spelling (current schema; "APP"), then each failed trigger's containers.
    assert _sql_requests(spcs) == 2 + 20


@pytest.mark.parametrize("service", ["NO_SUCH_SVC", "APP.NO_SUCH_SVC", '"no_such_svc"'])
async def test_missing_service_fails_with_the_describe_error(spcs: SpcsEmulator, spcs_conn: str, service: str) -> None:
    hook = SpcsHook(spcs_conn_id=spcs_conn)
    with pytest.raises(SpcsSqlError) as sync_error:
        hook.get_service_status(service)  # what the sensor on a worker reports
    hook.close()
    spcs.reset_stats()
    events = await _events(_triggers(spcs_conn, [service] * 5, poll_interval=30))
    for event in events:
        assert event.status is EventStatus.ERROR
        assert event.error_type == "SpcsSqlError"
        assert event.message == str(sync_error.value)
        assert "does not exist or not authorized" in event.message
    # One shared listing without the service, then each trigger's own DESCRIBE.
    assert _sql_requests(spcs) == 1 + 5


async def test_quoted_names_keep_their_case(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service('"Mixed_Svc"')
    spcs.add_service("MIXED_SVC", status="SUSPENDED")  # a different service: the unquoted spelling
    spcs.reset_stats()
    events = await _events(_triggers(spcs_conn, ['"Mixed_Svc"'] * 3 + ["mixed_svc"] * 3, poll_interval=30))
    assert [(e.status, e.service_status) for e in events] == [(EventStatus.SUCCESS, "RUNNING")] * 3 + [
        (EventStatus.FAILED, "SUSPENDED")
    ] * 3
    assert _sql_requests(spcs) == 1 + 3  # one listing; containers of the three failed waits


# --- names whose schema only the user's default namespace knows ---------------------------------------


async def test_unresolved_names_keep_their_own_describe(spcs: SpcsEmulator, spcs_conn_factory: ConnFactory) -> None:
    conn_id = spcs_conn_factory(conn_id="spcs_board_no_namespace", database=None, schema=None)
    spcs.add_service("BOARD_BYSTANDER")  # listed by any SHOW SERVICES IN SCHEMA of SPCS_DB.APP
    spcs.reset_stats()
    # The emulator's default namespace (SPCS_DB.APP) resolves these, as a user's DEFAULT_NAMESPACE would.
    events = await _events(_triggers(conn_id, ["ECHO_SERVICE"] * 3 + ["APP.ECHO_SERVICE"] * 3, poll_interval=30))
    assert {(e.status, e.service_status) for e in events} == {(EventStatus.SUCCESS, "RUNNING")}
    assert _sql_requests(spcs) == 6  # one DESCRIBE each
    assert spcs.service("BOARD_BYSTANDER").poll_count == 0  # no SHOW SERVICES ran
    # Fully qualified names still share a listing on the same connection.
    events = await _events(_triggers(conn_id, ["SPCS_DB.APP.ECHO_SERVICE"] * 3, poll_interval=30))
    assert {e.status for e in events} == {EventStatus.SUCCESS}
    assert _sql_requests(spcs) == 6 + 1
    assert spcs.service("BOARD_BYSTANDER").poll_count == 1


async def test_database_only_connection_shares_schema_qualified_names(
    spcs: SpcsEmulator, spcs_conn_factory: ConnFactory
) -> None:
    conn_id = spcs_conn_factory(conn_id="spcs_board_db_only", schema=None)
    spcs.reset_stats()
    events = await _events(_triggers(conn_id, ["ECHO_SERVICE"] * 3 + ["APP.ECHO_SERVICE"] * 3, poll_interval=30))
    assert {e.status for e in events} == {EventStatus.SUCCESS}
    assert _sql_requests(spcs) == 3 + 1  # DESCRIBE for each bare name; one listing of "APP"


async def test_configured_schema_that_does_not_exist_fails_like_describe(
    spcs: SpcsEmulator, spcs_conn_factory: ConnFactory
) -> None:
    conn_id = spcs_conn_factory(conn_id="spcs_board_bad_schema", schema="NO_SUCH_SCHEMA")
    hook = SpcsHook(spcs_conn_id=conn_id)
    with pytest.raises(SpcsSqlError) as sync_error:
        hook.get_service_status("ECHO_SERVICE")
    hook.close()
    (event,) = await _events(_triggers(conn_id, ["ECHO_SERVICE"], poll_interval=30))
    assert (event.status, event.error_type, event.message) == (EventStatus.ERROR, "SpcsSqlError", str(sync_error.value))


# --- a listing that fails with a SQL error ------------------------------------------------------------


class _ListingFails:
    """Stands in for the hook's SQL: the listing is refused (e.g. a schema the role cannot see)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, statement: str) -> Steps[list[dict[str, Any]]]:
        self.statements.append(statement)
        if statement.startswith("DESCRIBE"):
            return [{"name": "SVC", "status": "running"}]
        raise SpcsSqlError("SQL compilation error:\nSchema 'X' does not exist or not authorized.", code="002003")
        yield  # a generator: the statement runs when the steps are driven


async def test_sql_error_in_the_listing_sends_every_waiter_to_describe() -> None:
    sql = _ListingFails()
    reads = SharedListingReads(sql, conn_id="conn", database="DB", schema="X", fresh_for=0.5)
    config = SpcsConfig.from_connection(login="u", password=None, extra={"account": "a", "token": "t"}, env={})
    runner = Runner(credential_for(config), process=ProcessState())
    statuses = await asyncio.gather(*(runner.arun(reads.status("SVC")) for _ in range(5)))
    assert statuses == ["RUNNING"] * 5  # from each one's own DESCRIBE
    assert sql.statements.count("SHOW SERVICES IN SCHEMA") == 1  # asked once for all five
    # For a while the listing is not tried again...
    assert runner.run(reads.status("SVC")) == "RUNNING"
    assert sql.statements.count("SHOW SERVICES IN SCHEMA") == 1
    # ...then it is (here: once that while is made to pass).
    runner.process.reads.forget(ListingKey("conn", Scope(None, None, session=("DB", "X"))))
    assert runner.run(reads.status("SVC")) == "RUNNING"
    assert sql.statements.count("SHOW SERVICES IN SCHEMA") == 2
    assert sql.statements.count('DESCRIBE SERVICE "SVC"') == 7
