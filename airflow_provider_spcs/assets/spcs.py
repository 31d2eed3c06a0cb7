"""The ``snowflake-spcs`` asset URI scheme: one asset per SPCS service.

``snowflake-spcs://<account>/<database>/<schema>/<service>``, registered through provider info
``asset-uris``, so Airflow validates and canonicalises every such URI it meets (:func:`sanitize_uri`):
the account lowercase, unquoted names uppercase, quoted names exactly (see
:mod:`airflow_provider_spcs.core.service_uris`). ``Asset(uri="snowflake-spcs://MyOrg-MyAcct/spcs_db/app/echo_service")``
and ``service_asset("myorg-myacct", "SPCS_DB", "APP", "ECHO_SERVICE")`` are one asset.

Airflow imports this module in every process that checks an asset URI, so it imports only the
standard library and core helpers until an asset is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult

from airflow_provider_spcs.core.service_uris import SCHEME, ServiceRef, parse_service_parts

if TYPE_CHECKING:
    from airflow.sdk import Asset, AssetWatcher

__all__ = ["SCHEME", "create_asset", "sanitize_uri", "service_asset", "service_uri"]


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Airflow's URI normaliser for ``snowflake-spcs``: validate, then canonicalise.

    :param uri: the split URI (Airflow has lowercased the scheme and dropped a trailing slash).
    :raises ValueError: not ``snowflake-spcs://<account>/<database>/<schema>/<service>``; the
        message names the part to fix.
    """
    ref = parse_service_parts(uri.netloc, uri.path, query=uri.query)
    return SplitResult(SCHEME, ref.account, ref.path, "", "")


def service_uri(account: str, database: str, schema: str, service: str) -> str:
    """The canonical URI of a service.

    :param account: the account identifier (``myorg-myacct``, or a locator such as ``xy12345.us-east-1.aws``).
    :param database: the database name (bare, or ``"quoted"`` to keep its case).
    :param schema: the schema name.
    :param service: the service name.
    :raises ValueError: an invalid account identifier or name.
    """
    return ServiceRef.of(account, database, schema, service).uri


def service_asset(
    account: str,
    database: str,
    schema: str,
    service: str,
    *,
    name: str | None = None,
    watchers: Iterable[AssetWatcher] = (),
    extra: dict[str, Any] | None = None,
) -> Asset:
    """The asset of a service, optionally watched (``watchers=[AssetWatcher(...)]``).

    :param account: the account identifier.
    :param database: the database name.
    :param schema: the schema name.
    :param service: the service name.
    :param name: the asset's name (default: its canonical URI).
    :param watchers: ``AssetWatcher``\\ s whose events become this asset's events.
    :param extra: the asset's ``extra``.
    """
    from airflow.sdk import Asset

    uri = service_uri(account, database, schema, service)
    return Asset(name=name or uri, uri=uri, watchers=list(watchers), extra=extra)


def create_asset(
    *, account: str, database: str, schema: str, service: str, extra: dict[str, Any] | None = None
) -> Asset:
    """The asset factory of provider info ``asset-uris`` (Airflow's lineage API calls it with keywords)."""
    return service_asset(account, database, schema, service, extra=extra)
