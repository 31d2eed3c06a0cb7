"""CREATE SERVICE in every spec form, ALTER SERVICE ... FROM (rolling upgrade), SET and UNSET."""

from __future__ import annotations

import hashlib
import json

import pytest
from emu_helpers import WEB_SPEC, FakeClock
from sql_helpers import DESCRIBE, INSTANCES, STAGE, default_world, error, names, one, run, text

from airflow_provider_spcs.testing.default_world import echo_service_spec
from airflow_provider_spcs.testing.model import Service, World

SPEC = WEB_SPEC
TEMPLATE = SPEC.replace("{tag}", "{{ tag }}")
JSON_SPEC = json.dumps(
    {"spec": {"containers": [{"name": "web", "image": "/spcs_db/app/images/web:v1"}], "endpoints": []}}
)


@pytest.fixture
def world(clock: FakeClock) -> World:
    world = default_world(clock)
    world.add_stage_file(STAGE, "web.yaml", SPEC.format(tag="v1"))
    world.add_stage_file(STAGE + "/templates", "web.tpl.yaml", TEMPLATE)
    return world


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create(world: World, spec_clause: str, options: str = "", name: str = "web") -> str:
    result = run(world, f"CREATE SERVICE {name} IN COMPUTE POOL spcs_pool FROM {spec_clause} {options}")
    return text(result.rows[0][0])


def service(world: World, name: str = "WEB") -> Service:
    found = world.service(name)
    assert isinstance(found, Service)
    return found


