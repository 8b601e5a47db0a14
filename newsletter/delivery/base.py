"""The backend interface every transport implements (after Django's mail backends).

A backend is a context manager: ``open`` acquires what it needs (a connection, a folder),
``close`` releases only what ``open`` acquired, so a batch reuses one connection.
``send_messages`` never raises for one bad recipient: it answers a ``DeliveryResult`` per
message, in order. It raises ``DeliveryError`` only when nothing can be sent at all.

The pipeline hands over one segment at a time through ``send_segment``: the segment's shared
message with placeholders, plus its readers. The default fills the placeholders per reader
and calls ``send_messages``; a provider that substitutes per recipient itself (SendGrid)
overrides it and sends many readers in one request.

Two class attributes tell the delivery ledger how to treat a backend:
``batch_size`` is how many readers are claimed and recorded together (after a crash, at most
``concurrency`` batches are in doubt); ``concurrency`` is how many batches may be with the
backend at once, each on its own worker thread (a backend above 1 must be thread-safe);
``idempotent`` says a second attempt for the same (issue, reader)
cannot produce a second copy, so in-doubt readers may simply be sent again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from types import TracebackType

from newsletter.delivery.message import Recipient, expand
from newsletter.models import DeliveryResult, OutgoingEmail


class EmailBackend(ABC):
    """Base class of delivery backends; subclasses set ``name``."""

    name: str = ""
    batch_size: int = 100
    concurrency: int = 1
    idempotent: bool = False
    # Retries by cause ("429", "5xx", "dropped") and the seconds spent waiting before them,
    # for the run report; backends that never retry keep them empty.
    retries: Counter[str]
    waited_seconds: float = 0.0

    def __new__(cls, *args: object, **kwargs: object) -> EmailBackend:
        backend = super().__new__(cls)
        backend.retries = Counter()
        return backend

    def open(self) -> None:  # noqa: B027 - most backends hold nothing to open
        """Acquire resources; idempotent."""

    def close(self) -> None:  # noqa: B027
        """Release what ``open`` acquired; idempotent."""

    @property
    def destination(self) -> str:
        """Where messages go, for the run report (a folder, a host)."""
        return self.name

    @abstractmethod
    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        """Send each message; one result per message, in order."""

    def send_segment(
        self, template: OutgoingEmail, recipients: Sequence[Recipient]
    ) -> list[DeliveryResult]:
        """Send one segment's message to each recipient; one result per recipient, in order."""
        return self.send_messages([expand(template, r) for r in recipients])

    def __enter__(self) -> EmailBackend:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
