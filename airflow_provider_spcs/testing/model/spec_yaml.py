"""SPCS service/job specifications: reading them (YAML or JSON) as far as the emulator needs, and
writing the default ones.

:func:`parse_service_spec` reads ``spec.containers`` (name, image, ``env``, command line,
``secrets``) and ``spec.endpoints`` (name, port, public, protocol). Services and job specs created
without a spec text get one written by :func:`render_service_spec` or :func:`render_job_spec`
(their ``spec_digest`` is its SHA-256).

Container ``env`` entries script what the emulator does (the first container that sets a key
wins, except where noted):

``EMULATOR_FAIL_START`` (services, per container)
    the container fails to start with this message (see also :meth:`.World.mark_image_broken`).
``EMULATOR_OUTCOME`` (jobs)
    ``DONE`` (default) or ``FAILED``.
``EMULATOR_EXIT_CODE``
    exit code of a failed job or of a container that fails to start (default 1).
``EMULATOR_RUN_POLLS`` / ``EMULATOR_PENDING_POLLS`` (jobs)
    how many polls the job stays RUNNING (default 2) / PENDING (default 1).
``EMULATOR_MESSAGE`` (jobs)
    the container message of a failed job.
``EMULATOR_LOGS`` (jobs, per container)
    this container's log lines, newline-separated. Without it a container logs its
    ``command``/``args`` line, if any.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_spcs.testing.model.service_endpoints import Endpoint

# pyyaml ships no type stubs here; importing it dynamically keeps mypy strict without an ignore.
_yaml: Any = importlib.import_module("yaml")

SECRET_KEYS = frozenset({"username", "password", "secret_string", "access_token"})
"""What ``secretKeyRef`` may name (and the file names a ``directoryPath`` mount holds)."""

_PROTOCOLS = frozenset({"HTTP", "HTTPS", "TCP"})


class SpecError(ValueError):
    """The specification text is not a valid spec."""


@dataclass(frozen=True)
class SpecSecret:
    """One ``containers[].secrets[]`` entry: which secret, and as an env var or as files."""

    object_name: str
    """The ``snowflakeSecret`` name as written (``db.schema.name``, ``schema.name`` or ``name``)."""
    env_var: str | None = None
    key_ref: str | None = None
    directory: str | None = None


@dataclass
class SpecContainer:
    """One container of a spec: its name, image, ``env``, command line and secrets."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    command: list[str] = field(default_factory=list)
    image: str = ""
    secrets: list[SpecSecret] = field(default_factory=list)


@dataclass
class ServiceSpec:
    """A parsed spec: containers and endpoints (endpoints are fresh :class:`.Endpoint` objects)."""

    containers: list[SpecContainer]
    endpoints: list[Endpoint]


def _load(text: str) -> Any:
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass  # YAML's flow style is a superset: let it report the error
    try:
        return _yaml.safe_load(text)
    except _yaml.YAMLError as exc:
        raise SpecError(f"Invalid spec: the text is not valid YAML ({str(exc).splitlines()[0]}).") from None


def parse_service_spec(text: str) -> ServiceSpec:
    """Parse spec YAML or JSON; raise :class:`SpecError` if it is not a valid spec."""
    document = _load(text)
    if not isinstance(document, dict) or not isinstance(document.get("spec"), dict):
        raise SpecError("Invalid spec: missing the top-level 'spec' field.")
    raw_containers = document["spec"].get("containers")
    if not isinstance(raw_containers, list) or not raw_containers:
        raise SpecError("Invalid spec: 'spec.containers' must be a non-empty list.")
    containers = [_container(raw) for raw in raw_containers]
    names = [c.name for c in containers]
    if len(set(names)) != len(names):
        raise SpecError("Invalid spec: container names must be unique.")
    raw_endpoints = document["spec"].get("endpoints") or []
    if not isinstance(raw_endpoints, list):
        raise SpecError("Invalid spec: 'spec.endpoints' must be a list.")
    endpoints = [_endpoint(raw) for raw in raw_endpoints]
    if len({e.name.lower() for e in endpoints}) != len(endpoints):
        raise SpecError("Invalid spec: endpoint names must be unique.")
    return ServiceSpec(containers, endpoints)


