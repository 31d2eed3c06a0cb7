"""What the triggerer writes to the log when a trigger fires: never the response body."""

from __future__ import annotations

import json

from airflow.triggers.base import TriggerEvent

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.triggers.spcs import SpcsEndpointTrigger


async def test_fired_endpoint_event_logs_the_body_size_not_the_body(spcs: SpcsEmulator, spcs_conn: str) -> None:
    trigger = SpcsEndpointTrigger(
        spcs_conn_id=spcs_conn,
        method="POST",
        url=spcs.ingress_url() + "/orders",
        request_kwargs={"json": {"customer": "ACME-4711"}},
        carry={"pages": ["earlier page: ACME-4711"]},
    )
    events = [event async for event in trigger.run()]
    (event,) = events
    assert isinstance(event, TriggerEvent)
    body = event.payload["text"]
    assert "ACME-4711" in body  # the task still receives the whole response and carry
    assert event.payload["carry"] == {"pages": ["earlier page: ACME-4711"]}
    # The triggerer logs "Trigger fired event" with result=<the event>: its repr, or its str.
    for line in (repr(event), str(event), json.dumps({"result": event}, default=repr)):
        assert "ACME-4711" not in line
        assert f"<{len(body)} characters>" in line
        assert "'status_code': 200" in line
