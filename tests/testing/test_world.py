"""The emulator world's state machines, driven directly through the Python API."""

from __future__ import annotations

import re
import threading

import pytest

from airflow_provider_spcs.testing.world import PROVISIONING_PLACEHOLDER, Endpoint, Service, World, normalize_name

T0 = 1_732_910_000.0


class FakeClock:
    """A hand-driven clock for the world."""

    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(clock: FakeClock) -> World:
    return World(clock=clock)


def polls(service: Service, n: int) -> list[str]:
    return [service.poll() for _ in range(n)]


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


class TestEndpoints:
    def test_provisioning_takes_the_configured_number_of_looks(self, world: World) -> None:
        service = world.add_service("svc", provision_after_polls=2)
        [endpoint] = service.endpoints
        assert (endpoint.name, endpoint.port, endpoint.is_public) == ("echo", 8080, True)
        assert [endpoint.poll() for _ in range(3)] == [False, False, True]
        assert endpoint.provisioned

    def test_private_endpoints_are_never_provisioning(self, world: World) -> None:
        service = world.add_service("svc", endpoints=(("api", True), ("internal", False)), provision_after_polls=5)
        api, internal = service.endpoints
        assert (api.port, internal.port) == (8080, 8081)
        assert not api.provisioned
        assert internal.provisioned
        assert service.endpoint("API") is api

    def test_endpoint_for_port_routes_by_ingress_url(self, world: World) -> None:
        first = world.add_service("one", endpoints=("a", "b"))
        second = world.add_service("two", endpoints=(Endpoint("c", port=9000),))
        first.endpoints[1].ingress_url = "http://127.0.0.1:40001"
        second.endpoints[0].ingress_url = "http://127.0.0.1:40002"
        assert world.endpoint_for_port(40001) == (first, first.endpoints[1])
        assert world.endpoint_for_port(40002) == (second, second.endpoints[0])
        assert world.endpoint_for_port(40003) is None

    def test_placeholder_text(self) -> None:
        assert PROVISIONING_PLACEHOLDER == "Endpoints provisioning in progress... check back in a few minutes"


class TestJobs:
    def test_job_runs_pending_running_done_and_logs(self, world: World) -> None:
        spec = world.add_job_spec("@spcs_db.app.specs", "job.yaml", run_polls=2, logs=["line 1", "line 2"])
        job = world.add_job("MY_JOB", spec)
        assert job.is_job
        assert job.get_logs("0", "main") == []
        assert polls(job, 5) == ["PENDING", "RUNNING", "RUNNING", "DONE", "DONE"]
        assert job.get_logs("0", "main") == ["line 1", "line 2"]
        [state] = job.container_states()
        assert (state.instance_status, state.status, state.last_exit_code) == ("SUCCEEDED", "DONE", 0)

    def test_failed_job_reports_exit_code(self, world: World) -> None:
        spec = world.add_job_spec("@specs", "bad.yaml", outcome="FAILED", run_polls=1, exit_code=3, message="bad input")
        job = world.add_job("BAD", spec)
        assert polls(job, 3) == ["PENDING", "RUNNING", "FAILED"]
        [state] = job.container_states()
        assert (state.instance_status, state.status, state.last_exit_code, state.message) == (
            "FAILED",
            "FAILED",
            3,
            "bad input",
        )

    def test_failed_outcome_defaults_to_exit_code_one(self, world: World) -> None:
        spec = world.add_job_spec("@specs", "bad.yaml", outcome="FAILED")
        assert spec.exit_code == 1

    def test_replicas_become_instances_with_their_own_logs(self, world: World) -> None:
        spec = world.add_job_spec(
            "@specs", "multi.yaml", logs={"main": ["m"], "side": ["s"]}, containers=("main", "side"), pending_polls=0
        )
        job = world.add_job("MULTI", spec, replicas=3)
        assert job.poll() == "RUNNING"
        assert job.instance_ids() == ["0", "1", "2"]
        assert [(s.instance_id, s.container_name) for s in job.container_states()] == [
            (i, c) for i in ("0", "1", "2") for c in ("main", "side")
        ]
        assert job.get_logs("2", "side") == ["s"]
        assert job.get_logs("1", "main") == ["m"]

    def test_spec_text_names_the_containers(self, world: World) -> None:
        text = "spec:\n  containers:\n  - name: trainer\n    image: /db/s/r/img:1\n"
        spec = world.add_job_spec("@specs", "train.yaml", spec_text=text)
        assert spec.containers == ["trainer"]
        assert world.add_job("T", spec).spec == text

    def test_cancel_goes_through_cancelling(self, world: World) -> None:
        job = world.add_job("J", world.add_job_spec("@specs", "job.yaml", run_polls=10))
        assert job.poll() == "PENDING"
        assert job.cancel() is True
        assert job.cancel() is False
        assert polls(job, 3) == ["CANCELLING", "CANCELLED", "CANCELLED"]
        [state] = job.container_states()
        assert state.last_exit_code == 143

    def test_cancel_after_finishing_is_refused(self, world: World) -> None:
        job = world.add_job("J", world.add_job_spec("@specs", "job.yaml", run_polls=0, pending_polls=0))
        assert job.poll() == "DONE"
        assert job.cancel() is False
        assert job.status == "DONE"

    def test_job_specs_are_keyed_by_normalised_stage(self, world: World) -> None:
        spec = world.add_job_spec("@specs", "/dir/job.yaml")
        assert (spec.stage, spec.file) == ("SPCS_DB.APP.SPECS", "dir/job.yaml")
        assert world.job_spec("SPCS_DB.APP.SPECS", "dir/job.yaml") is spec
        assert World.stage_key("@Other.Stage") == "SPCS_DB.OTHER.STAGE"
        assert World.stage_key('@db.s."lower"') == "DB.S.lower"


