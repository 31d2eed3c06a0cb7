"""The hook's deploy family against the emulator: each method and its async twin, and what a wait costs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from airflow_provider_spcs.core.compute_pools import ComputePoolWait, PoolState
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.rollouts import ScaleWait, UpgradeWait
from airflow_provider_spcs.core.service_properties import ServiceProperties
from airflow_provider_spcs.core.services import Outcome
from airflow_provider_spcs.core.specs import ServiceSpec
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.model import Pace, Service

STAGE = "@SPCS_DB.APP.SPECS"
V1 = ServiceSpec.stage_file(STAGE, "echo_service.yaml")
V2 = ServiceSpec.stage_file(STAGE, "echo_service_v2.yaml")
INSTANCES = "SHOW SERVICE INSTANCES IN SERVICE"


def _service(spcs: SpcsEmulator, name: str) -> Service:
    service = spcs.service(name)
    assert isinstance(service, Service)
    return service


def _running(spcs: SpcsEmulator, *names: str, instances: int = 2) -> None:
    for name in names:
        spcs.add_service(name, endpoints=(), instances=instances)


def test_sync_and_async_twins_do_the_same(spcs: SpcsEmulator, spcs_conn: str) -> None:
    hook = SpcsHook(spcs_conn)
    properties = ServiceProperties(min_instances=2, comment="twin")

    async def twins() -> list[Any]:
        created = await hook.acreate_service("TWIN_A", compute_pool="SPCS_POOL", spec=V1, properties=properties)
        again = await hook.acreate_service("TWIN_A", compute_pool="SPCS_POOL", spec=V1)
        change = await hook.aupgrade_service("TWIN_A", V2)
        await hook.aalter_service("TWIN_A", properties=ServiceProperties(max_instances=3), unset=["comment"])
        instances = [r["instance_id"] for r in await hook.aget_service_instances("TWIN_A")]
        pool = (await hook.adescribe_compute_pool("SPCS_POOL"))["name"]
        state = await hook.aget_compute_pool_state("SPCS_POOL")
        pools = [r["name"] for r in await hook.alist_compute_pools("SPCS%")]
        settings = _service(spcs, "TWIN_A").settings
        await hook.adrop_service("TWIN_A", force=True)
        return [created, again, change, instances, pool, state, pools, (settings.max_instances, settings.comment)]

    def sync_twins() -> list[Any]:
        created = hook.create_service("TWIN_B", compute_pool="SPCS_POOL", spec=V1, properties=properties)
        again = hook.create_service("TWIN_B", compute_pool="SPCS_POOL", spec=V1)
        change = hook.upgrade_service("TWIN_B", V2)
        hook.alter_service("TWIN_B", properties=ServiceProperties(max_instances=3), unset=["comment"])
        instances = [r["instance_id"] for r in hook.get_service_instances("TWIN_B")]
        pool = hook.describe_compute_pool("SPCS_POOL")["name"]
        state = hook.get_compute_pool_state("SPCS_POOL")
        pools = [r["name"] for r in hook.list_compute_pools("SPCS%")]
        settings = _service(spcs, "TWIN_B").settings
        hook.drop_service("TWIN_B", force=True)
        return [created, again, change, instances, pool, state, pools, (settings.max_instances, settings.comment)]

    sync = sync_twins()
    asynced = asyncio.run(twins())
    # the upgrades differ only in their service name and timing
    for results in (sync, asynced):
        change = results[2]
        assert change.changed
        assert change.old_spec_digest != change.new_spec_digest
        results[2] = (change.old_spec_digest, change.new_spec_digest)
    assert sync == asynced
    assert sync[:2] == [True, False]  # created, then left alone
    assert sync[4:] == ["SPCS_POOL", "ACTIVE", ["SPCS_POOL"], (3, None)]
    with pytest.raises(KeyError):
        spcs.service("TWIN_A")


def test_compute_pool_twins(spcs: SpcsEmulator, spcs_conn: str) -> None:
    hook = SpcsHook(spcs_conn)
    hook.suspend_compute_pool("SPCS_POOL")
    assert hook.get_compute_pool_state("SPCS_POOL") in {"STOPPING", "SUSPENDED"}
    assert spcs.service("ECHO_SERVICE").status in {"SUSPENDING", "SUSPENDED"}
    asyncio.run(hook.aresume_compute_pool("SPCS_POOL"))
    assert hook.get_compute_pool_state("SPCS_POOL") == "STARTING"
    wait = ComputePoolWait.of("SPCS_POOL", [PoolState.IDLE], deadline=time.time() + 30)
    assert hook.poll_wait(wait, poll_interval=0.05).decision.outcome is Outcome.SUCCESS
    spcs.add_service("BUSY", endpoints=())
    asyncio.run(hook.asuspend_compute_pool("SPCS_POOL", stop_all=True))
    with pytest.raises(KeyError):
        spcs.service("BUSY")  # STOP ALL dropped it
    hook.resume_compute_pool("SPCS_POOL")
    assert asyncio.run(hook.aobserve_wait(wait)).facts.state == "STARTING"


def test_bad_values_send_nothing(spcs: SpcsEmulator, spcs_conn: str) -> None:
    hook = SpcsHook(spcs_conn)
    spcs.reset_stats()
    with pytest.raises(SpcsConfigError):
        hook.create_service("x", compute_pool="a.b", spec=V1)
    with pytest.raises(SpcsConfigError):
        hook.alter_service("x")
    with pytest.raises(SpcsConfigError):
        hook.suspend_compute_pool("p; DROP")
    assert spcs.stats()["sql_statements"] == 0


# --- what a wait costs ---------------------------------------------------------------------------


def _upgrade_all(hook: SpcsHook, names: list[str], spec: ServiceSpec) -> list[UpgradeWait]:
    waits = []
    for name in names:
        change = hook.upgrade_service(name, spec)
        assert change.new_spec_digest is not None
        waits.append(UpgradeWait(name, change.new_spec_digest, deadline=time.time() + 60, not_before=change.altered_at))
    return waits


def test_on_the_worker_each_look_is_one_describe_and_one_instances(spcs: SpcsEmulator, spcs_conn: str) -> None:
    _running(spcs, "ROLL", instances=3)
    hook = SpcsHook(spcs_conn)
    (wait,) = _upgrade_all(hook, ["ROLL"], V2)
    spcs.reset_stats()
    looks = [1]  # the final look is not reported to on_wait
    observation = hook.poll_wait(wait, poll_interval=0.01, on_wait=lambda seen, pause: looks.append(1))
    assert observation.decision.outcome is Outcome.SUCCESS
    assert len(looks) > 3  # three instances restart one by one
    assert spcs.statement_counts() == {"DESCRIBE SERVICE": len(looks), INSTANCES: len(looks)}


@pytest.mark.parametrize("k", [1, 10])
def test_deferred_upgrade_waits_cost_at_most_two_statements_a_look_and_share_the_listing(
    spcs: SpcsEmulator, spcs_conn: str, k: int
) -> None:
    names = [f"ROLL_{i}" for i in range(k)]
    _running(spcs, *names)
    for name in names:
        _service(spcs, name).instance_pace = Pace(polls=2)
    hook = SpcsHook(spcs_conn)
    waits = _upgrade_all(hook, [f"SPCS_DB.APP.{n}" for n in names], V2)
    spcs.reset_stats()
    looks: list[int] = []

    async def one(wait: UpgradeWait) -> Outcome:
        looks.append(1)
        observation = await SpcsHook(spcs_conn).apoll_wait(
            wait, poll_interval=0.05, on_wait=lambda seen, pause: looks.append(1), share_listing=True
        )
        return observation.decision.outcome

    async def all_of_them() -> list[Outcome]:
        return list(await asyncio.gather(*(one(w) for w in waits)))

    assert asyncio.run(all_of_them()) == [Outcome.SUCCESS] * k
    counts = spcs.statement_counts()
    assert set(counts) <= {"SHOW SERVICES", INSTANCES}  # no DESCRIBE: every row came from the listing
    assert sum(counts.values()) <= 2 * len(looks)
    assert counts[INSTANCES] <= len(looks)
    if k > 1:  # one listing per poll cycle for all of them
        assert counts["SHOW SERVICES"] <= len(looks) / (k / 2)


def test_a_listing_read_before_the_change_is_not_trusted(spcs: SpcsEmulator, spcs_conn: str) -> None:
    hook = SpcsHook(spcs_conn)
    hook.create_service("SAME", compute_pool="SPCS_POOL", spec=V1)
    assert [hook.get_service_status("SAME") for _ in range(2)] == ["PENDING", "RUNNING"]

    def facts(not_before: float | None) -> Any:
        return hook._run(
            lambda runner: hook._reads(runner, listing_for=10.0).facts("SPCS_DB.APP.SAME", not_before=not_before)
        )

    assert facts(None).is_upgrading is False  # this listing now answers for a while
    change = hook.upgrade_service("SAME", V1)  # the same spec again: every instance restarts
    assert not change.changed
    spcs.reset_stats()
    assert facts(None).is_upgrading is False  # the shared listing, from before the ALTER
    assert spcs.statement_counts() == {}
    assert facts(change.altered_at).is_upgrading is True  # too old for this wait: its own DESCRIBE
    assert spcs.statement_counts() == {"DESCRIBE SERVICE": 1}


def test_scale_wait_reads_only_the_row(spcs: SpcsEmulator, spcs_conn: str) -> None:
    _running(spcs, "WIDE", instances=1)
    hook = SpcsHook(spcs_conn)
    hook.alter_service("WIDE", properties=ServiceProperties(min_instances=3, max_instances=3))
    wait = ScaleWait(
        "SPCS_DB.APP.WIDE", min_instances=3, max_instances=3, deadline=time.time() + 30, not_before=time.time()
    )
    spcs.reset_stats()
    observation = asyncio.run(SpcsHook(spcs_conn).apoll_wait(wait, poll_interval=0.02, share_listing=True))
    assert observation.decision.reason == "3 of 3 instances READY"
    assert set(spcs.statement_counts()) <= {"SHOW SERVICES", "DESCRIBE SERVICE"}
