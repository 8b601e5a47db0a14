"""The backend as a scheduled run uses it: stop between batches on shutdown, optionally
pause between batches, and never treat a claimed-but-unrecorded row as safe to resend.

``dispatch.Delivery`` claims each batch in the ledger, hands it to ``send_segment``
and records the answer. When the process is asked to stop, the next ``send_segment``
raises ``ShutdownRequestedError`` before sending anything: ``Delivery`` records those readers
as failed with reason ``SHUTDOWN`` and stops, and a failed row is exactly what the next run
claims and sends. The batch already with the provider finishes and is recorded first.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from newsletter.delivery.base import EmailBackend
from newsletter.delivery.message import Recipient
from newsletter.errors import ShutdownRequestedError
from newsletter.models import DeliveryResult, OutgoingEmail

# Set by SIGTERM/SIGINT: the process is stopping. Process-wide by nature, like a signal.
STOP = threading.Event()
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
log = logging.getLogger(__name__)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[list[signal.Signals]]:
    """For ``newsletter run``: the first SIGTERM or SIGINT sets ``stop`` (the batch with the
    provider finishes and is recorded, the rest waits for the next run); a second one ends
    the process at once with 128 + its number (130, 143), as shells expect. Yields the
    signals received; restores the previous handlers on the way out."""
    caught: list[signal.Signals] = []

    def handle(signum: int, _frame: object) -> None:
        received = signal.Signals(signum)
        if caught:
            os._exit(128 + signum)  # the operator insists: no cleanup, the batch stays in doubt
        caught.append(received)
        stop.set()
        log.warning("%s: finishing the batch in flight, then stopping", received.name)

    previous = {number: signal.signal(number, handle) for number in STOP_SIGNALS}
    try:
        yield caught
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class ScheduledBackend(EmailBackend):
    """Wraps the configured backend for ``newsletter schedule``.

    ``idempotent`` is always False here: another scheduler (another host) may be sending a
    claimed row right now, so a row in ``sending`` is never taken over by a scheduled run.
    """

    idempotent = False

    def __init__(
        self,
        inner: EmailBackend,
        *,
        batch_size: int | None = None,
        pause: float = 0.0,
        stop: threading.Event = STOP,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.batch_size = batch_size or inner.batch_size
        self.concurrency = inner.concurrency
        self.pause = pause
        self.stop = stop
        self._batches = 0
        self.retries = inner.retries  # the same counter: the run report reads the inner one

    @classmethod
    def for_run(cls, inner: EmailBackend, stop: threading.Event) -> ScheduledBackend:
        """``newsletter run``: stops between batches like the scheduler, and keeps the inner
        backend's ``idempotent`` (a lone run of an outbox may redo what a killed run left)."""
        wrapped = cls(inner, stop=stop)
        wrapped.idempotent = inner.idempotent
        return wrapped

    @property  # read through to the inner backend
    def waited_seconds(self) -> float:  # type: ignore[override]
        return self.inner.waited_seconds

    @property
    def destination(self) -> str:
        return self.inner.destination

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def _next_batch(self) -> None:
        if self._batches and self.pause:
            self.stop.wait(self.pause)  # a shutdown cuts the pause short
        if self.stop.is_set():
            raise ShutdownRequestedError
        self._batches += 1

    def send_segment(
        self, template: OutgoingEmail, recipients: Sequence[Recipient]
    ) -> list[DeliveryResult]:
        self._next_batch()
        return self.inner.send_segment(template, recipients)

    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        self._next_batch()
        return self.inner.send_messages(messages)
