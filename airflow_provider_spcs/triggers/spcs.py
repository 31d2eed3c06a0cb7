"""Deferrable triggers: wait on a service or job, or make one endpoint request, in the triggerer.

Rules every trigger here follows:

* ``serialize()`` returns plain values only: the connection id, names, statuses, request parts and an
  absolute ``deadline`` (epoch seconds), so a triggerer restart neither resets the clock nor ever
  writes a token, key or password to the metadata database.
* The hook (and with it every credential) is rebuilt inside ``run()``; all I/O is awaited and
  every blocking or CPU-heavy step (imports, reading the connection, key parsing, registering
  secrets with the masker, the TLS context) runs in a worker thread
  (:mod:`airflow_provider_spcs.core.offload`), so the event loop never blocks. Airflow imports
  this module and builds the triggers on the loop: the module itself imports only what the
  classes need. Triggers in one triggerer share the hook layer's process-wide token cache, so a
  hundred of them cost one token exchange, not a hundred.
* The status decision is :func:`airflow_provider_spcs.core.services.observe_service`, the same
  steps the sensor and the operators run on the worker, repeated by the same
  :func:`~airflow_provider_spcs.core.polling.poll_until_final`. Status triggers on services of one schema share one
  ``SHOW SERVICES IN SCHEMA`` per poll cycle (:mod:`airflow_provider_spcs.core.listing`): ``db.schema.name`` names, and
  ``name``/``schema.name`` when the connection sets the ``database``/``schema`` they resolve in.
* Each trigger yields exactly one small event (:mod:`airflow_provider_spcs.triggers.events`), except
  :class:`~airflow_provider_spcs.triggers.service_state.SpcsServiceStateTrigger`, the asset
  watcher's trigger, which runs forever and yields one event per status change.

The deploy operators' triggers (rollouts, scaling, compute pools) live in
:mod:`airflow_provider_spcs.triggers.deploy` and are importable from here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_spcs.core.offload import import_in_thread
from airflow_provider_spcs.core.statuses import JOB_SUCCESS_STATUSES, parse_statuses
from airflow_provider_spcs.triggers.deploy import (
    SpcsComputePoolTrigger,
    SpcsServiceScaleTrigger,
    SpcsServiceUpgradeTrigger,
)
from airflow_provider_spcs.triggers.service_state import (
    ServiceStateEvent,
    SpcsServiceStateTrigger,
    service_state_events,
)

if TYPE_CHECKING:
    import httpx

    from airflow_provider_spcs.core.errors import SpcsError
    from airflow_provider_spcs.core.services import Observation
    from airflow_provider_spcs.hooks.spcs import SpcsHook
    from airflow_provider_spcs.triggers.events import ResponseEvent, ServiceEvent

EventT = TypeVar("EventT", "ServiceEvent", "ResponseEvent")

#: What ``run()`` needs beyond this module, imported in a worker thread by the first trigger of a
#: process: Airflow imports this module and builds each trigger on the event loop, so the module
#: imports only what the classes need, and the hook layer behind it loads the rest the same way.
_RUNTIME = ("airflow_provider_spcs.hooks.spcs", "airflow_provider_spcs.triggers.events")

#: How long ``on_kill`` cleanup may take before we give up (the triggerer also bounds it).
CLEANUP_TIMEOUT = 20.0

__all__ = [
    "ServiceStateEvent",
    "SpcsComputePoolTrigger",
    "SpcsEndpointTrigger",
    "SpcsJobTrigger",
    "SpcsServiceScaleTrigger",
    "SpcsServiceStateTrigger",
    "SpcsServiceStatusTrigger",
    "SpcsServiceUpgradeTrigger",
    "service_state_events",
]


def _new_hook(conn_id: str, retry_policy: dict[str, Any] | None = None) -> SpcsHook:
    from airflow_provider_spcs.core.retry import RetryPolicy
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    return SpcsHook(spcs_conn_id=conn_id, retry_policy=RetryPolicy.from_dict(retry_policy) if retry_policy else None)


async def _with_hook(
    conn_id: str,
    retry_policy: dict[str, Any] | None,
    work: Callable[[SpcsHook], Awaitable[EventT]],
    failed: Callable[[SpcsError], EventT],
) -> EventT:
    """``work`` with a hook built here and closed after; an error becomes ``failed(error)``'s event."""
    await import_in_thread(_RUNTIME)
    from airflow_provider_spcs.core.errors import SpcsError

    hook = _new_hook(conn_id, retry_policy)
    try:
        return await work(hook)
    except SpcsError as exc:
        return failed(exc)
    finally:
        await hook.aclose()


