"""What every statement handler shares: the session, running statements, service lookups."""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_spcs.testing.sql_parse import SqlError, parse_name_text
from airflow_provider_spcs.testing.sql_results import ResultSet, status_result
from airflow_provider_spcs.testing.world import JOB_TERMINAL_STATUSES, Service, World


@dataclass
class Session:
    """What a statement runs as: user, role and the current database/schema."""

    world: World
    user: str
    role: str
    database: str
    schema: str

    def resolve(self, parts: list[str]) -> tuple[str, str, str]:
        """Qualify a parsed name with the current database/schema."""
        if len(parts) == 3:
            return parts[0], parts[1], parts[2]
        if len(parts) == 2:
            return self.database, parts[0], parts[1]
        return self.database, self.schema, parts[0]


class Pending:
    """A statement still running: a synchronous EXECUTE JOB SERVICE.

    Each :meth:`poll` counts as one poll of the job's state machine; it returns ``None`` while
    the job runs, the result when it is DONE, and raises :class:`SqlError` if it FAILED or was
    cancelled.
    """

    def __init__(self, world: World, job: Service) -> None:
        self.world = world
        self.job = job

    def poll(self) -> ResultSet | None:
        """Advance the job one poll; see the class docstring."""
        with self.world.lock:
            status = self.job.poll()
            if status not in JOB_TERMINAL_STATUSES and status != "DELETED":
                return None
            return _job_outcome(self.job, status)

    def cancel(self) -> None:
        """Cancel the running job (what cancelling the statement does)."""
        self.job.cancel()


def _job_outcome(job: Service, status: str) -> ResultSet:
    if status == "DONE":
        return status_result(f"Job {job.name} completed successfully with status: DONE.")
    if status in {"CANCELLED", "DELETED"}:
        raise SqlError("000604", "57014", f"SQL execution canceled\nJob {job.name} was cancelled (status: {status}).")
    raise SqlError(
        "395019",
        "P0001",
        f"Job {job.name} completed with status: {status}. Please check the logs of the job's containers "
        f"(SYSTEM$GET_SERVICE_LOGS('{job.name}', 0, '{job.containers[0]}')) for details.",
    )


def display_name(parts: list[str]) -> str:
    """A parsed name as error messages print it (``DB.SCHEMA.NAME`` as written)."""
    return ".".join(parts)


def not_found(parts: list[str]) -> SqlError:
    """Snowflake's error for a missing (or invisible) service."""
    return SqlError(
        "002003", "02000", f"SQL compilation error:\nService '{display_name(parts)}' does not exist or not authorized."
    )


def find_service(session: Session, parts: list[str]) -> Service | None:
    """The service ``parts`` names, if it exists and the session role may see it."""
    service = session.world.services.get(session.resolve(parts))
    if service is None or not service.is_visible_to(session.role):
        return None
    return service


def require_service(session: Session, parts: list[str]) -> Service:
    """Like :func:`find_service`, but a missing or invisible service is an error."""
    service = find_service(session, parts)
    if service is None:
        raise not_found(parts)
    return service


def service_from_string(session: Session, text: str) -> tuple[Service, list[str]]:
    """The service named inside a string argument (``'db.schema.svc'``), visible to the role."""
    try:
        parts = parse_name_text(text)
    except SqlError:
        raise SqlError(
            "002003", "02000", f"SQL compilation error:\nService '{text}' does not exist or not authorized."
        ) from None
    return require_service(session, parts), parts


def bad_arguments(name: str) -> SqlError:
    """Snowflake's error for a system function called with the wrong arguments."""
    return SqlError(
        "001044",
        "42P13",
        f"SQL compilation error: error line 1 at position 7\nInvalid argument types for function '{name}'",
    )
