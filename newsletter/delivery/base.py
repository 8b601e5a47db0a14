"""The backend interface every transport implements (after Django's mail backends).

A backend is a context manager: ``open`` acquires what it needs (a connection, a folder),
``close`` releases only what ``open`` acquired, so a batch reuses one connection.
``send_messages`` never raises for one bad recipient: it answers a ``DeliveryResult`` per
message, in order. It raises ``DeliveryError`` only when nothing can be sent at all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from types import TracebackType

from newsletter.models import DeliveryResult, OutgoingEmail


class EmailBackend(ABC):
    """Base class of delivery backends; subclasses set ``name``."""

    name: str = ""

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
