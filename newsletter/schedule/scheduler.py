"""``newsletter schedule``: a BlockingScheduler in the foreground with a persistent job store.

- The job store is a table in the configured database, so a restart finds the fire time it
  missed and, within ``misfire_grace_minutes``, runs it once (coalesce on).
- One worker thread and ``max_instances=1``: this process never runs two fires at once.
- SIGTERM/SIGINT set ``STOP``: the running fire finishes its current batch, records it,
  leaves the rest unclaimed, and the process exits 0. The next start resumes that day.
- Each scheduler process keeps its own job-store table (``--instance``): APScheduler 3 does
  not support two schedulers sharing one. So every host fires; what keeps several hosts
  safe is the delivery ledger's unique (issue, recipient) row, claimed before sending: a
  reader claimed by one host is skipped by the other, whatever the timing.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import re
import signal
import threading
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    EVENT_SCHEDULER_START,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from newsletter.config import LoadedConfig
from newsletter.errors import ConfigError
from newsletter.schedule.job import DayOutcome, scheduled_run
from newsletter.schedule.shutdown import STOP
from newsletter.schedule.triggers import build_trigger
from newsletter.store import open_database
from newsletter.store.runs import unfinished_days

log = logging.getLogger(__name__)

JOBS_TABLE = "newsletter_jobs"
DAILY_JOB = "daily"
_INSTANCE = re.compile(r"^[a-z0-9_]{1,40}$")


def jobs_table(instance: str | None) -> str:
    """``newsletter_jobs``, or ``newsletter_jobs_<instance>`` for one of several hosts."""
    if instance is None:
        return JOBS_TABLE
    if not _INSTANCE.fullmatch(instance):
        raise ConfigError(
            f"instance name {instance!r}: use 1-40 lower-case letters, digits or _ (e.g. host_a)"
        )
    return f"{JOBS_TABLE}_{instance}"


def build_scheduler(loaded: LoadedConfig, engine: Engine, table: str) -> BlockingScheduler:
    schedule = loaded.model.schedule
    return BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=table)},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": schedule.misfire_grace_minutes * 60,
        },
        timezone=ZoneInfo(schedule.timezone),
    )


def stored_job(
    engine: Engine, table_name: str, job_id: str
) -> tuple[dt.datetime | None, BaseTrigger] | None:
    """(next run time, trigger) of a job in the job store table, or None."""
    try:
        table = Table(table_name, MetaData(), autoload_with=engine)
    except SQLAlchemyError:
        return None  # first start: no table yet
    with engine.connect() as connection:
        row = connection.execute(
            select(table.c.next_run_time, table.c.job_state).where(table.c.id == job_id)
        ).first()
    if row is None:
        return None
    state = pickle.loads(row.job_state)  # our own table, written by APScheduler
    return _instant(row.next_run_time), state["trigger"]


def stored_jobs(engine: Engine, table_name: str) -> list[tuple[str, dt.datetime | None]]:
    """(id, next run time) of every job in this instance's job store, soonest first."""
    try:
        table = Table(table_name, MetaData(), autoload_with=engine)
    except SQLAlchemyError:
        return []
    query = select(table.c.id, table.c.next_run_time).order_by(table.c.next_run_time)
    with engine.connect() as connection:
        return [(row.id, _instant(row.next_run_time)) for row in connection.execute(query)]


def _instant(timestamp: float | None) -> dt.datetime | None:
    """APScheduler stores fire times as UTC timestamps; ``None`` is a paused job."""
    return None if timestamp is None else dt.datetime.fromtimestamp(timestamp, dt.UTC)


def add_daily_job(
    scheduler: BlockingScheduler, engine: Engine, table: str, loaded: LoadedConfig
) -> None:
    """Add or update the daily job. When the stored trigger is unchanged, keep its stored
    next run time: that is what lets a restart catch up on a fire it was down for."""
    trigger = build_trigger(loaded.model.schedule)
    options: dict[str, Any] = {}
    stored = stored_job(engine, table, DAILY_JOB)
    if stored and stored[0] and _same_trigger(stored[1], trigger):
        options["next_run_time"] = stored[0]
    scheduler.add_job(
        scheduled_run,
        trigger,
        id=DAILY_JOB,
        name="daily issue",
        kwargs={"config_path": str(loaded.path)},
        replace_existing=True,
        **options,
    )


