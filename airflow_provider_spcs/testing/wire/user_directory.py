"""Credential checks over the world's users: key fingerprints, PATs, passwords.

The world stores users with their credentials; this adapter answers the questions authentication
asks, comparing secrets in constant time and caching key fingerprints.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from typing import TYPE_CHECKING

from airflow_provider_spcs.testing.wire.key_pairs import fingerprint_of_public_key

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.model.users import User
    from airflow_provider_spcs.testing.model.world import World


def new_pat() -> str:
    """A fresh opaque programmatic access token secret."""
    return "pat_" + secrets.token_urlsafe(48)


@functools.lru_cache(maxsize=256)
def _fingerprint(public_key_pem: str) -> str:
    return fingerprint_of_public_key(public_key_pem)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Directory:
    """Looks users up in a :class:`World` for authentication."""

    def __init__(self, world: World) -> None:
        self._world = world

    def get(self, name: str) -> User | None:
        """The user called ``name`` (any case), or ``None``."""
        return self._world.user(name)

    def public_keys(self, name: str) -> dict[str, str]:
        """{fingerprint: PEM} of user ``name``. Exact-case: a JWT must carry the uppercase name."""
        with self._world.lock:
            user = self._world.users.get(name)
            pems = list(user.public_keys) if user else []
        return {_fingerprint(pem): pem for pem in pems}

    def by_pat(self, token: str) -> User | None:
        """The owner of PAT ``token``."""
        with self._world.lock:
            users = list(self._world.users.values())
        found = None
        for user in users:
            if user.pat and _same(user.pat, token):
                found = user
        return found

    def check_password(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs, else ``None``."""
        user = self.get(name)
        if user is None or user.password is None or not _same(user.password, password):
            return None
        return user
