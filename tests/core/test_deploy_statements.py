"""Deploy statements: documented order, quoting, the four spec sources, USING values, and refusal of unsafe input."""

from __future__ import annotations

from typing import Any, cast

import pytest

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import using_value
from airflow_provider_spcs.core.jobs import JobSpec
from airflow_provider_spcs.core.service_properties import ServiceProperties, parse_unset
from airflow_provider_spcs.core.specs import ServiceSpec, check_spec_parameters

STAGE = "@SPCS_DB.APP.SPECS"
YAML = "spec:\n  containers:\n  - name: main\n    image: /db/s/repo/img:1\n"


def test_create_service_emits_every_option_in_the_documented_order() -> None:
    sql = statements.create_service(
        "spcs_db.app.web",
        compute_pool="spcs_pool",
        spec=ServiceSpec.stage_file(STAGE, "echo_service.yaml"),
        properties=ServiceProperties(
            min_instances=2,
            max_instances=4,
            min_ready_instances=1,
            auto_resume=False,
            auto_suspend_secs=600,
            external_access_integrations=("eai_one", "EAI_TWO"),
            query_warehouse="wh",
            log_level="info",
            comment="it's live",
        ),
        tags={"governance.tags.team": "data", "env": "prod"},
        if_not_exists=True,
    )
    assert sql.splitlines() == [
        'CREATE SERVICE IF NOT EXISTS "SPCS_DB"."APP"."WEB"',
        'IN COMPUTE POOL "SPCS_POOL"',
        """FROM @"SPCS_DB"."APP"."SPECS" SPECIFICATION_FILE = 'echo_service.yaml'""",
        "AUTO_SUSPEND_SECS = 600",
        'EXTERNAL_ACCESS_INTEGRATIONS = ("EAI_ONE", "EAI_TWO")',
        "AUTO_RESUME = FALSE",
        "MIN_INSTANCES = 2",
        "MIN_READY_INSTANCES = 1",
        "MAX_INSTANCES = 4",
        "LOG_LEVEL = 'INFO'",
        'QUERY_WAREHOUSE = "WH"',
        """WITH TAG ("GOVERNANCE"."TAGS"."TEAM" = 'data', "ENV" = 'prod')""",
        "COMMENT = 'it\\'s live'",
    ]


def test_create_service_without_options_is_three_lines() -> None:
    sql = statements.create_service("web", compute_pool="p", spec=ServiceSpec.inline(YAML))
    assert sql == 'CREATE SERVICE "WEB"\nIN COMPUTE POOL "P"\nFROM SPECIFICATION $$\n' + YAML.strip("\n") + "\n$$"


@pytest.mark.parametrize(
    ("spec", "clause"),
    [
        (
            ServiceSpec.inline({"spec": {"containers": []}}),
            'FROM SPECIFICATION $$\n{\n  "spec": {\n    "containers": []\n  }\n}\n$$',
        ),
        (ServiceSpec.stage_file("@db.s.st", "dir/s.yaml"), """FROM @"DB"."S"."ST" SPECIFICATION_FILE = 'dir/s.yaml'"""),
        (
            ServiceSpec.template("image: repo:{{ tag }}", {"tag": "v2", "replicas": 3}),
            "FROM SPECIFICATION_TEMPLATE $$\nimage: repo:{{ tag }}\n$$\nUSING (tag => 'v2', replicas => 3)",
        ),
        (
            ServiceSpec.template_file(STAGE, "t.yaml", {"flag": True}),
            """FROM @"SPCS_DB"."APP"."SPECS" SPECIFICATION_TEMPLATE_FILE = 't.yaml'\nUSING (flag => true)""",
        ),
    ],
)
def test_every_spec_source_has_its_clause(spec: ServiceSpec, clause: str) -> None:
    assert statements.spec_source(spec) == clause
    assert statements.upgrade_service("web", spec) == f'ALTER SERVICE "WEB"\n{clause}'


