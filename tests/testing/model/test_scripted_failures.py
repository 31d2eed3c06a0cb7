"""``fail_after``: a service keeps its status for some polls or seconds, then fails with a message."""

from __future__ import annotations

from emu_helpers import FakeClock, polls

from airflow_provider_spcs.testing.model import World
from airflow_provider_spcs.testing.model.names import DEFAULT_DATABASE, DEFAULT_SCHEMA


def test_running_service_fails_after_polls_with_its_message(world: World) -> None:
    service = world.add_service("svc")
    service.fail_after(polls=2, message="OOMKilled", exit_code=137)
    assert polls(service, 3) == ["RUNNING", "RUNNING", "FAILED"]
    assert (service.message, service.last_exit_code) == ("OOMKilled", 137)
    [container] = service.container_states()
    assert (container.status, container.message, container.last_exit_code) == ("FAILED", "OOMKilled", 137)


def test_polls_count_from_the_moment_it_is_scripted(world: World) -> None:
    service = world.add_service("svc")
    polls(service, 5)
    service.fail_after(polls=1)
    assert polls(service, 2) == ["RUNNING", "FAILED"]


def test_pending_service_fails_after_seconds_instead_of_starting(world: World, clock: FakeClock) -> None:
    service = world.add_service("svc", start_after_seconds=60)
    service.fail_after(seconds=10, message="image pull failed")
    clock.advance(9.9)
    assert service.status == "PENDING"
    clock.advance(0.2)
    assert service.status == "FAILED"
    assert service.message == "image pull failed"


def test_another_status_change_cancels_the_failure(world: World) -> None:
    service = world.add_service("svc")
    service.fail_after(polls=1, message="never seen")
    service.set_status("RUNNING")
    assert polls(service, 3) == ["RUNNING"] * 3
    service.fail_after(polls=1, message="again")
    service.fail("now", exit_code=2)
    assert (service.status, service.message, service.last_exit_code) == ("FAILED", "now", 2)


def test_zero_delay_fails_now(world: World) -> None:
    service = world.add_service("svc")
    service.fail_after(message="at once", exit_code=3)
    assert (service.status, service.message, service.last_exit_code) == ("FAILED", "at once", 3)


def test_a_job_fails_with_the_scripted_message_not_its_specs(world: World) -> None:
    spec = world.add_job_spec("@SPCS_DB.APP.SPECS", "job.yaml", run_polls=5, message="spec message")
    job = world.add_job("JOB_1", spec, database=DEFAULT_DATABASE, schema=DEFAULT_SCHEMA)
    assert job.poll() == "PENDING"
    job.fail_after(polls=1, message="scripted", exit_code=9)
    assert polls(job, 2) == ["RUNNING", "FAILED"]
    assert (job.message, job.last_exit_code) == ("scripted", 9)
