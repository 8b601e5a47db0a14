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

from newsletter.models import ArchivedPaper, ArchivedSection, Subscriber
from newsletter.store.db import ArchivedSectionRow, DeliveryRow, IssueRow
from newsletter.store.failures import translated
from newsletter.store.ledger import RowStatus


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
    papers = tuple(_archived(paper) for paper in row.papers)
    section = ArchivedSection(row.topic, row.slug, papers, row.hidden)
    return TopicEntry(issue.date, issue.subject, issue.finished_at or issue.started_at, section)


def received_papers(
    engine: Engine,
    newsletter: str,
    first: dt.date,
    last: dt.date,
    readers: Sequence[Subscriber],
) -> dict[str, dict[str, ArchivedPaper]]:
    """Per reader, the papers that reached them in the daily and weekly issues of
    ``first``..``last``: the archived sections of each issue the ledger says they have,
    under the topics they read. The key ``""`` holds every paper anyone got."""
    wanted: dict[str | None, frozenset[str] | None] = {r.email: r.topics for r in readers}
    wanted[None] = None  # every copy, whoever got it: what the papers had when sent
    query = (
        select(DeliveryRow.email, ArchivedSectionRow.topic, ArchivedSectionRow.papers)
        .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
        .join(ArchivedSectionRow, ArchivedSectionRow.issue_id == IssueRow.id)
        .where(
            IssueRow.newsletter.in_([newsletter, weekly_edition(newsletter)]),
            IssueRow.date >= first,
            IssueRow.date <= last,
            DeliveryRow.status == RowStatus.SENT.value,
        )
    )
    got: dict[str, dict[str, ArchivedPaper]] = {}
    with Session(engine) as session:
        for email, topic, papers in session.execute(query):
            for who in (email, None):
                topics = wanted.get(who, frozenset())
                if who not in wanted or (topics is not None and topic not in topics):
                    continue
                mine = got.setdefault(who or "", {})
                for paper in papers:
                    mine.setdefault(paper["id"], _archived(paper))
    return got


def _archived(paper: dict[str, Any]) -> ArchivedPaper:
    known = {f: paper[f] for f in ("id", "title", "url", "summary", "reason") if f in paper}
    return ArchivedPaper(
        **known, github_repo=paper.get("github_repo"), upvotes=paper.get("upvotes")
    )
