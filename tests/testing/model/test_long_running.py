"""A long-running service's lifecycle, driven through the Python API: start, fail, suspend, resume, drop."""

from __future__ import annotations

import pytest
from emu_helpers import FakeClock, polls

from airflow_provider_spcs.testing.model import World


class TestServiceStartup:
    def test_default_service_is_running_with_one_ready_container(self, world: World) -> None:
        service = world.add_service("echo_service")
        assert service.name == "ECHO_SERVICE"
        assert (service.database, service.schema, service.compute_pool) == ("SPCS_DB", "APP", "SPCS_POOL")
        assert service.status == "RUNNING"
        [container] = service.container_states()
        assert (container.instance_id, container.instance_status, container.status) == ("0", "READY", "READY")
        assert container.message == "Running"
        assert container.last_exit_code is None

    def test_start_after_polls_counts_polls_not_reads(self, world: World) -> None:
        service = world.add_service("svc", start_after_polls=2)
        assert service.status == "PENDING"
        assert service.status == "PENDING"  # reading the status is not a poll
        assert polls(service, 4) == ["PENDING", "PENDING", "RUNNING", "RUNNING"]
        assert service.poll_count == 4

    def test_start_after_seconds_follows_the_world_clock(self, world: World, clock: FakeClock) -> None:
        service = world.add_service("svc", start_after_seconds=30)
        assert polls(service, 5) == ["PENDING"] * 5
        clock.advance(29.9)
        assert service.status == "PENDING"
        clock.advance(0.1)
        assert service.status == "RUNNING"
        assert service.started_at == clock.now

    def test_polls_or_seconds_whichever_comes_first(self, world: World, clock: FakeClock) -> None:
        by_time = world.add_service("a", start_after_polls=100, start_after_seconds=5)
        by_polls = world.add_service("b", start_after_polls=1, start_after_seconds=500)
        clock.advance(5)
        assert by_time.poll() == "RUNNING"
        assert polls(by_polls, 2) == ["PENDING", "RUNNING"]

    def test_explicit_pending_without_delay_stays_pending_until_scripted(self, world: World, clock: FakeClock) -> None:
        service = world.add_service("svc", status="PENDING")
        clock.advance(3600)
        assert polls(service, 10) == ["PENDING"] * 10
        assert service.container_states() == []
        service.set_status("RUNNING")
        assert service.poll() == "RUNNING"

    def test_start_after_restarts_the_pending_phase(self, world: World) -> None:
        service = world.add_service("svc")
        service.start_after(polls=1)
        assert polls(service, 2) == ["PENDING", "RUNNING"]

    def test_created_suspended(self, world: World, clock: FakeClock) -> None:
        service = world.add_service("svc", status="suspended")
        assert service.poll() == "SUSPENDED"
        assert service.suspended_on == clock.now
        assert service.started_at is None
        assert service.container_states() == []

    def test_unknown_status_is_rejected(self, world: World) -> None:
        service = world.add_service("svc")
        with pytest.raises(ValueError, match="BOGUS"):
            service.set_status("bogus")


class TestFailureAndLifecycle:
    def test_fail_sets_container_details(self, world: World, clock: FakeClock) -> None:
        service = world.add_service("svc", containers=("web", "sidecar"))
        clock.advance(60)
        service.fail("OOMKilled", exit_code=137, restart_count=3)
        assert service.poll() == "FAILED"
        states = service.container_states()
        assert [s.container_name for s in states] == ["web", "sidecar"]
        for state in states:
            assert (state.instance_status, state.status) == ("FAILED", "FAILED")
            assert state.message == "OOMKilled"
            assert state.last_exit_code == 137
            assert state.restart_count == 3
            assert state.last_restart_time == clock.now

    def test_fail_without_restart_has_no_restart_time(self, world: World) -> None:
        service = world.add_service("svc")
        service.fail("boom")
        [state] = service.container_states()
        assert state.last_restart_time is None
        assert state.last_exit_code == 1

    def test_restart_keeps_previous_logs(self, world: World) -> None:
        service = world.add_service("svc")
        service.add_log("before crash")
        service.fail("crash", exit_code=2, restart_count=1)
        assert service.get_logs("0", "main", previous=True)[-1] == "before crash"

    def test_set_running_clears_a_scripted_failure(self, world: World) -> None:
        service = world.add_service("svc")
        service.fail("crash", exit_code=2, restart_count=4)
        service.set_status("RUNNING")
        [state] = service.container_states()
        assert (state.status, state.message, state.last_exit_code, state.restart_count) == ("READY", "Running", None, 0)

    def test_suspend_then_resume(self, world: World, clock: FakeClock) -> None:
        service = world.add_service("svc")
        clock.advance(10)
        service.suspend()
        assert service.poll() == "SUSPENDING"
        assert [s.status for s in service.container_states()] == ["TERMINATING"]
        assert service.poll() == "SUSPENDED"
        assert service.suspended_on == clock.now
        assert service.container_states() == []
        assert service.instance_states() == []
        assert service.current_instances() == 0
        clock.advance(10)
        service.resume()
        assert service.resumed_on == clock.now
        assert polls(service, 3) == ["PENDING", "RUNNING", "RUNNING"]
        assert service.current_instances() == 1

    def test_suspend_twice_and_resume_running_are_no_ops(self, world: World) -> None:
        service = world.add_service("svc")
        service.resume()
        assert service.poll() == "RUNNING"
        assert service.resumed_on is None
        service.suspend()
        service.suspend()
        assert polls(service, 2) == ["SUSPENDING", "SUSPENDED"]

    def test_resume_honours_start_after_polls(self, world: World) -> None:
        service = world.add_service("svc", start_after_polls=2)
        polls(service, 3)
        service.suspend()
        polls(service, 2)
        service.resume()
        assert polls(service, 3) == ["PENDING", "PENDING", "RUNNING"]

    def test_drop_marks_deleted_and_removes(self, world: World) -> None:
        service = world.add_service("svc")
        world.drop_service(service)
        assert service.status == "DELETED"
        assert world.service("svc") is None
        assert world.dropped == [service]
        assert world.list_services() == []
