"""Readers' data rights: export everything held, erase it keeping only a keyed hash (so an
import does not add them back), and no unconfirmed sign-up kept for ever."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, update
from sqlalchemy.engine import Engine

from newsletter.models import SubscriberStatus
from newsletter.store.db import SubscriberRow
from newsletter.store.events import apply_events
from newsletter.store.privacy import forget_reader, purge_unconfirmed, reader_data
from newsletter.store.subscriber_csv import import_csv
from newsletter.store.subscribers import get_subscriber, upsert_subscriber


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def every_value(engine: Engine) -> str:
    """Every row of every table as text: what a leaked database would show."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        return repr([list(connection.execute(select(t))) for t in meta.tables.values()])


def test_export_holds_subscription_consent_and_events(engine) -> None:
    upsert_subscriber(engine, "ada@example.org", name="Ada", topics=["Agents and tool use"])
    apply_events(engine, [{"event": "deferred", "email": "ada@example.org",
                           "sg_message_id": "m1", "sg_event_id": "e1"}])  # fmt: skip
    data = reader_data(engine, "ADA@example.org")
    assert data is not None
    json.dumps(data)  # JSON-ready as it is
    assert data["email"] == "ada@example.org"
    sub = data["subscription"]
    assert sub["name"] == "Ada" and sub["topics"] == ["Agents and tool use"]
    assert sub["status"] == "active" and sub["consent"]["source"] == "cli"
    assert sub["consent"]["at"]
    assert [e["kind"] for e in data["events"]] == ["soft_bounce"]
    assert reader_data(engine, "nobody@example.org") is None


def test_forget_erases_everything_but_a_keyed_hash(engine, tmp_path: Path) -> None:
    upsert_subscriber(engine, "ada@example.org", name="Ada Lovelace")
    apply_events(engine, [{"event": "bounce", "email": "ada@example.org", "sg_event_id": "e"}])
    assert forget_reader(engine, "Ada@Example.org")
    assert get_subscriber(engine, "ada@example.org") is None
    assert reader_data(engine, "ada@example.org") is None
    dump = every_value(engine).lower()
    assert "ada@example.org" not in dump and "lovelace" not in dump
    csv = tmp_path / "readers.csv"
    csv.write_text("email,name\nada@example.org,Ada\ngrace@example.org,Grace\n")
    report = import_csv(engine, csv, None)
    assert (report.added, report.forgotten) == (1, 1)
    assert get_subscriber(engine, "ada@example.org") is None
    forced = import_csv(engine, csv, None, force=True)
    assert forced.added == 1 and forced.forgotten == 0
    assert get_subscriber(engine, "ada@example.org") is not None
    again = import_csv(engine, csv, None)  # forced once: no longer on the list
    assert again.forgotten == 0


def test_unconfirmed_sign_ups_are_purged_after_n_days(engine) -> None:
    upsert_subscriber(engine, "old@example.org", status=SubscriberStatus.PENDING)
    upsert_subscriber(engine, "new@example.org", status=SubscriberStatus.PENDING)
    upsert_subscriber(engine, "active@example.org")
    ten_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    with engine.begin() as connection:
        connection.execute(
            update(SubscriberRow)
            .where(SubscriberRow.email.in_(["old@example.org", "active@example.org"]))
            .values(updated_at=ten_days_ago)
        )
    assert purge_unconfirmed(engine, 7) == 1
    assert get_subscriber(engine, "old@example.org") is None
    assert get_subscriber(engine, "new@example.org") is not None
    assert get_subscriber(engine, "active@example.org") is not None


def test_the_daily_run_purges_old_unconfirmed_sign_ups(config_file: Path, run_cli) -> None:
    from newsletter.config import load_config
    from newsletter.store import open_database

    engine = open_database(load_config(config_file).model.database.url)
    upsert_subscriber(engine, "stale@example.org", status=SubscriberStatus.PENDING)
    upsert_subscriber(engine, "fresh@example.org", status=SubscriberStatus.PENDING)
    with engine.begin() as connection:
        connection.execute(
            update(SubscriberRow)
            .where(SubscriberRow.email == "stale@example.org")
            .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
        )
    result = run_cli("run", "--date", "2025-10-03")
    assert result.exit_code == 0, result.output
    assert "Deleted 1 sign-ups never confirmed" in result.output
    assert get_subscriber(engine, "stale@example.org") is None
    assert get_subscriber(engine, "fresh@example.org") is not None
    engine.dispose()
