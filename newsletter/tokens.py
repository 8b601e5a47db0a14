"""Signed tokens for per-recipient links (unsubscribe, preferences, confirmation, feedback).

A token names a reader by their row id, never by address: a forwarded issue or a proxy log
shows nobody who it was sent to. Layout (then base64url without padding, 19-27 characters):

    1 byte   purpose (high nibble) and the length of the id in bytes (low nibble)
    n bytes  the reader's row id, big-endian
    4 bytes  issued-at, seconds (confirmation links only: they expire)
    12 bytes keyed BLAKE2s (RFC 7693) of the bytes above (96 bits: forging one takes ~2^95 tries
             against the web app, which answers each one over the network)

The purpose is inside what is signed: an unsubscribe token does not pass for a feedback
token ("more like this", twice per paper, ``feedback_token``) nor the other way round.
The key is derived from the signing secret for this use alone. Tokens of the previous release
(itsdangerous-style JSON with the address, three dot-separated parts) are still accepted, so
every link already sent keeps working; new links are never made in that form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass
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
_CODES: dict[Purpose, int] = {"unsubscribe": 1, "preferences": 2, "confirm": 3, "feedback": 4}
_MAC_BYTES = 12
_STAMP_BYTES = 4
FEEDBACK_TOKEN_CHARS = 28  # 1 + 8 (a 64-bit row id) + 12 bytes, in base64url

SALT = "newsletter-links"  # the previous release's tokens (itsdangerous salt)


@dataclass(frozen=True, slots=True)
class LinkHolder:
    """Who a valid token was made for: a reader's row id (every new token) or, for a token
    of the previous release, the address it carried."""

    reader_id: int | None = None
    email: str | None = None


class TokenSigner:
    """Signs and checks link tokens; one per run (pipeline) and one per web app."""

    def __init__(self, secret: str) -> None:
        self._legacy = URLSafeTimedSerializer(secret, salt=SALT)
        self._key = hashlib.sha256(b"newsletter-link-token-v2\x00" + secret.encode()).digest()

    def sign(self, reader_id: int, purpose: Purpose) -> str:
        """A token for the reader with this row id, good for ``purpose`` only."""
        size = max(1, (reader_id.bit_length() + 7) // 8)
        body = bytes([_CODES[purpose] << 4 | size]) + reader_id.to_bytes(size, "big")
        if MAX_AGE[purpose] is not None:
            body += int(time.time()).to_bytes(_STAMP_BYTES, "big")
        return _b64(body + self._digest(body))

    def verify(self, token: str, purpose: Purpose) -> LinkHolder:
        """Who the token was made for; ``TokenError`` if forged, tampered, truncated,
        expired or made for another purpose."""
        if "." in token:
            return LinkHolder(email=self._verify_legacy(token, purpose))
        raw = _unb64(token)
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, self._digest(body)):
            raise TokenError("this link is not valid")
        code, size = body[0] >> 4, body[0] & 0x0F
        stamped = MAX_AGE[purpose] is not None
        if code != _CODES[purpose] or len(body) != 1 + size + _STAMP_BYTES * stamped:
            raise TokenError("this link is not valid")
        max_age = MAX_AGE[purpose]
        if max_age is not None:
            issued = int.from_bytes(body[1 + size :], "big")
            if time.time() - issued > max_age:
                raise TokenError("this link has expired")
        return LinkHolder(reader_id=int.from_bytes(body[1 : 1 + size], "big"))

    def feedback_token(self, reader_id: int) -> str:
        """The token of a reader's "more / less like this" links (the paper id follows it)."""
        return self.sign(reader_id, "feedback")

    def feedback_reader(self, token: str) -> int:
        """The row id of the reader a feedback token was made for; ``TokenError`` if forged,
        tampered, truncated or made for another purpose (an unsubscribe token, say). There
        never were feedback tokens of the previous release."""
        holder = self.verify(token, "feedback") if "." not in token else LinkHolder()
        if holder.reader_id is None:
            raise TokenError("this link is not valid")
        return holder.reader_id

    def links(self, base_url: str, reader_id: int) -> dict[str, str]:
        """The per-recipient URLs that fill a rendered issue's placeholders."""
        base = base_url.rstrip("/")
        return {
            "unsubscribe_url": f"{base}/unsubscribe/{self.sign(reader_id, 'unsubscribe')}",
            "preferences_url": f"{base}/preferences/{self.sign(reader_id, 'preferences')}",
        }

    def _digest(self, body: bytes) -> bytes:
        # BLAKE2 is a MAC when keyed (no HMAC construction needed) and a third of the cost
        # of HMAC-SHA256 here: two links a reader, a million readers a run.
        return hashlib.blake2s(body, key=self._key, digest_size=_MAC_BYTES).digest()

    def _verify_legacy(self, token: str, purpose: Purpose) -> str:
        """An itsdangerous token of the previous release: ``{"e": address, "p": purpose}``."""
        try:
            data = self._legacy.loads(token, max_age=MAX_AGE[purpose])
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


def link_path(kind: str, token: str) -> str:
    """``/<kind>/<token>``; new tokens are URL-safe already, old ones are quoted."""
    return f"/{kind}/{quote(token)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(token: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("this link is not valid") from exc
