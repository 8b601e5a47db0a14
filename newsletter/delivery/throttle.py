"""How many requests a backend may have in flight, shared by every worker of a run.

A provider that answers 429 is telling the whole sender to slow down, not one request: the
throttle halves how many requests may be in flight (down to one) and holds every new request
until ``Retry-After`` has passed. Each run of successes as long as the current limit raises
it by one again, up to the configured ``concurrency`` (additive increase, multiplicative
decrease, as TCP does).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Throttle:
    """Used by a backend around each request: ``acquire`` before, ``release`` after; a 429
    is waited out inside ``paused``, which holds every other worker too."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.allowed = self.limit
        self.slowdowns = 0  # how often a 429 lowered the limit (for reports and tests)
        self._active = 0
        self._pauses = 0
        self._streak = 0
        self._changed = threading.Condition()

    def acquire(self) -> None:
        """Wait for a free place in flight and for any 429 wait in progress."""
        with self._changed:
            self._changed.wait_for(lambda: not self._pauses and self._active < self.allowed)
            self._active += 1

    def release(self, *, ok: bool) -> None:
        with self._changed:
            self._active -= 1
            if ok:
                self._streak += 1
                if self._streak >= self.allowed and self.allowed < self.limit:
                    self.allowed += 1
                    self._streak = 0
            self._changed.notify_all()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """A 429: fewer in flight from now on, and nobody starts a request until the block
        (the worker that got the 429 waiting out ``Retry-After``) is over."""
        with self._changed:
            self.allowed = max(1, self.allowed // 2)
            self._streak = 0
            self.slowdowns += 1
            self._pauses += 1
        try:
            yield
        finally:
            with self._changed:
                self._pauses -= 1
                self._changed.notify_all()
