"""What one deployment of a service runs: a :class:`Revision` (the resolved spec, its digest, and the
secrets its containers mount).

CREATE SERVICE and every ALTER SERVICE ... FROM make a new revision. Its ``spec_digest`` is the
SHA-256 of the resolved (template-rendered) spec text, so the same text always has the same digest.
Secrets named in the spec are checked when the revision is made (a missing or unreadable secret, or
a key its type lacks, refuses the statement) and mounted as the docs describe:

* ``envVarName`` + ``secretKeyRef``: the value is read **now** and fixed for the revision's
  lifetime (rotating the secret reaches the container only through a new revision);
* ``directoryPath``: files ``<dir>/<key>`` that read the secret **live**, so ALTER SECRET reaches
  running containers at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from airflow_provider_spcs.testing.model.names import ObjectKey
from airflow_provider_spcs.testing.model.refusals import InvalidSetting, ObjectMissing
from airflow_provider_spcs.testing.model.spec_yaml import ServiceSpec, SpecContainer
from airflow_provider_spcs.testing.model.stored_secrets import Secret

SecretLookup = Callable[[str], Secret | None]
"""Finds the secret a spec names (as written), resolved where the service lives and readable by its owner."""


@dataclass(frozen=True)
class FileMount:
    """One ``directoryPath`` mount: the secret it reads, live, by key."""

    directory: str
    secret_key: ObjectKey
    secret_name: str


@dataclass
class Revision:
    """One deployed spec of a service. Secret values it holds stay out of ``repr``."""

    text: str
    spec: ServiceSpec
    created_on: float
    env_secrets: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    """Container name -> env var -> value, fixed when the revision was made."""
    file_mounts: dict[str, list[FileMount]] = field(default_factory=dict)
    """Container name -> its directory mounts."""

    @property
    def digest(self) -> str:
        """``spec_digest``: SHA-256 (hex) of the resolved spec text."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def containers(self) -> list[SpecContainer]:
        """The spec's containers."""
        return self.spec.containers


def build_revision(
    text: str,
    spec: ServiceSpec,
    *,
    created_on: float,
    find_secret: SecretLookup,
) -> Revision:
    """A revision of ``spec`` with its secrets resolved (env values read now).

    :raises ObjectMissing: a named secret does not exist or the owner may not read it.
    :raises InvalidSetting: a ``secretKeyRef`` names a key the secret's type lacks.
    """
    revision = Revision(text=text, spec=spec, created_on=created_on)
    for container in spec.containers:
        for reference in container.secrets:
            secret = find_secret(reference.object_name)
            if secret is None:
                raise ObjectMissing("Secret", reference.object_name)
            key = (secret.database, secret.schema, secret.name)
            if reference.directory is not None:
                mount = FileMount(reference.directory, key, secret.qualified_name)
                revision.file_mounts.setdefault(container.name, []).append(mount)
                continue
            assert reference.key_ref is not None
            assert reference.env_var is not None
            value = secret.mounted_value(reference.key_ref)
            if value is None:
                raise InvalidSetting(
                    f"Invalid secretKeyRef '{reference.key_ref}' in container '{container.name}': secret "
                    f"{secret.qualified_name} of type {secret.secret_type} has keys {', '.join(secret.mounted_keys())}."
                )
            revision.env_secrets.setdefault(container.name, {})[reference.env_var] = value
    return revision


@dataclass(frozen=True)
class MountedSecrets:
    """The secrets one container instance sees: env vars (fixed by its revision) and files (live).

    ``env`` maps env var name -> value; ``files`` maps file path (``<directoryPath>/<key>``) ->
    value. Values are secret: show digests (:meth:`digests`), never the values.
    """

    env: dict[str, str] = field(default_factory=dict, repr=False)
    files: dict[str, str] = field(default_factory=dict, repr=False)

    def digests(self, length: int = 12) -> dict[str, str]:
        """Env var name or file path -> the first ``length`` hex digits of the value's SHA-256."""
        return {
            name: hashlib.sha256(value.encode()).hexdigest()[:length]
            for name, value in sorted({**self.env, **self.files}.items())
        }


def mounted_secrets(revision: Revision, lookup: Callable[[ObjectKey], Secret | None]) -> MountedSecrets:
    """What the containers of an instance on ``revision`` see now (files read through ``lookup``)."""
    env: dict[str, str] = {}
    for values in revision.env_secrets.values():
        env.update(values)
    files: dict[str, str] = {}
    for mounts in revision.file_mounts.values():
        for mount in mounts:
            secret = lookup(mount.secret_key)
            if secret is None:
                continue  # dropped since: its files are gone
            for key in secret.mounted_keys():
                value = secret.mounted_value(key)
                if value is not None:
                    files[f"{mount.directory.rstrip('/')}/{key}"] = value
    return MountedSecrets(env, files)
