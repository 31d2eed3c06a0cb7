"""The deploy triggers: plain secret-free kwargs, one typed event, errors that travel whole, shared listings."""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from typing import Any

import pytest
from airflow.triggers.base import BaseTrigger

from airflow_provider_spcs.core.errors import SpcsComputePoolError, SpcsConfigError, SpcsError, SpcsSqlError
from airflow_provider_spcs.core.specs import ServiceSpec
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.model import Pace, Service
from airflow_provider_spcs.triggers.deploy_events import ComputePoolEvent, UpgradeEvent
from airflow_provider_spcs.triggers.events import EventStatus, ServiceEvent
from airflow_provider_spcs.triggers.spcs import (
    SpcsComputePoolTrigger,
    SpcsServiceScaleTrigger,
    SpcsServiceStatusTrigger,
    SpcsServiceUpgradeTrigger,
)

V2 = ServiceSpec.stage_file("@SPCS_DB.APP.SPECS", "echo_service_v2.yaml")


def _roundtrip(trigger: BaseTrigger) -> BaseTrigger:
    """What the triggerer does: serialize, store as JSON, import the (public) class path, rebuild."""
    classpath, kwargs = trigger.serialize()
    assert classpath.startswith("airflow_provider_spcs.triggers.spcs.")
    module, _, name = classpath.rpartition(".")
    rebuilt: BaseTrigger = getattr(importlib.import_module(module), name)(**json.loads(json.dumps(kwargs)))
    assert rebuilt.serialize() == (classpath, kwargs)
    return rebuilt


async def _event(trigger: BaseTrigger) -> dict[str, Any]:
    payloads = [event.payload async for event in _roundtrip(trigger).run()]
    assert len(payloads) == 1
    json.dumps(payloads[0])
    return dict(payloads[0])


def test_kwargs_are_the_plain_values_each_wait_needs() -> None:
    upgrade = SpcsServiceUpgradeTrigger(
        spcs_conn_id="c",
        service="s",
        spec_digest="d2",
        previous_spec_digest="d1",
        not_before=1.5,
        deadline=9,
        poll_interval=2,
    )
    assert upgrade.serialize() == (
        "airflow_provider_spcs.triggers.spcs.SpcsServiceUpgradeTrigger",
        {
            "spcs_conn_id": "c",
            "service": "s",
            "spec_digest": "d2",
            "previous_spec_digest": "d1",
            "not_before": 1.5,
            "deadline": 9.0,
            "poll_interval": 2.0,
        },
    )
    scale = SpcsServiceScaleTrigger(spcs_conn_id="c", service="s", min_instances=3)
    assert scale.serialize()[1] == {
        "spcs_conn_id": "c",
        "service": "s",
        "min_instances": 3,
        "max_instances": None,
        "not_before": None,
        "deadline": None,
        "poll_interval": 30.0,
    }
    pool = SpcsComputePoolTrigger(spcs_conn_id="c", compute_pool="p", target_states=["idle"])
    assert pool.serialize()[1]["target_states"] == ["IDLE"]
    for trigger in (upgrade, scale, pool):
        _roundtrip(trigger)
    with pytest.raises(SpcsConfigError):
        SpcsComputePoolTrigger(spcs_conn_id="c", compute_pool="p", target_states=["RUNNING"])


async def test_upgrade_trigger_carries_both_digests_back(spcs: SpcsEmulator, spcs_conn: str) -> None:
    change = await SpcsHook(spcs_conn).aupgrade_service("SPCS_DB.APP.ECHO_SERVICE", V2)
    assert change.new_spec_digest is not None
    payload = await _event(
        SpcsServiceUpgradeTrigger(
            spcs_conn_id=spcs_conn,
            service="SPCS_DB.APP.ECHO_SERVICE",
            spec_digest=change.new_spec_digest,
            previous_spec_digest=change.old_spec_digest,
            not_before=change.altered_at,
            deadline=time.time() + 30,
            poll_interval=0.05,
        )
    )
    event = UpgradeEvent.from_payload(payload)
    assert (event.status, event.spec_digest, event.previous_spec_digest) == (
        EventStatus.SUCCESS,
        change.new_spec_digest,
        change.old_spec_digest,
    )
    secrets = [spcs.private_key_pem, spcs.pat, spcs.password, spcs.private_key_pem.splitlines()[1]]
    assert not any(s in json.dumps(payload) for s in secrets)


