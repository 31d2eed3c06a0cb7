"""Run a DAG when a service changes status: the event trigger behind an SPCS asset watcher.

:class:`SpcsServiceStateTrigger` is a ``BaseEventTrigger`` for ``AssetWatcher``. It runs in the
triggerer for as long as a DAG scheduled on its asset is active and unpaused, looks at the
services every ``poll_interval`` seconds and yields one :class:`ServiceStateEvent` per status
change that counts. Airflow turns each into an asset event (``extra["payload"]``) and queues a run
of every DAG scheduled on the asset; :func:`service_state_events` reads them back in a task.

How it stays exactly-once where it can:

* **Edge, not level.** A change fires; a status that stays does not (see
  :mod:`airflow_provider_spcs.core.service_watch`), so ``run()`` loops forever and never returns.
* **Where the last statuses live.** On Airflow 3.3+ in the asset's state store
  (``self.asset_state_store``, one key per watched selection): a trigger re-created after a
  triggerer restart compares its first look with the statuses stored before, so a change that
  happened while no triggerer ran fires once, after the restart. Before 3.3 there is no store: the
  first look after every start is a silent baseline, and a change during the restart is not seen.
* **The window after an event.** The event is stored with the statuses *before* it is yielded,
  and marked delivered a few seconds later (:data:`REDELIVERY_WINDOW`, after the triggerer has
  written it to the database). A restart inside that window yields it again, with the same
  ``event_key`` and ``redelivered`` set: never lost, at worst delivered twice with one key.
* **Shared reads.** Looks go through the per-schema ``SHOW SERVICES IN SCHEMA`` that status
  triggers share (:mod:`airflow_provider_spcs.core.listing`): watchers and waits on one schema and
  connection cost one statement per poll cycle. Airflow 3.3's shared-stream API
  (``shared_stream_key``) is not used: it would share a poll only among event triggers of 3.3, and
  a trigger that joins a running stream misses the events before it joined; the coalesced listing
  serves waits and watchers alike, on every supported Airflow.

Kwargs are plain, canonical and secret-free (Airflow identifies a watcher's trigger by them), and
the hook is built inside ``run()``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsError
from airflow_provider_spcs.core.identifiers import identifier_text
from airflow_provider_spcs.core.offload import import_in_thread
from airflow_provider_spcs.core.service_selection import ServiceWatch

if TYPE_CHECKING:
    from airflow_provider_spcs.core.service_watch import StatesLook, Transition
    from airflow_provider_spcs.hooks.spcs import SpcsHook

#: What ``run()`` needs beyond this module, imported in a worker thread by the first trigger of a
#: process. The triggerer imports this module and builds each trigger on its event loop, and a DAG
#: file builds one for its ``AssetWatcher``: both need only the selection rules imported above.
_RUNTIME = (
    "airflow_provider_spcs.hooks.spcs",
    "airflow_provider_spcs.core.listing",
    "airflow_provider_spcs.core.service_watch",
)

#: Seconds after an event is yielded until it counts as stored (the triggerer writes its events
#: to the database about once a second).
REDELIVERY_WINDOW = 5.0
#: Prefix of the asset state store key (the rest is a digest of what is watched).
STATE_KEY = "airflow_provider_spcs.service_states"
_STATE_VERSION = 1

__all__ = ["ServiceStateEvent", "SpcsServiceStateTrigger", "service_state_events"]


@dataclass(frozen=True)
class ServiceStateEvent:
    """One status change of one service: the payload of the asset event.

    :param service: the service name as Snowflake stores it.
    :param database: the database, as the watcher names it (or the connection's ``database``).
    :param schema: the schema, as the watcher names it (or the connection's ``schema``).
    :param previous_status: the status before; ``None`` when the service was not listed before.
    :param status: the status now; ``DELETED`` when the service is no longer listed.
    :param observed_at: when the watcher saw the change, ISO 8601 UTC (``...T12:00:00.123Z``).
    :param event_key: ``<database>.<schema>.<service>|<previous>-><status>|<observed_at>``: the same
        for a redelivered event, so a consumer can drop repeats.
    :param containers: per-container facts on a change to ``FAILED`` or ``INTERNAL_ERROR``
        (``instance_id``, ``container_name``, ``status``, ``message``, ``restart_count``,
        ``last_exit_code``; at most 10).
    :param redelivered: yielded again after a triggerer restart (it may have been delivered before).
    """

    kind: ClassVar[str] = "service_state"

    service: str
    database: str
    schema: str
    previous_status: str | None
    status: str
    observed_at: str
    event_key: str
    containers: list[dict[str, Any]] = field(default_factory=list)
    redelivered: bool = False

    @property
    def qualified_name(self) -> str:
        """``DATABASE.SCHEMA.SERVICE`` as SQL writes it."""
        return ".".join(p for p in (self.database, self.schema, identifier_text(self.service)) if p)

    @classmethod
    def of(cls, look: StatesLook, transition: Transition) -> ServiceStateEvent:
        """The event for a change that fired."""
        where = ".".join(p for p in (look.database, look.schema, identifier_text(transition.service)) if p)
        return cls(
            service=transition.service,
            database=look.database,
            schema=look.schema,
            previous_status=transition.previous,
            status=transition.status,
            observed_at=transition.observed_at,
            event_key=f"{where}|{transition.previous or 'NONE'}->{transition.status}|{transition.observed_at}",
            containers=list(transition.containers),
        )

    def to_payload(self) -> dict[str, Any]:
        """A small JSON dict (``kind`` says what it is)."""
        # Not dataclasses.asdict: it deep-copies, and a thousand watchers may fire in one cycle.
        return {"kind": self.kind, **{f.name: getattr(self, f.name) for f in fields(self)}}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ServiceStateEvent:
        """Rebuild an event from its payload.

        :raises SpcsError: not a service-state payload, or a field is missing.
        """
        if not isinstance(payload, Mapping) or payload.get("kind") != cls.kind:
            raise SpcsError(f"expected a {cls.kind} event payload, got {payload!r}")
        try:
            return cls(
                service=str(payload["service"]),
                database=str(payload.get("database") or ""),
                schema=str(payload.get("schema") or ""),
                previous_status=None if payload.get("previous_status") is None else str(payload["previous_status"]),
                status=str(payload["status"]),
                observed_at=str(payload["observed_at"]),
                event_key=str(payload["event_key"]),
                containers=[dict(c) for c in payload.get("containers") or []],
                redelivered=bool(payload.get("redelivered")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SpcsError(f"malformed {cls.kind} event payload ({type(exc).__name__}: {exc})") from None


def service_state_events(triggering_asset_events: Mapping[Any, Iterable[Any]] | None) -> list[ServiceStateEvent]:
    """The service-state events among a run's triggering asset events, oldest change first.

    Pass the task context's ``triggering_asset_events``. Events of other kinds (a manual asset
    event, another provider's watcher) are skipped; events with the same ``event_key`` (redelivered
    after a triggerer restart) are kept once.
    """
    found: dict[str, ServiceStateEvent] = {}
    for events in (triggering_asset_events or {}).values():
        for asset_event in events:
            extra = getattr(asset_event, "extra", None) or {}
            payload = extra.get("payload") if isinstance(extra, Mapping) else None
            if isinstance(payload, Mapping) and payload.get("kind") == ServiceStateEvent.kind:
                event = ServiceStateEvent.from_payload(payload)
                found.setdefault(event.event_key, event)
    return sorted(found.values(), key=lambda e: (e.observed_at, e.event_key))


@dataclass(frozen=True)
class _WatchState:
    """What the asset state store keeps: the last statuses, and events not yet known to be stored."""

    statuses: dict[str, str]
    unconfirmed: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"version": _STATE_VERSION, "statuses": self.statuses, "unconfirmed": self.unconfirmed}

    @classmethod
    def from_json(cls, value: Any) -> _WatchState | None:
        """``None`` for nothing stored, or a value this version cannot read (a fresh baseline then)."""
        if not isinstance(value, Mapping) or value.get("version") != _STATE_VERSION:
            return None
        statuses, unconfirmed = value.get("statuses"), value.get("unconfirmed") or []
        if not isinstance(statuses, Mapping) or not isinstance(unconfirmed, list):
            return None
        return cls(
            {str(k): str(v) for k, v in statuses.items()}, [dict(p) for p in unconfirmed if isinstance(p, Mapping)]
        )


class _StateStore:
    """The trigger's key in the asset state store (Airflow 3.3+), or nothing before 3.3.

    Reading and writing are best effort: a failure is logged and the trigger goes on with what it
    holds in memory, as it would on an Airflow without a store.
    """

    def __init__(self, trigger: SpcsServiceStateTrigger) -> None:
        self._accessor = getattr(trigger, "asset_state_store", None)
        self._key = trigger.state_key
        self._log = trigger.log
        self._where = trigger.description

    @property
    def present(self) -> bool:
        return self._accessor is not None

    def _give_up(self, exc: ValueError) -> None:
        # AssetStateStoreAccessors refuses the unsubscripted form when the trigger serves several
        # assets (two watchers with identical arguments are one trigger); it cannot say which.
        self._accessor = None
        self._log.warning(
            "Watching %s: the asset state store cannot be used (%s); each start of this trigger begins "
            "with a silent baseline. Give each asset's watcher distinct arguments to keep state.",
            self._where,
            exc,
        )

    async def load(self) -> _WatchState | None:
        if self._accessor is None:
            return None
        try:
            value = await self._accessor.aget(self._key)
        except ValueError as exc:
            self._give_up(exc)
            return None
        except Exception as exc:  # the store is an optimisation: never let it stop the watch
            self._log.warning("Watching %s: could not read the asset state store: %s", self._where, exc)
            return None
        return _WatchState.from_json(value)

    async def save(self, state: _WatchState) -> None:
        if self._accessor is None:
            return
        try:
            await self._accessor.aset(self._key, state.to_json())
        except ValueError as exc:
            self._give_up(exc)
        except Exception as exc:
            self._log.warning("Watching %s: could not write the asset state store: %s", self._where, exc)


def _new_hook(conn_id: str) -> SpcsHook:
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    return SpcsHook(spcs_conn_id=conn_id)


class SpcsServiceStateTrigger(BaseEventTrigger):
    """Fire an asset event each time a watched service arrives in one of ``statuses``.

    For ``Asset(..., watchers=[AssetWatcher(name=..., trigger=SpcsServiceStateTrigger(...))])``.
    Services are named (``services``) or matched (``service_pattern``) in one schema. Edge-triggered:
    one event per change, never one per look while a service stays ``FAILED``; a service already in
    a watched status when the watch starts does not fire. See the module docstring for restarts.

    :param spcs_conn_id: Airflow connection id (``snowflake_spcs`` or ``snowflake`` type).
    :param services: service names in the schema (bare, or ``"quoted"`` to keep their case).
    :param service_pattern: instead of ``services``: a ``LIKE`` pattern over service names (``%``
        any run, ``_`` one character, ``\\`` escapes; any case), e.g. ``ETL_%``. Services created
        later are watched too.
    :param database: the services' database; default: the connection's ``database``.
    :param schema: the services' schema; default: the connection's ``schema``.
    :param statuses: a change *to* one of these fires (default ``FAILED``). ``DELETED`` fires when a
        service is no longer listed (dropped).
    :param from_statuses: if given, only a change *from* one of these fires (``["RUNNING"]``: a
        running service that failed, not one that failed while starting).
    :param poll_interval: seconds between looks (a fixed rate; the first look waits a fraction of
        a second, fixed per trigger, so watchers started together do not all wake at once).
    """

    def __init__(
        self,
        *,
        spcs_conn_id: str = "snowflake_spcs_default",
        services: Sequence[str] = (),
        service_pattern: str | None = None,
        database: str | None = None,
        schema: str | None = None,
        statuses: Sequence[str] = ("FAILED",),
        from_statuses: Sequence[str] = (),
        poll_interval: float = 30.0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.watch = ServiceWatch.of(
            database=database,
            schema=schema,
            services=services,
            service_pattern=service_pattern,
            statuses=statuses,
            from_statuses=from_statuses,
        )
        if isinstance(poll_interval, bool) or not float(poll_interval) > 0:
            raise SpcsConfigError("poll_interval", f"expected a positive number of seconds, got {poll_interval!r}")
        self.spcs_conn_id = spcs_conn_id
        self.poll_interval = float(poll_interval)

    def _kwargs(self) -> dict[str, Any]:
        w = self.watch
        return {
            "spcs_conn_id": self.spcs_conn_id,
            "database": identifier_text(w.database) if w.database else None,
            "schema": identifier_text(w.schema) if w.schema else None,
            "services": sorted(identifier_text(s) for s in w.services),
            "service_pattern": w.pattern,
            "statuses": sorted(w.statuses),
            "from_statuses": sorted(w.from_statuses),
            "poll_interval": self.poll_interval,
        }

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and canonical plain-value kwargs (spelling variants of one watch are one trigger)."""
        return f"{type(self).__module__}.{type(self).__qualname__}", self._kwargs()

    @property
    def state_key(self) -> str:
        """The asset state store key: one per connection and selection, whatever fires or how often it looks."""
        kwargs = self._kwargs()
        selection = {k: kwargs[k] for k in ("spcs_conn_id", "database", "schema", "services", "service_pattern")}
        digest = hashlib.sha256(json.dumps(selection, sort_keys=True).encode()).hexdigest()[:16]
        return f"{STATE_KEY}:{digest}"

    @property
    def first_look_offset(self) -> float:
        """Seconds the first look waits: a fixed fraction, per trigger, of half the listing's freshness.

        Watchers created together (a triggerer start) would otherwise all wake in the same loop
        iteration every cycle; spread over a window shorter than a shared listing stays fresh, they
        still share it (one statement per cycle) but wake a few at a time.
        """
        from airflow_provider_spcs.core.listing import FRESH_FOR

        window = min(FRESH_FOR, self.poll_interval / 2) / 2
        kwargs = json.dumps(self._kwargs(), sort_keys=True).encode()
        fraction = int(hashlib.sha256(kwargs).hexdigest()[:8], 16) / 0xFFFFFFFF
        return window * fraction

    @property
    def description(self) -> str:
        """What is watched, for log lines."""
        w = self.watch
        what = (
            f"services like {w.pattern!r}" if w.pattern else ", ".join(sorted(identifier_text(s) for s in w.services))
        )
        where = ".".join(identifier_text(p) for p in (w.database, w.schema) if p) or "the connection's schema"
        return f"{what} in {where}"

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Look every ``poll_interval`` seconds, forever; yield one event per change that fires."""
        await import_in_thread(_RUNTIME)
        hook = _new_hook(self.spcs_conn_id)
        store = _StateStore(self)
        try:
            stored = await store.load()
            previous = stored.statuses if stored is not None else None
            if stored is None:
                self.log.info(
                    "Watching %s: the first look is a baseline%s",
                    self.description,
                    "" if store.present else " (no asset state store before Airflow 3.3)",
                )
            unconfirmed = stored.unconfirmed if stored is not None else []
            for payload in unconfirmed:
                self.log.info("Watching %s: delivering again %s", self.description, payload.get("event_key"))
                yield TriggerEvent({**payload, "redelivered": True})  # type: ignore[no-untyped-call]
            if unconfirmed and previous is not None:
                await asyncio.sleep(min(REDELIVERY_WINDOW, self.poll_interval))
                await store.save(_WatchState(previous))
            async for event in self._watch(hook, store, previous):
                yield event
        finally:
            await hook.aclose()

    async def _watch(
        self, hook: SpcsHook, store: _StateStore, previous: dict[str, str] | None
    ) -> AsyncIterator[TriggerEvent]:
        failing: str | None = None
        reported_missing: set[str] = set()
        loop = asyncio.get_running_loop()
        next_look = loop.time() + self.first_look_offset
        while True:
            await asyncio.sleep(max(0.0, next_look - loop.time()))
            # Fixed rate, not fixed delay: each look keeps this trigger's phase however long the last
            # one took (or waited for another trigger's read), so watchers started together stay
            # spread over their offsets instead of waking as one herd after every shared read.
            late = loop.time() - next_look
            next_look += self.poll_interval * max(1, math.ceil(late / self.poll_interval))
            try:
                look = await hook.aobserve_service_states(self.watch, previous, poll_interval=self.poll_interval)
            except SpcsError as exc:
                if str(exc) != failing:  # once per distinct problem, not once per look
                    self.log.warning("Watching %s: the look failed, trying again: %s", self.description, exc)
                failing = str(exc)
                continue
            if failing is not None:
                self.log.info("Watching %s: looking works again", self.description)
                failing = None
            for name in set(look.missing) - reported_missing:
                self.log.info("Watching %s: %s is not listed (yet)", self.description, identifier_text(name))
            reported_missing = set(look.missing)
            for t in look.transitions:
                if not t.fires:
                    self.log.debug(
                        "Service %s: %s -> %s (not watched)", identifier_text(t.service), t.previous, t.status
                    )
            payloads = [ServiceStateEvent.of(look, t).to_payload() for t in look.fired]
            if previous is None or look.transitions:
                await store.save(_WatchState(look.statuses, payloads))
            previous = look.statuses
            for payload in payloads:
                self.log.info("Watching %s: firing %s", self.description, payload["event_key"])
                yield TriggerEvent(payload)  # type: ignore[no-untyped-call]
            if payloads:
                await asyncio.sleep(min(REDELIVERY_WINDOW, self.poll_interval))
                await store.save(_WatchState(previous))
