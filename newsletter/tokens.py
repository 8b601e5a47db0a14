"""Signed tokens for per-recipient links (unsubscribe, preferences, confirmation).

A token carries the address and what it allows; it is signed with the signing secret, so a
forged or tampered one is refused without revealing whether the address exists.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

Purpose = Literal["unsubscribe", "preferences", "confirm"]
# Confirmation links expire; links in sent issues must work for as long as the issue is kept.
MAX_AGE: dict[Purpose, int | None] = {
    "unsubscribe": None,
    "preferences": None,
    "confirm": 3 * 86400,
}


class TokenError(ValueError):
    """A token that is forged, tampered, expired or for another purpose."""


class TokenSigner:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="newsletter-links")

    def sign(self, email: str, purpose: Purpose) -> str:
        return self._serializer.dumps({"e": email, "p": purpose})

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

    def links(self, base_url: str, email: str) -> dict[str, str]:
        """The per-recipient URLs that fill a rendered issue's placeholders."""
        base = base_url.rstrip("/")
        return {
            "unsubscribe_url": f"{base}/unsubscribe/{quote(self.sign(email, 'unsubscribe'))}",
            "preferences_url": f"{base}/preferences/{quote(self.sign(email, 'preferences'))}",
        }
