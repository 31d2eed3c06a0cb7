"""``make hostile``: try every hostile input the provider defends against, print a Markdown table.

Starts the emulator (account on 127.0.0.1), a foreign recording server on 127.0.0.2 that no
Snowflake credential may ever reach, and an echoing server on 127.0.0.3 that plays a token server
or SQL API quoting back everything it was sent. Each input is then tried for real, through the
hook or the endpoint operator (on the worker and through its trigger), for every auth method where
the auth method matters:

* foreign destinations: absolute URLs to other hosts, another loopback address, plain http,
  ``user:password@`` tricks, pagination links and redirects that leave the origin; and the hosts
  the rule does allow (SHOW ENDPOINTS, ``ingress_hosts``);
* bad settings: account, URLs, PATs / passwords / tokens with control or non-ASCII characters,
  key and token files, extra JSON, auth method, passphrase, key;
* unsafe identifiers and inline specs;
* servers that echo secrets in their error bodies, JWT rejection codes;
* retry abuse (Retry-After beyond the call's deadline, POST on 503), oversized responses.

Each row shows the input (secrets as ``<secret>``), the outcome (``refused: <class>: <first line>``
or ``accepted``), whether any request reached the foreign server, and whether any secret appears
in the error. The exit status is 1 when any row is not the expected outcome.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

OUTCOME_WIDTH = 110
SECRET = "hunter2-s3cret-value"
"""Planted in every bad value that could hold a secret."""
AUTH_METHODS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("key_pair", "key_pair", {}),
    ("pat", "pat", {}),
    ("pat_exchange", "pat", {"pat_exchange": "true"}),
    ("spcs_token", "spcs_token", {}),
    ("oauth", "oauth", {}),
    ("password", "password", {}),
)
"""``(label, auth_method, extra)`` for every way a connection authenticates."""


def _prepare_airflow_env(home: Path) -> None:
    # Airflow reads its configuration when first imported: set everything before that.
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'airflow.db'}"
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")


@dataclass
class Lab:
    """What every attempt works with: the emulator, the two other servers, a scratch folder."""

    spcs: Any
    foreign: Any
    echo: Any
    tmp: Path
    secrets: set[str] = field(default_factory=set)
    hooks: list[Any] = field(default_factory=list)
    elapsed: float = float("inf")
    """How long the last timed attempt took."""

    def connection(self, method: str = "pat", **overrides: Any) -> dict[str, Any]:
        conn: dict[str, Any] = self.spcs.connection(method, **overrides)
        return conn

    def hook(self, method: str = "pat", conn: dict[str, Any] | str | None = None, **extra: Any) -> Any:
        """A hook on a fresh connection (``conn`` given whole, or the emulator's with ``extra``)."""
        from airflow_provider_spcs.core.retry import RetryPolicy
        from airflow_provider_spcs.hooks.spcs import SpcsHook

        conn_id = f"hostile_{len(self.hooks)}"
        value = conn if conn is not None else self.connection(method, **extra)
        os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = value if isinstance(value, str) else json.dumps(value)
        policy = RetryPolicy(base_delay=0.01, max_delay=0.05, poll_initial=0.01, poll_max=0.05, max_attempts=4)
        hook = SpcsHook(conn_id, retry_policy=policy, timeout=10.0)
        self.hooks.append(hook)
        return hook

    def conn_id(self, method: str, **extra: Any) -> str:
        return str(self.hook(method, **extra).spcs_conn_id)


Attempt = Callable[[Lab], object]
Build = Callable[[Lab], dict[str, Any] | str]
"""A connection (dict, or the whole ``AIRFLOW_CONN_`` JSON text) built on the emulator's."""
Check = Callable[[Lab, object], str | None]
"""After the attempt: ``None`` when all is as it must be, else what is wrong."""


@dataclass(frozen=True)
class Case:
    """One hostile input and the outcome it must have."""

    category: str
    shown: str
    auth: str
    attempt: Attempt
    refused_by: tuple[str, ...] = ()
    """Exception class names that count as the expected refusal; empty: it must be accepted."""
    words: str = ""
    """Words the refusal's message must hold (the setting it names, the hint)."""
    check: Check | None = None
    foreign_expected: bool = False
    """Only the positive control (a host listed in ``ingress_hosts``) may reach the foreign server."""


@dataclass(frozen=True)
class Row:
    case: Case
    outcome: str
    foreign: int
    leak: bool
    expected: bool


def _message(error: BaseException) -> str:
    from airflow_provider_spcs.core.errors import SpcsError

    text = f"{error}\n{error!r}\n{error.__dict__!r}"
    if isinstance(error, SpcsError):
        text += json.dumps(error.to_dict(), default=str)
    return text


def _hidden(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "<secret>")
    return text


ECHOED_FIELDS = ("assertion", "subject_token", "client_secret", "refresh_token", "password", "token")


def _sent_to_echo(lab: Lab) -> set[str]:
    """The secrets the echoing server was sent (JWT assertions, exchanged or refreshed tokens...)."""
    found: set[str] = set()
    for seen in lab.echo.requests:
        form = dict(parse_qsl(seen.body.decode("latin-1")))
        found |= {form[name] for name in ECHOED_FIELDS if len(form.get(name, "")) >= 8}
        authorization = seen.headers.get("authorization", "")
        found |= {part.strip('"') for part in authorization.replace("=", " ").split() if len(part) >= 16}
    return found


def _try(lab: Lab, case: Case) -> Row:
    from airflow_provider_spcs.core.process import PROCESS

    PROCESS.reset()
    lab.spcs.reset()
    before = len(lab.foreign.requests)
    problems: list[str] = []
    result: object = None
    error: BaseException | None = None
    try:
        result = case.attempt(lab)
    except Exception as caught:  # the outcome under test: every kind is reported, none hidden
        error = caught
    lab.secrets |= _sent_to_echo(lab)
    leak = False
    if error is None:
        outcome = "accepted"
        if case.refused_by:
            problems.append("should be refused")
    else:
        message = _message(error)
        leak = any(secret in message for secret in lab.secrets)
        first = _hidden(str(error).splitlines()[0] if str(error) else "", lab.secrets)
        outcome = f"refused: {type(error).__name__}: {first}"
        if type(error).__name__ not in case.refused_by:
            problems.append("unexpected exception" if case.refused_by else "should be accepted")
        elif case.words and case.words not in str(error):
            problems.append(f"message lacks {case.words!r}")
    if case.check is not None and not problems:
        wrong = case.check(lab, result if error is None else error)
        if wrong:
            problems.append(wrong)
    foreign = len(lab.foreign.requests) - before
    if foreign and not case.foreign_expected:
        problems.append("reached the foreign host")
    if leak:
        problems.append("secret in the message")
    if len(outcome) > OUTCOME_WIDTH:
        outcome = outcome[: OUTCOME_WIDTH - 1] + "…"
    if problems:
        outcome += f" **UNEXPECTED: {'; '.join(problems)}**"
    return Row(case, outcome, foreign, leak, not problems)


# -- checks -----------------------------------------------------------------------------------------


def _no_requests(lab: Lab, _result: object) -> str | None:
    seen = lab.spcs.stats()["requests"]
    return None if not seen else f"the emulator got {seen}"


def _no_sql(lab: Lab, _result: object) -> str | None:
    count = lab.spcs.stats()["sql_statements"]
    return None if count == 0 else f"{count} SQL statement(s) ran"


def _status(code: int) -> Check:
    def check(_lab: Lab, result: object) -> str | None:
        status = getattr(result, "status_code", None)
        return None if status == code else f"status {status}, not {code}"

    return check


def _ingress_tries(count: int, *, status: int | None = None) -> Check:
    def check(lab: Lab, result: object) -> str | None:
        tries = lab.spcs.stats()["requests"].get("ingress", 0)
        if status is not None and getattr(result, "status_code", None) != status:
            return f"status {getattr(result, 'status_code', None)}, not {status}"
        return None if tries == count else f"{tries} ingress request(s), not {count}"

    return check


def _credential_reached_foreign(lab: Lab, result: object) -> str | None:
    # The positive control: a listed host does get the credential, so the refusals are the rule's.
    if getattr(result, "status_code", None) != 200:
        return f"status {getattr(result, 'status_code', None)}, not 200"
    return None if lab.foreign.credentials_seen([lab.spcs.pat]) else "no credential reached the listed host"


def _echo_saw(lab: Lab, _result: object) -> str | None:
    # The echoing server did get the secrets (and quoted them): the refusal scrubbed them.
    return None if lab.echo.requests else "the echoing server was never asked"


# -- the cases --------------------------------------------------------------------------------------


def _operator(lab: Lab, method: str, extra: dict[str, str], deferrable: bool, **kwargs: Any) -> object:
    from airflow_provider_spcs.operators.spcs import SpcsEndpointOperator
    from airflow_provider_spcs.testing.tasks import run_with_triggers

    if "ingress_url" not in kwargs:
        kwargs.update(service="SPCS_DB.APP.ECHO_SERVICE", endpoint="echo")
    op = SpcsEndpointOperator(
        task_id="call", spcs_conn_id=lab.conn_id(method, **extra), deferrable=deferrable, **kwargs
    )
    return run_with_triggers(op)


def _redirect_to(target: Callable[[Lab], str]) -> Callable[[Lab], None]:
    def install(lab: Lab) -> None:
        from starlette.requests import Request
        from starlette.responses import RedirectResponse, Response

        async def away(request: Request) -> Response:
            return RedirectResponse(target(lab), status_code=302)

        lab.spcs.set_handler("ECHO_SERVICE", "echo", away)

    return install


def _next_link_to(target: Callable[[Lab], str]) -> Callable[[Lab], None]:
    def install(lab: Lab) -> None:
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response

        async def first_page(request: Request) -> Response:
            return JSONResponse({"next": target(lab)})

        lab.spcs.set_handler("ECHO_SERVICE", "echo", first_page)

    return install


def _next_page(response: Any) -> dict[str, Any] | None:
    nxt = response.json().get("next")
    return {"url": nxt} if nxt else None


Install = Callable[[Lab], None]
OPERATOR_INPUTS: tuple[tuple[str, Install | None, Callable[[Lab], dict[str, Any]], tuple[str, ...], str], ...] = (
    (
        "SpcsEndpointOperator ingress_url=http://127.0.0.2:<port>",
        None,
        lambda lab: {"ingress_url": lab.foreign.url},
        ("SpcsConfigError",),
        "ingress_hosts",
    ),
    (
        "pagination next link to http://127.0.0.2:<port>/page2",
        _next_link_to(lambda lab: f"{lab.foreign.url}/page2"),
        lambda lab: {"pagination_function": _next_page},
        ("SpcsConfigError",),
        "origin",
    ),
    (
        "endpoint 302 to http://127.0.0.2:<port>, follow_redirects=True",
        _redirect_to(lambda lab: f"{lab.foreign.url}/landing"),
        lambda lab: {"extra_options": {"follow_redirects": True}},
        ("SpcsAuthError",),
        "redirected",
    ),
)
"""``(input, what the service does, operator arguments, refusal, words)`` for the endpoint operator."""


def _operator_attempt(
    method: str,
    extra: dict[str, str],
    deferrable: bool,
    install: Install | None,
    kwargs: Callable[[Lab], dict[str, Any]],
) -> Attempt:
    def attempt(lab: Lab) -> object:
        if install is not None:
            install(lab)
        return _operator(lab, method, extra, deferrable, **kwargs(lab))

    return attempt


def _listing(*, port_offset: int) -> Attempt:
    """A PAT connection whose ``ingress_hosts`` lists the foreign host at its port (plus ``port_offset``)."""

    def attempt(lab: Lab) -> object:
        listed = lab.hook("pat", ingress_hosts=f"127.0.0.2:{lab.foreign.port + port_offset}")
        return listed.request("GET", f"{lab.foreign.url}/listed")

    return attempt


def destination_cases() -> Iterator[Case]:
    category = "foreign host"
    config_error = ("SpcsConfigError",)
    for label, method, extra in AUTH_METHODS:

        def hook_get(url: Callable[[Lab], str], method: str = method, extra: dict[str, str] = extra) -> Attempt:
            return lambda lab: lab.hook(method, **extra).request("GET", url(lab))

        yield Case(
            category,
            "hook.request GET https://evil.example/x",
            label,
            hook_get(lambda lab: "https://evil.example/x"),
            config_error,
            "ingress_hosts",
        )
        yield Case(
            category,
            "hook.request GET http://127.0.0.2:<port>/steal (account on 127.0.0.1)",
            label,
            hook_get(lambda lab: f"{lab.foreign.url}/steal"),
            config_error,
            "ingress_hosts",
        )
        yield Case(
            category,
            "hook.request GET https://abc.snowflakecomputing.app.attacker.example/",
            label,
            hook_get(lambda lab: "https://abc.snowflakecomputing.app.attacker.example/"),
            config_error,
            "ingress_hosts",
        )
        yield Case(
            category,
            "hook.request GET http://localhost.evil.example/ (plain http, not loopback)",
            label,
            hook_get(lambda lab: "http://localhost.evil.example/"),
            config_error,
        )
        yield Case(
            category,
            "hook.request GET http://127.0.0.1:<port>@127.0.0.2:<port>/ (userinfo)",
            label,
            hook_get(lambda lab: f"{lab.spcs.account_url}@127.0.0.2:{lab.foreign.port}/"),
            config_error,
        )
        for deferrable in (False, True):
            mode = "deferred" if deferrable else "worker"
            for shown, install, kwargs, refused, words in OPERATOR_INPUTS:
                attempt = _operator_attempt(method, extra, deferrable, install, kwargs)
                yield Case(category, f"{shown} ({mode})", label, attempt, refused, words)

        def hook_redirect(lab: Lab, method: str = method, extra: dict[str, str] = extra) -> object:
            _redirect_to(lambda lab: f"{lab.foreign.url}/next")(lab)
            return lab.hook(method, **extra).request("GET", lab.spcs.ingress_url(), follow_redirects=True)

        yield Case(
            category,
            "hook.request, endpoint 302 to 127.0.0.2, follow_redirects=True",
            label,
            hook_redirect,
            ("SpcsAuthError",),
            "redirected",
        )

        def reported(lab: Lab, method: str = method, extra: dict[str, str] = extra) -> object:
            hook = lab.hook(method, **extra)
            return hook.request("GET", hook.get_ingress_url("ECHO_SERVICE", "echo"))

        yield Case(category, "host SHOW ENDPOINTS reported (control)", label, reported, check=_status(200))

    def follow_elsewhere(lab: Lab) -> object:
        _redirect_to(lambda lab: f"{lab.spcs.account_url}/x")(lab)
        return lab.hook("pat").request("GET", lab.spcs.ingress_url(), follow_redirects=True)

    yield Case(
        category,
        "follow_redirects=True, 302 to the account port (another origin, same host)",
        "pat",
        follow_elsewhere,
        ("SpcsApiError",),
        "another origin",
    )
    yield Case(
        category,
        "ingress_hosts=127.0.0.2:<port> listed (positive control)",
        "pat",
        _listing(port_offset=0),
        check=_credential_reached_foreign,
        foreign_expected=True,
    )
    yield Case(
        category,
        "ingress_hosts=127.0.0.2:<other port>, request to <port>",
        "pat",
        _listing(port_offset=1),
        ("SpcsConfigError",),
        "ingress_hosts",
    )


def _with_extra(conn: dict[str, Any], **extra: str) -> dict[str, Any]:
    conn["extra"].update(extra)
    return conn


def _big_key_file(lab: Lab) -> dict[str, Any]:
    path = lab.tmp / "huge.p8"
    path.write_bytes(lab.spcs.private_key_pem.encode() + b"\n" * (64 * 1024))
    return lab.connection("key_pair", private_key_content=None, private_key_file=str(path))


def _raw_extra(lab: Lab) -> str:
    conn = lab.connection("pat")
    text = json.dumps(conn["extra"])
    conn["extra"] = text[:-1] + f', "token": "{SECRET}"'  # a missing closing brace
    return json.dumps(conn)


def _other_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def config_cases() -> Iterator[Case]:
    category = "bad setting"
    settings: list[tuple[str, str, Build, str]] = [
        (
            "account=attacker.example/#",
            "pat",
            lambda lab: lab.connection(account="attacker.example/#"),
            "extra.account",
        ),
        (
            "account=myorg-myacct.snowflakecomputing.com (a host name)",
            "pat",
            lambda lab: lab.connection(account="myorg-myacct.snowflakecomputing.com", account_url=None),
            "not the host name",
        ),
        (
            "account_url=http://u:<secret>@127.0.0.1:<port>",
            "pat",
            lambda lab: lab.connection(account_url=lab.spcs.account_url.replace("://", f"://u:{SECRET}@")),
            "user:password@",
        ),
        (
            "oauth_token_endpoint=http://u:<secret>@127.0.0.1:<port>/...",
            "oauth",
            lambda lab: lab.connection(
                "oauth", oauth_token_endpoint=lab.spcs.oauth_token_endpoint.replace("://", f"://u:{SECRET}@")
            ),
            "user:password@",
        ),
        (
            "account_url=http://myorg-myacct.snowflakecomputing.com (plain http)",
            "pat",
            lambda lab: lab.connection(account_url="http://myorg-myacct.snowflakecomputing.com"),
            "plain http",
        ),
        ("token=<secret>\\r\\nX-Evil: 1", "pat", lambda lab: lab.connection(token=f"{SECRET}\r\nX-Evil: 1"), "control"),
        ("token=<secret>é (non-ASCII)", "pat", lambda lab: lab.connection(token=f"{SECRET}\u00e9"), "non-ASCII"),
        (
            "password=<secret>\\n",
            "password",
            lambda lab: lab.connection("password", password=f"{SECRET}\n"),
            "password",
        ),
        (
            "oauth_client_secret=<secret>\\rX",
            "oauth",
            lambda lab: lab.connection("oauth", oauth_client_secret=f"{SECRET}\rX"),
            "control character",
        ),
        ("private_key_file over 64 KB", "key_pair", _big_key_file, "larger than 64 KB"),
        (
            "private_key_file=/dev/zero",
            "key_pair",
            lambda lab: lab.connection("key_pair", private_key_content=None, private_key_file="/dev/zero"),
            "not a regular file",
        ),
        (
            "token_file=<a directory>",
            "spcs_token",
            lambda lab: lab.connection("spcs_token", token_file=str(lab.tmp)),
            "is a directory",
        ),
        (
            "role=PUBLIC <secret>.example (smuggled scope)",
            "key_pair",
            lambda lab: lab.connection("key_pair", role=f"PUBLIC {SECRET}.example"),
            "extra.role",
        ),
        ("ingress_hosts=*", "pat", lambda lab: lab.connection(ingress_hosts="*"), "every host"),
        (
            "ingress_hosts=https://evil.example",
            "pat",
            lambda lab: lab.connection(ingress_hosts="https://evil.example"),
            "scheme",
        ),
        (
            "auth_method=kerberos",
            "pat",
            lambda lab: _with_extra(lab.connection("pat"), auth_method="kerberos"),
            "unknown",
        ),
        (
            "private_key_passphrase=<wrong>",
            "key_pair",
            lambda lab: lab.connection(
                "key_pair",
                private_key_content=lab.spcs.encrypted_private_key_pem("right-pass-phrase"),
                private_key_passphrase=SECRET,
            ),
            "wrong passphrase",
        ),
        (
            "private_key_content=hello world",
            "key_pair",
            lambda lab: lab.connection("key_pair", private_key_content="hello world"),
            "neither PEM text nor base64",
        ),
    ]
    for shown, method, build, words in settings:

        def load(lab: Lab, build: Build = build) -> object:
            return lab.hook(conn=build(lab)).get_service_status("ECHO_SERVICE")

        yield Case(
            category,
            shown,
            method,
            load,
            ("SpcsConfigError",),
            words,
            _no_requests,
        )
    # Airflow 3.1 itself drops a connection whose extra is not JSON ("not defined"); later ones pass it on.
    yield Case(
        category,
        'extra={"token": "<secret>" (invalid JSON)',
        "pat",
        lambda lab: lab.hook(conn=_raw_extra(lab)).get_service_status("ECHO_SERVICE"),
        ("SpcsConfigError", "AirflowNotFoundException"),
        check=_no_requests,
    )

    def snowflake_host(lab: Lab) -> object:
        os.environ["SNOWFLAKE_HOST"] = "attacker.example/#"
        try:
            return lab.hook(conn=lab.connection(account_url=None)).get_service_status("ECHO_SERVICE")
        finally:
            del os.environ["SNOWFLAKE_HOST"]

    yield Case(
        category, "SNOWFLAKE_HOST=attacker.example/#", "pat", snowflake_host, ("SpcsConfigError",), "SNOWFLAKE_HOST"
    )


def identifier_cases() -> Iterator[Case]:
    from airflow_provider_spcs.core.secret_values import GenericStringSecret
    from airflow_provider_spcs.core.specs import ServiceSpec

    names: list[tuple[str, Attempt]] = [
        (
            "service='ECHO_SERVICE\"; DROP SERVICE x'",
            lambda lab: lab.hook().get_service_status('ECHO_SERVICE"; DROP SERVICE x'),
        ),
        ("service='svc; DROP TABLE x'", lambda lab: lab.hook().describe_service("svc; DROP TABLE x")),
        ('secret name="s\'; DROP SECRET x"', lambda lab: lab.hook().describe_secret("s'; DROP SECRET x")),
        (
            'create_or_update_secret name=\'app."k""; --\'',
            lambda lab: lab.hook().create_or_update_secret('app."k""; --', GenericStringSecret(SECRET)),
        ),
        (
            "create_service inline spec 'a: $$; DROP DATABASE x; $$'",
            lambda lab: lab.hook().create_service(
                "web", compute_pool="SPCS_POOL", spec=ServiceSpec.inline("a: $$; DROP DATABASE x; $$")
            ),
        ),
    ]
    for shown, attempt in names:
        yield Case("unsafe identifier", shown, "pat", attempt, ("SpcsConfigError",), check=_no_sql)


def _echo_form(seen: Any) -> Any:
    """A server that answers 400 and quotes the whole request back (form and headers)."""
    from airflow_provider_spcs.testing.recorder import Reply

    said = {"form": dict(parse_qsl(seen.body.decode("latin-1"))), "headers": seen.headers}
    body = {"code": "390142", "error": "invalid_request", "message": f"rejected: {json.dumps(said)}"}
    return Reply(400, {"Content-Type": "application/json"}, json.dumps(body).encode())


def server_text_cases() -> Iterator[Case]:
    category = "server text"
    ingress = "https://abc-myorg-myacct.snowflakecomputing.app/x"  # allowed; the exchange fails first
    yield Case(
        category,
        "OAuth token server echoing client_secret=<secret> in a 400",
        "oauth",
        lambda lab: lab.hook("oauth", oauth_token_endpoint=f"{lab.echo.url}/token").run_sql("SELECT 1"),
        ("SpcsTokenExchangeError",),
        "rejected",
        _echo_saw,
    )
    yield Case(
        category,
        "OAuth token server echoing refresh_token=<secret> in a 400",
        "oauth",
        lambda lab: lab.hook(
            "oauth", oauth_token_endpoint=f"{lab.echo.url}/token", oauth_refresh_token=lab.spcs.oauth_refresh_token
        ).run_sql("SELECT 1"),
        ("SpcsTokenExchangeError",),
        "rejected",
        _echo_saw,
    )
    yield Case(
        category,
        "token exchange echoing the JWT assertion=<secret>",
        "key_pair",
        lambda lab: lab.hook("key_pair", account_url=lab.echo.url).request("GET", ingress),
        ("SpcsTokenExchangeError",),
        "rejected",
        _echo_saw,
    )
    yield Case(
        category,
        "token exchange echoing subject_token=<secret> (the PAT)",
        "pat_exchange",
        lambda lab: lab.hook("pat", account_url=lab.echo.url, pat_exchange="true").request("GET", ingress),
        ("SpcsTokenExchangeError",),
        "rejected",
        _echo_saw,
    )
    yield Case(
        category,
        "SQL API echoing Authorization: <secret> in a 400",
        "pat",
        lambda lab: lab.hook("pat", account_url=lab.echo.url).run_sql("SELECT 1"),
        ("SpcsApiError",),
        "rejected",
        _echo_saw,
    )

    def leaky_service(lab: Lab) -> object:
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response

        async def leaky(request: Request) -> Response:
            detail = f"cannot use client_secret=abc123abc123 or {lab.spcs.pat} here"
            return JSONResponse({"detail": detail}, status_code=500)

        lab.secrets.add("abc123abc123")
        lab.spcs.set_handler("ECHO_SERVICE", "echo", leaky)
        return lab.hook("pat").request("GET", lab.spcs.ingress_url())

    yield Case(
        category,
        "service 500 quoting the PAT and client_secret=<secret>",
        "pat",
        leaky_service,
        ("SpcsApiError",),
        "cannot use",
    )

    def skewed(lab: Lab) -> object:
        lab.spcs.clock_skew = -7200.0  # Snowflake two hours behind: the JWT looks issued in the future
        return lab.hook("key_pair").run_sql("SELECT 1")

    yield Case(category, "JWT rejected 394302 (clock skew of 2 h)", "key_pair", skewed, ("SpcsAuthError",), "clock")
    yield Case(
        category,
        "JWT rejected 394304 (a key that is not the user's)",
        "key_pair",
        lambda lab: lab.hook("key_pair", private_key_content=_other_key_pem()).run_sql("SELECT 1"),
        ("SpcsAuthError",),
        "fingerprint",
    )


def retry_cases() -> Iterator[Case]:
    category = "retry / size"

    def far_retry_after(route: str) -> Attempt:
        def attempt(lab: Lab) -> object:
            lab.spcs.inject(route, status=429, count=5, retry_after=100000)
            hook = lab.hook("pat")
            started = time.monotonic()
            try:
                return hook.request("GET", lab.spcs.ingress_url()) if route == "ingress" else hook.run_sql("SELECT 1")
            finally:
                lab.elapsed = time.monotonic() - started

        return attempt

    def one_try(route: str) -> Check:
        def check(lab: Lab, _result: object) -> str | None:
            tries = lab.spcs.stats()["requests"].get(route, 0)
            if tries != 1:
                return f"{tries} tries, not 1"
            return None if lab.elapsed < 5 else f"blocked {lab.elapsed:.1f} s"

        return check

    for route, shown in (("ingress", "ingress GET"), ("sql_api", "SQL API")):
        yield Case(
            category,
            f"{shown}: 429 with Retry-After: 100000",
            "pat",
            far_retry_after(route),
            ("SpcsApiError",),
            "retry after 100000 s",
            one_try(route),
        )

    def post_on_503(lab: Lab) -> object:
        lab.spcs.inject("ingress", status=503, count=1)
        return lab.hook("pat").request("POST", lab.spcs.ingress_url(), json={"charge": 1})

    yield Case(
        category,
        "ingress POST answered 503 (default policy)",
        "pat",
        post_on_503,
        ("SpcsApiError",),
        "503",
        _ingress_tries(1),
    )

    def opted_in(lab: Lab) -> object:
        from airflow_provider_spcs.core.retry import RetryPolicy
        from airflow_provider_spcs.hooks.spcs import SpcsHook

        lab.spcs.inject("ingress", status=503, count=1)
        hook = SpcsHook(
            lab.hook("pat").spcs_conn_id, retry_policy=RetryPolicy(base_delay=0.01, retry_non_idempotent=True)
        )
        lab.hooks.append(hook)
        return hook.request("POST", lab.spcs.ingress_url(), json={"charge": 1})

    yield Case(
        category,
        "ingress POST answered 503, retry_non_idempotent=True (control)",
        "pat",
        opted_in,
        check=_ingress_tries(2, status=200),
    )

    def oversized(lab: Lab) -> object:
        from starlette.requests import Request
        from starlette.responses import Response

        async def big(request: Request) -> Response:
            return Response(b"y" * 3_000_000, media_type="text/plain")

        lab.spcs.set_handler("ECHO_SERVICE", "echo", big)
        return _operator(lab, "pat", {}, False, max_response_bytes=1_000_000)

    yield Case(
        category,
        "3 MB endpoint body, max_response_bytes=1000000",
        "pat",
        oversized,
        ("SpcsApiError",),
        "max_response_bytes",
    )


def all_cases() -> list[Case]:
    return [*destination_cases(), *config_cases(), *identifier_cases(), *server_text_cases(), *retry_cases()]


def _known_secrets(spcs: Any) -> set[str]:
    pem_lines = [line for line in spcs.private_key_pem.splitlines() if len(line) > 20 and "-----" not in line]
    token = Path(spcs.session_token_file()).read_text().strip()
    return {SECRET, spcs.pat, spcs.password, spcs.oauth_client_secret, token, *pem_lines}


def render(rows: list[Row]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| # | category | input | auth | outcome | reached foreign host | secret in message |",
        "|---|---|---|---|---|---|---|",
    ]
    for number, row in enumerate(rows, 1):
        reached = (
            f"yes ({row.foreign} request(s), expected)"
            if row.foreign and row.case.foreign_expected
            else (f"**yes ({row.foreign})**" if row.foreign else "no")
        )
        lines.append(
            f"| {number} | {row.case.category} | {cell(row.case.shown)} | {row.case.auth} | {cell(row.outcome)} "
            f"| {reached} | {'**yes**' if row.leak else 'no'} |"
        )
    return "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="spcs-hostile-") as scratch:
        home = Path(scratch) / "airflow"
        home.mkdir()
        _prepare_airflow_env(home)
        from airflow_provider_spcs.testing import SpcsEmulator
        from airflow_provider_spcs.testing.recorder import Recorder

        started = time.monotonic()
        with SpcsEmulator() as spcs, Recorder("127.0.0.2") as foreign, Recorder("127.0.0.3") as echo:
            echo.reply = _echo_form
            lab = Lab(spcs, foreign, echo, Path(scratch), _known_secrets(spcs))
            rows = []
            for case in all_cases():
                rows.append(_try(lab, case))
                for hook in lab.hooks:
                    hook.close()
                lab.hooks.clear()
            reached = len(foreign.requests)
        elapsed = time.monotonic() - started
    print(render(rows))
    wrong = [row for row in rows if not row.expected]
    print(
        f"\n{len(rows)} hostile inputs, {len(rows) - len(wrong)} as expected, {len(wrong)} not; "
        f"the foreign host saw {reached} request(s) in all (only a host listed in ingress_hosts may); "
        f"{elapsed:.1f} s."
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
