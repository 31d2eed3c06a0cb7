"""Users and their roles. Credentials are stored here and checked by the wire layer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class User:
    """A Snowflake user: credentials (any of RSA public keys, a PAT, a password) and granted roles."""

    name: str
    public_keys: list[str] = field(default_factory=list)
    pat: str | None = None
    password: str | None = None
    default_role: str = "PUBLIC"
    roles: list[str] = field(default_factory=lambda: ["PUBLIC"])

    def has_role(self, role: str) -> bool:
        """Whether ``role`` is granted to this user (role names compare case-insensitively)."""
        return role.upper() in {r.upper() for r in self.roles}
