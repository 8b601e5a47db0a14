"""Local-time delivery: each reader is due at ``at`` of their own day, exactly once per day,
across DST changes and in half-hour zones (pure selection; sending once is the ledger's)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from newsletter.models import Subscriber
from newsletter.schedule.local_time import due_subscribers

UTC = dt.UTC
SEVEN = dt.time(7, 0)
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
GRACE = dt.timedelta(hours=2)


def first_due(
    zone: str,
    start: dt.datetime,
    end: dt.datetime,
    at: dt.time = SEVEN,
    days: frozenset[int] = EVERY_DAY,
    step: dt.timedelta = dt.timedelta(minutes=15),
) -> dict[dt.date, dt.datetime]:
    """Simulate a check every ``step``: the first check at which each local day was due."""
    reader = Subscriber("r@example.org", timezone=zone)
    seen: dict[dt.date, dt.datetime] = {}
    now = start
    while now < end:
        for day in due_subscribers([reader], "UTC", at, days, now, GRACE):
            seen.setdefault(day, now)
        now += step
    return seen


@pytest.mark.parametrize(
    ("zone", "start", "end"),
    [
        (
            "Europe/Berlin",
            dt.datetime(2026, 3, 26, tzinfo=UTC),
            dt.datetime(2026, 4, 1, tzinfo=UTC),
        ),
        (
            "Europe/Berlin",
            dt.datetime(2026, 10, 22, tzinfo=UTC),
            dt.datetime(2026, 10, 28, tzinfo=UTC),
        ),
        (
            "America/New_York",
            dt.datetime(2026, 3, 6, tzinfo=UTC),
            dt.datetime(2026, 3, 11, tzinfo=UTC),
        ),
        (
            "Australia/Adelaide",
            dt.datetime(2026, 4, 2, tzinfo=UTC),
            dt.datetime(2026, 4, 7, tzinfo=UTC),
        ),
        (
            "Asia/Kolkata",
            dt.datetime(2026, 3, 26, tzinfo=UTC),
            dt.datetime(2026, 3, 30, tzinfo=UTC),
        ),
        (
            "Asia/Kathmandu",
            dt.datetime(2026, 3, 26, tzinfo=UTC),
            dt.datetime(2026, 3, 30, tzinfo=UTC),
        ),
    ],
)
def test_each_local_day_is_due_once_at_seven_local_across_dst(
    zone: str, start: dt.datetime, end: dt.datetime
) -> None:
    seen = first_due(zone, start, end)
    local = ZoneInfo(zone)
    first_day = start.astimezone(local).date() + dt.timedelta(days=1)
    last_day = (end - GRACE).astimezone(local).date() - dt.timedelta(days=1)
    expected = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    assert [d for d in sorted(seen) if first_day <= d <= last_day] == expected
    for day, when in seen.items():
        assert when.astimezone(local).date() == day  # their own date, not UTC's
        assert when.astimezone(local).time() == SEVEN, (day, when.astimezone(local))


def test_berlin_reader_moves_an_hour_earlier_in_utc_after_spring_forward() -> None:
    seen = first_due(
        "Europe/Berlin", dt.datetime(2026, 3, 28, tzinfo=UTC), dt.datetime(2026, 3, 31, tzinfo=UTC)
    )
    assert seen[dt.date(2026, 3, 28)] == dt.datetime(2026, 3, 28, 6, tzinfo=UTC)
    assert seen[dt.date(2026, 3, 29)] == dt.datetime(2026, 3, 29, 5, tzinfo=UTC)
    assert seen[dt.date(2026, 3, 30)] == dt.datetime(2026, 3, 30, 5, tzinfo=UTC)


def test_hour_in_the_spring_gap_is_the_first_instant_after_it() -> None:
    # 02:30 never happens in Berlin on 29 Mar 2026; the reader is due at 03:30 CEST.
    seen = first_due(
        "Europe/Berlin",
        dt.datetime(2026, 3, 28, 20, tzinfo=UTC),
        dt.datetime(2026, 3, 29, 6, tzinfo=UTC),
        at=dt.time(2, 30),
    )
    assert seen == {dt.date(2026, 3, 29): dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)}


def test_hour_in_the_autumn_overlap_is_due_once_at_its_first_occurrence() -> None:
    # 02:30 happens twice in Berlin on 25 Oct 2026 (00:30 and 01:30 UTC).
    seen = first_due(
        "Europe/Berlin",
        dt.datetime(2026, 10, 24, 20, tzinfo=UTC),
        dt.datetime(2026, 10, 25, 6, tzinfo=UTC),
        at=dt.time(2, 30),
    )
    assert seen == {dt.date(2026, 10, 25): dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)}


def test_weekdays_are_the_readers_own_weekdays() -> None:
    # Monday 07:00 in Tokyo is Sunday 22:00 UTC: the Monday issue goes out then.
    now = dt.datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # a Sunday in UTC
    tokyo = Subscriber("tokyo@example.org", timezone="Asia/Tokyo")
    la = Subscriber("la@example.org", timezone="America/Los_Angeles")
    due = due_subscribers([tokyo, la], "UTC", SEVEN, WEEKDAYS, now, GRACE)
    assert due == {dt.date(2026, 3, 2): [tokyo]}


def test_readers_without_a_zone_use_the_schedule_zone_and_grace_ends_it() -> None:
    plain = Subscriber("plain@example.org")
    kolkata = Subscriber("kolkata@example.org", timezone="Asia/Kolkata")
    at_0130 = dt.datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 07:00 in Kolkata
    assert due_subscribers([plain, kolkata], "Europe/Berlin", SEVEN, EVERY_DAY, at_0130, GRACE) == {
        dt.date(2026, 3, 2): [kolkata]
    }
    six_hours_later = at_0130 + dt.timedelta(hours=5)  # 07:30 Berlin; Kolkata's grace is over
    assert due_subscribers(
        [plain, kolkata], "Europe/Berlin", SEVEN, EVERY_DAY, six_hours_later, GRACE
    ) == {dt.date(2026, 3, 2): [plain]}
    with pytest.raises(ValueError, match="aware"):
        due_subscribers([plain], "UTC", SEVEN, EVERY_DAY, dt.datetime(2026, 1, 1), GRACE)
