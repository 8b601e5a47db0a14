"""The SMTP backend's per-reader wire form reads back as the message ``build_mime`` makes."""

from __future__ import annotations

import dataclasses
import email
import email.policy

import pytest

from newsletter.delivery.message import build_mime, expand
from newsletter.delivery.wire import WireTemplate
from tests.delivery.helpers import reader, segment_message

HEADERS = ("From", "To", "Subject", "Date", "MIME-Version", "List-Id", "List-Unsubscribe",
           "List-Unsubscribe-Post", "Reply-To")  # fmt: skip


def parsed(data: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("Daily Papers, Fri 03 Oct: 5 papers", None),
        ("Zoë's papers — 3 Oct: “quoted”, and a long " + "word " * 30, "Zoë Ångström"),
        ("Plain", 'Lovelace, "Ada"'),
    ],
)
def test_wire_message_reads_back_as_the_mime_message(subject: str, name: str | None) -> None:
    template = segment_message(subject)
    template = dataclasses.replace(
        template, text=template.text + "Ünïcode text ✓\n", headers={
            **template.headers, "Reply-To": "Editors <editors@example.org>"},
    )  # fmt: skip
    recipient = reader("ada@example.org", name)
    data, message_id = WireTemplate(template).message(recipient)
    wire = parsed(data)
    mime = parsed(build_mime(expand(template, recipient)).as_bytes())
    for header in HEADERS:
        assert wire[header] == mime[header], header
    assert wire["Message-ID"] == message_id and message_id.endswith("@example.org>")
    assert wire.get_content_type() == "multipart/alternative"
    wire_parts = [(p.get_content_type(), p.get_content()) for p in wire.iter_parts()]
    mime_parts = [(p.get_content_type(), p.get_content()) for p in mime.iter_parts()]
    assert wire_parts == mime_parts
    assert "token-for-ada@example.org" in wire_parts[1][1]  # the reader's own links
    for part in wire.iter_parts():
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    body = data.split(b"\r\n\r\n", 1)[1]
    assert all(len(line) <= 76 for line in body.split(b"\r\n"))  # RFC 2045 lines
    assert b"\n" not in body.replace(b"\r\n", b"")  # CRLF only
