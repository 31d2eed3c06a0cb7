"""The default world every :class:`~.emulator.SpcsEmulator` starts with, and how a reset restores it.

User ``SPCS_USER`` (an RSA key pair, a PAT and a password; role ``SPCS_ROLE``), compute pool
``SPCS_POOL``, the RUNNING service ``ECHO_SERVICE`` with public endpoint ``echo``, and the job
specs ``job.yaml`` (ends DONE) and ``failing_job.yaml`` (ends FAILED) on ``@SPCS_DB.APP.SPECS``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.names import DEFAULT_COMPUTE_POOL, DEFAULT_DATABASE, DEFAULT_SCHEMA
from airflow_provider_spcs.testing.model.world import World
from airflow_provider_spcs.testing.wire.key_pairs import KeyPair, shared_key_pair
from airflow_provider_spcs.testing.wire.user_directory import new_pat

DEFAULT_USER = "SPCS_USER"
DEFAULT_ROLE = "SPCS_ROLE"
DEFAULT_SERVICE = "ECHO_SERVICE"
DEFAULT_POOL = DEFAULT_COMPUTE_POOL
DEFAULT_STAGE = f"@{DEFAULT_DATABASE}.{DEFAULT_SCHEMA}.SPECS"


@dataclass(frozen=True)
class DefaultCredentials:
    """The default user's secrets (generated per emulator; the key pair once per process)."""

    key_pair: KeyPair
    pat: str
    password: str


def load_default_world(world: World) -> DefaultCredentials:
    """Fill ``world`` with the default user, pool and job specs (the service comes separately)."""
    credentials = DefaultCredentials(shared_key_pair(), new_pat(), secrets.token_urlsafe(16))
    world.add_user(
        DEFAULT_USER,
        public_keys=[credentials.key_pair.public_key_pem],
        pat=credentials.pat,
        password=credentials.password,
        default_role=DEFAULT_ROLE,
        roles=(DEFAULT_ROLE, "PUBLIC"),
    )
    world.add_compute_pool(DEFAULT_POOL)
    world.add_job_spec(
        DEFAULT_STAGE,
        "job.yaml",
        outcome="DONE",
        run_polls=2,
        logs=["job started", "processing 3 items", "job finished"],
    )
    world.add_job_spec(
        DEFAULT_STAGE,
        "failing_job.yaml",
        outcome="FAILED",
        run_polls=2,
        exit_code=1,
        logs=["job started", "error: something went wrong"],
    )
    return credentials


def restore_default_service(world: World) -> bool:
    """Put ``ECHO_SERVICE`` back to RUNNING with no history; ``False`` if it was dropped (recreate it)."""
    service = world.service(DEFAULT_SERVICE)
    if not isinstance(service, Service):
        return False
    service.set_status("RUNNING")
    # A suspend/resume cycle in an earlier test must not show through SHOW/DESCRIBE either.
    service.resumed_on = None
    service.suspended_on = None
    return True
