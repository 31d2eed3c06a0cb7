"""The world clock: an injectable ``() -> seconds since the epoch``, and how SPCS prints its times."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


def iso_utc(ts: float) -> str:
    """``2025-04-25T06:01:38Z``: the format of container/instance timestamps and log lines."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
