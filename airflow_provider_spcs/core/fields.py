"""The connection's extra fields, declared once.

Everything that shows or reads connection extras derives from :data:`EXTRA_FIELDS`: the Airflow 3.2+
connection form (``conn-fields`` in provider info), the legacy 3.1 form widgets on the hook, the
docs table (a test checks it), and :mod:`airflow_provider_spcs.core.config`, which is the only code
that reads the values.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTH_METHODS = ("key_pair", "pat", "spcs_token", "oauth", "password")
DEFAULT_TOKEN_FILE = "/snowflake/session/token"
MAX_TOKEN_FILE_BYTES = 64 * 1024
"""Largest SPCS session token file read (a session token is a few kilobytes)."""
TOKEN_FILE_WHAT = "the SPCS session token file"


@dataclass(frozen=True)
class ExtraField:
    """One connection extra: its key, form label, help text, and what kind of value it takes.

    :param secret: masked in the form and registered with Airflow's log masker.
    :param enum: the only values allowed (a drop-down in the form).
    :param flag: true or false (a checkbox in the form; the stored JSON ``true``/``false`` and the
        strings ``true``/``false``/``1``/``0``/``yes``/``no`` all read the same).
    """

    name: str
    label: str
    description: str
    secret: bool = False
    enum: tuple[str, ...] | None = None
    flag: bool = False


EXTRA_FIELDS: tuple[ExtraField, ...] = (
    ExtraField(
        "account",
        "Account identifier",
        "Snowflake account identifier: myorg-myaccount, or a locator such as xy12345.us-east-1.aws. "
        "Inside SPCS it defaults to $SNOWFLAKE_ACCOUNT.",
    ),
    ExtraField(
        "auth_method",
        "Authentication method",
        "key_pair, pat, spcs_token, oauth or password. Leave empty to infer it from the fields you fill in.",
        enum=AUTH_METHODS,
    ),
    ExtraField(
        "private_key_content",
        "Private key (PEM)",
        "PKCS#8 PEM text of the user's RSA private key (or base64 of the PEM). Encrypted keys need a passphrase.",
        secret=True,
    ),
    ExtraField(
        "private_key_file",
        "Private key file",
        "Path to a PKCS#8 PEM file on the worker. Use this or 'Private key (PEM)', not both.",
    ),
    ExtraField(
        "private_key_passphrase",
        "Private key passphrase",
        "Passphrase of an encrypted private key. Falls back to the Password field when empty.",
        secret=True,
    ),
    ExtraField(
        "token",
        "Token",
        "Programmatic access token (auth_method pat), or a ready OAuth access token (auth_method oauth).",
        secret=True,
    ),
    ExtraField(
        "pat_exchange",
        "Exchange PAT for ingress",
        "Exchange the PAT at /oauth/token for an ingress-scoped token instead of sending it directly.",
        flag=True,
    ),
    ExtraField(
        "oauth_token_endpoint",
        "OAuth token endpoint",
        "Token URL of your OAuth server (client-credentials or refresh-token grant), auth_method oauth.",
    ),
    ExtraField("oauth_client_id", "OAuth client id", "OAuth client id for the token endpoint."),
    ExtraField("oauth_client_secret", "OAuth client secret", "OAuth client secret.", secret=True),
    ExtraField(
        "oauth_refresh_token",
        "OAuth refresh token",
        "Refresh token; when set the refresh-token grant is used instead of client credentials.",
        secret=True,
    ),
    ExtraField("oauth_scope", "OAuth scope", "Scope to request, e.g. session:role:ANALYST."),
    ExtraField(
        "token_file",
        "SPCS session token file",
        f"Session token file when Airflow runs inside SPCS (default {DEFAULT_TOKEN_FILE}).",
    ),
    ExtraField("role", "Role", "Role for the session; also scopes exchanged ingress tokens."),
    ExtraField("warehouse", "Warehouse", "Warehouse for SQL statements."),
    ExtraField("database", "Database", "Default database for unqualified service names."),
    ExtraField("schema", "Schema", "Default schema for unqualified service names."),
    ExtraField(
        "account_url",
        "Account URL",
        "Base URL for login, SQL API and /oauth/token. Default https://<account>.snowflakecomputing.com "
        "(inside SPCS https://$SNOWFLAKE_HOST).",
    ),
    ExtraField(
        "ingress_hosts",
        "Extra ingress hosts",
        "Comma-separated host[:port] patterns that may also receive credentials, for private DNS names or a "
        "company proxy in front of ingress, e.g. spcs.corp.example:8443, *.ingress.corp.example. A host without "
        "a port matches any port; '*.' matches hosts below a domain. Enforced: credentials go nowhere else "
        "besides Snowflake's ingress domains and the endpoint hosts Snowflake reports for the account.",
    ),
)

EXTRA_FIELD_NAMES: frozenset[str] = frozenset(f.name for f in EXTRA_FIELDS)
