"""A local SPCS emulator: a real HTTP server on 127.0.0.1 that speaks Snowflake's wire protocol.

Start it from Python (``with SpcsEmulator() as emu: ...``), from pytest (fixtures ``spcs_emulator``,
``spcs``, ``spcs_conn``, ``spcs_conn_factory``; see :mod:`.pytest_plugin`) or from a shell
(``python -m airflow_provider_spcs.testing``, which prints ready Airflow connections as JSON lines;
``--help`` lists the flags that add services, write connection and token files and signal ready).

Account port (``emu.account_url``):

=====================================================  =============================================
``POST /oauth/token``                                  jwt-bearer grant, token-exchange grant (PAT or
                                                       OAuth access token) -> bare ingress token
``POST /oauth/token-request``                          Snowflake OAuth: refresh_token,
                                                       client_credentials (JSON access_token, username)
``POST /external-oauth/token``                         customer OAuth server: client_credentials,
                                                       refresh_token (JSON access_token)
``POST /api/v2/statements``                            SQL API v2 submit (``requestId``, ``retry``,
                                                       ``async`` (always 202), ``nullable``)
``GET /api/v2/statements/{handle}[?partition=N]``      poll / fetch a partition
``POST /api/v2/statements/{handle}/cancel``            cancel
``POST /session/v1/login-request``                     connector login (SNOWFLAKE, SNOWFLAKE_JWT,
                                                       PROGRAMMATIC_ACCESS_TOKEN, OAUTH)
``POST /queries/v1/query-request``                     connector query (sync, ``asyncExec``)
``GET /queries/{id}/result``, ``GET /monitoring/queries/{id}``  connector polling
``POST /session/token-request``                        ISSUE / RENEW with the master token
``POST /session/heartbeat``, ``POST /telemetry/send``, ``POST /session?delete=true``
``GET /console/login``                                 the sign-in page ingress redirects to
``GET /_emulator/stats``, ``POST /_emulator/reset_stats``, ``POST /_emulator/inject``,
``POST /_emulator/clear_faults``, ``GET /_emulator/info``   admin (other processes, benchmarks)
``GET|POST /_emulator/services``                       admin: list / add services (JSON)
``GET|DELETE /_emulator/services/{name}``              admin: a service's state / drop it
``POST /_emulator/services/{name}/{action}``           admin: ``pending``, ``fail``, ``suspend``,
                                                       ``resume``, ``status``
``POST /_emulator/session_token_file``                 admin: rewrite the session token file
=====================================================  =============================================

Ingress: each public endpoint has its own port (``emu.ingress_url(service, endpoint)``), any
method and path, ``Authorization: Snowflake Token="<token>"`` with a PAT, an exchanged token for that
host, a connector or SPCS session token, or a customer OAuth token. Services created through SQL
(CREATE SERVICE) get their ports as soon as they exist; handlers see the secrets the serving
container mounts (:func:`~.handlers.mounted_secrets`).

Layout, by job:

============================  =====================================================================
:mod:`.emulator`              :class:`SpcsEmulator`: start/stop, scripting the world, faults, tokens
:mod:`.default_world`         the default user, service, pool and job specs; restoring them
:mod:`.airflow_connections`   ready Airflow connections for each auth method
:mod:`.serving`               the account port and the ingress ports (:mod:`.server` runs uvicorn)
:mod:`.handlers`              endpoint handlers (echo, paginated), the secrets a request sees
:mod:`.pytest_plugin`         the fixtures; :mod:`.tasks` runs an operator through its deferrals
:mod:`.recorder`              a foreign host (127.0.0.2) that records what reaches it, for
                              checks that no credential leaves the account's ingress
:mod:`.model`                 the world: users, services (instances, rollouts), job services,
                              compute pools, secrets, stage files, with their lifecycles
:mod:`.sql`                   the SQL engine: a routing table, one module per statement family
:mod:`.wire`                  the HTTP protocols: account app, ingress, SQL API, connector, OAuth
:mod:`.control`               fault injection, counters, the ``/_emulator/`` admin routes, files
                              handed to other processes
============================  =====================================================================
"""

from __future__ import annotations

from airflow_provider_spcs.testing.emulator import SpcsEmulator
from airflow_provider_spcs.testing.handlers import echo_handler, mounted_secrets, paginated_handler

__all__ = ["SpcsEmulator", "echo_handler", "mounted_secrets", "paginated_handler"]
