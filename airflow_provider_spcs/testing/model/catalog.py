"""A registry of one kind of object in the world (users, services, job specs, compute pools...).

Each kind keeps its objects in a :class:`Catalog` on the :class:`~.world.World`, guarded by the
world's lock. :meth:`Catalog.checkpoint` and :meth:`Catalog.restore` are what lets the emulator put
the world back between tests: objects added since the checkpoint go, the others stay as they are.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from typing import Any, Generic, Protocol, TypeVar


class SortableKey(Hashable, Protocol):
    """What a catalog key must be: hashable and ordered (names, tuples of names)."""

    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=SortableKey)
V = TypeVar("V")


class Catalog(Generic[K, V]):
    """Objects of one kind by key. Iteration and :meth:`values` follow the sorted keys."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._items: dict[K, V] = {}

    def put(self, key: K, item: V) -> V:
        """Store ``item`` under ``key``, replacing any object there; return ``item``."""
        with self._lock:
            self._items[key] = item
        return item

    def get(self, key: K) -> V | None:
        """The object under ``key``, if any."""
        with self._lock:
            return self._items.get(key)

    def pop(self, key: K) -> V | None:
        """Remove and return the object under ``key``, if any."""
        with self._lock:
            return self._items.pop(key, None)

    def values(self) -> list[V]:
        """Every object, in key order (a copy)."""
        with self._lock:
            return [self._items[key] for key in sorted(self._items)]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __iter__(self) -> Iterator[K]:
        with self._lock:
            return iter(sorted(self._items))

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def checkpoint(self) -> frozenset[K]:
        """The keys present now (for :meth:`restore`)."""
        with self._lock:
            return frozenset(self._items)

    def restore(self, keys: frozenset[K]) -> None:
        """Remove every object whose key is not in ``keys``; the others keep their current state."""
        with self._lock:
            for key in [k for k in self._items if k not in keys]:
                del self._items[key]
