"""Signed per-recipient tokens."""

from __future__ import annotations

import pytest

from newsletter.tokens import TokenError, TokenSigner


def test_token_round_trip_and_purpose_is_bound() -> None:
    signer = TokenSigner("s3cret")
    token = signer.sign("ada@example.org", "unsubscribe")
    assert signer.verify(token, "unsubscribe") == "ada@example.org"
    with pytest.raises(TokenError):
        signer.verify(token, "preferences")


def test_tampered_or_foreign_tokens_are_refused() -> None:
    signer = TokenSigner("s3cret")
    token = signer.sign("ada@example.org", "unsubscribe")
    with pytest.raises(TokenError, match="not valid"):
        signer.verify(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "unsubscribe")
    with pytest.raises(TokenError, match="not valid"):
        TokenSigner("other").verify(token, "unsubscribe")