class TestLookupsAndUsers:
    def test_service_lookup_spellings(self, world: World) -> None:
        service = world.add_service("svc", database="db1", schema="s1")
        assert world.service("SVC", "DB1", "S1") is service
        assert world.service("db1.s1.svc") is service
        assert world.service("s1.svc", database="db1") is service
        assert world.service("svc") is None  # default SPCS_DB.APP
        assert world.service('"DB1"."S1"."SVC"') is service
        assert world.service('db1."S1".svc') is service
        assert world.service("my-svc") is None

    def test_quoted_names_keep_case(self, world: World) -> None:
        service = world.add_service('"MixedCase"')
        assert service.name == "MixedCase"
        assert world.service('"MixedCase"') is service
        assert world.service("mixedcase") is None
        assert normalize_name('"a""b"') == 'a"b'

    def test_dns_name_format(self, world: World) -> None:
        service = world.add_service("my_echo_service")
        assert re.fullmatch(r"my-echo-service\.[0-9a-f]{4}\.svc\.spcs\.internal", service.dns_name)

    def test_visibility_by_owner_or_access_role(self, world: World) -> None:
        service = world.add_service("svc", owner_role="owner", access_roles=["reader"])
        assert service.is_visible_to("OWNER")
        assert service.is_visible_to("reader")
        assert not service.is_visible_to("PUBLIC")

    def test_add_user_normalises(self, world: World) -> None:
        user = world.add_user("spcs_user", pat="p", default_role="spcs_role", roles=("public",))
        assert user.name == "SPCS_USER"
        assert user.roles == ["SPCS_ROLE", "PUBLIC"]
        assert user.has_role("spcs_role")
        assert not user.has_role("ACCOUNTADMIN")
        assert world.user("Spcs_User") is user

    def test_concurrent_polls_are_all_counted(self, world: World) -> None:
        service = world.add_service("svc", start_after_polls=200)
        seen: list[str] = []

        def worker() -> None:
            for _ in range(100):
                seen.append(service.poll())

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert service.poll_count == 400
        assert seen.count("PENDING") == 200
        assert seen.count("RUNNING") == 200
