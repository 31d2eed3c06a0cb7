"""Public endpoints as ``SHOW ENDPOINTS IN SERVICE`` reports them, read by one set of rules.

The hook (:meth:`~airflow_provider_spcs.hooks.spcs.SpcsHook.get_ingress_url`), the sensor and the
triggers (``wait_for_endpoints``) all ask these functions, so they cannot disagree about whether an
endpoint is public or has its ingress host yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_spcs.core.accounts import ingress_base_url
from airflow_provider_spcs.core.booleans import is_true
from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsNotReadyError

Row = Mapping[str, Any]


def is_public(row: Row) -> bool:
    """Whether the endpoint of this row is public (the ``is_public`` column, read by :mod:`.booleans`)."""
    return is_true(row.get("is_public"))


def ingress_provisioned(value: object) -> bool:
    """Whether an ``ingress_url`` value is a host (or URL) rather than a placeholder.

    While ingress is provisioning Snowflake shows a sentence instead of a host. A value counts as
    provisioned only if it is non-empty text without white space that names a scheme (the
    emulator's ``http://127.0.0.1:<port>``) or has a dot (every real ingress host does:
    ``<id>-<org>-<account>.snowflakecomputing.app``), so a single word such as ``pending`` is
    still provisioning.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text or any(c.isspace() for c in text):
        return False
    return "://" in text or "." in text


def endpoints_ready(rows: Sequence[Row], wanted: bool | Sequence[str]) -> tuple[bool, list[str]]:
    """Whether the wanted public endpoints have an ingress URL.

    :param rows: ``SHOW ENDPOINTS IN SERVICE`` rows keyed by lowercase column name.
    :param wanted: ``True`` for every public endpoint, or the endpoint names to check.
    :return: ``(ready, names still provisioning or missing)``.
    """
    if wanted is False:
        return True, []
    by_name = {str(r.get("name", "")).lower(): r for r in rows}
    names = [str(r.get("name")) for r in rows if is_public(r)] if wanted is True else list(wanted)
    pending = [n for n in names if not ingress_provisioned(by_name.get(n.lower(), {}).get("ingress_url"))]
    return not pending, pending


def public_ingress_urls(rows: Sequence[Row]) -> dict[str, str]:
    """Base URL of every public endpoint that has its ingress host, by endpoint name."""
    return {
        str(r.get("name")): ingress_base_url(str(r.get("ingress_url")))
        for r in rows
        if is_public(r) and ingress_provisioned(r.get("ingress_url"))
    }


def public_ingress_url(rows: Sequence[Row], service: str, endpoint: str) -> str:
    """The base URL of ``endpoint`` (``https://<host>`` for a bare host, else the URL as given).

    :raises SpcsConfigError: no such endpoint, or it is not public.
    :raises SpcsNotReadyError: the endpoint is still provisioning.
    """
    matches = [r for r in rows if str(r.get("name", "")).lower() == endpoint.lower()]
    if not matches:
        names = ", ".join(str(r.get("name")) for r in rows) or "none"
        raise SpcsConfigError("endpoint", f"service {service!r} has no endpoint {endpoint!r} (endpoints: {names})")
    row = matches[0]
    if not is_public(row):
        raise SpcsConfigError("endpoint", f"endpoint {endpoint!r} of service {service!r} is not public")
    value = row.get("ingress_url")
    if not ingress_provisioned(value):
        raise SpcsNotReadyError(f"endpoint {endpoint!r} of service {service!r} is still provisioning: {value!r}")
    return ingress_base_url(str(value))
