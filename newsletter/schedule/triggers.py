"""Triggers from the ``schedule:`` config: APScheduler 3.x cron triggers in a named zone.

The days, times and cron lines are parsed and checked in ``config.schedule_time``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

if TYPE_CHECKING:
    from newsletter.config.models import ScheduleConfig

from newsletter.config.schedule_time import check_cron, days_expression, parse_at, parse_days


def parse_cron(expr: str, timezone: str) -> CronTrigger:
    """A checked crontab line (see ``config.schedule_time.check_cron``) in ``timezone``."""
    check_cron(expr)
    return CronTrigger.from_crontab(expr, timezone=ZoneInfo(timezone))


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