class TestCreateForms:
    @pytest.mark.parametrize(
        ("spec_clause", "resolved"),
        [
            ("@specs SPECIFICATION_FILE = 'web.yaml'", SPEC.format(tag="v1")),
            ("@SPCS_DB.APP.SPECS SPECIFICATION_FILE='/web.yaml'", SPEC.format(tag="v1")),
            (f"SPECIFICATION $${SPEC.format(tag='v1')}$$", SPEC.format(tag="v1")),
            (f"SPECIFICATION '{JSON_SPEC}'", JSON_SPEC),
            (
                "@specs/templates SPECIFICATION_TEMPLATE_FILE = 'web.tpl.yaml' USING (tag => 'v7')",
                SPEC.format(tag="v7"),
            ),
            (f"SPECIFICATION_TEMPLATE $${TEMPLATE}$$ USING (TAG => $$v8$$)", SPEC.format(tag="v8")),
            (f"SPECIFICATION_TEMPLATE $${TEMPLATE}$$ USING (tag => v9, unused => 3)", SPEC.format(tag="v9")),
            (
                "SPECIFICATION_TEMPLATE $$spec:\n  containers:\n  - name: w\n    image: i\n    env: {{ env }}\n$$ "
                'USING (env => {"A": "1", "B": [1, 2]})',
                'spec:\n  containers:\n  - name: w\n    image: i\n    env: {"A": "1", "B": [1, 2]}\n',
            ),
        ],
    )
    def test_every_spec_form(self, world: World, spec_clause: str, resolved: str) -> None:
        assert create(world, spec_clause) == "Service WEB successfully created."
        first = run(world, "DESCRIBE SERVICE web")
        assert names(first) == DESCRIBE
        assert first.dicts()[0]["status"] == "PENDING"
        row = one(world, "DESCRIBE SERVICE web")
        assert row["spec"] == resolved
        assert row["spec_digest"] == sha(resolved)
        assert row["status"] == "RUNNING"

    def test_pending_then_running_with_ready_instances_and_an_ingress_endpoint(self, world: World) -> None:
        create(world, "@specs SPECIFICATION_FILE='web.yaml'", "MIN_INSTANCES = 2")
        first = one(world, "SHOW SERVICES LIKE 'WEB'")
        assert (first["status"], first["current_instances"], first["target_instances"]) == ("PENDING", 0, 2)
        instances = run(world, "SHOW SERVICE INSTANCES IN SERVICE web")
        assert names(instances) == INSTANCES
        assert [(r["instance_id"], r["status"]) for r in instances.dicts()] == [("0", "READY"), ("1", "READY")]
        assert {r["spec_digest"] for r in instances.dicts()} == {sha(SPEC.format(tag="v1"))}
        assert run(world, "SHOW ENDPOINTS IN SERVICE web").rows[0][:5] == ["api", 8000, None, "HTTP", True]

    def test_options_in_any_order_and_their_columns(self, world: World) -> None:
        create(
            world,
            "@specs SPECIFICATION_FILE='web.yaml'",
            "COMMENT = 'deployed by ci' QUERY_WAREHOUSE = wh1 LOG_LEVEL = 'debug' MAX_INSTANCES = 4 "
            "MIN_READY_INSTANCES = 1 MIN_INSTANCES = 2 AUTO_RESUME = FALSE EXTERNAL_ACCESS_INTEGRATIONS = (eai_a, eai_b) "
            "AUTO_SUSPEND_SECS = 600 WITH TAG (ops.owner = 'team-a', cost = 'x')",
        )
        row = one(world, "DESCRIBE SERVICE web")
        assert (row["min_instances"], row["max_instances"], row["min_ready_instances"]) == (2, 4, 1)
        assert (row["auto_resume"], row["auto_suspend_secs"], row["query_warehouse"]) == (False, 600, "WH1")
        assert json.loads(text(row["external_access_integrations"])) == ["EAI_A", "EAI_B"]
        assert row["comment"] == "deployed by ci"
        settings = service(world).settings
        assert (settings.log_level, dict(settings.tags)) == ("DEBUG", {"OPS.OWNER": "team-a", "COST": "x"})

    def test_defaults(self, world: World) -> None:
        create(world, "@specs SPECIFICATION_FILE='web.yaml'", "MIN_INSTANCES = 3")
        row = one(world, "DESCRIBE SERVICE web")
        assert (row["min_instances"], row["max_instances"], row["min_ready_instances"]) == (3, 3, 3)
        assert (row["auto_resume"], row["auto_suspend_secs"], row["is_upgrading"], row["comment"]) == (
            True,
            0,
            False,
            None,
        )

    def test_if_not_exists_leaves_the_existing_service_alone(self, world: World) -> None:
        create(world, "@specs SPECIFICATION_FILE='web.yaml'")
        before = one(world, "DESCRIBE SERVICE web")["spec_digest"]
        reply = run(world, "CREATE SERVICE IF NOT EXISTS web IN COMPUTE POOL spcs_pool FROM SPECIFICATION $$x$$")
        assert reply.rows == [["WEB already exists, statement succeeded."]]
        assert one(world, "DESCRIBE SERVICE web")["spec_digest"] == before
        err = error(world, "CREATE SERVICE web IN COMPUTE POOL spcs_pool FROM @specs SPECIFICATION_FILE='web.yaml'")
        assert (err.code, err.sql_state) == ("002002", "42710")
        assert err.message == "SQL compilation error:\nObject 'WEB' already exists."

    @pytest.mark.parametrize(
        ("sql", "code", "fragment"),
        [
            (
                "CREATE SERVICE s IN COMPUTE POOL nope FROM @specs SPECIFICATION_FILE='web.yaml'",
                "002003",
                "Compute pool 'NOPE' does not exist or not authorized.",
            ),
            (
                "CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM @specs SPECIFICATION_FILE='missing.yaml'",
                "002003",
                "Specification file 'missing.yaml' does not exist on stage '@SPCS_DB.APP.SPECS'",
            ),
            (
                "CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM @specs/templates "
                "SPECIFICATION_TEMPLATE_FILE='web.tpl.yaml' USING (other => 'x')",
                "395018",
                "no value for 'tag'",
            ),
            ("CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM SPECIFICATION $$spec: {}$$", "395018", "Invalid spec"),
            (
                "CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM @specs SPECIFICATION_FILE='web.yaml' "
                "MIN_INSTANCES = 3 MAX_INSTANCES = 2",
                "002029",
                "Invalid value [2] for parameter 'MAX_INSTANCES'",
            ),
            (
                "CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM @specs SPECIFICATION_FILE='web.yaml' LOG_LEVEL = 'LOUD'",
                "002029",
                "parameter 'LOG_LEVEL'",
            ),
        ],
    )
    def test_errors(self, world: World, sql: str, code: str, fragment: str) -> None:
        err = error(world, sql)
        assert err.code == code
        assert fragment in err.message
        assert world.service("S") is None

    @pytest.mark.parametrize(
        "sql",
        [
            "CREATE OR REPLACE SERVICE s IN COMPUTE POOL spcs_pool FROM SPECIFICATION $$x$$",
            "CREATE SERVICE s FROM SPECIFICATION $$x$$",
            "CREATE SERVICE s IN COMPUTE POOL spcs_pool MIN_INSTANCES = 1 FROM SPECIFICATION $$x$$",
            "CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM SPECIFICATION_TEMPLATE $$x$$",
            "CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM SPECIFICATION $$x$$ USING (a => 'b')",
            "CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM SPECIFICATION $$x$$ COMMENT = 'a' COMMENT = 'b'",
            "CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM SPECIFICATION $$x$$ REPLICAS = 2",
            'CREATE SERVICE s IN COMPUTE POOL spcs_pool FROM SPECIFICATION_TEMPLATE $$x$$ USING (a => {"b": )',
        ],
    )
    def test_syntax_errors(self, world: World, sql: str) -> None:
        assert error(world, sql).code == "001003"


