"""Tokens as an attacker, the previous release or the passage of time would make them."""

from __future__ import annotations

import time
from unittest import mock

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from newsletter.store.settings import signing_secret
from newsletter.store.subscribers import get_subscriber
from newsletter.tokens import Purpose, TokenSigner

UNKNOWN_ID = 987_654_321  # no test database has this many readers


class _FourDaysAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 4 * 86400


def row_id(engine, email: str) -> int:
    """The reader's row id; an id nobody has for an address the database does not know."""
    reader = get_subscriber(engine, email)
    return reader.id if reader is not None and reader.id is not None else UNKNOWN_ID


def expired_token(engine, email: str, purpose: Purpose) -> str:
    """A genuine token signed four days ago (confirmation links live three)."""
    signer = TokenSigner(signing_secret(engine, None))
    with mock.patch("newsletter.tokens.time.time", return_value=time.time() - 4 * 86400):
        return signer.sign(row_id(engine, email), purpose)


def expired_legacy_token(engine, email: str, purpose: Purpose) -> str:
    """The previous release's form of a token signed four days ago."""
    serializer = URLSafeTimedSerializer(
        signing_secret(engine, None), salt="newsletter-links", signer=_FourDaysAgo
    )
    return str(serializer.dumps({"e": email, "p": purpose}))


def legacy_token(engine, email: str, purpose: Purpose) -> str:
    """A token as the previous release made it: itsdangerous, the address inside."""
    serializer = URLSafeTimedSerializer(signing_secret(engine, None), salt="newsletter-links")
    return str(serializer.dumps({"e": email, "p": purpose}))


def forged_token(engine, email: str, purpose: Purpose) -> str:
    """A well-formed token signed with a secret that is not ours."""
    return TokenSigner("not-the-secret").sign(row_id(engine, email), purpose)


def real_token(engine, email: str, purpose: Purpose) -> str:
    return TokenSigner(signing_secret(engine, None)).sign(row_id(engine, email), purpose)
