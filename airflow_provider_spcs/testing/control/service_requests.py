"""Services to add and scripts to run on them, read from JSON (admin routes) or ``--service`` options.

One reader serves both, so the command line and the ``/_emulator/services`` routes take the same
fields, with the same meaning and the same error texts:

* :class:`ServiceDefinition`: a long-running service to add (``name``, ``database``, ``schema``,
  ``compute_pool``, ``endpoints``, ``containers``, ``status``, ``pending_polls``/``pending_seconds``,
  ``fail_after_polls``/``fail_after_seconds``, ``message``, ``exit_code``, and what its public
  endpoints answer: ``handler``, ``latency``);
* :class:`ServiceScript`: what to do to an existing service (``pending``, ``fail``, ``suspend``,
  ``resume``, ``status``, ``latency``).

Every problem raises :class:`RequestError`, whose text names the field and what it accepts.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from airflow_provider_spcs.testing.control.emulator_control import EmulatorControl
from airflow_provider_spcs.testing.handlers import Handler, echo_handler, paginated_handler
from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.names import DEFAULT_COMPUTE_POOL, DEFAULT_DATABASE, DEFAULT_SCHEMA
from airflow_provider_spcs.testing.model.service_base import SERVICE_STATUSES, BaseService

DEFAULT_FAILURE_MESSAGE = "Container exited with an error"
INITIAL_STATUSES = ("RUNNING", "PENDING", "SUSPENDED", "FAILED")
"""Statuses a service can be added in."""
SCRIPTABLE_STATUSES = tuple(sorted(SERVICE_STATUSES - {"DELETED", "DELETING"}))
"""Statuses the ``status`` script sets directly (drop a service with ``DELETE`` instead)."""

ScriptAction = Literal["pending", "fail", "suspend", "resume", "status", "latency"]
SCRIPT_ACTIONS: tuple[ScriptAction, ...] = get_args(ScriptAction)

SERVICE_FIELDS = (
    "name",
    "database",
    "schema",
    "compute_pool",
    "endpoints",
    "containers",
    "status",
    "pending_polls",
    "pending_seconds",
    "fail_after_polls",
    "fail_after_seconds",
    "message",
    "exit_code",
    "handler",
    "latency",
)
_SCRIPT_FIELDS: dict[ScriptAction, tuple[str, ...]] = {
    "pending": ("polls", "seconds"),
    "fail": ("message", "exit_code", "after_polls", "after_seconds"),
    "suspend": (),
    "resume": (),
    "status": ("status",),
    "latency": ("seconds", "endpoint"),
}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")
_ENDPOINT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,62}")
_CONTAINER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
_MAX_MESSAGE = 2000
MAX_LATENCY = 600.0
"""Longest ``latency`` a service may be given, in seconds."""


class RequestError(ValueError):
    """Bad input. ``status`` is the HTTP status an admin route answers with (400, 404 or 409)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class _Fields:
    """Typed reads of one request's fields (JSON values or command-line strings)."""

    def __init__(self, fields: Mapping[str, object], allowed: tuple[str, ...], where: str) -> None:
        unknown = sorted(set(fields) - set(allowed))
        if unknown:
            accepted = ", ".join(allowed) if allowed else "none"
            raise RequestError(f"{where}: unknown field {unknown[0]!r}; accepted fields: {accepted}")
        self._fields = fields

    def given(self, key: str) -> bool:
        return key in self._fields

    def count(self, key: str) -> int:
        """A whole number >= 0 (0 when absent)."""
        return self._integer(key, 0, 0, None)

    def exit_code(self, key: str, default: int) -> int:
        return self._integer(key, default, 0, 255)

    def _integer(self, key: str, default: int, low: int, high: int | None) -> int:
        value = self._fields.get(key, default)
        if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
            value = int(value)
        limit = f"from {low} to {high}" if high is not None else f">= {low}"
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            raise RequestError(f"{key} must be a whole number {limit}, got {value!r}")
        return value

    def seconds(self, key: str) -> float:
        """A number of seconds >= 0 (0 when absent)."""
        value = self._fields.get(key, 0.0)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise RequestError(f"{key} must be a number of seconds >= 0, got {value!r}")
        return float(value)

    def text(self, key: str) -> str | None:
        value = self._fields.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > _MAX_MESSAGE:
            raise RequestError(f"{key} must be a non-empty string of at most {_MAX_MESSAGE} characters")
        return value

    def identifier(self, key: str, default: str | None = None) -> str:
        value = self._fields.get(key, default)
        if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value.strip()):
            raise RequestError(
                f"{key} must be an unquoted Snowflake identifier (letters, digits, _ and $, "
                f"not starting with a digit), got {value!r}"
            )
        return value.strip().upper()

    def status(self, key: str, accepted: tuple[str, ...]) -> str | None:
        value = self._fields.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or value.strip().upper() not in accepted:
            raise RequestError(f"{key} must be one of {', '.join(accepted)}, got {value!r}")
        return value.strip().upper()

    def names(self, key: str) -> list[str] | None:
        """A list: a JSON array of strings, or one string with ``+`` between items."""
        value = self._fields.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return [item.strip() for item in value.split("+") if item.strip()]
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return [item.strip() for item in value]
        raise RequestError(f"{key} must be a list of names (JSON array of strings, or names joined by '+')")