def _same_trigger(old: BaseTrigger, new: BaseTrigger) -> bool:
    return repr(old) == repr(new)


def add_resume_jobs(
    scheduler: BlockingScheduler, engine: Engine, table: str, loaded: LoadedConfig
) -> None:
    """Today's or yesterday's issue left unfinished (a shutdown, a kill, a retry that was
    never stored) gets a one-off run now; the ledger makes it send only what is missing.
    Local-time mode needs none: its next check picks up whoever is still due."""
    config = loaded.model
    if config.schedule.local_time:
        return
    today = dt.datetime.now(ZoneInfo(config.schedule.timezone)).date()
    stored = {job_id for job_id, _ in stored_jobs(engine, table)}
    for day in unfinished_days(engine, config.newsletter.name, today - dt.timedelta(days=1)):
        if f"retry-{day}" in stored:
            continue  # its retry job is waiting in the store already
        log.info("resuming the unfinished run for %s", day)
        scheduler.add_job(
            scheduled_run,
            "date",
            id=f"resume-{day}",
            kwargs={"config_path": str(loaded.path), "day": day.isoformat()},
            replace_existing=True,
        )


def _listener(scheduler: BlockingScheduler, loaded: LoadedConfig) -> Any:
    def on_event(event: JobEvent) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            # Our own line for what APScheduler says at INFO (hidden unless --debug): which
            # fire this run serves, so a catch-up after a restart is visible.
            times = ", ".join(f"{t:%Y-%m-%d %H:%M:%S %Z}" for t in event.scheduled_run_times)
            log.info("running job %s (scheduled at %s)", event.job_id, times)
        elif event.code == EVENT_JOB_MISSED:
            log.warning("job %s missed its fire time beyond the grace; skipped", event.job_id)
        elif event.code == EVENT_JOB_ERROR:
            log.error("job %s crashed: %r", event.job_id, event.exception)
        else:
            for outcome in event.retval or []:
                _schedule_retry(scheduler, loaded, outcome)

    return on_event


def _schedule_retry(
    scheduler: BlockingScheduler, loaded: LoadedConfig, outcome: DayOutcome
) -> None:
    if outcome.retry_at is None or outcome.retry_until is None or STOP.is_set():
        return
    log.info("retrying %s at %s", outcome.day, outcome.retry_at.isoformat(timespec="seconds"))
    scheduler.add_job(
        scheduled_run,
        "date",
        run_date=outcome.retry_at,
        id=f"retry-{outcome.day}",
        kwargs={
            "config_path": str(loaded.path),
            "day": outcome.day.isoformat(),
            "retry_until": outcome.retry_until.isoformat(),
        },
        replace_existing=True,
    )


def _install_signals(scheduler: BlockingScheduler, done: threading.Event) -> None:
    started = threading.Event()
    scheduler.add_listener(lambda _event: started.set(), EVENT_SCHEDULER_START)

    def shutdown() -> None:
        # A signal during start-up must wait for it: start() would overwrite "stopped".
        started.wait()
        try:
            scheduler.shutdown(wait=True)  # waits for the running fire to finish its batch
        finally:
            done.set()

    def handle(signum: int, _frame: object) -> None:
        if STOP.is_set():
            return
        STOP.set()
        log.info("%s: finishing the current batch, then exiting", signal.Signals(signum).name)
        # Not in the handler itself: shutting down waits for the worker thread.
        threading.Thread(target=shutdown, name="shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def serve(loaded: LoadedConfig, instance: str | None = None) -> None:
    """Run the schedule in the foreground until SIGTERM or SIGINT; returns normally."""
    table = jobs_table(instance)
    engine = open_database(loaded.model.database.url)
    scheduler = build_scheduler(loaded, engine, table)
    add_daily_job(scheduler, engine, table, loaded)
    add_resume_jobs(scheduler, engine, table, loaded)
    scheduler.add_listener(
        _listener(scheduler, loaded),
        EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED,
    )
    done = threading.Event()
    STOP.clear()
    _install_signals(scheduler, done)
    log.info("scheduler started; stop with SIGTERM or Ctrl-C")
    scheduler.start()
    done.wait()
    engine.dispose()
    log.info("scheduler stopped")
