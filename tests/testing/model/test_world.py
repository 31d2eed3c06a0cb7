"""The world as a registry: endpoints and ingress routing, lookups, users, resets, concurrency."""

from __future__ import annotations

import re
import threading

from airflow_provider_spcs.testing.model import PROVISIONING_PLACEHOLDER, Endpoint, Service, World
from airflow_provider_spcs.testing.model.names import normalize_name


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


class TestCheckpoints:
    def test_restore_removes_what_came_later_and_keeps_the_rest_as_it_is(self, world: World) -> None:
        kept = world.add_service("kept")
        world.add_user("alice")
        world.add_job_spec("@specs", "kept.yaml")
        world.add_compute_pool("pool_a")
        checkpoint = world.checkpoint()
        kept.fail("crash")
        world.add_service("later", compute_pool="pool_b")
        world.add_user("bob")
        world.add_job_spec("@specs", "later.yaml")
        world.add_job("LATER_JOB", world.add_job_spec("@specs", "job.yaml"))
        world.drop_service(kept)
        world.add_service("kept")  # a new object under a key the checkpoint knew: it stays
        world.restore(checkpoint)
        assert [s.name for s in world.list_services()] == ["KEPT"]
        assert world.user("bob") is None
        assert world.user("alice") is not None
        assert list(world.job_specs) == [("SPCS_DB.APP.SPECS", "kept.yaml")]
        assert list(world.compute_pools) == ["POOL_A", "SPCS_POOL"]
        assert world.dropped == []

    def test_catalogs_list_in_key_order(self, world: World) -> None:
        for name in ("b", "c", "a"):
            world.add_service(name)
        services = world.list_services()
        assert [s.name for s in services] == ["A", "B", "C"]
        assert all(isinstance(s, Service) for s in services)
        assert len(world.services) == 3
        assert ("SPCS_DB", "APP", "A") in world.services
