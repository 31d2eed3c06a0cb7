"""One small class per auth method: how to get a token for the SQL API and for an ingress host.

Audiences: ``"sql"`` (SQL API ``Authorization: Bearer``) and ``"ingress:<host[:port]>"`` (SPCS public
endpoints, ``Authorization: Snowflake Token="..."``). Fetches are effect generators (see
:mod:`.effects`), so the same code runs sync and async. Tokens go through the process-wide cache
under the typed keys below (:meth:`Credential.cache_key`); a credential whose tokens must not be
kept (a PAT sent as is, the SPCS token file, which rotates) returns no key and is asked every time.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx

from airflow_provider_spcs.core.accounts import jwt_account
from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.connector import location_kwargs, open_session
from airflow_provider_spcs.core.destinations import KnownIngress
from airflow_provider_spcs.core.effects import Blocking, GetToken, Steps, done, send
from airflow_provider_spcs.core.errors import SpcsAuthError, SpcsConfigError, SpcsTokenExchangeError
from airflow_provider_spcs.core.fields import MAX_TOKEN_FILE_BYTES, TOKEN_FILE_WHAT
from airflow_provider_spcs.core.files import read_small_file
from airflow_provider_spcs.core.retry import RetryPolicy, send_with_retries
from airflow_provider_spcs.core.secrets import announce, report_secret
from airflow_provider_spcs.core.server_text import explain_code, scrub
from airflow_provider_spcs.core.tokens import SYSTEM_CLOCK, Clock, Token, jwt_expiry
from airflow_provider_spcs.core.version import USER_AGENT

if TYPE_CHECKING:
    from airflow_provider_spcs.core.keys import KeyCache, LoadedKey

log = logging.getLogger(__name__)

T = TypeVar("T")

SQL = "sql"
INGRESS_PREFIX = "ingress:"
JWT_LIFETIME = 59 * 60
"""Key-pair JWTs live 59 minutes (Snowflake accepts at most an hour); re-signed once stale, like any token."""
DEFAULT_EXCHANGED_LIFETIME = 600.0
"""Assumed lifetime of an exchanged token whose ``exp`` cannot be read: short enough to be safe."""
DEFAULT_FILE_TOKEN_LIFETIME = 300.0
SNOWFLAKE_OAUTH_PATH = "/oauth/token-request"
"""Snowflake OAuth's token endpoint: clients authenticate there with HTTP Basic, not in the form."""
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def ingress_audience(scope_host: str) -> str:
    """The audience string for an ingress host (as :func:`accounts.scope_host` renders it)."""
    return INGRESS_PREFIX + scope_host


@dataclass(frozen=True)
class TokenKey:
    """A token of one identity for one audience (exchanged ingress tokens, sessions, OAuth grants).

    :param method: the auth method.
    :param account_url: where the token was obtained.
    :param account: the account, uppercase.
    :param user: the user, uppercase (``""`` for none).
    :param role: the role the token is scoped to (``""`` for the default role).
    :param audience: ``"sql"``, ``"ingress:<host[:port]>"`` or ``"session"`` (one session for every host).
    :param secret: a digest of the secret the token comes from, so a rotated secret gets a new token.
    """

    method: str
    account_url: str
    account: str
    user: str
    role: str
    audience: str
    secret: str = ""


@dataclass(frozen=True)
class JwtKey:
    """A key-pair JWT: one per account, user and public-key fingerprint (a rotated key gets its own)."""

    account: str
    user: str
    fingerprint: str


@dataclass(frozen=True)
class GrantKey:
    """An access token from an OAuth server's grant, shared by connections with the same client and grant."""

    endpoint: str
    client_id: str
    scope: str
    secret: str


CacheKey = TokenKey | JwtKey | GrantKey