def test_job_services_take_the_same_spec_clause() -> None:
    job = JobSpec(compute_pool="p", name="j", stage=STAGE, spec_file="job.yaml")
    assert statements.execute_job_service(job).endswith(statements.spec_source(job.source))
    assert job.source == ServiceSpec.stage_file(STAGE, "job.yaml")


@pytest.mark.parametrize(
    ("value", "sql"),
    [
        ("v2", "'v2'"),
        ("it's \\ $$ done", "'it\\'s \\\\ $$ done'"),
        ("two\nlines", "'two\\nlines'"),
        (3, "3"),
        (2.5, "2.5"),
        (-1, "'-1'"),
        (1e-07, "'1e-07'"),
        (True, "true"),
        (False, "false"),
        ({"a": [1, "x"]}, '{"a": [1, "x"]}'),
        (
            ["it's", 'say "hi"', "$$", "back\\slash"],
            '["it\\u0027s", "say \\u0022hi\\u0022", "\\u0024\\u0024", "back\\u005cslash"]',
        ),
    ],
)
def test_using_values_are_sql_literals(value: Any, sql: str) -> None:
    assert using_value(value, field="using") == sql


def test_json_values_never_open_a_string_or_dollar_quote() -> None:
    hostile = {"k": '"); DROP SERVICE x; --', "q": "' OR 1=1 --", "d": "$$; DROP SERVICE x; $$"}
    text = using_value(hostile, field="using")
    assert "'" not in text
    assert "$" not in text
    # the JSON's own quotes are the only double quotes: they pair up around keys and values
    assert text.count('"') == 12
    import json

    assert json.loads(text) == hostile


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), object(), {"a": object()}])
def test_using_values_that_cannot_be_literals_are_refused(value: Any) -> None:
    with pytest.raises(SpcsConfigError) as err:
        using_value(value, field="using.tag")
    assert err.value.field == "using.tag"


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: ServiceSpec.inline("a: $$; DROP DATABASE x; $$"), "spec"),
        (lambda: ServiceSpec.inline("   "), "spec"),
        (lambda: ServiceSpec.template("a: $$ {{ x }}", {"x": 1}), "spec_template"),
        (lambda: ServiceSpec.template("a: {{ x }}", {}), "using"),
        (lambda: ServiceSpec.template("a: {{ x }}", {"x; DROP": 1}), "using"),
        (lambda: ServiceSpec.template("a: {{ x }}", {"x": cast(Any, None)}), "using.x"),
        (lambda: ServiceSpec.stage_file("@s; DROP", "f"), "stage"),
        (lambda: ServiceSpec.stage_file("@s", "f'\n"), "spec_file"),
        (lambda: ServiceSpec.template_file("@s", "f'\n", {"a": 1}), "spec_template_file"),
        (lambda: ServiceSpec(), "spec"),
    ],
)
def test_unsafe_spec_sources_are_refused_naming_the_parameter(make: Any, field: str) -> None:
    with pytest.raises(SpcsConfigError) as err:
        make()
    assert err.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "spec"),
        ({"stage": STAGE}, "spec_file"),
        ({"spec": YAML, "spec_file": "f"}, "spec_file"),
        ({"spec_file": "f"}, "stage"),
        ({"spec": YAML, "stage": STAGE}, "stage"),
        ({"spec_template": "x"}, "using"),
        ({"spec": YAML, "using": {"a": 1}}, "using"),
        ({"stage": STAGE, "spec_template_file": "t", "using": ["a"]}, "using"),
    ],
)
def test_parameter_combinations_are_checked(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(SpcsConfigError) as err:
        check_spec_parameters(**kwargs)
    assert err.value.field == field


def test_from_parameters_picks_the_one_source() -> None:
    spec = ServiceSpec.from_parameters(stage=STAGE, spec_template_file="t.yaml", using={"tag": "v2"})
    assert spec == ServiceSpec.template_file(STAGE, "t.yaml", {"tag": "v2"})
    assert spec.describe() == f"template file {STAGE}/t.yaml with values for tag"
    assert "v2" not in spec.describe()  # values may be sensitive: never in a log line


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_instances": 0}, "min_instances"),
        ({"max_instances": True}, "max_instances"),
        ({"min_instances": 3, "max_instances": 2}, "max_instances"),
        ({"min_instances": 1, "min_ready_instances": 2}, "min_ready_instances"),
        ({"auto_suspend_secs": -1}, "auto_suspend_secs"),
        ({"auto_resume": "yes"}, "auto_resume"),
        ({"log_level": "LOUD"}, "log_level"),
        ({"external_access_integrations": "one"}, "external_access_integrations"),
    ],
)
def test_property_values_are_checked(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(SpcsConfigError) as err:
        ServiceProperties(**kwargs)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        (ServiceProperties(query_warehouse="wh; DROP"), "query_warehouse"),
        (ServiceProperties(query_warehouse="db.wh"), "query_warehouse"),
        (ServiceProperties(external_access_integrations=("ok", "no way")), "external_access_integrations"),
        (ServiceProperties(external_access_integrations=()), "external_access_integrations"),
        (ServiceProperties(comment="line\nbreak"), "comment"),
    ],
)
def test_unsafe_names_and_text_are_refused_before_any_sql(properties: ServiceProperties, field: str) -> None:
    with pytest.raises(SpcsConfigError) as err:
        statements.alter_service_set("web", properties)
    assert err.value.field == field


