"""Provider events (SendGrid's Event Webhook) applied to subscribers, each exactly once.

An event that means "do not mail this address again" moves the reader to a stopped status;
the address is recorded even when it is not in the database yet (a reader listed only in the
YAML), so the pipeline skips it from then on. Statuses only get stronger: a later
``unsubscribe`` does not turn a spam complaint back into a plain unsubscription.

Hard bounces, drops for a bad address, spam reports and unsubscribes stop mail at once. Soft
bounces (``deferred``, a ``blocked`` bounce, a full mailbox) are counted per message and stop
mail only after ``BouncePolicy.soft_limit`` messages within ``window_days``. Each stop is
recorded with its reason and time in ``suppressions`` (``subscribers list --status
suppressed``); ``reactivate`` undoes one on an operator's explicit request.

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
from newsletter.store.db import (
    SoftBounceRow,
    SubscriberRow,
    SuppressionRow,
    WebhookEventRow,
    utcnow,
)
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
# Bounce texts of a full or over-quota mailbox: temporary, the reader may empty it.
_MAILBOX_FULL = ("mailbox full", "quota", "insufficient storage", "mailbox is full")


@dataclass(frozen=True, slots=True)
class BouncePolicy:
    """Soft bounces that stop mail: ``soft_limit`` messages within ``window_days``."""

    soft_limit: int = 5
    window_days: int = 30


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one event says about its address: a stop now (``status``), or a soft bounce."""

    status: SubscriberStatus | None
    reason: str
    soft: bool = False


@dataclass(slots=True)
class EventReport:
    """What one webhook delivery did, returned to SendGrid and logged."""

    received: int = 0
    stops: int = 0  # events that stop mail to their address
    changed: int = 0  # ... of which changed a reader's status (others were stopped already)
    duplicates: int = 0  # sg_event_id seen before: ignored
    soft_bounces: int = 0  # counted towards the soft-bounce limit
    ignored: int = 0  # events that say nothing about deliverability (open, click, ...)
    malformed: int = 0
    statuses: dict[str, str] = field(default_factory=dict)  # address -> new status

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "stops": self.stops,
            "changed": self.changed,
            "duplicates": self.duplicates,
            "soft_bounces": self.soft_bounces,
            "ignored": self.ignored,
            "malformed": self.malformed,
        }


def judge_event(event: Mapping[str, Any]) -> Verdict | None:
    """What an event means for its recipient, or ``None`` if it says nothing (open, click).

    A ``bounce`` of type ``blocked`` is a temporary refusal by the receiving server (often
    about the sender's reputation), and a full mailbox empties again: both are soft, like
    ``deferred``; a plain ``bounce`` is the receiving server saying the address is dead.
    """
    kind = event.get("event")
    detail = " ".join(str(event.get(k, "")) for k in ("status", "reason")).strip()
    said = f"{kind}: {detail}" if detail else str(kind)
    if kind == "deferred" or (kind == "bounce" and _is_soft(event)):
        return Verdict(None, said[:500], soft=True)
    if kind == "bounce":
        return Verdict(SubscriberStatus.BOUNCED, said[:500])
    if kind == "dropped":
        reason = str(event.get("reason", "")).strip().lower()
        return Verdict(DROP_REASONS.get(reason, SubscriberStatus.BOUNCED), said[:500])
    if kind == "spamreport":
        return Verdict(SubscriberStatus.COMPLAINED, "spam report")
    if kind in ("unsubscribe", "group_unsubscribe"):
        return Verdict(SubscriberStatus.UNSUBSCRIBED, f"{kind} at the provider")
    return None


def _is_soft(event: Mapping[str, Any]) -> bool:
    status = str(event.get("status", ""))
    reason = str(event.get("reason", "")).lower()
    return (
        event.get("type") == "blocked"
        or status.startswith("4")
        or status == "5.2.2"  # mailbox full (RFC 3463)
        or any(words in reason for words in _MAILBOX_FULL)
    )


@dataclass(frozen=True, slots=True)
class _Event:
    event_id: str | None
    kind: str
    address: str | None
    verdict: Verdict | None  # None: says nothing about deliverability
    message: str  # the provider's message id (soft bounces are counted per message)
    at: dt.datetime


def _parse(index: int, event: Any) -> _Event | None:
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        log.warning("webhook event #%d skipped: not an object with an 'event' name", index)
        return None
    verdict = judge_event(event)
    address = _address(event) if verdict else None
    if verdict and address is None:
        log.warning("webhook event #%d (%s) skipped: no valid email", index, event["event"])
        return None
    event_id = event.get("sg_event_id")
    valid_id = event_id[:200] if isinstance(event_id, str) and event_id else None
    message = str(event.get("sg_message_id") or valid_id or f"event-{index}")[:200]
    return _Event(valid_id, event["event"][:40], address, verdict, message, _when(event))


def _when(event: Mapping[str, Any]) -> dt.datetime:
    stamp = event.get("timestamp")
    if isinstance(stamp, int | float) and 0 < stamp < 1e11:
        return dt.datetime.fromtimestamp(stamp, dt.UTC)
    return utcnow()


@translated("apply the provider's events")
def apply_events(
    engine: Engine, events: Iterable[Any], policy: BouncePolicy | None = None
) -> EventReport:
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
        report = _apply_batch(engine, parsed, policy or BouncePolicy())
    except IntegrityError:
        report = EventReport()
        for item in parsed:
            _apply_alone(engine, item, report, policy or BouncePolicy())
    report.received, report.malformed = received, malformed
    return report


def _apply_batch(engine: Engine, parsed: list[_Event], policy: BouncePolicy) -> EventReport:
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
            _count(session, item, report, policy)
        session.commit()
    return report


