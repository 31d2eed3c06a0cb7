"""The one filter for server text quoted in errors, and the hints for JWT rejection codes.

Servers that echo secrets back over real sockets: ``tests/hooks/test_hook_error_text.py``.
"""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from airflow_provider_spcs.core.secrets import known_secrets, report_secret
from airflow_provider_spcs.core.server_text import MASK, REJECTION_HINTS, explain_code, scrub


def test_known_secrets_are_removed_in_every_escaped_form() -> None:
    secret = "s3cr3t/+value=with&chars"
    report_secret(secret)
    assert secret in known_secrets()
    for form in (secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]):
        text = scrub(f"the server said: {form} (end)")
        assert "s3cr3t" not in text
        assert MASK in text


@pytest.mark.parametrize(
    "body",
    [
        "grant_type=client_credentials&client_id=app&client_secret=hunter2hunter2&scope=x",
        '{"client_secret": "hunter2 with spaces", "client_id": "app"}',
        "{'refresh_token': 'hunter2hunter2'}",
        "assertion=eyJhbGciOi.hunter2.sig&scope=session:role:R host",
        "subject_token=hunter2hunter2&subject_token_type=programmatic_access_token",
        'Authorization: Snowflake Token="hunter2hunter2"',
        "Authorization: Bearer hunter2hunter2",
        "Authorization: Basic aHVudGVyMjpodW50ZXIy",
        "password=hunter2;user=alice",
        '{"data": {"sessionToken": "hunter2hunter2", "masterToken": "hunter2hunter2"}}',
    ],
)
def test_credential_fields_are_blanked_even_when_unknown(body: str) -> None:
    text = scrub(body)
    assert "hunter2" not in text
    assert "aHVudGVy" not in text
    assert MASK in text


def test_ordinary_text_survives_and_long_text_is_cut() -> None:
    message = "SQL compilation error: error line 1 at position 7\ninvalid identifier 'AFAF'"
    assert scrub(message) == message
    assert scrub("token_type=Bearer") == "token_type=Bearer"  # not a credential field
    cut = scrub("x" * 10_000, limit=100)
    assert len(cut) == 100
    assert cut.endswith("...")
    assert scrub("bell\x07 and\r\nnewline") == "bell  and \nnewline"
    assert scrub(None) == ""


def test_every_rejection_code_has_a_one_line_hint() -> None:
    for code in ("390144", "390100", *(str(c) for c in range(394300, 394307))):
        hint = explain_code(code)
        assert hint.startswith(": ")
        assert "\n" not in hint
    assert set(REJECTION_HINTS) == {"390100", "390144", *(str(c) for c in range(394300, 394307))}
    assert explain_code("000904") == ""
    assert explain_code(None) == ""
    assert "clock" in explain_code("394301")
    assert "fingerprint" in explain_code("394304")
