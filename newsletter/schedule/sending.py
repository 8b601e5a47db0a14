"""A backend wrapper for scheduled runs: claim each recipient in the ledger, send in
batches, and stop cleanly between batches when the process is asked to shut down.

Messages not sent because of a shutdown are never claimed, so the next run (the resume
job at start-up) sends them; claimed ones always get their outcome recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from newsletter.delivery.base import EmailBackend
from newsletter.models import DeliveryResult, OutgoingEmail
from newsletter.store.send_claims import SendClaims

log = logging.getLogger(__name__)

ALREADY_SENT = "already sent for this issue (delivery ledger)"
DEFERRED = "deferred by shutdown; the next run sends it"

# Set by SIGTERM/SIGINT: the process is stopping. Process-wide by nature, like a signal.
STOP = threading.Event()


class GuardedBackend(EmailBackend):
    """Wraps the configured backend; ``send_messages`` answers one result per message."""

    def __init__(
        self,
        inner: EmailBackend,
        claims: SendClaims,
        *,
        batch_size: int = 50,
        pause: float = 0.0,
        stop: threading.Event = STOP,
    ) -> None:
        self.inner = inner
        self.claims = claims
        self.batch_size = batch_size
        self.pause = pause
        self.stop = stop
        self.name = inner.name

    @property
    def destination(self) -> str:
        return self.inner.destination

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        results: dict[int, DeliveryResult] = {}
        for start in range(0, len(messages), self.batch_size):
            if start and self.pause:
                self.stop.wait(self.pause)  # a shutdown cuts the pause short
            if self.stop.is_set():
                log.warning(
                    "shutting down: %d messages left for the next run", len(messages) - start
                )
                for index in range(start, len(messages)):
                    results[index] = DeliveryResult(messages[index].to, "skipped", detail=DEFERRED)
                break
            self._send_batch(
                messages, range(start, min(start + self.batch_size, len(messages))), results
            )
        return [results[i] for i in range(len(messages))]

    def _send_batch(
        self, messages: Sequence[OutgoingEmail], indexes: range, results: dict[int, DeliveryResult]
    ) -> None:
        claimed = []
        for index in indexes:
            if self.claims.claim(messages[index].to):
                claimed.append(index)
            else:
                results[index] = DeliveryResult(messages[index].to, "skipped", detail=ALREADY_SENT)
        if not claimed:
            return
        try:
            answers = self.inner.send_messages([messages[i] for i in claimed])
        except Exception as exc:  # record the claim's outcome whatever happened, then re-raise
            for index in claimed:
                self.claims.record(DeliveryResult(messages[index].to, "failed", detail=str(exc)))
            raise
        for index, answer in zip(claimed, answers, strict=True):
            self.claims.record(answer)
            results[index] = answer