@dataclass(frozen=True)
class HandlerChoice:
    """What a service's public endpoints answer: ``echo`` (the request, as JSON) or ``paginated``
    (``items`` numbers, ``page_size`` per page; see :func:`~airflow_provider_spcs.testing.handlers.paginated_handler`)."""

    kind: Literal["echo", "paginated"] = "echo"
    items: int = 25
    page_size: int = 10

    @classmethod
    def parse(cls, text: str) -> HandlerChoice:
        """``echo``, ``paginated``, ``paginated:ITEMS`` or ``paginated:ITEMS:PAGE_SIZE``."""
        kind, *numbers = [part.strip() for part in text.strip().lower().split(":")]
        wrong = RequestError(
            f"handler must be echo, paginated, paginated:ITEMS or paginated:ITEMS:PAGE_SIZE "
            f"(ITEMS >= 0, PAGE_SIZE >= 1), got {text!r}"
        )
        if kind == "echo" and not numbers:
            return cls()
        if kind != "paginated" or len(numbers) > 2 or not all(n.isdigit() for n in numbers):
            raise wrong
        items = int(numbers[0]) if numbers else cls.items
        page_size = int(numbers[1]) if len(numbers) > 1 else cls.page_size
        if page_size < 1:
            raise wrong
        return cls("paginated", items, page_size)

    def build(self) -> Handler:
        """The endpoint handler."""
        return echo_handler if self.kind == "echo" else paginated_handler(self.items, page_size=self.page_size)


def _latency(read: _Fields, key: str) -> float:
    seconds = read.seconds(key)
    if seconds > MAX_LATENCY:
        raise RequestError(f"{key} must be at most {MAX_LATENCY:g} seconds, got {seconds:g}")
    return seconds


def _endpoints(items: list[str]) -> tuple[tuple[str, bool], ...]:
    endpoints: list[tuple[str, bool]] = []
    for item in items:
        name, _, visibility = item.partition(":")
        if not _ENDPOINT.fullmatch(name) or visibility.lower() not in ("", "public", "private"):
            raise RequestError(
                f"endpoints: {item!r} is not NAME, NAME:public or NAME:private "
                "(NAME: a letter, then letters, digits, _ or -)"
            )
        if name.lower() in (e[0].lower() for e in endpoints):
            raise RequestError(f"endpoints: {name!r} is listed twice")
        endpoints.append((name, visibility.lower() != "private"))
    return tuple(endpoints)


def _containers(items: list[str]) -> tuple[str, ...]:
    if not items:
        raise RequestError("containers must name at least one container")
    for item in items:
        if not _CONTAINER.fullmatch(item):
            raise RequestError(f"containers: {item!r} is not a container name (letters, digits, _ and -)")
    if len({item.lower() for item in items}) != len(items):
        raise RequestError("containers: a container is listed twice")
    return tuple(items)


