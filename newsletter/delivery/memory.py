"""``memory`` backend: keeps messages in a list, for tests and previews."""

from __future__ import annotations

from collections.abc import Sequence

from newsletter.delivery.base import EmailBackend
from newsletter.models import DeliveryResult, OutgoingEmail


class MemoryBackend(EmailBackend):
    """Each instance has its own ``outbox`` list (no module-global state)."""

    name = "memory"

    def __init__(self) -> None:
        self.outbox: list[OutgoingEmail] = []

    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        self.outbox.extend(messages)
        return [DeliveryResult(m.to, "sent", provider_id=m.message_id) for m in messages]
