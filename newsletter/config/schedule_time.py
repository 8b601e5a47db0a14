"""The ``schedule:`` section's days, times and cron lines, parsed and checked when the config
loads (so a typo fails in seconds, not at the first fire).

Days are names only. APScheduler 3 counts ``day_of_week`` from Monday (0 = mon) while cron
counts from Sunday (0 = sun), so a number would silently shift the job by a day: refuse it.
APScheduler itself is imported only to check a ``cron`` line, and only when there is one:
loading a config without one never imports it.
"""

from __future__ import annotations

import datetime as dt

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


def check_cron(expr: str) -> None:
    """A standard 5-field crontab line (minute hour day month day-of-week); raises
    ``ValueError`` saying what is wrong."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"cron expression {expr!r} has {len(fields)} fields; it needs 5: "
            "minute hour day-of-month month day-of-week, e.g. '0 7 * * mon-fri'"
        )
    if any(ch.isdigit() for ch in fields[4]):
        raise ValueError(f"day-of-week {fields[4]!r} in cron {expr!r}: {_DAYS_HELP}")
    from apscheduler.triggers.cron import CronTrigger  # the one parser the scheduler uses

    try:
        CronTrigger.from_crontab(expr, timezone=dt.UTC)
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {expr!r}: {exc}") from None


def parse_at(value: str) -> dt.time:
    """``"07:00"`` or ``"07:00:30"`` (seconds let tests fire a few seconds ahead)."""
    return dt.time.fromisoformat(value)
