"""Subscribers in the database: the one place readers are added, changed and looked up.

Addresses are normalized (domain lower-cased, validated by email-validator) before they are
stored or looked up, so ``Ada@Example.org`` and ``ada@example.org`` are one reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsletter.errors import NewsletterError
from newsletter.models import Subscriber, SubscriberStatus
from newsletter.store.db import SubscriberRow, utcnow


class InvalidEmailError(NewsletterError):
    """An address that is not a valid email address; the message says why."""


def normalize_email(address: str) -> str:
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidEmailError(f"{address!r} is not a valid email address: {exc}") from exc


def _to_model(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        email=row.email,
        name=row.name,
        topics=frozenset(row.topics) if row.topics else None,
        status=SubscriberStatus(row.status),
        timezone=row.timezone,
    )


def get_subscriber(engine: Engine, email: str) -> Subscriber | None:
    with Session(engine) as session:
        row = session.scalar(
            select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        )
        return _to_model(row) if row else None


def list_subscribers(
    engine: Engine, statuses: Sequence[SubscriberStatus] | None = None
) -> list[Subscriber]:
    query = select(SubscriberRow).order_by(SubscriberRow.id)
    if statuses:
        query = query.where(SubscriberRow.status.in_([s.value for s in statuses]))
    with Session(engine) as session:
        return [_to_model(row) for row in session.scalars(query)]


def active_subscribers(engine: Engine) -> list[Subscriber]:
    return list_subscribers(engine, [SubscriberStatus.ACTIVE])


def upsert_subscriber(
    engine: Engine,
    email: str,
    *,
    name: str | None = None,
    topics: Iterable[str] | None = None,
    status: SubscriberStatus | None = None,
    timezone: str | None = None,
    origin: str = "cli",
) -> Subscriber:
    """Add a reader or update the given fields of an existing one."""
    address = normalize_email(email)
    with Session(engine) as session:
        row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == address))
        if row is None:
            row = SubscriberRow(email=address, origin=origin, status=SubscriberStatus.ACTIVE.value)
            session.add(row)
        if name is not None:
            row.name = name
        if topics is not None:
            row.topics = sorted(set(topics)) or None
        if status is not None:
            row.status = status.value
        if timezone is not None:
            row.timezone = timezone
        row.updated_at = utcnow()
        session.commit()
        return _to_model(row)


def set_status(engine: Engine, email: str, status: SubscriberStatus) -> bool:
    """Change a reader's status; False when the address is unknown."""
    with Session(engine) as session:
        row = session.scalar(
            select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        )
        if row is None:
            return False
        row.status = status.value
        row.updated_at = utcnow()
        session.commit()
        return True


def remove_subscriber(engine: Engine, email: str) -> bool:
    with Session(engine) as session:
        row = session.scalar(
            select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        )
        if row is None:
            return False
        session.delete(row)
        session.commit()
        return True
