"""Typed trigger events: what crosses the triggerer → worker boundary, and back into errors.

Events are stored in the metadata database, so they stay small JSON dicts: a typed ``status``, the
facts a failure message needs, nothing else. ``kind`` says which dataclass to rebuild. A missing or
malformed event is an error, never a silent success.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

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


@dataclass(frozen=True)
class ServiceEvent:
    """The end of a wait on a service or job service.

    :param status: how the wait ended.
    :param service: the service name as given.
    :param service_status: the last status seen (``None`` if none was read).
    :param message: why it ended, for logs and error messages.
    :param containers: per-container facts on failure (see ``core.services.container_details``).
    :param error_type: class name of the error, for ``status == error``.
    """

    status: EventStatus
    service: str
    service_status: str | None = None
    message: str = ""
    containers: list[dict[str, Any]] = field(default_factory=list)
    error_type: str | None = None
    kind: str = "service"

    @classmethod
    def from_observation(cls, service: str, observation: Observation) -> ServiceEvent:
        """The event for a final observation."""
        decision = observation.decision
        return cls(
            status=_FROM_OUTCOME[decision.outcome],
            service=service,
            service_status=decision.status,
            message=decision.reason,
            containers=observation.containers,
        )

    @classmethod
    def from_error(cls, service: str, error: Exception) -> ServiceEvent:
        """The event for an error raised while polling (messages carry no secrets by contract)."""
        return cls(EventStatus.ERROR, service, message=str(error), error_type=type(error).__name__)

    def to_payload(self) -> dict[str, Any]:
        """A JSON-serialisable dict for ``TriggerEvent``."""
        payload = asdict(self)
        payload["status"] = self.status.value
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any] | None) -> ServiceEvent:
        """Rebuild the event on the worker; raises :class:`SpcsError` for anything unexpected."""
        data = _check(payload, "service")
        return cls(
            status=EventStatus(data["status"]),
            service=str(data["service"]),
            service_status=data.get("service_status"),
            message=str(data.get("message") or ""),
            containers=list(data.get("containers") or []),
            error_type=data.get("error_type"),
        )

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
        _raise_error(self.error_type, self.message)


@dataclass(frozen=True)
class ResponseEvent:
    """The result of an endpoint request made in the triggerer.

    :param status: ``success`` when a response arrived (any HTTP status the hook accepted).
    :param url: the URL requested.
    :param status_code: HTTP status of the response.
    :param text: response body as text.
    :param content_type: the response's ``Content-Type``, so ``.json()`` works after rebuilding.
    :param message: error or timeout description.
    :param error_type: class name of the error, for ``status == error``.
    :param carry: the trigger's ``carry`` kwarg, handed back to the operator.
    """

    status: EventStatus
    url: str
    status_code: int | None = None
    text: str = ""
    content_type: str | None = None
    message: str = ""
    error_type: str | None = None
    carry: dict[str, Any] = field(default_factory=dict)
    kind: str = "response"

    def to_payload(self) -> dict[str, Any]:
        """A JSON-serialisable dict for ``TriggerEvent``."""
        payload = asdict(self)
        payload["status"] = self.status.value
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any] | None) -> ResponseEvent:
        """Rebuild the event on the worker; raises :class:`SpcsError` for anything unexpected."""
        data = _check(payload, "response")
        return cls(
            status=EventStatus(data["status"]),
            url=str(data["url"]),
            status_code=data.get("status_code"),
            text=str(data.get("text") or ""),
            content_type=data.get("content_type"),
            message=str(data.get("message") or ""),
            error_type=data.get("error_type"),
            carry=dict(data.get("carry") or {}),
        )

    def raise_for_status(self) -> None:
        """Return when a response arrived; otherwise raise."""
        if self.status is EventStatus.SUCCESS:
            return
        if self.status is EventStatus.TIMEOUT:
            raise SpcsTimeoutError(f"Request to {self.url}: {self.message}")
        _raise_error(self.error_type, self.message)


def _check(payload: Mapping[str, Any] | None, kind: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping) or payload.get("kind") != kind:
        raise SpcsError(f"expected a {kind} event from the trigger, got {payload!r}")
    try:
        EventStatus(str(payload.get("status")))
    except ValueError:
        raise SpcsError(f"unknown event status {payload.get('status')!r}") from None
    return payload


def _raise_error(error_type: str | None, message: str) -> NoReturn:
    from airflow_provider_spcs.core import errors

    cls = getattr(errors, error_type or "", None)
    if isinstance(cls, type) and issubclass(cls, SpcsError):
        try:
            raise cls(message)
        except TypeError:  # error classes with required keyword arguments
            pass
    raise SpcsError(f"{error_type or 'Error'} in the trigger: {message}")


__all__ = ["MAX_EVENT_TEXT", "EventStatus", "ResponseEvent", "ServiceEvent"]
