"""Build the MIME message every backend sends: multipart/alternative, text then HTML."""

from __future__ import annotations

import dataclasses
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage

from newsletter.models import OutgoingEmail

_CRLF = re.compile(r"[\r\n]+")
POLICY = email.policy.SMTP.clone(max_line_length=998)
# The body parts keep RFC 2045's 76-character lines: quoted-printable at 998 characters puts
# 998-character lines on the wire, which mail filters score as hidden-text spam
# (SpamAssassin's __LONGLINE, behind LONGLN_LOW_CONTRAST).
BODY_POLICY = email.policy.SMTP.clone(max_line_length=76)


@dataclass(frozen=True, slots=True)
class Recipient:
    """One reader of a segment: what differs from the segment's shared message.

    ``values`` maps placeholders left in the rendered segment (``%%unsubscribe_url%%``) to
    this reader's values; ``headers`` are this reader's own headers (``List-Unsubscribe``).
    """

    email: str
    name: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def expand(template: OutgoingEmail, recipient: Recipient) -> OutgoingEmail:
    """The segment's message made into one reader's message (for per-message backends)."""
    html, text = template.html, template.text
    for placeholder, value in recipient.values.items():
        html = html.replace(placeholder, value)
        text = text.replace(placeholder, value)
    return dataclasses.replace(
        template,
        to=recipient.email,
        to_name=recipient.name,
        html=html,
        text=text,
        message_id=make_message_id(sender_domain(template.sender)),
        headers={**template.headers, **recipient.headers},
    )


def header_safe(value: str) -> str:
    """Paper text reaches headers only through here: no CR/LF, no header injection."""
    if value.isprintable() and "  " not in value and value == value.strip():
        return value  # nothing to change (the common case: a link, a plain name)
    return " ".join(_CRLF.sub(" ", value).split())


def make_message_id(domain: str) -> str:
    return email.utils.make_msgid(domain=domain)


def sender_domain(sender: str) -> str:
    address = email.utils.parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def build_mime(message: OutgoingEmail) -> EmailMessage:
    """The message as it goes on the wire; UTF-8 throughout."""
    mime = EmailMessage(policy=POLICY)
    mime["From"] = header_safe(message.sender)
    mime["To"] = _to_header(message)
    mime["Subject"] = header_safe(message.subject)
    mime["Date"] = email.utils.format_datetime(message.date)
    mime["Message-ID"] = header_safe(message.message_id)
    mime["MIME-Version"] = "1.0"
    for name, value in message.headers.items():
        mime[header_safe(name)] = header_safe(value)
    mime.make_alternative()
    mime.attach(_body_part(message.text, "plain"))
    mime.attach(_body_part(message.html, "html"))
    return mime


def _body_part(content: str, subtype: str) -> EmailMessage:
    part = EmailMessage(policy=BODY_POLICY)
    part.set_content(content, subtype=subtype, charset="utf-8")
    del part["MIME-Version"]  # only the top-level message carries it
    return part


def _to_header(message: OutgoingEmail) -> str:
    return to_header(message.to, message.to_name)


def to_header(address: str, name: str | None) -> str:
    """``To:`` for one reader: the address, with their name quoted as needed."""
    if not name:
        return address
    local, _, domain = address.rpartition("@")
    return str(Address(display_name=header_safe(name), username=local, domain=domain))
