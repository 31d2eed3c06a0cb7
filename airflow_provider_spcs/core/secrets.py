"""Where secrets are announced the moment they exist.

Core never imports Airflow, yet every secret it reads or mints must reach Airflow's log masker at
once. The hook adds :func:`airflow.sdk.log.mask_secret` as a sink; core calls :func:`report_secret`.

Each sink hears each distinct value once per process. Registration is not free: Airflow's masker
recompiles one alternation of every pattern it knows for each new pattern (and, inside a task, also
sends it to the supervisor), so a thousand hooks reading the same connection must not register the
same key a thousand times. Which sink heard what is remembered as a SHA-256 digest per sink.

The values themselves (their fragments, see :func:`secret_fragments`) are also kept, as the masker
keeps them, for one reason: server text quoted in an exception passes through
:func:`airflow_provider_spcs.core.server_text.scrub`, which removes every secret reported in this
process (:func:`known_secrets`), whether or not a sink is registered. The most recent
:data:`MAX_KNOWN` fragments are kept (an exchanged token a day old has long expired).

Airflow resets its masker only in the task supervisor, before a task starts (provider code does not
run there). Anything else that resets the masker in a process where secrets were already reported
must call :func:`forget_reported_secrets`, or those secrets would not be registered again.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

SecretSink = Callable[[str], object]

MIN_FRAGMENT = 8
"""Shortest PEM body line registered on its own (see :func:`secret_fragments`)."""
MAX_KNOWN = 10_000
"""How many secret fragments are kept for scrubbing error text (the oldest are dropped first)."""


def secret_fragments(value: str) -> list[str]:
    """The strings to register for ``value``: itself, or for multi-line text (a PEM) its body lines.

    A PEM may reach a log whole, line by line, or as a ``repr`` with ``\\n`` escapes; in every case
    each body line appears intact, so masking every body line masks the key wherever it shows. The
    whole multi-line text is therefore not registered: it would add nothing the lines do not cover,
    and a pattern with newlines makes every later recompilation of the masker's alternation about
    a hundred times slower (~30-90 ms per registration for a 2048-bit key, against ~0.3 ms for all
    26 lines). The ``-----BEGIN/END ...-----`` armour is not secret. Lines shorter than
    :data:`MIN_FRAGMENT` (at most a PEM's last line, a few bytes of the key) are skipped, as short
    strings would mask unrelated text.
    """
    if "\n" not in value and "\r" not in value:
        return [value]
    lines = [line.strip() for line in value.splitlines()]
    return [line for line in lines if len(line) >= MIN_FRAGMENT and "-----" not in line]


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class SecretSinks:
    """Who hears about secrets, and which (digests of) values each has heard."""

    def __init__(self) -> None:
        self._sinks: dict[SecretSink, set[bytes]] = {}
        self._known: dict[str, None] = {}  # insertion-ordered: the oldest fragment goes first
        # Held while sinks run too: nobody returns from reporting a value before it is registered.
        self._lock = threading.RLock()

    def add(self, sink: SecretSink) -> None:
        """Register ``sink`` (idempotent); it hears every value reported from now on."""
        with self._lock:
            self._sinks.setdefault(sink, set())

    def remove(self, sink: SecretSink) -> None:
        """Unregister ``sink`` (no error if absent)."""
        with self._lock:
            self._sinks.pop(sink, None)

    def forget(self) -> None:
        """Forget which values each sink heard, so they are sent again (after a masker reset; tests)."""
        with self._lock:
            for seen in self._sinks.values():
                seen.clear()

    def report(self, value: str | None) -> None:
        """Announce ``value`` to every sink that has not heard it; empty values are ignored."""
        if not value:
            return
        digest = _digest(value)
        with self._lock:
            fragments = secret_fragments(value)
            self._keep(fragments)
            todo = [(sink, seen) for sink, seen in self._sinks.items() if digest not in seen]
            for sink, seen in todo:
                for item in fragments:
                    sink(item)
                seen.add(digest)  # only once the sink took every fragment

    def _keep(self, fragments: list[str]) -> None:
        for item in fragments:
            self._known.pop(item, None)  # a value reported again counts as recent
            self._known[item] = None
        while len(self._known) > MAX_KNOWN:
            del self._known[next(iter(self._known))]

    def known(self) -> list[str]:
        """Every secret fragment reported in this process (most recent :data:`MAX_KNOWN`)."""
        with self._lock:
            return list(self._known)


SINKS = SecretSinks()
"""The process's sinks. Airflow's masker is one per process, so every process state shares these
(:attr:`airflow_provider_spcs.core.process.ProcessState.secrets`)."""


def add_secret_sink(sink: SecretSink) -> None:
    """Register a callback that receives every secret value (idempotent per callback).

    A new sink hears every value reported from now on, including values other sinks already heard.

    :param sink: called with each secret string, e.g. Airflow's ``mask_secret``.
    """
    SINKS.add(sink)


def remove_secret_sink(sink: SecretSink) -> None:
    """Unregister a sink added with :func:`add_secret_sink` (no error if absent)."""
    SINKS.remove(sink)


def forget_reported_secrets() -> None:
    """Forget which values each sink heard, so they are sent again (after a masker reset; tests)."""
    SINKS.forget()


def known_secrets() -> list[str]:
    """Every secret (fragment) reported in this process, for scrubbing text (never log these)."""
    return SINKS.known()


def report_secret(value: str | None) -> None:
    """Announce a secret to every sink, once per sink and distinct value; empty values are ignored.

    :param value: the secret (key text, passphrase, token...). Never logged or stored here.
    """
    SINKS.report(value)
