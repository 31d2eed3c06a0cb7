"""Typed trigger events: what crosses the triggerer → worker boundary, and back into errors.

Events are stored in the metadata database, so they stay small JSON dicts: a typed ``status``, the
facts a failure message needs, nothing else. ``kind`` says which dataclass to rebuild. An error
travels whole (:meth:`~airflow_provider_spcs.core.errors.SpcsError.to_dict`: class, message and
fields), so the worker raises the very error the synchronous path would have. A missing or
malformed event is an error, never a silent success.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, NoReturn, TypeVar

from airflow_provider_spcs.core.errors import SpcsError, SpcsServiceFailedError, SpcsTimeoutError
from airflow_provider_spcs.core.services import Observation, Outcome, failure_message

#: Responses larger than this are not carried through an event (the metadata DB is no blob store).
MAX_EVENT_TEXT = 1_000_000


class EventStatus(enum.StrEnum):
    """How a trigger ended."""

    SUCCESS = "success"
    FAILED = "failed"
    TIMEOUT = "timeout"
    ERROR = "error"


_FROM_OUTCOME = {
    Outcome.SUCCESS: EventStatus.SUCCESS,
    Outcome.FAILED: EventStatus.FAILED,
    Outcome.TIMEOUT: EventStatus.TIMEOUT,
}

E = TypeVar("E", bound="_Event")


@dataclass(frozen=True)
class _Event:
    """What both events share: a status, a message, the error that ended them, and the dict form.

    :param status: how the trigger ended.
    :param message: why it ended, for logs and error messages.
    :param error_type: class name of the error, for ``status == error``.
    :param error: the error itself (:meth:`SpcsError.to_dict`), for ``status == error``.
    """

    kind: ClassVar[str]

    status: EventStatus
    message: str = field(default="", kw_only=True)
    error_type: str | None = field(default=None, kw_only=True)
    error: dict[str, Any] | None = field(default=None, kw_only=True)

    def to_payload(self) -> dict[str, Any]:
        """A JSON-serialisable dict for ``TriggerEvent``."""
        return {**asdict(self), "status": self.status.value, "kind": self.kind}

    @classmethod
    def from_payload(cls: type[E], payload: Mapping[str, Any] | None) -> E:
        """Rebuild the event on the worker; raises :class:`SpcsError` for anything unexpected."""
        if not isinstance(payload, Mapping) or payload.get("kind") != cls.kind:
            raise SpcsError(f"expected a {cls.kind} event from the trigger, got {payload!r}")
        try:
            status = EventStatus(str(payload.get("status")))
        except ValueError:
            raise SpcsError(f"unknown event status {payload.get('status')!r}") from None
        names = {f.name for f in dataclasses.fields(cls)} - {"status"}
        values = {name: payload[name] for name in names if payload.get(name) is not None}
        return cls(status, **values)

    def _raise_error(self) -> NoReturn:
        if self.error:
            raise SpcsError.from_dict(self.error)
        _raise_legacy(self.error_type, self.message)


def _raise_legacy(error_type: str | None, message: str) -> NoReturn:
    """An event stored by an earlier version of the provider names the error's class alone."""
    from airflow_provider_spcs.core import errors

    cls = getattr(errors, error_type or "", None)
    if isinstance(cls, type) and issubclass(cls, SpcsError):
        try:
            raise cls(message)
        except TypeError:  # error classes with required keyword arguments
            pass
    raise SpcsError(f"{error_type or 'Error'} in the trigger: {message}")


def _error_fields(error: Exception) -> dict[str, Any]:
    """The event fields for an error (messages carry no secrets by contract)."""
    described = (
        error.to_dict() if isinstance(error, SpcsError) else {"type": type(error).__name__, "message": str(error)}
    )
    return {"message": str(error), "error_type": type(error).__name__, "error": described}


@dataclass(frozen=True)
class ServiceEvent(_Event):
    """The end of a wait on a service or job service.

    :param service: the service name as given.
    :param service_status: the last status seen (``None`` if none was read).
    :param containers: per-container facts on failure (see ``core.services.container_details``).
    """

    kind: ClassVar[str] = "service"

    service: str = ""
    service_status: str | None = None
    containers: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_observation(cls, service: str, observation: Observation) -> ServiceEvent:
        """The event for a final observation."""
        decision = observation.decision
        return cls(
            _FROM_OUTCOME[decision.outcome],
            service=service,
            service_status=decision.status,
            message=decision.reason,
            containers=observation.containers,
        )

    @classmethod
    def from_error(cls, service: str, error: Exception) -> ServiceEvent:
        """The event for an error raised while polling."""
        return cls(EventStatus.ERROR, service=service, **_error_fields(error))

    def raise_for_status(self) -> None:
        """Return on success; otherwise raise the error the synchronous path would have raised."""
        if self.status is EventStatus.SUCCESS:
            return
        if self.status is EventStatus.FAILED:
            raise SpcsServiceFailedError(
                failure_message(f"Service {self.service}", self.message, self.containers),
                status=self.service_status or "UNKNOWN",
                details=self.containers,
            )
        if self.status is EventStatus.TIMEOUT:
            raise SpcsTimeoutError(f"Service {self.service}: {self.message}")
        self._raise_error()


@dataclass(frozen=True)
class ResponseEvent(_Event):
    """The result of an endpoint request made in the triggerer.

    ``status`` is ``success`` when a response arrived (any HTTP status the hook accepted).

    :param url: the URL requested.
    :param status_code: HTTP status of the response.
    :param text: response body as text.
    :param content_type: the response's ``Content-Type``, so ``.json()`` works after rebuilding.
    :param carry: the trigger's ``carry`` kwarg, handed back to the operator.
    """

    kind: ClassVar[str] = "response"

    url: str = ""
    status_code: int | None = None
    text: str = ""
    content_type: str | None = None
    carry: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_error(cls, url: str, error: Exception, **values: Any) -> ResponseEvent:
        """The event for an error raised while requesting ``url``."""
        return cls(EventStatus.ERROR, url=url, **values, **_error_fields(error))

    def raise_for_status(self) -> None:
        """Return when a response arrived; otherwise raise."""
        if self.status is EventStatus.SUCCESS:
            return
        if self.status is EventStatus.TIMEOUT:
            raise SpcsTimeoutError(f"Request to {self.url}: {self.message}")
        self._raise_error()


__all__ = ["MAX_EVENT_TEXT", "EventStatus", "ResponseEvent", "ServiceEvent"]
