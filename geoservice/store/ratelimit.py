"""A token bucket per client, kept in memory (one per process)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucketLimiter:
    """`burst` requests at once per key, refilled at `per_hour` per hour.

    With several worker processes each keeps its own buckets, so a client may get up to
    ``workers × burst`` at once; the sustained rate is bounded the same way.

    Attributes
    ----------
    burst
        Bucket capacity (requests).
    per_hour
        Refill rate, requests per hour.
    clock
        Monotonic clock in seconds (injectable for tests).
    max_keys
        Buckets kept; the fullest ones are forgotten first beyond this.
    """

    burst: int
    per_hour: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def acquire(self, key: str) -> float:
        """Take one token for `key`: 0 when granted, else seconds until one is available."""
        rate_per_s = self.per_hour / 3600.0
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * rate_per_s)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                self._forget_some()
                return 0.0
            self._buckets[key] = (tokens, now)
            if rate_per_s <= 0:
                return 3600.0
            return (1.0 - tokens) / rate_per_s

    def retry_after_s(self, key: str) -> float:
        """Seconds until `key` could take a token (0: now), without taking one."""
        rate_per_s = self.per_hour / 3600.0
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * rate_per_s)
        if tokens >= 1.0:
            return 0.0
        return 3600.0 if rate_per_s <= 0 else (1.0 - tokens) / rate_per_s

    def _forget_some(self) -> None:
        if len(self._buckets) > self.max_keys:
            fullest = sorted(self._buckets, key=lambda k: -self._buckets[k][0])
            for key in fullest[: len(self._buckets) - self.max_keys]:
                del self._buckets[key]
