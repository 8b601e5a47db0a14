"""The subscribers store on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.errors import InvalidEmailError
from newsletter.models import SubscriberStatus
from newsletter.store import open_database
from newsletter.store.settings import signing_secret
from newsletter.store.subscribers import (
    active_subscribers,
    get_subscriber,
    remove_subscriber,
    set_status,
    upsert_subscriber,
)


@pytest.fixture
def engine(tmp_path: Path):
    return open_database(f"sqlite:///{tmp_path / 'store.db'}")


def test_addresses_are_normalized_so_one_reader_is_one_row(engine) -> None:
    upsert_subscriber(engine, "Ada@EXAMPLE.org", name="Ada")
    upsert_subscriber(engine, "Ada@example.org ", topics=["Agents and tool use"])
    readers = active_subscribers(engine)
    assert len(readers) == 1
    assert readers[0].email == "Ada@example.org"
    assert readers[0].name == "Ada"
    assert readers[0].topics == frozenset({"Agents and tool use"})


def test_invalid_address_is_refused_with_reason(engine) -> None:
    with pytest.raises(InvalidEmailError, match="not a valid email address"):
        upsert_subscriber(engine, "not-an-address")


def test_unsubscribed_readers_are_not_active(engine) -> None:
    upsert_subscriber(engine, "a@example.org")
    upsert_subscriber(engine, "b@example.org")
    assert set_status(engine, "b@example.org", SubscriberStatus.UNSUBSCRIBED)
    assert [s.email for s in active_subscribers(engine)] == ["a@example.org"]
    got = get_subscriber(engine, "b@example.org")
    assert got is not None and got.status is SubscriberStatus.UNSUBSCRIBED
    assert not set_status(engine, "nobody@example.org", SubscriberStatus.BOUNCED)
    assert remove_subscriber(engine, "a@example.org")
    assert get_subscriber(engine, "a@example.org") is None


def test_signing_secret_is_generated_once_and_kept(engine) -> None:
    first = signing_secret(engine, None)
    assert len(first) >= 32
    assert signing_secret(engine, None) == first
    assert signing_secret(engine, "from-the-environment") == "from-the-environment"
