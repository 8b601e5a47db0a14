"""One contract, every backend: what each reader receives, read back from where it landed
(the outbox folder, the console stream, the memory list, a real aiosmtpd, the fake SendGrid).
"""

from __future__ import annotations

import email
import email.policy
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from newsletter.delivery import ConsoleBackend, EmailBackend, MemoryBackend, OutboxBackend
from newsletter.delivery.message import build_mime
from newsletter.delivery.sendgrid import SendGridBackend
from newsletter.delivery.smtp import SmtpBackend
from tests.delivery.helpers import reader, segment_message, unsubscribe_url
from tests.fakes.sendgrid_server import FakeSendGrid


@dataclass
class Received:
    sender: str
    subject: str
    text: str
    html: str
    list_unsubscribe: str
    one_click: str


Inbox = Callable[[], dict[str, list[Received]]]


def from_mime(message: EmailMessage) -> Received:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    return Received(
        sender=message["From"].addresses[0].addr_spec,
        subject=str(message["Subject"]),
        text=plain.get_content(),
        html=html.get_content(),
        list_unsubscribe=str(message["List-Unsubscribe"]),
        one_click=str(message["List-Unsubscribe-Post"]),
    )


def parse(data: bytes | str) -> EmailMessage:
    raw = data.encode() if isinstance(data, str) else data
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def group(pairs: list[tuple[str, Received]]) -> dict[str, list[Received]]:
    found: dict[str, list[Received]] = {}
    for address, received in pairs:
        found.setdefault(address, []).append(received)
    return found


def from_sendgrid(fake: FakeSendGrid) -> dict[str, list[Received]]:
    """What SendGrid would deliver: each personalization with its substitutions applied."""
    pairs = []
    for accepted in fake.accepted:
        body = accepted.body
        assert body is not None
        text, html = (c["value"] for c in body["content"])
        for p in body["personalizations"]:
            t, h = text, html
            for tag, value in p.get("substitutions", {}).items():
                t, h = t.replace(tag, value), h.replace(tag, value)
            headers = {**body.get("headers", {}), **p.get("headers", {})}
            received = Received(
                body["from"]["email"], p.get("subject", body["subject"]), t, h,
                headers["List-Unsubscribe"], headers["List-Unsubscribe-Post"],
            )  # fmt: skip
            pairs += [(to["email"], received) for to in p["to"]]
    return group(pairs)


@pytest.fixture(params=["outbox", "console", "memory", "smtp", "sendgrid"])
def backend(request, tmp_path: Path) -> Iterator[tuple[EmailBackend, Inbox]]:
    kind = request.param
    if kind == "outbox":
        outbox = OutboxBackend(tmp_path / "outbox")
        yield outbox, lambda: group([
            (f.name.removesuffix(".eml"), from_mime(parse(f.read_bytes())))
            for f in sorted((tmp_path / "outbox").rglob("*.eml"))
        ])  # fmt: skip
    elif kind == "console":
        stream = io.StringIO()
        yield ConsoleBackend(stream), lambda: group([
            (m["To"].addresses[0].addr_spec, from_mime(m))
            for m in (parse(chunk) for chunk in stream.getvalue().split("\n" + "-" * 79 + "\n"))
            if m["To"]
        ])  # fmt: skip
    elif kind == "memory":
        memory = MemoryBackend()
        yield memory, lambda: group([(m.to, from_mime(parse(build_mime(m).as_bytes())))
                                     for m in memory.outbox])  # fmt: skip
    elif kind == "smtp":
        sink, port = request.getfixturevalue("smtp_server")
        yield (
            SmtpBackend("127.0.0.1", port, security="none", timeout=5),
            lambda: group([(rcpt, from_mime(m)) for rcpts, m in sink.received for rcpt in rcpts]),
        )
    else:
        sendgrid_server = request.getfixturevalue("sendgrid_server")
        yield (
            SendGridBackend(sendgrid_server.key, host=sendgrid_server.url, timeout=5),
            (lambda: from_sendgrid(sendgrid_server)),
        )


READERS = ["ada@example.org", "grace@example.org", "alan@example.org"]


def test_each_reader_gets_one_message_with_their_own_links(backend) -> None:
    chosen, inbox = backend
    with chosen:
        results = chosen.send_segment(segment_message(), [reader(e) for e in READERS])
    assert [(r.recipient, r.status) for r in results] == [(e, "sent") for e in READERS]
    received = inbox()
    assert sorted(received) == sorted(READERS)
    for address in READERS:
        [message] = received[address]  # exactly one copy
        url = unsubscribe_url(address)
        assert message.sender == "papers@example.org"
        assert message.subject == "Daily Papers, Fri 03 Oct: 5 papers"
        assert message.list_unsubscribe == f"<{url}>"
        assert message.one_click == "List-Unsubscribe=One-Click"
        assert url in message.text and f'href="{url}"' in message.html
        assert "%%" not in message.text + message.html
        others = [unsubscribe_url(e) for e in READERS if e != address]
        assert not any(o in message.text + message.html for o in others)


def test_an_empty_batch_sends_nothing(backend) -> None:
    chosen, inbox = backend
    with chosen:
        assert chosen.send_segment(segment_message(), []) == []
    assert inbox() == {}
