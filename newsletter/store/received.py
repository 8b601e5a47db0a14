"""What each reader was sent, for "Catching on": papers come back to nobody who had them.

A reader had a paper when a ledger row of theirs in the window is ``sent`` or ``sending``
(in doubt: the provider may have it, so it counts as sent) and either an archived section of
that issue, under their topics, holds it, or the "Catching on" section the row points at
does. Those sections are stored once per distinct section (readers with the same topics and
history share one), and the claim that hands a batch to the provider writes each reader's
pointer in the same UPDATE that marks the row ``sending``: no message can reach the provider
before its record exists, and a rerun, which claims nobody already sent, never moves it.
Each section's JSON is read once, however many readers point at it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.models import ArchivedPaper, Paper, Subscriber
from newsletter.store.db import (
    ArchivedSectionRow,
    CatchingOnSectionRow,
    DeliveryRow,
    IssueRow,
    in_chunks,
)
from newsletter.store.failures import translated
from newsletter.store.issues import archived_paper, weekly_edition
from newsletter.store.ledger import RowStatus

HAD_IT = (RowStatus.SENT.value, RowStatus.SENDING.value)  # in doubt counts as sent
Received = dict[str, dict[str, ArchivedPaper]]  # reader -> paper id -> the copy they had


@translated("record the catching-on section")
def save_catching_on(engine: Engine, issue_id: int, papers: Sequence[Paper]) -> int:
    """The id of the row holding this section of this issue, created if missing (a rerun
    or a racing run with the same section finds the same row)."""
    stored = [_stored(p) for p in papers]
    digest = hashlib.sha256(json.dumps(stored, sort_keys=True).encode()).hexdigest()
    query = select(CatchingOnSectionRow.id).where(
        CatchingOnSectionRow.issue_id == issue_id, CatchingOnSectionRow.digest == digest
    )
    with Session(engine) as session:
        found = session.scalar(query)
        if found is None:
            session.add(CatchingOnSectionRow(issue_id=issue_id, digest=digest, papers=stored))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
            found = session.scalar(query)
        assert found is not None
        return found


def _stored(paper: Paper) -> dict[str, Any]:
    """What "Catching on" compares later: the code and the upvotes the copy had."""
    return {
        "id": paper.id,
        "title": paper.title,
        "url": paper.url,
        "github_repo": paper.github_repo,
        "upvotes": paper.upvotes,
    }


@translated("read what readers were sent")
def received_papers(
    engine: Engine,
    newsletter: str,
    first: dt.date,
    last: dt.date,
    readers: Sequence[Subscriber],
) -> Received:
    """Per reader, the papers of ``first``..``last`` that reached them (or may have) in the
    daily and weekly issues or in their own "Catching on" sections: the latest copy, whose
    GitHub repo "code released" compares with today's. The key ``""`` holds each paper as
    the daily and weekly issues first sent it to anyone (upvotes then): catching-on copies
    are left out, so a paper that crossed the threshold still has for readers who missed it."""
    with Session(engine) as session:
        issues = list(
            session.scalars(
                select(IssueRow.id)
                .where(
                    IssueRow.newsletter.in_([newsletter, weekly_edition(newsletter)]),
                    IssueRow.date >= first,
                    IssueRow.date <= last,
                )
                .order_by(IssueRow.date, IssueRow.id)
            )
        )
        if not issues:
            return {}
        sections = _archived_sections(session, issues)
        caught = _catching_on_sections(session, issues)
        got: Received = {"": _first_copies(session, issues, sections)}
        topics = {r.email: r.topics for r in readers}
        for email, issue_id, section_id in _rows(session, issues, list(topics)):
            mine = got.setdefault(email, {})
            chosen = topics[email]
            for topic, papers in sections.get(issue_id, []):
                if chosen is None or topic in chosen:
                    mine.update((p.id, p) for p in papers)
            if section_id is not None:  # what their own catching-on section carried
                mine.update((p.id, p) for p in caught.get(section_id, []))
    return got


Sections = dict[int, list[tuple[str, list[ArchivedPaper]]]]  # issue id -> (topic, papers)


def _archived_sections(session: Session, issues: list[int]) -> Sections:
    query = select(
        ArchivedSectionRow.issue_id, ArchivedSectionRow.topic, ArchivedSectionRow.papers
    ).where(ArchivedSectionRow.issue_id.in_(issues))
    sections: Sections = {}
    for issue_id, topic, papers in session.execute(query):
        sections.setdefault(issue_id, []).append((topic, [archived_paper(p) for p in papers]))
    return sections


def _catching_on_sections(session: Session, issues: list[int]) -> dict[int, list[ArchivedPaper]]:
    query = select(CatchingOnSectionRow.id, CatchingOnSectionRow.papers).where(
        CatchingOnSectionRow.issue_id.in_(issues)
    )
    return {
        row_id: [archived_paper(p) for p in papers] for row_id, papers in session.execute(query)
    }


def _first_copies(
    session: Session, issues: list[int], sections: Sections
) -> dict[str, ArchivedPaper]:
    """Every paper of the issues somebody had, as the earliest of them sent it."""
    query = (
        select(DeliveryRow.issue_id)
        .where(DeliveryRow.issue_id.in_(issues), DeliveryRow.status.in_(HAD_IT))
        .distinct()
    )
    delivered = set(session.scalars(query))
    anyone: dict[str, ArchivedPaper] = {}
    for issue_id in (i for i in issues if i in delivered):  # in date order
        for _topic, papers in sections.get(issue_id, []):
            for paper in papers:
                anyone.setdefault(paper.id, paper)
    return anyone


def _rows(
    session: Session, issues: list[int], emails: list[str]
) -> list[tuple[str, int, int | None]]:
    """(reader, issue, catching-on section) for each of their rows that had it, in date
    order of ``issues``; one query per chunk of readers (a page of readers reads its own)."""
    order = {issue_id: index for index, issue_id in enumerate(issues)}
    rows: list[tuple[str, int, int | None]] = []
    for chunk in in_chunks(emails):
        query = select(DeliveryRow.email, DeliveryRow.issue_id, DeliveryRow.catching_on_id).where(
            DeliveryRow.issue_id.in_(issues),
            DeliveryRow.email.in_(chunk),
            DeliveryRow.status.in_(HAD_IT),
        )
        rows.extend((e, i, c) for e, i, c in session.execute(query))
    return sorted(rows, key=lambda row: order[row[1]])
