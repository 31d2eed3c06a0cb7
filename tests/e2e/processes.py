"""Processes the run starts: each in its own session and log file, all stopped on exit."""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import IO


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """One long-running command whose output goes to ``<log_dir>/<name>.log``.

    The process leads its own session, so :meth:`kill` reaches everything it forked (a scheduler's
    executor workers and task processes, a triggerer's trigger runner).
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        log_dir: pathlib.Path,
        keep_stdout: bool = True,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_dir / f"{name}.log"
        self.keep_stdout = keep_stdout
        self.popen: subprocess.Popen[str] | None = None
        self.started_at = 0.0
        self._log: IO[str] | None = None

    def start(self) -> Process:
        self._log = self.log_path.open("a", encoding="utf-8")
        self.started_at = time.monotonic()
        self.popen = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log if self.keep_stdout else subprocess.DEVNULL,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was not started"
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def terminate(self, timeout: float = 60.0) -> float:
        """SIGTERM to the process itself (as a service manager does); seconds until it exited."""
        assert self.popen is not None
        began = time.monotonic()
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                raise RuntimeError(f"{self.name} did not stop within {timeout:.0f} s of SIGTERM") from None
        return time.monotonic() - began

    def kill(self, grace: float = 10.0) -> None:
        """Stop the whole session: SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.popen is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # the leader may be gone while members of its session live on
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the process log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def processes_with_env(marker: str, value: str) -> list[int]:
    """Pids whose environment holds ``marker=value`` (a run's own AIRFLOW_HOME, say)."""
    wanted = f"{marker}={value}".encode()
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_pids(pids: Sequence[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
