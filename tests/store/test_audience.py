"""Who gets an issue: YAML readers merged with the database, the database deciding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newsletter.models import Issue, Subscriber, SubscriberStatus
from newsletter.render import RenderedIssue
from newsletter.store import open_database
from newsletter.store.audience import find_reader, keep_archive, mailing_list, merge_readers
from newsletter.store.db import IssueRow
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
    upsert_subscriber(engine, "grace@example.org", topics=["Vision"])  # chose on the web
    upsert_subscriber(engine, "alan@example.org")
    set_status(engine, "alan@example.org", SubscriberStatus.BOUNCED)
    upsert_subscriber(engine, "web@example.org", origin="web")
    upsert_subscriber(engine, "paused@example.org", status=SubscriberStatus.PAUSED)
    upsert_subscriber(engine, "pending@example.org", status=SubscriberStatus.PENDING)
    readers = mailing_list(url, LISTED)
    assert [(r.email, r.topics) for r in readers] == [
        ("ada@example.org", None),
        ("grace@EXAMPLE.org", frozenset({"Vision"})),
        ("web@example.org", None),
    ]
    assert readers[0].name == "Ada"


def test_duplicates_in_yaml_are_mailed_once() -> None:
    twice = [Subscriber("a@example.org"), Subscriber("a@EXAMPLE.ORG")]
    assert len(merge_readers(twice, [])) == 1


def test_find_reader_prefers_database_then_yaml(url: str) -> None:
    engine = open_database(url)
    assert find_reader(engine, LISTED, "ada@example.org").status is SubscriberStatus.ACTIVE
    upsert_subscriber(engine, "ada@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    assert find_reader(engine, LISTED, "ada@example.org").status is SubscriberStatus.UNSUBSCRIBED
    assert find_reader(engine, LISTED, "nobody@example.org") is None


def test_keep_archive_stores_the_rendering_once_per_day(url: str) -> None:
    issue = Issue("Daily Papers", dt.date(2025, 10, 3), [])
    keep_archive(url, issue, RenderedIssue("S1", "", "<p>1</p>", "1"))
    keep_archive(url, issue, RenderedIssue("S2", "", "<p>2</p>", "2"))
    keep_archive(url, issue, None)  # no papers for anyone: nothing to keep
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(open_database(url)) as session:
        rows = list(session.scalars(select(IssueRow)))
    assert [(r.subject, r.html) for r in rows] == [("S2", "<p>2</p>")]