class SpcsServiceStatusTrigger(BaseTrigger):
    """Poll the service's status until it reaches a target status, fails, or the deadline passes.

    Triggers on services of one schema share one ``SHOW SERVICES IN SCHEMA`` per poll cycle; a
    service whose schema depends on the user's default namespace (the connection sets no
    ``database``/``schema``) is polled with its own ``DESCRIBE SERVICE`` (see :mod:`airflow_provider_spcs.core.listing`).

    :param spcs_conn_id: Airflow connection id (``snowflake_spcs`` type).
    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param target_statuses: statuses that end the wait successfully.
    :param deadline: absolute deadline, epoch seconds; ``None`` waits without limit.
    :param poll_interval: seconds between polls.
    :param also_wait: statuses to keep waiting through (e.g. ``SUSPENDED`` right after a resume).
    :param wait_for_endpoints: also wait until public endpoints have an ingress URL: ``True`` for
        all of them, or a list of endpoint names.
    :param retry_policy: the hook's retry policy as plain values (``RetryPolicy.to_dict()``).
    """

    def __init__(
        self,
        *,
        spcs_conn_id: str,
        service: str,
        target_statuses: Sequence[str] = ("RUNNING",),
        deadline: float | None = None,
        poll_interval: float = 30.0,
        also_wait: Sequence[str] = (),
        wait_for_endpoints: bool | Sequence[str] = False,
        retry_policy: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.spcs_conn_id = spcs_conn_id
        self.service = service
        self.target_statuses = sorted(parse_statuses(target_statuses, field="target_statuses"))
        self.deadline = None if deadline is None else float(deadline)
        self.poll_interval = float(poll_interval)
        self.also_wait = sorted(parse_statuses(also_wait, field="also_wait")) if also_wait else []
        self.wait_for_endpoints: bool | list[str] = (
            wait_for_endpoints if isinstance(wait_for_endpoints, bool) else list(wait_for_endpoints)
        )
        self.retry_policy = dict(retry_policy) if retry_policy else None

    def _kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "spcs_conn_id": self.spcs_conn_id,
            "service": self.service,
            "target_statuses": [s.value for s in self.target_statuses],
            "deadline": self.deadline,
            "poll_interval": self.poll_interval,
            "also_wait": [s.value for s in self.also_wait],
            "wait_for_endpoints": self.wait_for_endpoints,
        }
        if self.retry_policy:
            kwargs["retry_policy"] = self.retry_policy
        return kwargs

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and plain-value kwargs (no credentials, ever)."""
        return f"{type(self).__module__}.{type(self).__qualname__}", self._kwargs()

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until final; yield one :class:`ServiceEvent` payload."""
        event = await _with_hook(self.spcs_conn_id, self.retry_policy, self._wait, self._failed)
        self.log.info("Service %s: %s (%s)", self.service, event.status.value, event.message)
        yield TriggerEvent(event.to_payload())  # type: ignore[no-untyped-call]

    def _failed(self, error: SpcsError) -> ServiceEvent:
        from airflow_provider_spcs.triggers.events import ServiceEvent

        return ServiceEvent.from_error(self.service, error)

    async def _wait(self, hook: SpcsHook) -> ServiceEvent:
        from airflow_provider_spcs.core.services import ServiceWait
        from airflow_provider_spcs.triggers.events import ServiceEvent

        wait = ServiceWait.of(
            self.service,
            self.target_statuses,
            deadline=self.deadline,
            also_wait=self.also_wait,
            wait_for_endpoints=self.wait_for_endpoints,
        )

        def waiting(observation: Observation, pause: float) -> None:
            self.log.debug("Service %s: %s", self.service, observation.decision.reason)

        observation = await hook.apoll_service(
            wait, poll_interval=self.poll_interval, on_wait=waiting, share_listing=True
        )
        return ServiceEvent.from_observation(self.service, observation)


