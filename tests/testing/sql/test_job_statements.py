"""EXECUTE JOB SERVICE and what follows a job: DESCRIBE/SHOW polls, logs, cancel, SPCS_WAIT_FOR, DROP."""

from __future__ import annotations

import re

import pytest
from sql_helpers import STAGE, job_world, run, submit, text

from airflow_provider_spcs.testing.model import JobService, World
from airflow_provider_spcs.testing.sql import Pending, ResultSet, SqlError

INLINE = """
spec:
  containers:
  - name: worker
    image: /spcs_db/app/images/worker:latest
    command: ["python", "-m", "train"]
"""

INLINE_FAILING = """
spec:
  containers:
  - name: worker
    image: /spcs_db/app/images/worker:latest
    env:
      EMULATOR_OUTCOME: FAILED
      EMULATOR_EXIT_CODE: 7
      EMULATOR_RUN_POLLS: 1
      EMULATOR_LOGS: |
        loading
        Traceback: boom
  - name: sidecar
    image: /spcs_db/app/images/sidecar:latest
"""


@pytest.fixture
def world() -> World:
    return job_world()


def started_name(result: ResultSet) -> str:
    assert [c.name for c in result.columns] == ["status"]
    match = re.fullmatch(r"Started Snowpark Container Services Job '(.+)'\.", text(result.rows[0][0]))
    assert match is not None
    return match.group(1)


def finish(pending: Pending, limit: int = 20) -> ResultSet:
    for _ in range(limit):
        result = pending.poll()
        if result is not None:
            return result
    raise AssertionError("job did not finish")


