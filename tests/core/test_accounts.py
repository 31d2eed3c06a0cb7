"""Account normalisation for JWT claims, URLs, scope hosts and the https-only rule."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.core import accounts
from airflow_provider_spcs.core.errors import SpcsConfigError


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("myorg-myacct", "MYORG-MYACCT"),
        ("xy12345.us-east-1.aws", "XY12345"),
        ("xy12345.us-east-1", "XY12345"),
        ("myorg-myacct.privatelink", "MYORG-MYACCT"),
        ("xy12345-abc.global", "XY12345"),
        ("  lower  ", "LOWER"),
    ],
)
def test_jwt_account(account: str, expected: str) -> None:
    assert accounts.jwt_account(account) == expected


def test_default_account_url() -> None:
    assert accounts.default_account_url("MyOrg-MyAcct") == "https://myorg-myacct.snowflakecomputing.com"
    assert (
        accounts.default_account_url("xy12345.us-east-1.aws") == "https://xy12345.us-east-1.aws.snowflakecomputing.com"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://abc-org-acct.snowflakecomputing.app/path?q=1", "abc-org-acct.snowflakecomputing.app"),
        ("https://abc-org-acct.snowflakecomputing.app:443/", "abc-org-acct.snowflakecomputing.app"),
        ("https://abc.example:8443/", "abc.example:8443"),
        ("http://127.0.0.1:50123/echo", "127.0.0.1:50123"),
        ("http://localhost:80/", "localhost"),
    ],
)
def test_scope_host(url: str, expected: str) -> None:
    assert accounts.scope_host(url) == expected


def test_ingress_base_url() -> None:
    assert (
        accounts.ingress_base_url("abc-org-acct.snowflakecomputing.app")
        == "https://abc-org-acct.snowflakecomputing.app"
    )
    assert accounts.ingress_base_url("http://127.0.0.1:5000/") == "http://127.0.0.1:5000"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_loopback(host: str) -> None:
    assert accounts.is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "example.com", "localhost.example.com", "0.0.0.0"])
def test_not_loopback(host: str) -> None:
    assert not accounts.is_loopback(host)


def test_require_secure_url() -> None:
    assert accounts.require_secure_url("https://x.example/", "f") == "https://x.example"
    with pytest.raises(SpcsConfigError, match=r"^f: refusing"):
        accounts.require_secure_url("http://x.example/", "f")
