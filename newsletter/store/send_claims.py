"""Claim-before-send on the ``deliveries`` ledger table (one row per issue and recipient).

The unique constraint ``uq_delivery_once`` decides who sends: a process that inserts the
row owns that recipient for that issue; every other process, on any host, sees the
IntegrityError and skips. A ``failed`` row may be claimed again (one atomic UPDATE guarded
by the status, so again only one process wins). A ``pending`` row left by a process killed
between claim and send is not resent: at most once beats twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.models import DeliveryResult
from newsletter.store.db import DeliveryRow, IssueRow, utcnow

PENDING, SENT, FAILED = "pending", "sent", "failed"


class SendClaims:
    """The ledger rows of one issue; used by ``schedule.sending.GuardedBackend``."""

    def __init__(self, engine: Engine, issue_id: int) -> None:
        self.engine = engine
        self.issue_id = issue_id

    def claim(self, email: str) -> bool:
        """True when this process now owns sending to ``email`` for this issue."""
        with Session(self.engine) as session:
            session.add(
                DeliveryRow(issue_id=self.issue_id, email=email, status=PENDING, attempts=1)
            )
            try:
                session.commit()
                return True
            except IntegrityError:
                session.rollback()
            retried = session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.issue_id == self.issue_id,
                    DeliveryRow.email == email,
                    DeliveryRow.status == FAILED,
                )
                .values(status=PENDING, attempts=DeliveryRow.attempts + 1, updated_at=utcnow())
            )
            session.commit()
            return bool(getattr(retried, "rowcount", 0) == 1)

    def record(self, result: DeliveryResult) -> None:
        """Write what the backend did with a claimed recipient."""
        status = SENT if result.status == "sent" else FAILED
        with Session(self.engine) as session:
            session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.issue_id == self.issue_id, DeliveryRow.email == result.recipient)
                .values(
                    status=status,
                    provider_id=result.provider_id,
                    detail=result.detail or None,
                    updated_at=utcnow(),
                )
            )
            session.commit()

    def statuses(self) -> dict[str, str]:
        query = select(DeliveryRow.email, DeliveryRow.status).where(
            DeliveryRow.issue_id == self.issue_id
        )
        with Session(self.engine) as session:
            return {row.email: row.status for row in session.execute(query)}


def sent_or_claimed(engine: Engine, newsletter: str, day: dt.date) -> set[str]:
    """Recipients of that day's issue who have it or are being sent it right now."""
    query = (
        select(DeliveryRow.email)
        .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
        .where(
            IssueRow.newsletter == newsletter,
            IssueRow.date == day,
            DeliveryRow.status.in_([SENT, PENDING]),
        )
    )
    with Session(engine) as session:
        return set(session.scalars(query))
