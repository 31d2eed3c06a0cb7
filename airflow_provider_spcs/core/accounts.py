"""Account identifiers and URLs: JWT normalisation, default account URL, scope host, https rule."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from airflow_provider_spcs.core.errors import SpcsConfigError

_DEFAULT_PORTS = {"https": 443, "http": 80}


def jwt_account(account: str) -> str:
    """The account as it must appear in key-pair JWT claims.

    A locator loses its region and cloud (``xy12345.us-east-1.aws`` -> ``XY12345``); with a
    ``.global`` suffix everything after the first ``-`` goes; the result is uppercase. This is the rule
    Snowflake's connector and docs sample both apply.

    :param account: the account identifier as configured.
    """
    account = account.strip()
    # A ".global" identifier carries a "-<suffix>" to drop; otherwise the region labels go.
    kept = account.partition("-")[0] if ".global" in account else account.partition(".")[0]
    return kept.upper()


def default_account_url(account: str) -> str:
    """``https://<account>.snowflakecomputing.com`` (a locator keeps its region labels).

    :param account: the account identifier as configured.
    """
    return f"https://{account.strip().lower()}.snowflakecomputing.com"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals: the only hosts that may get credentials over http."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str, field: str) -> str:
    """Return ``url`` without a trailing slash if credentials may be sent to it, else raise.

    :param url: an absolute URL.
    :param field: the setting it came from, named in the error.
    :raises SpcsConfigError: not an absolute http(s) URL, or plain http to a non-loopback host.
    """
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise SpcsConfigError(field, f"expected an absolute https:// URL, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SpcsConfigError(field, f"refusing to send credentials over plain http to {parts.hostname}; use https://")
    return url.rstrip("/")


def scope_host(url: str) -> str:
    """The ingress host as it goes in a token-exchange ``scope``: hostname, plus ``:port`` if non-default.

    :param url: the ingress URL (``https://abc-org-acct.snowflakecomputing.app/x`` or a loopback URL).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{port}"
    return host


def with_https_default(value: str) -> str:
    """A bare host (``abc-org-acct.snowflakecomputing.app/path``) means ``https://``; a URL naming its scheme stays as given.

    This is how SHOW ENDPOINTS reports ingress (a bare hostname) and how the emulator does
    (``http://127.0.0.1:<port>``). Whether credentials may go there is checked when they are sent.
    """
    value = value.strip()
    return value if "://" in value else f"https://{value}"


def ingress_base_url(value: str) -> str:
    """Turn an ``ingress_url`` from SHOW ENDPOINTS (or a user's ``ingress_url``) into a base URL without a trailing slash.

    :param value: the column value (hostname or URL); see :func:`with_https_default`.
    """
    return with_https_default(value).rstrip("/")
