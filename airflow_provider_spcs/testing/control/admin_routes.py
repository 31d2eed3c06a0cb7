"""Admin routes under ``/_emulator/``: counters, faults and a map of the world, for other processes
(benchmarks, scripts, a user's own Airflow); :data:`ROUTES` is the whole table, with the service
and token routes of :mod:`.service_routes`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider_spcs.testing.control import service_routes
from airflow_provider_spcs.testing.wire.app_state import EmulatorState


async def stats(request: Request) -> Response:
    """``GET /_emulator/stats``: the counters."""
    state: EmulatorState = request.app.state.emulator
    return JSONResponse(state.stats.snapshot())


async def reset_stats(request: Request) -> Response:
    """``POST /_emulator/reset_stats``: zero the counters."""
    state: EmulatorState = request.app.state.emulator
    state.stats.reset()
    return JSONResponse({"status": "ok"})


async def inject(request: Request) -> Response:
    """``POST /_emulator/inject`` with JSON ``{"route", "status", "count", "latency", "drop", "retry_after"}``."""
    state: EmulatorState = request.app.state.emulator
    try:
        body = await request.json()
        state.faults.inject(
            str(body["route"]),
            status=body.get("status"),
            count=int(body.get("count", 1)),
            latency=float(body.get("latency", 0.0)),
            drop=bool(body.get("drop", False)),
            retry_after=body.get("retry_after"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"status": "ok"})


async def clear_faults(request: Request) -> Response:
    """``POST /_emulator/clear_faults``."""
    state: EmulatorState = request.app.state.emulator
    state.faults.clear()
    return JSONResponse({"status": "ok"})


async def info(request: Request) -> Response:
    """``GET /_emulator/info``: account, URLs and services with their ingress URLs."""
    state: EmulatorState = request.app.state.emulator
    services = [
        {
            "name": s.qualified_name,
            "status": s.status,
            "endpoints": [
                {"name": e.name, "is_public": e.is_public, "ingress_url": e.ingress_url} for e in s.endpoints
            ],
        }
        for s in state.world.list_services()
    ]
    return JSONResponse({"account": state.account, "account_url": state.account_url, "services": services})


ROUTES = [
    Route("/_emulator/stats", stats, methods=["GET"]),
    Route("/_emulator/reset_stats", reset_stats, methods=["POST"]),
    Route("/_emulator/inject", inject, methods=["POST"]),
    Route("/_emulator/clear_faults", clear_faults, methods=["POST"]),
    Route("/_emulator/info", info, methods=["GET"]),
    Route("/_emulator/services", service_routes.list_services, methods=["GET"]),
    Route("/_emulator/services", service_routes.add_service, methods=["POST"]),
    Route("/_emulator/services/{name}", service_routes.get_service, methods=["GET"]),
    Route("/_emulator/services/{name}", service_routes.drop_service, methods=["DELETE"]),
    Route("/_emulator/services/{name}/{action}", service_routes.script_service, methods=["POST"]),
    Route("/_emulator/session_token_file", service_routes.write_session_token_file, methods=["POST"]),
]
"""Every ``/_emulator/`` route, for the account app."""
