"""Server text quoted in our errors: one filter for all of it, and what Snowflake's rejection codes mean.

A server's error body may hold what we sent it: a token endpoint that echoes its form puts the
``client_secret`` or the ``assertion`` into its message, a proxy may quote the ``Authorization``
header. Every body, message or code we quote in an exception (token exchange and OAuth grant errors,
SQL API errors, ingress errors, connector login errors) goes through :func:`scrub` first, which

* removes every secret reported in this process (:func:`~.secrets.secrets_in`), also in its
  URL- and JSON-escaped forms (except secrets shorter than :data:`~.secrets.MIN_SCRUBBED`);
* blanks the value of credential fields and headers wherever they appear (``client_secret=...``,
  ``"refresh_token": "..."``, ``Authorization: Bearer ...``, ``Snowflake Token="..."``; see
  :data:`SECRET_FIELDS`);
* drops control characters other than line breaks and shortens the text.

:func:`explain_code` adds a one-line hint for the codes Snowflake uses to reject a key-pair JWT or a
login (:data:`REJECTION_HINTS`).
"""

from __future__ import annotations

import re
import unicodedata

from airflow_provider_spcs.core.secrets import secrets_in

SECRET_FIELDS: tuple[str, ...] = (
    "client_secret",
    "refresh_token",
    "access_token",
    "id_token",
    "assertion",
    "subject_token",
    "actor_token",
    "password",
    "passphrase",
    "private_key",
    "private_key_content",
    "private_key_passphrase",
    "token",
    "sessionToken",
    "masterToken",
    "code_verifier",
)
"""Form fields, JSON keys and header parameters whose values are blanked wherever they appear."""

MASK = "***"
MAX_QUOTED = 500
"""Longest server text quoted in one message (after scrubbing)."""
_MAX_SCANNED = 64 * 1024

_NAMES = "|".join(re.escape(name) for name in sorted(SECRET_FIELDS, key=len, reverse=True))
_FIELD = re.compile(
    rf"""(?<![\w-])(?P<name>{_NAMES})(?P<sep>["']?\s*[:=]\s*)"""
    r"""(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>[^']*)'|(?P<bare>[^&\s,;}\]"']+))""",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"(?i)\b(?P<scheme>Bearer|Basic)\s+(?P<value>[A-Za-z0-9._~+/=-]+)")

REJECTION_HINTS: dict[str, str] = {
    "390100": "the user does not exist, is disabled or locked, or the credential is not the user's",
    "390144": (
        "the key-pair JWT is invalid: check that extra account is the account identifier (myorg-myaccount, "
        "or the locator without region) and login the user whose RSA_PUBLIC_KEY matches the key"
    ),
    "394300": "the key-pair JWT is invalid: its account or user claim does not match (check extra account and login)",
    "394301": "the key-pair JWT has expired: the worker's clock is probably wrong (sync it with NTP)",
    "394302": "the key-pair JWT is not valid yet: the worker's clock is ahead of Snowflake's (sync it with NTP)",
    "394303": "the key-pair JWT's lifetime is invalid (exp must be at most one hour after iat; check the clock)",
    "394304": (
        "public key fingerprint mismatch: the private key does not match the user's RSA_PUBLIC_KEY or "
        "RSA_PUBLIC_KEY_2 (compare the user's RSA_PUBLIC_KEY_FP with the key's fingerprint; set the matching public key)"
    ),
    "394305": "the key-pair JWT's signing algorithm is not accepted (use an RSA key of 2048 bits or more, RS256)",
    "394306": "the key-pair JWT is malformed (iss and sub must be ACCOUNT.USER[.SHA256:fingerprint])",
}
"""One-line explanations of Snowflake's credential rejection codes (``CREDENTIAL_REJECTION_GS_CODES``)."""


def explain_code(code: str | None) -> str:
    """``": <hint>"`` for a known rejection code, else ``""`` (append it to a message)."""
    hint = REJECTION_HINTS.get(str(code or "").strip())
    return f": {hint}" if hint else ""


def _blank_field(match: re.Match[str]) -> str:
    if match.group("dq") is not None:
        value = f'"{MASK}"'
    elif match.group("sq") is not None:
        value = f"'{MASK}'"
    else:
        value = MASK
    return f"{match.group('name')}{match.group('sep')}{value}"


def _printable(text: str) -> str:
    return "".join(c if c in "\n\t" or unicodedata.category(c) != "Cc" else " " for c in text)


def scrub(text: object, limit: int = MAX_QUOTED) -> str:
    """``text`` without secrets, credential fields or control characters, at most ``limit`` characters.

    :param text: what a server said (a body, a message, a code); ``None`` gives ``""``.
    :param limit: longest result; longer text is cut and ends with ``...``.
    """
    if text is None:
        return ""
    value = str(text)[:_MAX_SCANNED]
    for form in secrets_in(value):
        value = value.replace(form, MASK)
    value = _FIELD.sub(_blank_field, value)
    value = _SCHEME.sub(lambda m: f"{m.group('scheme')} {MASK}", value)
    value = _printable(value).strip()
    return value if len(value) <= limit else value[: limit - 3] + "..."