@dataclass(frozen=True)
class ServiceDefinition:
    """A long-running service to add, and how it behaves from the start.

    ``status`` is where it starts (default RUNNING). ``pending_polls``/``pending_seconds`` start it
    PENDING and make it RUNNING after that many polls or seconds, whichever comes first.
    ``fail_after_polls``/``fail_after_seconds`` keep the starting status that long, then fail it
    with ``message`` and ``exit_code``; so do ``status=FAILED`` at once. Its public endpoints
    answer with ``handler`` after ``latency`` seconds.
    """

    name: str
    database: str = DEFAULT_DATABASE
    schema: str = DEFAULT_SCHEMA
    compute_pool: str = DEFAULT_COMPUTE_POOL
    endpoints: tuple[tuple[str, bool], ...] = (("echo", True),)
    containers: tuple[str, ...] = ("main",)
    status: str = "RUNNING"
    pending_polls: int = 0
    pending_seconds: float = 0.0
    fail_after_polls: int = 0
    fail_after_seconds: float = 0.0
    message: str = DEFAULT_FAILURE_MESSAGE
    exit_code: int = 1
    handler: HandlerChoice = HandlerChoice()
    latency: float = 0.0

    @classmethod
    def from_fields(cls, fields: Mapping[str, object], where: str = "service") -> ServiceDefinition:
        """Validate ``fields`` (see :data:`SERVICE_FIELDS`); raise :class:`RequestError`."""
        read = _Fields(fields, SERVICE_FIELDS, where)
        if not read.given("name"):
            raise RequestError(f"{where}: name is required")
        pending = (read.count("pending_polls"), read.seconds("pending_seconds"))
        fail_after = (read.count("fail_after_polls"), read.seconds("fail_after_seconds"))
        status = read.status("status", INITIAL_STATUSES)
        if any(pending):
            if any(fail_after):
                raise RequestError(
                    "pending_* and fail_after_* do not combine; for a service that stays PENDING and then "
                    "fails, give status PENDING with fail_after_polls or fail_after_seconds"
                )
            if status not in (None, "PENDING"):
                raise RequestError(f"pending_polls and pending_seconds start the service PENDING, not {status}")
            status = "PENDING"
        status = status or "RUNNING"
        if any(fail_after) and status not in ("RUNNING", "PENDING"):
            raise RequestError(f"fail_after_* needs status RUNNING or PENDING, not {status}")
        fails = status == "FAILED" or any(fail_after)
        if not fails and (read.given("message") or read.given("exit_code")):
            raise RequestError("message and exit_code describe a failure: give status FAILED or fail_after_*")
        endpoints = read.names("endpoints")
        containers = read.names("containers")
        handler = read.text("handler")
        return cls(
            name=read.identifier("name"),
            database=read.identifier("database", DEFAULT_DATABASE),
            schema=read.identifier("schema", DEFAULT_SCHEMA),
            compute_pool=read.identifier("compute_pool", DEFAULT_COMPUTE_POOL),
            endpoints=_endpoints(endpoints) if endpoints is not None else cls.endpoints,
            containers=_containers(containers) if containers is not None else cls.containers,
            status=status,
            pending_polls=pending[0],
            pending_seconds=pending[1],
            fail_after_polls=fail_after[0],
            fail_after_seconds=fail_after[1],
            message=read.text("message") or DEFAULT_FAILURE_MESSAGE,
            exit_code=read.exit_code("exit_code", 1),
            handler=HandlerChoice.parse(handler) if handler is not None else cls.handler,
            latency=_latency(read, "latency"),
        )

    def create(self, control: EmulatorControl) -> Service:
        """Add the service to the emulator (replacing one of the same name) and script it."""
        service = control.add_service(
            self.name,
            database=self.database,
            schema=self.schema,
            compute_pool=self.compute_pool,
            endpoints=self.endpoints,
            containers=self.containers,
            start_after_polls=self.pending_polls,
            start_after_seconds=self.pending_seconds,
            status="RUNNING" if self.status == "FAILED" else self.status,
        )
        for endpoint in service.endpoints:
            endpoint.latency = self.latency
            if endpoint.is_public:  # the echo handler is the default: a replaced service drops its own
                handler = None if self.handler == HandlerChoice() else self.handler.build()
                control.set_handler(service.qualified_name, endpoint.name, handler)
        if self.status == "FAILED":
            service.fail(self.message, self.exit_code)
        elif self.fail_after_polls or self.fail_after_seconds:
            service.fail_after(
                polls=self.fail_after_polls,
                seconds=self.fail_after_seconds,
                message=self.message,
                exit_code=self.exit_code,
            )
        return service


