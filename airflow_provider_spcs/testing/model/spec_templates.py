"""Specification templates: ``{{ key }}`` placeholders filled from a ``USING (key => value, ...)`` list.

Snowflake renders templates with Jinja; the emulator supports what spec templates use in practice:
``{{ key }}`` with optional spaces inside the braces. Keys match case-insensitively (our reading:
SQL folds the unquoted keys of ``USING`` while templates are usually written in lowercase). A
placeholder whose key ``USING`` does not give is an error; unused keys are fine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from airflow_provider_spcs.testing.model.spec_yaml import SpecError

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def render_template(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``{{ key }}`` replaced by ``values[key]`` (keys case-insensitive).

    :raises SpecError: a placeholder names a key ``values`` lacks.
    """
    folded = {key.lower(): value for key, value in values.items()}
    missing = sorted({m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1).lower() not in folded})
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        raise SpecError(f"Invalid spec template: no value for {names} in USING.")
    return _PLACEHOLDER.sub(lambda m: folded[m.group(1).lower()], template)
