"""Run SQL text through the engine (:mod:`airflow_provider_spcs.testing.sql`) and track it as a
:class:`~.statement_store.StatementRecord`.

Shared by the SQL API and the connector protocol. Multi-statement text runs its statements one
after another; the parent finishes when the last child does (or fails with the first failure).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from airflow_provider_spcs.testing.sql import Column, Pending, ResultSet, SqlError, execute, split_statements
from airflow_provider_spcs.testing.sql.engine import statement_form
from airflow_provider_spcs.testing.sql.redaction import redact_secret_literals
from airflow_provider_spcs.testing.sql.result_sets import TEXT
from airflow_provider_spcs.testing.wire.app_state import EmulatorState
from airflow_provider_spcs.testing.wire.statement_store import StatementRecord, new_handle

MULTI_COLUMN = "multiple statement execution"
MULTI_MESSAGE = "Multiple statements executed successfully."


@dataclass
class Context:
    """Who runs a statement and in which namespace."""

    user: str
    role: str
    database: str | None = None
    schema: str | None = None


def _run_one(state: EmulatorState, record: StatementRecord, text: str, ctx: Context) -> None:
    state.stats.incr("sql_statements")
    state.stats.count_statement(statement_form(text))
    try:
        outcome = execute(state.world, text, user=ctx.user, role=ctx.role, database=ctx.database, schema=ctx.schema)
    except SqlError as exc:
        record.fail(exc)
        return
    if isinstance(outcome, ResultSet):
        record.finish(outcome)
    else:
        record.pending = outcome


@dataclass
class MultiStatement(Pending):
    """A statement batch while it runs.

    Child records exist from the start (so their handles can be listed at once) and run in order.
    """

    state: EmulatorState
    ctx: Context
    texts: list[str]
    children: list[StatementRecord] = field(default_factory=list)
    started: int = 0

    def __post_init__(self) -> None:
        for text in self.texts:
            child = StatementRecord(new_handle(), self.ctx.user, sql_text=redact_secret_literals(text))
            self.state.statements.add(child)
            self.children.append(child)

    def _start_ready(self) -> None:
        while self.started < len(self.texts):
            if self.started and self.children[self.started - 1].state != "done":
                return
            _run_one(self.state, self.children[self.started], self.texts[self.started], self.ctx)
            self.started += 1

    def poll(self) -> ResultSet | None:
        """Advance the running child; the batch result once all children are done."""
        if self.started:
            self.children[self.started - 1].poll()
        self._start_ready()
        for child in self.children[: self.started]:
            if child.state in ("failed", "cancelled") and child.error is not None:
                raise child.error
        if self.started < len(self.texts) or self.children[-1].state != "done":
            return None
        return ResultSet([Column(MULTI_COLUMN, TEXT)], [[MULTI_MESSAGE]])

    def cancel(self) -> None:
        """Nothing to stop: children advance only through :meth:`poll`, which a cancelled batch no longer gets."""


def submit(
    state: EmulatorState, text: str, ctx: Context, *, request_id: str | None = None, multi_count: int = 1
) -> StatementRecord:
    """Start ``text`` and return its record (finished, failed, or pending).

    ``multi_count`` follows ``MULTI_STATEMENT_COUNT``: 1 = single statement only, 0 = any number,
    n > 1 = exactly n statements.
    """
    record = StatementRecord(new_handle(), ctx.user, request_id=request_id, sql_text=redact_secret_literals(text))
    state.statements.add(record)
    try:
        texts = split_statements(text)
    except SqlError as exc:  # junk the tokenizer rejects: the same error the statement would give
        record.fail(exc)
        return record
    if not texts:
        record.fail(SqlError("000900", "42601", "SQL compilation error:\nEmpty SQL statement."))
        return record
    if multi_count != 0 and len(texts) != multi_count:
        record.fail(
            SqlError(
                "000008",
                "0A000",
                f"Actual statement count {len(texts)} did not match the desired statement count {multi_count}.",
            )
        )
        return record
    if multi_count == 1:
        _run_one(state, record, texts[0], ctx)
        return record
    batch = MultiStatement(state, ctx, texts)
    record.children = [child.handle for child in batch.children]
    record.pending = batch
    record.poll()
    return record
