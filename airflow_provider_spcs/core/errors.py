"""One error tree for the whole provider.

::

    SpcsError
    ├── SpcsConfigError (ValueError)     a connection setting is missing or wrong; .field names it
    ├── SpcsAuthError                    no usable credential (rejected, expired, sign-in redirect)
    │   └── SpcsTokenExchangeError       /oauth/token (or an OAuth server) said no; .status_code, .error
    ├── SpcsApiError                     a request failed; .status_code, .code, .request_id, .retryable
    │   └── SpcsSqlError                 a statement failed (SQL API 422); .sql_state, .statement_handle
    ├── SpcsNotReadyError                the thing asked for exists but is not ready (endpoint provisioning)
    ├── SpcsServiceFailedError           a service or job reached a failure status; .status, .details
    ├── SpcsComputePoolError             a compute pool reports an error; .state, .error_code, .status_message
    ├── SpcsTimeoutError (TimeoutError)  a deadline passed
    └── ResponseCheckFailed              an endpoint operator's ``response_check`` returned False

Every error crosses the triggerer → worker boundary whole: :meth:`SpcsError.to_dict` gives a small
JSON dict (class name, message, fields) and :meth:`SpcsError.from_dict` rebuilds the same class with
the same fields, so a deferred task fails exactly as the synchronous one would.

Messages never contain a secret: build them from setting names, statuses and server codes only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "ResponseCheckFailed",
    "SpcsApiError",
    "SpcsAuthError",
    "SpcsComputePoolError",
    "SpcsConfigError",
    "SpcsError",
    "SpcsNotReadyError",
    "SpcsServiceFailedError",
    "SpcsSqlError",
    "SpcsTimeoutError",
    "SpcsTokenExchangeError",
]


class SpcsError(Exception):
    """Base class of every error this provider raises.

    :param message: what went wrong (never a secret).
    """

    fields: ClassVar[tuple[str, ...]] = ()
    """Constructor keywords kept by :meth:`to_dict` (each is an attribute of the same name)."""

    def __init__(self, message: str = "") -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        """``{"type": <class name>, "message": ..., <field>: ...}``: JSON values only."""
        return {"type": type(self).__name__, "message": self.message, **{f: getattr(self, f) for f in self.fields}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpcsError:
        """Rebuild the error :meth:`to_dict` described; an unknown type becomes a plain :class:`SpcsError`."""
        kind = _error_classes().get(str(data.get("type")), SpcsError)
        values = {f: data[f] for f in kind.fields if f in data}
        return kind._rebuild(str(data.get("message") or ""), values)

    @classmethod
    def _rebuild(cls, message: str, values: dict[str, Any]) -> SpcsError:
        return cls(message, **values)


def _error_classes() -> dict[str, type[SpcsError]]:
    found: dict[str, type[SpcsError]] = {}
    todo: list[type[SpcsError]] = [SpcsError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


class SpcsConfigError(SpcsError, ValueError):
    """A connection setting is missing, invalid, or conflicts with another.

    :param field: the setting to fix (e.g. ``extra.private_key_file``); part of the message.
    :param message: what is wrong with it.
    """

    fields = ("field",)

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)
        self.args = (f"{field}: {message}",)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    @classmethod
    def _rebuild(cls, message: str, values: dict[str, Any]) -> SpcsError:
        return cls(str(values.get("field") or "?"), message)


class SpcsAuthError(SpcsError):
    """Authentication failed: credentials rejected, expired, or the request was sent to sign-in."""

    fields = ("status_code", "code")

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None) -> None:
        self.status_code = status_code
        self.code = code
        super().__init__(message)


class SpcsTokenExchangeError(SpcsAuthError):
    """The token endpoint refused to issue a token."""

    fields = ("status_code", "error")

    def __init__(self, message: str, *, status_code: int | None = None, error: str | None = None) -> None:
        self.error = error
        super().__init__(message, status_code=status_code, code=error)


class SpcsApiError(SpcsError):
    """An HTTP request to Snowflake or to a service endpoint failed.

    :param status_code: HTTP status (``None`` for connection errors).
    :param code: Snowflake error code from the body, when there is one (e.g. ``390505``).
    :param request_id: the request id Snowflake or the endpoint reported, if any.
    :param retryable: whether trying again later may succeed (429, 503, 504, connection errors).
    """

    fields = ("status_code", "code", "request_id", "retryable")

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.retryable = retryable
        super().__init__(message)


class SpcsSqlError(SpcsApiError):
    """A SQL statement failed (SQL API 422, or a connector ProgrammingError)."""

    fields = ("code", "sql_state", "statement_handle", "status_code")

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        sql_state: str | None = None,
        statement_handle: str | None = None,
        status_code: int | None = 422,
    ) -> None:
        self.sql_state = sql_state
        self.statement_handle = statement_handle
        super().__init__(message, status_code=status_code, code=code)


class SpcsNotReadyError(SpcsError):
    """The object exists but is not ready yet (e.g. an endpoint whose ingress is still provisioning)."""


class SpcsServiceFailedError(SpcsError):
    """A service or job service reached a failure status.

    :param status: the status reached (e.g. ``FAILED``).
    :param details: per-container facts (status, message, restart count, last exit code).
    """

    fields = ("status", "details")

    def __init__(self, message: str, *, status: str, details: list[dict[str, Any]] | None = None) -> None:
        self.status = status
        self.details = details or []
        super().__init__(message)


class SpcsComputePoolError(SpcsError):
    """A compute pool reports an error (``error_code``) instead of reaching the state waited for.

    :param state: the pool's ``state`` (e.g. ``STARTING``).
    :param error_code: Snowflake's code (e.g. ``392507``: no capacity).
    :param status_message: Snowflake's words for it.
    """

    fields = ("state", "error_code", "status_message")

    def __init__(
        self,
        message: str,
        *,
        state: str | None = None,
        error_code: str | None = None,
        status_message: str | None = None,
    ) -> None:
        self.state = state
        self.error_code = error_code
        self.status_message = status_message
        super().__init__(message)


class SpcsTimeoutError(SpcsError, TimeoutError):
    """A deadline passed before the awaited condition was met."""


class ResponseCheckFailed(SpcsError):
    """``response_check`` returned ``False`` for an endpoint's response."""
