"""Hook metadata: Airflow registration attributes, legacy form methods, and light imports for DAG files."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import types
from typing import Any

import pytest

from airflow_provider_spcs._provider_info import UI_FIELD_BEHAVIOUR
from airflow_provider_spcs.core.endpoints import ingress_provisioned
from airflow_provider_spcs.core.fields import AUTH_METHODS, EXTRA_FIELDS
from airflow_provider_spcs.hooks.spcs import SpcsHook


def test_registration_attributes() -> None:
    assert SpcsHook.conn_type == "snowflake_spcs"
    assert SpcsHook.conn_name_attr == "spcs_conn_id"
    assert SpcsHook.default_conn_name == "snowflake_spcs_default"
    assert SpcsHook.hook_name == "Snowflake SPCS"
    assert SpcsHook().spcs_conn_id == "snowflake_spcs_default"


def test_ui_field_behaviour_matches_provider_info() -> None:
    behaviour = SpcsHook.get_ui_field_behaviour()
    assert behaviour == UI_FIELD_BEHAVIOUR
    behaviour["hidden_fields"].append("login")
    assert "login" not in UI_FIELD_BEHAVIOUR["hidden_fields"]  # callers get copies


def test_form_widgets_without_wtforms_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wtforms", None)  # Airflow 3.3 ships no wtforms/FAB
    assert SpcsHook.get_connection_form_widgets() == {}


def test_form_widgets_cover_every_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # Airflow 3.0/3.1 call this with wtforms/FAB present (or mocked, as their UI does); mimic that.
    class Field:
        def __init__(self, label: str, widget: object = None, description: str = "", validators: object = ()) -> None:
            self.label, self.widget, self.description, self.validators = label, widget, description, validators

    fakes: dict[str, dict[str, Any]] = {
        "wtforms": {name: type(name, (Field,), {}) for name in ("StringField", "PasswordField", "BooleanField")},
        "wtforms.validators": {"Optional": lambda: "optional", "any_of": lambda values: ("any_of", tuple(values))},
        "flask_appbuilder": {},
        "flask_appbuilder.fieldwidgets": {
            name: type(name, (), {}) for name in ("BS3TextFieldWidget", "BS3PasswordFieldWidget")
        },
        "flask_babel": {"lazy_gettext": str},
    }
    for name, attrs in fakes.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        monkeypatch.setitem(sys.modules, name, module)
    widgets = SpcsHook.get_connection_form_widgets()
    assert set(widgets) == {f.name for f in EXTRA_FIELDS}
    for f in EXTRA_FIELDS:
        kind = type(widgets[f.name]).__name__
        expected = "BooleanField" if f.flag else "PasswordField" if f.secret else "StringField"
        assert kind == expected, f.name
        assert widgets[f.name].label == f.label
    assert widgets["auth_method"].validators == ["optional", ("any_of", AUTH_METHODS)]


_HOOK_META = """
import json
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
(ours,) = [h for h in HookMetaService.hook_meta_data() if h.connection_type == "snowflake_spcs"]
print(json.dumps({name: field["schema"] for name, field in ours.model_dump()["extra_fields"].items()}))
"""


def test_connection_form_fields_as_the_ui_gets_them(tmp_path: pathlib.Path) -> None:
    # What GET /ui/connections/hook_meta serves on this Airflow (3.3: provider info; 3.1: the hook's
    # widgets). A fresh interpreter: the providers manager and the service cache what they read.
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR"}
    done = subprocess.run([sys.executable, "-c", _HOOK_META], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    schemas = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(schemas) == {f.name for f in EXTRA_FIELDS}
    assert schemas["auth_method"]["enum"] == list(AUTH_METHODS)  # no "null" choice
    assert schemas["pat_exchange"]["type"][0] == "boolean"  # a checkbox
    assert {n for n, s in schemas.items() if s.get("format") == "password"} == {
        f.name for f in EXTRA_FIELDS if f.secret
    }


def test_dag_side_import_is_light() -> None:
    code = (
        "import sys, airflow_provider_spcs.hooks.spcs\n"
        "heavy = [m for m in ('snowflake.connector', 'jwt', 'airflow_provider_spcs.core.keys', "
        "'airflow_provider_spcs.core.credentials', 'airflow_provider_spcs.core.connector') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("Endpoints provisioning in progress... check back in a few minutes", True),
        ("", True),
        (None, True),
        ("pending", True),
        ("abcd-org-acct.snowflakecomputing.app", False),
        ("http://127.0.0.1:5000", False),
    ],
)
def test_placeholder_detection(value: str | None, placeholder: bool) -> None:
    assert ingress_provisioned(value) is not placeholder


def test_core_never_imports_airflow() -> None:
    code = (
        "import sys\n"
        "from airflow_provider_spcs.core import auth, cache, config, connector, credentials, ingress, keys, runner, sql_api\n"
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]"
