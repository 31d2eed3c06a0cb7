"""What a statement runs as (user, role, current database and schema) and how it finds services.

A service is visible to a role that owns it or is one of its ``access_roles``; anything else gets
the same "does not exist or not authorized" error as a missing service.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_spcs.testing.model.names import ObjectKey, qualify
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.world import World
from airflow_provider_spcs.testing.sql.failures import SqlError, does_not_exist
from airflow_provider_spcs.testing.sql.parser import parse_name_text


@dataclass
class Session:
    """What a statement runs as: user, role and the current database/schema (stored forms)."""

    world: World
    user: str
    role: str
    database: str
    schema: str

    def resolve(self, parts: list[str]) -> ObjectKey:
        """Qualify a parsed name with the current database/schema."""
        return qualify(parts, self.database, self.schema)


def display_name(parts: list[str]) -> str:
    """A parsed name as error messages print it (``DB.SCHEMA.NAME`` as written)."""
    return ".".join(parts)


def not_found(parts: list[str]) -> SqlError:
    """Snowflake's error for a missing (or invisible) service."""
    return does_not_exist("Service", display_name(parts))


def find_service(session: Session, parts: list[str]) -> BaseService | None:
    """The service ``parts`` names, if it exists and the session role may see it."""
    service = session.world.services.get(session.resolve(parts))
    if service is None or not service.is_visible_to(session.role):
        return None
    return service


def require_service(session: Session, parts: list[str]) -> BaseService:
    """Like :func:`find_service`, but a missing or invisible service is an error."""
    service = find_service(session, parts)
    if service is None:
        raise not_found(parts)
    return service


def service_from_string(session: Session, text: str) -> BaseService:
    """The service named inside a string argument (``'db.schema.svc'``), visible to the role."""
    try:
        parts = parse_name_text(text)
    except SqlError:
        raise does_not_exist("Service", text) from None
    return require_service(session, parts)
