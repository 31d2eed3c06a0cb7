"""How long lifecycle phases last: a :class:`Pace` per phase, and the world's :class:`Timings`.

A phase ends after ``polls`` polls or ``seconds`` seconds on the world clock, whichever comes
first (the rule of :mod:`.poll_machine`); ``Pace(0, 0)`` ends at the next look. Objects created
through SQL take their paces from :attr:`.World.timings` when they are created; a service keeps its
own copy (``service.instance_pace``) that a test may change.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pace:
    """How long one phase lasts: ``polls`` polls or ``seconds`` seconds, whichever comes first.

    ``seconds=0`` means "polls only"; ``polls=0`` with ``seconds > 0`` means "seconds only";
    both 0 means the phase ends at the next look.
    """

    polls: int = 1
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.polls < 0 or self.seconds < 0:
            raise ValueError(f"a pace cannot be negative: {self!r}")

    def bounds(self) -> tuple[int | None, float | None]:
        """``(polls, seconds)`` as :meth:`.PollDriven._enter` takes them (``None`` = no bound)."""
        if self.polls == 0 and self.seconds > 0:
            return None, self.seconds
        return self.polls, self.seconds or None


@dataclass
class Timings:
    """The paces of objects created through SQL (CREATE SERVICE, CREATE COMPUTE POOL, ...).

    ``service_start``: a new or resumed service is PENDING this long, then RUNNING.
    ``instance_step``: each step of an instance: PENDING -> READY when it starts (scaling up, an
    upgrade), TERMINATING -> gone or -> PENDING when it stops (scaling down, an upgrade).
    ``pool_start``: a pool is STARTING this long after CREATE or RESUME.
    ``pool_change``: a pool is STOPPING (suspend) or RESIZING (new node bounds) this long.
    ``provision_polls``: public endpoints of a new service show the provisioning placeholder for
    this many SHOW ENDPOINTS looks.
    """

    service_start: Pace = field(default_factory=Pace)
    instance_step: Pace = field(default_factory=Pace)
    pool_start: Pace = field(default_factory=Pace)
    pool_change: Pace = field(default_factory=Pace)
    provision_polls: int = 0
