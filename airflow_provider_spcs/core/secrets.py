"""Where secrets are announced the moment they exist.

Core never imports Airflow, yet every secret it reads or mints must reach Airflow's log masker at
once. The hook adds :func:`airflow.sdk.log.mask_secret` as a sink; core calls :func:`report_secret`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

SecretSink = Callable[[str], object]

_sinks: list[SecretSink] = []
_lock = threading.Lock()


def add_secret_sink(sink: SecretSink) -> None:
    """Register a callback that receives every secret value (idempotent per callback).

    :param sink: called with each secret string, e.g. Airflow's ``mask_secret``.
    """
    with _lock:
        if sink not in _sinks:
            _sinks.append(sink)


def remove_secret_sink(sink: SecretSink) -> None:
    """Unregister a sink added with :func:`add_secret_sink` (no error if absent)."""
    with _lock:
        if sink in _sinks:
            _sinks.remove(sink)


def report_secret(value: str | None) -> None:
    """Announce a secret to every sink; empty values are ignored.

    :param value: the secret (key text, passphrase, token...). Never logged here.
    """
    if not value:
        return
    values = [value]
    if "\n" in value:
        # A PEM may be logged line by line; each body line must be masked on its own as well.
        values += [line.strip() for line in value.splitlines() if len(line.strip()) >= 16 and "-----" not in line]
    with _lock:
        sinks = list(_sinks)
    for sink in sinks:
        for item in values:
            sink(item)
