"""What a watch selects, which changes fire, and one look as steps (a stub SQL executor)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import credential_for
from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsSqlError
from airflow_provider_spcs.core.listing import Scope, SharedListingReads
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.core.runner import Runner
from airflow_provider_spcs.core.service_watch import (
    GONE,
    ServiceWatch,
    Transition,
    changes,
    like_regex,
    observe_service_states,
    observed_at,
)


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("ETL_%", "ETL_DAILY", True),
        ("etl_%", "ETL_DAILY", True),  # any case, as SHOW ... LIKE
        ("ETL_%", "ETLXDAILY", True),  # _ is one character
        ("ETL\\_%", "ETLXDAILY", False),  # unless escaped
        ("ETL\\_%", "ETL_DAILY", True),
        ("%SVC", "MY_SVC", True),
        ("%SVC", "MY_SVC_2", False),
        ("A.B", "AXB", False),  # regex characters are literal
        ("A.B", "A.B", True),
        ("%", "Mixed Case", True),
        ("100\\%", "100%", True),
    ],
)
def test_like_is_snowflakes(pattern: str, name: str, matches: bool) -> None:
    assert (like_regex(pattern).fullmatch(name) is not None) is matches


def test_watch_keeps_names_as_snowflake_stores_them() -> None:
    watch = ServiceWatch.of(database="spcs_db", schema='"App"', services=["echo", '"Mixed"'], statuses="failed")
    assert (watch.database, watch.schema) == ("SPCS_DB", "App")
    assert watch.services == {"ECHO", "Mixed"}
    assert watch.statuses == {"FAILED"}
    assert watch.selects("ECHO")
    assert watch.selects("Mixed")
    assert not watch.selects("MIXED")
    assert watch.location(None, None) == ("SPCS_DB", '"App"')
    assert watch.scope(None, None) == Scope("SPCS_DB", "App")


def test_scope_falls_back_to_the_connection() -> None:
    schema_only = ServiceWatch.of(schema="app", services=["A"])
    assert schema_only.scope("DB", None) == Scope(None, "APP", session=("DB", None))
    neither = ServiceWatch.of(services=["A"])
    assert neither.scope("DB", "S") == Scope(None, None, session=("DB", "S"))
    assert neither.location("DB", "S") == ("DB", "S")
    with pytest.raises(SpcsConfigError, match="give database= and schema="):
        neither.scope("DB", None)


def test_changes_are_edges_and_from_statuses_filter() -> None:
    watch = ServiceWatch.of(services=["A"], statuses=["FAILED", "DELETED"], from_statuses=["RUNNING"])
    found = changes(
        watch,
        {"A": "RUNNING", "B": "PENDING", "C": "FAILED", "GONE_SVC": "RUNNING"},
        {"A": "FAILED", "B": "FAILED", "C": "FAILED", "NEW": "FAILED"},
        at="t",
    )
    assert found == [
        Transition("A", "RUNNING", "FAILED", "t", fires=True),
        Transition("B", "PENDING", "FAILED", "t", fires=False),  # not from RUNNING
        Transition("GONE_SVC", "RUNNING", GONE, "t", fires=True),
        Transition("NEW", None, "FAILED", "t", fires=False),  # from nothing, not from RUNNING
    ]  # C stayed FAILED: no change


def test_observed_at_is_utc_with_milliseconds() -> None:
    assert observed_at(1_780_000_000.1234) == "2026-05-28T20:26:40.123Z"


class _Sql:
    """A SQL executor that answers from a table of statuses (and records what it ran)."""

    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses
        self.statements: list[str] = []
        self.listing_fails = False

    def __call__(self, statement: str) -> Steps[list[dict[str, Any]]]:
        self.statements.append(statement)
        if statement.startswith("SHOW SERVICES IN SCHEMA"):
            if self.listing_fails:
                raise SpcsSqlError("SQL compilation error:\nSchema 'DB.S' does not exist or not authorized.")
            return [{"name": n, "status": s.lower()} for n, s in self.statuses.items()]
        if statement.startswith("SHOW SERVICE CONTAINERS"):
            return [{"instance_id": "0", "container_name": "main", "status": "FAILED", "message": "OOMKilled"}]
        raise AssertionError(statement)
        yield  # a generator: the statement runs when the steps are driven


@pytest.fixture
def runner() -> Runner:
    config = SpcsConfig.from_connection(login="u", password=None, extra={"account": "a", "token": "t"}, env={})
    return Runner(credential_for(config), process=ProcessState())


async def test_a_look_diffs_the_shared_listing_and_shares_the_containers_read(runner: Runner) -> None:
    sql = _Sql({"A": "RUNNING", "B": "RUNNING", "OTHER": "RUNNING"})
    reads = SharedListingReads(sql, conn_id="c", database=None, schema=None, fresh_for=5)
    watch = ServiceWatch.of(database="DB", schema="S", services=["A", "B", "MISSING"])
    baseline = await runner.arun(observe_service_states(reads, watch, None, clock=lambda: 0.0))
    assert (baseline.statuses, baseline.transitions, baseline.missing) == (
        {"A": "RUNNING", "B": "RUNNING"},
        [],
        ["MISSING"],
    )
    sql.statuses["A"] = "FAILED"
    runner.process.reads.clear()
    # Two watchers of the same services see the failure through one listing and one containers read.
    looks = await asyncio.gather(
        *(runner.arun(observe_service_states(reads, watch, baseline.statuses, clock=lambda: 0.0)) for _ in range(2))
    )
    for look in looks:
        (fired,) = look.fired
        assert (fired.service, fired.previous, fired.status) == ("A", "RUNNING", "FAILED")
        assert fired.containers[0]["message"] == "OOMKilled"
    assert sql.statements == [
        'SHOW SERVICES IN SCHEMA "DB"."S"',
        'SHOW SERVICES IN SCHEMA "DB"."S"',
        'SHOW SERVICE CONTAINERS IN SERVICE "DB"."S"."A"',
    ]


async def test_a_failed_listing_is_asked_again_for_its_reason(runner: Runner) -> None:
    sql = _Sql({"A": "RUNNING"})
    sql.listing_fails = True
    reads = SharedListingReads(sql, conn_id="c", database=None, schema=None, fresh_for=5)
    watch = ServiceWatch.of(database="DB", schema="S", service_pattern="%")
    with pytest.raises(SpcsSqlError, match="does not exist or not authorized"):
        await runner.arun(observe_service_states(reads, watch, None, clock=lambda: 0.0))
    # The shared listing keeps its failure for a while; a look asks on its own, and uses the rows once it works.
    sql.listing_fails = False
    look = await runner.arun(observe_service_states(reads, watch, None, clock=lambda: 0.0))
    assert look.statuses == {"A": "RUNNING"}
    assert len(sql.statements) == 3
