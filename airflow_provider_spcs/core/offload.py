"""Work that must not run on the event loop: blocking calls, and imports, in a worker thread.

The triggerer runs every trigger of a process on one event loop, and Airflow warns once that loop
does not get to run for 0.1 s (its watchdog sleeps 0.1 s and reports more than 0.2 s). Anything
that takes milliseconds of CPU or waits on I/O runs in a worker thread instead: the loop gets the
interpreter back at least every few milliseconds (the GIL's switch interval) while the thread works.

The thread is one that :mod:`asgiref` starts when it is installed (Airflow always has it): inside
it, Airflow's synchronous SDK calls (reading a connection, ``mask_secret`` telling the triggerer's
supervisor about a secret) find their way back to the calling loop. In a bare
``asyncio.to_thread`` thread, Airflow 3.1's triggerer sends such a request from an event loop of
its own, and the reply is left for the next request on the real loop, which then fails with
"Response read out of order". This module imports nothing heavy itself.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

_imported: set[str] = set()
_imported_lock = threading.Lock()


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread, awaited without blocking the running event loop."""
    try:
        from asgiref.sync import sync_to_async
    except ImportError:  # pragma: no cover - Airflow depends on asgiref
        return await asyncio.to_thread(fn, *args)
    result: T = await sync_to_async(fn, thread_sensitive=False)(*args)
    return result


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)
    with _imported_lock:
        _imported.update(modules)


async def import_in_thread(modules: Iterable[str]) -> None:
    """Import ``modules`` in a worker thread, unless this process imported them that way already.

    A first import of a module runs its code and reads its files (milliseconds each, tens of
    milliseconds for a package): on the event loop, a cold trigger's lazy imports alone would
    stall it. Importing the same modules from the loop meanwhile would wait for the thread, so
    callers import them here before anything on the loop uses them.
    """
    wanted = tuple(modules)
    with _imported_lock:
        missing = tuple(name for name in wanted if name not in _imported)
    if missing:
        await in_thread(_import_all, missing)