class SpcsJobTrigger(SpcsServiceStatusTrigger):
    """Wait for a job service to end (``DONE`` or a failure); drop the job if the task is killed.

    :param spcs_conn_id: Airflow connection id (``snowflake_spcs`` type).
    :param service: the job service's name.
    :param deadline: absolute deadline, epoch seconds; ``None`` waits without limit.
    :param poll_interval: seconds between polls.
    :param drop_on_kill: drop the job service when a user kills the deferred task (Airflow 3.3+
        calls ``on_kill`` on triggers; triggerer restarts and timeouts do not).
    :param legacy: ``target_statuses``, ``also_wait`` and ``wait_for_endpoints``, which triggers
        stored by earlier versions carry (always ``DONE``, nothing, ``False``); accepted and ignored.
    """

    _LEGACY = frozenset({"target_statuses", "also_wait", "wait_for_endpoints"})

    def __init__(
        self,
        *,
        spcs_conn_id: str,
        service: str,
        deadline: float | None = None,
        poll_interval: float = 10.0,
        drop_on_kill: bool = True,
        **legacy: Any,
    ) -> None:
        unknown = set(legacy) - self._LEGACY
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        super().__init__(
            spcs_conn_id=spcs_conn_id,
            service=service,
            target_statuses=[s.value for s in JOB_SUCCESS_STATUSES],
            deadline=deadline,
            poll_interval=poll_interval,
        )
        self.drop_on_kill = bool(drop_on_kill)

    def _kwargs(self) -> dict[str, Any]:
        return {
            "spcs_conn_id": self.spcs_conn_id,
            "service": self.service,
            "deadline": self.deadline,
            "poll_interval": self.poll_interval,
            "drop_on_kill": self.drop_on_kill,
        }

    async def on_kill(self) -> None:
        """Drop the job service we started: the user no longer wants it running."""
        if not self.drop_on_kill:
            return
        await import_in_thread(_RUNTIME)
        from airflow_provider_spcs.core import statements
        from airflow_provider_spcs.core.errors import SpcsError

        hook = _new_hook(self.spcs_conn_id)
        try:
            await asyncio.wait_for(hook.arun_sql(statements.drop_service(self.service)), CLEANUP_TIMEOUT)
            self.log.info("Dropped job service %s after the task was killed", self.service)
        except (SpcsError, TimeoutError) as exc:
            self.log.warning("Could not drop job service %s: %s", self.service, exc)
        finally:
            await hook.aclose()


class _ResponseTriggerEvent(TriggerEvent):
    """The endpoint trigger's event. The triggerer logs each event's repr ("Trigger fired event"),
    so it names the body's size, not the body; the task still receives the whole payload."""

    def __repr__(self) -> str:
        shown = dict(self.payload)
        shown["text"] = f"<{len(shown.get('text') or '')} characters>"
        shown["carry"] = sorted(shown.get("carry") or {})
        return f"TriggerEvent<{shown!r}>"

    __str__ = __repr__