class TestSubmission:
    @pytest.mark.parametrize(
        "sql",
        [
            f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPECIFICATION_FILE='job.yaml' NAME=MY_JOB ASYNC=TRUE",
            f"execute job service in compute pool spcs_pool from {STAGE} spec = 'job.yaml' name = my_job async = true;",
            "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL NAME = MY_JOB ASYNC = TRUE FROM @specs SPECIFICATION_FILE = 'job.yaml'",
            "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM @app.specs SPEC='/job.yaml' NAME=SPCS_DB.APP.MY_JOB ASYNC='true'",
            'EXECUTE JOB SERVICE IN COMPUTE POOL "SPCS_POOL" FROM @"SPCS_DB"."APP"."SPECS" SPEC=\'job.yaml\' NAME="MY_JOB" ASYNC=TRUE',
        ],
    )
    def test_async_spellings_and_orders(self, world: World, sql: str) -> None:
        assert started_name(run(world, sql)) == "MY_JOB"
        job = world.service("MY_JOB")
        assert job is not None
        assert job.is_job
        assert job.is_async_job
        assert job.owner_role == "SPCS_ROLE"

    def test_snowflake_cli_order_with_inline_spec(self, world: World) -> None:
        sql = f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM SPECIFICATION $${INLINE}$$ NAME = TRAIN ASYNC = TRUE"
        assert started_name(run(world, sql)) == "TRAIN"
        job = world.service("TRAIN")
        assert job is not None
        assert job.containers == ["worker"]
        assert job.spec == INLINE

    def test_all_properties(self, world: World) -> None:
        sql = (
            f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPECIFICATION_FILE='job.yaml' "
            "NAME=PROPS ASYNC=TRUE REPLICAS=2 QUERY_WAREHOUSE=my_wh COMMENT='nightly ''run''' "
            "EXTERNAL_ACCESS_INTEGRATIONS=(eai_one, EAI_TWO)"
        )
        run(world, sql)
        row = run(world, "SHOW JOB SERVICES LIKE 'PROPS'").dicts()[0]
        assert (row["query_warehouse"], row["comment"], row["target_instances"]) == ("MY_WH", "nightly 'run'", 2)
        assert row["external_access_integrations"] == '["EAI_ONE", "EAI_TWO"]'
        assert (row["is_async_job"], row["auto_resume"]) == (True, False)

    def test_default_name(self, world: World) -> None:
        name = started_name(
            run(world, f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' ASYNC=TRUE")
        )
        assert re.fullmatch(r"JOB_[0-9A-F]{32}", name)
        assert world.service(name) is not None

    def test_name_taken(self, world: World) -> None:
        world.add_service("TAKEN")
        err_sql = f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' NAME=taken ASYNC=TRUE"
        with pytest.raises(SqlError) as info:
            submit(world, err_sql)
        assert (info.value.code, info.value.sql_state) == ("002002", "42710")
        assert "'TAKEN' already exists" in info.value.message

    @pytest.mark.parametrize(
        ("sql", "code", "fragment"),
        [
            (f"EXECUTE JOB SERVICE IN COMPUTE POOL NOPE FROM {STAGE} SPEC='job.yaml'", "002003", "Compute pool 'NOPE'"),
            (
                f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='missing.yaml'",
                "002003",
                "missing.yaml",
            ),
            (
                "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM @other SPEC='job.yaml'",
                "002003",
                "@SPCS_DB.APP.OTHER",
            ),
            (
                "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM SPECIFICATION 'not: [a spec'",
                "395018",
                "Invalid spec",
            ),
            ("EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM SPECIFICATION 'spec: {}'", "395018", "containers"),
            ("EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL", "001003", "<EOF>"),
            (f"EXECUTE JOB SERVICE FROM {STAGE} SPEC='job.yaml'", "001003", "<EOF>"),
            (f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' REPLICAS=0", "001003", "'0'"),
            (
                f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' COLOUR=RED",
                "001003",
                "COLOUR",
            ),
            (
                f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' NAME=A NAME=B",
                "001003",
                "NAME",
            ),
            (
                f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' ASYNC=MAYBE",
                "001003",
                "MAYBE",
            ),
        ],
    )
    def test_errors(self, world: World, sql: str, code: str, fragment: str) -> None:
        with pytest.raises(SqlError) as info:
            submit(world, sql)
        assert info.value.code == code
        assert fragment in info.value.message
        assert [s.name for s in world.list_services()] == []

    def test_stage_sub_directory(self, world: World) -> None:
        world.add_job_spec(STAGE, "jobs/nightly.yaml")
        sql = "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM @specs/jobs SPECIFICATION_FILE='nightly.yaml' NAME=N ASYNC=TRUE"
        assert started_name(run(world, sql)) == "N"


class TestSynchronous:
    def test_sync_job_completes(self, world: World) -> None:
        pending = submit(
            world, f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' NAME=SYNC_JOB"
        )
        assert isinstance(pending, Pending)
        assert [pending.poll() for _ in range(3)] == [None, None, None]  # PENDING, RUNNING, RUNNING
        result = pending.poll()
        assert result is not None
        assert [c.name for c in result.columns] == ["status"]
        assert result.rows == [["Job SYNC_JOB completed successfully with status: DONE."]]
        assert world.service("SYNC_JOB").status == "DONE"  # type: ignore[union-attr]

    def test_sync_failure_raises_naming_job_and_logs(self, world: World) -> None:
        pending = submit(
            world, f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='failing_job.yaml' NAME=BAD"
        )
        assert isinstance(pending, Pending)
        with pytest.raises(SqlError) as info:
            finish(pending)
        message = info.value.message
        assert "BAD" in message
        assert "FAILED" in message
        assert "logs" in message
        [row] = run(world, "SHOW SERVICE CONTAINERS IN SERVICE BAD").dicts()
        assert (row["status"], row["last_exit_code"], row["instance_status"]) == ("FAILED", 1, "FAILED")

    def test_inline_spec_scripts_a_failure(self, world: World) -> None:
        sql = f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM SPECIFICATION '{INLINE_FAILING}' NAME=SCRIPTED"
        pending = submit(world, sql)
        assert isinstance(pending, Pending)
        assert [pending.poll(), pending.poll()] == [None, None]  # PENDING, RUNNING
        with pytest.raises(SqlError, match="SCRIPTED"):
            pending.poll()
        rows = run(world, "SHOW SERVICE CONTAINERS IN SERVICE SCRIPTED").dicts()
        assert [(r["container_name"], r["last_exit_code"]) for r in rows] == [("worker", 7), ("sidecar", 7)]
        logs = run(world, "SELECT SYSTEM$GET_SERVICE_LOGS('SCRIPTED', 0, 'worker')").rows[0][0]
        assert logs == "loading\nTraceback: boom"
        assert run(world, "SELECT SYSTEM$GET_SERVICE_LOGS('SCRIPTED', 0, 'sidecar')").rows == [[""]]

    def test_inline_command_becomes_the_log(self, world: World) -> None:
        sql = f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM SPECIFICATION $${INLINE}$$ NAME=CMD"
        pending = submit(world, sql)
        assert isinstance(pending, Pending)
        assert finish(pending).rows == [["Job CMD completed successfully with status: DONE."]]
        assert run(world, "SELECT SYSTEM$GET_SERVICE_LOGS('CMD', 0, 'worker')").rows == [["python -m train"]]

    def test_bad_scripting_values(self, world: World) -> None:
        spec = INLINE_FAILING.replace("EMULATOR_EXIT_CODE: 7", "EMULATOR_EXIT_CODE: seven")
        with pytest.raises(SqlError, match="EMULATOR_EXIT_CODE"):
            submit(world, f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM SPECIFICATION $${spec}$$")

    def test_cancel_while_waiting(self, world: World) -> None:
        pending = submit(
            world, f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' NAME=STOPME"
        )
        assert isinstance(pending, Pending)
        assert pending.poll() is None
        pending.cancel()
        assert pending.poll() is None  # CANCELLING
        with pytest.raises(SqlError) as info:
            pending.poll()
        assert info.value.code == "000604"

    def test_dropping_the_job_ends_the_statement(self, world: World) -> None:
        pending = submit(world, f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' NAME=GONE")
        assert isinstance(pending, Pending)
        run(world, "DROP SERVICE GONE")
        with pytest.raises(SqlError, match="DELETED"):
            pending.poll()


class TestAsyncFollowUps:
    def start(self, world: World, spec: str = "job.yaml", extra: str = "") -> str:
        sql = f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='{spec}' ASYNC=TRUE {extra}"
        return started_name(run(world, sql))

    def status(self, world: World, name: str) -> str:
        return text(run(world, f"DESCRIBE SERVICE {name}").dicts()[0]["status"])

    def test_describe_polls_progress_the_job(self, world: World) -> None:
        name = self.start(world)
        assert [self.status(world, name) for _ in range(5)] == ["PENDING", "RUNNING", "RUNNING", "DONE", "DONE"]
        assert run(world, f"SELECT SYSTEM$GET_SERVICE_LOGS('{name}', 0, 'main', 2)").rows == [["step 1\ndone"]]

    def test_replicas_have_numbered_instances(self, world: World) -> None:
        name = self.start(world, extra="REPLICAS=3")
        self.status(world, name)
        rows = run(world, f"SHOW SERVICE CONTAINERS IN SERVICE {name}").dicts()
        assert [r["instance_id"] for r in rows] == ["0", "1", "2"]
        assert {r["status"] for r in rows} == {"READY"}
        assert run(world, f"SELECT SYSTEM$GET_SERVICE_LOGS('{name}', '2', 'main', 1)").rows == [["done"]]
        instances = run(world, f"SHOW SERVICE INSTANCES IN SERVICE {name}").dicts()
        assert [r["instance_id"] for r in instances] == ["0", "1", "2"]

    def test_done_job_containers(self, world: World) -> None:
        name = self.start(world)
        for _ in range(4):
            self.status(world, name)
        [row] = run(world, f"SHOW SERVICE CONTAINERS IN SERVICE {name}").dicts()
        assert (row["service_status"], row["instance_status"], row["status"], row["last_exit_code"]) == (
            "DONE",
            "SUCCEEDED",
            "DONE",
            0,
        )

    def test_system_cancel_job(self, world: World) -> None:
        name = self.start(world)
        result = run(world, f"SELECT SYSTEM$CANCEL_JOB('{name}')")
        assert [c.name for c in result.columns] == [f"SYSTEM$CANCEL_JOB('{name}')"]
        assert result.rows[0][0] == f"Job {name} successfully cancelled."
        assert [self.status(world, name), self.status(world, name)] == ["CANCELLING", "CANCELLED"]
        again = run(world, f"SELECT SYSTEM$CANCEL_JOB('{name}')").rows[0][0]
        assert again == f"Job {name} has already finished with status: CANCELLED."

    def test_call_spcs_cancel_job(self, world: World) -> None:
        name = self.start(world)
        result = run(world, f"CALL spcs_db.app.{name}!SPCS_CANCEL_JOB();")
        assert [c.name for c in result.columns] == ["SPCS_CANCEL_JOB"]
        assert self.status(world, name) == "CANCELLING"

    def test_cancel_needs_a_job(self, world: World) -> None:
        world.add_service("LONG_RUNNING")
        with pytest.raises(SqlError, match="Job service 'LONG_RUNNING'"):
            submit(world, "SELECT SYSTEM$CANCEL_JOB('long_running')")

    def test_cancel_respects_visibility(self, world: World) -> None:
        name = self.start(world)
        with pytest.raises(SqlError, match="does not exist or not authorized"):
            submit(world, f"CALL {name}!SPCS_CANCEL_JOB()", role="PUBLIC")
        assert world.service(name).status == "PENDING"  # type: ignore[union-attr]

    def test_jobs_cannot_be_altered(self, world: World) -> None:
        name = self.start(world)
        with pytest.raises(SqlError) as info:
            submit(world, f"ALTER SERVICE {name} SUSPEND")
        assert info.value.code == "000002"

    def test_wait_for_already_reached(self, world: World) -> None:
        world.add_service("UP")
        result = submit(world, "CALL up!SPCS_WAIT_FOR('running', 10)")
        assert isinstance(result, ResultSet)
        assert result.rows == [["Service UP reached status RUNNING."]]
        assert [c.name for c in result.columns] == ["SPCS_WAIT_FOR"]

    def test_wait_for_waits_then_succeeds(self, world: World) -> None:
        name = self.start(world, extra="NAME=W")
        waiter = submit(world, f"CALL {name}!SPCS_WAIT_FOR('DONE', 60)")
        assert isinstance(waiter, Pending)  # first poll saw PENDING
        assert [waiter.poll(), waiter.poll()] == [None, None]  # RUNNING, RUNNING
        result = waiter.poll()
        assert result is not None
        assert result.rows == [["Service W reached status DONE."]]

    def test_wait_for_unreachable_status(self, world: World) -> None:
        name = self.start(world, spec="failing_job.yaml", extra="NAME=F")
        waiter = submit(world, f"CALL {name}!SPCS_WAIT_FOR('DONE', 60)")
        assert isinstance(waiter, Pending)
        assert waiter.poll() is None  # RUNNING for run_polls=1; the next poll sees FAILED
        with pytest.raises(SqlError, match=r"cannot reach status DONE; current status: FAILED"):
            waiter.poll()

    def test_wait_for_timeout_uses_the_world_clock(self) -> None:
        now = [1000.0]
        world = World(clock=lambda: now[0])
        world.add_service("SLOW", status="PENDING")
        with pytest.raises(SqlError, match="before the timeout; current status: PENDING"):
            submit(world, "CALL slow!SPCS_WAIT_FOR('RUNNING')")  # no timeout: answer at once
        waiter = submit(world, "CALL slow!SPCS_WAIT_FOR('RUNNING', 30)")
        assert isinstance(waiter, Pending)
        now[0] += 29
        assert waiter.poll() is None
        now[0] += 1
        with pytest.raises(SqlError, match="before the timeout"):
            waiter.poll()

    @pytest.mark.parametrize("args", ["", "1", "'DONE', 'soon'", "'DONE', 1, 2"])
    def test_wait_for_bad_arguments(self, world: World, args: str) -> None:
        world.add_service("UP")
        with pytest.raises(SqlError) as info:
            submit(world, f"CALL up!SPCS_WAIT_FOR({args})")
        assert info.value.code == "001044"

    def test_drop_job(self, world: World) -> None:
        name = self.start(world)
        assert run(world, f"DROP SERVICE {name}").rows == [[f"{name} successfully dropped."]]
        assert run(world, "SHOW JOB SERVICES").rows == []


def test_fully_quoted_multiline_submission_with_json_spec(world: World) -> None:
    """The shape a careful client sends: every identifier quoted, one clause per line, JSON spec."""
    sql = """EXECUTE JOB SERVICE IN COMPUTE POOL "SPCS_POOL"
NAME = "SPCS_DB"."APP"."Quoted_Job"
ASYNC = TRUE
REPLICAS = 2
QUERY_WAREHOUSE = "WH"
COMMENT = 'it\\'s here'
EXTERNAL_ACCESS_INTEGRATIONS = ("EAI")
FROM SPECIFICATION $$
{"spec": {"containers": [{"name": "main", "image": "/a/b/c:1", "env": {"EMULATOR_RUN_POLLS": "0"}}]}}
$$"""
    assert started_name(run(world, sql)) == "Quoted_Job"
    job = world.service('"Quoted_Job"')
    assert isinstance(job, JobService)
    assert (job.comment, job.query_warehouse, job.instances) == ("it's here", "WH", 2)
    statuses = [run(world, 'DESCRIBE SERVICE "SPCS_DB"."APP"."Quoted_Job"').rows[0][1] for _ in range(2)]
    assert statuses == ["PENDING", "DONE"]
    assert run(world, "SELECT SYSTEM$GET_SERVICE_LOGS('\"Quoted_Job\"', '1', 'main', 10)").rows == [[""]]


def test_seven_argument_log_call(world: World) -> None:
    """snowflake-cli's form: (service, instance, container, lines, previous, since, timestamps)."""
    name = started_name(
        run(world, f"EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM {STAGE} SPEC='job.yaml' ASYNC=TRUE")
    )
    job = world.service(name)
    assert job is not None
    job.poll()
    job.poll()
    result = run(world, f"CALL SYSTEM$GET_SERVICE_LOGS('{name}', '0', 'main', 500, FALSE, '', FALSE)")
    assert result.rows == [["starting\nstep 1\ndone"]]


def test_plain_stage_files_and_templates_run_as_jobs(world: World) -> None:
    template = (
        "spec:\n  containers:\n  - name: main\n    image: /x/job:1\n    env:\n"
        "      EMULATOR_OUTCOME: {{ outcome }}\n      EMULATOR_RUN_POLLS: '0'\n"
    )
    world.add_stage_file(STAGE, "job.tpl.yaml", template)
    world.add_stage_file(STAGE, "plain.yaml", template.replace("{{ outcome }}", "FAILED"))
    pool = "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL"
    started = run(
        world,
        f"{pool} FROM @specs SPECIFICATION_TEMPLATE_FILE='job.tpl.yaml' USING (outcome => 'DONE') NAME=t ASYNC=TRUE",
    )
    assert started_name(started) == "T"
    run(world, f"{pool} FROM @specs SPECIFICATION_FILE='plain.yaml' NAME=p ASYNC=TRUE")
    statuses = {name: [run(world, f"DESCRIBE SERVICE {name}").dicts()[0]["status"] for _ in range(2)] for name in "tp"}
    assert statuses == {"t": ["PENDING", "DONE"], "p": ["PENDING", "FAILED"]}
    inline = f"{pool} FROM SPECIFICATION_TEMPLATE $${template}$$ USING (outcome => 'DONE')"
    assert isinstance(submit(world, inline), Pending)
