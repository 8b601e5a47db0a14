"""``smtp`` backend: smtplib, plain / STARTTLS / implicit TLS, a few connections per run.

Like Django's SMTP backend, ``send_messages`` closes only connections it opened itself, so
the pipeline (which opens the backend once) reuses its connections for the whole run: a
pool of at most ``concurrency`` connections (default 4), one per delivery worker sending at
once; a worker takes an idle one or dials a new one, and gives it back after its message.
A dropped connection is reopened and the message tried once more. A refused recipient fails
that recipient only; a refused login or sender stops the run with a ``DeliveryError``.

``batch_size`` is 1: the ledger records every message as soon as the server answers 250,
so after a crash at most one message is in doubt. A connection dropped (or a reply timed
out) after the final ``.`` of DATA may have left the message with the server: it is never
sent again but answered ``in_doubt``; a drop earlier in the dialogue is retried once on a new
connection. ``_TrackedSMTP`` notes when the end of DATA went out, so the line is exact.
"""

from __future__ import annotations

import email.utils
import smtplib
import ssl
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from newsletter.delivery.base import EmailBackend
from newsletter.delivery.dkim_signing import DkimSigner
from newsletter.delivery.message import Recipient, build_mime, expand
from newsletter.delivery.wire import WireTemplate
from newsletter.errors import DeliveryError
from newsletter.models import DeliveryReason, DeliveryResult, OutgoingEmail

Security = Literal["none", "starttls", "tls"]
END_OF_DATA = b"\r\n.\r\n"
LOST_REPLY_DETAIL = (
    "in doubt: {where} lost the connection after the message was handed over ({what}); "
    "not sent again so nobody gets two copies. Check the server's log, then settle it with "
    "`newsletter deliveries resolve`"
)


class _TrackedSMTP(smtplib.SMTP):
    """smtplib.SMTP that remembers whether the end of DATA was sent on this message."""

    data_sent = False

    def send(self, s: Any) -> None:  # smtplib types it as Buffer | str
        super().send(s)
        if isinstance(s, bytes) and s.endswith(END_OF_DATA):
            self.data_sent = True


class _TrackedSMTPSSL(smtplib.SMTP_SSL, _TrackedSMTP):
    """Implicit TLS, tracked the same way."""


# How the connection is secured, in words for the run report ("none" alone reads as a
# missing value).
SECURITY_NAMES: dict[str, str] = {
    "none": "plain SMTP, not encrypted",
    "starttls": "STARTTLS",
    "tls": "TLS from the start",
}


