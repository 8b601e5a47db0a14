"""Who gets an issue: YAML readers synced into the database, the database deciding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newsletter.models import Subscriber, SubscriberStatus
from newsletter.store import open_database
from newsletter.store.audience import find_reader, mailing_list
from newsletter.store.db import IssueRow
from newsletter.store.issues import get_or_create_issue, save_archive
from newsletter.store.subscribers import set_status, upsert_subscriber

LISTED = [
    Subscriber("ada@example.org", name="Ada"),
    Subscriber("grace@EXAMPLE.org", topics=frozenset({"Agents"})),
    Subscriber("alan@example.org"),
]


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def test_database_decides_for_addresses_it_knows(url: str) -> None:
    engine = open_database(url)
    upsert_subscriber(engine, "grace@example.org", topics=["Vision"], origin="web")  # her choice
    upsert_subscriber(engine, "alan@example.org")
    set_status(engine, "alan@example.org", SubscriberStatus.BOUNCED)
    upsert_subscriber(engine, "web@example.org", origin="web")
    upsert_subscriber(engine, "paused@example.org", status=SubscriberStatus.PAUSED)
    upsert_subscriber(engine, "pending@example.org", status=SubscriberStatus.PENDING)
    readers = {r.email: r for r in mailing_list(url, LISTED)}
    assert {e: r.topics for e, r in readers.items()} == {
        "ada@example.org": None,
        "grace@example.org": frozenset({"Vision"}),  # the YAML's "Agents" does not override
        "web@example.org": None,
    }
    assert readers["ada@example.org"].name == "Ada"


def test_yaml_topics_apply_until_the_reader_chooses(url: str) -> None:
    engine = open_database(url)
    mailing_list(url, LISTED)
    upsert_subscriber(engine, "ada@example.org", topics=["Agents"])  # an operator, not Ada
    readers = {r.email: r.topics for r in mailing_list(url, LISTED)}
    assert readers["ada@example.org"] is None  # the YAML says every topic


def test_duplicates_in_yaml_are_mailed_once(url: str) -> None:
    twice = [Subscriber("a@example.org"), Subscriber("a@EXAMPLE.ORG")]
    assert len(mailing_list(url, twice)) == 1


def test_find_reader_prefers_database_then_yaml(url: str) -> None:
    engine = open_database(url)
    assert find_reader(engine, LISTED, "ada@example.org").status is SubscriberStatus.ACTIVE
    upsert_subscriber(engine, "ada@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    assert find_reader(engine, LISTED, "ada@example.org").status is SubscriberStatus.UNSUBSCRIBED
    assert find_reader(engine, LISTED, "nobody@example.org") is None


def test_archive_keeps_one_rendering_per_day(url: str) -> None:
    engine = open_database(url)
    issue_id = get_or_create_issue(engine, "Daily Papers", dt.date(2025, 10, 3))
    save_archive(engine, issue_id, "S1", "<p>1</p>", "1")
    again = get_or_create_issue(engine, "Daily Papers", dt.date(2025, 10, 3))
    save_archive(engine, again, "S2", "<p>2</p>", "2")
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        rows = list(session.scalars(select(IssueRow)))
    assert [(r.subject, r.html) for r in rows] == [("S2", "<p>2</p>")]
