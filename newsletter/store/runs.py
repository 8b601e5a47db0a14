"""Run records on the issue row: status, counts, duration and outcome of the latest run.

The issue row is unique per (newsletter, date), so two runs of one day (a restart, a retry,
a second host) share one record: ``sent`` is the issue's total, counted from the delivery
ledger; the other fields describe the latest run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsletter.store.db import DeliveryRow, IssueRow, utcnow
from newsletter.store.failures import translated
from newsletter.store.issues import get_or_create_issue
from newsletter.store.ledger import RowStatus


class RunStatus(StrEnum):
    """What a run leaves on the issue row."""

    RUNNING = "running"
    SENT = "sent"  # every reader has the issue
    PARTIAL = "partial"
    EMPTY = "empty"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # a shutdown stopped it; the next run sends the rest
    RETRYING = "retrying"  # the scheduler tries it again later


# Unfinished: a shutdown interrupted it, it waits for a retry, or it still says "running"
# because its process was killed (or is running elsewhere).
UNFINISHED = (RunStatus.INTERRUPTED, RunStatus.RETRYING, RunStatus.RUNNING)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One issue's record as ``newsletter status`` shows it."""

    newsletter: str
    date: dt.date
    status: str
    papers: int
    sent: int
    skipped: int
    failed: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    detail: str | None

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (_aware(self.finished_at) - _aware(self.started_at)).total_seconds()


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What one run did (the issue's ``sent`` total comes from the ledger)."""

    status: str
    papers: int = 0
    skipped: int = 0
    failed: int = 0
    detail: str | None = None


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes even for timezone=True columns; they were UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


_RUNNER = re.compile(r"^running in process (\d+) on (\S+)$")


def _runner() -> str:
    return f"running in process {os.getpid()} on {socket.gethostname()}"


@translated("record the start of the run")
def begin_run(engine: Engine, newsletter: str, day: dt.date) -> int:
    """Mark the day's issue as running (creating it if needed); returns its id. The detail
    names the process, so that ``status`` can tell a run whose process was killed."""
    issue_id = get_or_create_issue(engine, newsletter, day)
    with Session(engine) as session:
        session.execute(
            update(IssueRow)
            .where(IssueRow.id == issue_id)
            .values(
                status=RunStatus.RUNNING, started_at=utcnow(), finished_at=None, detail=_runner()
            )
        )
        session.commit()
    return issue_id


def _ledger_sent(issue_id: int) -> ColumnElement[int]:
    return (
        select(func.count())
        .select_from(DeliveryRow)
        .where(DeliveryRow.issue_id == issue_id, DeliveryRow.status == RowStatus.SENT)
        .scalar_subquery()
    )


@translated("record the end of the run")
def finish_run(engine: Engine, issue_id: int, counts: RunCounts) -> None:
    with Session(engine) as session:
        session.execute(
            update(IssueRow)
            .where(IssueRow.id == issue_id)
            .values(
                status=counts.status,
                papers=counts.papers,
                sent=_ledger_sent(issue_id),
                skipped=counts.skipped,
                failed=counts.failed,
                detail=counts.detail,
                finished_at=utcnow(),
            )
        )
        session.commit()


@translated("record the run's status")
def mark_run(engine: Engine, newsletter: str, day: dt.date, status: RunStatus, detail: str) -> None:
    """Restate how a finished run ended (the scheduler: it will be retried, or given up)."""
    with Session(engine) as session:
        session.execute(
            update(IssueRow)
            .where(IssueRow.newsletter == newsletter, IssueRow.date == day)
            .values(status=status, detail=detail)
        )
        session.commit()


def _process_gone(detail: str | None) -> int | None:
    """The pid of a ``running`` row's process if it ran on this host and has exited (killed:
    a process that exits any other way finishes its record)."""
    found = _RUNNER.match(detail or "")
    if found is None or found.group(2) != socket.gethostname():
        return None  # another host's run: it may well be running
    pid = int(found.group(1))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return pid
    except PermissionError:
        return None  # alive, another user's
    return None


def _record(row: IssueRow) -> RunRecord:
    status, detail = row.status, row.detail
    if status == RunStatus.RUNNING and (pid := _process_gone(detail)) is not None:
        status = RunStatus.INTERRUPTED
        detail = f"its process ({pid}) was killed mid-run; the next run sends the rest"
    return RunRecord(
        row.newsletter,
        row.date,
        status,
        row.papers,
        row.sent,
        row.skipped,
        row.failed,
        _aware(row.started_at),
        _aware(row.finished_at) if row.finished_at else None,
        detail,
    )


@translated("read the last runs")
def recent_runs(engine: Engine, newsletter: str | None = None, limit: int = 10) -> list[RunRecord]:
    """The latest issues first."""
    query = select(IssueRow).order_by(IssueRow.date.desc(), IssueRow.id.desc()).limit(limit)
    if newsletter is not None:
        query = query.where(IssueRow.newsletter == newsletter)
    with Session(engine) as session:
        return [_record(row) for row in session.scalars(query)]


@translated("read the run")
def get_run(engine: Engine, newsletter: str, day: dt.date) -> RunRecord | None:
    query = select(IssueRow).where(IssueRow.newsletter == newsletter, IssueRow.date == day)
    with Session(engine) as session:
        row = session.scalar(query)
        return _record(row) if row else None


@translated("read the unfinished days")
def unfinished_days(engine: Engine, newsletter: str, since: dt.date) -> list[dt.date]:
    """Days since ``since`` whose last run did not finish (see ``UNFINISHED``)."""
    query = select(IssueRow.date).where(
        IssueRow.newsletter == newsletter,
        IssueRow.date >= since,
        IssueRow.status.in_(UNFINISHED),
    )
    with Session(engine) as session:
        return sorted(session.scalars(query))


@translated("read who received the issue")
def delivered_emails(engine: Engine, newsletter: str, day: dt.date) -> set[str]:
    """Readers of that day's issue who have it, or are being sent it right now."""
    query = (
        select(DeliveryRow.email)
        .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
        .where(
            IssueRow.newsletter == newsletter,
            IssueRow.date == day,
            DeliveryRow.status.in_([RowStatus.SENT, RowStatus.SENDING]),
        )
    )
    with Session(engine) as session:
        return set(session.scalars(query))
