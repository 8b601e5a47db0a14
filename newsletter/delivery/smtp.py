"""``smtp`` backend: smtplib, plain / STARTTLS / implicit TLS, one connection per run.

Like Django's SMTP backend, ``send_messages`` closes only a connection it opened itself, so
the pipeline (which opens the backend once) reuses one connection for the whole run. A
dropped connection is reopened and the message tried once more. A refused recipient fails
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from newsletter.delivery.base import EmailBackend
from newsletter.delivery.dkim_signing import DkimSigner
from newsletter.delivery.message import build_mime
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
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.timeout = timeout
        self.ca_file = ca_file
        self.dkim = dkim
        self.connections_opened = 0  # for tests and benches: proves the connection is reused
        self._username, self._password = username, password
        self._connection: smtplib.SMTP | None = None

    @property
    def destination(self) -> str:
        return f"SMTP {self.host}:{self.port} ({SECURITY_NAMES[self.security]})"

    def open(self) -> None:
        if self._connection is None:
            self._connection = self._connect()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()  # the server is gone already; nothing left to release

    def send_messages(self, messages: Sequence[OutgoingEmail]) -> list[DeliveryResult]:
        opened_here = self._connection is None
        self.open()
        try:
            return [self._send_one(message) for message in messages]
        finally:
            if opened_here:
                self.close()

    def _send_one(self, message: OutgoingEmail) -> DeliveryResult:
        wire = build_mime(message).as_bytes()
        if self.dkim is not None:
            wire = self.dkim.sign(wire)
        sender = email.utils.parseaddr(message.sender)[1]
        for attempt in (1, 2):
            self.open()  # after a message in doubt the connection was closed
            try:
                assert isinstance(self._connection, _TrackedSMTP)
                self._connection.data_sent = False
                options = _mail_options(sender, message.to)
                self._connection.sendmail(sender, [message.to], wire, mail_options=options)
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = exc.recipients.get(message.to, (0, b"refused"))
                return DeliveryResult(message.to, "failed", detail=_reply(code, text))
            except smtplib.SMTPSenderRefused as exc:
                raise DeliveryError(
                    f"{self.destination} refused the sender {sender}: "
                    f"{_reply(exc.smtp_code, exc.smtp_error)}; check newsletter.sender"
                ) from None
            except smtplib.SMTPResponseException as exc:  # the message itself was refused
                detail = _reply(exc.smtp_code, exc.smtp_error)
                return DeliveryResult(message.to, "failed", detail=detail)
            except smtplib.SMTPServerDisconnected as exc:
                if self._handed_over():
                    return self._in_doubt(message, exc)
                if attempt == 2:
                    return self._dropped_twice(message, exc)
            except smtplib.SMTPException as exc:  # e.g. an address the server cannot take
                return DeliveryResult(message.to, "failed", detail=f"{type(exc).__name__}: {exc}")
            except OSError as exc:  # reset, timeout, TLS failure: the connection is gone
                if self._handed_over():
                    return self._in_doubt(message, exc)
                if attempt == 2:
                    return self._dropped_twice(message, exc)
            else:
                return DeliveryResult(message.to, "sent", provider_id=message.message_id)
            self.close()
            self.open()  # raises DeliveryError if the server is gone for good
        raise AssertionError("unreachable")

    def _handed_over(self) -> bool:
        return isinstance(self._connection, _TrackedSMTP) and self._connection.data_sent

    def _in_doubt(self, message: OutgoingEmail, exc: BaseException) -> DeliveryResult:
        self.close()  # the next message gets a new connection
        detail = LOST_REPLY_DETAIL.format(where=self.destination, what=f"{type(exc).__name__}")
        return DeliveryResult(
            message.to,
            "in_doubt",
            provider_id=message.message_id,
            detail=detail,
            reason=DeliveryReason.IN_DOUBT,
        )

    def _dropped_twice(self, message: OutgoingEmail, exc: BaseException) -> DeliveryResult:
        self.close()
        detail = f"{self.destination} dropped the connection twice: {exc}"
        return DeliveryResult(message.to, "failed", detail=detail)

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


def _mail_options(*addresses: str) -> list[str]:
    """What smtplib's send_message would ask for: SMTPUTF8 for a non-ASCII address."""
    if all(a.isascii() for a in addresses):
        return []
    return ["SMTPUTF8", "BODY=8BITMIME"]


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}".strip()
