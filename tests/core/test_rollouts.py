"""The decisions of rollout, scaling and compute pool waits, as pure functions of what one look saw."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.core.compute_pools import ComputePoolFacts, PoolState, decide_compute_pool, parse_pool_states
from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsError
from airflow_provider_spcs.core.rollouts import SpecChange, UpgradeWait, decide_scale, decide_upgrade
from airflow_provider_spcs.core.service_facts import InstanceFacts, ServiceFacts
from airflow_provider_spcs.core.services import Outcome

NEW, OLD = "b" * 64, "a" * 64


def _instances(*states: tuple[str, str]) -> list[InstanceFacts]:
    return [InstanceFacts(str(i), status, digest) for i, (status, digest) in enumerate(states)]


@pytest.mark.parametrize(
    ("facts", "instances", "outcome", "reason"),
    [
        (ServiceFacts("RUNNING", NEW, True), _instances(("READY", OLD), ("TERMINATING", OLD)), Outcome.WAIT, "0 of 2"),
        (ServiceFacts("RUNNING", NEW, True), _instances(("READY", OLD), ("READY", NEW)), Outcome.WAIT, "1 of 2"),
        # the row says done, but an instance is still starting: not yet
        (ServiceFacts("RUNNING", NEW, False), _instances(("PENDING", NEW), ("READY", NEW)), Outcome.WAIT, "1 of 2"),
        (ServiceFacts("RUNNING", NEW, False), _instances(("READY", NEW), ("READY", NEW)), Outcome.SUCCESS, "2 of 2"),
        # the same digest again: is_upgrading alone tells the restarts apart
        (ServiceFacts("RUNNING", NEW, True), _instances(("READY", NEW)), Outcome.WAIT, "1 of 1"),
        (ServiceFacts("RUNNING", NEW, True), _instances(("READY", OLD), ("FAILED", NEW)), Outcome.FAILED, "instance 1"),
        (ServiceFacts("FAILED", NEW, True), None, Outcome.FAILED, "reached FAILED"),
        (ServiceFacts("SUSPENDED", NEW, False), None, Outcome.FAILED, "wait_for_completion=False"),
        (ServiceFacts("PENDING", NEW, False), None, Outcome.WAIT, "still PENDING"),
        (ServiceFacts("RUNNING", "c" * 64, True), None, Outcome.FAILED, "another upgrade"),
        (ServiceFacts("UPGRADING", NEW, True), None, Outcome.FAILED, "unexpected status"),
    ],
)
def test_upgrade_decisions(
    facts: ServiceFacts, instances: list[InstanceFacts] | None, outcome: Outcome, reason: str
) -> None:
    decision = decide_upgrade(facts, instances, NEW, now=100.0, deadline=200.0)
    assert decision.outcome is outcome
    assert reason in decision.reason


def test_upgrade_past_the_deadline_is_a_timeout_with_the_progress() -> None:
    facts = ServiceFacts("RUNNING", NEW, True)
    decision = decide_upgrade(facts, _instances(("READY", OLD), ("READY", NEW)), NEW, now=201.0, deadline=200.0)
    assert decision.outcome is Outcome.TIMEOUT
    assert decision.reason == f"rolling out: 1 of 2 instances READY on spec_digest {NEW[:12]} at the deadline"


def test_the_wait_after_a_change_heads_for_its_new_digest_and_trusts_no_older_row() -> None:
    wait = UpgradeWait.after(SpecChange("svc", NEW, NEW, 1234.5), deadline=2000.0)
    assert wait == UpgradeWait("svc", NEW, deadline=2000.0, not_before=1234.5)
    with pytest.raises(SpcsError, match="Service svc: its row shows no spec_digest to wait for"):
        UpgradeWait.after(SpecChange("svc", OLD, None, 1234.5), deadline=None)


@pytest.mark.parametrize(
    ("facts", "wanted", "outcome", "reason"),
    [
        (ServiceFacts("RUNNING", current_instances=1, target_instances=3, min_instances=3), 3, Outcome.WAIT, "1 of 3"),
        (
            ServiceFacts("RUNNING", current_instances=3, target_instances=3, min_instances=3),
            3,
            Outcome.SUCCESS,
            "3 of 3",
        ),
        # a row from before the ALTER: it still shows the old bound, so it decides nothing
        (
            ServiceFacts("RUNNING", current_instances=1, target_instances=1, min_instances=1),
            3,
            Outcome.WAIT,
            "still shows 1",
        ),
        (
            ServiceFacts("RUNNING", current_instances=1, target_instances=1, min_instances=1),
            None,
            Outcome.SUCCESS,
            "1 of 1",
        ),
        (ServiceFacts("FAILED", current_instances=1, target_instances=3), 3, Outcome.FAILED, "while scaling"),
        (ServiceFacts("RUNNING"), 3, Outcome.FAILED, "no current_instances"),
    ],
)
def test_scale_decisions(facts: ServiceFacts, wanted: int | None, outcome: Outcome, reason: str) -> None:
    decision = decide_scale(facts, min_instances=wanted, max_instances=None, now=0.0, deadline=None)
    assert decision.outcome is outcome
    assert reason in decision.reason


UP = frozenset({PoolState.ACTIVE, PoolState.IDLE})


@pytest.mark.parametrize(
    ("facts", "outcome", "reason"),
    [
        (ComputePoolFacts("P", "IDLE"), Outcome.SUCCESS, "reached IDLE"),
        (ComputePoolFacts("P", "STARTING"), Outcome.WAIT, "still STARTING, waiting for ACTIVE or IDLE"),
        (ComputePoolFacts("P", "SUSPENDED"), Outcome.WAIT, "still SUSPENDED, waiting for ACTIVE or IDLE"),
        (
            ComputePoolFacts("P", "STARTING", "392507", "insufficient capacity"),
            Outcome.FAILED,
            "is STARTING with error 392507: insufficient capacity",
        ),
        (ComputePoolFacts("P", "BROKEN"), Outcome.FAILED, "reports an unexpected state 'BROKEN'"),
    ],
)
def test_compute_pool_decisions(facts: ComputePoolFacts, outcome: Outcome, reason: str) -> None:
    decision = decide_compute_pool(facts, UP, now=0.0, deadline=None)
    assert (decision.outcome, decision.reason) == (outcome, reason)


def test_compute_pool_deadline_and_state_parsing() -> None:
    decision = decide_compute_pool(ComputePoolFacts("P", "STOPPING"), {PoolState.SUSPENDED}, now=5.0, deadline=5.0)
    assert decision.outcome is Outcome.TIMEOUT
    assert parse_pool_states(["active", " IDLE "], field="target_states") == UP
    with pytest.raises(SpcsConfigError) as err:
        parse_pool_states(["RUNNING"], field="target_states")
    assert err.value.field == "target_states"


def test_facts_read_typed_and_text_cells_alike() -> None:
    typed = ServiceFacts.from_row({"status": "running", "is_upgrading": True, "current_instances": 2})
    text = ServiceFacts.from_row({"status": "RUNNING ", "is_upgrading": "true", "current_instances": "2"})
    assert typed == text == ServiceFacts("RUNNING", None, True, 2)
    assert ComputePoolFacts.from_row({"name": "P", "state": "idle", "error_code": ""}).error_code is None


def test_a_phase_keeps_a_wait_on_its_own_moment_of_the_interval() -> None:
    from airflow_provider_spcs.core.polling import next_poll_sleep

    assert next_poll_sleep(10.0, None, 95.0) == 10.0  # no phase: the interval as it is
    assert next_poll_sleep(10.0, None, 95.0, phase=3.0) == pytest.approx(8.0)  # to 103
    # a look that ended just before its moment waits for the next one rather than looking twice
    assert next_poll_sleep(10.0, None, 100.0, phase=3.0) == pytest.approx(13.0)
    assert next_poll_sleep(10.0, 101.0, 95.0, phase=3.0) == pytest.approx(6.0)  # never past the deadline


def test_deploy_triggers_look_at_stable_phases_inside_one_listings_freshness() -> None:
    from airflow_provider_spcs.triggers.spcs import SpcsServiceUpgradeTrigger

    phases = {
        SpcsServiceUpgradeTrigger(spcs_conn_id="c", service=f"S{i}", spec_digest="d", poll_interval=2.0).phase
        for i in range(50)
    }
    assert len(phases) > 40  # spread out
    assert all(0.0 <= p < 0.9 for p in phases)  # within the listing's second of freshness
    again = SpcsServiceUpgradeTrigger(spcs_conn_id="c", service="S1", spec_digest="d", poll_interval=2.0)
    assert again.phase in phases  # the same service, the same moment, in any process
    assert 0.0 <= again.first_look_after() <= 2.0
