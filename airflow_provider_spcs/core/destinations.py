"""Where a Snowflake credential may be sent: the one destination rule, and the origin of a URL.

:func:`check_destination` is called by :func:`airflow_provider_spcs.core.auth.credential_headers`,
the gate every credentialed request passes (hook calls sync and async, triggers, the endpoint
operator's pages and redirects, and :class:`~airflow_provider_spcs.core.auth.SpcsAuth` in a
client of your own), before a token is fetched and before a byte is sent. It reads only the URL
and the connection's settings: no DNS lookup. A credential goes

* for the SQL API (audience ``"sql"``): only to the origin of ``account_url``;
* for a service endpoint (audience ``"ingress:<host[:port]>"``, which must be the URL's own host) to
  a host that is

  1. an https host under one of :data:`INGRESS_DOMAINS` (Snowflake's public and PrivateLink ingress);
  2. or a ``host[:port]`` that ``SHOW ENDPOINTS`` reported for this account in this process
     (:class:`KnownIngress`, kept in the process state);
  3. or matched by the connection's ``ingress_hosts`` extra (a proxy, a private DNS name);
  4. or, when ``account_url`` is a loopback address (the emulator), the same loopback address on any port.

Always: no ``user:password@`` in the URL, a valid host name or IP literal and port, and https unless
the host is a loopback address. Anything else is a :class:`SpcsConfigError` naming the host.

Pages and redirects stay on the origin (scheme, host, port) of the first request:
:func:`is_same_origin`, :func:`require_same_origin`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from airflow_provider_spcs.core.accounts import is_host_name, is_ip_literal, is_loopback, join_host_port
from airflow_provider_spcs.core.endpoints import ingress_provisioned, is_public
from airflow_provider_spcs.core.errors import SpcsConfigError

if TYPE_CHECKING:
    from airflow_provider_spcs.core.config import SpcsConfig

INGRESS_DOMAINS: tuple[str, ...] = ("snowflakecomputing.app", "privatelink.snowflake.app")
"""Snowflake's ingress domains: public endpoints are ``<id>-<org>-<account>.snowflakecomputing.app``,
PrivateLink endpoints ``<id>.spcs.<...>.privatelink.snowflake.app`` (SHOW ENDPOINTS
``privatelink_ingress_url``). Any https host *below* one of these may receive credentials."""

INGRESS_HOSTS_SETTING = "extra.ingress_hosts"
_DEFAULT_PORTS = {"https": 443, "http": 80}
_SQL = "sql"
_INGRESS_PREFIX = "ingress:"
_ENDPOINT_URL_COLUMNS = ("ingress_url", "privatelink_ingress_url")


@dataclass(frozen=True)
class Origin:
    """Scheme, host and effective port of a URL, as the client will connect to it.

    :param scheme: ``https`` or ``http``.
    :param host: lowercase ASCII host (IDNA-encoded; one trailing dot dropped); IPv6 without brackets.
    :param port: the port, the scheme's default when the URL names none.
    """

    scheme: str
    host: str
    port: int

    @property
    def host_port(self) -> str:
        """``host`` plus ``:port`` unless it is the scheme's default (what a token-exchange scope names)."""
        return join_host_port(self.host, self.port, self.scheme)

    @property
    def bracketed_host(self) -> str:
        """The host as ``ingress_hosts`` patterns write it (IPv6 in brackets)."""
        return f"[{self.host}]" if ":" in self.host else self.host

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host_port}"


def origin_of(url: httpx.URL | str, field: str = "url") -> Origin:
    """The :class:`Origin` of ``url``, checked: http(s), no user info, a valid host and port.

    :param url: an absolute URL.
    :param field: the setting or parameter named in the error.
    :raises SpcsConfigError: not an absolute http(s) URL, user info, or an invalid host or port.
    """
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except httpx.InvalidURL:
        raise SpcsConfigError(field, "is not a valid URL") from None
    scheme = parsed.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parsed.raw_host:
        raise SpcsConfigError(field, "expected an absolute https:// URL")
    if parsed.userinfo:
        raise SpcsConfigError(
            field, "must not contain user:password@ (it would be sent as Basic auth and shown in logs); remove it"
        )
    host = parsed.raw_host.decode("ascii").lower()
    if host.endswith(".") and not host.endswith("..") and not is_ip_literal(host[:-1]):
        host = host[:-1]  # the fully qualified form of a DNS name names the same host
    if not is_host_name(host):
        raise SpcsConfigError(field, "the URL has an invalid host name")
    port = parsed.port if parsed.port is not None else _DEFAULT_PORTS[scheme]
    if not 0 < port < 65536:
        raise SpcsConfigError(field, "the URL has an invalid port (expected 1 to 65535)")
    return Origin(scheme, host, port)


def is_same_origin(first: httpx.URL | str, following: httpx.URL | str) -> bool:
    """Whether ``following`` has the scheme, host and port of ``first`` (``False`` for an invalid URL)."""
    try:
        return origin_of(first) == origin_of(following)
    except SpcsConfigError:
        return False


