"""The spec part of CREATE SERVICE, ALTER SERVICE ... FROM and EXECUTE JOB SERVICE, after ``FROM``:

* ``@<stage>[/<dir>] SPECIFICATION_FILE = '<path>'`` (also ``SPEC = '<path>'``, the older spelling
  Airflow sends for jobs);
* ``@<stage>[/<dir>] SPECIFICATION_TEMPLATE_FILE = '<path>' USING ( <key> => <value> [, ...] )``;
* ``SPECIFICATION <text>`` (``$$...$$`` or a quoted string, YAML or JSON);
* ``SPECIFICATION_TEMPLATE <text> USING ( ... )``.

``USING`` values may be quoted (``'...'`` or ``$$...$$``), alphanumeric (``v2``, ``3``, ``TRUE``)
or JSON (``{"a": 1}``, ``[1, 2]``); they replace the template's ``{{ key }}`` placeholders as
written (quoted values without their quotes). Stage files come from :meth:`.World.add_stage_file`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from airflow_provider_spcs.testing.model.spec_templates import render_template
from airflow_provider_spcs.testing.sql.failures import SqlError, does_not_exist, model_errors
from airflow_provider_spcs.testing.sql.parser import Parser, parse_name_text
from airflow_provider_spcs.testing.sql.session import Session

_JSON_OPENERS = {"{": "}", "[": "]"}


@dataclass(frozen=True)
class SpecSource:
    """Where a spec comes from: inline text or a stage file; a template carries its USING values."""

    inline: str | None = None
    stage: str | None = None
    """The stage as written (``@db.schema.stage``), without a ``/dir`` suffix."""
    path: str | None = None
    """The file path on the stage, the ``/dir`` suffix of the stage reference included."""
    using: dict[str, str] | None = field(default=None)
    """``None`` for a plain spec; the USING values of a template."""

    @property
    def is_template(self) -> bool:
        """Whether the source is a template (rendered with :attr:`using`)."""
        return self.using is not None


def parse_spec_source(parser: Parser) -> SpecSource:
    """Read a spec source; the cursor stands after ``FROM``."""
    if parser.accept_kw("SPECIFICATION"):
        return SpecSource(inline=parser.string())
    if parser.accept_kw("SPECIFICATION_TEMPLATE"):
        text = parser.string()
        return SpecSource(inline=text, using=_using(parser))
    stage = parser.peek()
    if stage.kind != "STAGE":
        parser.fail()
    parser.next()
    template = parser.accept_kw("SPECIFICATION_TEMPLATE_FILE")
    if not template and not (parser.accept_kw("SPECIFICATION_FILE") or parser.accept_kw("SPEC")):
        parser.fail()
    file = parser.assignment(parser.string).lstrip("/")
    stage_ref, _, prefix = stage.value.partition("/")
    path = f"{prefix.strip('/')}/{file}" if prefix.strip("/") else file
    return SpecSource(stage=stage_ref, path=path, using=_using(parser) if template else None)


def _using(parser: Parser) -> dict[str, str]:
    parser.expect_kw("USING")
    values: dict[str, str] = {}

    def pair() -> None:
        key = parser.peek()
        if key.kind not in {"IDENT", "QIDENT"}:
            parser.fail()
        parser.next()
        parser.expect_punct("=>")
        values[key.raw if key.kind == "IDENT" else key.value] = _using_value(parser)

    parser.parenthesised(pair)
    return values


def _using_value(parser: Parser) -> str:
    token = parser.peek()
    if token.kind == "STRING":
        return parser.string()
    if token.kind in {"NUMBER", "IDENT"}:
        parser.next()
        return token.raw
    if token.kind != "PUNCT" or token.value not in _JSON_OPENERS:
        parser.fail()
    depth = 0
    while True:
        current = parser.next()
        if current.kind == "EOF":
            parser.fail(current)
        if current.kind == "PUNCT" and current.value in _JSON_OPENERS:
            depth += 1
        elif current.kind == "PUNCT" and current.value in _JSON_OPENERS.values():
            depth -= 1
            if depth == 0:
                break
    raw = parser.text[token.pos : current.end]
    try:
        json.loads(raw)
    except ValueError:
        parser.fail(token)
    return raw


def stage_key_of(raw: str, session: Session) -> str:
    """``DB.SCHEMA.STAGE`` of a stage reference (``@stage``, ``@schema.stage``, ...)."""
    try:
        parts = parse_name_text(raw.lstrip("@"))
    except SqlError:
        raise does_not_exist("Stage", raw) from None
    return ".".join(session.resolve(parts))


def stage_file_missing(path: str, stage: str) -> SqlError:
    """Snowflake's error for a spec file that is not on the stage."""
    return SqlError(
        "002003",
        "02000",
        f"SQL compilation error:\nSpecification file '{path}' does not exist on stage '@{stage}' or not authorized.",
    )


def spec_text(session: Session, source: SpecSource) -> str:
    """The resolved spec text of ``source`` (the stage file read, a template rendered).

    :raises SqlError: the stage file does not exist, or a template placeholder has no value.
    """
    if source.inline is not None:
        text = source.inline
    else:
        assert source.stage is not None
        assert source.path is not None
        stage = stage_key_of(source.stage, session)
        found = session.world.stage_file(stage, source.path)
        if found is None:
            raise stage_file_missing(source.path, stage)
        text = found
    if source.using is None:
        return text
    with model_errors():
        return render_template(text, source.using)
