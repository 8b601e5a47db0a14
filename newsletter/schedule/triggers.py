"""Triggers from the ``schedule:`` config: APScheduler 3.x cron triggers in a named zone.

Days are names only. APScheduler 3 counts ``day_of_week`` from Monday (0 = mon) while cron
counts from Sunday (0 = sun), so a number would silently shift the job by a day: refuse it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

if TYPE_CHECKING:
    from newsletter.config.models import ScheduleConfig

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS_HELP = (
    "use day names (mon tue wed thu fri sat sun), ranges like mon-fri, lists like "
    "mon,wed,fri, or * for every day; numbers are refused because APScheduler counts "
    "weekdays from Monday and cron from Sunday"
)


def parse_days(value: str) -> frozenset[int]:
    """``"mon-fri"``, ``"mon,wed,sat-sun"`` or ``"*"`` as weekday numbers (0 = Monday)."""
    days: set[int] = set()
    for token in (t.strip().lower() for t in value.split(",")):
        if token in ("*", "daily"):
            days.update(range(7))
            continue
        first, _, last = token.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"unknown day {token!r}; {_DAYS_HELP}")
        start, end = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        if end < start:
            raise ValueError(
                f"day range {token!r} runs backwards; write it as a list, e.g. sat,sun,mon"
            )
        days.update(range(start, end + 1))
    return frozenset(days)


def days_expression(days: frozenset[int]) -> str:
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def parse_cron(expr: str, timezone: str) -> CronTrigger:
    """A standard 5-field crontab line (minute hour day month day-of-week) in ``timezone``."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"cron expression {expr!r} has {len(fields)} fields; it needs 5: "
            "minute hour day-of-month month day-of-week, e.g. '0 7 * * mon-fri'"
        )
    if any(ch.isdigit() for ch in fields[4]):
        raise ValueError(f"day-of-week {fields[4]!r} in cron {expr!r}: {_DAYS_HELP}")
    try:
        return CronTrigger.from_crontab(expr, timezone=ZoneInfo(timezone))
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {expr!r}: {exc}") from None


def parse_at(value: str) -> dt.time:
    """``"07:00"`` or ``"07:00:30"`` (seconds let tests fire a few seconds ahead)."""
    return dt.time.fromisoformat(value)


def build_trigger(config: ScheduleConfig) -> CronTrigger:
    """The daily job's trigger. With ``local_time`` the job instead wakes every few minutes
    (in UTC, so half-hour zones are reached on time) and picks the readers who are due."""
    if config.local_time:
        return CronTrigger(minute=f"*/{config.check_every_minutes}", timezone=dt.UTC)
    if config.cron:
        return parse_cron(config.cron, config.timezone)
    at = parse_at(config.at)
    return CronTrigger(
        day_of_week=days_expression(parse_days(config.days)),
        hour=at.hour,
        minute=at.minute,
        second=at.second,
        timezone=ZoneInfo(config.timezone),
    )


def next_fire_times(trigger: CronTrigger, now: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` distinct fire times after ``now`` (aware, in the trigger's zone).

    APScheduler 3 fires twice when ``at`` lies in an autumn overlap (once per offset; the
    second fire finds everything sent) and can answer the same instant again right after
    it, so this steps past repeats instead of trusting ``previous_fire_time``."""
    times: list[dt.datetime] = []
    current = now
    for _ in range(count * 4):
        if len(times) == count:
            break
        fire = trigger.get_next_fire_time(None, current)
        if fire is None:
            break
        if times and fire <= times[-1]:
            current += dt.timedelta(hours=1)
            continue
        times.append(fire)
        current = fire + dt.timedelta(seconds=1)
    return times
