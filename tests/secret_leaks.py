"""Look for a secret value everywhere it must never be: what tests of secret writes share.

:class:`RecordingPool` records every request and response body our HTTP client sends and reads.
:func:`emulator_views` reads back everything the emulator would show anyone: its admin routes,
its statement history (each statement's text as stored and as ``GET /api/v2/statements/<handle>``
answers). :func:`find_leaks` looks for the value, and the forms it takes in SQL text and JSON, in
any number of such texts.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from airflow_provider_spcs.core.clients import ClientPool
from airflow_provider_spcs.core.identifiers import secret_literal
from airflow_provider_spcs.testing import SpcsEmulator


def forms(value: str) -> set[str]:
    """``value`` as it may show up: itself, its escaped SQL literal body, both as JSON string bodies,
    and each line of it long enough to mean something."""
    texts = {value}
    with contextlib.suppress(ValueError):  # values Snowflake cannot store have no literal form
        texts.add(secret_literal(value, field="value")[1:-1])
    found = set(texts)
    for text in texts:  # and each as a JSON string holds it (a request body, a status reply)
        found |= {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    found |= {line for line in value.splitlines() if len(line) >= 6}
    return {f for f in found if len(f) >= 6}


def find_leaks(values: Iterable[str], haystacks: Mapping[str, str]) -> list[str]:
    """``["<where>: <first characters>..."]`` for every form of every value found in a haystack."""
    leaks = []
    for value in values:
        for form in forms(value):
            for where, text in haystacks.items():
                if form in text:
                    leaks.append(f"{where}: {form[:4]}...")
    return sorted(set(leaks))


class _Recording(httpx.BaseTransport):
    def __init__(self, log: list[tuple[str, str]]) -> None:
        self._inner = httpx.HTTPTransport()
        self._log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._log.append(("request", request.read().decode("utf-8", "replace")))
        response = self._inner.handle_request(request)
        content = response.read()
        self._log.append(("response", content.decode("utf-8", "replace")))
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)


class _AsyncRecording(httpx.AsyncBaseTransport):
    def __init__(self, log: list[tuple[str, str]]) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._log = log

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._log.append(("request", (await request.aread()).decode("utf-8", "replace")))
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        self._log.append(("response", content.decode("utf-8", "replace")))
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)


class RecordingPool(ClientPool):
    """A client pool whose clients record every body they send and read, in order."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        super().__init__(transport=_Recording(self.log), async_transport=_AsyncRecording(self.log))

    def texts(self, kind: str) -> str:
        """Every ``request`` or ``response`` body, one per line."""
        return "\n".join(text for k, text in self.log if k == kind)

    def requests_holding(self, value: str) -> int:
        """How many request bodies carry ``value`` in any of its forms."""
        return sum(1 for k, text in self.log if k == "request" and any(f in text for f in forms(value)))


def emulator_views(spcs: SpcsEmulator) -> dict[str, str]:
    """Everything the emulator shows: admin routes, and every stored statement's text and status reply."""
    records: dict[str, Any] = vars(spcs.state.statements)["_records"]
    headers = {"Authorization": f"Bearer {spcs.pat}", "Accept": "application/json"}
    views: dict[str, str] = {}
    with httpx.Client(timeout=10) as client:
        for route in ("info", "stats", "services"):
            views[f"GET /_emulator/{route}"] = client.get(f"{spcs.account_url}/_emulator/{route}").text
        replies = [client.get(f"{spcs.account_url}/api/v2/statements/{h}", headers=headers).text for h in records]
    views["statement history (stored text)"] = "\n".join(r.sql_text for r in records.values())
    views["statement history (status replies)"] = "\n".join(replies)
    views["statement history (errors)"] = "\n".join(repr(r.error) for r in records.values() if r.error is not None)
    return views
