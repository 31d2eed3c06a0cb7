"""Tokenizer and small recursive-descent helpers for the emulator's SQL dialect.

Keywords are case-insensitive; unquoted identifiers are folded to uppercase, double-quoted ones
keep their case (``""`` escapes a quote). Strings use single quotes (``''`` or backslash escapes)
or ``$$...$$``. Stage references (``@db.schema.stage/path``) are one token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NoReturn

TokenKind = Literal["IDENT", "QIDENT", "STRING", "NUMBER", "PUNCT", "STAGE", "EOF"]


class SqlError(Exception):
    """A Snowflake-style statement error: ``code`` (6 digits), ``sql_state`` and ``message``."""

    def __init__(self, code: str, sql_state: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.sql_state = sql_state
        self.message = message

    def __repr__(self) -> str:
        return f"SqlError({self.code!r}, {self.sql_state!r}, {self.message!r})"


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
    |(?P<punct>[.,()=;!*])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f"}


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
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


def syntax_error(text: str, pos: int, unexpected: str) -> SqlError:
    """Snowflake's ``001003`` syntax error pointing at ``pos`` (line 1-based, position 0-based)."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1)
    return SqlError(
        "001003",
        "42000",
        f"SQL compilation error:\nsyntax error line {line} at position {column} unexpected '{unexpected}'.",
    )


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens (ending with an EOF token); raise a syntax error on junk."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise syntax_error(text, pos, text[pos])
        kind = match.lastgroup
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
            assert kind is not None
            tokens.append(Token("PUNCT", raw, pos, match.end(), raw))
        pos = match.end()
    tokens.append(Token("EOF", "", len(text), len(text), ""))
    return tokens


class Parser:
    """A cursor over the tokens of one statement with ``accept``/``expect`` helpers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # -- cursor -----------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        """The token ``ahead`` positions from the cursor (EOF past the end)."""
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        """Consume and return the current token."""
        token = self.peek()
        if token.kind != "EOF":
            self.index += 1
        return token

    def fail(self, token: Token | None = None) -> NoReturn:
        """Raise a syntax error at ``token`` (default: the current one)."""
        token = token or self.peek()
        raise syntax_error(self.text, token.pos, token.raw or "<EOF>")

    # -- keywords and punctuation -----------------------------------------------------------

    def at_kw(self, *words: str) -> bool:
        """Whether the next tokens are the unquoted keywords ``words``."""
        return all(self.peek(i).kind == "IDENT" and self.peek(i).value == word for i, word in enumerate(words))

    def accept_kw(self, *words: str) -> bool:
        """Consume keywords ``words`` if they come next."""
        if self.at_kw(*words):
            self.index += len(words)
            return True
        return False

    def expect_kw(self, *words: str) -> None:
        """Consume keywords ``words`` or raise a syntax error."""
        for word in words:
            if not self.accept_kw(word):
                self.fail()

    def at_punct(self, char: str) -> bool:
        """Whether the next token is the punctuation ``char``."""
        token = self.peek()
        return token.kind == "PUNCT" and token.value == char

    def accept_punct(self, char: str) -> bool:
        """Consume ``char`` if it comes next."""
        if self.at_punct(char):
            self.index += 1
            return True
        return False

    def expect_punct(self, char: str) -> None:
        """Consume ``char`` or raise a syntax error."""
        if not self.accept_punct(char):
            self.fail()

    def end(self) -> None:
        """Accept an optional trailing ``;`` and require the end of the text."""
        self.accept_punct(";")
        if self.peek().kind != "EOF":
            self.fail()

    # -- values -----------------------------------------------------------------------------

    def at_identifier(self) -> bool:
        """Whether an identifier (quoted or not) comes next."""
        return self.peek().kind in {"IDENT", "QIDENT"}

    def identifier(self) -> str:
        """One identifier part, normalised (uppercase unless quoted)."""
        token = self.peek()
        if token.kind not in {"IDENT", "QIDENT"}:
            self.fail()
        self.index += 1
        return token.value

    def name(self) -> list[str]:
        """A possibly qualified object name: ``x``, ``schema.x`` or ``db.schema.x``."""
        parts = [self.identifier()]
        while self.at_punct(".") and len(parts) < 3:
            self.index += 1
            parts.append(self.identifier())
        return parts

    def string(self) -> str:
        """A string literal's value."""
        token = self.peek()
        if token.kind != "STRING":
            self.fail()
        self.index += 1
        return token.value

    def integer(self) -> int:
        """A non-negative integer literal."""
        token = self.peek()
        if token.kind != "NUMBER" or not token.value.isdigit():
            self.fail()
        self.index += 1
        return int(token.value)

    def boolean(self) -> bool:
        """``TRUE``/``FALSE`` (also as strings)."""
        token = self.peek()
        value = token.value.upper() if token.kind in {"IDENT", "STRING"} else ""
        if value not in {"TRUE", "FALSE"}:
            self.fail()
        self.index += 1
        return value == "TRUE"


def parse_name_text(text: str) -> list[str]:
    """Parse an object name given inside a string literal (e.g. ``'db.schema.svc'``)."""
    parser = Parser(text)
    parts = parser.name()
    if parser.peek().kind != "EOF":
        parser.fail()
    return parts


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
