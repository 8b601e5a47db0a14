"""Provider events (SendGrid's Event Webhook) applied to subscribers, each exactly once.

An event that means "do not mail this address again" moves the reader to a stopped status;
the address is recorded even when it is not in the database yet (a reader listed only in the
YAML), so the pipeline skips it from then on. Statuses only get stronger: a later
``unsubscribe`` does not turn a spam complaint back into a plain unsubscription.

Each event is claimed by inserting its ``sg_event_id`` in the same transaction that changes
the reader, so a retried or replayed delivery is a no-op, enforced by the primary key (two
deliveries racing: the loser's batch fails on that key and is redone event by event).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.errors import InvalidEmailError
from newsletter.models import SubscriberStatus
from newsletter.store.db import SubscriberRow, WebhookEventRow, utcnow
from newsletter.store.failures import translated
from newsletter.store.subscribers import normalize_email

log = logging.getLogger(__name__)

# How bad each status is; an event never moves a reader to a milder one.
SEVERITY = {
    SubscriberStatus.COMPLAINED: 3,
    SubscriberStatus.BOUNCED: 2,
    SubscriberStatus.UNSUBSCRIBED: 1,
}
# Why SendGrid dropped a message -> what that says about the address.
DROP_REASONS = {
    "spam reporting address": SubscriberStatus.COMPLAINED,
    "unsubscribed address": SubscriberStatus.UNSUBSCRIBED,
}
KEEP_EVENTS_FOR = dt.timedelta(days=7)  # longer than SendGrid's 24-hour retry window


@dataclass(slots=True)
class EventReport:
    """What one webhook delivery did, returned to SendGrid and logged."""

    received: int = 0
    stops: int = 0  # events that stop mail to their address
    changed: int = 0  # ... of which changed a reader's status (others were stopped already)
    duplicates: int = 0  # sg_event_id seen before: ignored
    ignored: int = 0  # events that say nothing about deliverability (open, click, ...)
    malformed: int = 0
    statuses: dict[str, str] = field(default_factory=dict)  # address -> new status

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "stops": self.stops,
            "changed": self.changed,
            "duplicates": self.duplicates,
            "ignored": self.ignored,
            "malformed": self.malformed,
        }


def stopping_status(event: Mapping[str, Any]) -> SubscriberStatus | None:
    """The status an event puts its recipient in, or ``None`` if it changes nothing.

    A ``bounce`` of type ``blocked`` is a temporary refusal by the receiving server (often
    about the sender's reputation), not a dead address, so it does not stop mail.
    """
    kind = event.get("event")
    if kind == "bounce":
        return None if event.get("type") == "blocked" else SubscriberStatus.BOUNCED
    if kind == "dropped":
        reason = str(event.get("reason", "")).strip().lower()
        return DROP_REASONS.get(reason, SubscriberStatus.BOUNCED)
    if kind == "spamreport":
        return SubscriberStatus.COMPLAINED
    if kind in ("unsubscribe", "group_unsubscribe"):
        return SubscriberStatus.UNSUBSCRIBED
    return None


@dataclass(frozen=True, slots=True)
class _Event:
    event_id: str | None
    kind: str
    address: str | None
    status: SubscriberStatus | None  # None: says nothing about deliverability


def _parse(index: int, event: Any) -> _Event | None:
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        log.warning("webhook event #%d skipped: not an object with an 'event' name", index)
        return None
    status = stopping_status(event)
    address = _address(event) if status else None
    if status and address is None:
        log.warning("webhook event #%d (%s) skipped: no valid email", index, event["event"])
        return None
    event_id = event.get("sg_event_id")
    valid_id = event_id[:200] if isinstance(event_id, str) and event_id else None
    return _Event(valid_id, event["event"][:40], address, status)


@translated("apply the provider's events")
def apply_events(engine: Engine, events: Iterable[Any]) -> EventReport:
    """Apply a webhook body's events in order, in one transaction; if another delivery of
    the same events commits first, apply them again one transaction each (each once)."""
    parsed: list[_Event] = []
    malformed = received = 0
    for index, event in enumerate(events):
        received += 1
        item = _parse(index, event)
        if item is None:
            malformed += 1
        else:
            parsed.append(item)
    try:
        report = _apply_batch(engine, parsed)
    except IntegrityError:
        report = EventReport()
        for item in parsed:
            _apply_alone(engine, item, report)
    report.received, report.malformed = received, malformed
    return report


def _apply_batch(engine: Engine, parsed: list[_Event]) -> EventReport:
    report = EventReport()
    ids = [item.event_id for item in parsed if item.event_id]
    with Session(engine) as session:
        seen: set[str] = set()
        for first in range(0, len(ids), 500):  # stay under every database's parameter limit
            chunk = ids[first : first + 500]
            query = select(WebhookEventRow.event_id).where(WebhookEventRow.event_id.in_(chunk))
            seen.update(session.scalars(query))
        for item in parsed:
            if item.event_id:
                if item.event_id in seen:
                    report.duplicates += 1
                    continue
                seen.add(item.event_id)
                session.add(WebhookEventRow(event_id=item.event_id, kind=item.kind))
            _count(session, item, report)
        session.commit()
    return report


def _apply_alone(engine: Engine, item: _Event, report: EventReport) -> None:
    with Session(engine) as session:
        if item.event_id:
            session.add(WebhookEventRow(event_id=item.event_id, kind=item.kind))
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                report.duplicates += 1
                return
        _count(session, item, report)
        session.commit()


def _count(session: Session, item: _Event, report: EventReport) -> None:
    if item.status is None or item.address is None:
        report.ignored += 1
        return
    report.stops += 1
    if _stop(session, item.address, item.status):
        report.changed += 1
        report.statuses[item.address] = item.status.value


def _address(event: Mapping[str, Any]) -> str | None:
    value = event.get("email")
    if not isinstance(value, str):
        return None
    try:
        return normalize_email(value)
    except InvalidEmailError:
        return None


def _stop(session: Session, address: str, status: SubscriberStatus) -> bool:
    """Move ``address`` to ``status`` unless it is already as stopped or more.

    Matched without regard to case: providers report ``ada@example.org`` for a reader who
    typed ``Ada@example.org``, and one mailbox must not escape a bounce by its spelling.
    """
    query = select(SubscriberRow).where(func.lower(SubscriberRow.email) == address.lower())
    rows = list(session.scalars(query))
    if not rows:
        # Unknown here, perhaps listed only in the YAML: remember it so it is never mailed.
        session.add(SubscriberRow(email=address, status=status.value, origin="webhook"))
        return True
    changed = False
    for row in rows:
        if SEVERITY.get(SubscriberStatus(row.status), 0) < SEVERITY[status]:
            row.status = status.value
            row.updated_at = utcnow()
            changed = True
    return changed


@translated("prune old provider events")
def prune_events(engine: Engine, keep: dt.timedelta = KEEP_EVENTS_FOR) -> int:
    """Forget event ids older than ``keep``; a request that old is refused as stale anyway."""
    with Session(engine) as session:
        result = session.execute(
            delete(WebhookEventRow).where(WebhookEventRow.processed_at < utcnow() - keep)
        )
        session.commit()
        return int(getattr(result, "rowcount", 0) or 0)
