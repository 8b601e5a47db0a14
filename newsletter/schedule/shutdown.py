"""The backend as a scheduled run uses it: stop between batches on shutdown, optionally
pause between batches, and never treat a claimed-but-unrecorded row as safe to resend.

The pipeline's ``Delivery`` claims each batch in the ledger, hands it to ``send_segment``
and records the answer. When the process is asked to stop, the next ``send_segment``
raises ``ShutdownRequestedError`` before sending anything: ``Delivery`` records those readers
as failed with reason ``SHUTDOWN`` and stops, and a failed row is exactly what the next run
claims and sends. The batch already with the provider finishes and is recorded first.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from newsletter.delivery.base import EmailBackend
from newsletter.delivery.message import Recipient
from newsletter.errors import ShutdownRequestedError
from newsletter.models import DeliveryResult, OutgoingEmail

# Set by SIGTERM/SIGINT: the process is stopping. Process-wide by nature, like a signal.
STOP = threading.Event()


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
        self.pause = pause
        self.stop = stop
        self._batches = 0

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
