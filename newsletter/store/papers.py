"""Papers already sent, so a paper is mailed once even when it shows up again.

The same arXiv paper reappears: in the next day's HF list with more upvotes, as a ``replace``
under a new version. Papers are keyed by the version-less id, per newsletter. A paper counts
as seen on day D when an issue *before* D sent it (rerunning D itself finds the same papers)
and, with a window of N days, only when that was fewer than N days before D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.models import Paper
from newsletter.store.db import SentPaperRow, in_chunks
from newsletter.store.failures import translated


@translated("read the papers already sent")
def sent_before(
    engine: Engine, newsletter: str, ids: Sequence[str], day: dt.date, window_days: int | None
) -> dict[str, dt.date]:
    """``{paper id: first sent on}`` for the ids an earlier issue (within the window) sent."""
    earliest = day - dt.timedelta(days=window_days) if window_days else None
    found: dict[str, dt.date] = {}
    with Session(engine) as session:
        for chunk in in_chunks(list(dict.fromkeys(ids))):
            query = select(SentPaperRow.paper_id, SentPaperRow.first_sent_on).where(
                SentPaperRow.newsletter == newsletter,
                SentPaperRow.paper_id.in_(chunk),
                SentPaperRow.first_sent_on < day,
            )
            if earliest is not None:
                query = query.where(SentPaperRow.first_sent_on > earliest)
            found.update((pid, sent) for pid, sent in session.execute(query))
    return found


def filter_unsent(
    engine: Engine,
    newsletter: str,
    papers: Sequence[Paper],
    day: dt.date,
    window_days: int | None = None,
) -> tuple[list[Paper], list[Paper]]:
    """Split ``papers`` into (new, already sent by an earlier issue)."""
    seen = sent_before(engine, newsletter, [p.id for p in papers], day, window_days)
    return [p for p in papers if p.id not in seen], [p for p in papers if p.id in seen]


@translated("record the papers sent")
def mark_sent(engine: Engine, newsletter: str, papers: Iterable[Paper], day: dt.date) -> int:
    """Record papers as sent on ``day``; a paper keeps its first date. Returns rows added."""
    ids = list(dict.fromkeys(p.id for p in papers))
    for attempt in range(2):
        try:
            return _insert_missing(engine, newsletter, ids, day)
        except IntegrityError:
            if attempt:  # another process inserted the same ids twice in a row
                raise
    return 0  # pragma: no cover


def _insert_missing(engine: Engine, newsletter: str, ids: list[str], day: dt.date) -> int:
    with Session(engine) as session:
        known: set[str] = set()
        for chunk in in_chunks(ids):
            known.update(
                session.scalars(
                    select(SentPaperRow.paper_id).where(
                        SentPaperRow.newsletter == newsletter, SentPaperRow.paper_id.in_(chunk)
                    )
                )
            )
        new = [pid for pid in ids if pid not in known]
        session.add_all(
            SentPaperRow(paper_id=pid, newsletter=newsletter, first_sent_on=day) for pid in new
        )
        session.commit()
        return len(new)
