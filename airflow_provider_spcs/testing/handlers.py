"""Built-in endpoint handlers: what the "service" behind a public endpoint answers.

A handler is ``async (starlette.requests.Request) -> starlette.responses.Response``; register one
per endpoint with ``SpcsEmulator.set_handler``. The request it sees is what the SPCS proxy
forwards: the Snowflake credential removed, ``Sf-Context-Current-User`` added. The secrets the
serving container mounts (spec ``containers[].secrets``) come with it: ``mounted_secrets(request)``
gives their values by env var name (``.env``) and by file path (``.files``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.testing.model.deployments import MountedSecrets

Handler = Callable[[Request], Awaitable[Response]]
"""An endpoint handler: what the service behind a public endpoint does with a request."""

MOUNTED_SECRETS_SCOPE_KEY = "spcs.mounted_secrets"
"""Where the ingress proxy puts the serving container's :class:`MountedSecrets` in the ASGI scope."""


def mounted_secrets(request: Request) -> MountedSecrets:
    """The secrets the container answering ``request`` mounts.

    ``env`` holds env-var secrets (fixed when the service was created or last upgraded), ``files``
    file-mounted ones by path (``<directoryPath>/<key>``, read live, so ALTER SECRET shows at once).
    Empty for a request that did not come through the ingress proxy.
    """
    found = request.scope.get(MOUNTED_SECRETS_SCOPE_KEY)
    return found if isinstance(found, MountedSecrets) else MountedSecrets()


async def echo_handler(request: Request) -> Response:
    """Echo the request as JSON: method, path, query (dict), query_string, headers, body, json, user,
    and ``secrets``: per mounted secret (by env var name or file path) the first 12 hex digits of
    the SHA-256 of its value, never the value."""
    raw = await request.body()
    text = raw.decode("utf-8", errors="replace")
    parsed: Any = None
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "query_string": request.url.query,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": text,
            "json": parsed,
            "user": request.headers.get("sf-context-current-user"),
            "secrets": mounted_secrets(request).digests(),
        }
    )


def paginated_handler(items: Sequence[Any] | int = 25, *, page_size: int = 10) -> Handler:
    """A handler serving ``items`` (or ``range(items)``) page by page.

    ``GET ?page=N`` (1-based, default 1) answers ``{"items": [...], "page": N, "next_page": N+1|null,
    "total": n}`` and a ``Link: <...?page=N+1>; rel="next"`` header while more pages remain.
    ``?page_size=`` overrides the page size.
    """
    data = list(range(items)) if isinstance(items, int) else list(items)

    async def handler(request: Request) -> Response:
        try:
            page = int(request.query_params.get("page", "1"))
            size = int(request.query_params.get("page_size", str(page_size)))
        except ValueError:
            return JSONResponse({"error": "page and page_size must be integers"}, status_code=400)
        if page < 1 or size < 1:
            return JSONResponse({"error": "page and page_size must be positive"}, status_code=400)
        start = (page - 1) * size
        chunk = data[start : start + size]
        has_next = start + size < len(data)
        headers = {}
        if has_next:
            headers["Link"] = f'<{request.url.path}?page={page + 1}&page_size={size}>; rel="next"'
        body = {"items": chunk, "page": page, "next_page": page + 1 if has_next else None, "total": len(data)}
        return JSONResponse(body, headers=headers)

    return handler
