"""``--record-secrets``: every credential the emulator holds or hands out, written down for a log scan.

A test of "no secret in any log" needs the secrets themselves: the default user's private key,
PAT and password, the OAuth client secret, and each token the emulator mints while the test runs
(ingress, session, master, SPCS session and OAuth tokens). No admin route answers with them; the
emulator writes them to a file readable by its owner only, one JSON string per line (a PEM spans
lines), the fixed ones first and each minted token as it is minted.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable


class SecretRecord:
    """An append-only ``0600`` file of secrets, one JSON string per line.

    :param path: the file; replaced if it exists.
    :param secrets: what to write at once.
    :raises OSError: the file cannot be created.
    """

    def __init__(self, path: str | os.PathLike[str], secrets: Iterable[str] = ()) -> None:
        self.path = os.path.abspath(os.fspath(path))
        if os.path.lexists(self.path):
            os.unlink(self.path)  # a link or someone else's file must not receive secrets
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")
        self._lock = threading.Lock()
        for value in secrets:
            self.add(value)

    def add(self, value: str) -> None:
        """Append ``value`` (flushed at once: a reader may look at any time)."""
        with self._lock:
            if self._file.closed:
                return
            self._file.write(json.dumps(value) + "\n")
            self._file.flush()

    def close(self) -> None:
        """Stop recording (the file stays for the reader)."""
        with self._lock:
            self._file.close()


def read_secret_record(path: str | os.PathLike[str]) -> list[str]:
    """The secrets in a file :class:`SecretRecord` wrote (a test's log scan reads them with this)."""
    with open(path, encoding="utf-8") as handle:
        return [str(json.loads(line)) for line in handle if line.strip()]
