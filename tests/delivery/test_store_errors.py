"""A database that fails while a batch is with SendGrid (locked by a backup or another
process, an I/O error): waited for within bounds, then a clear message without SQL or
addresses, the accepted batch kept in a journal and recorded by the next run, the summary
printed, and across both runs every reader mailed exactly once."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

import newsletter.store.ledger as ledger_module
from newsletter import pipeline
from newsletter.config import load_config
from newsletter.delivery import get_backend
from newsletter.store import open_database
from newsletter.store.doubt import in_doubt
from newsletter.store.journal import JOURNAL_NAME
from tests.delivery.conftest import API_KEY
from tests.delivery.test_run_delivery import add_readers, write_config

OCT3 = dt.date(2025, 10, 3)


@pytest.fixture
def config(workdir: Path, sendgrid_server, monkeypatch, request: pytest.FixtureRequest) -> Path:
    """One request at a time unless the test is parametrized with ``concurrency``."""
    monkeypatch.setenv("TEST_SENDGRID_KEY", API_KEY)
    monkeypatch.setattr(ledger_module, "STORE_RETRY_SECONDS", 1.0)
    concurrency = getattr(request, "param", 1)
    options = {"api_key_env": "TEST_SENDGRID_KEY", "host": sendgrid_server.url,
               "timeout": 5, "batch_size": 100, "concurrency": concurrency}  # fmt: skip
    path = write_config(workdir, {"backend": "sendgrid", "options": options})
    add_readers(path, 400)  # 303 mailed, in 5 requests
    return path


def impatient_engine(url: str) -> Any:
    """The run's database with a short busy timeout, so a held lock fails in a moment."""
    engine = open_database(url)

    def short_busy_timeout(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA busy_timeout=100")

    event.listen(engine, "connect", short_busy_timeout)
    engine.dispose()
    return engine


def lock_database(path: Path, seconds: float) -> None:
    """Another process's write transaction on the file, released after ``seconds``."""
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(seconds, lambda: (holder.rollback(), holder.close())).start()


def run_day(config: Path) -> pipeline.RunReport:
    loaded = load_config(config)
    engine = impatient_engine(loaded.model.database.url)
    try:
        return pipeline.run(loaded, OCT3, get_backend(loaded), engine=engine)
    finally:
        engine.dispose()


def test_a_short_lock_is_waited_for_and_nothing_is_lost(config: Path, sendgrid_server) -> None:
    database = config.parent / "newsletter.db"
    sendgrid_server.after_accept = lambda n: n == 2 and lock_database(database, 0.5)
    report = run_day(config)
    assert report.store_error is None
    assert report.count("sent") == 303
    assert set(Counter(sendgrid_server.delivered()).values()) == {1}


def test_a_lock_held_too_long_stops_the_run_clearly_and_the_next_run_records_the_batch(
    config: Path, sendgrid_server, workdir: Path
) -> None:
    database = config.parent / "newsletter.db"
    release = threading.Event()  # never set: waiting on it is a plain pause
    sendgrid_server.after_accept = lambda n: n == 2 and (lock_database(database, 4), None)
    report = run_day(config)
    assert report.store_error is not None
    message = report.store_error
    assert "the database could not record what the provider accepted: database is locked" in message
    assert JOURNAL_NAME in message
    assert "UPDATE" not in message and "@" not in message  # no SQL, no addresses
    # Requests 1 and 2 went (the second is the one left unrecorded); the rest was not tried.
    assert report.count("sent") == len(sendgrid_server.delivered()) < 303
    assert len(sendgrid_server.accepted) == 2
    assert (workdir / JOURNAL_NAME).exists()
    first = Counter(sendgrid_server.delivered())
    release.wait(4.5)  # the lock goes away

    sendgrid_server.after_accept = None
    again = run_day(config)
    assert again.store_error is None, again.store_error
    assert not (workdir / JOURNAL_NAME).exists()  # applied
    delivered = Counter(sendgrid_server.delivered())
    assert len(delivered) == 303 and set(delivered.values()) == {1}
    assert all(delivered[e] == 1 for e in first)
    engine = open_database(load_config(config).model.database.url)
    assert in_doubt(engine, "Daily Papers") == []
    engine.dispose()


@pytest.mark.parametrize("config", [4], indirect=True)
def test_with_requests_in_flight_together_every_batch_taken_during_a_lock_is_kept(
    config: Path, sendgrid_server
) -> None:
    """Four batches with SendGrid when the lock comes: each one the provider took is kept
    (journal or ledger), the next run records them and sends the rest, each reader once."""
    database = config.parent / "newsletter.db"
    sendgrid_server.after_accept = lambda n: n == 2 and (lock_database(database, 4), None)
    report = run_day(config)
    assert report.store_error is not None
    assert report.count("sent") <= len(sendgrid_server.delivered()) < 303
    threading.Event().wait(4.5)  # the lock goes away

    sendgrid_server.after_accept = None
    again = run_day(config)
    assert again.store_error is None, again.store_error
    delivered = Counter(sendgrid_server.delivered())
    assert len(delivered) == 303 and set(delivered.values()) == {1}
    engine = open_database(load_config(config).model.database.url)
    assert in_doubt(engine, "Daily Papers") == []
    engine.dispose()
