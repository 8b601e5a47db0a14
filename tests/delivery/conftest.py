"""Real servers on 127.0.0.1 for the delivery tests: a fake SendGrid and aiosmtpd."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from tests.fakes.sendgrid_server import FakeSendGrid

API_KEY = "SG.test-key-0123456789"


@pytest.fixture
def sendgrid_server() -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid(key=API_KEY).start()
    yield fake
    fake.stop()


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps every message; can refuse chosen recipients."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # the bytes as they arrived (DKIM checks)
    refuse: set[str] = field(default_factory=set)
    on_data: Any = None  # called with the message number after a message is kept
    before_keep: Any = None  # called with the message number; True: refuse it, keep nothing
    lose_reply: Any = None  # called with the message number; True: keep it, then hang up
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content
        assert isinstance(data, bytes)
        message = message_from_bytes(data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        if self.before_keep and self.before_keep(len(self.received) + 1):
            return "451 4.3.0 not kept"
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))
            self.raw.append(data)
            number = len(self.received)
        if self.on_data:
            self.on_data(number)
        if self.lose_reply and self.lose_reply(number):
            server.transport.abort()  # accepted, and the reply after DATA never arrives
        return "250 2.0.0 queued"

    def recipients(self) -> list[str]:
        return [r for rcpts, _ in self.received for r in rcpts]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_smtp(sink: SmtpSink, **kwargs: Any) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller, port


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    controller, port = start_smtp(sink)
    yield sink, port
    controller.stop()