class TestUpgrade:
    def test_alter_from_rolls_instances_and_reports_digests(self, world: World) -> None:
        create(world, "@specs SPECIFICATION_FILE='web.yaml'", "MIN_INSTANCES = 2")
        run(world, "DESCRIBE SERVICE web")
        old, new = sha(SPEC.format(tag="v1")), sha(SPEC.format(tag="v2"))
        reply = run(world, f"ALTER SERVICE web FROM SPECIFICATION $${SPEC.format(tag='v2')}$$")
        assert reply.rows == [["Statement executed successfully."]]
        row = one(world, "DESCRIBE SERVICE web")  # one look: instance 1 starts TERMINATING
        assert (row["status"], row["spec_digest"], row["is_upgrading"]) == ("RUNNING", new, True)
        seen = []
        for _ in range(4):
            rows = run(world, "SHOW SERVICE INSTANCES IN SERVICE web").dicts()
            seen.append([(r["status"], r["service_status"], r["spec_digest"]) for r in rows])
        assert seen == [
            [("READY", "RUNNING", old), ("PENDING", "RUNNING", new)],
            [("TERMINATING", "RUNNING", old), ("READY", "RUNNING", new)],
            [("PENDING", "RUNNING", new), ("READY", "RUNNING", new)],
            [("READY", "RUNNING", new), ("READY", "RUNNING", new)],
        ]
        assert one(world, "DESCRIBE SERVICE web")["is_upgrading"] is False

    def test_template_file_upgrade_and_if_exists(self, world: World) -> None:
        create(world, "@specs SPECIFICATION_FILE='web.yaml'")
        run(
            world,
            "ALTER SERVICE IF EXISTS web FROM @specs/templates SPECIFICATION_TEMPLATE_FILE='web.tpl.yaml' USING (tag=>'v5')",
        )
        assert one(world, "DESCRIBE SERVICE web")["spec"] == SPEC.format(tag="v5")
        assert run(world, "ALTER SERVICE IF EXISTS nope FROM SPECIFICATION $$x$$").rows == [
            ["Statement executed successfully."]
        ]
        assert error(world, "ALTER SERVICE web FROM SPECIFICATION $$not: a spec$$").code == "395018"
        assert one(world, "DESCRIBE SERVICE web")["spec"] == SPEC.format(tag="v5")

    def test_upgrade_to_the_default_broken_spec_fails_an_instance(self, world: World) -> None:
        run(world, "ALTER SERVICE echo_service FROM @specs SPECIFICATION_FILE = 'echo_service_broken.yaml'")
        for _ in range(3):
            status = one(world, "DESCRIBE SERVICE echo_service")["status"]
        assert status == "FAILED"
        [container] = run(world, "SHOW SERVICE CONTAINERS IN SERVICE echo_service").dicts()
        assert (container["instance_status"], container["status"], container["last_exit_code"]) == (
            "FAILED",
            "FAILED",
            1,
        )
        assert "no such file" in text(container["message"])
        assert text(container["image_name"]).endswith("/spcs_db/app/images/main:broken")

    def test_jobs_cannot_be_upgraded_or_altered(self, world: World) -> None:
        run(
            world,
            "EXECUTE JOB SERVICE IN COMPUTE POOL spcs_pool FROM @specs SPECIFICATION_FILE='job.yaml' NAME=j ASYNC=TRUE",
        )
        for sql in ("ALTER SERVICE j FROM SPECIFICATION $$x$$", "ALTER SERVICE j SET MIN_INSTANCES = 2"):
            assert error(world, sql).code == "000002"

    def test_echo_service_spec_is_the_default_stage_file(self, world: World) -> None:
        assert one(world, "DESCRIBE SERVICE echo_service")["spec"] == echo_service_spec()
        assert world.stage_file("SPCS_DB.APP.SPECS", "echo_service.yaml") == echo_service_spec()


