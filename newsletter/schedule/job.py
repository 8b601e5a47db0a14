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
from newsletter.models import Subscriber
from newsletter.pipeline import NoPapersError, RunReport
from newsletter.schedule.local_time import due_subscribers
from newsletter.schedule.sending import ALREADY_SENT, DEFERRED, GuardedBackend
from newsletter.schedule.triggers import parse_at, parse_days
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
    finish_run,
)
from newsletter.store.send_claims import SendClaims, sent_or_claimed

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
    due = due_subscribers(
        pipeline.config_subscribers(loaded),
        schedule.timezone,
        parse_at(schedule.at),
        parse_days(schedule.days),
        now,
        dt.timedelta(minutes=schedule.misfire_grace_minutes),
    )
    engine = open_database(loaded.model.database.url)
    outcomes = []
    for day, readers in sorted(due.items()):
        done = sent_or_claimed(engine, loaded.model.newsletter.name, day)
        waiting = [r for r in readers if r.email not in done]
        if waiting:  # skip the work (fetching, rendering) when everyone due has it already
            outcomes.append(run_day(loaded, day, now, subscribers=waiting, retry=False))
    return outcomes


def run_day(
    loaded: LoadedConfig,
    day: dt.date,
    now: dt.datetime,
    *,
    subscribers: list[Subscriber] | None = None,
    retry_until: dt.datetime | None = None,
    retry: bool = True,
) -> Outcome:
    """Run the pipeline for ``day`` and record the outcome on the issue row."""
    config = loaded.model
    engine = open_database(config.database.url)
    issue_id = begin_run(engine, config.newsletter.name, day)
    backend = GuardedBackend(
        get_backend(loaded),
        SendClaims(engine, issue_id),
        batch_size=config.schedule.batch_size,
        pause=config.schedule.batch_pause_seconds,
    )
    log.info("run for %s started (%s)", day, config.newsletter.name)
    try:
        report = pipeline.run(loaded, day, backend, subscribers=subscribers)
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
        counts.sent,
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
    """This run's counts: "already sent" and "deferred" are not skips a reader cares about."""
    already = sum(1 for r in report.results if r.detail == ALREADY_SENT)
    deferred = sum(1 for r in report.results if r.detail == DEFERRED)
    sent, failed = report.count("sent"), report.count("failed")
    skipped = report.count("skipped") - already - deferred
    notes = [f"{r.source}: {r.status}" for r in report.collection.results if r.status != "ok"]
    if already:
        notes.append(f"{already} already sent")
    if deferred:
        notes.append(f"{deferred} deferred by shutdown")
    if deferred:
        status = INTERRUPTED
    elif failed:
        status = PARTIAL if sent else FAILED
    elif report.papers == 0:
        status = EMPTY
    else:
        status = SENT
    return RunCounts(status, report.papers, sent, skipped, failed, "; ".join(notes) or None)
