"""Compute pools: CREATE, ALTER, DESCRIBE, SHOW and DROP COMPUTE POOL.

* ``CREATE COMPUTE POOL [IF NOT EXISTS] <name> MIN_NODES = <n> MAX_NODES = <n> INSTANCE_FAMILY = <f>
  [AUTO_RESUME = <b>] [INITIALLY_SUSPENDED = <b>] [AUTO_SUSPEND_SECS = <n>] [[WITH] TAG (...)]
  [COMMENT = '<text>']`` (properties in any order) -> ``Compute Pool <NAME> successfully created.``
* ``ALTER COMPUTE POOL [IF EXISTS] <name> SUSPEND | RESUME | STOP ALL | SET <props> | UNSET <names>``
  (SET: MIN_NODES, MAX_NODES, INSTANCE_FAMILY, AUTO_RESUME, AUTO_SUSPEND_SECS, COMMENT, TAG;
  UNSET: AUTO_RESUME, AUTO_SUSPEND_SECS, COMMENT);
* ``DESC[RIBE] COMPUTE POOL <name>``, ``SHOW COMPUTE POOLS [LIKE '<p>'] [STARTS WITH '<s>']
  [LIMIT <n> [FROM '<s>']]`` (each a poll of every pool shown);
* ``DROP COMPUTE POOL [IF EXISTS] <name>``: refused while services run on it (as documented;
  ``STOP ALL`` first), running jobs are cancelled.

Columns (reference second-wave section 2; SHOW and DESCRIBE alike, the order of the last columns is
UNCONFIRMED, ours ends ``..., budget, error_code, status_message``). Pools are account objects
every role sees. Lifecycle: :mod:`airflow_provider_spcs.testing.model.compute_pools`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_spcs.testing.model.compute_pools import ComputePool
from airflow_provider_spcs.testing.model.job_services import JobService
from airflow_provider_spcs.testing.model.refusals import StateConflict
from airflow_provider_spcs.testing.sql.failures import (
    already_exists,
    already_exists_note,
    does_not_exist,
    model_errors,
    refused,
)
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import Keywords, StatementHandler
from airflow_provider_spcs.testing.sql.result_sets import (
    BOOLEAN,
    FIXED,
    TEXT,
    TIMESTAMP_LTZ,
    Cell,
    Column,
    ResultSet,
    ltz,
    status_result,
)
from airflow_provider_spcs.testing.sql.service_properties import parse_tags
from airflow_provider_spcs.testing.sql.session import Session
from airflow_provider_spcs.testing.sql.show_clauses import ShowFilter, parse_show_filter

POOL_COLUMNS: list[Column] = [
    Column("name", TEXT),
    Column("state", TEXT),
    Column("min_nodes", FIXED),
    Column("max_nodes", FIXED),
    Column("instance_family", TEXT),
    Column("num_services", FIXED),
    Column("num_jobs", FIXED),
    Column("auto_suspend_secs", FIXED),
    Column("auto_resume", BOOLEAN),
    Column("active_nodes", FIXED),
    Column("idle_nodes", FIXED),
    Column("target_nodes", FIXED),
    Column("created_on", TIMESTAMP_LTZ),
    Column("resumed_on", TIMESTAMP_LTZ),
    Column("updated_on", TIMESTAMP_LTZ),
    Column("owner", TEXT),
    Column("comment", TEXT),
    Column("is_exclusive", BOOLEAN),
    Column("application", TEXT),
    Column("budget", TEXT),
    Column("error_code", TEXT),
    Column("status_message", TEXT),
]

_PROPERTIES: dict[str, Callable[[Parser], Any]] = {
    "MIN_NODES": Parser.integer,
    "MAX_NODES": Parser.integer,
    "INSTANCE_FAMILY": Parser.identifier,
    "AUTO_RESUME": Parser.boolean,
    "AUTO_SUSPEND_SECS": Parser.integer,
    "COMMENT": Parser.string,
}
_UNSETTABLE = frozenset({"AUTO_RESUME", "AUTO_SUSPEND_SECS", "COMMENT"})


def look(pool: ComputePool) -> list[Cell]:
    """One SHOW / DESCRIBE COMPUTE POOL row: one poll of the pool, every cell as that poll saw it."""
    observed = pool.status
    nodes = pool.nodes()
    error = pool.error
    row: list[Cell] = [
        pool.name,
        observed,
        pool.min_nodes,
        pool.max_nodes,
        pool.instance_family,
        pool.num_services(),
        pool.num_jobs(),
        pool.auto_suspend_secs,
        pool.auto_resume,
        nodes.active,
        nodes.idle,
        nodes.target,
        ltz(pool.created_on),
        ltz(pool.resumed_on),
        ltz(pool.updated_on),
        pool.owner_role,
        pool.comment,
        False,
        None,
        None,
        error[0] if error else None,
        error[1] if error else None,
    ]
    pool.count_poll()  # counted after the cells are read, so all of them show the same moment
    return row


def _properties(parser: Parser, *, creating: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    while parser.peek().kind != "EOF" and not parser.at_punct(";"):
        parser.accept_punct(",")
        token = parser.peek()
        value: Any
        if parser.accept_kw("WITH", "TAG") or parser.accept_kw("TAG"):
            key, value = "TAG", parse_tags(parser) if creating or parser.at_punct("(") else _bare_tags(parser)
        elif creating and parser.accept_kw("INITIALLY_SUSPENDED"):
            key, value = "INITIALLY_SUSPENDED", parser.assignment(parser.boolean)
        elif token.kind == "IDENT" and token.value in _PROPERTIES:
            parser.next()
            parser.expect_punct("=")
            key, value = token.value, _PROPERTIES[token.value](parser)
        else:
            parser.fail(token)
        if key in fields:
            parser.fail(token)
        fields[key] = value
    return fields


def _bare_tags(parser: Parser) -> dict[str, str]:
    # ALTER COMPUTE POOL ... SET TAG t = 'v' [, t2 = 'v2'] (no parentheses): a name after a comma
    # that is no pool property is the next tag.
    tags: dict[str, str] = {}
    while True:
        name = ".".join(parser.name())
        tags[name] = parser.assignment(parser.string)
        following = parser.peek(1)
        is_tag = following.kind == "QIDENT" or (following.kind == "IDENT" and following.value not in _PROPERTIES)
        if not (parser.at_punct(",") and is_tag):
            return tags
        parser.next()


def create_compute_pool(parser: Parser, session: Session) -> ResultSet:
    """``CREATE COMPUTE POOL [IF NOT EXISTS] <name> <properties>``."""
    if_not_exists = parser.accept_kw("IF", "NOT", "EXISTS")
    name = parser.identifier()
    fields = _properties(parser, creating=True)
    parser.end()
    world = session.world
    existing = world.compute_pools.get(name)
    if existing is not None:
        if if_not_exists:
            return status_result(already_exists_note(existing.name))
        raise already_exists(name)
    suspended = bool(fields.pop("INITIALLY_SUSPENDED", False))
    with model_errors():
        pool = world.create_compute_pool(name, fields, owner_role=session.role, initially_suspended=suspended)
    return status_result(f"Compute Pool {pool.name} successfully created.")


def alter_compute_pool(parser: Parser, session: Session) -> ResultSet:
    """``ALTER COMPUTE POOL [IF EXISTS] <name> SUSPEND | RESUME | STOP ALL | SET ... | UNSET ...``."""
    if_exists = parser.accept_kw("IF", "EXISTS")
    name = parser.identifier()
    fields: dict[str, Any] = {}
    names: list[str] = []
    if parser.accept_kw("SUSPEND"):
        action = "SUSPEND"
    elif parser.accept_kw("RESUME"):
        action = "RESUME"
    elif parser.accept_kw("STOP", "ALL"):
        action = "STOP ALL"
    elif parser.accept_kw("SET"):
        action = "SET"
        fields = _properties(parser, creating=False)
        if not fields:
            parser.fail()
    elif parser.accept_kw("UNSET"):
        action = "UNSET"
        names = parser.keyword_list(_UNSETTABLE)
    else:
        parser.fail()
    parser.end()
    pool = session.world.compute_pools.get(name)
    if pool is None:
        if if_exists:
            return status_result()
        raise does_not_exist("Compute pool", name)
    with model_errors():
        if action == "SUSPEND":
            pool.suspend()
        elif action == "RESUME":
            pool.resume()
        elif action == "STOP ALL":
            pool.stop_all()
        elif action == "SET":
            pool.alter(fields)
        else:
            pool.unset(names)
    return status_result()


def describe_compute_pool(parser: Parser, session: Session) -> ResultSet:
    """``DESC[RIBE] COMPUTE POOL <name>``."""
    name = parser.identifier()
    parser.end()
    pool = session.world.compute_pools.get(name)
    if pool is None:
        raise does_not_exist("Compute pool", name)
    return ResultSet(list(POOL_COLUMNS), [look(pool)])


def show_compute_pools(parser: Parser, session: Session) -> ResultSet:
    """``SHOW COMPUTE POOLS [LIKE '<p>'] [STARTS WITH '<s>'] [LIMIT <n> [FROM '<s>']]``."""
    listing: ShowFilter[ComputePool] = parse_show_filter(parser)
    parser.end()
    pools = session.world.compute_pools.values()
    return ResultSet(list(POOL_COLUMNS), [look(pool) for pool in listing.select(pools)])


def drop_compute_pool(parser: Parser, session: Session) -> ResultSet:
    """``DROP COMPUTE POOL [IF EXISTS] <name>``."""
    if_exists = parser.accept_kw("IF", "EXISTS")
    name = parser.identifier()
    parser.end()
    world = session.world
    pool = world.compute_pools.get(name)
    if pool is None:
        if if_exists:
            return status_result(f"Drop statement executed successfully ({name} already dropped).")
        raise does_not_exist("Compute pool", name)
    services = [s for s in world.list_services() if s.compute_pool == name and not s.is_job]
    if services:
        raise refused(
            StateConflict(
                f"Cannot drop compute pool {name}: {len(services)} service(s) still exist on it. Drop them first, "
                f"or run ALTER COMPUTE POOL {name} STOP ALL."
            )
        )
    for job in pool.workloads():
        if isinstance(job, JobService):
            job.cancel()
    world.compute_pools.pop(name)
    return status_result(f"{name} successfully dropped.")


STATEMENTS: dict[Keywords, StatementHandler] = {
    ("CREATE", "COMPUTE", "POOL"): create_compute_pool,
    ("ALTER", "COMPUTE", "POOL"): alter_compute_pool,
    ("DESCRIBE", "COMPUTE", "POOL"): describe_compute_pool,
    ("SHOW", "COMPUTE", "POOLS"): show_compute_pools,
    ("DROP", "COMPUTE", "POOL"): drop_compute_pool,
}
