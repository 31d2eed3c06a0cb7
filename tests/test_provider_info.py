"""The provider registers itself correctly: a bad provider-info dict breaks every ``airflow`` command."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from importlib.resources import files
from typing import Any

import jsonschema

from airflow_provider_spcs.core.fields import EXTRA_FIELDS


def _provider_info() -> dict[str, Any]:
    (ep,) = [e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("airflow_provider_spcs")]
    info: dict[str, Any] = ep.load()()
    return info


def test_provider_info_validates_against_airflow_schema() -> None:
    info = _provider_info()
    schema = json.loads(files("airflow").joinpath("provider_info.schema.json").read_text())
    jsonschema.validate(info, schema)
    assert info["package-name"] == "airflow-provider-spcs"


def test_package_name_matches_distribution() -> None:
    from importlib.metadata import distribution

    from packaging.utils import canonicalize_name

    assert _provider_info()["package-name"] == canonicalize_name(distribution("airflow-provider-spcs").metadata["Name"])


def test_connection_type_declares_every_extra_field() -> None:
    (conn_type,) = _provider_info()["connection-types"]
    assert conn_type["connection-type"] == "snowflake_spcs"
    assert conn_type["hook-name"] == "Snowflake SPCS"
    assert set(conn_type["conn-fields"]) == {f.name for f in EXTRA_FIELDS}
    secrets = {name for name, spec in conn_type["conn-fields"].items() if spec["schema"].get("format") == "password"}
    assert secrets == {
        "private_key_content",
        "private_key_passphrase",
        "token",
        "oauth_client_secret",
        "oauth_refresh_token",
    }
    assert conn_type["ui-field-behaviour"]["relabeling"]["login"] == "User"


def test_pytest_plugin_is_opt_in() -> None:
    # Installing the provider must not load our fixtures into every pytest run of its users.
    ours = [e for e in entry_points(group="pytest11") if e.value.startswith("airflow_provider_spcs")]
    assert ours == []
    import airflow_provider_spcs.testing.pytest_plugin as plugin

    assert callable(plugin.spcs_emulator)


def test_asset_uri_scheme_is_registered() -> None:
    import importlib

    (entry,) = _provider_info()["asset-uris"]
    assert entry["schemes"] == ["snowflake-spcs"]
    for key, name in (("handler", "sanitize_uri"), ("factory", "create_asset")):
        module, _, attr = entry[key].rpartition(".")
        assert attr == name
        assert callable(getattr(importlib.import_module(module), attr))
