"""The clauses SHOW statements share: ``[LIKE '<p>'] [IN <scope>] [STARTS WITH '<s>'] [LIMIT <n> [FROM '<s>']]``.

:func:`parse_show_filter` reads them into a :class:`ShowFilter`, which then picks the listed
objects lazily (so a caller that polls each listed object polls only those). Schema objects
(services, secrets) take :func:`schema_scope` for ``IN ACCOUNT | DATABASE [<db>] | [SCHEMA] [<s>]``
and list the current database's objects without ``IN``; account objects (compute pools) take no
scope.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.session import Session


class Named(Protocol):
    """Anything SHOW lists."""

    @property
    def name(self) -> str: ...


class SchemaObject(Named, Protocol):
    """An object that lives in a schema."""

    @property
    def database(self) -> str: ...

    @property
    def schema(self) -> str: ...


T = TypeVar("T", bound=Named)
S = TypeVar("S", bound=SchemaObject)
Predicate = Callable[[T], bool]

_CLAUSE_WORDS = frozenset({"STARTS", "LIMIT", "LIKE", "IN"})


@dataclass
class ShowFilter(Generic[T]):
    """What the clauses ask for: every predicate must hold; then ``FROM`` and ``LIMIT`` apply."""

    predicates: list[Predicate[T]] = field(default_factory=list)
    limit: int | None = None
    after: str | None = None

    def select(self, objects: Iterable[T]) -> Iterator[T]:
        """The objects to list, in order, at most ``limit`` of them, names after ``after``."""
        listed = 0
        for obj in objects:
            if not all(predicate(obj) for predicate in self.predicates):
                continue
            if self.after is not None and obj.name <= self.after:
                continue
            if self.limit is not None and listed >= self.limit:
                return
            listed += 1
            yield obj


def like(pattern: str) -> Callable[[str], bool]:
    """SQL ``LIKE`` (``%``, ``_``), case-insensitive, over the whole name."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    compiled = re.compile(regex, re.IGNORECASE | re.DOTALL)
    return lambda name: compiled.fullmatch(name) is not None


def parse_show_filter(
    parser: Parser,
    *,
    scope: Callable[[Parser], Predicate[T]] | None = None,
    default_scope: Predicate[T] | None = None,
    extra: list[Predicate[T]] | None = None,
) -> ShowFilter[T]:
    """Read the SHOW clauses after the object keyword; the caller ends the statement.

    :param scope: parses what follows ``IN``; ``None`` when the statement takes no ``IN``.
    :param default_scope: what holds without ``IN`` (e.g. "in the current database").
    :param extra: predicates of the statement itself (visibility, job or not...), checked first.
    """
    result: ShowFilter[T] = ShowFilter(list(extra or []))
    if parser.accept_kw("LIKE"):
        matches = like(parser.string())
        result.predicates.append(lambda obj: matches(obj.name))
    if scope is not None and parser.accept_kw("IN"):
        result.predicates.append(scope(parser))
    elif default_scope is not None:
        result.predicates.append(default_scope)
    if parser.accept_kw("STARTS", "WITH"):
        prefix = parser.string()
        result.predicates.append(lambda obj: obj.name.startswith(prefix))
    if parser.accept_kw("LIMIT"):
        result.limit = parser.integer()
        if parser.accept_kw("FROM"):
            result.after = parser.string()
    return result


def _optional_name(parser: Parser) -> list[str] | None:
    token = parser.peek()
    if token.kind == "QIDENT" or (token.kind == "IDENT" and token.value not in _CLAUSE_WORDS):
        return parser.name()
    return None


def in_database(database: str) -> Predicate[S]:
    """Objects of ``database`` (what SHOW lists without ``IN``)."""
    return lambda obj: obj.database == database


def schema_scope(
    session: Session, *, more: Callable[[Parser], Predicate[S] | None] | None = None
) -> Callable[[Parser], Predicate[S]]:
    """The ``IN`` scopes of schema objects: ``ACCOUNT``, ``DATABASE [<db>]``, ``[SCHEMA] [<s>]``.

    ``more`` may parse a scope of the statement's own first (e.g. ``COMPUTE POOL <pool>`` for
    services) and return ``None`` when it does not apply.
    """

    def parse(parser: Parser) -> Predicate[S]:
        if parser.accept_kw("ACCOUNT"):
            return lambda obj: True
        if parser.accept_kw("DATABASE"):
            name = _optional_name(parser)
            if name is not None and len(name) != 1:
                parser.fail()
            return in_database(name[0] if name else session.database)
        own = more(parser) if more is not None else None
        if own is not None:
            return own
        explicit_schema = parser.accept_kw("SCHEMA")
        name = _optional_name(parser)
        if name is None:
            if not explicit_schema:
                parser.fail()
            name = [session.schema]
        if len(name) > 2:
            parser.fail()
        database, schema = (name[0], name[1]) if len(name) == 2 else (session.database, name[0])
        return lambda obj: obj.database == database and obj.schema == schema

    return parse
