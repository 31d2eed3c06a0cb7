"""Hook metadata: Airflow registration attributes, legacy form methods, and light imports for DAG files."""

from __future__ import annotations

import subprocess
import sys
import types
from typing import Any

import pytest

from airflow_provider_spcs._provider_info import UI_FIELD_BEHAVIOUR
from airflow_provider_spcs.core.endpoints import ingress_provisioned
from airflow_provider_spcs.core.fields import EXTRA_FIELDS
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
        def __init__(self, label: str, widget: object = None, description: str = "") -> None:
            self.label, self.widget, self.description = label, widget, description

    fakes: dict[str, dict[str, Any]] = {
        "wtforms": {
            "StringField": type("StringField", (Field,), {}),
            "PasswordField": type("PasswordField", (Field,), {}),
            "TextAreaField": type("TextAreaField", (Field,), {}),
        },
        "flask_appbuilder": {},
        "flask_appbuilder.fieldwidgets": {
            name: type(name, (), {})
            for name in ("BS3TextFieldWidget", "BS3PasswordFieldWidget", "BS3TextAreaFieldWidget")
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
        expected = "TextAreaField" if f.multiline else "PasswordField" if f.secret else "StringField"
        assert kind == expected, f.name
        assert widgets[f.name].label == f.label


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
