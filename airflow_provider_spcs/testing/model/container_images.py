"""Container images: how SHOW SERVICE CONTAINERS names them, their digests, and images marked broken.

A spec names an image by repository path (``/db/schema/repo/image:tag``); SHOW SERVICE CONTAINERS
prints it with the account's registry host in front. :meth:`BrokenImages.mark` makes every
container started from an image fail (container ``FAILED`` with the given message and exit code),
which is how tests script a deployment that does not come up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from airflow_provider_spcs.testing.model.catalog import Catalog

DEFAULT_START_FAILURE = "Container failed to start, check container logs"


@dataclass(frozen=True)
class StartFailure:
    """Why a container fails to start: its message, exit code and restart count."""

    message: str = DEFAULT_START_FAILURE
    exit_code: int = 1
    restart_count: int = 1


def registry_image(account: str, image: str) -> str:
    """The ``image_name`` SHOW SERVICE CONTAINERS prints for a spec's ``image``."""
    path = image.strip()
    first = path.lstrip("/").split("/", 1)[0]
    if "." in first:  # already carries a registry host
        return path.lstrip("/")
    return f"{account.lower()}.registry.snowflakecomputing.com/{path.lstrip('/')}"


def image_digest(image_name: str) -> str:
    """The (stable, made-up) ``sha256:...`` digest of an image."""
    return "sha256:" + hashlib.sha256(image_name.encode()).hexdigest()


def _repository_path(image: str) -> str:
    """``db/schema/repo/image:tag``: lowercase, without registry host or leading slash."""
    path = image.strip().lower().lstrip("/")
    first = path.split("/", 1)[0]
    if "." in first and "/" in path:
        path = path.split("/", 1)[1]
    return path


def _has_tag(path: str) -> bool:
    return ":" in path.rsplit("/", 1)[-1]


class BrokenImages(Catalog[str, StartFailure]):
    """Images whose containers fail to start, by repository path (lowercase)."""

    def mark(self, image: str, failure: StartFailure) -> None:
        """Every container started from ``image`` from now on fails with ``failure``.

        ``image`` is matched against the end of a spec's image path at a ``/`` boundary:
        ``repo/img:bad`` matches ``/db/schema/repo/img:bad``; without a tag it matches every tag.
        """
        self.put(_repository_path(image), failure)

    def failure_for(self, image: str) -> StartFailure | None:
        """The start failure of ``image``, if it is marked broken."""
        path = _repository_path(image)
        untagged = path.rsplit(":", 1)[0] if _has_tag(path) else path
        for marked in self:
            candidate = path if _has_tag(marked) else untagged
            if candidate == marked or candidate.endswith("/" + marked):
                return self.get(marked)
        return None
