"""Compute pools through the Python API: start, ACTIVE/IDLE, suspend with services and jobs, resume,
failing starts, resizing, node counts, and services waiting for their pool."""

from __future__ import annotations

import pytest
from emu_helpers import FakeClock, polls

from airflow_provider_spcs.testing.model import ComputePool, Pace, Service, World
from airflow_provider_spcs.testing.model.refusals import InvalidSetting, StateConflict


@pytest.fixture
def world(clock: FakeClock) -> World:
    return World(clock=clock)


def states(pool: ComputePool, n: int) -> list[str]:
    return [pool.poll() for _ in range(n)]


def test_created_through_sql_it_starts_then_is_idle(world: World) -> None:
    pool = world.create_compute_pool(
        "P", {"MIN_NODES": 2, "MAX_NODES": 3, "INSTANCE_FAMILY": "cpu_x64_s"}, owner_role="R"
    )
    assert pool.instance_family == "CPU_X64_S"
    assert (pool.nodes().active, pool.nodes().idle, pool.nodes().target) == (0, 0, 2)
    assert states(pool, 3) == ["STARTING", "IDLE", "IDLE"]
    assert (pool.nodes().active, pool.nodes().idle, pool.nodes().target) == (0, 2, 2)
    assert (pool.num_services(), pool.num_jobs(), pool.error) == (0, 0, None)


def test_active_while_services_and_jobs_run(world: World) -> None:
    pool = world.add_compute_pool("P", max_nodes=4)
    world.add_service("A", compute_pool="P", instances=2)
    job = world.add_job("J", world.add_job_spec("@s", "j.yaml", run_polls=3, pending_polls=0), compute_pool="P")
    job.poll()
    assert pool.status == "ACTIVE"
    assert (pool.num_services(), pool.num_jobs()) == (2, 1)  # num_services counts jobs too, as documented
    assert (pool.nodes().active, pool.nodes().idle, pool.nodes().target) == (3, 0, 3)
    polls(job, 3)
    assert job.status == "DONE"
    assert (pool.num_services(), pool.num_jobs()) == (1, 0)


def test_suspend_suspends_services_and_waits_for_jobs(world: World) -> None:
    pool = world.add_compute_pool("P")
    service = world.add_service("A", compute_pool="P")
    assert isinstance(service, Service)
    job = world.add_job("J", world.add_job_spec("@s", "j.yaml", run_polls=3, pending_polls=0), compute_pool="P")
    job.poll()
    pool.suspend()
    assert polls(service, 2) == ["SUSPENDING", "SUSPENDED"]
    assert states(pool, 3) == ["STOPPING"] * 3  # the job still runs
    assert polls(job, 3) == ["RUNNING", "RUNNING", "DONE"]
    assert pool.poll() == "SUSPENDED"
    assert (pool.nodes().active, pool.nodes().idle, pool.nodes().target) == (0, 0, 0)


def test_resume_and_services_wait_for_the_pool(world: World, clock: FakeClock) -> None:
    pool = world.add_compute_pool("P", initially_suspended=True)
    world.timings.pool_start = Pace(polls=2)
    service = world.add_service("A", compute_pool="P", start_after_polls=1)
    pool.resume()
    assert pool.resumed_on == clock.now
    # the service looks at its pool while it waits: two looks get the pool up, the third starts it
    assert polls(service, 3) == ["PENDING", "PENDING", "RUNNING"]
    assert pool.status == "ACTIVE"


def test_admit_work_auto_resumes_or_refuses(world: World) -> None:
    resumes = world.add_compute_pool("A", initially_suspended=True)
    resumes.admit_work()
    assert resumes.status == "STARTING"
    refuses = world.add_compute_pool("B", initially_suspended=True, auto_resume=False)
    with pytest.raises(StateConflict, match="Compute pool B is suspended"):
        refuses.admit_work()


def test_failing_starts_hang_with_an_error_until_cleared(world: World) -> None:
    pool = world.add_compute_pool("P")
    pool.fail_to_start("392507", "no capacity")
    assert states(pool, 5) == ["STARTING"] * 5
    assert pool.error == ("392507", "no capacity")
    pool.clear_start_failure()
    assert states(pool, 2) == ["STARTING", "IDLE"]
    assert pool.error is None
    suspended = world.add_compute_pool("S", initially_suspended=True)
    suspended.fail_to_start()
    assert suspended.status == "SUSPENDED"
    suspended.resume()
    assert states(suspended, 3) == ["STARTING"] * 3
    assert suspended.error is not None
    assert suspended.error[0] == "392507"


def test_new_node_bounds_resize_and_validation(world: World) -> None:
    pool = world.add_compute_pool("P")
    pool.alter({"MAX_NODES": 3})
    assert states(pool, 2) == ["RESIZING", "IDLE"]
    pool.alter({"COMMENT": "x"})
    assert pool.status == "IDLE"
    with pytest.raises(InvalidSetting, match="MAX_NODES"):
        pool.alter({"MIN_NODES": 5})
    with pytest.raises(InvalidSetting, match="INSTANCE_FAMILY"):
        world.add_compute_pool("Q", instance_family="TINY")
    pool.unset(["COMMENT", "AUTO_SUSPEND_SECS"])
    assert (pool.comment, pool.auto_suspend_secs) == (None, 3600)


def test_stop_all_drops_services_and_cancels_jobs(world: World) -> None:
    pool = world.add_compute_pool("P")
    world.add_service("A", compute_pool="P")
    job = world.add_job("J", world.add_job_spec("@s", "j.yaml"), compute_pool="P")
    pool.stop_all()
    assert world.service("A") is None
    assert polls(job, 2) == ["CANCELLING", "CANCELLED"]
    assert pool.status == "IDLE"


def test_strict_suspend_knob(world: World) -> None:
    pool = world.add_compute_pool("P")
    world.add_service("A", compute_pool="P")
    pool.refuse_busy_suspend = True
    with pytest.raises(StateConflict, match="STOP ALL"):
        pool.suspend()
    pool.stop_all()
    pool.suspend()
    assert states(pool, 2) == ["STOPPING", "SUSPENDED"]
