"""The emulated account's objects and their lifecycles: pure Python, no I/O.

==========================  ======================================================================
:mod:`.world`               :class:`World`: the clock, the lock and one catalog per object kind
:mod:`.catalog`             :class:`~.catalog.Catalog`: the registry of one kind (checkpoint/restore)
:mod:`.names`               identifier folding, qualification, the default namespace
:mod:`.clock`               the world clock type and SPCS timestamps
:mod:`.users`               :class:`User`
:mod:`.poll_machine`        :class:`~.poll_machine.PollDriven`: statuses that advance by polls/time
:mod:`.pacing`              :class:`Pace` (how long a phase lasts) and the world's :class:`Timings`
:mod:`.refusals`            what model operations raise when they refuse (missing, invalid, busy)
:mod:`.service_base`        :class:`BaseService`: what services and job services share
:mod:`.long_running`        :class:`Service` and its lifecycle (start, suspend, resume, upgrade, scale)
:mod:`.service_instances`   a service's instances and the fleet that scales and rolls them
:mod:`.service_settings`    :class:`ServiceSettings`: MIN/MAX instances, AUTO_RESUME, ... and rules
:mod:`.deployments`         :class:`Revision` (a deployed spec, its digest, its mounted secrets)
:mod:`.job_services`        :class:`JobSpec`, :class:`JobService` and its lifecycle (run, cancel)
:mod:`.instance_views`      what a look at instances and containers shows
:mod:`.service_endpoints`   :class:`Endpoint` and provisioning
:mod:`.compute_pools`       :class:`ComputePool` (states, nodes, suspend/resume) and its catalog
:mod:`.container_images`    image names and digests, images marked broken
:mod:`.stored_secrets`      :class:`Secret`: SECRET objects, whose values never show
:mod:`.spec_yaml`           reading spec YAML/JSON, writing default specs
:mod:`.spec_templates`      rendering spec templates with ``USING`` values
==========================  ======================================================================

A new object kind lives in a module of its own: its class (a
:class:`~.poll_machine.PollDriven` if it has a lifecycle) and, if it needs more than
put/get, a :class:`~.catalog.Catalog` subclass with its operations (as :mod:`.compute_pools`
does). The world then holds one catalog attribute for it and lists it in
:meth:`World.catalogs`, so that per-test resets cover it.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.model.compute_pools import ComputePool
from airflow_provider_spcs.testing.model.deployments import MountedSecrets, Revision
from airflow_provider_spcs.testing.model.job_services import JobOutcome, JobService, JobSpec
from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.pacing import Pace, Timings
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import PROVISIONING_PLACEHOLDER, Endpoint
from airflow_provider_spcs.testing.model.service_settings import ServiceSettings
from airflow_provider_spcs.testing.model.stored_secrets import Secret
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
    "MountedSecrets",
    "Pace",
    "Revision",
    "Secret",
    "Service",
    "ServiceSettings",
    "Timings",
    "User",
    "World",
]
