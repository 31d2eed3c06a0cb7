"""The snowflake-spcs asset URI scheme: validated and canonicalised by Airflow through provider info."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from airflow.sdk import Asset

from airflow_provider_spcs.assets.spcs import create_asset, sanitize_uri, service_asset, service_uri
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.service_uris import ServiceRef, parse_service_parts

CANONICAL = "snowflake-spcs://myorg-myacct/SPCS_DB/APP/ECHO_SERVICE"


@pytest.mark.parametrize(
    "spelling",
    [
        CANONICAL,
        "snowflake-spcs://MyOrg-MyAcct/spcs_db/app/echo_service",
        "SNOWFLAKE-SPCS://myorg-myacct/Spcs_Db/APP/Echo_Service/",
        'snowflake-spcs://myorg-myacct/%22SPCS_DB%22/"APP"/ECHO_SERVICE',  # quoted, but plain uppercase names
        CANONICAL + "#fragment",
    ],
)
def test_every_spelling_of_a_service_is_one_asset(spelling: str) -> None:
    # Airflow runs the provider's normaliser (provider info asset-uris) when it builds the asset.
    assert Asset(uri=spelling).uri == CANONICAL


def test_quoted_names_keep_their_case_and_their_quotes() -> None:
    uri = service_uri("xy12345.us-east-1.aws", "SPCS_DB", "APP", '"Mixed svc"')
    assert uri == "snowflake-spcs://xy12345.us-east-1.aws/SPCS_DB/APP/%22Mixed%20svc%22"
    assert Asset(uri=uri).uri == uri
    ref = parse_service_parts(urlsplit(uri).netloc, urlsplit(uri).path)
    assert ref == ServiceRef("xy12345.us-east-1.aws", "SPCS_DB", "APP", "Mixed svc")
    assert ref.qualified_name == 'SPCS_DB.APP."Mixed svc"'
    assert service_uri("a", "D", "S", '"MIXED"') == "snowflake-spcs://a/D/S/MIXED"  # same object as MIXED


@pytest.mark.parametrize(
    ("uri", "field", "says"),
    [
        ("snowflake-spcs://acct/DB/SVC", "uri", "three path parts"),
        ("snowflake-spcs://acct/DB/S/SVC/EXTRA", "uri", "three path parts"),
        ("snowflake-spcs://acct/DB//SVC", "uri", "three path parts"),
        ("snowflake-spcs:///DB/S/SVC", "account", "no account"),
        ("snowflake-spcs://user@acct/DB/S/SVC", "account", "no user"),
        ("snowflake-spcs://acct:443/DB/S/SVC", "account", "port"),
        ("snowflake-spcs://acct.snowflakecomputing.com/DB/S/SVC", "account", "not the host name"),
        ("snowflake-spcs://acct/DB/S/SVC?x=1", "uri", "no query"),
        ("snowflake-spcs://acct/DB/S/MY%20SVC", "service", "one identifier"),
        ("snowflake-spcs://acct/DB/S.X/SVC", "schema", "one identifier"),
    ],
)
def test_anything_else_is_refused_naming_the_part(uri: str, field: str, says: str) -> None:
    with pytest.raises(SpcsConfigError, match=says) as error:
        Asset(uri=uri)
    assert error.value.field == field
    assert isinstance(error.value, ValueError)  # what Airflow expects of a URI normaliser


def test_the_normaliser_returns_canonical_parts() -> None:
    parts = sanitize_uri(urlsplit("snowflake-spcs://MyOrg-MyAcct/db/s/svc"))
    assert parts.geturl() == "snowflake-spcs://myorg-myacct/DB/S/SVC"


def test_helpers_build_the_asset_and_its_watchers() -> None:
    from airflow.sdk import AssetWatcher

    from airflow_provider_spcs.triggers.spcs import SpcsServiceStateTrigger

    trigger = SpcsServiceStateTrigger(services=["ECHO_SERVICE"], database="SPCS_DB", schema="APP")
    asset = service_asset("myorg-myacct", "spcs_db", "app", "echo_service", watchers=[AssetWatcher("w", trigger)])
    assert (asset.name, asset.uri) == (CANONICAL, CANONICAL)
    assert asset.watchers[0].trigger is trigger
    assert service_asset("myorg-myacct", "SPCS_DB", "APP", "ECHO_SERVICE", name="echo").name == "echo"
    made = create_asset(
        account="myorg-myacct", database="SPCS_DB", schema="APP", service="ECHO_SERVICE", extra={"k": 1}
    )
    assert (made.uri, made.extra) == (CANONICAL, {"k": 1})
