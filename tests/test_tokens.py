"""Signed per-recipient tokens."""

from __future__ import annotations

import pytest

from newsletter.errors import TokenError
from newsletter.tokens import TokenSigner


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


def test_fast_signing_matches_itsdangerous_byte_for_byte() -> None:
    from itsdangerous import URLSafeTimedSerializer

    from newsletter.tokens import SALT

    signer = TokenSigner("s3cret")
    reference = URLSafeTimedSerializer("s3cret", salt=SALT)
    for email in ("ada@example.org", "zoë@exämple.org", "a" * 60 + "@example.org"):
        ours = signer.sign(email, "unsubscribe")
        assert reference.loads(ours) == {"e": email, "p": "unsubscribe"}
        theirs = reference.dumps({"e": email, "p": "unsubscribe"})
        if not theirs.startswith("."):  # itsdangerous compressed it: same content, other form
            assert ours.split(".")[0] == theirs.split(".")[0]


def test_feedback_tokens_name_a_row_and_pass_for_nothing_else() -> None:
    signer = TokenSigner("s3cret")
    token = signer.feedback_token(42)
    assert signer.feedback_reader(token) == 42
    with pytest.raises(TokenError):  # a feedback token does not unsubscribe...
        signer.verify(token, "unsubscribe")
    for other in ("unsubscribe", "preferences", "confirm"):  # ...nor the other way round
        with pytest.raises(TokenError, match="not valid"):
            signer.feedback_reader(signer.sign("ada@example.org", other))  # type: ignore[arg-type]
    for bad in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), token[:8], "", "%%"):
        with pytest.raises(TokenError, match="not valid"):
            signer.feedback_reader(bad)
    with pytest.raises(TokenError, match="not valid"):
        TokenSigner("other").feedback_reader(token)


def test_the_largest_feedback_token_fits_what_the_size_budget_reserves() -> None:
    from newsletter.render.budget import FEEDBACK_TOKEN_RESERVE
    from newsletter.tokens import FEEDBACK_TOKEN_CHARS

    largest = TokenSigner("s3cret").feedback_token(2**64 - 1)
    assert len(largest) == FEEDBACK_TOKEN_CHARS <= FEEDBACK_TOKEN_RESERVE
    assert largest.replace("-", "").replace("_", "").isalnum()  # URL-safe as it is
