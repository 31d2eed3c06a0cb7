"""Statement text that carries a secret value, as a type that only the sending call can read.

Snowflake DDL takes no bind variables for a secret's value, so ``CREATE SECRET`` and ``ALTER
SECRET ... SET`` carry it as a literal in the text, and whether Snowflake's query history redacts
that literal is not documented. The text therefore must never be logged, put in an exception,
stored or serialised. A :class:`SecretStatement` makes that the default rather than a discipline:

* ``str()``, ``repr()`` and ``format()`` give the redacted text (``ALTER SECRET "DB"."S"."N" SET
  SECRET_STRING = ***``), so a log line, an f-string or a traceback shows only that;
* it cannot be pickled, copied or JSON-serialised (XCom, trigger kwargs, events), and compares by
  identity;
* the real text comes out only through :func:`statement_text`, which the two calls that send SQL
  use (the SQL API request body and the connector's ``cursor.execute``) and nothing else does (a
  test checks the call sites).

Errors for such a statement go through :meth:`SecretStatement.redact`, which names the statement
by its redacted text and removes the values from the server's message.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from airflow_provider_spcs.core.identifiers import QualifiedName

REDACTED = "***"


@functools.cache
def _quoted() -> re.Pattern[str]:
    # Compiled on first use, not at import: the triggerer imports this module on its event loop.
    return re.compile(r"'(?:[^'\\]|\\.|'')*'", re.DOTALL)


class SecretStatement:
    """A SQL statement whose text holds secret values; see the module docstring.

    Built by the secret functions of :mod:`airflow_provider_spcs.core.statements`, never by hand.

    :param text: the statement as sent.
    :param redacted: the same statement with every secret value replaced by ``***``.
    :param secret: the secret the statement writes.
    :param values: the secret values in ``text`` (what :meth:`redact` removes from messages).
    :param literals: the literal forms of ``values`` as they appear in ``text`` (escaped).
    """

    __slots__ = ("_literals", "_redacted", "_text", "_values", "secret")

    def __init__(
        self, text: str, redacted: str, *, secret: QualifiedName, values: Iterable[str], literals: Iterable[str]
    ) -> None:
        self._text = text
        self._redacted = redacted
        self._values = tuple(v for v in values if v)
        self._literals = tuple(v for v in literals if v)
        self.secret = secret
        """The secret's validated name."""

    def __str__(self) -> str:
        return self._redacted

    def __repr__(self) -> str:
        return f"SecretStatement({self._redacted!r})"

    def __format__(self, spec: str) -> str:
        return format(self._redacted, spec)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError(f"{self._redacted}: a statement carrying a secret cannot be pickled, copied or serialised")

    def __reduce__(self) -> NoReturn:
        self.__reduce_ex__(2)

    def __getstate__(self) -> NoReturn:
        self.__reduce_ex__(2)

    def redact(self, message: str) -> str:
        """``message`` (a server's error text) with nothing of the values left in it.

        Every value, each of its lines, its escaped literal and JSON forms become ``***``, and so
        does every single-quoted span of the message other than the secret's own name (a syntax
        error quotes the token it choked on, which may be a piece of a literal).
        """
        text = message
        forms: set[str] = set()
        for value in (*self._values, *self._literals):
            forms.add(value)
            forms.add(json.dumps(value)[1:-1])
            forms.update(line for line in value.splitlines() if len(line.strip()) >= 4)
        for form in sorted(forms, key=len, reverse=True):
            if form:
                text = text.replace(form, REDACTED)
        allowed = {".".join(self.secret.parts).upper(), self.secret.name.upper()}
        return _quoted().sub(lambda m: m.group(0) if m.group(0)[1:-1].upper() in allowed else f"'{REDACTED}'", text)


def statement_text(statement: str | SecretStatement) -> str:
    """The text to send for ``statement``: the one way to read a :class:`SecretStatement`'s real text.

    Only the calls that put a statement on the wire use it (the SQL API request body, the
    connector's ``cursor.execute``).
    """
    if isinstance(statement, SecretStatement):
        return statement._text
    return statement