def _digest(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


class Credential(ABC):
    """How one auth method authenticates; subclasses are small and stateless apart from caches.

    :param config: the connection's settings.
    :param policy: retry policy for token endpoints.
    :param clock: time source (epoch seconds).
    :param timeout: connector login timeout, and the budget of one token request with its retries, in seconds.
    :param keys: where parsed private keys are kept (``None`` parses every time).
    :param known_ingress: the ingress hosts SHOW ENDPOINTS reported in this process (the process
        state's), which the destination rule lets this credential reach.
    """

    method: ClassVar[str]
    sql_token_type: ClassVar[str | None] = None
    """Value of ``X-Snowflake-Authorization-Token-Type``; ``None`` when the SQL API is not usable."""

    def __init__(
        self,
        config: SpcsConfig,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock = SYSTEM_CLOCK,
        timeout: float = 30.0,
        keys: KeyCache | None = None,
        known_ingress: KnownIngress | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.timeout = timeout
        self.known_ingress = known_ingress or KnownIngress()
        self._load(keys)

    def _load(self, keys: KeyCache | None) -> None:  # noqa: B027 - optional hook: most methods load nothing
        """Load what the method needs before any request (blocking: runs when the credential is built)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(account={self.config.account!r}, user={self.config.user!r}, role={self.config.role!r})"

    @property
    def supports_sql_api(self) -> bool:
        """Whether statements go through the SQL API (else through a connector cursor)."""
        return self.sql_token_type is not None

    def cache_key(self, audience: str) -> CacheKey | None:
        """Process-wide cache key for ``audience``; ``None`` means fetch every time."""
        c = self.config
        return TokenKey(self.method, c.account_url, c.account.upper(), (c.user or "").upper(), c.role or "", audience)

    @abstractmethod
    def fetch(self, audience: str) -> Steps[Token]:
        """Obtain a new token for ``audience``."""

    def headers(self, audience: str, token: Token) -> dict[str, str]:
        """The headers that present ``token`` to ``audience``."""
        if audience == SQL:
            if self.sql_token_type is None:
                raise SpcsConfigError("extra.auth_method", f"auth_method {self.method} cannot call the SQL API")
            return {
                "Authorization": f"Bearer {token.value}",
                "X-Snowflake-Authorization-Token-Type": self.sql_token_type,
            }
        return {"Authorization": f'Snowflake Token="{token.value}"'}

    def connect_kwargs(self) -> Steps[dict[str, Any]]:
        """``snowflake.connector.connect`` arguments for this method (credentials included)."""
        c = self.config
        # A login must not hang a worker: bound it like every HTTP request.
        kwargs: dict[str, Any] = {
            "account": c.account,
            "login_timeout": max(1, int(self.timeout)),
            **location_kwargs(c.account_url),
        }
        if c.user:
            kwargs["user"] = c.user
        for name in ("role", "warehouse", "database", "schema"):
            value = getattr(c, name)
            if value:
                kwargs[name] = value
        extra = yield from self._connect_credentials()
        kwargs.update(extra)
        return kwargs

    @abstractmethod
    def _connect_credentials(self) -> Steps[dict[str, Any]]: ...

    def _session(self) -> Steps[Token]:
        """Log in with the connector and take its session token (used for ingress by session methods)."""
        kwargs = yield from self.connect_kwargs()
        token: Token = yield Blocking(lambda: open_session(kwargs))
        return token

    def _exchange(self, form: dict[str, str]) -> Steps[Token]:
        """POST ``form`` to ``<account_url>/oauth/token``; the reply body is the bare token."""
        url = f"{self.config.account_url}/oauth/token"
        response = yield from self._post_form(url, form, {"Accept": "*/*", "User-Agent": USER_AGENT})
        if response.status_code != 200:
            raise SpcsTokenExchangeError(
                f"token exchange at {url} failed: HTTP {response.status_code}{_error_detail(response)}",
                status_code=response.status_code,
                error=_error_code(response),
            )
        value = response.text.strip()
        if not value or " " in value:
            raise SpcsTokenExchangeError(f"token exchange at {url} returned no usable token", status_code=200)
        yield from announce(value)
        now = self.clock()
        expires = jwt_expiry(value) or now + DEFAULT_EXCHANGED_LIFETIME
        log.debug("Exchanged a token for %s (user %s, role %s)", form.get("scope"), self.config.user, self.config.role)
        return Token(value, expires, now, "exchanged")

    def _post_form(self, url: str, form: dict[str, str], headers: dict[str, str]) -> Steps[httpx.Response]:
        """POST a token request with retries, all within :attr:`timeout` (the credential is in the form)."""
        return send_with_retries(
            lambda _attempt: httpx.Request("POST", url, data=form, headers=headers),
            self.policy,
            send=send,
            deadline=time.monotonic() + self.timeout,
        )

    def _scope(self, audience: str) -> str:
        host = audience.removeprefix(INGRESS_PREFIX)
        return f"session:role:{self.config.role} {host}" if self.config.role else host


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        code = body.get("error") or body.get("code")
        return scrub(code, limit=60) or None if code else None
    return None


def _error_detail(response: httpx.Response) -> str:
    """What the token server said, scrubbed (:func:`~.server_text.scrub`), with a hint for JWT codes."""
    try:
        body = response.json()
    except ValueError:
        text = scrub(response.text, limit=200)
        return f" ({text})" if text else ""
    if not isinstance(body, dict):
        return ""
    parts = [scrub(body[k], limit=200) for k in ("error", "code", "message", "error_description") if body.get(k)]
    detail = f" ({'; '.join(parts)})" if parts else ""
    return detail + explain_code(str(body.get("code") or ""))


class KeyPairCredential(Credential):
    """Key-pair JWT: Bearer on the SQL API; exchanged at ``/oauth/token`` for an ingress token."""

    method = "key_pair"
    sql_token_type = "KEYPAIR_JWT"

    key: LoadedKey

    def _load(self, keys: KeyCache | None) -> None:
        from airflow_provider_spcs.core.keys import load_private_key

        c = self.config
        self.key = load_private_key(
            content=c.private_key_content, path=c.private_key_file, passphrase=c.private_key_passphrase, cache=keys
        )

    def claims(self, now: int) -> dict[str, Any]:
        """The JWT claims (``iss``, ``sub``, ``iat``, ``exp``) for issue time ``now``."""
        sub = f"{jwt_account(self.config.account)}.{(self.config.user or '').upper()}"
        return {"iss": f"{sub}.{self.key.fingerprint}", "sub": sub, "iat": now, "exp": now + JWT_LIFETIME}

    def sign(self) -> Token:
        """A new JWT, issued now (callers take it from the token cache, which re-signs only when stale).

        It is not registered with the masker yet: :meth:`fetch` announces it before handing it out.
        """
        import jwt

        issued = int(self.clock())
        value = jwt.encode(self.claims(issued), self.key.private_key, algorithm="RS256")
        return Token(value, issued + JWT_LIFETIME, issued, "jwt")

    def cache_key(self, audience: str) -> CacheKey | None:
        if audience == SQL:
            return JwtKey(jwt_account(self.config.account), (self.config.user or "").upper(), self.key.fingerprint)
        return super().cache_key(audience)

    def fetch(self, audience: str) -> Steps[Token]:
        if audience == SQL:
            token = self.sign()
            yield from announce(token.value)
            return token
        jwt: Token = yield GetToken(SQL)
        form = {"grant_type": JWT_BEARER, "assertion": jwt.value, "scope": self._scope(audience)}
        return (yield from self._exchange(form))

    def _connect_credentials(self) -> Steps[dict[str, Any]]:
        return (yield from done({"authenticator": "SNOWFLAKE_JWT", "private_key": self.key.private_key}))


class PatCredential(Credential):
    """Programmatic access token: sent as is, or (``pat_exchange``) exchanged per ingress host."""

    method = "pat"
    sql_token_type = "PROGRAMMATIC_ACCESS_TOKEN"

    def _pat(self) -> str:
        assert self.config.token  # guaranteed by SpcsConfig validation
        return self.config.token

    def cache_key(self, audience: str) -> CacheKey | None:
        if audience == SQL or not self.config.pat_exchange:
            return None
        c = self.config
        return TokenKey(
            self.method,
            c.account_url,
            c.account.upper(),
            (c.user or "").upper(),
            c.role or "",
            audience,
            _digest(self._pat()),
        )

    def fetch(self, audience: str) -> Steps[Token]:
        if audience == SQL or not self.config.pat_exchange:
            return (yield from done(Token(self._pat(), float("inf"), 0.0, "pat")))
        form = {
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": self._pat(),
            "subject_token_type": "programmatic_access_token",
            "scope": self._scope(audience),
        }
        return (yield from self._exchange(form))

    def _connect_credentials(self) -> Steps[dict[str, Any]]:
        return (yield from done({"authenticator": "PROGRAMMATIC_ACCESS_TOKEN", "token": self._pat()}))


class _SessionIngress(Credential):
    """Methods that reach ingress with a connector session token (one session shared by all hosts)."""

    def cache_key(self, audience: str) -> CacheKey | None:
        return super().cache_key("session" if audience.startswith(INGRESS_PREFIX) else audience)


class SpcsTokenCredential(_SessionIngress):
    """Inside SPCS: the session token file, re-read for every new session (it rotates)."""

    method = "spcs_token"
    sql_token_type = "OAUTH"

    def _read(self) -> str:
        path = self.config.token_file
        data, _info = read_small_file(path, "extra.token_file", what=TOKEN_FILE_WHAT, limit=MAX_TOKEN_FILE_BYTES)
        try:
            value = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise SpcsConfigError("extra.token_file", "is not a session token file (not UTF-8 text)") from None
        if not value:
            raise SpcsConfigError("extra.token_file", f"{path!r} is empty")
        report_secret(value)
        return value

    def _file_token(self) -> Steps[Token]:
        value: str = yield Blocking(self._read)
        now = self.clock()
        return Token(value, jwt_expiry(value) or now + DEFAULT_FILE_TOKEN_LIFETIME, now, "spcs_token")

    def cache_key(self, audience: str) -> CacheKey | None:
        return None if audience == SQL else super().cache_key(audience)

    def fetch(self, audience: str) -> Steps[Token]:
        if audience == SQL:
            return (yield from self._file_token())
        return (yield from self._session())

    def _connect_credentials(self) -> Steps[dict[str, Any]]:
        token = yield from self._file_token()
        return {"authenticator": "oauth", "token": token.value}


class OAuthCredential(_SessionIngress):
    """An OAuth access token (given, or from a client-credentials / refresh-token grant)."""

    method = "oauth"
    sql_token_type = "OAUTH"

    def cache_key(self, audience: str) -> CacheKey | None:
        c = self.config
        if audience == SQL:
            if c.oauth_grant is None:
                return None
            secret = c.oauth_refresh_token or c.oauth_client_secret
            return GrantKey(c.oauth_token_endpoint or "", c.oauth_client_id or "", c.oauth_scope or "", _digest(secret))
        return super().cache_key(audience)

    def fetch(self, audience: str) -> Steps[Token]:
        if audience != SQL:
            return (yield from self._session())
        if self.config.token:
            return (yield from done(Token(self.config.token, float("inf"), 0.0, "oauth")))
        return (yield from self._grant())

    def _grant(self) -> Steps[Token]:
        c = self.config
        # Both are guaranteed by SpcsConfig validation.
        assert c.oauth_token_endpoint
        assert c.oauth_client_id
        url = c.oauth_token_endpoint
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        basic = _uses_basic_client_auth(url)
        form = {} if basic else {"client_id": c.oauth_client_id}
        if c.oauth_refresh_token:
            form.update(grant_type="refresh_token", refresh_token=c.oauth_refresh_token)
        else:
            form["grant_type"] = "client_credentials"
        if basic:
            headers["Authorization"] = _basic(c.oauth_client_id, c.oauth_client_secret or "")
        elif c.oauth_client_secret:
            form["client_secret"] = c.oauth_client_secret
        if c.oauth_scope:
            form["scope"] = c.oauth_scope
        response = yield from self._post_form(url, form, headers)
        try:
            body = response.json() if response.status_code == 200 else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("access_token"):
            raise SpcsTokenExchangeError(
                f"OAuth {form['grant_type']} grant at {url} failed: HTTP {response.status_code}{_error_detail(response)}",
                status_code=response.status_code,
                error=_error_code(response),
            )
        value = str(body["access_token"])
        yield from announce(value)
        yield from announce(body.get("refresh_token"))
        now = self.clock()
        try:
            lifetime = float(body.get("expires_in") or DEFAULT_EXCHANGED_LIFETIME)
        except (TypeError, ValueError):
            lifetime = DEFAULT_EXCHANGED_LIFETIME
        log.debug("Obtained an OAuth access token from %s (%s grant)", url, form["grant_type"])
        return Token(value, now + lifetime, now, "oauth")

    def _connect_credentials(self) -> Steps[dict[str, Any]]:
        token: Token = yield GetToken(SQL)
        return {"authenticator": "oauth", "token": token.value}


def _uses_basic_client_auth(endpoint: str) -> bool:
    """Snowflake OAuth (``<account_url>/oauth/token-request``) takes the client in HTTP Basic auth;
    other OAuth servers get ``client_id``/``client_secret`` form fields (RFC 6749 section 2.3.1 allows both)."""
    return httpx.URL(endpoint).path.rstrip("/") == SNOWFLAKE_OAUTH_PATH


def _basic(client_id: str, secret: str) -> str:
    value = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
    report_secret(value)
    return f"Basic {value}"


class PasswordCredential(_SessionIngress):
    """User + password: a connector login; its session token serves ingress, its cursor runs SQL."""

    method = "password"

    def fetch(self, audience: str) -> Steps[Token]:
        if audience == SQL:
            raise SpcsAuthError("auth_method password has no SQL API token; statements run through the connector")
        return (yield from self._session())

    def _connect_credentials(self) -> Steps[dict[str, Any]]:
        return (yield from done({"password": self.config.password}))


_CLASSES: dict[str, type[Credential]] = {
    cls.method: cls
    for cls in (KeyPairCredential, PatCredential, SpcsTokenCredential, OAuthCredential, PasswordCredential)
}


def credential_for(
    config: SpcsConfig,
    *,
    policy: RetryPolicy | None = None,
    clock: Clock = SYSTEM_CLOCK,
    timeout: float = 30.0,
    keys: KeyCache | None = None,
    known_ingress: KnownIngress | None = None,
) -> Credential:
    """Build the credential for ``config.auth_method`` (loads and parses a private key: blocking).

    :param config: the connection's settings.
    :param policy: retry policy for token endpoints.
    :param clock: time source (epoch seconds).
    :param timeout: connector login timeout in seconds.
    :param keys: where parsed private keys are kept (the process state's; ``None`` parses every time).
    :param known_ingress: the process state's ingress hosts from SHOW ENDPOINTS (``None``: none known).
    :raises SpcsConfigError: the key cannot be used (see :mod:`.keys`).
    """
    return _CLASSES[config.auth_method](
        config, policy=policy, clock=clock, timeout=timeout, keys=keys, known_ingress=known_ingress
    )
