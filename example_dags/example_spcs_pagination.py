"""Read every page of a paginated endpoint with a programmatic access token (PAT).

Connection ``snowflake_spcs_pat`` (``auth_method: pat``): see docs/auth/pat.md. The endpoint
answers ``{"items": [...], "next_page": 2}`` until ``next_page`` is null. Against the emulator,
create that service first: ``emu.add_service("CATALOG_SERVICE", endpoints=(("api", True),))`` and
``emu.set_handler("CATALOG_SERVICE", "api", paginated_handler(25, page_size=10))``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from airflow.sdk import DAG, task

from airflow_provider_spcs.operators.spcs import SpcsEndpointOperator


# [START howto_spcs_pagination_functions]
def next_page(response: httpx.Response) -> dict[str, Any] | None:
    """Request parts for the next page, or None after the last one."""
    following = response.json().get("next_page")
    return {"params": {"page": following}} if following else None


def all_items(responses: list[httpx.Response]) -> list[Any]:
    """With pagination, response_filter receives every page's response."""
    return [item for response in responses for item in response.json()["items"]]


# [END howto_spcs_pagination_functions]


def build(dag_id: str, *, deferrable: bool) -> DAG:
    """One DAG of this example; ``deferrable`` sends each page's request from the triggerer."""
    # [START howto_spcs_pagination]
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["spcs", "example"],
    ) as dag:
        items = SpcsEndpointOperator(
            task_id="fetch_catalog",
            spcs_conn_id="snowflake_spcs_pat",
            service="SPCS_DB.APP.CATALOG_SERVICE",
            endpoint="api",
            path="/items",
            query_params={"page": 1, "page_size": 10},
            pagination_function=next_page,
            response_filter=all_items,
            deferrable=deferrable,
        )

        @task
        def count(values: list[Any]) -> int:
            return len(values)

        count(items.output)
    # [END howto_spcs_pagination]
    return dag


example_spcs_pagination = build("example_spcs_pagination", deferrable=False)
example_spcs_pagination_deferrable = build("example_spcs_pagination_deferrable", deferrable=True)
