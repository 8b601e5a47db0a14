"""What the pages do to a reader, without HTTP: subscribe, confirm, choose, leave.

Status rules (``SubscriberStatus``):
- a subscription request for a new, pending or unsubscribed address stores it as ``pending``
  with the chosen topics and asks for confirmation; an active or paused reader is only told
  how to reach their preferences (a stranger cannot change their topics);
- bounced and complained addresses are never mailed, not even a confirmation;
- only a ``pending`` reader is activated by a confirmation link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.engine import Engine

from newsletter.models import Cadence, Subscriber, SubscriberStatus
from newsletter.store.audience import find_reader
from newsletter.store.subscribers import (
    get_subscriber,
    set_cadence,
    set_status,
    upsert_subscriber,
)

STOPPED = (SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED)
CHOOSABLE = (SubscriberStatus.ACTIVE, SubscriberStatus.PAUSED, SubscriberStatus.UNSUBSCRIBED)
Topics = frozenset[str] | None  # None: every topic, including topics added later


class RequestOutcome(StrEnum):
    CONFIRM = "confirm"  # send the confirmation link
    ALREADY = "already"  # send the preferences link instead
    SUPPRESSED = "suppressed"  # send nothing


def _topics_arg(topics: Topics) -> list[str]:
    # upsert_subscriber stores an empty list as None, which means every topic.
    return sorted(topics) if topics else []


def request_subscription(
    engine: Engine, listed: Sequence[Subscriber], email: str, topics: Topics
) -> RequestOutcome:
    reader = find_reader(engine, listed, email)
    status = reader.status if reader else None
    if status in STOPPED:
        return RequestOutcome.SUPPRESSED
    if status in (SubscriberStatus.ACTIVE, SubscriberStatus.PAUSED):
        return RequestOutcome.ALREADY
    upsert_subscriber(
        engine,
        email,
        topics=_topics_arg(topics),
        status=SubscriberStatus.PENDING,
        origin="web",
    )
    return RequestOutcome.CONFIRM


def confirm_subscription(engine: Engine, listed: Sequence[Subscriber], email: str) -> bool:
    """Activate a pending reader; ``True`` also when already active (a second click)."""
    reader = find_reader(engine, listed, email)
    if reader is None:
        return False
    if reader.status is SubscriberStatus.PENDING:
        return set_status(engine, email, SubscriberStatus.ACTIVE)
    return reader.status is SubscriberStatus.ACTIVE


def save_preferences(
    engine: Engine,
    email: str,
    topics: Topics,
    status: SubscriberStatus,
    rhythm: CadenceChoice | None = None,
) -> Subscriber:
    """Store a reader's own choice; it applies from the next issue (a switch from weekly to
    daily after this week's weekly issue: see ``set_cadence``)."""
    if status not in CHOOSABLE:
        raise ValueError(f"a reader cannot choose the status {status.value!r}")
    saved = upsert_subscriber(
        engine, email, topics=_topics_arg(topics), status=status, origin="web"
    )
    if rhythm is not None and rhythm.cadence != saved.cadence_on(rhythm.today, rhythm.default):
        set_cadence(engine, email, rhythm.cadence, rhythm.today, rhythm.default)
        return get_subscriber(engine, email) or saved
    return saved


@dataclass(frozen=True, slots=True)
class CadenceChoice:
    """The rhythm a reader chose on the preferences page, with the day it was chosen on
    (the newsletter's today) and the operator's default."""

    cadence: Cadence
    today: dt.date
    default: Cadence


def unsubscribe(engine: Engine, listed: Sequence[Subscriber], email: str) -> None:
    """Stop mail to ``email`` now. Idempotent; a stronger stop (bounce, complaint) stays, and
    an address we do not know is recorded anyway so it is never mailed."""
    reader = find_reader(engine, listed, email)
    if reader is not None and reader.status in STOPPED:
        return  # only ever in the database: YAML readers are active until recorded otherwise
    upsert_subscriber(engine, email, status=SubscriberStatus.UNSUBSCRIBED, origin="web")
