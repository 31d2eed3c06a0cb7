"""Waiting for a deployment to land: a rolling upgrade (``ALTER SERVICE ... FROM``) and scaling (``SET MIN_INSTANCES``).

Snowflake has no UPGRADING status: during a rollout the service stays RUNNING, its row says
``is_upgrading`` and shows the new ``spec_digest`` at once, and ``SHOW SERVICE INSTANCES`` shows
each instance restart (TERMINATING, PENDING, READY) with its own, lagging ``spec_digest``. So an
:class:`UpgradeWait` is done when the row is no longer upgrading and every instance is READY on the
new digest, and fails as soon as an instance is FAILED (with its containers' messages), the
service leaves RUNNING for a failure status, or another upgrade replaces the digest.

One look costs at most two statements: the service's row (from the shared per-schema listing in
the triggerer, see :mod:`~airflow_provider_spcs.core.listing`, or ``DESCRIBE``) and, only while the
service is RUNNING on the digest awaited, ``SHOW SERVICE INSTANCES``. The look that finds a failure
also reads ``SHOW SERVICE CONTAINERS`` for the diagnostics, and ends the wait.

A :class:`ScaleWait` needs only the row: ``current_instances`` counts READY instances and
``target_instances`` is where the service is heading; it is done when they agree (and the row
shows the bounds the change set).

The decisions are pure functions (:func:`decide_upgrade`, :func:`decide_scale`); the waits' steps
run on the worker and in the triggerer alike (:meth:`~airflow_provider_spcs.hooks.spcs.SpcsHook.poll_wait`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.errors import SpcsError
from airflow_provider_spcs.core.service_facts import InstanceFacts, ServiceFacts, short_digest
from airflow_provider_spcs.core.services import (
    Decision,
    Observation,
    Outcome,
    ServiceReads,
    ServiceStatus,
    decide,
    failure_details,
)

_RUNNING = frozenset({ServiceStatus.RUNNING})


@dataclass(frozen=True)
class SpecChange:
    """What an ``ALTER SERVICE ... FROM`` changed.

    :param service: the service name as given.
    :param old_spec_digest: the digest before (``None`` if the row showed none).
    :param new_spec_digest: the digest the rollout heads for.
    :param altered_at: epoch seconds when the ALTER had returned (waits read no older row).
    """

    service: str
    old_spec_digest: str | None
    new_spec_digest: str | None
    altered_at: float

    @property
    def changed(self) -> bool:
        """Whether the specification differs (the same one again still restarts every instance)."""
        return self.old_spec_digest != self.new_spec_digest


def _waiting(status: str, reason: str, *, now: float, deadline: float | None) -> Decision:
    if deadline is not None and now >= deadline:
        return Decision(Outcome.TIMEOUT, status, f"{reason} at the deadline")
    return Decision(Outcome.WAIT, status, reason)


def decide_upgrade(
    facts: ServiceFacts,
    instances: Sequence[InstanceFacts] | None,
    spec_digest: str,
    *,
    now: float,
    deadline: float | None,
) -> Decision:
    """What one look at a rollout means.

    :param facts: the service's row.
    :param instances: its instances (``None`` when not read: the row already decided).
    :param spec_digest: the digest every instance must run.
    :param now: epoch seconds.
    :param deadline: absolute epoch-seconds deadline, or ``None``.
    """
    status = facts.status
    short = short_digest(spec_digest)
    gate = decide(status, _RUNNING, now=now, deadline=deadline)
    if gate.outcome is Outcome.FAILED:
        if status == ServiceStatus.SUSPENDED:
            reason = (
                f"is SUSPENDED: it starts on spec_digest {short} when resumed "
                "(wait_for_completion=False upgrades a suspended service without waiting)"
            )
        else:
            reason = f"{gate.reason} during the rollout of spec_digest {short}"
        return Decision(Outcome.FAILED, status, reason)
    if facts.spec_digest is not None and facts.spec_digest != spec_digest:
        return Decision(
            Outcome.FAILED,
            status,
            f"runs spec_digest {short_digest(facts.spec_digest)}, not {short}: another upgrade replaced this one",
        )
    if gate.outcome is not Outcome.SUCCESS or instances is None:
        return gate  # still PENDING, or past the deadline
    failed = [i.instance_id for i in instances if i.status == "FAILED"]
    if failed:
        return Decision(
            Outcome.FAILED, status, f"instance {', '.join(failed)} FAILED during the rollout of spec_digest {short}"
        )
    ready = sum(1 for i in instances if i.status == "READY" and i.spec_digest == spec_digest)
    progress = f"{ready} of {len(instances)} instances READY on spec_digest {short}"
    if not facts.is_upgrading and instances and ready == len(instances):
        return Decision(Outcome.SUCCESS, status, f"rolled out: {progress}")
    return _waiting(status, f"rolling out: {progress}", now=now, deadline=deadline)


@dataclass(frozen=True)
class UpgradeWait:
    """A wait for a rollout to ``spec_digest`` (see the module docstring).

    :param service: the service name as given.
    :param spec_digest: the digest every instance must run (the row's right after the ALTER).
    :param deadline: absolute epoch-seconds deadline, or ``None``.
    :param not_before: epoch seconds the ALTER returned; no row read earlier is trusted.
    """

    service: str
    spec_digest: str
    deadline: float | None = None
    not_before: float | None = None

    @classmethod
    def after(cls, change: SpecChange, *, deadline: float | None) -> UpgradeWait:
        """The wait for the rollout ``change`` started: to its new digest, trusting no row read before the ALTER.

        :raises SpcsError: the row showed no ``spec_digest`` after the ALTER (nothing to wait for).
        """
        if change.new_spec_digest is None:
            raise SpcsError(f"Service {change.service}: its row shows no spec_digest to wait for")
        return cls(change.service, change.new_spec_digest, deadline=deadline, not_before=change.altered_at)

    def observe(self, reads: ServiceReads, *, clock: Callable[[], float]) -> Steps[Observation]:
        """One look: the row; the instances while RUNNING on the digest; the containers on failure."""
        facts = yield from reads.facts(self.service, not_before=self.not_before)
        instances: list[InstanceFacts] | None = None
        if facts.status == ServiceStatus.RUNNING and facts.spec_digest in (None, self.spec_digest):
            rows = yield from reads.instances(self.service)
            instances = [InstanceFacts.from_row(r) for r in rows]
        decision = decide_upgrade(facts, instances, self.spec_digest, now=clock(), deadline=self.deadline)
        details: list[dict[str, Any]] = []
        if decision.outcome is Outcome.FAILED:
            failed = {i.instance_id for i in instances or () if i.status == "FAILED"}
            details = yield from failure_details(reads, self.service, failed)
        return Observation(decision, details)


def decide_scale(
    facts: ServiceFacts,
    *,
    min_instances: int | None,
    max_instances: int | None,
    now: float,
    deadline: float | None,
) -> Decision:
    """What one look at a scaling service means: done once its READY instances reach its target.

    :param facts: the service's row.
    :param min_instances: the ``MIN_INSTANCES`` just set (the row must show it), or ``None``.
    :param max_instances: the ``MAX_INSTANCES`` just set, or ``None``.
    """
    status = facts.status
    gate = decide(status, _RUNNING, now=now, deadline=deadline)
    if gate.outcome is Outcome.FAILED:
        return Decision(Outcome.FAILED, status, f"{gate.reason} while scaling")
    if gate.outcome is not Outcome.SUCCESS:
        return gate
    for name, wanted, shown in (
        ("MIN_INSTANCES", min_instances, facts.min_instances),
        ("MAX_INSTANCES", max_instances, facts.max_instances),
    ):
        if wanted is not None and shown is not None and shown != wanted:
            return _waiting(status, f"{name} still shows {shown}, not {wanted}", now=now, deadline=deadline)
    target = facts.target_instances if facts.target_instances is not None else min_instances
    ready = facts.current_instances
    if ready is None or target is None:
        return Decision(
            Outcome.FAILED, status, "the service row shows no current_instances or target_instances to wait for"
        )
    progress = f"{ready} of {target} instances READY"
    if ready == target:
        return Decision(Outcome.SUCCESS, status, progress)
    return _waiting(status, f"scaling: {progress}", now=now, deadline=deadline)


@dataclass(frozen=True)
class ScaleWait:
    """A wait for a service to run as many READY instances as it targets after a change of bounds.

    :param service: the service name as given.
    :param min_instances: the ``MIN_INSTANCES`` set (``None`` if not set).
    :param max_instances: the ``MAX_INSTANCES`` set (``None`` if not set).
    :param deadline: absolute epoch-seconds deadline, or ``None``.
    :param not_before: epoch seconds the ALTER returned; no row read earlier is trusted.
    """

    service: str
    min_instances: int | None = None
    max_instances: int | None = None
    deadline: float | None = None
    not_before: float | None = None

    def observe(self, reads: ServiceReads, *, clock: Callable[[], float]) -> Steps[Observation]:
        """One look: the row (one statement); the containers on failure."""
        facts = yield from reads.facts(self.service, not_before=self.not_before)
        decision = decide_scale(
            facts,
            min_instances=self.min_instances,
            max_instances=self.max_instances,
            now=clock(),
            deadline=self.deadline,
        )
        details: list[dict[str, Any]] = []
        if decision.outcome is Outcome.FAILED:
            details = yield from failure_details(reads, self.service)
        return Observation(decision, details)