class SmtpBackend(EmailBackend):
    name = "smtp"
    batch_size = 1

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ca_file: Path | None = None,
        dkim: DkimSigner | None = None,
        concurrency: int = 1,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.timeout = timeout
        self.ca_file = ca_file
        self.dkim = dkim
        self.connections_opened = 0  # for tests and benches: proves the connection is reused
        self.concurrency = max(1, concurrency)
        self._username, self._password = username, password
        self._held = False  # open() was called: connections stay until close()
        self._idle: list[smtplib.SMTP] = []
        self._pool = threading.Lock()

    @property
    def destination(self) -> str:
        return f"SMTP {self.host}:{self.port} ({SECURITY_NAMES[self.security]})"

    def open(self) -> None:
        """Dial the first connection now, so a wrong host or login fails before any
        reader is claimed; the others are dialled as workers need them."""
        if not self._held:
            self._held = True
            self._give_back(self._take())

    def close(self) -> None:
        self._held = False
        with self._pool:
            idle, self._idle = self._idle, []
        for connection in idle:
            _hang_up(connection)

    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        return self._send_all([_Mime(m) for m in messages])

    def send_segment(
        self, template: OutgoingEmail, recipients: Sequence[Recipient]
    ) -> list[DeliveryResult]:
        """The segment's shared headers are folded once (``WireTemplate``); SMTPUTF8 is
        asked for a reader whose address is not ASCII."""
        wire = WireTemplate(template)
        return self._send_all(
            [
                _Wire(wire, r) if r.email.isascii() else _Mime(expand(template, r))
                for r in recipients
            ]
        )

    def _send_all(self, outgoing: Sequence[_Outgoing]) -> list[DeliveryResult]:
        opened_here = not self._held
        connection: smtplib.SMTP | None = self._take()
        try:
            results = []
            for one in outgoing:
                result, connection = self._send_one(connection, one)
                results.append(result)
            return results
        finally:
            if connection is not None:
                self._give_back(connection)
            if opened_here:
                self.close()

    def _take(self) -> smtplib.SMTP:
        with self._pool:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _give_back(self, connection: smtplib.SMTP) -> None:
        with self._pool:
            self._idle.append(connection)

    def _send_one(
        self, connection: smtplib.SMTP | None, message: _Outgoing
    ) -> tuple[DeliveryResult, smtplib.SMTP | None]:
        """The result, and the connection to go on with (``None`` once it is gone)."""
        sender = message.sender
        wire = message.data()
        if self.dkim is not None:
            wire = self.dkim.sign(wire)
        options = _mail_options(sender, message.to)
        for attempt in (1, 2):
            if connection is None:
                connection = self._connect()  # raises DeliveryError if the server is gone
            try:
                assert isinstance(connection, _TrackedSMTP)
                connection.data_sent = False
                connection.sendmail(sender, [message.to], wire, mail_options=options)
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = exc.recipients.get(message.to, (0, b"refused"))
                return DeliveryResult(message.to, "failed", detail=_reply(code, text)), connection
            except smtplib.SMTPSenderRefused as exc:
                _hang_up(connection)
                raise DeliveryError(
                    f"{self.destination} refused the sender {sender}: "
                    f"{_reply(exc.smtp_code, exc.smtp_error)}; check newsletter.sender"
                ) from None
            except smtplib.SMTPResponseException as exc:  # the message itself was refused
                detail = _reply(exc.smtp_code, exc.smtp_error)
                return DeliveryResult(message.to, "failed", detail=detail), connection
            except smtplib.SMTPServerDisconnected as exc:
                dropped: BaseException = exc
            except smtplib.SMTPException as exc:  # e.g. an address the server cannot take
                detail = f"{type(exc).__name__}: {exc}"
                return DeliveryResult(message.to, "failed", detail=detail), connection
            except OSError as exc:  # reset, timeout, TLS failure: the connection is gone
                dropped = exc
            else:
                sent = DeliveryResult(message.to, "sent", provider_id=message.message_id)
                return sent, connection
            handed_over = isinstance(connection, _TrackedSMTP) and connection.data_sent
            _hang_up(connection)  # the next message gets a new connection
            connection = None
            if handed_over:  # after the end of DATA the server may have taken it: never twice
                return self._in_doubt(message, dropped), None
            if attempt == 2:
                break
        detail = f"{self.destination} dropped the connection twice: {dropped}"
        return DeliveryResult(message.to, "failed", detail=detail), None

    def _in_doubt(self, message: _Outgoing, exc: BaseException) -> DeliveryResult:
        detail = LOST_REPLY_DETAIL.format(where=self.destination, what=f"{type(exc).__name__}")
        return DeliveryResult(
            message.to,
            "in_doubt",
            provider_id=message.message_id,
            detail=detail,
            reason=DeliveryReason.IN_DOUBT,
        )

    def _connect(self) -> smtplib.SMTP:
        connection = None
        try:
            connection = self._dial()
            if self._username and self._password:
                connection.login(self._username, self._password)
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            if connection is not None:
                connection.close()
            raise self._connect_error(exc) from None
        with self._pool:
            self.connections_opened += 1
        return connection

    def _connect_error(self, exc: BaseException) -> DeliveryError:
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return DeliveryError(
                f"{self.destination} refused the login for {self._username!r}: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}; check the credentials' "
                "environment variables"
            )
        return DeliveryError(
            f"cannot connect to {self.destination}: {type(exc).__name__}: {exc}; check "
            "delivery.options host, port and security"
        )

    def _dial(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        if self.security == "tls":
            return _TrackedSMTPSSL(self.host, self.port, timeout=self.timeout, context=context)
        connection = _TrackedSMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            connection.starttls(context=context)
            connection.ehlo()
        return connection


class _Outgoing(Protocol):
    """One message as the connection sends it: its bytes and envelope."""

    to: str
    sender: str
    message_id: str

    def data(self) -> bytes: ...


class _Mime:
    """A message built by ``build_mime`` (per-message sends)."""

    def __init__(self, message: OutgoingEmail) -> None:
        self.to, self.message_id = message.to, message.message_id
        self.sender = email.utils.parseaddr(message.sender)[1]
        self._message = message

    def data(self) -> bytes:
        return build_mime(self._message).as_bytes()


class _Wire:
    """A segment's reader, serialized from the segment's ``WireTemplate``."""

    def __init__(self, wire: WireTemplate, recipient: Recipient) -> None:
        self.to, self.sender = recipient.email, wire.sender
        self._wire, self._recipient = wire, recipient
        self.message_id = ""

    def data(self) -> bytes:
        data, self.message_id = self._wire.message(self._recipient)
        return data


def _hang_up(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()  # the server is gone already; nothing left to release


def _mail_options(*addresses: str) -> list[str]:
    """What smtplib's send_message would ask for: SMTPUTF8 for a non-ASCII address."""
    if all(a.isascii() for a in addresses):
        return []
    return ["SMTPUTF8", "BODY=8BITMIME"]


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}".strip()
