"""Local-time delivery: which readers are due now, for which of their own days. Pure.

A reader is due for their local day D when the instant "``at`` on D in their zone" has
passed and the grace after it has not. Instants are compared, never wall clocks, so a DST
change or a half-hour zone cannot make anyone due twice or never. When ``at`` falls in a
spring-forward gap it means the first instant after the gap (zoneinfo's ``fold=0``); in an
autumn overlap, the first of the two occurrences. Sending once is still the ledger's job.

A weekly reader is due on their own weekday only (whatever ``schedule.days`` says), at the
same ``at`` in their zone: the day is judged on their local date, so a DST week moves
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from newsletter.models import Cadence, Subscriber


def due_instant(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant when ``day`` reaches ``at`` in ``zone``."""
    wall = dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    return wall.astimezone(dt.UTC)


def due_day(
    zone: ZoneInfo, at: dt.time, days: frozenset[int], now: dt.datetime, grace: dt.timedelta
) -> dt.date | None:
    """The local day a reader in ``zone`` is due for at ``now``, or ``None``."""
    today = now.astimezone(zone).date()
    for day in (today, today - dt.timedelta(days=1)):  # a grace may run past midnight
        if day.weekday() not in days:
            continue
        start = due_instant(day, at, zone)
        if start <= now < start + grace:
            return day
    return None


def due_subscribers(
    subscribers: Iterable[Subscriber],
    default_zone: str,
    at: dt.time,
    days: frozenset[int],
    now: dt.datetime,
    grace: dt.timedelta,
    default_cadence: Cadence | None = None,
) -> dict[dt.date, list[Subscriber]]:
    """Readers due at ``now``, grouped by the issue day (their local date) they are due for
    (``Subscriber.cadence_on`` that day says whether daily or weekly)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zones: dict[str, ZoneInfo] = {}
    due: dict[dt.date, list[Subscriber]] = {}
    for subscriber in subscribers:
        name = subscriber.timezone or default_zone
        zone = zones.setdefault(name, ZoneInfo(name))
        day = _due_day(subscriber, zone, at, days, now, grace, default_cadence or Cadence())
        if day is not None:
            due.setdefault(day, []).append(subscriber)
    return due


def _due_day(
    subscriber: Subscriber,
    zone: ZoneInfo,
    at: dt.time,
    days: frozenset[int],
    now: dt.datetime,
    grace: dt.timedelta,
    default: Cadence,
) -> dt.date | None:
    """``due_day`` with the reader's own days: their weekday when weekly on that day."""
    today = now.astimezone(zone).date()
    for candidate in (today, today - dt.timedelta(days=1)):
        cadence = subscriber.cadence_on(candidate, default)
        wanted = frozenset({cadence.weekday}) if cadence.weekly else days
        day = due_day(zone, at, wanted, now, grace)
        if day == candidate:
            return day
    return None
