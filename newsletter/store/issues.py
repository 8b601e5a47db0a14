"""Issue records: one row per (newsletter, date), shared by the ledger and the archive."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.store.db import IssueRow
from newsletter.store.failures import translated


@translated("record the issue")
def get_or_create_issue(engine: Engine, newsletter: str, date: dt.date) -> int:
    """The id of the issue's row, created if missing; safe when two processes race
    (the unique constraint decides, the loser reads the winner's row)."""
    query = select(IssueRow.id).where(IssueRow.newsletter == newsletter, IssueRow.date == date)
    with Session(engine) as session:
        found = session.scalar(query)
        if found is not None:
            return found
        session.add(IssueRow(newsletter=newsletter, date=date))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
        found = session.scalar(query)
        assert found is not None
        return found


@translated("save the issue to the archive")
def save_archive(engine: Engine, issue_id: int, subject: str, html: str, text: str) -> None:
    """Keep the all-topics rendering of an issue for the public archive."""
    with Session(engine) as session:
        row = session.get(IssueRow, issue_id)
        if row is not None:
            row.subject, row.html, row.text = subject, html, text
            session.commit()
