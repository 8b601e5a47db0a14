"""Weekly readers: a week of recorded days, the local-time scheduler checking every 30
minutes, and what each reader finds in their outbox (parsed with the ``email`` package).

The week is 23-29 March 2026: Europe springs forward on Sunday the 29th (a DST week)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from newsletter.config import load_config
from newsletter.models import Cadence
from newsletter.schedule.job import run_local_time
from newsletter.store import open_database
from newsletter.store.subscribers import SubscriberInput, set_cadence, upsert_many
from tests.conftest import REPO
from tests.readers import read_eml

RECORDED = REPO / "tests" / "fixtures" / "hf" / "daily_papers_2025-10-03.json"
MONDAY = dt.date(2026, 3, 23)
WEEKDAYS = [MONDAY + dt.timedelta(days=n) for n in range(5)]
FRIDAYS = Cadence.parse("weekly:friday")
LATE = 0  # the recorded paper that is listed again on Thursday, with more upvotes
ZONES = {
    "daily@example.org": "Europe/Berlin",
    "friday@example.org": "America/New_York",
    "sunday@example.org": "Europe/Berlin",
    "to-weekly@example.org": "Asia/Tokyo",
    "to-daily@example.org": "UTC",
}


def write_week(folder: Path) -> dict[dt.date, list[str]]:
    """The recorded day spread over Monday-Friday (one JSON file, listed by day); the
    titles listed each day."""
    items = json.loads(RECORDED.read_text(encoding="utf-8"))
    records, titles = [], {}
    for index, item in enumerate(items):
        day = WEEKDAYS[index % 5]
        records.append(listed(item, day))
        titles.setdefault(day, []).append(" ".join(item["paper"]["title"].split()))
    again = listed(items[LATE], WEEKDAYS[3])
    again["paper"]["upvotes"] = items[LATE]["paper"]["upvotes"] + 100
    records.append(again)
    titles[WEEKDAYS[3]].append(" ".join(items[LATE]["paper"]["title"].split()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "week.json").write_text(json.dumps(records), encoding="utf-8")
    return titles


def listed(item: dict[str, Any], day: dt.date) -> dict[str, Any]:
    copy = json.loads(json.dumps(item))
    copy["paper"]["submittedOnDailyAt"] = f"{day.isoformat()}T12:00:00.000Z"
    return copy


def week_config(write_config: Any, db_url: str, workdir: Path) -> Path:
    config = write_config(
        db=db_url,
        schedule={
            "local_time": True,
            "at": "07:00",
            "days": "*",
            "check_every_minutes": 30,
            "misfire_grace_minutes": 60,
        },
        subscribers=[
            {"email": "daily@example.org", "timezone": ZONES["daily@example.org"]},
            {
                "email": "friday@example.org",
                "timezone": ZONES["friday@example.org"],
                "cadence": "weekly:friday",
            },
            {
                "email": "sunday@example.org",
                "timezone": ZONES["sunday@example.org"],
                "cadence": "weekly:sunday",
            },
        ],
        sources=[{"type": "local", "path": str(workdir / "week"), "filter_by_date": True}],
    )
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["collect"]["skip_seen"] = True  # the house default: no paper twice
    data["collect"]["cache_dir"] = str(workdir / "cache")
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return config


def received(outbox: Path) -> dict[str, list[tuple[str, Path]]]:
    """Per reader, (issue folder, file) of every message, in folder order."""
    found: dict[str, list[tuple[str, Path]]] = {}
    for path in sorted(outbox.rglob("*.eml")):
        found.setdefault(path.stem, []).append((path.parent.name, path))
    return found


def titles_in(path: Path) -> list[str]:
    return [text for tag, text in read_eml(path).headings if tag == "h3"]


def test_a_week_of_days_weekly_and_daily_readers_and_switches(
    write_config: Any, db_url: str, workdir: Path
) -> None:
    listed_on = write_week(workdir / "week")
    week_titles = {t for titles in listed_on.values() for t in titles}
    loaded = load_config(week_config(write_config, db_url, workdir))
    default = loaded.model.newsletter.default_cadence
    engine = open_database(db_url)
    upsert_many(
        engine,
        [
            SubscriberInput("to-weekly@example.org", timezone="Asia/Tokyo"),
            SubscriberInput("to-daily@example.org", timezone="UTC", cadence=FRIDAYS),
        ],
        "csv",
    )
    outbox = workdir / "outbox"
    first_seen: dict[tuple[str, str], dt.datetime] = {}
    now = dt.datetime(2026, 3, 22, 12, 0, tzinfo=dt.UTC)
    while now < dt.datetime(2026, 3, 30, 0, 0, tzinfo=dt.UTC):
        if now == dt.datetime(2026, 3, 24, 12, 0, tzinfo=dt.UTC):  # Tuesday: to daily
            set_cadence(engine, "to-daily@example.org", Cadence(), now.date(), default)
        if now == dt.datetime(2026, 3, 25, 12, 0, tzinfo=dt.UTC):  # Wednesday: to weekly
            weekly = Cadence.parse("weekly:friday")
            set_cadence(engine, "to-weekly@example.org", weekly, now.date(), default)
        run_local_time(loaded, now)
        for folder, path in ((p.parent.name, p) for p in outbox.rglob("*.eml")):
            first_seen.setdefault((folder, path.stem), now)
        now += dt.timedelta(minutes=30)
    engine.dispose()
    got = received(outbox)

    # Every message arrived at 07:00 on the reader's own local day (CET, then CEST).
    for (folder, reader), when in first_seen.items():
        local = when.astimezone(ZoneInfo(ZONES[reader]))
        assert (local.date().isoformat(), local.time()) == (folder[-10:], dt.time(7)), reader

    # The daily reader: Monday to Friday, each day's own papers (the late paper once).
    daily = got["daily@example.org"]
    assert [f for f, _ in daily] == [f"Daily_Papers_{d.isoformat()}" for d in WEEKDAYS]
    for (_, path), day in zip(daily, WEEKDAYS, strict=True):
        expected = [t for t in listed_on[day] if day != WEEKDAYS[3] or t not in listed_on[MONDAY]]
        assert sorted(titles_in(path)) == sorted(expected)

    # Weekly readers: one issue, on their weekday, with the whole week, no paper twice.
    for reader, day in (("friday@example.org", "2026-03-27"), ("sunday@example.org", "2026-03-29")):
        ((folder, path),) = got[reader]
        assert folder == f"Daily_Papers_weekly_{day}"
        titles = titles_in(path)
        assert len(titles) == len(set(titles)) and set(titles) == week_titles, reader
        assert "weekly" in read_eml(path).message["Subject"]
    sunday_sent = first_seen[("Daily_Papers_weekly_2026-03-29", "sunday@example.org")]
    assert sunday_sent.hour == 5  # 07:00 CEST, the day the clocks went forward

    # Daily -> weekly on Wednesday: Mon-Wed daily, then Thu-Fri in Friday's weekly.
    switched = got["to-weekly@example.org"]
    assert [f[-10:] for f, _ in switched] == [
        "2026-03-23", "2026-03-24", "2026-03-25", "2026-03-27"
    ]  # fmt: skip
    assert switched[-1][0].startswith("Daily_Papers_weekly_")
    seen = [t for _, path in switched for t in titles_in(path)]
    assert len(seen) == len(set(seen)), "a paper came twice"
    assert set(seen) == week_titles, "a paper of the week never came"

    # Weekly -> daily on Tuesday: this week's weekly still comes (no gap), then daily.
    back = got["to-daily@example.org"]
    assert [f for f, _ in back] == ["Daily_Papers_weekly_2026-03-27"]
    assert set(titles_in(back[0][1])) == week_titles


def test_run_report_and_status_count_daily_and_weekly_readers(
    write_config: Any, db_url: str, run_cli: Any
) -> None:
    config = write_config(
        db=db_url,
        subscribers=[
            {"email": "ada@example.org"},
            {"email": "grace@example.org"},
            {"email": "alan@example.org", "cadence": "weekly:friday"},
        ],
    )
    result = run_cli("run", "--config", str(config), "--date", "2025-10-03")
    assert result.exit_code == 0, result.output
    assert "Readers: 2 daily, 1 weekly (1 on friday)" in result.output
    assert "2 sent, 0 skipped, 0 failed" in result.output  # alan waits for his weekly issue
    status = run_cli("status", "--config", str(config))
    assert status.exit_code == 0, status.output
    assert "Readers: 2 daily, 1 weekly (1 on friday); default daily" in status.output
    assert "Weekly issues:" in status.output