def _apply_alone(engine: Engine, item: _Event, report: EventReport, policy: BouncePolicy) -> None:
    with Session(engine) as session:
        if item.event_id:
            session.add(WebhookEventRow(event_id=item.event_id, kind=item.kind))
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                report.duplicates += 1
                return
        _count(session, item, report, policy)
        session.commit()


def _count(session: Session, item: _Event, report: EventReport, policy: BouncePolicy) -> None:
    verdict = item.verdict
    if verdict is None or item.address is None:
        report.ignored += 1
        return
    status, reason = verdict.status, verdict.reason
    if verdict.soft:
        report.soft_bounces += 1
        count = _record_soft_bounce(session, item, policy)
        if count < policy.soft_limit:
            return
        status = SubscriberStatus.BOUNCED
        reason = f"{count} soft bounces within {policy.window_days} days (last: {reason})"
    assert status is not None
    report.stops += 1
    if _stop(session, item.address, status, reason, item.at):
        report.changed += 1
        report.statuses[item.address] = status.value


def _record_soft_bounce(session: Session, item: _Event, policy: BouncePolicy) -> int:
    """Count this message (once, however often the provider retried it); return how many
    distinct messages to the address bounced softly within the window."""
    assert item.address is not None and item.verdict is not None
    key = item.address.lower()
    known = select(SoftBounceRow.id).where(
        SoftBounceRow.email == key, SoftBounceRow.message == item.message
    )
    if session.scalar(known) is None:
        session.add(SoftBounceRow(email=key, message=item.message, reason=item.verdict.reason,
                                  at=item.at))  # fmt: skip
        session.flush()
    since = item.at - dt.timedelta(days=policy.window_days)
    recent = select(func.count()).where(SoftBounceRow.email == key, SoftBounceRow.at >= since)
    return int(session.scalar(recent) or 0)


def _address(event: Mapping[str, Any]) -> str | None:
    value = event.get("email")
    if not isinstance(value, str):
        return None
    try:
        return normalize_email(value)
    except InvalidEmailError:
        return None


def _stop(
    session: Session, address: str, status: SubscriberStatus, reason: str, at: dt.datetime
) -> bool:
    """Move ``address`` to ``status`` unless it is already as stopped or more.

    Matched without regard to case: providers report ``ada@example.org`` for a reader who
    typed ``Ada@example.org``, and one mailbox must not escape a bounce by its spelling.
    """
    query = select(SubscriberRow).where(func.lower(SubscriberRow.email) == address.lower())
    rows = list(session.scalars(query))
    if not rows:
        # Unknown here, perhaps listed only in the YAML: remember it so it is never mailed.
        session.add(SubscriberRow(email=address, status=status.value, origin="webhook"))
        _suppress(session, address, status, reason, at)
        return True
    changed = False
    for row in rows:
        if SEVERITY.get(SubscriberStatus(row.status), 0) < SEVERITY[status]:
            row.status = status.value
            row.updated_at = utcnow()
            changed = True
    if changed:
        _suppress(session, address, status, reason, at)
    return changed


def _suppress(
    session: Session, address: str, status: SubscriberStatus, reason: str, at: dt.datetime
) -> None:
    row = session.get(SuppressionRow, address.lower())
    if row is None:
        session.add(SuppressionRow(email=address.lower(), status=status.value, reason=reason,
                                   since=at))  # fmt: skip
    else:
        row.status, row.reason, row.since = status.value, reason, at


@translated("prune old provider events")
def prune_events(engine: Engine, keep: dt.timedelta = KEEP_EVENTS_FOR) -> int:
    """Forget event ids older than ``keep``; a request that old is refused as stale anyway."""
    with Session(engine) as session:
        result = session.execute(
            delete(WebhookEventRow).where(WebhookEventRow.processed_at < utcnow() - keep)
        )
        session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A reader mail no longer goes to, with why and since when."""

    email: str
    status: SubscriberStatus
    reason: str
    since: dt.datetime


@translated("list the suppressed readers")
def suppressed_readers(engine: Engine) -> list[Suppressed]:
    """Every stopped reader: the recorded reason, or (stopped before reasons were kept, or
    on the web) the status and the time of the last change."""
    stopped = [s.value for s in SEVERITY]
    with Session(engine) as session:
        reasons = {r.email: r for r in session.scalars(select(SuppressionRow))}
        rows = session.scalars(
            select(SubscriberRow)
            .where(SubscriberRow.status.in_(stopped))
            .order_by(SubscriberRow.email)
        )
        found = []
        for row in rows:
            known = reasons.get(row.email.lower())
            reason = known.reason if known else f"{row.status} ({row.origin})"
            since = known.since if known else row.updated_at
            found.append(Suppressed(row.email, SubscriberStatus(row.status), reason, since))
        return found


@translated("reactivate the reader")
def reactivate(engine: Engine, email: str) -> Suppressed | None:
    """Mail ``email`` again on an operator's explicit request: active, reason and soft-bounce
    count forgotten. Returns what the suppression was, or ``None`` if it was not stopped."""
    before = next((s for s in suppressed_readers(engine) if s.email.lower() == email.lower()), None)
    if before is None:
        return None
    with Session(engine) as session:
        query = select(SubscriberRow).where(func.lower(SubscriberRow.email) == email.lower())
        for row in session.scalars(query):
            row.status = SubscriberStatus.ACTIVE.value
            row.updated_at = utcnow()
        session.execute(delete(SuppressionRow).where(SuppressionRow.email == email.lower()))
        session.execute(delete(SoftBounceRow).where(SoftBounceRow.email == email.lower()))
        session.commit()
    return before
