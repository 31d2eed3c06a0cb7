"""Snowflake identifiers: validate names before they reach SQL, and quote them.

Unquoted identifiers are case-insensitive in Snowflake (resolved as uppercase), so when we quote
one we uppercase it first; a part given in double quotes keeps its exact case.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from airflow_provider_spcs.core.errors import SpcsConfigError

_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")
_PART = re.compile(r'"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*')


@dataclass(frozen=True)
class QualifiedName:
    """A validated one-, two- or three-part object name; ``parts`` hold the resolved (unquoted) names."""

    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        """The object's own name (last part), as Snowflake resolves it."""
        return self.parts[-1]

    @property
    def sql(self) -> str:
        """Quoted, dot-joined form safe to splice into SQL."""
        return ".".join(quote_identifier(p) for p in self.parts)


def quote_identifier(part: str) -> str:
    """Double-quote one resolved identifier part, escaping embedded quotes.

    :param part: the exact name (case as Snowflake stores it).
    :raises SpcsConfigError: empty, too long, or containing control characters.
    """
    if not part or len(part) > 255 or any(ord(c) < 32 for c in part):
        raise SpcsConfigError("identifier", f"invalid identifier {part!r}")
    return '"' + part.replace('"', '""') + '"'


def parse_object_name(name: str, *, field: str = "service") -> QualifiedName:
    """Parse ``name``, ``schema.name`` or ``db.schema.name``; each part bare or double-quoted.

    :param name: the name as the user wrote it.
    :param field: the parameter to blame in the error (e.g. ``service``).
    :raises SpcsConfigError: anything else (spaces, semicolons, empty parts, more than three parts).
    """
    if not isinstance(name, str) or not name or len(name) > 800:
        raise SpcsConfigError(field, f"expected name, schema.name or db.schema.name, got {name!r}")
    parts: list[str] = []
    pos = 0
    while True:
        match = _PART.match(name, pos)
        if match is None:
            raise SpcsConfigError(field, f"expected name, schema.name or db.schema.name, got {name!r}")
        token = match.group(0)
        if token.startswith('"'):
            resolved = token[1:-1].replace('""', '"')
            if any(ord(c) < 32 for c in resolved):
                raise SpcsConfigError(field, f"control characters are not allowed in {name!r}")
        else:
            if not _UNQUOTED.fullmatch(token):
                raise SpcsConfigError(field, f"identifier too long in {name!r}")
            resolved = token.upper()
        parts.append(resolved)
        pos = match.end()
        if pos == len(name):
            break
        if name[pos] != "." or len(parts) == 3:
            raise SpcsConfigError(field, f"expected name, schema.name or db.schema.name, got {name!r}")
        pos += 1
    return QualifiedName(tuple(parts))


_PLAIN = re.compile(r"[A-Z_][A-Z0-9_$]{0,254}")


def identifier_text(stored: str) -> str:
    """How a stored name is written: bare when it is a plain uppercase name, else double-quoted."""
    return stored if _PLAIN.fullmatch(stored) else '"' + stored.replace('"', '""') + '"'


def stored_name(text: str, *, field: str) -> str:
    """One identifier as written (``echo_service`` or ``"Mixed"``), as Snowflake stores it.

    :param field: the part to blame in the error (``database``, ``schema`` or ``service``).
    :raises SpcsConfigError: not exactly one valid identifier.
    """
    expected = f"expected one identifier (letters, digits, _ and $, or any text in double quotes), got {text!r}"
    try:
        parsed = parse_object_name(text, field=field)
    except SpcsConfigError:
        raise SpcsConfigError(field, expected) from None
    if len(parsed.parts) != 1:
        raise SpcsConfigError(field, expected + " (give database and schema as parts of their own)")
    return parsed.name


def service_name(name: str | QualifiedName, *, field: str = "service") -> QualifiedName:
    """``name`` parsed (see :func:`parse_object_name`), or returned as is when it already is one."""
    return name if isinstance(name, QualifiedName) else parse_object_name(name, field=field)


# --- literals ------------------------------------------------------------------------------------

_BARE = re.compile(r"[A-Z_][A-Z0-9_$]*")


def string_literal(value: str, *, field: str) -> str:
    """Single-quote ``value`` for SQL, escaping backslashes and quotes.

    :param field: the parameter to blame in the error.
    :raises SpcsConfigError: for control characters, which no file name or comment needs.
    """
    if any(ord(c) < 32 for c in value):
        raise SpcsConfigError(field, "control characters are not allowed")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def plain_name(name: QualifiedName) -> str:
    """The name as a user writes it: bare parts when they are plain, double-quoted otherwise."""
    return ".".join(p if _BARE.fullmatch(p) else '"' + p.replace('"', '""') + '"' for p in name.parts)


