"""A long-running service's instances: each one's lifecycle, and the fleet that scales and upgrades them.

Instance statuses (reference 7.4/7.5): ``PENDING`` -> ``READY`` when it starts, or ``FAILED`` when a
container fails to start (a broken image, ``EMULATOR_FAIL_START``); ``TERMINATING`` when it stops.
Every step takes the service's instance pace (:mod:`.pacing`).

:class:`InstanceFleet` keeps ``target`` instances, ids ``"0"``, ``"1"``, ... (the lowest free id
first): scaling up starts new instances PENDING -> READY, scaling down stops the highest ids
(TERMINATING, then gone). An upgrade (:meth:`InstanceFleet.deploy` with ``rolling=True``) restarts
instances one at a time in **descending id order**, each TERMINATING -> PENDING -> READY on the new
revision, so each instance's ``spec_digest`` lags until its own restart. The fleet is
``upgrading`` until every instance runs the new revision; an upgraded instance that fails halts the
rollout there (``upgrading`` stays true) until the next deploy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from airflow_provider_spcs.testing.model.clock import Clock, iso_utc
from airflow_provider_spcs.testing.model.container_images import StartFailure
from airflow_provider_spcs.testing.model.deployments import Revision
from airflow_provider_spcs.testing.model.pacing import Pace
from airflow_provider_spcs.testing.model.poll_machine import PollDriven
from airflow_provider_spcs.testing.model.spec_yaml import SpecContainer

StartCheck = Callable[[SpecContainer], StartFailure | None]
"""Why a container of a starting instance fails, if it does."""

StartLog = Callable[[str, str, str], None]
"""Records a log line: ``(instance_id, container, line)``."""

# Enough steps for any rollout or scaling of a test-sized fleet in one look.
_MAX_STEPS = 256


class ServiceInstance(PollDriven):
    """One instance of a service. The fleet creates and drives instances."""

    KIND = "service instance"
    STATUSES = frozenset({"PENDING", "READY", "FAILED", "TERMINATING", "GONE"})

    def __init__(
        self, clock: Clock, lock: threading.RLock, instance_id: int, revision: Revision, check: StartCheck
    ) -> None:
        super().__init__(clock, lock)
        self.instance_id = instance_id
        self.revision = revision
        self._check = check
        self.creation_time = clock()
        self.start_time: float | None = None
        self.failures: dict[str, StartFailure] = {}
        self.leaving = False
        self._restart_into: Revision | None = None
        self._pace = Pace()
        self.seen = False
        """Whether a look has observed the current status and is yet to be counted."""

    @property
    def spec_digest(self) -> str:
        """The digest of the revision this instance runs (lags during an upgrade)."""
        return self.revision.digest

    def start(self, pace: Pace) -> None:
        """PENDING for ``pace``, then READY (or FAILED)."""
        self._enter_paced("PENDING", "READY", pace)

    def start_now(self) -> None:
        """READY (or FAILED) at once: the instances of a service that has just become RUNNING."""
        self._enter("PENDING")
        self._transition("READY")

    def restart(self, revision: Revision, pace: Pace) -> None:
        """Upgrade: TERMINATING, then PENDING on ``revision``, then READY, one ``pace`` each."""
        self._restart_into = revision
        self._pace = pace
        self._enter_paced("TERMINATING", "PENDING", pace)

    def leave(self, pace: Pace) -> None:
        """Scale down: TERMINATING for ``pace``, then gone."""
        self.leaving = True
        self._enter_paced("TERMINATING", "GONE", pace)

    def hold_terminating(self) -> None:
        """TERMINATING until the owner decides (a service being suspended)."""
        self._enter("TERMINATING")

    def fail(self, failure: StartFailure) -> None:
        """Every container FAILED with ``failure`` (scripted)."""
        self.failures = {c.name: failure for c in self.revision.containers}
        self._enter("FAILED")

    @property
    def in_transition(self) -> bool:
        """Whether the instance is starting or stopping (PENDING or TERMINATING)."""
        return self._status in {"PENDING", "TERMINATING"}

    def _on_enter(self, status: str, now: float) -> None:
        self.seen = False

    def _transition(self, status: str) -> None:
        if status == "PENDING" and self._restart_into is not None:
            self.revision, self._restart_into = self._restart_into, None
            self.failures = {}
            self.creation_time = self._clock()
            self.start(self._pace)
        elif status == "READY":
            self.failures = {}
            for container in self.revision.containers:
                failure = self._check(container)
                if failure is not None:
                    self.failures[container.name] = failure
            self.start_time = self._clock()
            self._enter("FAILED" if self.failures else "READY")
        else:
            self._enter(status)

    def __repr__(self) -> str:
        return f"ServiceInstance({self.instance_id}, status={self._status!r}, digest={self.spec_digest[:12]!r})"


class InstanceFleet:
    """The instances of one service and how they follow its target count and revision.

    ``active`` is set by the service: only an up service (RUNNING or FAILED) scales and upgrades.
    """

    def __init__(
        self,
        clock: Clock,
        lock: threading.RLock,
        revision: Revision,
        *,
        target: int,
        pace: Callable[[], Pace],
        check: StartCheck,
        log: StartLog,
    ) -> None:
        self._clock = clock
        self._lock = lock
        self.revision = revision
        self.target = target
        self._pace = pace
        self._check = check
        self._log = log
        self.instances: dict[int, ServiceInstance] = {}
        self.upgrading = False
        self.active = False
        self._logged: set[tuple[int, float]] = set()

    # -- what the service does to its fleet ----------------------------------------------------

    def start_all(self) -> None:
        """``target`` instances, READY (or FAILED) at once: the service has just started."""
        self.instances = {}
        self.upgrading = False
        for instance_id in range(self.target):
            self._new(instance_id).start_now()
        self._log_starts()

    def clear(self) -> None:
        """No instances (the service is pending, suspended or gone)."""
        self.instances = {}
        self.upgrading = False

    def hold_terminating(self) -> None:
        """Every instance TERMINATING until cleared (the service is being suspended)."""
        self.upgrading = False
        for instance in self.instances.values():
            instance.hold_terminating()

    def fail_all(self, failure: StartFailure) -> None:
        """Every instance FAILED with ``failure`` (scripted)."""
        for instance in self.instances.values():
            instance.fail(failure)

    def deploy(self, revision: Revision, *, rolling: bool) -> None:
        """Run ``revision`` from now on; ``rolling`` restarts the running instances one by one."""
        self.revision = revision
        self.upgrading = rolling and bool(self.instances)

    # -- reading ------------------------------------------------------------------------------

    def ordered(self) -> list[ServiceInstance]:
        """The instances, by id."""
        return [self.instances[i] for i in sorted(self.instances)]

    def any_failed(self) -> bool:
        """Whether some instance is FAILED."""
        return any(i.status == "FAILED" for i in self.instances.values())

    def ready(self) -> list[ServiceInstance]:
        """READY instances, by id."""
        return [i for i in self.ordered() if i.status == "READY"]

    def serving(self) -> ServiceInstance | None:
        """The instance that answers ingress requests: the READY one with the lowest id."""
        ready = self.ready()
        return ready[0] if ready else None

    # -- advancing ----------------------------------------------------------------------------

    def advance(self) -> None:
        """Apply due transitions, then scale and roll out until nothing more is due now."""
        for _ in range(_MAX_STEPS):
            for instance in list(self.instances.values()):
                if instance.status == "GONE":
                    del self.instances[instance.instance_id]
            self._log_starts()
            if not self.active or not self._step():
                return

    def count_seen(self) -> None:
        """Count the previous look at every instance it observed (still in the status it saw).

        Counting happens when the *next* look starts, so that reads between looks (and after a
        look, in the same statement) never apply a step that polls made due.
        """
        for instance in self.instances.values():
            if instance.seen:
                instance.count_poll()
                instance.seen = False

    def mark_seen(self) -> None:
        """Remember that a look observed every instance as it is now."""
        for instance in self.instances.values():
            instance.seen = True

    def _step(self) -> bool:
        """Start the next scaling or upgrade step, if one is due; whether anything changed."""
        pace = self._pace()
        live = [i for i in self.ordered() if not i.leaving]
        if len(live) > self.target:
            for instance in live[self.target :]:
                instance.leave(pace)
            return True
        if len(live) < self.target:
            free = (i for i in range(len(self.instances) + self.target) if i not in self.instances)
            for _ in range(self.target - len(live)):
                self._new(next(free)).start(pace)
            return True
        if not self.upgrading or any(i.in_transition for i in live):
            return False
        if any(i.revision is self.revision and i.status == "FAILED" for i in live):
            return False  # the new revision does not come up: the rollout stops here
        stale = [i for i in live if i.revision is not self.revision]
        if not stale:
            self.upgrading = False
            return False
        stale[-1].restart(self.revision, pace)
        return True

    def _new(self, instance_id: int) -> ServiceInstance:
        instance = ServiceInstance(self._clock, self._lock, instance_id, self.revision, self._check)
        self.instances[instance_id] = instance
        return instance

    def _log_starts(self) -> None:
        for instance in self.instances.values():
            if instance.start_time is None or (instance.instance_id, instance.start_time) in self._logged:
                continue
            self._logged.add((instance.instance_id, instance.start_time))
            for container in instance.revision.containers:
                failure = instance.failures.get(container.name)
                event = "started" if failure is None else f"failed to start: {failure.message}"
                line = f"{iso_utc(instance.start_time)} container {container.name} {event}"
                self._log(str(instance.instance_id), container.name, line)
