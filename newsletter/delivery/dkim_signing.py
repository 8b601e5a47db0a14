"""DKIM signatures for the smtp backend (dkimpy), so mail relayed through a reader's own
server passes DMARC like SendGrid's does (SendGrid signs itself after domain authentication).

Relaxed/relaxed canonicalization survives the header refolding and whitespace changes that
relays make; the signed headers are the ones a receiver shows or acts on, List-Unsubscribe
and List-Unsubscribe-Post included, as Gmail and Yahoo ask for one-click unsubscribe.
"""

from __future__ import annotations

from dataclasses import dataclass

import dkim

from newsletter.errors import DeliveryError

SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Reply-To",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@dataclass(frozen=True, slots=True)
class DkimSigner:
    """Signs a message as ``domain`` with the key published at ``selector._domainkey``."""

    domain: str
    selector: str
    private_key: bytes  # PEM, read from the environment variable the config names

    def sign(self, message: bytes) -> bytes:
        """``message`` with a DKIM-Signature header in front."""
        present = [h for h in SIGNED_HEADERS if _has_header(message, h)]
        try:
            signature: bytes = dkim.sign(
                message,
                self.selector.encode("ascii"),
                self.domain.encode("ascii"),
                self.private_key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[h.encode("ascii") for h in present],
            )
        except dkim.DKIMException as exc:  # a malformed key, never the key itself in text
            raise DeliveryError(
                f"DKIM signing as {self.selector}._domainkey.{self.domain} failed: "
                f"{type(exc).__name__}; check the private key in delivery.options.dkim"
            ) from None
        return signature + message


def _has_header(message: bytes, name: str) -> bool:
    head = message.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    wanted = name.lower().encode("ascii") + b":"
    return any(line.lower().startswith(wanted) for line in head.splitlines())