class TestSetUnset:
    def test_scale_up_then_down_through_set(self, world: World) -> None:
        run(world, "ALTER SERVICE echo_service SET MIN_INSTANCES = 3, MAX_INSTANCES = 3")
        statuses = [r["status"] for r in run(world, "SHOW SERVICE INSTANCES IN SERVICE echo_service").dicts()]
        assert statuses == ["READY", "PENDING", "PENDING"]
        row = one(world, "DESCRIBE SERVICE echo_service")
        assert (row["current_instances"], row["target_instances"], row["max_instances"]) == (3, 3, 3)
        run(world, "ALTER SERVICE echo_service SET MIN_INSTANCES = 1")
        instances = run(world, "SHOW SERVICE INSTANCES IN SERVICE echo_service").dicts()
        assert [(r["instance_id"], r["status"]) for r in instances] == [
            ("0", "READY"),
            ("1", "TERMINATING"),
            ("2", "TERMINATING"),
        ]
        assert [r["instance_id"] for r in run(world, "SHOW SERVICE INSTANCES IN SERVICE echo_service").dicts()] == ["0"]

    def test_set_and_unset_properties(self, world: World) -> None:
        run(
            world,
            "ALTER SERVICE echo_service SET AUTO_RESUME = FALSE AUTO_SUSPEND_SECS = 60 QUERY_WAREHOUSE = wh "
            "LOG_LEVEL = 'WARN' EXTERNAL_ACCESS_INTEGRATIONS = (e1) COMMENT = 'c'",
        )
        row = one(world, "SHOW SERVICES LIKE 'ECHO_SERVICE'")
        assert (row["auto_resume"], row["auto_suspend_secs"], row["query_warehouse"], row["comment"]) == (
            False,
            60,
            "WH",
            "c",
        )
        run(
            world,
            "ALTER SERVICE echo_service UNSET AUTO_RESUME, COMMENT, QUERY_WAREHOUSE, EXTERNAL_ACCESS_INTEGRATIONS",
        )
        row = one(world, "SHOW SERVICES LIKE 'ECHO_SERVICE'")
        assert (row["auto_resume"], row["comment"], row["query_warehouse"]) == (True, None, None)
        assert row["external_access_integrations"] is None
        assert row["auto_suspend_secs"] == 60

    @pytest.mark.parametrize(
        ("sql", "code"),
        [
            ("ALTER SERVICE echo_service SET MIN_INSTANCES = 2 MAX_INSTANCES = 1", "002029"),
            ("ALTER SERVICE echo_service SET MIN_READY_INSTANCES = 2", "002029"),
            ("ALTER SERVICE echo_service SET", "001003"),
            ("ALTER SERVICE echo_service SET REPLICAS = 2", "001003"),
            ("ALTER SERVICE echo_service SET TAG (a = 'b')", "001003"),
            ("ALTER SERVICE echo_service UNSET COMMENT, COMMENT", "001003"),
            ("ALTER SERVICE echo_service UNSET SPEC", "001003"),
        ],
    )
    def test_errors(self, world: World, sql: str, code: str) -> None:
        assert error(world, sql).code == code
        assert one(world, "DESCRIBE SERVICE echo_service")["min_instances"] == 1
