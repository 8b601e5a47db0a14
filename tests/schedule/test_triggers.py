"""The trigger built from the ``schedule:`` section fires when a reader of the config expects."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from newsletter.config import parse_config
from newsletter.config.models import ScheduleConfig
from newsletter.config.schedule_time import parse_days
from newsletter.errors import ConfigError
from newsletter.schedule.triggers import build_trigger, next_fire_times
from tests.conftest import SHIPPED_CONFIG

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")


def fires(config: ScheduleConfig, start: dt.datetime, count: int) -> list[dt.datetime]:
    return [f.astimezone(UTC) for f in next_fire_times(build_trigger(config), start, count)]


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_weekdays_in_berlin_follow_the_clocks_across_spring_dst() -> None:
    config = ScheduleConfig(at="07:00", days="mon-fri", timezone="Europe/Berlin")
    # Fri 27 Mar 2026 is CET (+1); clocks go forward on Sun 29 Mar; Mon 30 is CEST (+2).
    got = fires(config, utc(2026, 3, 26, 12), 3)
    assert got == [utc(2026, 3, 27, 6), utc(2026, 3, 30, 5), utc(2026, 3, 31, 5)]
    assert all(f.astimezone(BERLIN).hour == 7 for f in got)


def test_autumn_dst_keeps_seven_oclock_local() -> None:
    config = ScheduleConfig(at="07:00", days="*", timezone="America/New_York")
    # New York falls back on Sun 1 Nov 2026: 07:00 is 11:00 UTC before, 12:00 UTC after.
    assert fires(config, utc(2026, 10, 31, 0), 2) == [utc(2026, 10, 31, 11), utc(2026, 11, 1, 12)]


@pytest.mark.parametrize(
    ("zone", "expected_utc"),
    [("Asia/Kolkata", (1, 30)), ("Asia/Kathmandu", (1, 15)), ("Australia/Adelaide", (20, 30))],
)
def test_half_and_quarter_hour_zones(zone: str, expected_utc: tuple[int, int]) -> None:
    config = ScheduleConfig(at="07:00", days="*", timezone=zone)
    (first,) = fires(config, utc(2026, 1, 10, 22), 1)
    assert (first.hour, first.minute) == expected_utc
    assert first.astimezone(ZoneInfo(zone)).time() == dt.time(7, 0)


def test_weekend_only_and_a_time_in_the_spring_gap() -> None:
    # 02:30 does not exist in Berlin on Sun 29 Mar 2026: the job fires at 03:30 CEST instead.
    config = ScheduleConfig(at="02:30", days="sat,sun", timezone="Europe/Berlin")
    got = fires(config, utc(2026, 3, 27, 0), 3)
    assert got == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 4, 4, 0, 30)]
    assert [f.astimezone(BERLIN).weekday() for f in got] == [5, 6, 5]


def test_cron_expression_uses_its_zone_and_day_names() -> None:
    config = ScheduleConfig(cron="30 6 * * tue,thu", timezone="Asia/Tokyo")
    assert fires(config, utc(2026, 1, 5, 0), 2) == [
        utc(2026, 1, 5, 21, 30),
        utc(2026, 1, 7, 21, 30),
    ]


def test_seconds_in_at_let_a_job_fire_a_few_seconds_ahead() -> None:
    config = ScheduleConfig(at="07:00:05", days="*", timezone="UTC")
    assert fires(config, utc(2026, 1, 1, 7), 1) == [utc(2026, 1, 1, 7, 0, 5)]


def test_local_time_mode_checks_every_few_minutes_in_utc() -> None:
    config = ScheduleConfig(local_time=True, check_every_minutes=15)
    got = fires(config, utc(2026, 1, 1, 7, 1), 3)
    assert got == [utc(2026, 1, 1, 7, 15), utc(2026, 1, 1, 7, 30), utc(2026, 1, 1, 7, 45)]


def test_day_names_lists_and_ranges() -> None:
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("mon,wed,sat-sun") == frozenset({0, 2, 5, 6})
    assert parse_days("*") == frozenset(range(7))


def config_with_schedule(schedule_yaml: str) -> str:
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    head = text[: text.index("schedule:")]
    return head + "schedule:\n" + schedule_yaml + "\ndatabase: sqlite:///newsletter.db\n"


@pytest.mark.parametrize(
    ("schedule_yaml", "key", "hint"),
    [
        ('  days: "1-5"', "schedule.days", "APScheduler counts weekdays from Monday"),
        ("  days: monday-friday", "schedule.days", "use day names"),
        ("  days: fri-mon", "schedule.days", "sat,sun,mon"),
        ('  cron: "0 7 * *"', "schedule.cron", "it needs 5"),
        ('  cron: "0 7 * * 1-5"', "schedule.cron", "numbers are refused"),
        ('  cron: "61 7 * * *"', "schedule.cron", "invalid cron expression"),
        ("  timezone: Europe/Berlim", "schedule.timezone", "IANA name"),
        ('  at: "7am"', "schedule.at", 'a time of day as HH:MM (24 hours), e.g. "07:00"'),
        ("  check_every_minutes: 7", "schedule.check_every_minutes", "must divide 60"),
    ],
)
def test_mistakes_name_file_line_key_and_what_is_allowed(
    schedule_yaml: str, key: str, hint: str
) -> None:
    text = config_with_schedule(schedule_yaml)
    line = text.splitlines().index(schedule_yaml) + 1
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "my.yaml")
    message = str(caught.value)
    assert f"my.yaml:{line}:" in message, message
    assert key in message
    assert hint in message


def test_local_time_and_cron_together_are_refused() -> None:
    text = config_with_schedule('  cron: "0 7 * * *"\n  local_time: true')
    with pytest.raises(ConfigError, match="cannot be combined with cron"):
        parse_config(text, "my.yaml")


def test_shipped_config_schedule_is_weekdays_seven_in_berlin() -> None:
    config = parse_config(SHIPPED_CONFIG.read_text(encoding="utf-8")).schedule
    got = fires(config, utc(2026, 11, 27, 7), 2)  # Fri after 07:00 Berlin -> Mon, Tue
    assert [f.astimezone(BERLIN).strftime("%a %H:%M") for f in got] == ["Mon 07:00", "Tue 07:00"]
