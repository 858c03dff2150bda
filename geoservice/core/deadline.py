"""Time limits for expensive computations, checked cooperatively inside their loops.

A request handler builds a :class:`Deadline` from the configured limit
(``[limits] compute_timeout_s``) and passes it down; the computation calls
:meth:`Deadline.check` between units of work (an origin, a band checkpoint) and stops with
:class:`~geoservice.errors.DeadlineExceededError` once the time is spent, so a worker is freed
instead of finishing an answer nobody waits for. gunicorn's ``--timeout`` remains the backstop
for anything that does not check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from geoservice.errors import DeadlineExceededError


@dataclass(frozen=True)
class Deadline:
    """A time limit started at creation.

    Attributes
    ----------
    limit_s
        Seconds allowed from creation; None for no limit.
    """

    limit_s: float | None
    started: float = field(default_factory=time.monotonic)

    def elapsed_s(self) -> float:
        """Seconds since creation."""
        return time.monotonic() - self.started

    def check(self, what: str) -> None:
        """Raise :class:`DeadlineExceededError` naming `what` when the limit is spent."""
        if self.limit_s is None:
            return
        elapsed = self.elapsed_s()
        if elapsed > self.limit_s:
            msg = (
                f"{what} stopped after {elapsed:.2f} s: above the time limit "
                f"compute_timeout_s = {self.limit_s:g} s; ask for fewer or shorter bands"
            )
            raise DeadlineExceededError(msg, limit_s=self.limit_s)