class SpcsEndpointTrigger(BaseTrigger):
    """Make one request to a service endpoint from the triggerer and return the response.

    Only worth it for long requests. The triggerer may run a trigger again after a restart, so the
    request should be idempotent (the operator warns otherwise).

    :param spcs_conn_id: Airflow connection id.
    :param method: HTTP method.
    :param url: full URL on the ingress host.
    :param request_kwargs: plain-value request parts (``params``, ``headers``, ``data``, ``json``,
        ``timeout`` and extra httpx options). Credentials are added by the hook inside ``run()``.
    :param deadline: absolute deadline, epoch seconds, for the whole request.
    :param carry: plain JSON the operator needs back (a cursor: its request and the page's number,
        never the pages themselves), returned untouched in the event: ``dag.test()`` does not hand
        ``defer(kwargs=...)`` back.
    :param retry_policy: the hook's retry policy as plain values (``RetryPolicy.to_dict()``).
    :param resolve_endpoint: ``[service, endpoint]`` whose ingress URL the operator looked up: looked
        up again here first, so its host may receive credentials in the triggerer's process too.
    """

    def __init__(
        self,
        *,
        spcs_conn_id: str,
        method: str,
        url: str,
        request_kwargs: dict[str, Any] | None = None,
        deadline: float | None = None,
        carry: dict[str, Any] | None = None,
        retry_policy: dict[str, Any] | None = None,
        resolve_endpoint: Sequence[str] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.spcs_conn_id = spcs_conn_id
        self.carry = dict(carry or {})
        self.method = method.upper()
        self.url = url
        self.request_kwargs = dict(request_kwargs or {})
        self.deadline = None if deadline is None else float(deadline)
        self.retry_policy = dict(retry_policy) if retry_policy else None
        self.resolve_endpoint = [str(part) for part in resolve_endpoint] if resolve_endpoint else None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and plain-value kwargs (no credentials, ever)."""
        kwargs: dict[str, Any] = {
            "spcs_conn_id": self.spcs_conn_id,
            "method": self.method,
            "url": self.url,
            "request_kwargs": self.request_kwargs,
            "deadline": self.deadline,
            "carry": self.carry,
        }
        if self.retry_policy:
            kwargs["retry_policy"] = self.retry_policy
        if self.resolve_endpoint:
            kwargs["resolve_endpoint"] = self.resolve_endpoint
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Send the request; yield one :class:`ResponseEvent` payload."""
        event = await _with_hook(self.spcs_conn_id, self.retry_policy, self._send, self._failed)
        event = dataclasses.replace(event, carry=self.carry)
        yield _ResponseTriggerEvent(payload=event.to_payload())

    def _failed(self, error: SpcsError) -> ResponseEvent:
        from airflow_provider_spcs.triggers.events import ResponseEvent

        return ResponseEvent.from_error(self.url, error)

    async def _request(self, hook: SpcsHook) -> httpx.Response:
        if self.resolve_endpoint:
            service, endpoint = self.resolve_endpoint
            await hook.aget_ingress_url(service, endpoint)  # remembers the host in this process
        return await hook.arequest(self.method, self.url, **self.request_kwargs)

    async def _send(self, hook: SpcsHook) -> ResponseEvent:
        from airflow_provider_spcs.core.errors import SpcsError
        from airflow_provider_spcs.triggers.events import MAX_EVENT_TEXT, EventStatus, ResponseEvent

        remaining = None if self.deadline is None else self.deadline - time.time()
        if remaining is not None and remaining <= 0:
            return ResponseEvent(EventStatus.TIMEOUT, self.url, message="deadline passed before the request")
        try:
            response = await asyncio.wait_for(self._request(hook), remaining)
        except TimeoutError:
            return ResponseEvent(EventStatus.TIMEOUT, self.url, message="no response before the deadline")
        if len(response.content) > MAX_EVENT_TEXT:
            too_large = SpcsError(
                f"response of {len(response.content)} bytes is too large for deferrable mode "
                f"(limit {MAX_EVENT_TEXT}); run the task with deferrable=False"
            )
            return ResponseEvent.from_error(self.url, too_large, status_code=response.status_code)
        return ResponseEvent(
            EventStatus.SUCCESS,
            self.url,
            status_code=response.status_code,
            text=response.text,
            content_type=response.headers.get("content-type"),
        )
