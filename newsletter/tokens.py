"""Signed tokens for per-recipient links (unsubscribe, preferences, confirmation, feedback).

A token carries the address and what it allows; it is signed with the signing secret, so a
forged or tampered one is refused without revealing whether the address exists.

Feedback links ("more like this", twice per paper) name the reader by their row id instead,
in a compact token (``feedback_token``; then base64url, at most ``FEEDBACK_TOKEN_CHARS``):

    1 byte   purpose (high nibble) and the length of the id in bytes (low nibble)
    n bytes  the reader's row id, big-endian
    12 bytes HMAC-SHA256 of the bytes above, truncated (96 bits)

A token of one purpose never passes for another: the purpose is inside what is signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Literal
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from newsletter.errors import TokenError

Purpose = Literal["unsubscribe", "preferences", "confirm", "feedback"]
# Confirmation links expire; links in sent issues must work for as long as the issue is kept.
MAX_AGE: dict[Purpose, int | None] = {
    "unsubscribe": None,
    "preferences": None,
    "confirm": 3 * 86400,
    "feedback": None,
}
_FEEDBACK_CODE = 4  # the purpose nibble of a feedback token
_MAC_BYTES = 12
FEEDBACK_TOKEN_CHARS = 28  # 1 + 8 (a 64-bit row id) + 12 bytes, in base64url


SALT = "newsletter-links"


class TokenSigner:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        # The same key itsdangerous derives ("django-concat": sha1(salt + "signer" + secret)),
        # kept as a ready HMAC so that signing 200,000 links for a large list stays cheap.
        key = hashlib.sha1(SALT.encode() + b"signer" + secret.encode()).digest()
        self._mac = hmac.new(key, digestmod=hashlib.sha1)
        compact = hashlib.sha256(b"newsletter-link-token-v2\x00" + secret.encode()).digest()
        self._compact = hmac.new(compact, digestmod=hashlib.sha256)

    def sign(self, email: str, purpose: Purpose) -> str:
        """What ``URLSafeTimedSerializer.dumps`` makes, minus its zlib attempt (which never
        shortens a payload this small); ``verify`` (itsdangerous) reads it unchanged."""
        payload = json.dumps({"e": email, "p": purpose}, ensure_ascii=False, separators=(",", ":"))
        stamp = int(time.time()).to_bytes(8, "big").lstrip(b"\x00")
        value = _b64(payload.encode()) + b"." + _b64(stamp)
        mac = self._mac.copy()
        mac.update(value)
        return (value + b"." + _b64(mac.digest())).decode("ascii")

    def verify(self, token: str, purpose: Purpose) -> str:
        """The address the token was made for; ``TokenError`` otherwise."""
        try:
            data = self._serializer.loads(token, max_age=MAX_AGE[purpose])
        except SignatureExpired as exc:
            raise TokenError("this link has expired") from exc
        except BadSignature as exc:
            raise TokenError("this link is not valid") from exc
        if (
            not isinstance(data, dict)
            or data.get("p") != purpose
            or not isinstance(data.get("e"), str)
        ):
            raise TokenError("this link is not valid")
        return str(data["e"])

    def feedback_token(self, reader_id: int) -> str:
        """The token of a reader's "more / less like this" links (the paper id follows it)."""
        size = max(1, (reader_id.bit_length() + 7) // 8)
        body = bytes([_FEEDBACK_CODE << 4 | size]) + reader_id.to_bytes(size, "big")
        return _b64(body + self._compact_digest(body)).decode("ascii")

    def feedback_reader(self, token: str) -> int:
        """The row id of the reader a feedback token was made for; ``TokenError`` if forged,
        tampered, truncated or made for another purpose (an unsubscribe token, say)."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError) as exc:
            raise TokenError("this link is not valid") from exc
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, self._compact_digest(body)):
            raise TokenError("this link is not valid")
        code, size = body[0] >> 4, body[0] & 0x0F
        if code != _FEEDBACK_CODE or len(body) != 1 + size:
            raise TokenError("this link is not valid")
        return int.from_bytes(body[1:], "big")

    def _compact_digest(self, body: bytes) -> bytes:
        mac = self._compact.copy()
        mac.update(body)
        return mac.digest()[:_MAC_BYTES]

    def links(self, base_url: str, email: str) -> dict[str, str]:
        """The per-recipient URLs that fill a rendered issue's placeholders."""
        base = base_url.rstrip("/")
        return {
            "unsubscribe_url": f"{base}/unsubscribe/{quote(self.sign(email, 'unsubscribe'))}",
            "preferences_url": f"{base}/preferences/{quote(self.sign(email, 'preferences'))}",
        }


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")
