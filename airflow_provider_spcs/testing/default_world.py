"""The default world every :class:`~.emulator.SpcsEmulator` starts with, and how a reset restores it.

User ``SPCS_USER`` (an RSA key pair, a PAT and a password; role ``SPCS_ROLE``), compute pool
``SPCS_POOL`` (ACTIVE), the RUNNING service ``ECHO_SERVICE`` with public endpoint ``echo``, and on
``@SPCS_DB.APP.SPECS``: the job specs ``job.yaml`` (ends DONE) and ``failing_job.yaml`` (ends
FAILED), and the service specs ``echo_service.yaml`` (ECHO_SERVICE's own), ``echo_service_v2.yaml``
(image tag ``v2``), ``echo_service_broken.yaml`` (image tag ``broken``, marked broken: its
containers fail to start) and the template ``echo_service_template.yaml`` (``{{ tag }}``).

For secret rotation: the GENERIC_STRING secret ``SERVICE_API_KEY`` (value :data:`DEFAULT_API_KEY`) and the
RUNNING service ``API_SERVICE`` (public endpoint ``api``, echo handler) whose container mounts it
twice, as env var ``API_KEY`` (fixed until the service is restarted) and as the file
``/secrets/api_key/secret_string`` (live), so its echo shows both digests moving.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.names import DEFAULT_COMPUTE_POOL, DEFAULT_DATABASE, DEFAULT_SCHEMA
from airflow_provider_spcs.testing.model.service_endpoints import Endpoint
from airflow_provider_spcs.testing.model.world import World
from airflow_provider_spcs.testing.wire.key_pairs import KeyPair, shared_key_pair
from airflow_provider_spcs.testing.wire.user_directory import new_pat

DEFAULT_USER = "SPCS_USER"
DEFAULT_ROLE = "SPCS_ROLE"
DEFAULT_SERVICE = "ECHO_SERVICE"
DEFAULT_POOL = DEFAULT_COMPUTE_POOL
DEFAULT_STAGE = f"@{DEFAULT_DATABASE}.{DEFAULT_SCHEMA}.SPECS"
DEFAULT_IMAGE_REPOSITORY = f"/{DEFAULT_DATABASE.lower()}/{DEFAULT_SCHEMA.lower()}/images/main"
BROKEN_IMAGE = f"{DEFAULT_IMAGE_REPOSITORY}:broken"
BROKEN_IMAGE_MESSAGE = "Back-off restarting failed container: exec /app/serve: no such file or directory"
API_KEY_SECRET = "SERVICE_API_KEY"
DEFAULT_API_KEY = "api-key-before-rotation"
"""``SERVICE_API_KEY``'s value in the default world: a placeholder, not a credential (the examples rotate it)."""
API_SERVICE = "API_SERVICE"
API_KEY_ENV = "API_KEY"
API_KEY_FILE = "/secrets/api_key/secret_string"


def echo_service_spec(tag: str = "latest") -> str:
    """The spec of ``ECHO_SERVICE`` with image tag ``tag`` (what the default stage files hold)."""
    return (
        "spec:\n"
        "  containers:\n"
        "  - name: main\n"
        f"    image: {DEFAULT_IMAGE_REPOSITORY}:{tag}\n"
        "  endpoints:\n"
        "  - name: echo\n"
        "    port: 8080\n"
        "    public: true\n"
    )


def api_service_spec() -> str:
    """The spec of ``API_SERVICE``: one container mounting ``SERVICE_API_KEY`` as an env var and as a file."""
    secret = f"{DEFAULT_DATABASE}.{DEFAULT_SCHEMA}.{API_KEY_SECRET}".lower()
    return (
        "spec:\n"
        "  containers:\n"
        "  - name: main\n"
        f"    image: {DEFAULT_IMAGE_REPOSITORY.rsplit('/', 1)[0]}/api:latest\n"
        "    secrets:\n"
        f"    - snowflakeSecret: {secret}\n"
        f"      envVarName: {API_KEY_ENV}\n"
        "      secretKeyRef: secret_string\n"
        f"    - snowflakeSecret: {secret}\n"
        f"      directoryPath: {API_KEY_FILE.rsplit('/', 1)[0]}\n"
        "  endpoints:\n"
        "  - name: api\n"
        "    port: 8080\n"
        "    public: true\n"
    )


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
    _load_stage_and_pool(world)
    return credentials


def _load_stage_and_pool(world: World) -> None:
    world.add_compute_pool(DEFAULT_POOL)
    world.add_stage_file(DEFAULT_STAGE, "echo_service.yaml", echo_service_spec())
    world.add_stage_file(DEFAULT_STAGE, "echo_service_v2.yaml", echo_service_spec("v2"))
    world.add_stage_file(DEFAULT_STAGE, "echo_service_broken.yaml", echo_service_spec("broken"))
    world.add_stage_file(DEFAULT_STAGE, "echo_service_template.yaml", echo_service_spec("{{ tag }}"))
    world.mark_image_broken(BROKEN_IMAGE, message=BROKEN_IMAGE_MESSAGE, exit_code=1)
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


def add_default_service(world: World, echo: Endpoint | None = None) -> Service:
    """Create ``ECHO_SERVICE`` (RUNNING, public endpoint ``echo``); ``echo`` reuses an endpoint
    object, and so its ingress port."""
    endpoint = echo or Endpoint("echo", port=8080)
    return world.add_service(DEFAULT_SERVICE, endpoints=(endpoint,), spec=echo_service_spec())


def add_api_service(world: World) -> Service:
    """(Re)create secret ``SERVICE_API_KEY`` with :data:`DEFAULT_API_KEY` and ``API_SERVICE`` on it, as new
    (an existing ``API_SERVICE`` keeps its ingress port)."""
    world.add_secret(API_KEY_SECRET, "GENERIC_STRING", secret_string=DEFAULT_API_KEY, comment="API key of API_SERVICE")
    return world.add_service_from_spec(API_SERVICE, api_service_spec())


def restore_default_world(world: World) -> bool:
    """Put the pool, the stage files, ``SERVICE_API_KEY`` with ``API_SERVICE`` and ``ECHO_SERVICE`` back as new
    (after :meth:`.World.restore`); ``False`` if ECHO_SERVICE was dropped (the caller recreates it
    with a new ingress port)."""
    _load_stage_and_pool(world)
    add_api_service(world)
    service = world.service(DEFAULT_SERVICE)
    if not isinstance(service, Service):
        return False
    echo = service.endpoint("echo")
    if echo is not None:
        echo.is_public, echo.port, echo.protocol = True, 8080, "HTTP"
        echo.provisioned, echo.provision_after_polls, echo.polls, echo.latency = True, 0, 0, 0.0
    add_default_service(world, echo)
    return True
