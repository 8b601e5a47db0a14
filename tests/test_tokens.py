"""Link tokens: opaque, purpose-bound, signed; the previous release's tokens still work."""

from __future__ import annotations

import base64
import time
import timeit
from unittest import mock

import pytest
from itsdangerous import URLSafeTimedSerializer

from newsletter.errors import TokenError
from newsletter.tokens import SALT, LinkHolder, TokenSigner


def test_token_round_trip_and_purpose_is_bound() -> None:
    signer = TokenSigner("s3cret")
    token = signer.sign(42, "unsubscribe")
    assert signer.verify(token, "unsubscribe") == LinkHolder(reader_id=42)
    for other in ("preferences", "confirm"):
        with pytest.raises(TokenError, match="not valid"):
            signer.verify(token, other)  # type: ignore[arg-type]


def test_new_token_is_short_url_safe_and_holds_nothing_readable() -> None:
    signer = TokenSigner("s3cret")
    for reader_id in (1, 300, 70_000, 2_000_000_000):
        for purpose in ("unsubscribe", "preferences", "confirm"):
            token = signer.sign(reader_id, purpose)  # type: ignore[arg-type]
            assert 19 <= len(token) <= 30
            assert set(token) <= set(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            )
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            # A kind byte, the row id in binary, a time stamp for confirmations, the MAC.
            size = (reader_id.bit_length() + 7) // 8
            assert len(raw) == 1 + size + 4 * (purpose == "confirm") + 12
            assert int.from_bytes(raw[1 : 1 + size], "big") == reader_id
            assert b"@" not in raw[: 1 + size] and purpose.encode() not in raw


def test_forged_tampered_truncated_and_foreign_tokens_are_refused() -> None:
    signer = TokenSigner("s3cret")
    token = signer.sign(7, "unsubscribe")
    flipped = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    body_changed = token[:1] + ("B" if token[1] != "B" else "C") + token[2:]
    for bad in (flipped, body_changed, token[:-1], token[:-4], token[:3], "", "!!!!", "A" * 40):
        with pytest.raises(TokenError, match="not valid"):
            signer.verify(bad, "unsubscribe")
    with pytest.raises(TokenError, match="not valid"):
        TokenSigner("other").verify(token, "unsubscribe")


def test_confirmation_links_expire_after_three_days() -> None:
    signer = TokenSigner("s3cret")
    with mock.patch("newsletter.tokens.time.time", return_value=time.time() - 4 * 86400):
        old = signer.sign(5, "confirm")
    assert signer.verify(signer.sign(5, "confirm"), "confirm").reader_id == 5
    with pytest.raises(TokenError, match="expired"):
        signer.verify(old, "confirm")


def test_previous_release_tokens_still_verify_with_their_purpose() -> None:
    legacy = URLSafeTimedSerializer("s3cret", salt=SALT)
    token = str(legacy.dumps({"e": "zoë@exämple.org", "p": "unsubscribe"}))
    signer = TokenSigner("s3cret")
    assert signer.verify(token, "unsubscribe") == LinkHolder(email="zoë@exämple.org")
    with pytest.raises(TokenError, match="not valid"):
        signer.verify(token, "preferences")
    with pytest.raises(TokenError, match="not valid"):
        TokenSigner("other").verify(token, "unsubscribe")


def test_signing_takes_a_few_microseconds() -> None:
    signer = TokenSigner("s3cret")
    seconds = min(timeit.repeat(lambda: signer.sign(123_456, "unsubscribe"), number=2000, repeat=3))
    assert seconds / 2000 < 20e-6  # a few microseconds here; bounded loosely for a busy CI


def test_feedback_tokens_name_a_row_and_pass_for_nothing_else() -> None:
    signer = TokenSigner("s3cret")
    token = signer.feedback_token(42)
    assert signer.feedback_reader(token) == 42
    with pytest.raises(TokenError):  # a feedback token does not unsubscribe...
        signer.verify(token, "unsubscribe")
    for other in ("unsubscribe", "preferences", "confirm"):  # ...nor the other way round
        with pytest.raises(TokenError, match="not valid"):
            signer.feedback_reader(signer.sign(42, other))  # type: ignore[arg-type]
    legacy = str(URLSafeTimedSerializer("s3cret", salt=SALT).dumps({"e": "a@b.org", "p": "x"}))
    for bad in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), token[:8], "%%", legacy):
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