def test_alter_set_and_unset() -> None:
    properties = ServiceProperties(comment="x", min_instances=3, max_instances=3, auto_resume=True)
    assert statements.alter_service_set("web", properties, if_exists=True) == (
        """ALTER SERVICE IF EXISTS "WEB" SET MIN_INSTANCES = 3 MAX_INSTANCES = 3 AUTO_RESUME = TRUE COMMENT = 'x'"""
    )
    assert statements.alter_service_unset("web", ["comment", "MIN_INSTANCES"]) == (
        'ALTER SERVICE "WEB" UNSET MIN_INSTANCES, COMMENT'
    )
    assert properties.scales
    assert not ServiceProperties(comment="x").scales
    with pytest.raises(SpcsConfigError, match="nothing to set"):
        statements.alter_service_set("web", ServiceProperties())
    with pytest.raises(SpcsConfigError) as err:
        parse_unset(["comment", "spec"])
    assert err.value.field == "unset"


def test_drop_instances_and_compute_pool_statements() -> None:
    assert statements.drop_service("web") == 'DROP SERVICE IF EXISTS "WEB"'
    assert statements.drop_service("web", if_exists=False, force=True) == 'DROP SERVICE "WEB" FORCE'
    assert statements.show_service_instances("db.s.web") == 'SHOW SERVICE INSTANCES IN SERVICE "DB"."S"."WEB"'
    assert statements.alter_compute_pool("pool", "suspend") == 'ALTER COMPUTE POOL "POOL" SUSPEND'
    assert statements.alter_compute_pool('"My Pool"', "stop  all", if_exists=True) == (
        'ALTER COMPUTE POOL IF EXISTS "My Pool" STOP ALL'
    )
    assert statements.describe_compute_pool("pool") == 'DESCRIBE COMPUTE POOL "POOL"'
    assert statements.show_compute_pools() == "SHOW COMPUTE POOLS"
    assert statements.show_compute_pools("SPCS%") == "SHOW COMPUTE POOLS LIKE 'SPCS%'"


@pytest.mark.parametrize(
    "make",
    [
        lambda: statements.alter_compute_pool("db.pool", "SUSPEND"),
        lambda: statements.alter_compute_pool("pool; DROP", "SUSPEND"),
        lambda: statements.describe_compute_pool(""),
        lambda: statements.create_service("web", compute_pool="a.b", spec=ServiceSpec.inline(YAML)),
    ],
)
def test_compute_pool_names_are_one_plain_or_quoted_identifier(make: Any) -> None:
    with pytest.raises(SpcsConfigError) as err:
        make()
    assert err.value.field == "compute_pool"


def test_unknown_pool_action_is_refused() -> None:
    with pytest.raises(SpcsConfigError) as err:
        statements.alter_compute_pool("pool", "DROP")
    assert err.value.field == "action"
