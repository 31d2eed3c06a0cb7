"""Asset URIs that name an SPCS service: ``snowflake-spcs://<account>/<database>/<schema>/<service>``.

One service has one URI, however it was spelt, so an asset defined in one DAG and the asset a
watcher fires for in another are the same asset:

* the account is an account identifier (``myorg-myacct``, or a locator such as
  ``xy12345.us-east-1.aws``), lowercase;
* each of database, schema and service is one Snowflake identifier, shown as Snowflake stores it:
  an unquoted name uppercase (``echo_service`` becomes ``ECHO_SERVICE``), a ``"quoted"`` name
  exactly, kept in its quotes when it is not a plain uppercase name (``"Mixed"``), percent-encoded
  where a URI needs it (``%22Mixed%22``);
* no user, password, port, query or fragment.

Anything else is refused with a :class:`~.errors.SpcsConfigError` (a ``ValueError``) that names
the part to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from airflow_provider_spcs.core.accounts import check_account
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import identifier_text as identifier_text
from airflow_provider_spcs.core.identifiers import stored_name as stored_name

SCHEME = "snowflake-spcs"
_SHAPE = f"{SCHEME}://<account>/<database>/<schema>/<service>"


@dataclass(frozen=True)
class ServiceRef:
    """One service of one account, each name as Snowflake stores it.

    :param account: the account identifier, lowercase.
    :param database: the database name.
    :param schema: the schema name.
    :param service: the service name.
    """

    account: str
    database: str
    schema: str
    service: str

    @classmethod
    def of(cls, account: str, database: str, schema: str, service: str) -> ServiceRef:
        """From names as a user writes them (bare or ``"quoted"``).

        :raises SpcsConfigError: an invalid account identifier or name; the message names the part.
        """
        return cls(
            check_account(account, "account").lower(),
            stored_name(database, field="database"),
            stored_name(schema, field="schema"),
            stored_name(service, field="service"),
        )

    @property
    def path(self) -> str:
        """``/<database>/<schema>/<service>``, canonical and percent-encoded."""
        return "".join("/" + quote(identifier_text(p), safe="$") for p in (self.database, self.schema, self.service))

    @property
    def uri(self) -> str:
        """The canonical URI."""
        return f"{SCHEME}://{self.account}{self.path}"

    @property
    def qualified_name(self) -> str:
        """``DATABASE.SCHEMA.SERVICE`` as SQL would write it (quoted parts where needed)."""
        return ".".join(identifier_text(p) for p in (self.database, self.schema, self.service))


def parse_service_parts(netloc: str, path: str, *, query: str = "") -> ServiceRef:
    """The service a URI's parts name (what Airflow's URI normaliser receives, split).

    :param netloc: the URI's authority: the account identifier.
    :param path: ``/<database>/<schema>/<service>``, percent-encoded.
    :param query: the URI's query, which must be empty.
    :raises SpcsConfigError: anything but the documented shape; the message names the part.
    """
    if "@" in netloc or ":" in netloc:
        raise SpcsConfigError("account", f"a {SCHEME} URI holds no user, password or port: use {_SHAPE}")
    if not netloc:
        raise SpcsConfigError("account", f"the URI names no account: use {_SHAPE}")
    if query:
        raise SpcsConfigError("uri", f"a {SCHEME} URI has no query: use {_SHAPE}")
    segments = path.split("/")
    if len(segments) != 4 or segments[0] != "" or not all(segments[1:]):
        raise SpcsConfigError("uri", f"expected three path parts (database, schema, service): use {_SHAPE}")
    database, schema, service = (unquote(s) for s in segments[1:])
    return ServiceRef.of(netloc, database, schema, service)


__all__ = ["SCHEME", "ServiceRef", "identifier_text", "parse_service_parts", "stored_name"]
