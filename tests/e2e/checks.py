"""What the run reads out of logs: leaked secrets, provider warnings, triggerer stalls."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Any JWT (the key-pair assertion, exchanged, session and SPCS tokens are all JWT-shaped).
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
PEM_ARMOUR = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
#: Airflow's triggerer watchdog (``[triggerer] blocked_main_thread_warning_threshold``, 0.2 s).
STALL = re.compile(r"async thread was blocked for (\d+(?:\.\d+)?) seconds")
WARNING_LEVELS = {"warning", "error", "critical", "exception"}

#: Warnings Airflow itself logs in every task, whatever the task does; each with the reason it is
#: not the provider's. Everything else at warning level or above in a task log is a finding.
AIRFLOW_NOISE: dict[str, str] = {}


@dataclass(frozen=True)
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def secret_needles(secrets: Iterable[str]) -> dict[str, str]:
    """``{needle: label}``: each secret, and for multi-line ones (a PEM) each long body line."""
    needles: dict[str, str] = {}
    for number, secret in enumerate(secrets):
        lines = [line.strip() for line in secret.splitlines()] if "\n" in secret else [secret]
        for line in lines:
            if len(line) >= 12 and "-----" not in line:
                needles[line] = f"secret #{number} ({len(secret)} chars)"
    return needles


def find_secrets(text: str, needles: dict[str, str], where: str) -> list[Finding]:
    found = [Finding(where, f"holds {label}") for needle, label in needles.items() if needle in text]
    found += [Finding(where, f"holds a JWT ({m.group(0)[:12]}...)") for m in JWT.finditer(text)]
    if PEM_ARMOUR.search(text):
        found.append(Finding(where, "holds a private key's PEM armour"))
    return found


def event_text(event: Any) -> str:
    return event if isinstance(event, str) else json.dumps(event, default=str)


def warnings_in(events: Iterable[Any], where: str) -> list[Finding]:
    """Warning-level events of a task log, less Airflow's own noise."""
    found = []
    for event in events:
        if not isinstance(event, dict) or str(event.get("level", "")).lower() not in WARNING_LEVELS:
            continue
        message = str(event.get("event", ""))
        if any(message.startswith(prefix) for prefix in AIRFLOW_NOISE):
            continue
        found.append(Finding(where, f"{event.get('level')} from {event.get('logger', '?')}: {message[:300]}"))
    return found


def stalls_in(text: str) -> list[float]:
    """Seconds of each 'async thread was blocked' warning in a triggerer log."""
    return [float(m.group(1)) for m in STALL.finditer(text)]
