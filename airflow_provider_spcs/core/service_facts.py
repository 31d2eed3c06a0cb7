"""The facts a wait reads off a service's row and off its instances' rows, typed once.

``DESCRIBE SERVICE`` and ``SHOW SERVICES`` share the columns a wait needs (``status``,
``spec_digest``, ``is_upgrading``, ``current_instances`` -- the READY ones --, ``target_instances``,
``min_instances``, ``max_instances``), so one :class:`ServiceFacts` serves both, whichever read
produced the row. :class:`InstanceFacts` is one row of ``SHOW SERVICE INSTANCES IN SERVICE``.
Cells arrive typed (``int``, ``bool``) over the SQL API and may arrive as text elsewhere; both
read the same here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from airflow_provider_spcs.core.booleans import is_true

Row = Mapping[str, Any]


def normalise_status(value: object) -> str:
    """A status column as compared everywhere: text, stripped, uppercase (``""`` when absent)."""
    return str(value or "").strip().upper()


def count_of(value: object) -> int | None:
    """A count column as an ``int`` (``None`` when absent or unreadable)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        return int(value)
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


@dataclass(frozen=True)
class ServiceFacts:
    """What one look at a service's row says.

    :param status: the ``status`` column, normalised.
    :param spec_digest: the digest of the specification the service runs (the new one at once during an upgrade).
    :param is_upgrading: whether a rolling upgrade is under way.
    :param current_instances: READY instances.
    :param target_instances: instances the service is heading for.
    :param min_instances: ``MIN_INSTANCES``.
    :param max_instances: ``MAX_INSTANCES``.
    """

    status: str
    spec_digest: str | None = None
    is_upgrading: bool = False
    current_instances: int | None = None
    target_instances: int | None = None
    min_instances: int | None = None
    max_instances: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> ServiceFacts:
        """The facts of a ``DESCRIBE SERVICE`` or ``SHOW SERVICES`` row (lowercase column names)."""
        return cls(
            status=normalise_status(row.get("status")),
            spec_digest=_text(row.get("spec_digest")),
            is_upgrading=is_true(row.get("is_upgrading")),
            current_instances=count_of(row.get("current_instances")),
            target_instances=count_of(row.get("target_instances")),
            min_instances=count_of(row.get("min_instances")),
            max_instances=count_of(row.get("max_instances")),
        )


@dataclass(frozen=True)
class InstanceFacts:
    """One ``SHOW SERVICE INSTANCES IN SERVICE`` row: an instance, its status and the digest it runs."""

    instance_id: str
    status: str
    spec_digest: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> InstanceFacts:
        """The facts of one row (lowercase column names)."""
        return cls(
            instance_id=str(row.get("instance_id") if row.get("instance_id") is not None else "?"),
            status=normalise_status(row.get("status")),
            spec_digest=_text(row.get("spec_digest")),
        )


def short_digest(digest: str | None) -> str:
    """The first 12 hex digits of a digest, as messages show it."""
    return (digest or "?")[:12]
