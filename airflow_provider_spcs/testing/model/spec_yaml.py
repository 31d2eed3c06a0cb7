"""SPCS service/job specification YAML: reading it as far as the emulator needs, writing defaults.

Only the container list (names and ``env``) matters to the emulator. Services and job specs
created without a spec text get one written by :func:`render_service_spec` or
:func:`render_job_spec` (their ``spec_digest`` is its SHA-256). An inline job spec may
script its own outcome through container ``env`` entries (the first container that sets a key
wins):

``EMULATOR_OUTCOME``
    ``DONE`` (default) or ``FAILED``.
``EMULATOR_EXIT_CODE``
    exit code of a failed job (default 1).
``EMULATOR_RUN_POLLS`` / ``EMULATOR_PENDING_POLLS``
    how many polls the job stays RUNNING (default 2) / PENDING (default 1).
``EMULATOR_MESSAGE``
    the container message of a failed job.
``EMULATOR_LOGS``
    this container's log lines, newline-separated. Without it a container logs its
    ``command``/``args`` line, if any.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.model.service_endpoints import Endpoint

# pyyaml ships no type stubs here; importing it dynamically keeps mypy strict without an ignore.
_yaml: Any = importlib.import_module("yaml")


class SpecError(ValueError):
    """The specification text is not a valid spec."""


@dataclass
class SpecContainer:
    """One container of a spec: its name, ``env`` and command line."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    command: list[str] = field(default_factory=list)


def parse_spec(text: str) -> list[SpecContainer]:
    """Parse spec YAML and return its containers; raise :class:`SpecError` if it is not a spec."""
    try:
        document = _yaml.safe_load(text)
    except _yaml.YAMLError as exc:
        raise SpecError(f"Invalid spec: the text is not valid YAML ({str(exc).splitlines()[0]}).") from None
    if not isinstance(document, dict) or not isinstance(document.get("spec"), dict):
        raise SpecError("Invalid spec: missing the top-level 'spec' field.")
    raw_containers = document["spec"].get("containers")
    if not isinstance(raw_containers, list) or not raw_containers:
        raise SpecError("Invalid spec: 'spec.containers' must be a non-empty list.")
    containers: list[SpecContainer] = []
    for raw in raw_containers:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw.get("image"):
            raise SpecError("Invalid spec: every container needs a 'name' and an 'image'.")
        env_raw = raw.get("env") or {}
        if not isinstance(env_raw, dict):
            raise SpecError(f"Invalid spec: 'env' of container '{raw['name']}' must be a mapping.")
        command = [str(part) for part in (raw.get("command") or []) + (raw.get("args") or [])]
        containers.append(
            SpecContainer(name=raw["name"], env={str(k): str(v) for k, v in env_raw.items()}, command=command)
        )
    return containers


def parse_spec_containers(text: str) -> list[str]:
    """Container names of a spec, or ``[]`` when the text cannot be parsed."""
    try:
        return [container.name for container in parse_spec(text)]
    except SpecError:
        return []


def scripted_setting(containers: list[SpecContainer], key: str) -> str | None:
    """The first container ``env`` value for ``key`` (an ``EMULATOR_*`` scripting knob)."""
    for container in containers:
        if key in container.env:
            return container.env[key]
    return None


def render_service_spec(database: str, schema: str, containers: Iterable[str], endpoints: Iterable[Endpoint]) -> str:
    """The spec of a service created without one: its containers' images, then its endpoints."""
    lines = ["spec:", "  containers:"]
    for container in containers:
        lines += [
            f"  - name: {container}",
            f"    image: /{database.lower()}/{schema.lower()}/images/{container}:latest",
        ]
    endpoint_list = list(endpoints)
    if endpoint_list:
        lines.append("  endpoints:")
        for endpoint in endpoint_list:
            lines += [
                f"  - name: {endpoint.name}",
                f"    port: {endpoint.port}",
                f"    public: {'true' if endpoint.is_public else 'false'}",
            ]
    return "\n".join(lines) + "\n"


def render_job_spec(containers: Iterable[str]) -> str:
    """The spec text of a stage job spec registered without one."""
    return "spec:\n  containers:\n" + "".join(f"  - name: {c}\n    image: /images/{c}:latest\n" for c in containers)
