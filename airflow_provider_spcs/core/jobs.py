"""Job services: the validated description of one, its generated name, and reading the submit reply.

:class:`JobSpec` checks everything on construction (identifiers, literals, the specification), so a
bad job fails when the task starts, before anything is sent. The statement itself is built by
:func:`airflow_provider_spcs.core.statements.execute_job_service`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import QualifiedName, parse_object_name

if TYPE_CHECKING:
    from airflow_provider_spcs.core.specs import ServiceSpec


def generate_job_name() -> str:
    """A fresh job name, so that we know what to clean up even before the submit returns."""
    return f"AIRFLOW_JOB_{uuid.uuid4().hex.upper()}"


def check_job_source(stage: str | None, spec_file: str | None, spec: object) -> None:
    """A job's specification comes from ``stage`` + ``spec_file`` or inline ``spec``: exactly one of them.

    :raises SpcsConfigError: both, neither, or a stage without a file.
    """
    has_file = bool(stage or spec_file)
    if has_file and spec is not None:
        raise SpcsConfigError("spec", "give either stage + spec_file, or an inline spec, not both")
    if spec is None and not (stage and spec_file):
        raise SpcsConfigError("spec_file" if has_file else "spec", "give stage + spec_file, or an inline spec")


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
        check_job_source(self.stage, self.spec_file, self.spec)
        if self.replicas is not None and (isinstance(self.replicas, bool) or int(self.replicas) < 1):
            raise SpcsConfigError("replicas", f"expected a positive integer, got {self.replicas!r}")
        statements.execute_job_service(self)  # validates every identifier and literal now, not at submit time

    @property
    def qualified_name(self) -> QualifiedName:
        """The job name, parsed and validated."""
        return parse_object_name(self.name, field="name")

    @property
    def source(self) -> ServiceSpec:
        """Where the specification comes from, as CREATE and ALTER SERVICE take it too."""
        from airflow_provider_spcs.core.specs import ServiceSpec

        if self.spec is None:
            assert self.stage is not None
            assert self.spec_file is not None
            return ServiceSpec.stage_file(self.stage, self.spec_file)
        return ServiceSpec.inline(self.spec)

    @property
    def spec_text(self) -> str:
        """The inline specification as YAML text (a mapping becomes JSON, which is YAML); ``""`` for a stage file."""
        return self.source.text or ""


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