_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def secret_literal(value: str, *, field: str) -> str:
    """Single-quote a secret value for SQL: any text Snowflake can store, exactly.

    Backslashes and quotes are escaped (``\\\\``, ``\\'``), and so are control characters, with
    Snowflake's documented escapes (``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f``, ``\\xhh``), so the
    literal is one line whatever the value holds; ``$$`` and any other character (Unicode beyond the
    BMP included) stand for themselves. The error never quotes the value.

    :param field: the parameter to blame in the error.
    :raises SpcsConfigError: the value is empty, holds a NUL character (no environment variable or
        C string can carry one, so a service could not mount it), or a lone surrogate (not text:
        it has no UTF-8 encoding).
    """
    if not value:
        raise SpcsConfigError(field, "the secret value is empty")
    if "\0" in value:
        raise SpcsConfigError(field, "a secret value cannot contain NUL characters (U+0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SpcsConfigError(field, "the secret value is not valid text (it holds a lone surrogate)") from None
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == "'":
            out.append("\\'")
        elif char in _CONTROL_ESCAPES:
            out.append(_CONTROL_ESCAPES[char])
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def name_argument(name: QualifiedName, *, field: str = "service") -> str:
    """The string-literal form of a name for ``SYSTEM$`` functions: bare parts when they are plain."""
    return string_literal(plain_name(name), field=field)


def dollar_quoted(text: str, *, field: str, what: str = "the text", hint: str = "") -> str:
    """``$$<text>$$`` on lines of their own; dollar-quoted text has no escape, so ``$$`` inside is refused.

    :param field: the parameter to blame in the error.
    :param what: how the error names the text (``an inline specification``).
    :param hint: how to avoid the error, appended to it.
    :raises SpcsConfigError: ``text`` is empty or contains ``$$``.
    """
    if not text.strip():
        raise SpcsConfigError(field, f"{what} is empty")
    if "$$" in text:
        raise SpcsConfigError(field, f"{what} cannot contain '$$'" + (f"; {hint}" if hint else ""))
    return "$$\n" + text.strip("\n") + "\n$$"


def account_object_name(name: str | QualifiedName, *, field: str) -> QualifiedName:
    """A one-part name of an account-level object (compute pool, warehouse, integration).

    :param field: the parameter to blame in the error.
    :raises SpcsConfigError: the name is invalid or qualified (``db.pool``).
    """
    parsed = service_name(name, field=field)
    if len(parsed.parts) != 1:
        raise SpcsConfigError(field, f"expected one name (an account-level object), got {name!r}")
    return parsed


# --- template values (CREATE / ALTER SERVICE ... USING) ------------------------------------------

_USING_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_BARE_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Inside a JSON string: characters that would mean something to the SQL tokenizer around it.
_JSON_ESCAPED = re.compile(r"\\([\"\\])")
_CONTROL_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def using_key(key: str, *, field: str) -> str:
    """A template variable name as ``USING`` takes it: a plain identifier, written as is."""
    if not isinstance(key, str) or not _USING_KEY.fullmatch(key):
        raise SpcsConfigError(field, f"template variable names are letters, digits and '_', got {key!r}")
    return key


def text_literal(value: str, *, field: str) -> str:
    """Single-quote any text for SQL: backslashes, quotes and control characters escaped."""
    if not isinstance(value, str):
        raise SpcsConfigError(field, f"expected text, got {type(value).__name__}")
    out = value.replace("\\", "\\\\").replace("'", "\\'")
    out = "".join(_CONTROL_ESCAPES.get(c, f"\\x{ord(c):02x}") if ord(c) < 32 else c for c in out)
    return "'" + out + "'"


def _json_value(value: object, *, field: str) -> str:
    """JSON whose strings hold no quote, backslash pair or ``$`` literally (``\\uXXXX`` instead).

    The SQL tokenizer sees the JSON's strings as quoted identifiers; with these characters escaped
    they can neither end early nor open a string or dollar-quoted text.
    """
    try:
        text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(", ", ": "))
    except (TypeError, ValueError) as exc:
        raise SpcsConfigError(field, f"a mapping or list value must be plain JSON: {exc}") from None
    text = _JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group(1)):04x}", text)
    return text.replace("'", "\\u0027").replace("$", "\\u0024")


def using_value(value: object, *, field: str) -> str:
    """One ``USING`` value: text single-quoted, numbers and booleans bare, mappings and lists as JSON.

    :param field: the parameter to blame in the error.
    :raises SpcsConfigError: ``None``, a number that is not finite, or a value JSON cannot hold.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise SpcsConfigError(field, f"numbers must be finite, got {value!r}")
        text = repr(value)
        # Negative or exponent forms are not bare literals: quoted, they render the same text.
        return text if _BARE_NUMBER.fullmatch(text) else text_literal(text, field=field)
    if isinstance(value, str):
        return text_literal(value, field=field)
    if isinstance(value, Mapping | list | tuple):
        return _json_value(value, field=field)
    raise SpcsConfigError(field, f"values are text, numbers, booleans, mappings or lists, got {type(value).__name__}")
