"""Job and lifecycle statements: order, quoting, refusal of unsafe input."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.jobs import JobSpec, generate_job_name, parse_started_job_name
from airflow_provider_spcs.core.statements import alter_service, drop_service, execute_job_service, service_logs


def test_stage_spec_in_documented_order() -> None:
    job = JobSpec(
        compute_pool="spcs_pool",
        name="spcs_db.app.my_job",
        stage="@SPCS_DB.APP.SPECS",
        spec_file="jobs/job.yaml",
        replicas=2,
        query_warehouse="wh",
        external_access_integrations=("eai_one", "EAI_TWO"),
        comment="it's nightly",
    )
    assert execute_job_service(job).splitlines() == [
        'EXECUTE JOB SERVICE IN COMPUTE POOL "SPCS_POOL"',
        'NAME = "SPCS_DB"."APP"."MY_JOB"',
        "ASYNC = TRUE",
        "REPLICAS = 2",
        'QUERY_WAREHOUSE = "WH"',
        "COMMENT = 'it\\'s nightly'",
        'EXTERNAL_ACCESS_INTEGRATIONS = ("EAI_ONE", "EAI_TWO")',
        """FROM @"SPCS_DB"."APP"."SPECS" SPECIFICATION_FILE = 'jobs/job.yaml'""",
    ]


def test_inline_spec_text_and_mapping() -> None:
    text = "spec:\n  containers:\n  - name: main\n    image: /db/s/repo/img:1\n"
    sql = execute_job_service(JobSpec(compute_pool="p", name="j", spec=text))
    assert sql.endswith("FROM SPECIFICATION $$\n" + text.strip("\n") + "\n$$")
    sql = execute_job_service(
        JobSpec(compute_pool="p", name="j", spec={"spec": {"containers": [{"name": "main", "image": "i"}]}})
    )
    assert '"containers"' in sql
    assert sql.endswith("$$")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"spec": "a: $$; DROP DATABASE x; $$"}, "spec"),
        ({"spec": "   "}, "spec"),
        ({"spec": "a: 1", "stage": "@s", "spec_file": "f"}, "spec"),
        ({}, "spec"),
        ({"stage": "@s"}, "spec_file"),
        ({"stage": "@s; DROP", "spec_file": "f"}, "stage"),
        ({"stage": "@s", "spec_file": "f'\n"}, "spec_file"),
        ({"spec": "a: 1", "name": "j; DROP SERVICE x"}, "name"),
        ({"spec": "a: 1", "replicas": 0}, "replicas"),
        ({"spec": "a: 1", "query_warehouse": "wh x"}, "query_warehouse"),
        ({"spec": "a: 1", "external_access_integrations": ("ok", "no way")}, "external_access_integrations"),
    ],
)
def test_unsafe_or_incomplete_input_is_refused(kwargs: dict[str, object], field: str) -> None:
    base: dict[str, object] = {"compute_pool": "pool", "name": "job"}
    with pytest.raises(SpcsConfigError) as err:
        JobSpec(**{**base, **kwargs})  # type: ignore[arg-type]
    assert err.value.field == field


def test_started_job_name_is_parsed() -> None:
    assert parse_started_job_name("Started Snowpark Container Services Job 'TEST_JOB'.") == "TEST_JOB"
    assert parse_started_job_name('Job "my job" started') == "my job"
    assert parse_started_job_name(None) is None
    assert parse_started_job_name("Statement executed successfully.") is None


def test_lifecycle_statements() -> None:
    assert alter_service("echo_service", "suspend") == 'ALTER SERVICE "ECHO_SERVICE" SUSPEND'
    assert alter_service("db.s.x", "RESUME", if_exists=True) == 'ALTER SERVICE IF EXISTS "DB"."S"."X" RESUME'
    assert drop_service("job") == 'DROP SERVICE IF EXISTS "JOB"'
    with pytest.raises(SpcsConfigError):
        alter_service("x", "DROP")
    assert service_logs("db.s.job", 0, "main", 50) == "SELECT SYSTEM$GET_SERVICE_LOGS('DB.S.JOB', '0', 'main', 50)"
    assert service_logs('"My Job"', "1", "c'x", 5) == "SELECT SYSTEM$GET_SERVICE_LOGS('\"My Job\"', '1', 'c\\'x', 5)"
    with pytest.raises(SpcsConfigError):
        service_logs("job", 0, "main", 5000)


def test_generated_names_are_valid_and_unique() -> None:
    a, b = generate_job_name(), generate_job_name()
    assert a != b
    assert JobSpec(compute_pool="p", name=a, spec="a: 1").qualified_name.name == a
