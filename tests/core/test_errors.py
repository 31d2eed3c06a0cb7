"""The one error tree: every class crosses the trigger boundary whole, fields included."""

from __future__ import annotations

import json

import pytest

from airflow_provider_spcs.core import errors
from airflow_provider_spcs.core.errors import (
    ResponseCheckFailed,
    SpcsApiError,
    SpcsAuthError,
    SpcsComputePoolError,
    SpcsConfigError,
    SpcsError,
    SpcsNotReadyError,
    SpcsServiceFailedError,
    SpcsSqlError,
    SpcsTimeoutError,
    SpcsTokenExchangeError,
)
from airflow_provider_spcs.triggers.events import EventStatus, ResponseEvent, ServiceEvent

EXAMPLES: list[SpcsError] = [
    SpcsError("plain"),
    SpcsConfigError("extra.private_key_file", "cannot read '/k.p8': No such file"),
    SpcsAuthError("refused", status_code=401, code="390303"),
    SpcsTokenExchangeError("no token", status_code=400, error="invalid_scope"),
    SpcsApiError("GET h returned HTTP 503", status_code=503, code="000001", request_id="r-1", retryable=True),
    SpcsSqlError("invalid identifier 'X'", code="000904", sql_state="42000", statement_handle="h-2"),
    SpcsSqlError("connector", code="002003", status_code=None),
    SpcsNotReadyError("endpoint 'e' is still provisioning"),
    SpcsServiceFailedError("Service S reached FAILED", status="FAILED", details=[{"container_name": "main"}]),
    SpcsTimeoutError("still PENDING at the deadline"),
    SpcsComputePoolError(
        "Compute pool P failed to start", state="STARTING", error_code="392507", status_message="no capacity"
    ),
    ResponseCheckFailed("response_check returned False for https://h/ (200)"),
]


def _same(a: BaseException, b: BaseException) -> None:
    assert type(a) is type(b)
    assert str(a) == str(b)
    assert isinstance(a, SpcsError)
    assert isinstance(b, SpcsError)
    assert a.to_dict() == b.to_dict()
    for name in type(a).fields:
        assert getattr(a, name) == getattr(b, name), name


def test_every_error_class_has_an_example() -> None:
    classes = {c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, SpcsError)}
    assert classes == {type(e) for e in EXAMPLES}


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_round_trip_through_json(error: SpcsError) -> None:
    data = json.loads(json.dumps(error.to_dict()))
    _same(SpcsError.from_dict(data), error)


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_round_trip_through_both_events(error: SpcsError) -> None:
    for event in (ServiceEvent.from_error("S", error), ResponseEvent.from_error("https://h/", error)):
        assert event.status is EventStatus.ERROR
        payload = json.loads(json.dumps(event.to_payload()))
        rebuilt = type(event).from_payload(payload)
        with pytest.raises(SpcsError) as raised:
            rebuilt.raise_for_status()
        _same(raised.value, error)


def test_config_error_keeps_its_field_and_is_a_value_error() -> None:
    error = SpcsError.from_dict(SpcsConfigError("extra.account", "required").to_dict())
    assert isinstance(error, SpcsConfigError)
    assert isinstance(error, ValueError)
    assert error.field == "extra.account"
    assert str(error) == "extra.account: required"


def test_unknown_type_and_legacy_events_degrade_to_a_plain_error() -> None:
    assert type(SpcsError.from_dict({"type": "NoSuchError", "message": "m"})) is SpcsError
    legacy = {"kind": "service", "status": "error", "service": "S", "message": "boom", "error_type": "SpcsSqlError"}
    with pytest.raises(SpcsSqlError, match="boom"):
        ServiceEvent.from_payload(legacy).raise_for_status()
    legacy["error_type"] = "SpcsConfigError"  # needs a field the old event did not carry
    with pytest.raises(SpcsError, match="SpcsConfigError in the trigger: boom"):
        ServiceEvent.from_payload(legacy).raise_for_status()
