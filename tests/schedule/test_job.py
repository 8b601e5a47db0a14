"""What one fire does, in-process on a real database: the same pipeline as ``newsletter
run``, recorded on the issue row, never sending twice, retrying failed sources in a window,
and local-time delivery across a DST change."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from newsletter.config import load_config
from newsletter.schedule.job import run_day, run_local_time
from newsletter.store import open_database
from newsletter.store.issues import get_or_create_issue
from newsletter.store.ledger import Ledger
from newsletter.store.runs import get_run
from tests.conftest import REPO
from tests.readers import read_eml
from tests.schedule.conftest import WriteConfig, readers

SAMPLE = REPO / "newsletter" / "sample" / "hf_daily_papers_2025-10-03.json"
DAY = dt.date(2026, 3, 27)
NOW = dt.datetime(2026, 3, 27, 6, 0, tzinfo=dt.UTC)


def delivered(outbox: Path) -> dict[str, list[str]]:
    """Issue folder -> recipients, as a reader of the outbox would count them."""
    found: dict[str, list[str]] = {}
    for path in sorted(outbox.rglob("*.eml")):
        to = read_eml(path).message["To"].addresses[0].addr_spec
        found.setdefault(path.parent.name, []).append(to)
    return found


def test_second_run_of_the_day_sends_nothing_twice(
    write_config: WriteConfig, db_url: str, engine_for: Callable[[str], Engine], workdir: Path
) -> None:
    loaded = load_config(write_config(db=db_url, subscribers=readers(5)))
    first = run_day(loaded, DAY, NOW)
    (workdir / "outbox").rename(workdir / "first")
    second = run_day(loaded, DAY, NOW + dt.timedelta(minutes=5))  # restart / catch-up / host 2
    assert (first.status, second.status) == ("sent", "sent")
    assert len(delivered(workdir / "first")["Daily_Papers_2026-03-27"]) == 5
    assert not (workdir / "outbox").exists() or delivered(workdir / "outbox") == {}
    engine = engine_for(db_url)
    record = get_run(engine, "Daily Papers", DAY)
    assert record is not None
    assert (record.papers, record.sent, record.skipped, record.failed) == (39, 5, 0, 0)
    assert record.detail == "5 already had it"
    ledger = Ledger(engine, get_or_create_issue(engine, "Daily Papers", DAY))
    assert ledger.counts() == {"sent": 5}


def test_failed_sources_are_retried_in_the_window_then_given_up_and_recorded(
    write_config: WriteConfig, db_url: str, engine_for: Callable[[str], Engine], workdir: Path
) -> None:
    papers = workdir / "papers.json"
    config = write_config(
        db=db_url,
        schedule={"retry_every_minutes": 15, "retry_for_minutes": 60},
        sources=[{"type": "local", "path": str(papers)}],
    )
    loaded = load_config(config)
    engine = engine_for(db_url)
    first = run_day(loaded, DAY, NOW)
    assert first.status == "retrying"
    assert first.retry_at == NOW + dt.timedelta(minutes=15)
    assert first.retry_until == NOW + dt.timedelta(minutes=60)
    record = get_run(engine, "Daily Papers", DAY)
    assert record is not None and record.status == "retrying"
    assert "papers.json does not exist" in (record.detail or "")

    late = run_day(loaded, DAY, NOW + dt.timedelta(minutes=50), retry_until=first.retry_until)
    assert late.status == "failed" and late.retry_at is None
    record = get_run(engine, "Daily Papers", DAY)
    assert record is not None and record.status == "failed"
    assert (record.detail or "").startswith("gave up at 2026-03-27 06:50 UTC")
    assert not (workdir / "outbox").exists()

    shutil.copy(SAMPLE, papers)  # the source is back: a later run (or `newsletter run`) sends
    assert run_day(loaded, DAY, NOW + dt.timedelta(hours=2)).status == "sent"
    assert len(delivered(workdir / "outbox")["Daily_Papers_2026-03-27"]) == 3


def test_local_time_delivery_across_the_spring_dst_change(
    write_config: WriteConfig, db_url: str, workdir: Path
) -> None:
    zones = {
        "berlin@example.org": "Europe/Berlin",
        "kolkata@example.org": "Asia/Kolkata",
        "newyork@example.org": "America/New_York",
    }
    config = write_config(
        db=db_url,
        schedule={
            "local_time": True,
            "at": "07:00",
            "days": "*",
            "check_every_minutes": 30,
            "misfire_grace_minutes": 60,
        },
        subscribers=[{"email": e, "timezone": z} for e, z in zones.items()],
    )
    loaded = load_config(config)
    outbox = workdir / "outbox"
    got: dict[tuple[str, str], dt.datetime] = {}
    now = dt.datetime(2026, 3, 28, 1, 0, tzinfo=dt.UTC)  # Berlin springs forward on the 29th
    while now < dt.datetime(2026, 3, 29, 12, 0, tzinfo=dt.UTC):
        run_local_time(loaded, now)
        for path in outbox.rglob("*.eml"):  # file names are cheap; the contents come below
            got.setdefault((path.parent.name[-10:], path.stem), now)
        now += dt.timedelta(minutes=30)  # the scheduler's check_every_minutes
        if now.hour == 12:  # nobody is due 12:00-01:00 UTC: skip to save test time
            now += dt.timedelta(hours=13)
    for (day, recipient), when in got.items():
        local = when.astimezone(ZoneInfo(zones[recipient]))
        assert (local.date().isoformat(), local.time()) == (day, dt.time(7, 0)), recipient
    berlin = {day: when for (day, who), when in got.items() if who == "berlin@example.org"}
    assert berlin["2026-03-28"].hour == 6 and berlin["2026-03-29"].hour == 5  # CET, then CEST
    assert sorted(got) == sorted(
        (folder[-10:], to) for folder, tos in delivered(outbox).items() for to in tos
    )
    assert len(got) == 6  # 3 readers, 2 days each
    engine = open_database(db_url)
    for day in ("2026-03-28", "2026-03-29"):
        issue = get_or_create_issue(engine, "Daily Papers", dt.date.fromisoformat(day))
        assert Ledger(engine, issue).counts() == {"sent": 3}  # one claim each, never a second
    engine.dispose()
