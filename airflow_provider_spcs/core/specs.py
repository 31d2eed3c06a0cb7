"""Where a service's specification comes from: one value for CREATE SERVICE, ALTER SERVICE ... FROM
and EXECUTE JOB SERVICE.

A :class:`ServiceSpec` is one of four forms, as Snowflake takes them after ``FROM``:

* an inline specification (YAML text, or a mapping sent as JSON, which is YAML):
  ``SPECIFICATION $$...$$``;
* a file on a stage: ``@stage SPECIFICATION_FILE = 'path'``;
* an inline template with values: ``SPECIFICATION_TEMPLATE $$...$$ USING (key => value, ...)``;
* a template file on a stage with values: ``@stage SPECIFICATION_TEMPLATE_FILE = 'path' USING (...)``.

It is checked on construction (identifiers, literals, ``$$`` in inline text, template values), by
building its clause with :func:`airflow_provider_spcs.core.statements.spec_source`, so a bad
specification fails before anything is sent. Errors name the operator parameter to fix (``spec``,
``spec_file``, ``spec_template``, ``spec_template_file``, ``stage``, ``using``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_spcs.core.errors import SpcsConfigError

UsingValue = str | int | float | bool | Mapping[str, Any] | Sequence[Any]
"""A template value: text (quoted), a number or boolean (bare), or a mapping or list (JSON)."""

_SOURCES = ("spec", "spec_file", "spec_template", "spec_template_file")


def check_spec_parameters(
    *,
    spec: object = None,
    stage: object = None,
    spec_file: object = None,
    spec_template: object = None,
    spec_template_file: object = None,
    using: object = None,
) -> None:
    """Which parameters a specification comes from: exactly one source, a stage with a file, ``using`` with a template.

    Run when a DAG is parsed, before templates are rendered (values are checked when the task runs).

    :raises SpcsConfigError: naming the parameter to fix.
    """
    given = [
        name
        for name, value in zip(_SOURCES, (spec, spec_file, spec_template, spec_template_file), strict=True)
        if value is not None
    ]
    if not given:
        if stage is not None:
            raise SpcsConfigError("spec_file", "a stage needs spec_file (or spec_template_file) on it")
        raise SpcsConfigError(
            "spec", "give spec, stage + spec_file, spec_template + using, or stage + spec_template_file + using"
        )
    if len(given) > 1:
        raise SpcsConfigError(given[1], f"give one specification source, not {' and '.join(given)}")
    (source,) = given
    on_stage = source in ("spec_file", "spec_template_file")
    if on_stage and stage is None:
        raise SpcsConfigError("stage", f"{source} is a file on a stage: give stage too (e.g. '@db.schema.specs')")
    if not on_stage and stage is not None:
        raise SpcsConfigError("stage", f"stage is for spec_file or spec_template_file, not {source}")
    templated = source in ("spec_template", "spec_template_file")
    if templated and using is None:
        raise SpcsConfigError("using", f"{source} is a template: give its values in using (a mapping)")
    if not templated and using is not None:
        raise SpcsConfigError("using", "using is for templates: give spec_template or spec_template_file")
    if using is not None and not isinstance(using, Mapping):
        raise SpcsConfigError("using", f"expected a mapping of template values, got {type(using).__name__}")


@dataclass(frozen=True)
class ServiceSpec:
    """One specification source (see the module docstring); build it with the class methods.

    :param text: inline specification or template text (``None`` for a stage file).
    :param stage: the stage (``@db.schema.stage``) of a file.
    :param file: the specification or template file's path on ``stage``.
    :param using: template values; ``None`` for a plain specification.
    """

    text: str | None = None
    stage: str | None = None
    file: str | None = None
    using: Mapping[str, UsingValue] | None = None

    def __post_init__(self) -> None:
        from airflow_provider_spcs.core import statements

        if (self.text is None) == (self.file is None) or (self.file is None) != (self.stage is None):
            raise SpcsConfigError("spec", "a specification is inline text or a stage file, exactly one of them")
        statements.spec_source(self)  # every identifier, literal and value checked now, not when sent

    # constructors ---------------------------------------------------------------------------------
    @classmethod
    def inline(cls, spec: str | Mapping[str, Any]) -> ServiceSpec:
        """An inline specification: YAML text, or a mapping (sent as JSON, which is YAML)."""
        return cls(text=_text_of(spec, field="spec"))

    @classmethod
    def stage_file(cls, stage: str, path: str) -> ServiceSpec:
        """A specification file on a stage."""
        return cls(stage=stage, file=path)

    @classmethod
    def template(cls, template: str | Mapping[str, Any], using: Mapping[str, UsingValue]) -> ServiceSpec:
        """An inline specification template and its values."""
        return cls(text=_text_of(template, field="spec_template"), using=_using_of(using))

    @classmethod
    def template_file(cls, stage: str, path: str, using: Mapping[str, UsingValue]) -> ServiceSpec:
        """A specification template file on a stage, and its values."""
        return cls(stage=stage, file=path, using=_using_of(using))

    @classmethod
    def from_parameters(
        cls,
        *,
        spec: str | Mapping[str, Any] | None = None,
        stage: str | None = None,
        spec_file: str | None = None,
        spec_template: str | Mapping[str, Any] | None = None,
        spec_template_file: str | None = None,
        using: Mapping[str, UsingValue] | None = None,
    ) -> ServiceSpec:
        """The source an operator's parameters describe (see :func:`check_spec_parameters`)."""
        check_spec_parameters(
            spec=spec,
            stage=stage,
            spec_file=spec_file,
            spec_template=spec_template,
            spec_template_file=spec_template_file,
            using=using,
        )
        if spec is not None:
            return cls.inline(spec)
        if spec_file is not None:
            assert stage is not None
            return cls.stage_file(stage, spec_file)
        assert using is not None
        if spec_template is not None:
            return cls.template(spec_template, using)
        assert stage is not None
        assert spec_template_file is not None
        return cls.template_file(stage, spec_template_file, using)

    # reading -------------------------------------------------------------------------------------
    @property
    def is_template(self) -> bool:
        """Whether this is a template (rendered by Snowflake with :attr:`using`)."""
        return self.using is not None

    @property
    def text_field(self) -> str:
        """The operator parameter inline text comes from (for error messages)."""
        return "spec_template" if self.is_template else "spec"

    @property
    def file_field(self) -> str:
        """The operator parameter a stage file comes from (for error messages)."""
        return "spec_template_file" if self.is_template else "spec_file"

    def describe(self) -> str:
        """A log line's worth: where the specification comes from (never the text or the values)."""
        what = "template" if self.is_template else "specification"
        where = (
            f"inline {what} ({len(self.text)} characters)"
            if self.text is not None
            else f"{what} file {self.stage}/{self.file}"
        )
        if self.using is not None:
            where += f" with values for {', '.join(sorted(self.using)) or 'nothing'}"
        return where


def _text_of(value: str | Mapping[str, Any], *, field: str) -> str:
    if isinstance(value, Mapping):
        # JSON is valid YAML, and json is stdlib: no YAML dumper (or its stubs) needed.
        return json.dumps(value, indent=2)
    if not isinstance(value, str):
        raise SpcsConfigError(field, f"expected YAML text or a mapping, got {type(value).__name__}")
    return value


def _using_of(using: Mapping[str, UsingValue]) -> Mapping[str, UsingValue]:
    if not isinstance(using, Mapping):
        raise SpcsConfigError("using", f"expected a mapping of template values, got {type(using).__name__}")
    if not using:
        raise SpcsConfigError("using", "a template needs at least one value")
    return dict(using)
