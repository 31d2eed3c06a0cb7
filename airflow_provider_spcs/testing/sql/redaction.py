"""Statement text as the emulator may keep it: every secret literal replaced by ``'***'``.

Whatever stores or logs statement text (the statement history behind ``GET
/api/v2/statements/{handle}``, the connector's query records, debug logs) keeps
:func:`redact_secret_literals` of it: the literal after ``PASSWORD =``, ``SECRET_STRING =`` or
``OAUTH_REFRESH_TOKEN =`` (whatever the statement) becomes ``'***'``. Text that does not tokenize
(an unterminated literal, say) is cut after the first such keyword instead.
"""

from __future__ import annotations

import re

from airflow_provider_spcs.testing.model.stored_secrets import VALUE_CLAUSES
from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.lexer import tokenize

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
    for index, token in enumerate(tokens):
        if token.kind != "STRING" or index < 2:
            continue
        equals, keyword = tokens[index - 1], tokens[index - 2]
        if (
            equals.kind == "PUNCT"
            and equals.value == "="
            and keyword.kind == "IDENT"
            and keyword.value in VALUE_CLAUSES
        ):
            pieces += [text[last : token.pos], REDACTED]
            last = token.end
    pieces.append(text[last:])
    return "".join(pieces)
