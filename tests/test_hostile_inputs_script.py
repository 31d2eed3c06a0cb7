"""``scripts/hostile_inputs.py`` (``make hostile``) run as a user runs it: every hostile input is
refused (or, for the controls, accepted), none reaches the foreign host, none leaks a secret."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "hostile_inputs.py"
COLUMNS = ["#", "category", "input", "auth", "outcome", "reached foreign host", "secret in message"]
AUTH_METHODS = {"key_pair", "pat", "pat_exchange", "spcs_token", "oauth", "password"}
CATEGORIES = {"foreign host", "bad setting", "unsafe identifier", "server text", "retry / size"}


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_every_hostile_input_has_its_expected_outcome() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}  # the script sets up its own
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
    assert _cells(lines[0]) == COLUMNS
    rows = [dict(zip(COLUMNS, _cells(line), strict=True)) for line in lines[2:]]
    assert len(rows) > 100
    assert {row["category"] for row in rows} == CATEGORIES
    foreign = [row for row in rows if row["category"] == "foreign host"]
    assert {row["auth"] for row in foreign} == AUTH_METHODS  # the destination rule, for every auth method
    for row in rows:
        assert row["secret in message"] == "no", row
        assert "UNEXPECTED" not in row["outcome"], row
        assert "<secret>" not in row["outcome"], row  # a secret was hidden from the table: it was in the message
        if "control" in row["input"]:
            assert row["outcome"] == "accepted", row
        else:
            assert row["outcome"].startswith("refused: "), row
        if row["reached foreign host"] != "no":  # only the ingress_hosts control may reach it
            assert "listed" in row["input"], row
            assert row["reached foreign host"].endswith("expected)"), row
    assert sum(row["outcome"].startswith("refused: ") for row in rows) >= 90
    assert (
        f"{len(rows)} hostile inputs, {len(rows)} as expected, 0 not; the foreign host saw 1 request(s)" in done.stdout
    )
