"""Create, upgrade, alter and drop services against the emulator, waiting on the worker or in the triggerer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsServiceFailedError, SpcsSqlError, SpcsTimeoutError
from airflow_provider_spcs.operators.spcs import (
    SpcsAlterServiceOperator,
    SpcsCreateServiceOperator,
    SpcsDropServiceOperator,
    SpcsUpgradeServiceOperator,
)
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.default_world import BROKEN_IMAGE_MESSAGE, echo_service_spec
from airflow_provider_spcs.testing.model import Pace, Service
from airflow_provider_spcs.triggers.spcs import (
    SpcsServiceScaleTrigger,
    SpcsServiceStatusTrigger,
    SpcsServiceUpgradeTrigger,
)

STAGE = "@SPCS_DB.APP.SPECS"
WEB = "SPCS_DB.APP.WEB"


def _digest(spcs: SpcsEmulator, name: str = "WEB") -> str:
    service = spcs.service(name)
    assert isinstance(service, Service)
    return service.spec_digest


def _create(**kwargs: Any) -> SpcsCreateServiceOperator:
    kwargs.setdefault("task_id", "create")
    kwargs.setdefault("service", WEB)
    kwargs.setdefault("compute_pool", "SPCS_POOL")
    if not {"spec", "spec_file", "spec_template", "spec_template_file"} & set(kwargs):
        kwargs["spec_file"] = "echo_service.yaml"
    if {"spec_file", "spec_template_file"} & set(kwargs):
        kwargs.setdefault("stage", STAGE)
    kwargs.setdefault("poll_interval", 0.05)
    return SpcsCreateServiceOperator(**kwargs)


def _instances(spcs: SpcsEmulator, name: str = "WEB") -> list[tuple[str, str]]:
    service = spcs.service(name)
    assert isinstance(service, Service)
    return [(i.status, i.spec_digest) for i in service.instance_states()]


# --- create ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("deferrable", [False, True])
def test_create_waits_for_running_and_endpoints_and_reports_name_digest_urls(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool
) -> None:
    spcs.timings.provision_polls = 2  # the ingress URL is still provisioning when the service runs
    result, triggers = drive(
        _create(
            deferrable=deferrable,
            wait_for_endpoints=True,
            min_instances=2,
            max_instances=3,
            auto_resume=False,
            comment="deployed by a test",
            tags={"env": "dev"},
            log_level="warn",
        )
    )
    assert result == {
        "name": "SPCS_DB.APP.WEB",
        "spec_digest": _digest(spcs),
        "ingress_urls": {"echo": spcs.ingress_url("WEB")},
    }
    assert [type(t) for t in triggers] == ([SpcsServiceStatusTrigger] if deferrable else [])
    service = spcs.service("WEB")
    assert isinstance(service, Service)
    assert service.status == "RUNNING"
    settings = service.settings
    assert (settings.min_instances, settings.max_instances, settings.auto_resume) == (2, 3, False)
    assert (settings.comment, settings.log_level, dict(settings.tags)) == ("deployed by a test", "WARN", {"ENV": "dev"})


@pytest.mark.parametrize(
    "source",
    [
        {"spec": echo_service_spec("v3")},
        {"spec": {"spec": {"containers": [{"name": "main", "image": "/spcs_db/app/images/main:v3"}]}}},
        {"spec_template": echo_service_spec("{{ tag }}"), "using": {"tag": "v3"}},
        {"stage": STAGE, "spec_template_file": "echo_service_template.yaml", "using": {"TAG": "v3"}},
    ],
    ids=["yaml", "mapping", "template", "template_file"],
)
def test_create_from_each_spec_source(spcs: SpcsEmulator, spcs_conn: str, drive: Any, source: dict[str, Any]) -> None:
    result, _ = drive(_create(**source))
    service = spcs.service("WEB")
    assert isinstance(service, Service)
    assert "main:v3" in service.spec
    assert result["spec_digest"] == service.spec_digest


def test_using_values_of_every_kind_reach_the_template(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    template = echo_service_spec("{{ tag }}") + "  # {{ n }} {{ on }} {{ cfg }} {{ quote }}\n"
    cfg = {"it's": 'say "hi" $$', "list": [1, 2]}
    drive(_create(spec_template=template, using={"tag": "v3", "n": 3, "on": True, "cfg": cfg, "quote": "it's"}))
    service = spcs.service("WEB")
    assert isinstance(service, Service)
    rendered = service.spec.splitlines()[-1]
    head, _, json_text = rendered.partition(" {")
    assert head == "  # 3 true"
    assert json.loads("{" + json_text.rsplit(" ", 1)[0]) == cfg
    assert rendered.endswith(" it's")


def test_existing_service_is_left_alone_and_the_log_says_so(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    before = _digest(spcs, "ECHO_SERVICE")
    result, triggers = drive(
        _create(service="SPCS_DB.APP.ECHO_SERVICE", spec_file="echo_service_v2.yaml", min_instances=3, deferrable=True)
    )
    assert (result["spec_digest"], triggers) == (before, [])  # RUNNING already: nothing to wait for
    assert _digest(spcs, "ECHO_SERVICE") == before
    service = spcs.service("ECHO_SERVICE")
    assert isinstance(service, Service)
    assert service.settings.min_instances == 1
    assert "already exists: left as it is (if_not_exists=True)" in "".join(capfd.readouterr())


def test_without_if_not_exists_an_existing_name_fails(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    with pytest.raises(SpcsSqlError) as err:
        drive(_create(service="ECHO_SERVICE", if_not_exists=False))
    assert err.value.code == "002002"


@pytest.mark.parametrize("deferrable", [False, True])
def test_create_with_a_broken_image_fails_fast_with_the_container_message(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool
) -> None:
    with pytest.raises(SpcsServiceFailedError) as err:
        drive(_create(spec_file="echo_service_broken.yaml", deferrable=deferrable, wait_timeout=60))
    assert "reached FAILED while waiting for RUNNING" in str(err.value)
    assert f"instance 0 / main: FAILED, restarts 1, exit code 1: {BROKEN_IMAGE_MESSAGE}" in str(err.value)
    assert err.value.details[0]["message"] == BROKEN_IMAGE_MESSAGE


def test_create_without_waiting_returns_at_once(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    result, triggers = drive(_create(wait_for_completion=False, deferrable=True))
    assert triggers == []
    assert result["spec_digest"] == _digest(spcs)


def test_create_times_out_on_a_pool_that_never_starts(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.add_compute_pool("STUCK_POOL", initially_suspended=True).fail_to_start()
    with pytest.raises(SpcsTimeoutError, match="still PENDING at the deadline"):
        drive(_create(compute_pool="STUCK_POOL", wait_timeout=0.3, deferrable=True))


def test_bad_input_fails_at_parse_time_naming_the_parameter() -> None:
    with pytest.raises(SpcsConfigError) as err:
        _create(spec="a: 1", spec_file="f.yaml")
    assert err.value.field == "spec_file"
    with pytest.raises(SpcsConfigError) as err:
        _create(min_instances=0)
    assert err.value.field == "min_instances"
    with pytest.raises(SpcsConfigError) as err:
        SpcsUpgradeServiceOperator(task_id="u", service=WEB, spec_template="x: {{ a }}")
    assert err.value.field == "using"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"service": "web; DROP SERVICE x"}, "service"),
        ({"compute_pool": "db.pool"}, "compute_pool"),
        ({"query_warehouse": "wh x"}, "query_warehouse"),
        ({"tags": {"t; x": "v"}}, "tags"),
        ({"spec": "a: $$ b $$"}, "spec"),
    ],
)
def test_unsafe_input_sends_nothing(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, kwargs: dict[str, Any], field: str
) -> None:
    spcs.reset_stats()
    with pytest.raises(SpcsConfigError) as err:
        drive(_create(**kwargs))
    assert err.value.field == field
    assert spcs.stats()["sql_statements"] == 0


# --- upgrade ---------------------------------------------------------------------------------------


def _two_instance_web(spcs: SpcsEmulator, drive: Any) -> str:
    drive(_create(min_instances=2))
    return _digest(spcs)


@pytest.mark.parametrize("deferrable", [False, True])
def test_upgrade_rolls_every_instance_over_and_reports_both_digests(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool
) -> None:
    old = _two_instance_web(spcs, drive)
    spcs.service("WEB").instance_pace = Pace(polls=2)  # type: ignore[attr-defined]
    op = SpcsUpgradeServiceOperator(
        task_id="upgrade",
        service=WEB,
        stage=STAGE,
        spec_file="echo_service_v2.yaml",
        poll_interval=0.05,
        deferrable=deferrable,
    )
    result, triggers = drive(op)
    new = _digest(spcs)
    assert result == {"name": WEB, "old_spec_digest": old, "new_spec_digest": new, "changed": True}
    assert old != new
    assert _instances(spcs) == [("READY", new), ("READY", new)]
    service = spcs.service("WEB")
    assert isinstance(service, Service)
    assert not service.is_upgrading
    assert [type(t) for t in triggers] == ([SpcsServiceUpgradeTrigger] if deferrable else [])


def test_upgrade_to_the_same_spec_still_waits_for_every_restart(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    old = _two_instance_web(spcs, drive)
    service = spcs.service("WEB")
    assert isinstance(service, Service)
    starts = [i.creation_time for i in service.instance_states()]
    op = SpcsUpgradeServiceOperator(
        task_id="u", service=WEB, stage=STAGE, spec_file="echo_service.yaml", poll_interval=0.05, deferrable=True
    )
    result, triggers = drive(op)
    assert (result["old_spec_digest"], result["new_spec_digest"], result["changed"]) == (old, old, False)
    assert len(triggers) == 1
    restarted = [i.creation_time for i in service.instance_states()]
    assert all(after > before for before, after in zip(starts, restarted, strict=True))
    assert not service.is_upgrading


@pytest.mark.parametrize("deferrable", [False, True])
def test_upgrade_to_a_broken_image_fails_fast_with_the_failed_instance(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool
) -> None:
    _two_instance_web(spcs, drive)
    op = SpcsUpgradeServiceOperator(
        task_id="u",
        service=WEB,
        stage=STAGE,
        spec_file="echo_service_broken.yaml",
        poll_interval=0.05,
        wait_timeout=60,
        deferrable=deferrable,
    )
    with pytest.raises(SpcsServiceFailedError) as err:
        drive(op)
    message = str(err.value)
    assert "during the rollout of spec_digest" in message
    # the highest id restarts first and fails; only its containers are reported
    assert f"instance 1 / main: FAILED, restarts 1, exit code 1: {BROKEN_IMAGE_MESSAGE}" in message
    assert "instance 0" not in message.split("\n", 1)[1]
    service = spcs.service("WEB")
    assert isinstance(service, Service)
    assert service.is_upgrading  # the rollout stopped there


def test_upgrade_with_a_missing_template_value_fails_with_snowflakes_error(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any
) -> None:
    op = SpcsUpgradeServiceOperator(
        task_id="u",
        service="ECHO_SERVICE",
        stage=STAGE,
        spec_template_file="echo_service_template.yaml",
        using={"other": "x"},
    )
    with pytest.raises(SpcsSqlError, match="no value for 'tag'"):
        drive(op)


def test_upgrade_without_waiting(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    op = SpcsUpgradeServiceOperator(
        task_id="u", service="ECHO_SERVICE", stage=STAGE, spec_file="echo_service_v2.yaml", wait_for_completion=False
    )
    result, triggers = drive(op)
    assert triggers == []
    assert result["changed"] is True
    assert result["new_spec_digest"] == _digest(spcs, "ECHO_SERVICE")


def test_upgrade_of_a_suspended_service_says_how_to_go_on(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.service("ECHO_SERVICE").set_status("SUSPENDED")
    op = SpcsUpgradeServiceOperator(task_id="u", service="ECHO_SERVICE", stage=STAGE, spec_file="echo_service_v2.yaml")
    with pytest.raises(SpcsServiceFailedError, match="wait_for_completion=False"):
        drive(op)


# --- alter / scale -------------------------------------------------------------------------------


@pytest.mark.parametrize("deferrable", [False, True])
def test_scaling_waits_for_the_ready_instances(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool
) -> None:
    drive(_create())
    op = SpcsAlterServiceOperator(
        task_id="scale", service=WEB, min_instances=3, max_instances=3, poll_interval=0.05, deferrable=deferrable
    )
    result, triggers = drive(op)
    assert result["current_instances"] == result["target_instances"] == 3
    assert [status for status, _ in _instances(spcs)] == ["READY"] * 3
    assert [type(t) for t in triggers] == ([SpcsServiceScaleTrigger] if deferrable else [])

    down = SpcsAlterServiceOperator(
        task_id="down", service=WEB, unset=["max_instances", "MIN_INSTANCES"], poll_interval=0.05
    )
    result, _ = drive(down)
    assert (result["current_instances"], result["min_instances"], result["max_instances"]) == (1, 1, 1)


def test_setting_properties_that_do_not_scale_waits_for_nothing(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    op = SpcsAlterServiceOperator(
        task_id="a", service="ECHO_SERVICE", comment="owned by data", auto_resume=False, deferrable=True
    )
    result, triggers = drive(op)
    assert (result["status"], triggers) == ("RUNNING", [])
    service = spcs.service("ECHO_SERVICE")
    assert isinstance(service, Service)
    assert (service.settings.comment, service.settings.auto_resume) == ("owned by data", False)
    drive(SpcsAlterServiceOperator(task_id="b", service="ECHO_SERVICE", unset="comment"))
    assert service.settings.comment is None


def test_alter_of_a_missing_service(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    result, _ = drive(SpcsAlterServiceOperator(task_id="a", service="NOPE", min_instances=2, if_exists=True))
    assert result is None
    with pytest.raises(SpcsSqlError, match="does not exist"):
        drive(SpcsAlterServiceOperator(task_id="b", service="NOPE", min_instances=2))


def test_alter_needs_a_change_and_one_meaning_per_property() -> None:
    with pytest.raises(SpcsConfigError, match="nothing to change"):
        SpcsAlterServiceOperator(task_id="a", service="s")
    with pytest.raises(SpcsConfigError, match="cannot be set and unset"):
        SpcsAlterServiceOperator(task_id="a", service="s", comment="x", unset=["COMMENT"])
    with pytest.raises(SpcsConfigError) as err:
        SpcsAlterServiceOperator(task_id="a", service="s", unset=["spec"])
    assert err.value.field == "unset"


def test_scaling_past_the_rules_fails_with_snowflakes_message(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    drive(SpcsAlterServiceOperator(task_id="a", service="ECHO_SERVICE", max_instances=1))
    with pytest.raises(SpcsSqlError, match="MAX_INSTANCES"):
        drive(SpcsAlterServiceOperator(task_id="b", service="ECHO_SERVICE", min_instances=2))


# --- drop ------------------------------------------------------------------------------------------


def test_drop(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    drive(_create(wait_for_completion=False))
    assert drive(SpcsDropServiceOperator(task_id="d", service=WEB, force=True)) == (None, [])
    with pytest.raises(KeyError):
        spcs.service("WEB")
    drive(SpcsDropServiceOperator(task_id="again", service=WEB))  # if_exists by default
    with pytest.raises(SpcsSqlError, match="does not exist"):
        drive(SpcsDropServiceOperator(task_id="strict", service=WEB, if_exists=False))


# --- secrets ---------------------------------------------------------------------------------------


def test_no_secret_in_logs_xcom_or_trigger_kwargs(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    secrets = [spcs.private_key_pem, spcs.pat, spcs.password, spcs.private_key_pem.splitlines()[1]]
    seen: list[str] = []
    for op in (
        _create(min_instances=2, deferrable=True),
        SpcsUpgradeServiceOperator(
            task_id="u", service=WEB, stage=STAGE, spec_file="echo_service_v2.yaml", poll_interval=0.05, deferrable=True
        ),
        SpcsAlterServiceOperator(
            task_id="a", service=WEB, min_instances=3, max_instances=3, poll_interval=0.05, deferrable=True
        ),
        SpcsDropServiceOperator(task_id="d", service=WEB),
    ):
        result, triggers = drive(op)
        seen.append(json.dumps(result))
        seen.extend(json.dumps(t.serialize()) for t in triggers)
        seen.extend(repr(t) for t in triggers)
    seen.append("".join(capfd.readouterr()))
    assert [s for s in secrets for text in seen if s in text] == []
