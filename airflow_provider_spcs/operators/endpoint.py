"""``SpcsEndpointOperator``: call a service's public endpoint as a task."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.sdk import BaseOperator

from airflow_provider_spcs.core.accounts import ingress_base_url, with_https_default
from airflow_provider_spcs.core.destinations import require_same_origin
from airflow_provider_spcs.core.errors import ResponseCheckFailed, SpcsError
from airflow_provider_spcs.core.retry import IDEMPOTENT_METHODS, RetryPolicy
from airflow_provider_spcs.operators._common import (
    DEFAULT_CONN_ID,
    closing_hook,
    deadline_after,
    default_deferrable,
    defer_timeout,
    make_hook,
    retry_policy_of,
)
from airflow_provider_spcs.triggers.events import ResponseEvent

if TYPE_CHECKING:
    import httpx
    from airflow.sdk import Context

    from airflow_provider_spcs.hooks.spcs import SpcsHook

#: Request parts merged key by key when ``pagination_function`` returns them; others are replaced.
_MERGED_PARTS = ("params", "headers", "json", "data")
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
"""Largest response body the operator reads on the worker (10 MiB) unless ``max_response_bytes`` says otherwise."""


class SpcsEndpointOperator(BaseOperator):
    """Call an SPCS service's public endpoint, with Snowflake authentication handled for you.

    The response text is pushed to XCom (or, with ``response_filter``, whatever it returns).

    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs``.
    :param ingress_url: the endpoint's ingress URL or host (``abc-myorg-myacct.snowflakecomputing.app``
        means ``https://...``). Give this, or ``service`` and ``endpoint``.
    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``); its ingress URL is
        looked up with ``SHOW ENDPOINTS IN SERVICE``.
    :param endpoint: endpoint name in the service specification.
    :param path: path appended to the ingress URL (``/api/run``).
    :param method: HTTP method.
    :param data: request body: a string (sent as is) or a mapping (form-encoded).
    :param json: JSON request body.
    :param query_params: query parameters (not ``params``: that name is Airflow's, for Jinja ``params``).
    :param headers: extra request headers (the ``Authorization`` header is set by the hook).
    :param response_check: ``callable(response) -> bool``; ``False`` fails the task.
    :param response_filter: ``callable(response) -> value`` pushed to XCom instead of the text; with
        ``pagination_function`` it receives the list of all responses.
    :param pagination_function: ``callable(response) -> dict | None`` returning the parts of the
        next request (``path``, ``url``, ``params`` (query parameters), ``json``, ``data``, ``headers``, ``method``), or
        ``None`` after the last page. Mapping parts are merged into the previous request's. Every
        page stays on the origin (scheme, host, port) of the first request: a ``url`` elsewhere
        fails the task before anything is sent.
    :param timeout: seconds allowed for each request, its retries included (in deferrable mode,
        for the whole request).
    :param request_retry_policy: how to retry 429/503/504 and connection errors
        (:class:`~airflow_provider_spcs.core.retry.RetryPolicy`, or a dict of its settings); POST and
        PATCH are retried only with ``RetryPolicy(retry_non_idempotent=True)``. Default: the hook's.
        (Not ``retry_policy``: Airflow 3.3 tasks take that name for their own retry decisions.)
    :param max_response_bytes: largest response body read, in bytes (default 10 MiB); a larger
        one fails the task without being read whole. Deferrable mode also caps what an event
        carries (1 MB).
    :param extra_options: more keyword arguments for :meth:`SpcsHook.request
        <airflow_provider_spcs.hooks.spcs.SpcsHook.request>`: ``cookies``, ``files``, ``timeout``,
        ``raise_for_status`` (``False`` hands non-2xx responses to ``response_check`` and
        ``response_filter`` instead of failing), or ``follow_redirects`` (``True`` follows
        redirects on the same origin only, at most 5, with the credential checked again for each
        hop; by default redirects are not followed).
    :param log_response: log the response status and body. Off by default because bodies may hold
        data you do not want in task logs. Request headers are never logged.
    :param deferrable: send the request from the triggerer instead of holding a worker slot. The
        triggerer may repeat a request after a restart, so only use it with idempotent methods.
        Default: Airflow's ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = (
        "ingress_url",
        "service",
        "endpoint",
        "path",
        "method",
        "data",
        "json",
        "query_params",
        "headers",
        "extra_options",
    )
    template_fields_renderers = {"headers": "json", "json": "json", "query_params": "json", "extra_options": "json"}
    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        ingress_url: str | None = None,
        service: str | None = None,
        endpoint: str | None = None,
        path: str = "",
        method: str = "GET",
        data: str | Mapping[str, Any] | None = None,
        json: Any = None,
        query_params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        response_check: Callable[..., bool] | None = None,
        response_filter: Callable[..., Any] | None = None,
        pagination_function: Callable[[httpx.Response], dict[str, Any] | None] | None = None,
        timeout: float = 60.0,
        request_retry_policy: RetryPolicy | Mapping[str, Any] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        extra_options: Mapping[str, Any] | None = None,
        log_response: bool = False,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        by_url, by_name = bool(ingress_url), bool(service or endpoint)
        if by_url == by_name or (by_name and not (service and endpoint)):
            raise ValueError("give either ingress_url, or both service and endpoint")
        self.spcs_conn_id = spcs_conn_id
        self.ingress_url = ingress_url
        self.service = service
        self.endpoint = endpoint
        self.path = path
        self.method = method
        self.data = data
        self.json = json
        self.query_params = query_params
        self.headers = headers
        self.response_check = response_check
        self.response_filter = response_filter
        self.pagination_function = pagination_function
        self.timeout = float(timeout)
        self.request_retry_policy = retry_policy_of(request_retry_policy)
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int) or max_response_bytes < 1:
            raise ValueError("max_response_bytes: expected a whole number of bytes, 1 or more")
        self.max_response_bytes = max_response_bytes
        self.extra_options = extra_options
        self.log_response = log_response
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        if self.deferrable:
            self._warn_if_not_idempotent()

    @cached_property
    def hook(self) -> SpcsHook:
        """The hook, built once per task run."""
        return make_hook(self.spcs_conn_id, retry_policy=self.request_retry_policy)

    def _warn_if_not_idempotent(self) -> None:
        method = str(self.method).upper()
        if "{{" not in method and method not in IDEMPOTENT_METHODS:
            warnings.warn(
                f"{self.task_id}: deferrable=True with {method}: the triggerer may send the request again "
                "after a restart. Use deferrable=False for requests that must not run twice.",
                UserWarning,
                stacklevel=3,
            )

    # --- execution ------------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        """Send the request(s) on the worker, or defer the first one to the triggerer."""
        with closing_hook(self):
            base = self._base_url()
            request = {"method": str(self.method).upper(), "url": _join(base, self.path), **self._request_parts()}
            if self.deferrable:
                _Pages(context, self).clear()
                self._defer(base, request, page=0)
            responses: list[httpx.Response] = []
            while True:
                kwargs = self._request_kwargs(request)
                response = self.hook.request(request["method"], request["url"], **kwargs)
                self._check(response)
                responses.append(response)
                next_request = self._next_request(base, request, response)
                if next_request is None:
                    return self._result(responses)
                request = next_request

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Resume after the trigger: check this page, then keep it and defer for the next one, or finish."""
        with closing_hook(self):
            parsed = ResponseEvent.from_payload(event)
            parsed.raise_for_status()
            carry = parsed.carry
            base, request, index = (
                str(carry.get("base") or ""),
                dict(carry.get("request") or {}),
                int(carry.get("page") or 0),
            )
            page = {
                "method": request.get("method", "GET"),
                "url": parsed.url,
                "status_code": parsed.status_code,
                "text": parsed.text,
                "content_type": parsed.content_type,
            }
            response = _rebuild(page)
            self._check(response)
            next_request = self._next_request(base, request, response)
            pages = _Pages(context, self)
            if next_request is not None:
                pages.put(index, page)
                self._defer(base, next_request, page=index + 1)
            return self._result([*(_rebuild(p) for p in pages.read(index)), response])

    def _defer(self, base: str, request: dict[str, Any], *, page: int) -> NoReturn:
        """Send ``request`` (page number ``page``) from the triggerer.

        The trigger carries a cursor, never the pages read so far: the next request, its base URL
        and the page's number. Earlier pages are kept one entry each (:class:`_Pages`), so page N
        writes one page, not N.
        """
        self._warn_if_not_idempotent()
        deadline = deadline_after(self.timeout)
        kwargs = self._request_kwargs(request)
        from airflow_provider_spcs.triggers.spcs import SpcsEndpointTrigger  # not needed to parse DAGs

        self.defer(
            trigger=SpcsEndpointTrigger(
                spcs_conn_id=self.spcs_conn_id,
                method=request["method"],
                url=request["url"],
                request_kwargs=kwargs,
                deadline=deadline,
                carry={"base": base, "request": request, "page": page},
                retry_policy=None if self.request_retry_policy is None else self.request_retry_policy.to_dict(),
                # The triggerer is another process: let it look the endpoint up again, so the host
                # SHOW ENDPOINTS reported may receive credentials there too.
                resolve_endpoint=None if self.ingress_url else [str(self.service), str(self.endpoint)],
            ),
            method_name="execute_complete",
            timeout=defer_timeout(deadline),
        )

    # --- pieces -----------------------------------------------------------------------------------

    def _base_url(self) -> str:
        if self.ingress_url:
            return ingress_base_url(str(self.ingress_url))
        assert self.service is not None
        assert self.endpoint is not None
        return self.hook.get_ingress_url(self.service, self.endpoint)

    def _request_kwargs(self, request: Mapping[str, Any]) -> dict[str, Any]:
        kwargs = _httpx_kwargs(request, self.timeout, self.extra_options)
        kwargs.setdefault("max_response_bytes", self.max_response_bytes)
        return kwargs

    def _request_parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        for name, value in (
            ("params", self.query_params),
            ("headers", self.headers),
            ("json", self.json),
            ("data", self.data),
        ):
            if value is not None:
                parts[name] = dict(value) if isinstance(value, Mapping) else value
        return parts

    def _check(self, response: httpx.Response) -> None:
        if self.log_response:
            self.log.info(
                "%s %s -> %s\n%s", response.request.method, response.request.url, response.status_code, response.text
            )
        if self.response_check is not None and not self.response_check(response):
            raise ResponseCheckFailed(
                f"response_check returned False for {response.request.url} ({response.status_code})"
            )

    def _next_request(self, base: str, request: dict[str, Any], response: httpx.Response) -> dict[str, Any] | None:
        if self.pagination_function is None:
            return None
        changes = self.pagination_function(response)
        if not changes:
            return None
        merged = dict(request)
        for key, value in changes.items():
            if key == "path":
                merged["url"] = _join(base, str(value))
            elif key == "url":
                merged["url"] = with_https_default(str(value))
            elif key == "method":
                merged["method"] = str(value).upper()
            elif key in _MERGED_PARTS and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = {**merged[key], **value}
            elif key in _MERGED_PARTS:
                merged[key] = value
            else:
                raise ValueError(f"pagination_function returned an unknown request part {key!r}")
        require_same_origin(base, merged["url"], field="pagination_function", what="the next page's url")
        return merged

    def _result(self, responses: list[httpx.Response]) -> Any:
        if self.pagination_function is not None:
            return self.response_filter(responses) if self.response_filter else [r.text for r in responses]
        response = responses[0]
        return self.response_filter(response) if self.response_filter else response.text


class _Pages:
    """The pages a deferred paginated call has read, kept once each until the call ends.

    In a task they are XComs of the task instance (``spcs_page_<n>``), which survive a deferral
    within a try and are cleared when the next try starts. Outside Airflow (no task instance in the
    context, e.g. :func:`airflow_provider_spcs.testing.tasks.run_with_triggers`) the operator object,
    which is the one resumed, holds them.
    """

    KEY = "spcs_page_{}"

    def __init__(self, context: Context, operator: BaseOperator) -> None:
        self.ti = context.get("ti")
        self.local: dict[int, dict[str, Any]] = vars(operator).setdefault("_spcs_pages", {})

    def clear(self) -> None:
        self.local.clear()

    def put(self, index: int, page: dict[str, Any]) -> None:
        if self.ti is None:
            self.local[index] = page
        else:
            self.ti.xcom_push(key=self.KEY.format(index), value=page)

    def read(self, count: int) -> list[dict[str, Any]]:
        """Pages ``0 .. count-1``."""
        pages = [
            self.local.get(i) if self.ti is None else self.ti.xcom_pull(key=self.KEY.format(i)) for i in range(count)
        ]
        missing = [i for i, page in enumerate(pages) if not isinstance(page, Mapping)]
        if missing:
            raise SpcsError(f"page(s) {missing} of the deferred pagination are missing; run the task again")
        return [dict(p) for p in pages if isinstance(p, Mapping)]


def _join(base: str, path: str) -> str:
    if not path:
        return base
    return f"{base.rstrip('/')}/{path.lstrip('/')}"


def _httpx_kwargs(request: Mapping[str, Any], timeout: float, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"timeout": timeout, **(extra or {})}
    for name in ("params", "headers", "json"):
        if request.get(name) is not None:
            kwargs[name] = request[name]
    data = request.get("data")
    if isinstance(data, Mapping):
        kwargs["data"] = dict(data)
    elif data is not None:
        kwargs["content"] = data  # httpx sends str/bytes bodies as `content`
    return kwargs


def _rebuild(page: Mapping[str, Any]) -> httpx.Response:
    """An ``httpx.Response`` from an event page, so callables see the same type in both modes."""
    import httpx

    headers = {"content-type": page["content_type"]} if page.get("content_type") else {}
    response = httpx.Response(
        int(page.get("status_code") or 200),
        content=str(page.get("text") or "").encode(),
        headers=headers,
        request=httpx.Request(str(page.get("method") or "GET"), str(page["url"])),
    )
    response.encoding = "utf-8"
    return response
