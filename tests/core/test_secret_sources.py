"""A secret's value from an Airflow connection's fields: per type, with errors that name the field, never a value."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.secret_sources import ConnectionFields, check_field, secret_from_connection
from airflow_provider_spcs.core.secret_values import GenericStringSecret, OAuth2CodeSecret, PasswordSecret

SECRET = "s3cr3t-value-123"


def fields(login: str | None = "svc", password: str | None = SECRET, **extra: object) -> ConnectionFields:
    return ConnectionFields("source", login, password, json.dumps(extra) if extra else None)


def test_password_takes_login_and_password() -> None:
    value = secret_from_connection(fields(), "password")
    assert isinstance(value, PasswordSecret)
    assert (value.username, value.password) == ("svc", SECRET)


def test_generic_string_takes_the_password_or_an_extra() -> None:
    value = secret_from_connection(fields(), "GENERIC_STRING")
    assert isinstance(value, GenericStringSecret)
    assert value.secret_string == SECRET
    value = secret_from_connection(
        fields(password=None, api_key="from-extra-1"), "generic_string", source_field="extra.api_key"
    )
    assert isinstance(value, GenericStringSecret)
    assert value.secret_string == "from-extra-1"


def test_oauth2_takes_token_expiry_and_integration() -> None:
    value = secret_from_connection(
        fields(refresh_token_expiry_time="2030-06-01T12:00:00Z"), "OAUTH2", api_authentication="crm_oauth"
    )
    assert isinstance(value, OAuth2CodeSecret)
    assert value.refresh_token == SECRET
    assert value.refresh_token_expiry == dt.datetime(2030, 6, 1, 12, tzinfo=dt.UTC)
    assert value.api_authentication.name == "CRM_OAUTH"
    epoch = secret_from_connection(
        fields(password=None, rt="tok-abcdef", exp=1_900_000_000),
        "OAUTH2",
        source_field="extra.rt",
        expiry_field="extra.exp",
        api_authentication="i",
    )
    assert isinstance(epoch, OAuth2CodeSecret)
    assert epoch.refresh_token_expiry.timestamp() == 1_900_000_000


@pytest.mark.parametrize(
    ("conn", "kwargs", "field", "words"),
    [
        (fields(password=None), {"secret_type": "GENERIC_STRING"}, "source_field", "has no password"),
        (fields(password=""), {"secret_type": "PASSWORD"}, "source_conn_id", "has no password"),
        (fields(login=None), {"secret_type": "PASSWORD"}, "source_conn_id", "has no login"),
        (fields(), {"secret_type": "PASSWORD", "source_field": "password"}, "source_field", "always takes"),
        (
            fields(api_key=12345678),
            {"secret_type": "GENERIC_STRING", "source_field": "extra.api_key"},
            "source_field",
            "is int",
        ),
        (fields(), {"secret_type": "OAUTH2"}, "api_authentication", "security integration"),
        (
            fields(),
            {"secret_type": "OAUTH2", "api_authentication": "i"},
            "expiry_field",
            "has no extra.refresh_token_expiry_time",
        ),
        (
            fields(refresh_token_expiry_time="soon"),
            {"secret_type": "OAUTH2", "api_authentication": "i"},
            "expiry_field",
            "ISO 8601",
        ),
        (
            fields(),
            {"secret_type": "OAUTH2", "api_authentication": "db.i", "expiry_field": "extra.x"},
            "expiry_field",
            "has no",
        ),
        (fields(), {"secret_type": "SYMMETRIC_KEY"}, "secret_type", "expected one of"),
        (
            ConnectionFields("source", "u", SECRET, "{not json"),
            {"secret_type": "GENERIC_STRING", "source_field": "extra.k"},
            "source_conn_id",
            "not valid JSON",
        ),
    ],
)
def test_errors_name_the_field_never_the_value(
    conn: ConnectionFields, kwargs: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(SpcsConfigError) as info:
        secret_from_connection(conn, **kwargs)
    assert info.value.field == field
    assert words in str(info.value)
    assert SECRET not in str(info.value)
    assert "12345678" not in str(info.value)


@pytest.mark.parametrize("field", ["host", "extra.", "schema", "extra"])
def test_unknown_fields_are_refused(field: str) -> None:
    with pytest.raises(SpcsConfigError, match=r"expected 'login', 'password' or 'extra\.<key>'"):
        check_field(field, parameter="source_field")


def test_the_fields_repr_shows_only_the_conn_id() -> None:
    assert repr(fields()) == "ConnectionFields(conn_id='source')"
