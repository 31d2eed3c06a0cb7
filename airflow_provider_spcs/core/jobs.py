"""SQL for job services and service lifecycle: built from validated, quoted parts only.

``EXECUTE JOB SERVICE`` takes the compute pool first, then the properties, then the specification
(the documented order; see the protocol reference, section 7.9). Every identifier goes through
:mod:`airflow_provider_spcs.core.identifiers`; every string literal through :func:`string_literal`;
an inline specification goes between ``$$`` delimiters, which is why a spec that itself contains
``$$`` is refused rather than escaped (dollar-quoted text has no escape).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import QualifiedName, parse_object_name

_BARE = re.compile(r"[A-Z_][A-Z0-9_$]*")


def string_literal(value: str, *, field: str) -> str:
    """Single-quote ``value`` for SQL, escaping backslashes and quotes.

    :raises SpcsConfigError: for control characters, which no file name or comment needs.
    """
    if any(ord(c) < 32 for c in value):
        raise SpcsConfigError(field, "control characters are not allowed")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def name_argument(name: QualifiedName) -> str:
    """The string-literal form of a name for ``SYSTEM$`` functions: bare parts when they are plain."""
    text = ".".join(p if _BARE.fullmatch(p) else '"' + p.replace('"', '""') + '"' for p in name.parts)
    return string_literal(text, field="service")


def generate_job_name() -> str:
    """A fresh job name, so that we know what to clean up even before the submit returns."""
    return f"AIRFLOW_JOB_{uuid.uuid4().hex.upper()}"


@dataclass(frozen=True)
class JobSpec:
    """Everything ``EXECUTE JOB SERVICE`` needs; validated on construction.

    :param compute_pool: compute pool to run in.
    :param name: job service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param stage: stage holding the specification file (``@db.schema.stage`` or without ``@``).
    :param spec_file: path of the specification file on the stage.
    :param spec: inline specification: YAML text, or a mapping (sent as JSON, which is YAML).
    :param replicas: number of job instances.
    :param query_warehouse: warehouse for queries the job runs.
    :param external_access_integrations: integrations the job may use.
    :param comment: free-text comment stored with the job.
    """

    compute_pool: str
    name: str
    stage: str | None = None
    spec_file: str | None = None
    spec: str | Mapping[str, Any] | None = None
    replicas: int | None = None
    query_warehouse: str | None = None
    external_access_integrations: Sequence[str] = field(default_factory=tuple)
    comment: str | None = None

    def __post_init__(self) -> None:
        has_file = bool(self.stage or self.spec_file)
        if has_file == (self.spec is not None):
            raise SpcsConfigError("spec", "give either stage + spec_file, or an inline spec, not both and not neither")
        if has_file and not (self.stage and self.spec_file):
            raise SpcsConfigError("spec_file", "a stage specification needs both stage and spec_file")
        if self.replicas is not None and (isinstance(self.replicas, bool) or int(self.replicas) < 1):
            raise SpcsConfigError("replicas", f"expected a positive integer, got {self.replicas!r}")
        self.sql()  # validates every identifier and literal now, not at submit time

    @property
    def qualified_name(self) -> QualifiedName:
        """The job name, parsed and validated."""
        return parse_object_name(self.name, field="name")

    def sql(self) -> str:
        """The ``EXECUTE JOB SERVICE ... ASYNC = TRUE`` statement."""
        parts = [
            f"EXECUTE JOB SERVICE IN COMPUTE POOL {parse_object_name(self.compute_pool, field='compute_pool').sql}",
            f"NAME = {self.qualified_name.sql}",
            "ASYNC = TRUE",
        ]
        if self.replicas is not None:
            parts.append(f"REPLICAS = {int(self.replicas)}")
        if self.query_warehouse:
            parts.append(f"QUERY_WAREHOUSE = {parse_object_name(self.query_warehouse, field='query_warehouse').sql}")
        if self.comment:
            parts.append(f"COMMENT = {string_literal(self.comment, field='comment')}")
        if self.external_access_integrations:
            names = ", ".join(
                parse_object_name(n, field="external_access_integrations").sql
                for n in self.external_access_integrations
            )
            parts.append(f"EXTERNAL_ACCESS_INTEGRATIONS = ({names})")
        parts.append(self._from_clause())
        return "\n".join(parts)

    def _from_clause(self) -> str:
        if self.spec is None:
            assert self.stage is not None
            assert self.spec_file is not None
            stage = parse_object_name(self.stage.removeprefix("@"), field="stage").sql
            return f"FROM @{stage} SPECIFICATION_FILE = {string_literal(self.spec_file, field='spec_file')}"
        return f"FROM SPECIFICATION $$\n{inline_spec_text(self.spec)}\n$$"


def inline_spec_text(spec: str | Mapping[str, Any]) -> str:
    """YAML text of an inline specification, checked to fit between ``$$`` delimiters.

    :raises SpcsConfigError: empty, or containing ``$$``.
    """
    # JSON is valid YAML, and json is stdlib: no YAML dumper (or its stubs) needed.
    text = json.dumps(spec, indent=2) if isinstance(spec, Mapping) else str(spec)
    if not text.strip():
        raise SpcsConfigError("spec", "the inline specification is empty")
    if "$$" in text:
        raise SpcsConfigError("spec", "an inline specification cannot contain '$$'; use a stage file instead")
    return text.strip("\n")


_STARTED = re.compile(r"""(?:job|service)\s+(?:'([^']+)'|"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$.]*))""", re.IGNORECASE)


def parse_started_job_name(message: str | None) -> str | None:
    """The job name in the asynchronous submit reply (``Started ... Job 'NAME'.``), if present."""
    if not message:
        return None
    for match in _STARTED.finditer(message):
        quoted, dquoted, bare = match.groups()
        candidate = quoted or (dquoted.replace('""', '"') if dquoted else bare)
        if candidate and candidate.upper() not in {"SERVICE", "SERVICES", "JOB"}:
            return candidate.rstrip(".")
    return None


def first_cell(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """The first value of the first row (how one-cell results such as status messages arrive)."""
    if not rows:
        return None
    value = next(iter(rows[0].values()), None)
    return None if value is None else str(value)


def alter_service_sql(service: str, action: str, *, if_exists: bool = False) -> str:
    """``ALTER SERVICE [IF EXISTS] <name> SUSPEND|RESUME``."""
    verb = action.upper()
    if verb not in {"SUSPEND", "RESUME"}:
        raise SpcsConfigError("action", f"expected SUSPEND or RESUME, got {action!r}")
    guard = "IF EXISTS " if if_exists else ""
    return f"ALTER SERVICE {guard}{parse_object_name(service).sql} {verb}"


def drop_service_sql(service: str) -> str:
    """``DROP SERVICE IF EXISTS <name>``: cleanup must not fail because the job is already gone."""
    return f"DROP SERVICE IF EXISTS {parse_object_name(service).sql}"


def service_logs_sql(service: str, instance_id: str | int, container: str, lines: int) -> str:
    """``SELECT SYSTEM$GET_SERVICE_LOGS('<name>', '<instance>', '<container>', <lines>)``."""
    if isinstance(lines, bool) or not 1 <= int(lines) <= 1000:
        raise SpcsConfigError("log_lines", f"expected 1..1000, got {lines!r}")
    return (
        "SELECT SYSTEM$GET_SERVICE_LOGS("
        f"{name_argument(parse_object_name(service))}, "
        f"{string_literal(str(instance_id), field='instance_id')}, "
        f"{string_literal(container, field='container')}, {int(lines)})"
    )
