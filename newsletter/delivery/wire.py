"""One segment's message on the wire, serialized once and filled in per reader.

``build_mime`` (the ``email`` package) costs about 2 ms per message, more than an SMTP round
trip on a local relay. A segment's readers share every header but four and both bodies
but their links, so the shared headers are folded once here, and per reader only ``To``,
``Message-ID`` and the reader's own headers are folded and the two bodies (links filled
in) quoted-printable encoded by binascii, which is C code. The result parses as the same message
``build_mime`` makes (tests/delivery/test_wire.py reads both with the ``email`` package).
"""

from __future__ import annotations

import binascii
import email.utils
import secrets

from newsletter.delivery.message import (
    POLICY,
    Recipient,
    header_safe,
    make_message_id,
    sender_domain,
    to_header,
)
from newsletter.models import OutgoingEmail

_CRLF = b"\r\n"
_LINE = POLICY.max_line_length or 998


def _fold(name: str, value: str) -> bytes:
    """One header line. An ASCII value that fits the policy's 998-character lines is written
    as it is (what the policy would write: our values carry no CR/LF); others are folded
    and encoded by the ``email`` package."""
    if value.isascii() and len(name) + len(value) + 2 <= _LINE:
        return f"{name}: {value}\r\n".encode("ascii")
    return POLICY.fold_binary(name, POLICY.header_store_parse(name, value)[1])


def _body(kind: str, content: str) -> bytes:
    """A body part as ``build_mime`` sends it: UTF-8, quoted-printable in lines of at most
    76 characters (RFC 2045; long lines cost spam score), here by binascii's C encoder."""
    # Lines end in CRLF, and the last one too, as the email package's set_content makes them.
    lines = b"\r\n".join(content.encode("utf-8").splitlines()) + _CRLF
    encoded = binascii.b2a_qp(lines, istext=True)
    head = (
        f'Content-Type: text/{kind}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable'
    )
    return head.encode("ascii") + _CRLF + _CRLF + encoded + _CRLF  # CRLF of the boundary


class WireTemplate:
    """Made once per segment by the SMTP backend; ``message`` per reader."""

    def __init__(self, template: OutgoingEmail) -> None:
        self.template = template
        self.sender = email.utils.parseaddr(template.sender)[1]
        self._domain = sender_domain(template.sender)
        shared = [
            ("From", header_safe(template.sender)),
            ("Subject", header_safe(template.subject)),
            ("Date", email.utils.format_datetime(template.date)),
            ("MIME-Version", "1.0"),
        ]
        self._head = b"".join(_fold(name, value) for name, value in shared)
        self._template_headers = template.headers

    def message(self, recipient: Recipient) -> tuple[bytes, str]:
        """The reader's message as bytes for ``sendmail``, and its Message-ID."""
        message_id = make_message_id(self._domain)
        headers = {**self._template_headers, **recipient.headers}
        own = [("To", to_header(recipient.email, recipient.name))]
        own.append(("Message-ID", header_safe(message_id)))
        own += [(header_safe(k), header_safe(v)) for k, v in headers.items()]
        html, text = self.template.html, self.template.text
        for placeholder, value in recipient.values.items():
            html = html.replace(placeholder, value)
            text = text.replace(placeholder, value)
        boundary = f"==============={secrets.token_hex(12)}=="
        parts = [
            self._head,
            *(_fold(name, value) for name, value in own),
            f'Content-Type: multipart/alternative; boundary="{boundary}"'.encode("ascii"),
            _CRLF,
            _CRLF,
            f"--{boundary}".encode("ascii") + _CRLF,
            _body("plain", text),
            f"--{boundary}".encode("ascii") + _CRLF,
            _body("html", html),
            f"--{boundary}--".encode("ascii") + _CRLF,
        ]
        return b"".join(parts), message_id
