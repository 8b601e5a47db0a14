"""The delivery ledger on SQLite and PostgreSQL: one row per (issue, recipient), claims that
two runs cannot share, in-doubt rows after a crash, and --resend."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from newsletter.models import DeliveryResult
from newsletter.store.db import DeliveryRow, IssueRow
from newsletter.store.issues import get_or_create_issue
from newsletter.store.ledger import Ledger
from newsletter.store.runs import RunCounts, RunStatus, finish_run

DAY = dt.date(2025, 10, 3)
EMAILS = [f"reader{i:03d}@example.org" for i in range(120)]


def sent(emails: list[str], provider_id: str = "msg-1") -> list[DeliveryResult]:
    return [DeliveryResult(e, "sent", provider_id=provider_id) for e in emails]


def test_issue_identity_is_name_plus_date(any_engine: Engine) -> None:
    first = get_or_create_issue(any_engine, "Daily Papers", DAY)
    assert get_or_create_issue(any_engine, "Daily Papers", DAY) == first
    assert get_or_create_issue(any_engine, "Daily Papers", DAY + dt.timedelta(days=1)) != first
    assert get_or_create_issue(any_engine, "Other letter", DAY) != first


def test_issue_creation_race_yields_one_row(any_engine: Engine) -> None:
    ids: list[int] = []
    threads = [
        threading.Thread(target=lambda: ids.append(get_or_create_issue(any_engine, "Race", DAY)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1


def test_database_refuses_a_second_row_for_the_same_recipient(any_engine: Engine) -> None:
    issue = get_or_create_issue(any_engine, "Daily Papers", DAY)
    Ledger(any_engine, issue).prepare(["ada@example.org"])
    with pytest.raises(IntegrityError), any_engine.begin() as connection:
        connection.execute(
            insert(DeliveryRow.__table__),
            [{"issue_id": issue, "email": "ada@example.org", "status": "pending"}],
        )


def test_rerun_claims_only_what_was_not_sent(any_engine: Engine) -> None:
    issue = get_or_create_issue(any_engine, "Daily Papers", DAY)
    first = Ledger(any_engine, issue)
    assert set(first.prepare(EMAILS).values()) == {"pending"}
    claimed = first.claim(EMAILS[:50])
    assert claimed == EMAILS[:50]
    refused = [DeliveryResult(e, "failed", detail="550 no such user") for e in claimed[40:]]
    first.record(sent(claimed[:40]) + refused)

    rerun = Ledger(any_engine, issue)
    statuses = rerun.prepare(EMAILS)  # a second prepare adds nothing
    assert sum(1 for s in statuses.values() if s == "sent") == 40
    again = rerun.claim(EMAILS)
    assert again == EMAILS[40:]  # the failed ones are retried, the sent ones never
    assert rerun.claim(EMAILS) == []  # already claimed by this run


def test_two_runs_never_claim_the_same_recipient(any_engine: Engine) -> None:
    issue = get_or_create_issue(any_engine, "Daily Papers", DAY)
    Ledger(any_engine, issue).prepare(EMAILS)
    claims: dict[str, list[str]] = {}

    def worker(name: str) -> None:
        ledger = Ledger(any_engine, issue)
        mine: list[str] = []
        for start in range(0, len(EMAILS), 10):
            mine += ledger.claim(EMAILS[start : start + 10])
        claims[name] = mine

    threads = [threading.Thread(target=worker, args=(f"run{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [email for mine in claims.values() for email in mine]
    assert sorted(everything) == sorted(EMAILS)  # each recipient claimed exactly once


def test_rows_of_a_killed_run_are_in_doubt_until_asked(any_engine: Engine) -> None:
    issue = get_or_create_issue(any_engine, "Daily Papers", DAY)
    killed = Ledger(any_engine, issue)
    killed.prepare(EMAILS)
    in_flight = killed.claim(EMAILS[:10])  # ... and the process dies before record()

    rerun = Ledger(any_engine, issue)
    assert rerun.claim(EMAILS) == EMAILS[10:]
    assert rerun.counts()["sending"] == len(EMAILS)
    rerun.record(sent(EMAILS[10:]))
    assert rerun.counts() == {"sent": 110, "sending": 10}
    # A stale record() from the killed run's token cannot touch rows claimed by another run.
    assert Ledger(any_engine, issue).claim(EMAILS, in_doubt_too=True) == in_flight


def test_resend_makes_every_row_pending_again(any_engine: Engine) -> None:
    issue = get_or_create_issue(any_engine, "Daily Papers", DAY)
    ledger = Ledger(any_engine, issue)
    ledger.prepare(EMAILS[:5])
    ledger.record(sent(ledger.claim(EMAILS[:5]), "first-send"))
    assert ledger.claim(EMAILS[:5]) == []
    assert ledger.reset_for_resend() == 5
    ledger.record(sent(ledger.claim(EMAILS[:5]), "second-send"))
    finish_run(any_engine, issue, RunCounts(RunStatus.SENT, papers=39))
    with any_engine.connect() as connection:
        row = connection.execute(IssueRow.__table__.select()).one()
    assert row.status == "sent" and row.sent == 5 and row.papers == 39  # sent: from the ledger
    assert row.finished_at is not None


def test_a_database_from_before_run_tokens_gets_the_claim_column(tmp_path) -> None:
    from sqlalchemy import create_engine, text

    from newsletter.store import open_database

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with create_engine(url).begin() as connection:  # the walking skeleton's table
        connection.execute(
            text(
                "CREATE TABLE deliveries (id INTEGER PRIMARY KEY, issue_id INTEGER, "
                "email VARCHAR(320), status VARCHAR(20), provider_id VARCHAR(500), "
                "detail TEXT, attempts INTEGER, updated_at DATETIME, "
                "CONSTRAINT uq_delivery_once UNIQUE (issue_id, email))"
            )
        )
    engine = open_database(url)
    issue = get_or_create_issue(engine, "Daily Papers", DAY)
    ledger = Ledger(engine, issue)
    ledger.prepare(["ada@example.org"])
    assert ledger.claim(["ada@example.org"]) == ["ada@example.org"]
