"""``console`` backend: print each message to a stream (standard output by default)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from newsletter.delivery.base import EmailBackend
from newsletter.delivery.message import build_mime
from newsletter.models import DeliveryResult, OutgoingEmail


class ConsoleBackend(EmailBackend):
    name = "console"
    batch_size = 1

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        stream = self.stream or sys.stdout
        results = []
        for message in messages:
            stream.write(build_mime(message).as_string())
            stream.write("\n" + "-" * 79 + "\n")
            results.append(DeliveryResult(message.to, "sent", provider_id=message.message_id))
        stream.flush()
        return results
