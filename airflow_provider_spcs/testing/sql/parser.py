"""A cursor over one statement's tokens, with the small helpers every statement parser uses.

``accept_*`` consume what they look for if it comes next (all of it or nothing); ``expect_*``
consume it or raise the syntax error Snowflake gives, pointing at the first token that differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

from airflow_provider_spcs.testing.model.names import parse_qualified_name
from airflow_provider_spcs.testing.sql.failures import syntax_error
from airflow_provider_spcs.testing.sql.lexer import Token, tokenize

T = TypeVar("T")


class Parser:
    """A cursor over the tokens of one statement with ``accept``/``expect`` helpers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.redact_strings = False
        """Set by statements that carry secret literals: syntax errors then never quote a string."""

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
        shown = "***" if token.kind == "STRING" and self.redact_strings else token.raw or "<EOF>"
        raise syntax_error(self.text, token.pos, shown)

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

    def identifier_list(self) -> list[str]:
        """A parenthesised, comma-separated list of identifiers: ``(a, b)`` (may be empty)."""
        return self.parenthesised(self.identifier)

    def string_list(self) -> list[str]:
        """A parenthesised, comma-separated list of string literals: ``('a', 'b')`` (may be empty)."""
        return self.parenthesised(self.string)

    def parenthesised(self, item: Callable[[], T]) -> list[T]:
        """``( item [, item ...] )`` (may be empty)."""
        self.expect_punct("(")
        items: list[T] = []
        while not self.at_punct(")"):
            items.append(item())
            if not self.accept_punct(","):
                break
        self.expect_punct(")")
        return items

    def keyword_list(self, allowed: frozenset[str]) -> list[str]:
        """``KW [, KW ...]``: one or more of ``allowed``, each at most once (e.g. after ``UNSET``)."""
        words: list[str] = []
        while True:
            token = self.peek()
            if token.kind != "IDENT" or token.value not in allowed or token.value in words:
                self.fail(token)
            self.index += 1
            words.append(token.value)
            if not self.accept_punct(","):
                return words

    def assignment(self, value: Callable[[], T]) -> T:
        """``= <value>`` after a property name."""
        self.expect_punct("=")
        return value()

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

    def identifier_or_string(self) -> str:
        """An identifier (normalised) or a string literal's value."""
        return self.string() if self.peek().kind == "STRING" else self.identifier()

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
    try:
        return parse_qualified_name(text)
    except ValueError:
        raise syntax_error(text, 0, text or "<EOF>") from None
