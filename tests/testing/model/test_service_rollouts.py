"""A service's instances through the Python API: create from a spec, roll an upgrade, fail, scale."""

from __future__ import annotations

import hashlib

import pytest
from emu_helpers import FakeClock

from airflow_provider_spcs.testing.model import Pace, Service, ServiceSettings, World
from airflow_provider_spcs.testing.model.refusals import InvalidSetting, ObjectMissing
from airflow_provider_spcs.testing.model.spec_yaml import SpecError


def spec(tag: str = "v1", *, extra: str = "") -> str:
    return (
        "spec:\n  containers:\n  - name: web\n"
        f"    image: /db/sch/repo/web:{tag}\n{extra}"
        "  endpoints:\n  - name: api\n    port: 8000\n    public: true\n"
    )


def create(world: World, name: str = "WEB", text: str | None = None, instances: int = 1) -> Service:
    settings = ServiceSettings.create({"MIN_INSTANCES": instances})
    return world.create_service(
        ("SPCS_DB", "APP", name), text or spec(), compute_pool="SPCS_POOL", owner_role="SPCS_ROLE", settings=settings
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def look(service: Service) -> tuple[str, list[tuple[str, str, str]]]:
    """One poll: the service status and ``(id, status, digest[:8])`` per instance."""
    status = service.poll()
    return status, [(s.instance_id, s.status, s.spec_digest[:8]) for s in service.instance_states()]


@pytest.fixture
def world(clock: FakeClock) -> World:
    world = World(clock=clock)
    world.add_compute_pool("SPCS_POOL")
    return world


class TestCreate:
    def test_pending_then_running_with_every_instance_ready(self, world: World) -> None:
        service = create(world, instances=2)
        assert look(service) == ("PENDING", [])
        status, instances = look(service)
        assert status == "RUNNING"
        assert instances == [("0", "READY", digest(spec())[:8]), ("1", "READY", digest(spec())[:8])]
        assert service.spec_digest == digest(spec())
        [endpoint] = service.endpoints
        assert (endpoint.name, endpoint.port, endpoint.is_public) == ("api", 8000, True)
        assert service.counts().current == 2

    def test_start_pace_comes_from_the_world_timings(self, world: World, clock: FakeClock) -> None:
        world.timings.service_start = Pace(polls=0, seconds=30)
        service = create(world)
        assert [service.poll() for _ in range(5)] == ["PENDING"] * 5
        clock.advance(30)
        assert service.poll() == "RUNNING"

    def test_containers_take_their_images_from_the_spec(self, world: World) -> None:
        service = create(world)
        service.poll()
        service.poll()
        [container] = service.container_states()
        assert container.image_name == "myorg-myacct.registry.snowflakecomputing.com/db/sch/repo/web:v1"
        assert container.image_digest.startswith("sha256:")

    def test_refusals(self, world: World) -> None:
        with pytest.raises(SpecError):
            create(world, text="spec: {}")
        with pytest.raises(ObjectMissing, match="Compute pool 'NOPE'"):
            world.create_service(
                ("SPCS_DB", "APP", "X"), spec(), compute_pool="NOPE", owner_role="R", settings=ServiceSettings()
            )


class TestRollingUpgrade:
    def test_descending_ids_one_at_a_time_with_lagging_digests(self, world: World) -> None:
        service = create(world, instances=3)
        look(service)
        look(service)
        old, new = digest(spec())[:8], digest(spec("v2"))[:8]
        service.upgrade(world.make_revision(spec("v2"), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        assert service.spec_digest[:8] == new
        assert service.is_upgrading
        seen = [look(service) for _ in range(7)]
        assert [status for status, _ in seen] == ["RUNNING"] * 7  # there is no UPGRADING status
        assert [instances for _, instances in seen] == [
            [("0", "READY", old), ("1", "READY", old), ("2", "TERMINATING", old)],
            [("0", "READY", old), ("1", "READY", old), ("2", "PENDING", new)],
            [("0", "READY", old), ("1", "TERMINATING", old), ("2", "READY", new)],
            [("0", "READY", old), ("1", "PENDING", new), ("2", "READY", new)],
            [("0", "TERMINATING", old), ("1", "READY", new), ("2", "READY", new)],
            [("0", "PENDING", new), ("1", "READY", new), ("2", "READY", new)],
            [("0", "READY", new), ("1", "READY", new), ("2", "READY", new)],
        ]
        assert not service.is_upgrading

    def test_reads_between_looks_do_not_advance_the_rollout(self, world: World) -> None:
        service = create(world, instances=2)
        look(service)
        look(service)
        service.upgrade(world.make_revision(spec("v2"), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        look(service)
        for _ in range(5):
            assert [s.status for s in service.instance_states()] == ["READY", "TERMINATING"]
            assert service.status == "RUNNING"

    def test_seconds_pace(self, world: World, clock: FakeClock) -> None:
        service = create(world)
        look(service)
        look(service)
        service.instance_pace = Pace(polls=0, seconds=10)
        service.upgrade(world.make_revision(spec("v2"), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        assert [look(service)[1][0][1] for _ in range(3)] == ["TERMINATING"] * 3
        clock.advance(10)
        assert service.instance_states()[0].status == "PENDING"
        clock.advance(10)
        assert service.status == "RUNNING"  # a status read applies what the clock made due
        assert service.instance_states()[0].status == "READY"
        assert not service.is_upgrading

    def test_same_spec_again_restarts_every_instance(self, world: World) -> None:
        service = create(world, instances=2)
        look(service)
        look(service)
        service.upgrade(world.make_revision(spec(), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        assert service.is_upgrading
        assert service.spec_digest == digest(spec())  # the row shows the same digest all along
        looks = [look(service)[1] for _ in range(5)]
        statuses = [[s for _, s, _ in instances] for instances in looks]
        assert statuses[0] == ["READY", "TERMINATING"]
        assert ["PENDING"] in [
            [s for s in row if s != "READY"] for row in statuses
        ]  # instances come back through PENDING
        assert statuses[-1] == ["READY", "READY"]
        assert {d for instances in looks for _, _, d in instances} == {digest(spec())[:8]}
        assert not service.is_upgrading

    def test_upgrade_while_suspended_applies_at_resume(self, world: World) -> None:
        service = create(world)
        look(service)
        look(service)
        service.suspend()
        look(service)
        look(service)
        service.upgrade(world.make_revision(spec("v2"), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        assert not service.is_upgrading
        service.resume()
        assert look(service)[0] == "PENDING"
        assert look(service) == ("RUNNING", [("0", "READY", digest(spec("v2"))[:8])])


class TestFailures:
    def test_broken_image_fails_the_first_upgraded_instance_and_halts(self, world: World, clock: FakeClock) -> None:
        world.mark_image_broken("repo/web:bad", message="exec format error", exit_code=139, restart_count=4)
        service = create(world, instances=2)
        look(service)
        look(service)
        service.upgrade(world.make_revision(spec("bad"), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        look(service)
        look(service)
        clock.advance(5)
        status, instances = look(service)
        assert status == "FAILED"
        assert [s for _, s, _ in instances] == ["READY", "FAILED"]
        for _ in range(3):
            assert [s for _, s, _ in look(service)[1]] == ["READY", "FAILED"]  # the rollout stops there
        assert service.is_upgrading
        healthy, failed = service.container_states()
        assert (healthy.status, healthy.message) == ("READY", "Running")
        assert (failed.status, failed.message, failed.last_exit_code, failed.restart_count) == (
            "FAILED",
            "exec format error",
            139,
            4,
        )
        assert failed.last_restart_time == clock.now
        assert service.serves_requests()  # instance 0 still answers
        assert "failed to start: exec format error" in service.get_logs("1", "web")[-1]

    def test_an_upgrade_to_a_good_spec_recovers(self, world: World) -> None:
        world.mark_image_broken("repo/web:bad")
        service = create(world, instances=2)
        look(service)
        look(service)
        service.upgrade(world.make_revision(spec("bad"), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        for _ in range(3):
            look(service)
        assert service.status == "FAILED"
        service.upgrade(world.make_revision(spec("v3"), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        seen = [look(service) for _ in range(6)]
        assert seen[-1] == ("RUNNING", [("0", "READY", digest(spec("v3"))[:8]), ("1", "READY", digest(spec("v3"))[:8])])
        assert not service.is_upgrading

    def test_create_with_a_broken_image_fails(self, world: World) -> None:
        broken = spec(extra="    env:\n      EMULATOR_FAIL_START: no such file\n      EMULATOR_EXIT_CODE: '127'\n")
        service = create(world, text=broken)
        assert [service.poll() for _ in range(2)] == ["PENDING", "FAILED"]
        [container] = service.container_states()
        assert (container.status, container.message, container.last_exit_code) == ("FAILED", "no such file", 127)
        assert not service.serves_requests()


class TestScaling:
    def test_scale_up_adds_new_ids_and_down_removes_the_highest(self, world: World) -> None:
        service = create(world)
        look(service)
        look(service)
        service.configure(service.settings.changed({"MAX_INSTANCES": 3, "MIN_INSTANCES": 3}))
        assert [s for _, s, _ in look(service)[1]] == ["READY", "PENDING", "PENDING"]
        assert service.counts().current == 1
        assert [s for _, s, _ in look(service)[1]] == ["READY", "READY", "READY"]
        assert (service.counts().current, service.counts().target) == (3, 3)
        service.configure(service.settings.changed({"MIN_INSTANCES": 1}))
        assert look(service)[1][1:] == [
            ("1", "TERMINATING", digest(spec())[:8]),
            ("2", "TERMINATING", digest(spec())[:8]),
        ]
        assert [i for i, _, _ in look(service)[1]] == ["0"]
        counts = service.counts()
        assert (counts.current, counts.target, counts.minimum, counts.maximum, counts.min_ready) == (1, 1, 1, 3, 1)


class TestSettings:
    def test_defaults_follow_min_instances_until_set(self) -> None:
        settings = ServiceSettings.create({"MIN_INSTANCES": 2})
        assert (settings.min_instances, settings.max_instances, settings.min_ready_instances) == (2, 2, 2)
        assert settings.auto_resume
        grown = settings.changed({"MIN_INSTANCES": 4})
        assert (grown.max_instances, grown.min_ready_instances) == (4, 4)
        pinned = ServiceSettings.create({"MIN_INSTANCES": 1, "MAX_INSTANCES": 2})
        with pytest.raises(InvalidSetting, match=r"'MAX_INSTANCES': it must be at least MIN_INSTANCES \(3\)"):
            pinned.changed({"MIN_INSTANCES": 3})
        restored = pinned.changed({"COMMENT": "x", "AUTO_RESUME": False}).without(["MAX_INSTANCES", "COMMENT"])
        assert (restored.max_instances, restored.comment, restored.auto_resume) == (1, None, False)

    @pytest.mark.parametrize(
        ("fields", "parameter"),
        [
            ({"MIN_INSTANCES": 0}, "MIN_INSTANCES"),
            ({"MIN_INSTANCES": 2, "MIN_READY_INSTANCES": 3}, "MIN_READY_INSTANCES"),
            ({"MIN_INSTANCES": 3, "MAX_INSTANCES": 2}, "MAX_INSTANCES"),
            ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ],
    )
    def test_rules(self, fields: dict[str, object], parameter: str) -> None:
        with pytest.raises(InvalidSetting, match=f"parameter '{parameter}'"):
            ServiceSettings.create(fields)