async def test_errors_travel_whole(spcs: SpcsEmulator, spcs_conn: str) -> None:
    missing = await _event(SpcsServiceScaleTrigger(spcs_conn_id=spcs_conn, service="NOPE", poll_interval=0.05))
    with pytest.raises(SpcsSqlError, match="does not exist") as err:
        ServiceEvent.from_payload(missing).raise_for_status()
    assert err.value.code == "002003"
    spcs.compute_pool("SPCS_POOL").fail_to_start(status_message="no nodes")
    failed = await _event(SpcsComputePoolTrigger(spcs_conn_id=spcs_conn, compute_pool="SPCS_POOL", poll_interval=0.05))
    with pytest.raises(SpcsComputePoolError, match="no nodes"):
        ComputePoolEvent.from_payload(failed).raise_for_status()
    with pytest.raises(SpcsError, match="expected a upgrade event"):
        UpgradeEvent.from_payload(failed)


async def test_a_schema_of_rollouts_and_status_waits_shares_one_listing_a_cycle(
    spcs: SpcsEmulator, spcs_conn: str
) -> None:
    names = [f"WAVE_{i}" for i in range(5)]
    hook = SpcsHook(spcs_conn)
    triggers: list[BaseTrigger] = []
    for name in names:
        service = spcs.add_service(name, endpoints=(), instances=2)
        service.instance_pace = Pace(polls=2)
        change = await hook.aupgrade_service(f"SPCS_DB.APP.{name}", V2)
        assert change.new_spec_digest is not None
        triggers.append(
            SpcsServiceUpgradeTrigger(
                spcs_conn_id=spcs_conn,
                service=f"SPCS_DB.APP.{name}",
                spec_digest=change.new_spec_digest,
                not_before=change.altered_at,
                deadline=time.time() + 60,
                poll_interval=0.3,
            )
        )
    triggers.append(
        SpcsServiceStatusTrigger(
            spcs_conn_id=spcs_conn, service="SPCS_DB.APP.ECHO_SERVICE", deadline=time.time() + 60, poll_interval=0.3
        )
    )
    spcs.reset_stats()
    payloads = await asyncio.gather(*(_event(t) for t in triggers))
    assert [p["status"] for p in payloads] == ["success"] * 6
    counts = spcs.statement_counts()
    assert "DESCRIBE SERVICE" not in counts
    # every upgrade wait read its instances once a look, the status wait never
    listings, instance_reads = counts["SHOW SERVICES"], counts["SHOW SERVICE INSTANCES IN SERVICE"]
    assert instance_reads >= 5 * 2
    assert listings <= instance_reads / 2  # shared: about one listing per cycle for the five


async def test_the_rollout_seen_by_every_instance(spcs: SpcsEmulator, spcs_conn: str) -> None:
    service = spcs.add_service("STEPS", endpoints=(), instances=2)
    assert isinstance(service, Service)
    change = await SpcsHook(spcs_conn).aupgrade_service("SPCS_DB.APP.STEPS", V2)
    assert change.new_spec_digest is not None
    payload = await _event(
        SpcsServiceUpgradeTrigger(
            spcs_conn_id=spcs_conn,
            service="SPCS_DB.APP.STEPS",
            spec_digest=change.new_spec_digest,
            not_before=change.altered_at,
            poll_interval=0.02,
        )
    )
    assert payload["message"] == f"rolled out: 2 of 2 instances READY on spec_digest {change.new_spec_digest[:12]}"
    assert [i.spec_digest for i in service.instance_states()] == [change.new_spec_digest] * 2
