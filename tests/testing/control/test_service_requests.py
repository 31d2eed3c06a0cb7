"""Reading service definitions and scripts: the ``--service`` grammar, JSON fields, clear errors."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_spcs.testing.control.service_requests import (
    HandlerChoice,
    RequestError,
    ServiceDefinition,
    ServiceScript,
    parse_service_option,
)
from airflow_provider_spcs.testing.control.token_rotation import rotation_interval


class TestServiceOption:
    def test_a_bare_name_is_a_running_service_with_the_echo_endpoint(self) -> None:
        definition = parse_service_option("batch_service")
        assert definition == ServiceDefinition(name="BATCH_SERVICE")
        assert (definition.status, definition.endpoints, definition.containers) == (
            "RUNNING",
            (("echo", True),),
            ("main",),
        )

    def test_every_key(self) -> None:
        definition = parse_service_option(
            "SVC:database=other_db,schema=s1,compute_pool=own_pool,endpoints=api+grpc:private,containers=main+sidecar,"
            "pending_seconds=2.5"
        )
        assert (definition.database, definition.schema, definition.compute_pool) == ("OTHER_DB", "S1", "OWN_POOL")
        assert definition.endpoints == (("api", True), ("grpc", False))
        assert definition.containers == ("main", "sidecar")
        assert (definition.status, definition.pending_seconds) == ("PENDING", 2.5)

    def test_a_message_keeps_its_commas_and_colons(self) -> None:
        definition = parse_service_option(
            "SVC:fail_after_polls=2,message=OOMKilled: out of memory, exit 137,exit_code=137"
        )
        assert definition.message == "OOMKilled: out of memory, exit 137"
        assert (definition.fail_after_polls, definition.exit_code) == (2, 137)

    def test_what_the_endpoints_answer_and_how_fast(self) -> None:
        definition = parse_service_option("CATALOG:endpoints=api,handler=paginated:40:5,latency=1.5")
        assert (definition.handler, definition.latency) == (HandlerChoice("paginated", 40, 5), 1.5)
        assert parse_service_option("SVC:handler=paginated").handler == HandlerChoice("paginated", 25, 10)
        assert parse_service_option("SVC:handler=paginated:3").handler == HandlerChoice("paginated", 3, 10)
        assert parse_service_option("SVC:handler=echo").handler == HandlerChoice()

    def test_no_endpoints(self) -> None:
        assert parse_service_option("SVC:endpoints=").endpoints == ()

    @pytest.mark.parametrize(
        ("text", "fragment"),
        [
            ("SVC:colour=red", "'colour=red' is not KEY=VALUE"),
            ("SVC:pending_polls", "'pending_polls' is not KEY=VALUE"),
            ("SVC:name=OTHER", "'name=OTHER' is not KEY=VALUE"),
            ("SVC:pending_polls=1,pending_polls=2", "pending_polls is given twice"),
            ("SVC:pending_polls=two", "pending_polls must be a whole number >= 0, got 'two'"),
            ("SVC:pending_seconds=-1", "pending_seconds must be a number of seconds >= 0"),
            ("1SVC", "name must be an unquoted Snowflake identifier"),
            ("SVC:endpoints=api+api", "'api' is listed twice"),
            ("SVC:endpoints=api:hidden", "'api:hidden' is not NAME, NAME:public or NAME:private"),
            ("SVC:containers=", "containers must name at least one container"),
            ("SVC:status=DONE", "status must be one of RUNNING, PENDING, SUSPENDED, FAILED"),
            ("SVC:status=RUNNING,pending_polls=1", "start the service PENDING, not RUNNING"),
            ("SVC:pending_polls=1,fail_after_polls=1", "pending_* and fail_after_* do not combine"),
            ("SVC:status=SUSPENDED,fail_after_polls=1", "fail_after_* needs status RUNNING or PENDING"),
            ("SVC:message=boom", "message and exit_code describe a failure"),
            ("SVC:status=FAILED,exit_code=256", "exit_code must be a whole number from 0 to 255"),
            ("SVC:handler=pages", "handler must be echo, paginated, paginated:ITEMS or paginated:ITEMS:PAGE_SIZE"),
            ("SVC:handler=paginated:10:0", "handler must be echo, paginated"),
            ("SVC:handler=echo:3", "handler must be echo, paginated"),
            ("SVC:latency=fast", "latency must be a number of seconds >= 0"),
            ("SVC:latency=601", "latency must be at most 600 seconds"),
        ],
    )
    def test_bad_options_say_what_is_wrong(self, text: str, fragment: str) -> None:
        with pytest.raises(RequestError) as caught:
            parse_service_option(text)
        assert str(caught.value).startswith(f"{text!r}: ")  # names the option it is about
        assert fragment in str(caught.value)
        assert caught.value.status == 400


class TestJsonFields:
    def test_json_types(self) -> None:
        definition = ServiceDefinition.from_fields(
            {"name": "svc", "endpoints": ["api", "metrics:private"], "status": "pending", "fail_after_seconds": 3}
        )
        assert definition.endpoints == (("api", True), ("metrics", False))
        assert (definition.status, definition.fail_after_seconds) == ("PENDING", 3.0)

    @pytest.mark.parametrize(
        ("fields", "fragment"),
        [
            ({}, "name is required"),
            ({"name": "svc", "extra": 1}, "unknown field 'extra'; accepted fields: name, database"),
            ({"name": "svc", "pending_polls": True}, "pending_polls must be a whole number"),
            ({"name": "svc", "pending_polls": 1.5}, "pending_polls must be a whole number"),
            ({"name": "svc", "pending_seconds": float("inf")}, "pending_seconds must be a number of seconds"),
            ({"name": "svc", "endpoints": [1]}, "endpoints must be a list of names"),
            ({"name": "svc", "status": "FAILED", "message": ""}, "message must be a non-empty string"),
        ],
    )
    def test_bad_fields(self, fields: dict[str, Any], fragment: str) -> None:
        with pytest.raises(RequestError) as caught:
            ServiceDefinition.from_fields(fields)
        assert fragment in str(caught.value)


class TestScripts:
    def test_each_action_reads_its_fields(self) -> None:
        assert ServiceScript.from_fields("pending", {"polls": 2}) == ServiceScript("pending", polls=2)
        assert ServiceScript.from_fields("fail", {"after_seconds": 1, "message": "m", "exit_code": 3}) == (
            ServiceScript("fail", seconds=1.0, message="m", exit_code=3)
        )
        assert ServiceScript.from_fields("status", {"status": "done"}) == ServiceScript("status", status="DONE")
        assert ServiceScript.from_fields("suspend", {}) == ServiceScript("suspend")
        assert ServiceScript.from_fields("latency", {"seconds": 2, "endpoint": "echo"}) == (
            ServiceScript("latency", seconds=2.0, endpoint="echo")
        )

    @pytest.mark.parametrize(
        ("action", "fields", "status", "fragment"),
        [
            ("dance", {}, 404, "unknown action 'dance'; actions: pending, fail, suspend, resume, status, latency"),
            ("latency", {}, 400, "action latency: seconds is required"),
            ("suspend", {"polls": 1}, 400, "action suspend: unknown field 'polls'; accepted fields: none"),
            ("pending", {"after_polls": 1}, 400, "accepted fields: polls, seconds"),
            ("status", {}, 400, "status is required"),
            ("status", {"status": "DELETED"}, 400, "status must be one of"),
        ],
    )
    def test_bad_scripts(self, action: str, fields: dict[str, Any], status: int, fragment: str) -> None:
        with pytest.raises(RequestError) as caught:
            ServiceScript.from_fields(action, fields)
        assert caught.value.status == status
        assert fragment in str(caught.value)


def test_token_files_rotate_every_five_minutes_or_at_half_their_life() -> None:
    assert rotation_interval(3600) == 300
    assert rotation_interval(60) == 30
