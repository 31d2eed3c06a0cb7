"""The emulated account's objects and their lifecycles: pure Python, no I/O.

==========================  ======================================================================
:mod:`.world`               :class:`World`: the clock, the lock and one catalog per object kind
:mod:`.catalog`             :class:`~.catalog.Catalog`: the registry of one kind (checkpoint/restore)
:mod:`.names`               identifier folding, qualification, the default namespace
:mod:`.clock`               the world clock type and SPCS timestamps
:mod:`.users`               :class:`User`
:mod:`.poll_machine`        :class:`~.poll_machine.PollDriven`: statuses that advance by polls/time
:mod:`.service_base`        :class:`BaseService`: what services and job services share
:mod:`.long_running`        :class:`Service` and its lifecycle (start, suspend, resume)
:mod:`.job_services`        :class:`JobSpec`, :class:`JobService` and its lifecycle (run, cancel)
:mod:`.instance_views`      what a look at instances and containers shows
:mod:`.service_endpoints`   :class:`Endpoint` and provisioning
:mod:`.compute_pools`       :class:`ComputePool` and its catalog
:mod:`.spec_yaml`           reading spec YAML, writing default specs
==========================  ======================================================================

A new object kind lives in a module of its own: its class (a
:class:`~.poll_machine.PollDriven` if it has a lifecycle) and, if it needs more than
put/get, a :class:`~.catalog.Catalog` subclass with its operations (as :mod:`.compute_pools`
does). The world then holds one catalog attribute for it and lists it in
:meth:`World.catalogs`, so that per-test resets cover it.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.model.compute_pools import ComputePool
from airflow_provider_spcs.testing.model.job_services import JobOutcome, JobService, JobSpec
from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import PROVISIONING_PLACEHOLDER, Endpoint
from airflow_provider_spcs.testing.model.users import User
from airflow_provider_spcs.testing.model.world import World

__all__ = [
    "PROVISIONING_PLACEHOLDER",
    "BaseService",
    "ComputePool",
    "Endpoint",
    "JobOutcome",
    "JobService",
    "JobSpec",
    "Service",
    "User",
    "World",
]
