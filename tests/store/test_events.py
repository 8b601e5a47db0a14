"""Webhook events applied to the store: once per sg_event_id, never softening a stop."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsletter.models import SubscriberStatus
from newsletter.store.db import WebhookEventRow
from newsletter.store.events import apply_events, prune_events
from newsletter.store.subscribers import get_subscriber, upsert_subscriber


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    """A real SQLite file, and PostgreSQL in a schema of its own (tests/store/conftest.py)."""
    return any_engine


def event(kind: str, email: str, event_id: str | None, **extra: str) -> dict[str, str]:
    data = {"event": kind, "email": email, **extra}
    if event_id:
        data["sg_event_id"] = event_id
    return data


def test_each_event_id_applies_once(engine) -> None:
    upsert_subscriber(engine, "a@example.org")
    first = apply_events(engine, [event("bounce", "a@example.org", "id-1")])
    assert (first.stops, first.changed, first.duplicates) == (1, 1, 0)
    upsert_subscriber(engine, "a@example.org", status=SubscriberStatus.ACTIVE)
    again = apply_events(engine, [event("bounce", "a@example.org", "id-1")])
    assert (again.stops, again.changed, again.duplicates) == (0, 0, 1)
    assert get_subscriber(engine, "a@example.org").status is SubscriberStatus.ACTIVE


def test_stops_only_get_stronger_and_unknown_addresses_are_recorded(engine) -> None:
    report = apply_events(
        engine,
        [
            event("spamreport", "B@Example.ORG", "s1"),
            event("unsubscribe", "b@example.org", "s2"),
            event("bounce", "b@example.org", None),  # no id (old format): applied anyway
        ],
    )
    assert report.changed == 1 and report.stops == 3
    assert get_subscriber(engine, "B@example.org").status is SubscriberStatus.COMPLAINED
    # A reader stored with capitals is stopped by the provider's lower-case report.
    upsert_subscriber(engine, "Carol@example.org")
    apply_events(engine, [event("bounce", "carol@example.org", "c1")])
    assert get_subscriber(engine, "Carol@example.org").status is SubscriberStatus.BOUNCED


def test_malformed_events_are_skipped_not_fatal(engine) -> None:
    report = apply_events(
        engine,
        [
            "not an object",
            {"email": "x@example.org"},
            event("bounce", "not-an-address", "m1"),
            event("bounce", "ok@example.org", "m2"),
        ],
    )
    assert report.malformed == 3 and report.changed == 1
    assert get_subscriber(engine, "ok@example.org").status is SubscriberStatus.BOUNCED


def test_old_event_ids_are_pruned(engine) -> None:
    apply_events(engine, [event("open", "a@example.org", "old"), event("open", "a@x.org", "new")])
    with Session(engine) as session:
        session.execute(
            update(WebhookEventRow)
            .where(WebhookEventRow.event_id == "old")
            .values(processed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
        )
        session.commit()
    assert prune_events(engine) == 1
    with Session(engine) as session:
        assert list(session.scalars(select(WebhookEventRow.event_id))) == ["new"]


def test_a_racing_delivery_of_the_same_events_applies_each_once(engine) -> None:
    """Another process commits the same sg_event_id between our check and our insert: the
    batch fails on the primary key and is redone event by event, counting a duplicate."""
    from sqlalchemy import event as sa_event
    from sqlalchemy import insert

    upsert_subscriber(engine, "race@example.org")
    other = create_engine(engine.url)
    raced = []

    def first_insert(conn, cursor, statement, params, context, executemany) -> None:
        if not raced and statement.startswith("INSERT INTO webhook_events"):
            raced.append(True)
            with other.begin() as connection:
                connection.execute(insert(WebhookEventRow).values(event_id="r1", kind="bounce"))

    sa_event.listen(engine, "before_cursor_execute", first_insert)
    try:
        report = apply_events(
            engine,
            [
                event("bounce", "race@example.org", "r1"),
                event("spamreport", "race@example.org", "r2"),
            ],
        )
    finally:
        sa_event.remove(engine, "before_cursor_execute", first_insert)
        other.dispose()
    assert raced and (report.duplicates, report.stops) == (1, 1)
    assert get_subscriber(engine, "race@example.org").status is SubscriberStatus.COMPLAINED
