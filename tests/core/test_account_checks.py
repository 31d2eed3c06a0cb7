"""Account identifiers, hosts, ports, URLs and ingress host patterns: what passes, and how the rest is refused."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.core import accounts
from airflow_provider_spcs.core.accounts import HostPattern
from airflow_provider_spcs.core.errors import SpcsConfigError


def _refused(call: object, *args: object, field: str = "f", words: str = "") -> SpcsConfigError:
    assert callable(call)
    with pytest.raises(SpcsConfigError) as info:
        call(*args)
    assert info.value.field == field
    assert words in str(info.value)
    return info.value


@pytest.mark.parametrize(
    "account", ["myorg-myacct", "xy12345.us-east-1.aws", "myorg-my_acct.privatelink", "XY12345", " a-b "]
)
def test_identifiers_pass(account: str) -> None:
    assert accounts.check_account(account, "f") == account.strip()


@pytest.mark.parametrize(
    "account",
    [
        "myorg-myacct.snowflakecomputing.com",
        "MYORG-MYACCT.SNOWFLAKECOMPUTING.COM",
        "https://myorg-myacct.snowflakecomputing.com",
        "myorg-myacct.privatelink.snowflakecomputing.com",
        "https://myorg-myacct",
    ],
)
def test_a_host_name_or_url_gets_the_host_name_hint(account: str) -> None:
    error = _refused(accounts.check_account, account, "extra.account", field="extra.account", words="not the host name")
    assert "account_url" in str(error)
    assert account not in str(error)


@pytest.mark.parametrize(
    "account",
    ["attacker.example/#", "a b", "acct..b", ".acct-x", "acct-x.", "acct@evil", "a;b", "a\nb", "äccount", "x" * 256],
)
def test_other_characters_are_refused(account: str) -> None:
    error = _refused(accounts.check_account, account, "extra.account", field="extra.account", words="only letters")
    assert account.strip() not in str(error)


def test_the_endpoint_hint_names_the_connection_types_setting() -> None:
    error = _refused(accounts.check_account, "x.snowflakecomputing.com", "extra.account", field="extra.account")
    assert "set account_url" in str(error)
    with pytest.raises(SpcsConfigError, match="set host"):
        accounts.check_account("x.snowflakecomputing.com", "extra.account", endpoint_setting="host")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("snowflake.us-west-2.internal", ("snowflake.us-west-2.internal", None)),
        ("Host.Example:8443", ("host.example", 8443)),
        ("127.0.0.1:1", ("127.0.0.1", 1)),
        ("[::1]:443", ("[::1]", 443)),
        ("[::1]", ("[::1]", None)),
    ],
)
def test_host_port_passes(value: str, expected: tuple[str, int | None]) -> None:
    assert accounts.split_host_port(value, "f") == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("attacker.example/#", "without scheme, path"),
        ("https://host.example", "without scheme"),
        ("user:pw@host.example", "user info"),
        ("host.example:0", "1 to 65535"),
        ("host.example:65536", "1 to 65535"),
        ("host.example:http", "1 to 65535"),
        ("host.example:", "1 to 65535"),
        ("::1", "IPv6 in brackets"),
        ("ho st.example", "host name"),
        ("-bad.example", "host name"),
        ("", "host name"),
    ],
)
def test_host_port_refused(value: str, words: str) -> None:
    _refused(accounts.split_host_port, value, "SNOWFLAKE_HOST", field="SNOWFLAKE_HOST", words=words)


@pytest.mark.parametrize("value", [443, "8443", " 1 "])
def test_port(value: object) -> None:
    assert accounts.check_port(value, "f") == int(str(value))


@pytest.mark.parametrize("value", [True, 0, -1, 70000, "1.5", "", "80 80"])
def test_bad_port(value: object) -> None:
    _refused(accounts.check_port, value, "f", field="f", words="1 to 65535")


@pytest.mark.parametrize(
    "url",
    [
        "https://user:hunter2-secret@idp.example/token",
        "https://hunter2-secret@idp.example",
        "http://u:hunter2-secret@127.0.0.1:9/x",
    ],
)
def test_userinfo_is_refused_without_echo(url: str) -> None:
    error = _refused(accounts.require_secure_url, url, "extra.account_url", field="extra.account_url", words="user:")
    assert "hunter2-secret" not in str(error)
    _refused(accounts.reject_userinfo, url, "ingress_url", field="ingress_url", words="user:password@")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://x.example", "absolute https://"),
        ("x.example", "absolute https://"),
        ("https:///path-only", "absolute https://"),
        ("https://x.example:99999", "invalid port"),
        ("https://x.example/#", "#fragment"),
        ("https://x.example/a#b", "#fragment"),
        ("https://x.example/a b", "spaces"),
        ("https://x.example/\r\nX: y", "control characters"),
        ("https://bad_host!/", "invalid host name"),
        ("http://10.0.0.1:8080", "plain http"),
    ],
)
def test_bad_urls(url: str, words: str) -> None:
    error = _refused(accounts.require_secure_url, url, "f", field="f", words=words)
    assert url not in str(error)


def test_good_urls_keep_their_form() -> None:
    assert accounts.require_secure_url(" https://x.example/base/ ", "f") == "https://x.example/base"
    assert accounts.require_secure_url("http://[::1]:8080", "f") == "http://[::1]:8080"
    assert accounts.require_secure_url("HTTPS://X.example?q=1", "f") == "HTTPS://X.example?q=1"


def test_join_host_port() -> None:
    assert accounts.join_host_port("h.example", 443) == "h.example"
    assert accounts.join_host_port("h.example", 80, "http") == "h.example"
    assert accounts.join_host_port("h.example", 8443) == "h.example:8443"
    assert accounts.join_host_port("::1", 9, "http") == "[::1]:9"


def test_host_patterns_parse_and_match() -> None:
    patterns = accounts.parse_host_patterns(" spcs.corp.example:8443, *.Ingress.Corp.Example ,10.0.0.5,, ", "f")
    assert patterns == (
        HostPattern("spcs.corp.example", 8443),
        HostPattern("ingress.corp.example", None, wildcard=True),
        HostPattern("10.0.0.5"),
    )
    exact, wildcard, ip = patterns
    assert exact.matches("SPCS.corp.example", 8443)
    assert not exact.matches("spcs.corp.example", 443)
    assert wildcard.matches("a.b.ingress.corp.example", 443)
    assert not wildcard.matches("ingress.corp.example", 443)  # the apex is not below itself
    assert not wildcard.matches("evilingress.corp.example", 443)
    assert ip.matches("10.0.0.5", 1234)
    assert [str(p) for p in patterns] == ["spcs.corp.example:8443", "*.ingress.corp.example", "10.0.0.5"]
    assert accounts.parse_host_patterns("", "f") == ()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("*", "'*' alone"),
        ("a.*.example", "first label"),
        ("https://spcs.corp.example", "without scheme"),
        ("spcs.corp.example/path", "without scheme, path"),
        ("u:p@spcs.corp.example", "user info"),
        ("*.com", "two labels"),
        ("*.10.0.0.1", "IP address"),
        ("spcs.corp.example:99999", "1 to 65535"),
    ],
)
def test_bad_host_patterns(value: str, words: str) -> None:
    _refused(accounts.parse_host_patterns, value, "extra.ingress_hosts", field="extra.ingress_hosts", words=words)
