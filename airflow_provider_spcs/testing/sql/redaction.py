"""Statement text as the emulator may keep it: every secret literal replaced by ``'***'``.

Whatever stores or logs statement text (the statement history behind ``GET
/api/v2/statements/{handle}``, the connector's query records, debug logs) keeps
:func:`redact_secret_literals` of it: once a statement names ``PASSWORD``, ``SECRET_STRING`` or
``OAUTH_REFRESH_TOKEN`` as a clause (not as a value: ``TYPE = PASSWORD``), every string literal
after that keyword (up to the end of that statement)
becomes ``'***'``, so a malformed statement (``SECRET_STRING 'x'``, two literals in a row) leaks
nothing either. Text that does not tokenize (an unterminated literal, say) is cut after the first
such keyword instead.
"""

from __future__ import annotations

import re

from airflow_provider_spcs.testing.model.stored_secrets import VALUE_CLAUSES
from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.lexer import Token, tokenize

REDACTED = "'***'"
_FALLBACK = re.compile(r"\b(" + "|".join(sorted(VALUE_CLAUSES)) + r")\b.*", re.IGNORECASE | re.DOTALL)


def redact_secret_literals(text: str) -> str:
    """``text`` with each secret literal replaced by ``'***'``."""
    try:
        tokens = tokenize(text)
    except SqlError:
        return _FALLBACK.sub(lambda m: f"{m.group(1)} = ***", text)
    pieces: list[str] = []
    last = 0
    secret_seen = False
    previous: Token | None = None
    for token in tokens:
        if token.kind == "PUNCT" and token.value == ";":
            secret_seen = False
        elif token.kind == "IDENT" and token.value in VALUE_CLAUSES and not _is_equals(previous):
            secret_seen = True  # a clause name (after `=` it is a value: TYPE = PASSWORD)
        elif token.kind == "STRING" and secret_seen:
            pieces += [text[last : token.pos], REDACTED]
            last = token.end
        previous = token
    pieces.append(text[last:])
    return "".join(pieces)


def _is_equals(token: Token | None) -> bool:
    return token is not None and token.kind == "PUNCT" and token.value == "="
