"""Account identifiers, hosts and URLs: validation, JWT normalisation, default URL, scope host, https rule.

Every check here raises :class:`SpcsConfigError` naming the setting and the fix, and never quotes
the value: a mistyped setting may hold a secret (a token pasted into the wrong field, a password in
a URL).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from airflow_provider_spcs.core.errors import SpcsConfigError

_DEFAULT_PORTS = {"https": 443, "http": 80}
_ACCOUNT = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_PORT = re.compile(r"[0-9]{1,5}")
_ACCOUNT_HINT = "e.g. myorg-myaccount, or a locator such as xy12345.us-east-1.aws"


def has_control_characters(value: str) -> bool:
    """True if ``value`` holds a control character (CR, LF, tab, NUL, DEL, C1 controls...)."""
    return any(unicodedata.category(c) == "Cc" for c in value)


def check_account(value: str, field: str, *, endpoint_setting: str = "account_url") -> str:
    """The account identifier, stripped; refused unless it is letters, digits, ``-``, ``_`` and ``.``.

    The identifier becomes part of a host name (``https://<account>.snowflakecomputing.com``), so
    anything else could redirect credentials (``attacker.example/#``).

    :param value: the configured identifier.
    :param field: the setting it came from, named in the error.
    :param endpoint_setting: the setting to suggest for a custom endpoint.
    :raises SpcsConfigError: other characters, empty labels, or a host name or URL instead of an identifier.
    """
    account = value.strip()
    lowered = account.lower()
    if "snowflakecomputing" in lowered or "://" in lowered:
        raise SpcsConfigError(
            field,
            f"give the account identifier, not the host name or URL ({_ACCOUNT_HINT}): drop https:// and "
            f".snowflakecomputing.com; to reach a custom endpoint set {endpoint_setting}",
        )
    if len(account) > 255 or not _ACCOUNT.fullmatch(account):
        raise SpcsConfigError(
            field,
            f"an account identifier has only letters, digits, '-', '_' and '.' ({_ACCOUNT_HINT})",
        )
    return account


def check_region(value: str, field: str) -> str:
    """A region suffix (``us-east-1``, ``us-east-1.aws``): the same characters as an account identifier."""
    region = value.strip()
    if len(region) > 255 or not _ACCOUNT.fullmatch(region):
        raise SpcsConfigError(field, "a region has only letters, digits, '-', '_' and '.' (e.g. us-east-1.aws)")
    return region


def is_ip_literal(value: str) -> bool:
    """True for an IPv4 or IPv6 address (no brackets)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_host_name(host: str) -> bool:
    """True for a DNS host name or an IP literal (IPv6 in brackets or bare)."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in bare:
        return is_ip_literal(bare)
    return len(host) <= 253 and bool(_HOSTNAME.fullmatch(host))


def check_port(value: object, field: str) -> int:
    """A TCP port number, 1 to 65535 (digits, or an int from JSON)."""
    text = str(value).strip()
    if isinstance(value, bool) or not _PORT.fullmatch(text) or not 0 < int(text) < 65536:
        raise SpcsConfigError(field, "expected a port number from 1 to 65535")
    return int(text)


def split_host_port(value: str, field: str) -> tuple[str, int | None]:
    """Split and check ``host[:port]`` (an IPv6 literal goes in brackets: ``[::1]:8443``).

    :return: the host, lowercase (IPv6 in brackets), and the port or ``None``.
    :raises SpcsConfigError: a scheme, path, user info, bad host name or bad port.
    """
    text = value.strip()
    if "://" in text or "/" in text or "@" in text:
        raise SpcsConfigError(field, "expected host or host:port only, without scheme, path or user info")
    port: int | None = None
    if text.startswith("["):
        host, bracket, rest = text.partition("]")
        host += bracket
        if rest:
            if not rest.startswith(":"):
                raise SpcsConfigError(field, "expected [IPv6 address]:port")
            port = check_port(rest[1:], field)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = check_port(port_text, field)
    else:
        host = text
    if not host or not is_host_name(host) or (":" in host and not host.startswith("[")):
        raise SpcsConfigError(field, "expected a host name or IP address (IPv6 in brackets), optionally with :port")
    return host.lower(), port


def join_host_port(host: str, port: int | None, scheme: str = "https") -> str:
    """``host`` plus ``:port`` unless the port is the scheme's default (IPv6 literals get brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


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


def reject_userinfo(url: str, field: str) -> None:
    """Refuse a URL with ``user[:password]@`` before its host.

    Such a password would be sent as Basic auth to whatever host the URL names and shown, unmasked,
    wherever the URL is logged or quoted.

    :raises SpcsConfigError: the URL carries user info.
    """
    if "@" in urlsplit(url.strip()).netloc:
        raise SpcsConfigError(
            field,
            "must not contain user:password@ (a credential in a URL leaks into logs and is sent to that host); "
            "remove it and put credentials in their own fields",
        )


def require_secure_url(url: str, field: str) -> str:
    """Return ``url`` without a trailing slash if credentials may be sent to it, else raise.

    :param url: an absolute URL.
    :param field: the setting it came from, named in the error.
    :raises SpcsConfigError: not an absolute http(s) URL, user info, a bad host or port, a fragment,
        or plain http to a non-loopback host.
    """
    url = url.strip()
    if has_control_characters(url) or " " in url:
        raise SpcsConfigError(field, "expected a URL without spaces, line breaks or other control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc:
        raise SpcsConfigError(field, "expected an absolute https:// URL")
    reject_userinfo(url, field)
    try:
        parts.port  # noqa: B018 - urllib checks the port lazily, when it is read
    except ValueError:
        raise SpcsConfigError(field, "the URL has an invalid port (expected 1 to 65535)") from None
    if not parts.hostname or not is_host_name(parts.hostname):
        raise SpcsConfigError(field, "the URL has an invalid host name")
    if parts.fragment or url.endswith("#"):
        raise SpcsConfigError(field, "the URL must not have a #fragment")
    if parts.scheme.lower() == "http" and not is_loopback(parts.hostname):
        raise SpcsConfigError(
            field, "refusing to send credentials over plain http to a host other than loopback; use https://"
        )
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


@dataclass(frozen=True)
class HostPattern:
    """One entry of the ``ingress_hosts`` extra: a host (``*.`` allowed as first label), optional port.

    ``api.corp.example`` matches that host on any port; ``api.corp.example:8443`` only that port;
    ``*.corp.example`` any host below ``corp.example`` (not ``corp.example`` itself).
    """

    host: str
    """Lowercase host name or IP literal; for a wildcard, the domain after ``*.``."""
    port: int | None = None
    wildcard: bool = False

    def matches(self, host: str, port: int | None) -> bool:
        """Whether a request to ``host`` on ``port`` (the effective port, e.g. 443) is covered."""
        host = host.lower().rstrip(".")
        if self.port is not None and port != self.port:
            return False
        return host.endswith("." + self.host) if self.wildcard else host == self.host

    def __str__(self) -> str:
        host = f"*.{self.host}" if self.wildcard else self.host
        return host if self.port is None else f"{host}:{self.port}"


def parse_host_patterns(value: str, field: str) -> tuple[HostPattern, ...]:
    """Parse a comma-separated list of ``host[:port]`` patterns (``ingress_hosts``).

    :raises SpcsConfigError: an entry with a scheme, path, user info, a bare ``*``, a wildcard on an
        IP address or a top-level domain, or a bad host or port.
    """
    patterns: list[HostPattern] = []
    for entry in value.split(","):
        text = entry.strip()
        if not text:
            continue
        wildcard = text.startswith("*.")
        if "*" in (text[2:] if wildcard else text):
            raise SpcsConfigError(
                field, "a wildcard may only be the first label ('*.corp.example'); '*' alone would allow every host"
            )
        host, port = split_host_port(text[2:] if wildcard else text, field)
        if wildcard and (host.startswith("[") or is_ip_literal(host) or "." not in host):
            raise SpcsConfigError(field, "'*.' needs a domain with at least two labels, not an IP address")
        patterns.append(HostPattern(host.rstrip("."), port, wildcard))
    return tuple(patterns)
