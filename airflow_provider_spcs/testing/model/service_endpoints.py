"""Service endpoints: container ports, public or not, and how long a public one takes to provision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

#: What SHOW ENDPOINTS prints as ``ingress_url`` while a public endpoint is being provisioned.
PROVISIONING_PLACEHOLDER = "Endpoints provisioning in progress... check back in a few minutes"


@dataclass
class Endpoint:
    """One endpoint of a service.

    ``port`` is the *container* port (as in the spec). ``ingress_url`` is set by the emulator to
    the endpoint's local base URL (``http://127.0.0.1:<p>``); :meth:`.World.endpoint_for_port`
    routes ingress requests by that URL's port. ``latency`` is how many seconds the service takes
    to answer each request (0: at once).
    """

    name: str
    port: int = 8080
    protocol: str = "HTTP"
    is_public: bool = True
    ingress_url: str | None = None
    provision_after_polls: int = 0
    provisioned: bool = True
    polls: int = 0
    latency: float = 0.0

    def poll(self) -> bool:
        """Count one SHOW ENDPOINTS look and return whether it sees the endpoint provisioned.

        The first ``provision_after_polls`` looks see it provisioning; later looks see it ready.
        """
        if not self.provisioned and self.polls >= self.provision_after_polls:
            self.provisioned = True
        self.polls += 1
        return self.provisioned

    @property
    def ingress_port(self) -> int | None:
        """The local port of ``ingress_url``, if it has one."""
        if not self.ingress_url:
            return None
        try:
            return urlsplit(self.ingress_url).port
        except ValueError:
            return None


EndpointLike = Endpoint | tuple[str, bool] | str
"""How callers describe endpoints: an :class:`Endpoint`, a ``(name, is_public)`` pair or a name."""


def build_endpoints(items: Iterable[EndpointLike], provision_after_polls: int) -> list[Endpoint]:
    """Endpoints from :data:`EndpointLike` items; pairs and names get container ports 8080, 8081, ...

    Public endpoints made from pairs or names report the provisioning placeholder for
    ``provision_after_polls`` SHOW ENDPOINTS looks.
    """
    built: list[Endpoint] = []
    for index, item in enumerate(items):
        if isinstance(item, Endpoint):
            built.append(item)
            continue
        name, public = (item, True) if isinstance(item, str) else item
        built.append(
            Endpoint(
                name=name,
                port=8080 + index,
                is_public=public,
                provision_after_polls=provision_after_polls,
                provisioned=not (public and provision_after_polls > 0),
            )
        )
    return built
