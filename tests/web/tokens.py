"""Tokens as an attacker or the passage of time would make them."""

from __future__ import annotations

import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from newsletter.store.settings import signing_secret
from newsletter.tokens import Purpose, TokenSigner


class _FourDaysAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 4 * 86400


def expired_token(engine, email: str, purpose: Purpose) -> str:
    """A genuine token signed four days ago (confirmation links live three)."""
    serializer = URLSafeTimedSerializer(
        signing_secret(engine, None), salt="newsletter-links", signer=_FourDaysAgo
    )
    return str(serializer.dumps({"e": email, "p": purpose}))


def forged_token(email: str, purpose: Purpose) -> str:
    """A well-formed token signed with a secret that is not ours."""
    return TokenSigner("not-the-secret").sign(email, purpose)


def real_token(engine, email: str, purpose: Purpose) -> str:
    return TokenSigner(signing_secret(engine, None)).sign(email, purpose)
