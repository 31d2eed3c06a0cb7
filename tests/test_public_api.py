"""The public surface is pinned: each public module's ``__all__`` is exactly what users may import,
and every public class or function a module defines is in it."""

from __future__ import annotations

import importlib
import inspect

import pytest

PUBLIC = {
    "airflow_provider_spcs": ["__version__", "get_provider_info"],
    "airflow_provider_spcs.hooks.spcs": ["SpcsHook"],
    "airflow_provider_spcs.operators.spcs": [
        "ResponseCheckFailed",
        "SpcsAlterServiceOperator",
        "SpcsCreateServiceOperator",
        "SpcsDropServiceOperator",
        "SpcsEndpointOperator",
        "SpcsExecuteJobOperator",
        "SpcsResumeComputePoolOperator",
        "SpcsResumeServiceOperator",
        "SpcsSecretFromConnectionOperator",
        "SpcsSuspendComputePoolOperator",
        "SpcsSuspendServiceOperator",
        "SpcsUpgradeServiceOperator",
    ],
    "airflow_provider_spcs.sensors.spcs": ["SpcsComputePoolSensor", "SpcsServiceStatusSensor"],
    "airflow_provider_spcs.triggers.spcs": [
        "ServiceStateEvent",
        "SpcsComputePoolTrigger",
        "SpcsEndpointTrigger",
        "SpcsJobTrigger",
        "SpcsServiceScaleTrigger",
        "SpcsServiceStateTrigger",
        "SpcsServiceStatusTrigger",
        "SpcsServiceUpgradeTrigger",
        "service_state_events",
    ],
    "airflow_provider_spcs.triggers.service_state": [
        "ServiceStateEvent",
        "SpcsServiceStateTrigger",
        "service_state_events",
    ],
    "airflow_provider_spcs.assets.spcs": ["SCHEME", "create_asset", "sanitize_uri", "service_asset", "service_uri"],
    # core.errors: every class of the error tree, and nothing else (see the test below)
    "airflow_provider_spcs.testing": ["SpcsEmulator", "echo_handler", "mounted_secrets", "paginated_handler"],
}


def _error_tree() -> list[str]:
    from airflow_provider_spcs.core.errors import SpcsError

    names, todo = [], [SpcsError]
    while todo:
        cls = todo.pop()
        names.append(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


PUBLIC["airflow_provider_spcs.core.errors"] = _error_tree()


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_all_is_pinned_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == sorted(PUBLIC[name])
    for exported in module.__all__:
        assert hasattr(module, exported), exported


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_definition_is_exported(name: str) -> None:
    module = importlib.import_module(name)
    defined = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == name
    }
    assert defined <= set(module.__all__)


def test_the_error_tree_is_what_it_documents() -> None:
    assert sorted(PUBLIC["airflow_provider_spcs.core.errors"]) == [
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


def test_response_check_failed_is_one_class_in_the_error_tree() -> None:
    from airflow_provider_spcs.core.errors import ResponseCheckFailed, SpcsError
    from airflow_provider_spcs.operators.spcs import ResponseCheckFailed as from_operators

    assert from_operators is ResponseCheckFailed
    assert issubclass(ResponseCheckFailed, SpcsError)
