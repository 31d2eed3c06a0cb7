r"""The tokenizer of the emulator's SQL dialect.

Keywords are case-insensitive; unquoted identifiers are folded to uppercase, double-quoted ones
keep their case (``""`` escapes a quote). Strings use single quotes or ``$$...$$`` (taken as is).
In single quotes, ``''`` is a quote and a backslash escapes as Snowflake documents: ``\'``,
``\"``, ``\\``, ``\b``, ``\f``, ``\n``, ``\r``, ``\t``, ``\0``, octal ``\ooo``, hex
``\xhh``, Unicode ``\uhhhh``; any other escaped character stands for itself. Stage references
(``@db.schema.stage/path``) are one token. Comments (``--``, ``//``, ``/* */``) and white space
separate tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from airflow_provider_spcs.testing.sql.failures import syntax_error

TokenKind = Literal["IDENT", "QIDENT", "STRING", "NUMBER", "PUNCT", "STAGE", "EOF"]


@dataclass(frozen=True)
class Token:
    """One token: ``value`` is normalised (uppercase identifier, unescaped string)."""

    kind: TokenKind
    value: str
    pos: int
    end: int
    raw: str


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|--[^\n]*|//[^\n]*|/\*.*?\*/)
    |(?P<dollar>\$\$(?P<dollar_body>.*?)\$\$)
    |(?P<string>'(?P<string_body>(?:[^'\\]|\\.|'')*)')
    |(?P<qident>"(?P<qident_body>(?:[^"]|"")+)")
    |(?P<stage>@[^\s;,()=]+)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_$]*)
    |(?P<number>\d+(?:\.\d+)?)
    |(?P<punct>=>|[.,()=;!*{}\[\]:])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f"}
_NUMERIC_ESCAPE = re.compile(r"[0-7]{3}|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}")


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            numeric = _NUMERIC_ESCAPE.match(body, i + 1)
            if numeric is not None:
                digits = numeric.group(0)
                out.append(chr(int(digits, 8) if digits[0].isdigit() else int(digits[1:], 16)))
                i = numeric.end()
                continue
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
        elif char == "'" and body[i : i + 2] == "''":
            out.append("'")
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens (ending with an EOF token); raise a syntax error on junk."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise syntax_error(text, pos, text[pos])
        raw = match.group(0)
        if match.group("ws") is not None:
            pass
        elif match.group("dollar") is not None:
            tokens.append(Token("STRING", match.group("dollar_body"), pos, match.end(), raw))
        elif match.group("string") is not None:
            tokens.append(Token("STRING", _unescape(match.group("string_body")), pos, match.end(), raw))
        elif match.group("qident") is not None:
            tokens.append(Token("QIDENT", match.group("qident_body").replace('""', '"'), pos, match.end(), raw))
        elif match.group("stage") is not None:
            tokens.append(Token("STAGE", raw, pos, match.end(), raw))
        elif match.group("ident") is not None:
            tokens.append(Token("IDENT", raw.upper(), pos, match.end(), raw))
        elif match.group("number") is not None:
            tokens.append(Token("NUMBER", raw, pos, match.end(), raw))
        else:
            tokens.append(Token("PUNCT", raw, pos, match.end(), raw))
        pos = match.end()
    tokens.append(Token("EOF", "", len(text), len(text), ""))
    return tokens


def split_statements(text: str) -> list[str]:
    """Split a multi-statement text on top-level ``;`` (quotes and ``$$`` respected).

    Empty statements are dropped; each piece keeps its original text without the ``;``.
    """
    pieces: list[str] = []
    start = 0
    for token in tokenize(text):
        if token.kind == "EOF" or (token.kind == "PUNCT" and token.value == ";"):
            piece = text[start : token.pos].strip()
            if piece:
                pieces.append(piece)
            start = token.end
    return pieces
