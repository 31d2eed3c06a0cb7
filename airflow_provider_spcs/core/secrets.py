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
process (:class:`KnownSecrets`), whether or not a sink is registered. The most recent
:data:`MAX_KNOWN` fragments are kept (an exchanged token a day old has long expired), indexed by
their first characters so that finding them in a text costs the text's length, not their number.

Registering takes milliseconds of CPU and, in the triggerer, a round trip to the supervisor, so
steps announce a secret with :func:`announce`: the async driver registers it in a worker thread
and goes on only once it is registered, so no secret is used before the masker knows it, and the
event loop never runs a sink. A sink that waits for the loop (Airflow's, telling the triggerer's
supervisor) therefore cannot wait on a loop that waits on it.

Airflow resets its masker only in the task supervisor, before a task starts (provider code does not
run there). Anything else that resets the masker in a process where secrets were already reported
must call :func:`forget_reported_secrets`, or those secrets would not be registered again.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from airflow_provider_spcs.core.effects import Blocking, Steps

SecretSink = Callable[[str], object]

MIN_FRAGMENT = 8
"""Shortest PEM body line registered on its own (see :func:`secret_fragments`)."""
MAX_KNOWN = 10_000
"""How many secret fragments are kept for scrubbing error text (the oldest are dropped first)."""
MIN_SCRUBBED = 5
"""Known secrets shorter than this are not searched for in text (as Airflow's masker: they would
blank ordinary words)."""
_GRAM = 8
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")


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


def text_forms(secret: str) -> tuple[str, ...]:
    """How ``secret`` may appear in a server's text: as is, URL-encoded (form bodies, query
    strings) or JSON-escaped (``\\/`` included). A secret of unreserved characters has one form."""
    if _PLAIN.fullmatch(secret):
        return (secret,)
    escaped = json.dumps(secret)[1:-1]
    forms = {secret, quote(secret, safe=""), quote_plus(secret), escaped, escaped.replace("/", "\\/")}
    return tuple(sorted(forms))


class KnownSecrets:
    """The most recent :data:`MAX_KNOWN` secret fragments, and where to look for them in a text.

    Not thread-safe on its own: :class:`SecretSinks` holds its lock around every call.
    """

    def __init__(self) -> None:
        self._order: dict[str, tuple[str, ...]] = {}  # fragment -> its forms; insertion-ordered
        self._by_prefix: dict[str, dict[str, int]] = {}  # first _GRAM characters -> form -> count
        self._short: dict[str, int] = {}  # forms shorter than _GRAM -> count

    def add(self, fragment: str) -> None:
        """Keep ``fragment`` (again: as the most recent)."""
        if fragment in self._order:
            self._order[fragment] = self._order.pop(fragment)
            return
        forms = text_forms(fragment) if len(fragment) >= MIN_SCRUBBED else ()
        self._order[fragment] = forms
        for form in forms:
            bucket = self._short if len(form) < _GRAM else self._by_prefix.setdefault(form[:_GRAM], {})
            bucket[form] = bucket.get(form, 0) + 1
        while len(self._order) > MAX_KNOWN:
            self._drop(next(iter(self._order)))

    def _drop(self, fragment: str) -> None:
        for form in self._order.pop(fragment):
            bucket = self._short if len(form) < _GRAM else self._by_prefix[form[:_GRAM]]
            bucket[form] -= 1
            if not bucket[form]:
                del bucket[form]
            if not bucket and bucket is not self._short:
                del self._by_prefix[form[:_GRAM]]

    def values(self) -> list[str]:
        """Every kept fragment, oldest first."""
        return list(self._order)

    def found_in(self, text: str) -> list[str]:
        """The forms of kept secrets that occur in ``text`` (longest first, for replacing)."""
        found = {form for form in self._short if form in text}
        for start in range(len(text) - _GRAM + 1):
            for form in self._by_prefix.get(text[start : start + _GRAM], ()):
                if text.startswith(form, start):
                    found.add(form)
        return sorted(found, key=len, reverse=True)


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class SecretSinks:
    """Who hears about secrets, and which (digests of) values each has heard."""

    def __init__(self) -> None:
        self._sinks: dict[SecretSink, set[bytes]] = {}
        self._known = KnownSecrets()
        self._kept: set[bytes] = set()  # digests of the values whose fragments were kept
        # Guards the sinks, what each heard and the kept fragments; never held while a sink runs,
        # so a look at what is registered (unheard, and report's fast path) never waits for a sink.
        self._lock = threading.Lock()
        # Held while sinks run: one registration at a time (Airflow's masker is not thread-safe),
        # and nobody returns from reporting a value before it is registered.
        self._running = threading.RLock()

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

    def _todo(self, digest: bytes) -> list[tuple[SecretSink, set[bytes]]]:
        with self._lock:
            return [(sink, seen) for sink, seen in self._sinks.items() if digest not in seen]

    def _pending(self, digest: bytes) -> bool:
        with self._lock:
            return digest not in self._kept or any(digest not in seen for seen in self._sinks.values())

    def unheard(self, value: str | None) -> bool:
        """Whether ``value`` is not yet kept or some sink has not heard it; never blocks on a sink."""
        return bool(value) and self._pending(_digest(value or ""))

    def report(self, value: str | None) -> None:
        """Announce ``value`` to every sink that has not heard it; empty values are ignored."""
        if not value:
            return
        digest = _digest(value)
        if not self._pending(digest):
            return
        with self._running:
            fragments = secret_fragments(value)
            with self._lock:
                if digest not in self._kept:
                    self._kept.add(digest)
                    self._keep(fragments)
            todo = self._todo(digest)  # again: another caller may have registered it meanwhile
            for sink, seen in todo:
                for item in fragments:
                    sink(item)
                with self._lock:
                    seen.add(digest)  # only once the sink took every fragment

    def _keep(self, fragments: list[str]) -> None:
        for item in fragments:
            self._known.add(item)

    def known(self) -> list[str]:
        """Every secret fragment reported in this process (most recent :data:`MAX_KNOWN`)."""
        with self._lock:
            return self._known.values()

    def found_in(self, text: str) -> list[str]:
        """How reported secrets occur in ``text`` (see :meth:`KnownSecrets.found_in`)."""
        with self._lock:
            return self._known.found_in(text)


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


def secrets_in(text: str) -> list[str]:
    """The reported secrets, in any of their :func:`text_forms`, that occur in ``text`` (longest first)."""
    return SINKS.found_in(text)


def report_secret(value: str | None) -> None:
    """Announce a secret to every sink, once per sink and distinct value; empty values are ignored.

    :param value: the secret (key text, passphrase, token...). Never logged or stored here.
    """
    SINKS.report(value)


def announce(value: str | None) -> Steps[None]:
    """Steps that report ``value`` (as :func:`report_secret`) before going on.

    Nothing to do when every sink heard it already; otherwise the report is a
    :class:`~airflow_provider_spcs.core.effects.Blocking` effect, so the async driver runs it in a
    worker thread (see the module docstring) and the sync driver at once.
    """
    if SINKS.unheard(value):
        yield Blocking(lambda: SINKS.report(value))