def parse_service_option(text: str) -> ServiceDefinition:
    """``NAME[:KEY=VALUE[,KEY=VALUE...]]`` (the ``--service`` option) as a :class:`ServiceDefinition`.

    Keys are the :data:`SERVICE_FIELDS` other than ``name``; list values join items with ``+``
    (``endpoints=api+metrics:private``). A comma starts a new option only when a known key and
    ``=`` follow it, so a ``message`` may contain commas.
    """
    name, _, options = text.partition(":")
    fields: dict[str, object] = {"name": name}
    keys = "|".join(key for key in SERVICE_FIELDS if key != "name")
    for item in re.split(rf",(?=\s*(?:{keys})\s*=)", options) if options.strip() else ():
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in SERVICE_FIELDS or key == "name":
            raise RequestError(f"{text!r}: {item!r} is not KEY=VALUE with KEY one of {keys.replace('|', ', ')}")
        if key in fields:
            raise RequestError(f"{text!r}: {key} is given twice")
        fields[key] = value
    try:
        return ServiceDefinition.from_fields(fields)
    except RequestError as exc:
        raise RequestError(f"{text!r}: {exc}") from None


@dataclass(frozen=True)
class ServiceScript:
    """One scripted change to an existing service (see :data:`SCRIPT_ACTIONS`).

    ``pending``: PENDING now, RUNNING after ``polls`` polls or ``seconds`` seconds (neither: until
    scripted again). ``fail``: FAILED with ``message`` and ``exit_code``, now or after
    ``after_polls`` polls / ``after_seconds`` seconds in the current status. ``suspend`` /
    ``resume``: as ALTER SERVICE does. ``status``: set ``status`` directly. ``latency``: the
    service takes ``seconds`` to answer each request to ``endpoint`` (default: every endpoint).
    """

    action: ScriptAction
    polls: int = 0
    seconds: float = 0.0
    message: str = DEFAULT_FAILURE_MESSAGE
    exit_code: int = 1
    status: str = "RUNNING"
    endpoint: str | None = None

    @classmethod
    def from_fields(cls, action: str, fields: Mapping[str, object]) -> ServiceScript:
        """Validate an action and its fields; raise :class:`RequestError` (404 for an unknown action)."""
        if action not in SCRIPT_ACTIONS:
            raise RequestError(f"unknown action {action!r}; actions: {', '.join(SCRIPT_ACTIONS)}", status=404)
        name = action
        read = _Fields(fields, _SCRIPT_FIELDS[name], f"action {name}")
        if name == "pending":
            return cls(name, polls=read.count("polls"), seconds=read.seconds("seconds"))
        if name == "fail":
            return cls(
                name,
                polls=read.count("after_polls"),
                seconds=read.seconds("after_seconds"),
                message=read.text("message") or DEFAULT_FAILURE_MESSAGE,
                exit_code=read.exit_code("exit_code", 1),
            )
        if name == "latency":
            if not read.given("seconds"):
                raise RequestError("action latency: seconds is required (0 answers at once)")
            return cls(name, seconds=_latency(read, "seconds"), endpoint=read.text("endpoint"))
        if name == "status":
            status = read.status("status", SCRIPTABLE_STATUSES)
            if status is None:
                raise RequestError(f"action status: status is required (one of {', '.join(SCRIPTABLE_STATUSES)})")
            return cls(name, status=status)
        return cls(name)

    def apply(self, service: BaseService) -> None:
        """Run the script on ``service``; :class:`RequestError` (409) if it does not apply to it."""
        if self.action == "pending":
            service.start_after(polls=self.polls, seconds=self.seconds)
        elif self.action == "fail":
            service.fail_after(polls=self.polls, seconds=self.seconds, message=self.message, exit_code=self.exit_code)
        elif self.action == "status":
            service.set_status(self.status)
        elif self.action == "latency":
            chosen = [e for e in service.endpoints if self.endpoint is None or e.name.lower() == self.endpoint.lower()]
            if not chosen:
                raise RequestError(f"{service.qualified_name} has no endpoint {self.endpoint!r}", status=404)
            for endpoint in chosen:
                endpoint.latency = self.seconds
        elif not isinstance(service, Service):
            raise RequestError(
                f"{service.qualified_name} is a job service; only long-running services {self.action}", status=409
            )
        elif self.action == "suspend":
            service.suspend()
        else:
            service.resume()