def _container(raw: Any) -> SpecContainer:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw.get("image"):
        raise SpecError("Invalid spec: every container needs a 'name' and an 'image'.")
    name = raw["name"]
    env_raw = raw.get("env") or {}
    if not isinstance(env_raw, dict):
        raise SpecError(f"Invalid spec: 'env' of container '{name}' must be a mapping.")
    command = [str(part) for part in (raw.get("command") or []) + (raw.get("args") or [])]
    secrets_raw = raw.get("secrets") or []
    if not isinstance(secrets_raw, list):
        raise SpecError(f"Invalid spec: 'secrets' of container '{name}' must be a list.")
    return SpecContainer(
        name=name,
        env={str(k): str(v) for k, v in env_raw.items()},
        command=command,
        image=str(raw["image"]),
        secrets=[_secret(name, entry) for entry in secrets_raw],
    )


def _secret(container: str, raw: Any) -> SpecSecret:
    where = f"a secret of container '{container}'"
    if not isinstance(raw, dict):
        raise SpecError(f"Invalid spec: {where} must be a mapping.")
    reference = raw.get("snowflakeSecret")
    if isinstance(reference, dict):
        reference = reference.get("objectName") or reference.get("objectReference")
    if not isinstance(reference, str) or not reference.strip():
        raise SpecError(f"Invalid spec: {where} needs 'snowflakeSecret' (a name or {{objectName: ...}}).")
    env_var, key_ref, directory = raw.get("envVarName"), raw.get("secretKeyRef"), raw.get("directoryPath")
    if directory is not None:
        if env_var is not None or key_ref is not None or not isinstance(directory, str) or not directory:
            raise SpecError(f"Invalid spec: {where} takes either 'directoryPath' or 'envVarName' + 'secretKeyRef'.")
        return SpecSecret(reference.strip(), directory="/" + directory.strip("/"))
    if not isinstance(env_var, str) or not env_var or not isinstance(key_ref, str):
        raise SpecError(f"Invalid spec: {where} needs 'envVarName' and 'secretKeyRef', or 'directoryPath'.")
    if key_ref not in SECRET_KEYS:
        raise SpecError(f"Invalid spec: 'secretKeyRef' of {where} must be one of {', '.join(sorted(SECRET_KEYS))}.")
    return SpecSecret(reference.strip(), env_var=env_var, key_ref=key_ref)


def _endpoint(raw: Any) -> Endpoint:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise SpecError("Invalid spec: every endpoint needs a 'name'.")
    name = raw["name"]
    port = raw.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise SpecError(f"Invalid spec: endpoint '{name}' needs a 'port' between 1 and 65535.")
    protocol = str(raw.get("protocol") or "HTTP").upper()
    if protocol not in _PROTOCOLS:
        raise SpecError(f"Invalid spec: the protocol of endpoint '{name}' must be HTTP, HTTPS or TCP.")
    public = raw.get("public", False)
    if not isinstance(public, bool):
        raise SpecError(f"Invalid spec: 'public' of endpoint '{name}' must be true or false.")
    if public and protocol == "TCP":
        raise SpecError(f"Invalid spec: public endpoint '{name}' must use HTTP or HTTPS.")
    return Endpoint(name=name, port=port, protocol=protocol, is_public=public)


def parse_spec(text: str) -> list[SpecContainer]:
    """The containers of a spec; raise :class:`SpecError` if it is not a spec."""
    return parse_service_spec(text).containers


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


def default_image(database: str, schema: str, container: str) -> str:
    """The image path a default spec gives ``container``."""
    return f"/{database.lower()}/{schema.lower()}/images/{container}:latest"


def render_service_spec(database: str, schema: str, containers: Iterable[str], endpoints: Iterable[Endpoint]) -> str:
    """The spec of a service created without one: its containers' images, then its endpoints."""
    lines = ["spec:", "  containers:"]
    for container in containers:
        lines += [f"  - name: {container}", f"    image: {default_image(database, schema, container)}"]
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
