"""A sliding-window rate limiter kept in the web process's memory.

One process serves the pages (``newsletter web``); several processes behind a balancer each
count on their own, which multiplies the limit by their number (see docs/web.md).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 100_000  # beyond this, forget expired keys so memory stays bounded


class RateLimiter:
    """At most ``limit`` hits per ``key`` within any ``window`` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> bool:
        """Count a hit; ``False`` (and not counted) when the key is over its limit."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        if len(self._hits) > MAX_KEYS:
            self._forget_expired(now)
        return True

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may hit again."""
        hits = self._hits.get(key)
        if not hits or len(hits) < self.limit:
            return 0
        return max(1, math.ceil(hits[0] + self.window - self.clock()))

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
