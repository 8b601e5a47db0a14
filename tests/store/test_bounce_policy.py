"""The bounce policy: hard stops at once, soft bounces counted per message within a window,
every stop with its reason and time, and an operator's deliberate reactivation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from newsletter.models import SubscriberStatus
from newsletter.store.events import BouncePolicy, apply_events, reactivate, suppressed_readers
from newsletter.store.subscribers import get_subscriber, upsert_subscriber

DAY = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
POLICY = BouncePolicy(soft_limit=3, window_days=10)


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def soft(email: str, message: str, when: dt.datetime, n: int = 0, **extra: Any) -> dict[str, Any]:
    return {"event": "deferred", "email": email, "sg_message_id": message,
            "sg_event_id": f"{message}-{n}", "timestamp": int(when.timestamp()),
            "response": "452 4.2.2 mailbox full", **extra}  # fmt: skip


def status(engine: Engine, email: str) -> SubscriberStatus:
    reader = get_subscriber(engine, email)
    assert reader is not None
    return reader.status


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"event": "bounce", "type": "bounce", "status": "5.1.1", "reason": "550 no such user"},
         SubscriberStatus.BOUNCED),
        ({"event": "dropped", "reason": "Invalid"}, SubscriberStatus.BOUNCED),
        ({"event": "spamreport"}, SubscriberStatus.COMPLAINED),
        ({"event": "unsubscribe"}, SubscriberStatus.UNSUBSCRIBED),
    ],
)  # fmt: skip
def test_hard_events_suppress_at_once_with_a_reason(engine, event, expected) -> None:
    upsert_subscriber(engine, "a@example.org")
    apply_events(engine, [{**event, "email": "a@example.org", "sg_event_id": "e1",
                           "timestamp": int(DAY.timestamp())}], POLICY)  # fmt: skip
    assert status(engine, "a@example.org") is expected
    [shown] = suppressed_readers(engine)
    assert shown.email == "a@example.org" and shown.status is expected
    assert shown.since.replace(tzinfo=None) == DAY.replace(tzinfo=None)
    assert event["event"] in shown.reason or "spam report" in shown.reason


def test_soft_bounces_suppress_after_the_limit_within_the_window(engine) -> None:
    upsert_subscriber(engine, "full@example.org")
    # One message deferred five times (SendGrid retries for 72 h) is one soft bounce.
    retries = [soft("full@example.org", "m1", DAY + dt.timedelta(hours=h), h) for h in range(5)]
    report = apply_events(engine, retries, POLICY)
    assert report.soft_bounces == 5 and report.stops == 0
    apply_events(engine, [soft("full@example.org", "m2", DAY + dt.timedelta(days=1))], POLICY)
    assert status(engine, "full@example.org") is SubscriberStatus.ACTIVE
    assert suppressed_readers(engine) == []
    third = apply_events(
        engine, [soft("full@example.org", "m3", DAY + dt.timedelta(days=2))], POLICY
    )
    assert third.changed == 1
    assert status(engine, "full@example.org") is SubscriberStatus.BOUNCED
    [shown] = suppressed_readers(engine)
    assert shown.reason.startswith("3 soft bounces within 10 days")


def test_soft_bounces_outside_the_window_do_not_add_up(engine) -> None:
    upsert_subscriber(engine, "slow@example.org")
    for n in range(4):  # one soft bounce every 6 days: never 3 within 10 days
        when = DAY + dt.timedelta(days=6 * n)
        apply_events(engine, [soft("slow@example.org", f"m{n}", when)], POLICY)
    assert status(engine, "slow@example.org") is SubscriberStatus.ACTIVE


def test_a_blocked_bounce_is_soft(engine) -> None:
    upsert_subscriber(engine, "b@example.org")
    blocked = {"event": "bounce", "type": "blocked", "email": "b@example.org",
               "sg_message_id": "m1", "sg_event_id": "x1", "status": "5.7.1"}  # fmt: skip
    report = apply_events(engine, [blocked], POLICY)
    assert (report.soft_bounces, report.stops) == (1, 0)
    assert status(engine, "b@example.org") is SubscriberStatus.ACTIVE


def test_reactivate_mails_the_reader_again_and_starts_counting_anew(engine) -> None:
    upsert_subscriber(engine, "a@example.org")
    for n in range(3):
        apply_events(engine, [soft("a@example.org", f"m{n}", DAY + dt.timedelta(hours=n))], POLICY)
    assert status(engine, "a@example.org") is SubscriberStatus.BOUNCED
    before = reactivate(engine, "A@example.org")
    assert before is not None and before.status is SubscriberStatus.BOUNCED
    assert status(engine, "a@example.org") is SubscriberStatus.ACTIVE
    assert suppressed_readers(engine) == []
    apply_events(engine, [soft("a@example.org", "m9", DAY + dt.timedelta(hours=5))], POLICY)
    assert status(engine, "a@example.org") is SubscriberStatus.ACTIVE  # one, not four
    assert reactivate(engine, "a@example.org") is None  # not suppressed: nothing to undo
