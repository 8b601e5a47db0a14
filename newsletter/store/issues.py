"""Issue records: one row per (newsletter, date), shared by the ledger and the archive,
and each archived issue's topics for the per-topic feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.models import ArchivedPaper, ArchivedSection
from newsletter.store.db import ArchivedSectionRow, IssueRow
from newsletter.store.failures import translated


def weekly_edition(name: str) -> str:
    """The name the weekly issues' rows are kept under (ledger, archive, status)."""
    return f"{name} weekly"


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


@dataclass(frozen=True, slots=True)
class TopicEntry:
    """One topic of one archived issue: what a topic feed's entry is made of."""

    date: dt.date
    subject: str | None
    updated: dt.datetime
    section: ArchivedSection


@translated("save the issue's topics to the archive")
def save_sections(engine: Engine, issue_id: int, sections: Sequence[ArchivedSection]) -> None:
    """Keep each topic of an archived issue (a rerun of the day replaces them).

    Two schedulers finishing the same issue both get here; the issue's row is locked
    first so one replaces the sections after the other, instead of both inserting
    into an empty table (SQLite's single writer already serialises them)."""
    with Session(engine) as session:
        session.execute(select(IssueRow.id).where(IssueRow.id == issue_id).with_for_update())
        session.execute(delete(ArchivedSectionRow).where(ArchivedSectionRow.issue_id == issue_id))
        for position, section in enumerate(sections):
            session.add(
                ArchivedSectionRow(
                    issue_id=issue_id,
                    slug=section.slug,
                    topic=section.topic,
                    position=position,
                    papers=[asdict(p) for p in section.papers],
                    hidden=section.hidden,
                )
            )
        session.commit()


def topic_entries(engine: Engine, newsletter: str, slug: str, limit: int) -> list[TopicEntry]:
    """The topic's sections of archived issues, newest issue first."""
    query = (
        select(ArchivedSectionRow, IssueRow)
        .join(IssueRow, IssueRow.id == ArchivedSectionRow.issue_id)
        .where(
            IssueRow.newsletter == newsletter,
            ArchivedSectionRow.slug == slug,
            IssueRow.html.is_not(None),
        )
        .order_by(IssueRow.date.desc())
        .limit(limit)
    )
    with Session(engine) as session:
        return [_entry(section, issue) for section, issue in session.execute(query).all()]


def _entry(row: ArchivedSectionRow, issue: IssueRow) -> TopicEntry:
    papers = tuple(archived_paper(paper) for paper in row.papers)
    section = ArchivedSection(row.topic, row.slug, papers, row.hidden)
    return TopicEntry(issue.date, issue.subject, issue.finished_at or issue.started_at, section)


def archived_paper(paper: dict[str, Any]) -> ArchivedPaper:
    """A paper as stored in an archived (or catching-on) section's JSON."""
    return ArchivedPaper(
        id=paper["id"],
        title=paper.get("title", ""),
        url=paper.get("url"),
        summary=paper.get("summary", ""),
        reason=paper.get("reason", ""),
        github_repo=paper.get("github_repo"),
        upvotes=paper.get("upvotes"),
    )
