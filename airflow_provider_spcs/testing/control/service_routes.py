"""Admin routes that add, script, read and drop services, and rewrite the session token file.

=====================================================  ==========================================
``GET /_emulator/services``                            every service and job service, as states
``POST /_emulator/services``                           add a service (:class:`ServiceDefinition`)
``GET /_emulator/services/{name}``                     one service's state
``DELETE /_emulator/services/{name}``                  drop it (as DROP SERVICE)
``POST /_emulator/services/{name}/{action}``           script it (:class:`ServiceScript`)
``POST /_emulator/session_token_file``                 write a fresh token to the emulator's file
                                                       (optional ``{"user": NAME}``)
=====================================================  ==========================================

Bodies are JSON objects (any ``Content-Type``, so a bare ``curl -d`` works); errors answer
``{"error": "..."}`` with 400 (bad input), 404 (no such service, user or action) or 409 (exists,
or the action does not apply). No answer carries a credential: the token route says where the
token is, never what it is.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.testing.control.emulator_control import EmulatorControl
from airflow_provider_spcs.testing.control.service_requests import RequestError, ServiceDefinition, ServiceScript
from airflow_provider_spcs.testing.default_world import DEFAULT_USER
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.wire.app_state import EmulatorState


def service_state(service: BaseService) -> dict[str, Any]:
    """What an admin answer says about a service (reading it does not count as a poll)."""
    message, exit_code = service.failure_facts()
    return {
        "name": service.name,
        "database": service.database,
        "schema": service.schema,
        "qualified_name": service.qualified_name,
        "kind": "job" if service.is_job else "service",
        "status": service.status,
        "message": message,
        "exit_code": exit_code,
        "polls": service.poll_count,
        "compute_pool": service.compute_pool,
        "containers": list(service.containers),
        "endpoints": [
            {"name": e.name, "is_public": e.is_public, "ingress_url": e.ingress_url, "latency": e.latency}
            for e in service.endpoints
        ],
    }


Handler = Callable[[Request], Awaitable[Response]]


def _answering_errors(handler: Handler) -> Handler:
    """Answer a :class:`RequestError` raised anywhere in ``handler`` as ``{"error": ...}``."""

    @functools.wraps(handler)
    async def route(request: Request) -> Response:
        try:
            return await handler(request)
        except RequestError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)

    return route


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise RequestError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object")
    return body


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def _control(state: EmulatorState) -> EmulatorControl:
    if state.control is None:
        raise RequestError("this emulator state is not served by an SpcsEmulator", status=503)
    return state.control


def _service(state: EmulatorState, name: str) -> BaseService:
    found = state.world.service(name)
    if found is None:
        raise RequestError(f"no service {name!r} (unqualified names resolve in SPCS_DB.APP)", status=404)
    return found


@_answering_errors
async def list_services(request: Request) -> Response:
    """``GET /_emulator/services``."""
    state = _state(request)
    with state.world.lock:
        return JSONResponse({"services": [service_state(s) for s in state.world.list_services()]})


@_answering_errors
async def add_service(request: Request) -> Response:
    """``POST /_emulator/services`` with a :class:`ServiceDefinition` JSON object: 201 and its state."""
    state = _state(request)
    definition = ServiceDefinition.from_fields(await _body(request))
    control = _control(state)
    with state.world.lock:
        if state.world.service(definition.name, definition.database, definition.schema) is not None:
            raise RequestError(
                f"service {definition.database}.{definition.schema}.{definition.name} already exists; "
                "script it (POST /_emulator/services/<name>/<action>) or DELETE it first",
                status=409,
            )
        service = definition.create(control)
        return JSONResponse(service_state(service), status_code=201)


@_answering_errors
async def get_service(request: Request) -> Response:
    """``GET /_emulator/services/{name}``."""
    state = _state(request)
    with state.world.lock:
        return JSONResponse(service_state(_service(state, request.path_params["name"])))


@_answering_errors
async def drop_service(request: Request) -> Response:
    """``DELETE /_emulator/services/{name}``: the state it ends in (DELETED)."""
    state = _state(request)
    control = _control(state)
    with state.world.lock:
        service = _service(state, request.path_params["name"])
        control.drop_service(service.name, service.database, service.schema)
        return JSONResponse(service_state(service))


@_answering_errors
async def script_service(request: Request) -> Response:
    """``POST /_emulator/services/{name}/{action}`` with the action's fields: the state after it."""
    state = _state(request)
    script = ServiceScript.from_fields(request.path_params["action"], await _body(request))
    with state.world.lock:
        service = _service(state, request.path_params["name"])
        script.apply(service)
        return JSONResponse(service_state(service))


@_answering_errors
async def write_session_token_file(request: Request) -> Response:
    """``POST /_emulator/session_token_file`` (optional ``{"user": NAME}``): path, user and lifetime."""
    state = _state(request)
    body = await _body(request)
    unknown = sorted(set(body) - {"user"})
    if unknown:
        raise RequestError(f"unknown field {unknown[0]!r}; accepted fields: user")
    name = body.get("user", DEFAULT_USER)
    if not isinstance(name, str):
        raise RequestError("user must be a user name")
    user = state.world.user(name)
    if user is None:
        raise RequestError(f"no user {name!r}", status=404)
    path = _control(state).session_token_file(user.name)
    return JSONResponse({"path": path, "user": user.name, "expires_in": int(state.settings.spcs_token_lifetime)})
