"""A reader's data rights: everything held about one address, erasure, and how long an
unconfirmed sign-up is kept.

``forget_reader`` deletes every row that names the address (subscription, deliveries, bounce
records, "more like this" choices) and keeps only an HMAC-SHA256 of it, keyed with a secret
kept in the database (``settings.forget_key``): it cannot be read back into an address, but
a CSV import or a YAML sync that brings the address again is recognised and left out unless
forced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsletter.models import SubscriberStatus
from newsletter.store.db import (
    DeliveryRow,
    FeedbackRow,
    ForgottenRow,
    IssueRow,
    SoftBounceRow,
    SubscriberRow,
    SuppressionRow,
    utcnow,
)
from newsletter.store.failures import translated
from newsletter.store.settings import forget_key


def address_digest(key: str, email: str) -> str:
    return hmac.new(key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


@translated("read what is held about the reader")
def reader_data(engine: Engine, email: str) -> dict[str, Any] | None:
    """Everything held about ``email`` as JSON-ready data, or ``None`` if nothing is."""
    address = email.strip().lower()
    with Session(engine) as session:
        row = session.scalar(
            select(SubscriberRow).where(func.lower(SubscriberRow.email) == address)
        )
        deliveries = session.execute(
            select(IssueRow.newsletter, IssueRow.date, DeliveryRow.status, DeliveryRow.updated_at)
            .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
            .where(func.lower(DeliveryRow.email) == address)
            .order_by(IssueRow.date)
        ).all()
        suppression = session.get(SuppressionRow, address)
        bounces = session.scalars(
            select(SoftBounceRow).where(SoftBounceRow.email == address).order_by(SoftBounceRow.at)
        ).all()
        if row is None and not deliveries and suppression is None and not bounces:
            return None
        choices = session.scalars(
            select(FeedbackRow).where(FeedbackRow.reader_id == row.id).order_by(FeedbackRow.at)
        ).all() if row is not None else []  # fmt: skip
        return {
            "email": row.email if row else address,
            "subscription": _subscription(row),
            "deliveries": [
                {
                    "newsletter": d.newsletter,
                    "issue": d.date.isoformat(),
                    "status": d.status,
                    "at": _iso(d.updated_at),
                }
                for d in deliveries
            ],
            "events": _events(suppression, bounces),
            "feedback": [
                {
                    "paper": c.paper_id,
                    "title": c.title,
                    "choice": "more like this" if c.liked else "less like this",
                    "at": _iso(c.at),
                }
                for c in choices
            ],
        }


def _subscription(row: SubscriberRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "name": row.name,
        "status": row.status,
        "topics": row.topics,  # null: every topic
        "timezone": row.timezone,
        "consent": {"source": row.origin, "at": _iso(row.created_at)},
        "last_changed": _iso(row.updated_at),
    }


def _events(suppression: SuppressionRow | None, bounces: Iterable[SoftBounceRow]) -> list[Any]:
    found: list[dict[str, Any]] = [
        {"kind": "soft_bounce", "at": _iso(b.at), "detail": b.reason} for b in bounces
    ]
    if suppression is not None:
        found.append({"kind": f"suppressed: {suppression.status}", "at": _iso(suppression.since),
                      "detail": suppression.reason})  # fmt: skip
    return found


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


@translated("erase the reader")
def forget_reader(engine: Engine, email: str) -> bool:
    """Erase ``email`` everywhere and remember only its keyed hash. ``False`` when nothing
    was held (the hash is kept anyway: the reader asked never to be added again)."""
    address = email.strip().lower()
    digest = address_digest(forget_key(engine), address)
    with Session(engine) as session:
        mine = select(SubscriberRow.id).where(func.lower(SubscriberRow.email) == address)
        result = session.execute(delete(FeedbackRow).where(FeedbackRow.reader_id.in_(mine)))
        erased = int(getattr(result, "rowcount", 0) or 0)
        for table, column in (
            (SubscriberRow, SubscriberRow.email),
            (DeliveryRow, DeliveryRow.email),
            (SuppressionRow, SuppressionRow.email),
            (SoftBounceRow, SoftBounceRow.email),
        ):
            result = session.execute(delete(table).where(func.lower(column) == address))
            erased += int(getattr(result, "rowcount", 0) or 0)
        if session.get(ForgottenRow, digest) is None:
            session.add(ForgottenRow(digest=digest))
        session.commit()
    return erased > 0


@translated("check the forgotten readers")
def forgotten_among(engine: Engine, emails: Iterable[str]) -> set[str]:
    """The addresses of ``emails`` that were erased on request."""
    key = forget_key(engine)
    by_digest = {address_digest(key, e): e for e in emails}
    found: set[str] = set()
    digests = list(by_digest)
    with Session(engine) as session:
        for first in range(0, len(digests), 500):
            chunk = digests[first : first + 500]
            query = select(ForgottenRow.digest).where(ForgottenRow.digest.in_(chunk))
            found.update(by_digest[d] for d in session.scalars(query))
    return found


@translated("take readers off the forgotten list")
def unforget(engine: Engine, emails: Iterable[str]) -> None:
    """Drop the hashes of ``emails`` (a forced import, a reader who signs up again)."""
    key = forget_key(engine)
    digests = [address_digest(key, e) for e in emails]
    with Session(engine) as session:
        for first in range(0, len(digests), 500):
            chunk = digests[first : first + 500]
            session.execute(delete(ForgottenRow).where(ForgottenRow.digest.in_(chunk)))
        session.commit()


@translated("delete the unconfirmed sign-ups")
def purge_unconfirmed(engine: Engine, older_than_days: int, now: dt.datetime | None = None) -> int:
    """Delete sign-ups still pending ``older_than_days`` after their last request."""
    cutoff = (now or utcnow()) - dt.timedelta(days=older_than_days)
    with Session(engine) as session:
        result = session.execute(
            delete(SubscriberRow).where(
                SubscriberRow.status == SubscriberStatus.PENDING.value,
                SubscriberRow.updated_at < cutoff,
            )
        )
        session.commit()
        return int(getattr(result, "rowcount", 0) or 0)
