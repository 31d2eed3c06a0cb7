"""The destination rule as a table of hostile (and friendly) URLs: who may receive a credential.

The rule reads the URL as httpx will connect to it (IDNA-encoded host, effective port) and the
connection's settings only: no DNS lookup, no request. Sockets are in
``tests/hooks/test_hook_destinations.py`` and ``tests/operators/test_endpoint_destinations.py``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.destinations import (
    INGRESS_DOMAINS,
    KnownIngress,
    check_destination,
    ingress_audience_of,
    is_same_origin,
    origin_of,
    require_same_origin,
)
from airflow_provider_spcs.core.errors import SpcsConfigError

CLOUD = SpcsConfig.from_connection(
    login="alice",
    password=None,
    extra={
        "account": "myorg-myacct",
        "token": "the-pat",
        "ingress_hosts": "proxy.corp.example:8443, *.ingress.corp.example, [fd00::1]",
    },
    env={},
)
EMULATOR = SpcsConfig.from_connection(
    login="alice",
    password=None,
    extra={"account": "myorg-myacct", "token": "the-pat", "account_url": "http://127.0.0.1:8080"},
    env={},
)
KNOWN = KnownIngress()
KNOWN.remember(CLOUD, "https://ab12-myorg-myacct.pp-snowflakecomputing.app")
KNOWN.remember(CLOUD, "https://private-endpoint.corp.example:9443")

ALLOWED = "allowed"

# (url, expected: ALLOWED or the field named in the error), for the CLOUD connection.
CLOUD_CASES = [
    ("https://abc-myorg-myacct.snowflakecomputing.app/run", ALLOWED),
    ("https://ABC-MyOrg-MyAcct.SnowflakeComputing.APP/run", ALLOWED),  # case folded
    ("https://abc-myorg-myacct.snowflakecomputing.app./run", ALLOWED),  # FQDN trailing dot: same host
    ("https://abc-myorg-myacct.snowflakecomputing.app:443/run", ALLOWED),
    ("https://abc-myorg-myacct.snowflakecomputing.app:8443/run", ALLOWED),  # Snowflake's host, any port
    ("https://d7qoajz.spcs.pdxaac.privatelink.snowflake.app/", ALLOWED),
    ("https://ábc.snowflakecomputing.app/", ALLOWED),  # IDN below Snowflake's domain: punycode, still Snowflake's
    ("https://evil。snowflakecomputing.app/", ALLOWED),  # ideographic full stop: IDNA makes it a dot
    ("https://ab12-myorg-myacct.pp-snowflakecomputing.app/", ALLOWED),  # reported by SHOW ENDPOINTS
    ("https://private-endpoint.corp.example:9443/x", ALLOWED),  # reported, with its port
    ("https://proxy.corp.example:8443/x", ALLOWED),  # ingress_hosts, exact port
    ("https://a.ingress.corp.example/x", ALLOWED),  # ingress_hosts wildcard
    ("https://b.a.ingress.corp.example:1234/x", ALLOWED),  # wildcard, any port
    ("https://[fd00::1]/x", ALLOWED),  # ingress_hosts IPv6 literal
    ("http://abc-myorg-myacct.snowflakecomputing.app/run", "url"),  # plain http
    ("http://proxy.corp.example:8443/x", "url"),  # plain http even when listed
    ("ftp://abc-myorg-myacct.snowflakecomputing.app/", "url"),
    ("https://snowflakecomputing.app/", "extra.ingress_hosts"),  # the domain itself is no endpoint
    ("https://xsnowflakecomputing.app/", "extra.ingress_hosts"),
    ("https://snowflakecomputing.app.attacker.example/", "extra.ingress_hosts"),
    ("https://evil.snowflakecomputing.app.attacker.example/", "extra.ingress_hosts"),
    ("https://abc.snowflakecomputing.application/", "extra.ingress_hosts"),
    ("https://abc.snowflakecomputing.com/", "extra.ingress_hosts"),  # an account host is no ingress host
    ("https://myorg-myacct.snowflakecomputing.com/api/v2/statements", "extra.ingress_hosts"),
    ("https://abc.snowflake.app/", "extra.ingress_hosts"),  # only the privatelink subdomain
    ("https://abc.snowflakecomputing.\u0430pp/", "extra.ingress_hosts"),  # Cyrillic a (U+0430) in the TLD
    ("https://evil.example/x", "extra.ingress_hosts"),
    ("https://proxy.corp.example/x", "extra.ingress_hosts"),  # listed with port 8443 only
    ("https://proxy.corp.example:8444/x", "extra.ingress_hosts"),
    ("https://ingress.corp.example/x", "extra.ingress_hosts"),  # the wildcard's own domain
    ("https://evilingress.corp.example/x", "extra.ingress_hosts"),
    ("https://private-endpoint.corp.example/x", "extra.ingress_hosts"),  # reported on 9443, not 443
    ("https://ab12-myorg-myacct.pp-snowflakecomputing.app:444/", "extra.ingress_hosts"),
    ("https://localhost.evil.example/", "extra.ingress_hosts"),
    ("https://127.0.0.1/", "extra.ingress_hosts"),  # loopback only for an account on loopback
    ("https://[::1]/", "extra.ingress_hosts"),
    ("https://10.0.0.5/", "extra.ingress_hosts"),
    ("https://169.254.169.254/latest/meta-data", "extra.ingress_hosts"),  # cloud metadata service
    ("https://[fd00::2]/", "extra.ingress_hosts"),
    ("https://2130706433/", "extra.ingress_hosts"),  # decimal 127.0.0.1
    ("https://user:pw@abc-myorg-myacct.snowflakecomputing.app/", "url"),  # user info
    ("https://evil.example\\@abc-myorg-myacct.snowflakecomputing.app/", "url"),  # backslash trick = user info
    ("https://abc-myorg-myacct.snowflakecomputing.app@evil.example/", "url"),
    ("https://abc.snowflakecomputing.app../", "url"),  # empty label
    ("https://evil%2eexample/", "url"),  # percent-encoded dot
    ("https://abc-myorg-myacct.snowflakecomputing.app:0/", "url"),
    ("https://abc-myorg-myacct.snowflakecomputing.app:99999/", "url"),
    ("https:///path-only", "url"),
    ("/relative/path", "url"),
]


def _check(config: SpcsConfig, url: str) -> str:
    try:
        parsed = httpx.URL(url)
        audience = ingress_audience_of(parsed)
    except (httpx.InvalidURL, SpcsConfigError) as exc:
        return getattr(exc, "field", "url")
    try:
        check_destination(config, KNOWN, parsed, audience, "pat")
    except SpcsConfigError as exc:
        return exc.field
    return ALLOWED


@pytest.mark.parametrize(("url", "expected"), CLOUD_CASES)
def test_cloud_connection(url: str, expected: str) -> None:
    assert _check(CLOUD, url) == expected


EMULATOR_CASES = [
    ("http://127.0.0.1:40001/x", ALLOWED),  # the emulator's ingress ports: the account's own loopback address
    ("http://127.0.0.1:8080/x", ALLOWED),
    ("https://127.0.0.1:40001/x", ALLOWED),
    ("https://abc.snowflakecomputing.app/", ALLOWED),
    ("http://127.0.0.2:40001/x", "extra.ingress_hosts"),  # another loopback address is another host
    ("http://127.1:40001/x", "url"),  # short form: not an IP literal to us, so no plain http either
    ("http://127.0.0.1.:40001/x", "url"),  # an IP with a trailing dot is a DNS name: refused
    ("http://localhost:40001/x", "extra.ingress_hosts"),  # a name, not the address (no DNS lookup)
    ("http://[::1]:40001/x", "extra.ingress_hosts"),
    ("http://[::ffff:127.0.0.1]:40001/x", "url"),  # mapped address: not loopback for http
    ("http://0.0.0.0:40001/x", "url"),
    ("http://192.168.1.10:40001/x", "url"),
]


@pytest.mark.parametrize(("url", "expected"), EMULATOR_CASES)
def test_emulator_connection(url: str, expected: str) -> None:
    assert _check(EMULATOR, url) == expected


def test_the_error_names_the_host_and_the_extra_never_the_path() -> None:
    url = httpx.URL("https://evil.example:8443/x?token=s3cr3t-value")
    with pytest.raises(SpcsConfigError) as refused:
        check_destination(CLOUD, KNOWN, url, ingress_audience_of(url), "pat")
    text = str(refused.value)
    assert "evil.example:8443" in text
    assert "ingress_hosts" in text
    assert "s3cr3t" not in text
    assert all(f"*.{domain}" in text for domain in INGRESS_DOMAINS)


def test_sql_requests_go_to_account_url_only() -> None:
    ok = httpx.URL("https://myorg-myacct.snowflakecomputing.com/api/v2/statements")
    check_destination(CLOUD, KNOWN, ok, "sql", "pat")
    for url in (
        "https://myorg-myacct.snowflakecomputing.com:444/api/v2/statements",
        "http://myorg-myacct.snowflakecomputing.com/api/v2/statements",
        "https://abc-myorg-myacct.snowflakecomputing.app/api/v2/statements",
        "https://myorg-myacct.snowflakecomputing.com@evil.example/api/v2/statements",
        "https://proxy.corp.example:8443/api/v2/statements",
    ):
        with pytest.raises(SpcsConfigError):
            check_destination(CLOUD, KNOWN, httpx.URL(url), "sql", "pat")


def test_a_token_for_another_host_is_never_attached() -> None:
    url = httpx.URL("https://abc-myorg-myacct.snowflakecomputing.app/x")
    with pytest.raises(SpcsConfigError, match="another host"):
        check_destination(CLOUD, KNOWN, url, "ingress:evil.example", "key_pair")


def test_known_ingress_reads_show_endpoints_rows() -> None:
    known = KnownIngress()
    rows: list[dict[str, Any]] = [
        {"name": "api", "is_public": "true", "ingress_url": "ab-org-acct.example-ingress.net"},
        {"name": "web", "is_public": "true", "ingress_url": "Endpoints provisioning in progress... check back"},
        {"name": "internal", "is_public": "false", "ingress_url": "internal.example.net"},
        {"name": "pl", "is_public": "true", "ingress_url": None, "privatelink_ingress_url": "pl.example.net"},
        {"name": "junk", "is_public": "true", "ingress_url": "https://user:pw@junk.example.net"},
    ]
    known.remember_rows(CLOUD, rows)
    assert known.knows(CLOUD, origin_of("https://ab-org-acct.example-ingress.net"))
    assert known.knows(CLOUD, origin_of("https://pl.example.net"))
    assert not known.knows(CLOUD, origin_of("https://internal.example.net"))
    assert not known.knows(CLOUD, origin_of("https://junk.example.net"))
    assert not known.knows(EMULATOR, origin_of("https://ab-org-acct.example-ingress.net"))  # another account
    known.clear()
    assert not known.knows(CLOUD, origin_of("https://ab-org-acct.example-ingress.net"))


@pytest.mark.parametrize(
    ("following", "same"),
    [
        ("https://a.snowflakecomputing.app/page/2?x=1", True),
        ("https://A.snowflakecomputing.app:443/other", True),
        ("http://a.snowflakecomputing.app/page/2", False),
        ("https://a.snowflakecomputing.app:8443/page/2", False),
        ("https://b.snowflakecomputing.app/page/2", False),
        ("https://a.snowflakecomputing.app@evil.example/", False),
        ("//evil.example/x", False),
        ("not a url", False),
    ],
)
def test_pages_and_redirects_stay_on_the_origin(following: str, same: bool) -> None:
    first = "https://a.snowflakecomputing.app/page/1"
    assert is_same_origin(first, following) is same
    if not same:
        with pytest.raises(SpcsConfigError, match="pagination_function"):
            require_same_origin(first, following, field="pagination_function", what="the next page's url")
