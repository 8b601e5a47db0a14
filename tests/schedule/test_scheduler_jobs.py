"""The jobs ``newsletter schedule`` sets up before it starts: the daily job keeps a missed
fire time across a restart, a failed day gets a retry job, an interrupted day a resume job."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from apscheduler.schedulers.base import STATE_RUNNING
from click.testing import Result
from sqlalchemy import MetaData, Table, update
from sqlalchemy.engine import Engine

from newsletter.config import LoadedConfig, load_config
from newsletter.schedule.job import DayOutcome
from newsletter.schedule.scheduler import (
    DAILY_JOB,
    _schedule_retry,
    add_daily_job,
    add_resume_jobs,
    build_scheduler,
    jobs_table,
    stored_job,
)
from newsletter.store.runs import RunCounts, RunStatus, begin_run, finish_run
from tests.schedule.conftest import WriteConfig


def test_failed_day_gets_a_persistent_retry_job_for_that_day(
    write_config: WriteConfig, db_url: str, engine_for: Callable[[str], Engine]
) -> None:
    loaded = load_config(write_config(db=db_url))
    engine = engine_for(db_url)
    scheduler = build_scheduler(loaded, engine, jobs_table(None))
    retry_at = dt.datetime(2026, 3, 2, 7, 15, tzinfo=dt.UTC)
    until = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    _schedule_retry(scheduler, loaded, DayOutcome(dt.date(2026, 3, 2), "retrying", retry_at, until))
    _schedule_retry(scheduler, loaded, DayOutcome(dt.date(2026, 3, 3), "sent"))  # nothing to do
    (job,) = scheduler.get_jobs()
    assert job.id == "retry-2026-03-02"
    assert job.trigger.run_date == retry_at
    assert job.kwargs == {
        "config_path": str(loaded.path),
        "day": "2026-03-02",
        "retry_until": "2026-03-02T09:00:00+00:00",
    }


def test_interrupted_day_is_resumed_at_start(
    write_config: WriteConfig, db_url: str, engine_for: Callable[[str], Engine]
) -> None:
    loaded = load_config(write_config(db=db_url))
    engine = engine_for(db_url)
    today = dt.datetime.now(dt.UTC).date()
    yesterday = today - dt.timedelta(days=1)
    finish_run(engine, begin_run(engine, "Daily Papers", today), RunCounts(RunStatus.INTERRUPTED))
    begin_run(engine, "Daily Papers", yesterday)  # still "running": its process was killed
    old = today - dt.timedelta(days=5)  # too old to resume: that issue is stale
    finish_run(engine, begin_run(engine, "Daily Papers", old), RunCounts(RunStatus.INTERRUPTED))
    done = today - dt.timedelta(days=2)
    finish_run(engine, begin_run(engine, "Daily Papers", done), RunCounts("sent"))
    scheduler = build_scheduler(loaded, engine, jobs_table(None))
    add_resume_jobs(scheduler, engine, jobs_table(None), loaded)
    assert sorted((j.id, j.kwargs["day"]) for j in scheduler.get_jobs()) == [
        (f"resume-{yesterday}", yesterday.isoformat()),
        (f"resume-{today}", today.isoformat()),
    ]


def start_and_stop(loaded: LoadedConfig, engine: Engine, table: str) -> None:
    """Add the daily job and run the scheduler just long enough to store it."""
    scheduler = build_scheduler(loaded, engine, table)
    add_daily_job(scheduler, engine, table, loaded)
    # start() blocks its own thread only; daemon, so a failure here cannot hang pytest's exit.
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    # Wait for "running", not just for the stored row: shutting down before start() has set
    # its state would be overwritten by it, and the scheduler would never stop.
    while scheduler.state != STATE_RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    scheduler.shutdown()
    thread.join(10)
    assert not thread.is_alive()
    assert stored_job(engine, table, DAILY_JOB) is not None


def test_stored_fire_time_is_kept_while_the_trigger_is_unchanged(
    write_config: WriteConfig,
    db_url: str,
    engine_for: Callable[[str], Engine],
    run_cli: Callable[..., Result],
) -> None:
    engine = engine_for(db_url)
    table = jobs_table("host_a")
    start_and_stop(load_config(write_config(db=db_url, schedule={"at": "07:00"})), engine, table)
    stored = stored_job(engine, table, DAILY_JOB)
    assert stored is not None and stored[0] is not None
    assert stored[0].time() == dt.time(7, 0)
    assert stored_job(engine, jobs_table("host_b"), DAILY_JOB) is None  # one table per host

    # Pretend the scheduler was stopped across its fire time: a restart keeps that time...
    missed = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=3)
    set_next_run_time(engine, table, missed)
    config = write_config(db=db_url, schedule={"at": "07:00"})
    status = run_cli("status", "--config", str(config), "--instance", "host_a").output
    assert "Waiting in the job store (newsletter_jobs_host_a):" in status
    assert f"  daily: {missed:%a %Y-%m-%d %H:%M:%S} UTC" in status  # the catch-up to come
    loaded = load_config(config)
    scheduler = build_scheduler(loaded, engine, table)
    add_daily_job(scheduler, engine, table, loaded)
    (job,) = scheduler.get_jobs()
    assert job.next_run_time == missed  # so it runs once, late, within the grace

    # ...but a changed schedule starts from the new trigger.
    loaded = load_config(write_config(db=db_url, schedule={"at": "08:30"}))
    scheduler = build_scheduler(loaded, engine, table)
    add_daily_job(scheduler, engine, table, loaded)
    (job,) = scheduler.get_jobs()
    assert not hasattr(job, "next_run_time")  # computed from the new trigger at start


def set_next_run_time(engine: Engine, table_name: str, when: dt.datetime) -> None:
    table = Table(table_name, MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        connection.execute(update(table).values(next_run_time=when.timestamp()))
