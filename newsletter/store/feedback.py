"""Readers' "more like this" / "less like this": recorded, listed, undone, read for ranking.

Who calls: the web app (a reader's POST records a choice; the preferences page lists, undoes
and resets them) and the pipeline (``choices_for_ranking``: every choice of the run's readers
in two queries, whatever the list's size). One row per (reader, paper): a second choice of
the same paper replaces the first, so the latest always wins; undo deletes the row, and with
it everything that choice changed in the reader's next issue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.store.db import ArchivedSectionRow, FeedbackRow, IssueRow, utcnow
from newsletter.store.failures import translated
from newsletter.store.issues import weekly_edition

ARCHIVE_ROWS_SEARCHED = 2000  # newest archived topic sections searched for a rated paper
TEXT_CHARS = 4000  # of a rated paper's text kept for training (a long abstract's worth)
CHUNK = 500  # reader ids per IN (...) query


@dataclass(frozen=True, slots=True)
class RatedPaper:
    """A paper as a reader rated it: what ranking compares the day's papers with."""

    id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class FeedbackChoice:
    """One recorded choice, as the preferences page lists it."""

    paper_id: str
    title: str
    liked: bool
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class RankingInput:
    """Every choice of some readers: ``choices[reader id]`` as (paper id, liked), oldest
    first; ``papers`` each rated paper once."""

    choices: dict[int, list[tuple[str, bool]]]
    papers: dict[str, RatedPaper]


@translated("find the paper in the archive")
def archived_paper(engine: Engine, newsletter: str, paper_id: str) -> RatedPaper | None:
    """The paper as the newest archived issue of ``newsletter`` showed it, or ``None``
    (a made-up id, or an issue too old to be kept)."""
    query = (
        select(ArchivedSectionRow.papers)
        .join(IssueRow, IssueRow.id == ArchivedSectionRow.issue_id)
        .where(IssueRow.newsletter.in_([newsletter, weekly_edition(newsletter)]))
        .order_by(IssueRow.date.desc(), ArchivedSectionRow.position)
        .limit(ARCHIVE_ROWS_SEARCHED)
    )
    with Session(engine) as session:
        for papers in session.scalars(query):
            for paper in papers:
                if paper.get("id") == paper_id:
                    text = str(paper.get("summary") or "")[:TEXT_CHARS]
                    return RatedPaper(paper_id, str(paper.get("title") or paper_id), text)
    return None


@translated("record the choice")
def record_choice(engine: Engine, reader_id: int, paper: RatedPaper, liked: bool) -> None:
    """Store (or replace) the reader's choice on ``paper``; a double click is harmless."""
    values = {"liked": liked, "at": utcnow(), "title": paper.title, "text": paper.text}
    mine = (FeedbackRow.reader_id == reader_id) & (FeedbackRow.paper_id == paper.id)
    with Session(engine) as session:
        if _changed(session.execute(update(FeedbackRow).where(mine).values(**values))):
            session.commit()
            return
        session.add(FeedbackRow(reader_id=reader_id, paper_id=paper.id, **values))
        try:
            session.commit()
        except IntegrityError:  # the same choice, recorded by a second click just now
            session.rollback()
            session.execute(update(FeedbackRow).where(mine).values(**values))
            session.commit()


def _changed(result: object) -> bool:
    return bool(getattr(result, "rowcount", 0))


@translated("undo the choice")
def undo_choice(engine: Engine, reader_id: int, paper_id: str) -> bool:
    """Forget the reader's choice on one paper; ``False`` when there was none."""
    mine = (FeedbackRow.reader_id == reader_id) & (FeedbackRow.paper_id == paper_id)
    with Session(engine) as session:
        result = session.execute(delete(FeedbackRow).where(mine))
        session.commit()
        return _changed(result)


@translated("forget the reader's choices")
def reset_choices(engine: Engine, reader_id: int) -> int:
    """Forget every choice of the reader: their issues go back to the shared order."""
    with Session(engine) as session:
        result = session.execute(delete(FeedbackRow).where(FeedbackRow.reader_id == reader_id))
        session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


@translated("read the reader's choices")
def reader_choices(engine: Engine, reader_id: int) -> list[FeedbackChoice]:
    """The reader's choices, newest first."""
    query = (
        select(FeedbackRow.paper_id, FeedbackRow.title, FeedbackRow.liked, FeedbackRow.at)
        .where(FeedbackRow.reader_id == reader_id)
        .order_by(FeedbackRow.at.desc(), FeedbackRow.id.desc())
    )
    with Session(engine) as session:
        return [FeedbackChoice(*row) for row in session.execute(query)]


@translated("read the readers' choices")
def choices_for_ranking(engine: Engine, reader_ids: Iterable[int] | None = None) -> RankingInput:
    """The choices of ``reader_ids`` (``None``: of every reader), and each rated paper's
    title and text once: a query per chunk of readers, one per chunk of rated papers."""
    with Session(engine) as session:
        choices = _choices(session, None if reader_ids is None else sorted(set(reader_ids)))
        rated = sorted({paper_id for rows in choices.values() for paper_id, _ in rows})
        return RankingInput(choices, _rated_papers(session, rated))


def _choices(session: Session, wanted: list[int] | None) -> dict[int, list[tuple[str, bool]]]:
    columns = (FeedbackRow.reader_id, FeedbackRow.paper_id, FeedbackRow.liked)
    queries = (
        [select(*columns)]
        if wanted is None
        else [
            select(*columns).where(FeedbackRow.reader_id.in_(wanted[first : first + CHUNK]))
            for first in range(0, len(wanted), CHUNK)
        ]
    )
    choices: dict[int, list[tuple[str, bool]]] = {}
    for query in queries:
        for reader_id, paper_id, liked in session.execute(query.order_by(FeedbackRow.at)):
            choices.setdefault(reader_id, []).append((paper_id, bool(liked)))
    return choices


def _rated_papers(session: Session, rated: list[str]) -> dict[str, RatedPaper]:
    """Each paper's title and text from one of its rows (the first recorded)."""
    papers: dict[str, RatedPaper] = {}
    for first in range(0, len(rated), CHUNK):
        first_rows = (
            select(func.min(FeedbackRow.id))
            .where(FeedbackRow.paper_id.in_(rated[first : first + CHUNK]))
            .group_by(FeedbackRow.paper_id)
        )
        query = select(FeedbackRow.paper_id, FeedbackRow.title, FeedbackRow.text).where(
            FeedbackRow.id.in_(first_rows)
        )
        for paper_id, title, text in session.execute(query):
            papers[paper_id] = RatedPaper(paper_id, title, text)
    return papers
