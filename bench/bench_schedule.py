"""Scheduler benchmark: prints figures, asserts nothing.

1. Local-time selection (pure): ``due_subscribers`` over N readers spread across 24 time
   zones (half- and quarter-hour ones included), at one check: readers per second.
2. A local-time check against a real SQLite store of N readers, a quarter of them due:
   selecting who is waiting (sync of the YAML readers, store read, ledger read): seconds.
3. The same check once those readers have the issue (the common case: nothing to send):
   seconds per check, the price of ``check_every_minutes``.
4. One scheduled day (``run_day``: issue record, ledger; memory backend) for N readers versus
   a plain ``pipeline.run`` of the same day: the overhead of the schedule's bookkeeping.

Run from the repository root:  python bench/bench_schedule.py [--readers 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsletter import pipeline  # noqa: E402
from newsletter.config import load_config  # noqa: E402
from newsletter.models import Subscriber  # noqa: E402
from newsletter.schedule.job import run_day, waiting_readers  # noqa: E402
from newsletter.schedule.local_time import due_subscribers  # noqa: E402
from newsletter.store import open_database  # noqa: E402
from newsletter.store.subscribers import SubscriberInput, upsert_many  # noqa: E402

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "America/St_Johns",
]
NOW = dt.datetime(2026, 3, 27, 6, 10, tzinfo=dt.UTC)  # 07:10 in Berlin
SEVEN = dt.time(7, 0)


def timed(label: str, func: object, *args: object) -> object:
    started = time.perf_counter()
    result = func(*args)  # type: ignore[operator]
    print(f"{label}: {time.perf_counter() - started:.3f} s")
    return result


def write_config(folder: Path, local_time: bool) -> Path:
    data = yaml.safe_load((REPO / "config" / "newsletter.yaml").read_text(encoding="utf-8"))
    data["subscribers"] = []
    data["database"] = f"sqlite:///{folder / 'bench.db'}"
    data["delivery"] = {"backend": "memory"}  # measure the bookkeeping, not file writes
    data["schedule"] = {
        "at": "07:00",
        "days": "*",
        "timezone": "UTC",
        "local_time": local_time,
        "misfire_grace_minutes": 120,
    }
    path = folder / ("local.yaml" if local_time else "daily.yaml")
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readers", type=int, default=20_000)
    n = parser.parse_args().readers
    readers = [Subscriber(f"r{i}@example.org", timezone=ZONES[i % len(ZONES)]) for i in range(n)]
    grace = dt.timedelta(hours=2)
    started = time.perf_counter()
    due = due_subscribers(readers, "UTC", SEVEN, frozenset(range(7)), NOW, grace)
    seconds = time.perf_counter() - started
    print(
        f"1. due_subscribers over {n:,} readers in {len(ZONES)} zones: {seconds:.3f} s "
        f"({n / seconds:,.0f} readers/s); due now: {sum(len(v) for v in due.values()):,}"
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        local = load_config(write_config(folder, local_time=True))
        engine = open_database(local.model.database.url)
        upsert_many(engine, [SubscriberInput(r.email, timezone=r.timezone) for r in readers], "csv")
        engine.dispose()
        waiting = timed(
            f"2. local-time check, {n:,} readers in the store, who is waiting",
            waiting_readers,
            local,
            NOW,
        )
        for (day, _weekly), emails in waiting.items():  # type: ignore[attr-defined]
            started = time.perf_counter()
            run_day(local, day, NOW, only=emails)
            print(
                f"   sent {len(emails):,} due readers their {day} issue (run_day): "
                f"{time.perf_counter() - started:.3f} s"
            )
        timed(
            "3. the next check, nobody waiting (the usual case)",
            waiting_readers,
            local,
            NOW + dt.timedelta(minutes=15),
        )

        daily = load_config(write_config(folder, local_time=False))
        # Alternate the two so neither gets a warmer disk cache: two days each.
        for offset in (0, 2):
            day = dt.date(2026, 3, 28) + dt.timedelta(days=offset)
            timed(
                f"4. run_day for {n:,} readers (issue record + ledger, memory backend), {day}",
                run_day,
                daily,
                day,
                NOW,
            )
            timed(
                f"   plain pipeline.run for {n:,} readers, {day + dt.timedelta(days=1)}",
                pipeline.run,
                daily,
                day + dt.timedelta(days=1),
            )


if __name__ == "__main__":
    main()