def require_same_origin(first: httpx.URL | str, following: httpx.URL | str, *, field: str, what: str) -> None:
    """Refuse ``following`` unless it is on the origin of ``first``.

    :param field: the parameter to fix, named in the error (e.g. ``pagination_function``).
    :param what: what ``following`` is (``the next page's url``), for the message.
    :raises SpcsConfigError: another scheme, host or port (or an invalid URL).
    """
    origin = origin_of(first, field)
    target = origin_of(following, field)
    if target != origin:
        raise SpcsConfigError(
            field,
            f"{what} is on {target}, not on {origin}: every page and redirect stays on the first request's origin",
        )


def ingress_audience_of(url: httpx.URL | str) -> str:
    """The ingress token audience for ``url``: ``ingress:<host[:port]>`` (see :attr:`Origin.host_port`)."""
    return _INGRESS_PREFIX + origin_of(url).host_port


def _account_key(config: SpcsConfig) -> tuple[str, str]:
    return config.account.upper(), config.account_url


class KnownIngress:
    """Ingress hosts ``SHOW ENDPOINTS`` reported, per account: part of the process state.

    ``get_ingress_url`` (hence the endpoint operator given ``service`` and ``endpoint``) and
    ``get_service_endpoints`` record what they read; :func:`check_destination` lets credentials go
    there. A host is remembered with its port (443 for the bare host SHOW ENDPOINTS prints).
    """

    def __init__(self) -> None:
        self._hosts: dict[tuple[str, str], set[tuple[str, int]]] = {}
        self._lock = threading.Lock()

    def remember(self, config: SpcsConfig, url: str) -> None:
        """Record the host of ``url`` (a base URL from :func:`~.accounts.ingress_base_url`) for the account."""
        origin = origin_of(url)
        with self._lock:
            self._hosts.setdefault(_account_key(config), set()).add((origin.host, origin.port))

    def remember_rows(self, config: SpcsConfig, rows: Iterable[Mapping[str, Any]]) -> None:
        """Record every provisioned public ingress host in ``SHOW ENDPOINTS`` rows (others are skipped)."""
        from airflow_provider_spcs.core.accounts import ingress_base_url

        for row in rows:
            if not is_public(row):
                continue
            for column in _ENDPOINT_URL_COLUMNS:
                value = row.get(column)
                if ingress_provisioned(value):
                    try:
                        self.remember(config, ingress_base_url(str(value)))
                    except SpcsConfigError:
                        continue  # not a usable URL: nothing to allow

    def knows(self, config: SpcsConfig, origin: Origin) -> bool:
        """Whether SHOW ENDPOINTS reported ``origin``'s host and port for this account."""
        with self._lock:
            return (origin.host, origin.port) in self._hosts.get(_account_key(config), ())

    def clear(self) -> None:
        """Forget every remembered host."""
        with self._lock:
            self._hosts.clear()


def _under_ingress_domain(origin: Origin) -> bool:
    return origin.scheme == "https" and any(origin.host.endswith("." + domain) for domain in INGRESS_DOMAINS)


def _same_loopback(config: SpcsConfig, origin: Origin) -> bool:
    account = origin_of(config.account_url)
    return is_loopback(account.host) and origin.host == account.host


def _matches_ingress_hosts(config: SpcsConfig, origin: Origin) -> bool:
    return any(pattern.matches(origin.bracketed_host, origin.port) for pattern in config.ingress_hosts)


def check_destination(config: SpcsConfig, known: KnownIngress, url: httpx.URL, audience: str, method: str) -> None:
    """The destination rule (see the module docstring); returns only if credentials may go to ``url``.

    :param config: the connection's settings (``account_url``, ``ingress_hosts``).
    :param known: the hosts SHOW ENDPOINTS reported in this process.
    :param url: where the request goes.
    :param audience: ``"sql"`` or ``"ingress:<host[:port]>"``.
    :param method: the auth method, for the message.
    :raises SpcsConfigError: the credential must not go there; nothing was sent.
    """
    origin = origin_of(url)
    if origin.scheme != "https" and not is_loopback(origin.host):
        raise SpcsConfigError(
            "url", f"refusing to send credentials over {origin.scheme}:// to {origin.host}; use https://"
        )
    if audience == _SQL:
        account = origin_of(config.account_url, "extra.account_url")
        if origin != account:
            raise SpcsConfigError(
                "extra.account_url",
                f"refusing to send credentials to {origin}: SQL API requests go only to account_url ({account})",
            )
        return
    if audience != _INGRESS_PREFIX + origin.host_port:
        raise SpcsConfigError(
            "audience", f"refusing to send credentials to {origin.host_port} with a token for another host"
        )
    if (
        _under_ingress_domain(origin)
        or known.knows(config, origin)
        or _matches_ingress_hosts(config, origin)
        or _same_loopback(config, origin)
    ):
        return
    domains = ", ".join(f"*.{d}" for d in INGRESS_DOMAINS)
    raise SpcsConfigError(
        INGRESS_HOSTS_SETTING,
        f"refusing to send the {method} credential to {origin.host_port}: it is not under Snowflake's ingress "
        f"domains ({domains}, https only), not an endpoint host reported for this account (get_ingress_url, "
        "get_service_endpoints), and not listed in the ingress_hosts extra; if it is your own proxy or private DNS name for the endpoint, "
        "add it to ingress_hosts",
    )
