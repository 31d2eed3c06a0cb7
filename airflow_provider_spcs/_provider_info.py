"""Connection-type metadata for Airflow's UI, derived from :data:`core.fields.EXTRA_FIELDS`."""

from __future__ import annotations

from typing import Any

from airflow_provider_spcs.core.fields import EXTRA_FIELDS, ExtraField

CONN_TYPE = "snowflake_spcs"
HOOK_NAME = "Snowflake SPCS"
HOOK_CLASS = "airflow_provider_spcs.hooks.spcs.SpcsHook"

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["host", "port", "schema"],
    "relabeling": {"login": "User", "password": "Password"},
    "placeholders": {
        "login": "MY_SERVICE_USER",
        "password": "password (auth_method password), or key passphrase / PAT fallback",
        "account": "myorg-myaccount",
        "auth_method": "key_pair",
        "private_key_content": "-----BEGIN PRIVATE KEY-----",
        "role": "MY_ROLE",
    },
}


def _field_schema(field: ExtraField) -> dict[str, Any]:
    # "null" in ``type`` lets a field stay empty; it must not be an ``enum`` value, or the form
    # offers (and preselects) "null" as one of the choices.
    if field.flag:
        return {"type": ["boolean", "null"]}
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if field.secret:
        schema["format"] = "password"
    if field.enum:
        schema["enum"] = list(field.enum)
    return schema


def conn_fields() -> dict[str, Any]:
    """``conn-fields`` for provider info: the declarative form read by Airflow 3.2+."""
    return {f.name: {"label": f.label, "description": f.description, "schema": _field_schema(f)} for f in EXTRA_FIELDS}


def connection_type_info() -> dict[str, Any]:
    """The ``connection-types`` entry of provider info."""
    behaviour = UI_FIELD_BEHAVIOUR
    return {
        "connection-type": CONN_TYPE,
        "hook-class-name": HOOK_CLASS,
        "hook-name": HOOK_NAME,
        "conn-fields": conn_fields(),
        "ui-field-behaviour": {
            "hidden-fields": behaviour["hidden_fields"],
            "relabeling": behaviour["relabeling"],
            "placeholders": behaviour["placeholders"],
        },
    }
