"""Readers in doubt, per issue, and how the operator settles them.

A row is in doubt when it is ``sending`` and no live run is sending it: the provider's
answer was lost (recorded with its claim cleared) or the run was killed mid-request. Only
the operator leaves this state, after checking the provider's activity log (or asking it:
``newsletter deliveries resolve --check``): *sent* means the reader has it; *unsent* makes
the row ``failed``, which the next run claims and sends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from newsletter.store.db import DeliveryRow, IssueRow, in_chunks, utcnow
from newsletter.store.ledger import RowStatus


@dataclass(frozen=True, slots=True)
class InDoubt:
    """One reader whose message may or may not be with the provider."""

    date: dt.date
    email: str
    batch: str | None  # "batch:<key>" for SendGrid requests (the custom_args key)
    detail: str
    since: dt.datetime


def in_doubt(engine: Engine, newsletter: str, day: dt.date | None = None) -> list[InDoubt]:
    """Every reader in doubt for ``newsletter`` (on ``day`` if given), by date then email."""
    query = (
        select(
            IssueRow.date,
            DeliveryRow.email,
            DeliveryRow.provider_id,
            DeliveryRow.detail,
            DeliveryRow.updated_at,
        )
        .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
        .where(IssueRow.newsletter == newsletter, DeliveryRow.status == RowStatus.SENDING)
        .order_by(IssueRow.date, DeliveryRow.email)
    )
    if day is not None:
        query = query.where(IssueRow.date == day)
    with engine.connect() as connection:
        return [
            InDoubt(
                row.date,
                row.email,
                row.provider_id,
                row.detail or "killed mid-send",
                row.updated_at,
            )
            for row in connection.execute(query)
        ]


def settle(
    engine: Engine, newsletter: str, day: dt.date, emails: Sequence[str] | None, *, sent: bool
) -> int:
    """Mark readers in doubt on ``day`` as sent, or as unsent (failed: the next run sends
    them); ``emails=None`` settles all of them. Answers how many rows changed."""
    issue = select(IssueRow.id).where(IssueRow.newsletter == newsletter, IssueRow.date == day)
    status, note = (
        (RowStatus.SENT, "settled as sent") if sent else (RowStatus.FAILED, "settled as unsent")
    )
    changed = 0
    targets: list[Sequence[str] | None] = [None] if emails is None else list(in_chunks(emails))
    with engine.begin() as connection:
        for chunk in targets:
            statement = (
                update(DeliveryRow)
                .where(DeliveryRow.issue_id.in_(issue), DeliveryRow.status == RowStatus.SENDING)
                .values(status=status, claim=None, detail=note, updated_at=utcnow())
            )
            if chunk is not None:
                statement = statement.where(DeliveryRow.email.in_(chunk))
            changed += connection.execute(statement).rowcount
    return changed
