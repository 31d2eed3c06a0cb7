"""The retry policy: bounded attempts, jittered capped backoff, Retry-After, non-idempotent safety."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from airflow_provider_spcs.core.effects import Send, Sleep, Steps
from airflow_provider_spcs.core.errors import SpcsApiError, SpcsConfigError
from airflow_provider_spcs.core.retry import RetryPolicy, parse_retry_after, send_with_retries


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0, random=lambda: 1.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert RetryPolicy(random=lambda: 0.0).backoff(3) == 0.0


def test_retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=10.0)
    assert policy.backoff(1, "3") == 3.0
    assert policy.backoff(1, "3600") == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


def test_poll_delay_grows_to_cap() -> None:
    policy = RetryPolicy(poll_initial=0.1, poll_max=0.3)
    assert [round(policy.poll_delay(n), 3) for n in range(4)] == [0.1, 0.15, 0.225, 0.3]


class _Clock:
    """A monotonic clock the test moves by hand (``Sleep`` effects advance it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _drive(
    steps: Steps[httpx.Response], responses: Sequence[httpx.Response | Exception], *, clock: _Clock | None = None
) -> tuple[httpx.Response, list[httpx.Request], list[float]]:
    """Answer Send effects from ``responses`` (Response or exception); record sleeps (and move ``clock``)."""
    sleeps: list[float] = []
    sent: list[httpx.Request] = []
    reply: httpx.Response | None = None
    error: Exception | None = None
    pending = list(responses)
    while True:
        try:
            effect = steps.throw(error) if error else steps.send(reply)
        except StopIteration as stop:
            return stop.value, sent, sleeps
        reply, error = None, None
        if isinstance(effect, Sleep):
            sleeps.append(effect.seconds)
            if clock is not None:
                clock.now += effect.seconds
        else:
            assert isinstance(effect, Send)
            sent.append(effect.request)
            if clock is not None:
                clock.now += 1.0
            outcome = pending.pop(0)
            if isinstance(outcome, Exception):
                error = outcome
            else:
                outcome.request = effect.request
                reply = outcome


def _req(attempt: int) -> httpx.Request:
    return httpx.Request("POST", f"https://h.example/x?attempt={attempt}")


def test_429_then_success_honours_retry_after() -> None:
    policy = RetryPolicy(random=lambda: 0.5)
    responses = [httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(503), httpx.Response(200)]
    result, sent, sleeps = _drive(send_with_retries(_req, policy), responses)
    assert result.status_code == 200
    assert [r.url.params["attempt"] for r in sent] == ["1", "2", "3"]
    assert sleeps == [2.0, 0.5]


def test_attempts_are_bounded() -> None:
    policy = RetryPolicy(max_attempts=3, random=lambda: 0.0)
    result, sent, sleeps = _drive(send_with_retries(_req, policy), [httpx.Response(503)] * 3)
    assert result.status_code == 503
    assert len(sent) == 3
    assert len(sleeps) == 2


def test_other_4xx_are_not_retried() -> None:
    result, sent, _ = _drive(send_with_retries(_req, RetryPolicy()), [httpx.Response(400)])
    assert result.status_code == 400
    assert len(sent) == 1


def test_non_idempotent_not_retried_on_503_or_read_errors() -> None:
    policy = RetryPolicy(random=lambda: 0.0)
    result, sent, _ = _drive(send_with_retries(_req, policy, idempotent=False), [httpx.Response(503)])
    assert result.status_code == 503
    assert len(sent) == 1
    with pytest.raises(SpcsApiError) as info:
        _drive(send_with_retries(_req, policy, idempotent=False), [httpx.ReadTimeout("slow")])
    assert info.value.retryable
    # a connect error means nothing was sent: safe to retry even a POST
    result, sent, _ = _drive(
        send_with_retries(_req, policy, idempotent=False), [httpx.ConnectError("down"), httpx.Response(201)]
    )
    assert result.status_code == 201


def test_transport_errors_exhausted() -> None:
    policy = RetryPolicy(max_attempts=2, random=lambda: 0.0)
    with pytest.raises(SpcsApiError, match="ConnectError after 2 attempt"):
        _drive(send_with_retries(_req, policy), [httpx.ConnectError("down")] * 2)


def _drive_on(
    clock: _Clock, steps: Steps[httpx.Response], responses: Sequence[httpx.Response | Exception]
) -> tuple[httpx.Response, list[httpx.Request], list[float]]:
    """As :func:`_drive`, with every try taking a second and sleeps moving ``clock``."""
    return _drive(steps, responses, clock=clock)


@pytest.mark.parametrize("retry_after", ["100000", "30", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_a_retry_after_beyond_the_budget_fails_at_once(retry_after: str) -> None:
    clock = _Clock()
    steps = send_with_retries(_get, RetryPolicy(), deadline=clock.now + 20, clock=clock)
    with pytest.raises(SpcsApiError, match="retry after") as info:
        _drive_on(clock, steps, [httpx.Response(429, headers={"Retry-After": retry_after})])
    assert (info.value.status_code, info.value.retryable) == (429, True)
    assert "timeout" in str(info.value)


def test_retries_stop_when_the_budget_is_spent() -> None:
    clock = _Clock()
    policy = RetryPolicy(max_attempts=50, base_delay=2.0, max_delay=2.0, random=lambda: 1.0)
    steps = send_with_retries(_get, policy, deadline=clock.now + 10, clock=clock)
    with pytest.raises(SpcsApiError, match="next try") as info:
        _drive_on(clock, steps, [httpx.Response(503)] * 50)
    assert info.value.retryable
    assert clock.now <= 1010  # never past the deadline
    steps = send_with_retries(_get, policy, deadline=clock.now + 10, clock=clock)
    with pytest.raises(SpcsApiError, match="ConnectError"):
        _drive_on(clock, steps, [httpx.ConnectError("down")] * 50)


def test_a_retry_after_within_the_budget_is_honoured() -> None:
    clock = _Clock()
    steps = send_with_retries(_get, RetryPolicy(), deadline=clock.now + 60, clock=clock)
    result, sent, sleeps = _drive_on(
        clock, steps, [httpx.Response(429, headers={"Retry-After": "5"}), httpx.Response(200)]
    )
    assert result.status_code == 200
    assert sleeps == [5.0]
    assert all(r.extensions["spcs_deadline"] == 1060.0 for r in sent)  # each try carries the deadline


def test_non_idempotent_requests_are_not_retried_on_429() -> None:
    result, sent, _ = _drive(send_with_retries(_req, RetryPolicy(), idempotent=False), [httpx.Response(429)])
    assert result.status_code == 429
    assert len(sent) == 1


def _get(attempt: int) -> httpx.Request:
    return httpx.Request("GET", f"https://h.example/x?attempt={attempt}")


def test_the_policy_travels_as_plain_values() -> None:
    policy = RetryPolicy(max_attempts=2, base_delay=0.1, retry_non_idempotent=True)
    plain = policy.to_dict()
    assert json.loads(json.dumps(plain)) == plain
    assert "random" not in plain
    assert RetryPolicy.from_dict(plain) == policy
    assert RetryPolicy.from_dict(None) == RetryPolicy()
    with pytest.raises(SpcsConfigError, match="unknown setting"):
        RetryPolicy.from_dict({"max_attempts": 2, "jitter": 1})


@pytest.mark.parametrize(
    "bad",
    [
        {"max_attempts": 0},
        {"max_attempts": 2.5},
        {"max_attempts": True},
        {"base_delay": -1},
        {"max_retry_after": float("inf")},
        {"poll_max": "2"},
        {"retry_non_idempotent": "yes"},
    ],
)
def test_bad_policies_are_refused_by_name(bad: dict[str, Any]) -> None:
    with pytest.raises(SpcsConfigError) as info:
        RetryPolicy.from_dict(bad)
    assert info.value.field == f"retry_policy.{next(iter(bad))}"
