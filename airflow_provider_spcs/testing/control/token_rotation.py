"""Keep an SPCS session token file fresh, as Snowflake does inside a container.

Snowflake rewrites ``/snowflake/session/token`` every few minutes and each token lives up to an
hour; :class:`TokenFileRotator` rewrites the emulator's file every :func:`rotation_interval`
seconds on a daemon thread, so a long-running Airflow always finds a valid token there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)

MAX_ROTATION_INTERVAL = 300.0
"""Snowflake's "every few minutes"."""


def rotation_interval(lifetime: float) -> float:
    """Rewrite every five minutes, or at half the token's lifetime when that is shorter."""
    return max(0.05, min(MAX_ROTATION_INTERVAL, lifetime / 2))


class TokenFileRotator:
    """Call ``write`` now and then every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, write: Callable[[], object], interval: float) -> None:
        self._write = write
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="spcs-emulator-token-file", daemon=True)

    def start(self) -> TokenFileRotator:
        """Write the file once (errors propagate) and keep rotating it in the background."""
        self._write()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop rotating (the file stays)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._write()
            except OSError as exc:  # e.g. the directory was removed: keep serving, try again later
                log.warning("could not rewrite the session token file: %s", exc.strerror or exc)

    def __enter__(self) -> TokenFileRotator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
