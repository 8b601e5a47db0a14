"""What each fire runs: the same ``pipeline.run`` as ``newsletter run``, through the ledger.

``scheduled_run`` is referenced by name from the persistent job store, so its arguments are
plain strings. It never raises for a failed day: the outcome is logged, recorded on the
issue row and returned (the scheduler's listener schedules retries from it).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from newsletter import pipeline
from newsletter.config import LoadedConfig, load_config
from newsletter.delivery import get_backend
from newsletter.errors import NewsletterError
from newsletter.models import SubscriberStatus
from newsletter.pipeline import NoPapersError, RunReport
from newsletter.schedule.local_time import due_subscribers
from newsletter.schedule.sending import SHUTTING_DOWN, ScheduledBackend
from newsletter.schedule.triggers import parse_at, parse_days
from newsletter.sending import ALREADY_SENT
from newsletter.store import open_database
from newsletter.store.runs import (
    EMPTY,
    FAILED,
    INTERRUPTED,
    PARTIAL,
    RETRYING,
    SENT,
    RunCounts,
    begin_run,
    delivered_emails,
    finish_run,
)
from newsletter.store.subscribers import all_subscribers, sync_config_subscribers

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one day's run ended; ``retry_at`` is set when it should be tried again."""

    day: dt.date
    status: str
    retry_at: dt.datetime | None = None
    retry_until: dt.datetime | None = None


def scheduled_run(
    config_path: str, day: str | None = None, retry_until: str | None = None
) -> list[Outcome]:
    """One fire. ``day`` is set for retries and resumes; otherwise it is today in the
    schedule's time zone (or, with local-time delivery, each due reader's own day)."""
    loaded = load_config(config_path)
    schedule = loaded.model.schedule
    now = dt.datetime.now(dt.UTC)
    if day is None and schedule.local_time:
        return run_local_time(loaded, now)
    the_day = (
        dt.date.fromisoformat(day) if day else now.astimezone(ZoneInfo(schedule.timezone)).date()
    )
    until = dt.datetime.fromisoformat(retry_until) if retry_until else None
    return [run_day(loaded, the_day, now, retry_until=until)]


def run_local_time(loaded: LoadedConfig, now: dt.datetime) -> list[Outcome]:
    """Send to the readers whose own clock has reached ``schedule.at``; the next check
    (a few minutes later) is the retry for a failed day, until the grace runs out."""
    schedule = loaded.model.schedule
    engine = open_database(loaded.model.database.url)
    sync_config_subscribers(engine, pipeline.config_subscribers(loaded))
    active = [s for s in all_subscribers(engine) if s.status is SubscriberStatus.ACTIVE]
    due = due_subscribers(
        active,
        schedule.timezone,
        parse_at(schedule.at),
        parse_days(schedule.days),
        now,
        dt.timedelta(minutes=schedule.misfire_grace_minutes),
    )
    outcomes = []
    for day, readers in sorted(due.items()):
        done = delivered_emails(engine, loaded.model.newsletter.name, day)
        waiting = frozenset(r.email for r in readers if r.email not in done)
        if waiting:  # skip the work (fetching, rendering) when everyone due has it already
            outcomes.append(run_day(loaded, day, now, only=waiting, retry=False))
    return outcomes


def run_day(
    loaded: LoadedConfig,
    day: dt.date,
    now: dt.datetime,
    *,
    only: frozenset[str] | None = None,
    retry_until: dt.datetime | None = None,
    retry: bool = True,
) -> Outcome:
    """Run the pipeline for ``day`` and record the outcome on the issue row."""
    config = loaded.model
    engine = open_database(config.database.url)
    issue_id = begin_run(engine, config.newsletter.name, day)
    backend = ScheduledBackend(
        get_backend(loaded),
        batch_size=config.schedule.batch_size,
        pause=config.schedule.batch_pause_seconds,
    )
    log.info("run for %s started (%s)", day, config.newsletter.name)
    try:
        report = pipeline.run(loaded, day, backend, only=only)
    except NoPapersError as exc:
        until = retry_until or now + dt.timedelta(minutes=config.schedule.retry_for_minutes)
        return _sources_failed(loaded, engine, issue_id, day, exc, now, until if retry else now)
    except NewsletterError as exc:
        log.error("run for %s failed: %s", day, exc)
        finish_run(engine, issue_id, RunCounts(FAILED, detail=str(exc)))
        return Outcome(day, FAILED)
    counts = counts_of(report)
    finish_run(engine, issue_id, counts)
    log.info(
        "run for %s %s: %d papers, %d sent, %d skipped, %d failed%s",
        day,
        counts.status,
        counts.papers,
        report.count("sent"),
        counts.skipped,
        counts.failed,
        f" ({counts.detail})" if counts.detail else "",
    )
    return Outcome(day, counts.status)


def _sources_failed(
    loaded: LoadedConfig,
    engine: Engine,
    issue_id: int,
    day: dt.date,
    exc: NoPapersError,
    now: dt.datetime,
    until: dt.datetime,
) -> Outcome:
    every = dt.timedelta(minutes=loaded.model.schedule.retry_every_minutes)
    if now + every <= until:
        detail = f"{exc}; retrying every {every.seconds // 60} min until {until:%Y-%m-%d %H:%M} UTC"
        log.warning("run for %s: %s", day, detail)
        finish_run(engine, issue_id, RunCounts(RETRYING, detail=detail))
        return Outcome(day, RETRYING, retry_at=now + every, retry_until=until)
    detail = f"gave up at {now:%Y-%m-%d %H:%M} UTC: {exc}"
    log.error("run for %s failed: %s", day, detail)
    finish_run(engine, issue_id, RunCounts(FAILED, detail=detail))
    return Outcome(day, FAILED)


def counts_of(report: RunReport) -> RunCounts:
    """This run's counts. "Already sent" is no skip a reader cares about, and readers left
    by a shutdown are not failures: the next run sends them."""
    already = sum(1 for r in report.results if r.detail == ALREADY_SENT)
    deferred = sum(1 for r in report.results if SHUTTING_DOWN in r.detail)
    skipped = report.count("skipped") - already
    failed = report.count("failed") - deferred
    sent = report.count("sent")
    notes = [f"{r.source}: {r.status}" for r in report.collection.results if r.status != "ok"]
    if already:
        notes.append(f"{already} already had it")
    if deferred:
        notes.append(f"{deferred} left for the next run by a shutdown")
    if deferred:
        status = INTERRUPTED
    elif failed:
        status = PARTIAL if sent or already else FAILED
    elif report.papers == 0:
        status = EMPTY
    else:
        status = SENT
    return RunCounts(status, report.papers, skipped, failed, "; ".join(notes) or None)
