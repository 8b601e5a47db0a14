"""What each fire runs: the same ``pipeline.run`` as ``newsletter run``, through the ledger.

``scheduled_run`` is referenced by name from the persistent job store, so its arguments are
plain strings. A failed day is an outcome, not an exception: it is logged, recorded on the
issue row and returned (the scheduler's listener schedules retries from it). Only a config
that no longer loads, or a bug, raises (APScheduler logs it; the issue row says so).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from newsletter import pipeline
from newsletter.config import LoadedConfig, load_config
from newsletter.delivery import get_backend
from newsletter.errors import NewsletterError
from newsletter.models import SubscriberStatus
from newsletter.pipeline import NoPapersError
from newsletter.schedule.local_time import due_subscribers
from newsletter.schedule.sending import ScheduledBackend
from newsletter.schedule.triggers import parse_at, parse_days
from newsletter.store import open_database
from newsletter.store.runs import (
    FAILED,
    RETRYING,
    RunCounts,
    begin_run,
    delivered_emails,
    finish_run,
)
from newsletter.store.subscribers import all_subscribers, sync_config_subscribers
from newsletter.weekly import run_week, weekly_edition

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
    schedule's time zone. With local-time delivery every fire (even a retry job left from
    before the switch) sends only to the readers due now, each for their own day."""
    loaded = load_config(config_path)
    schedule = loaded.model.schedule
    now = dt.datetime.now(dt.UTC)
    if schedule.local_time:
        return run_local_time(loaded, now)
    the_day = (
        dt.date.fromisoformat(day) if day else now.astimezone(ZoneInfo(schedule.timezone)).date()
    )
    until = dt.datetime.fromisoformat(retry_until) if retry_until else None
    outcomes = [run_day(loaded, the_day, now, retry_until=until)]
    weekly = None if day else run_weekly_day(loaded, the_day, now)
    return outcomes + ([weekly] if weekly else [])


def run_local_time(loaded: LoadedConfig, now: dt.datetime) -> list[Outcome]:
    """Send to the readers whose own clock has reached ``schedule.at``; the next check
    (a few minutes later) is the retry for a failed day, until the grace runs out."""
    outcomes = []
    for (day, weekly), waiting in sorted(waiting_readers(loaded, now).items()):
        if weekly:
            outcome = run_weekly_day(loaded, day, now, only=waiting)
            outcomes += [outcome] if outcome else []
        else:
            outcomes.append(run_day(loaded, day, now, only=waiting, retry=False))
    return outcomes


def waiting_readers(
    loaded: LoadedConfig, now: dt.datetime
) -> dict[tuple[dt.date, bool], frozenset[str]]:
    """Per issue day and edition (weekly or not), the active readers due at ``now`` who do
    not have it yet (so a check with nobody waiting costs a few queries, not a fetch and a
    render)."""
    schedule = loaded.model.schedule
    engine = open_database(loaded.model.database.url)
    try:
        sync_config_subscribers(engine, pipeline.config_subscribers(loaded))
        active = [s for s in all_subscribers(engine) if s.status is SubscriberStatus.ACTIVE]
        default = loaded.model.newsletter.default_cadence
        due = due_subscribers(
            active,
            schedule.timezone,
            parse_at(schedule.at),
            parse_days(schedule.days),
            now,
            dt.timedelta(minutes=schedule.misfire_grace_minutes),
            default,
        )
        waiting = {}
        for day, readers in due.items():
            for weekly in (False, True):
                name = loaded.model.newsletter.name
                done = delivered_emails(engine, weekly_edition(name) if weekly else name, day)
                emails = frozenset(
                    r.email
                    for r in readers
                    if r.cadence_on(day, default).weekly == weekly and r.email not in done
                )
                if emails:
                    waiting[(day, weekly)] = emails
        return waiting
    finally:
        engine.dispose()


def run_day(
    loaded: LoadedConfig,
    day: dt.date,
    now: dt.datetime,
    *,
    only: frozenset[str] | None = None,
    retry_until: dt.datetime | None = None,
    retry: bool = True,
) -> Outcome:
    """Run the pipeline for ``day`` and record the outcome on the issue row. ``retry``
    False: a failed source is recorded as failed at once (local-time checks retry anyway)."""
    engine = open_database(loaded.model.database.url)
    try:
        issue_id = begin_run(engine, loaded.model.newsletter.name, day)
        log.info("run for %s started (%s)", day, loaded.model.newsletter.name)
        try:
            report = pipeline.run(loaded, day, _backend(loaded), only=only)
        except NoPapersError as exc:
            retry_for = dt.timedelta(minutes=loaded.model.schedule.retry_for_minutes)
            until = (retry_until or now + retry_for) if retry else now
            return _sources_failed(loaded, engine, issue_id, day, exc, now, until)
        except NewsletterError as exc:
            log.error("run for %s failed: %s", day, exc)
            finish_run(engine, issue_id, RunCounts(FAILED, detail=str(exc)))
            return Outcome(day, FAILED)
        except Exception as exc:  # a bug or a lost database: record it if we can, re-raise
            with contextlib.suppress(SQLAlchemyError):
                finish_run(
                    engine, issue_id, RunCounts(FAILED, detail=f"{type(exc).__name__}: {exc}")
                )
            raise
        counts = pipeline.run_counts(report)  # pipeline.run has recorded them on the issue
    finally:
        engine.dispose()
    _log_run(day, counts, report.count("sent"))
    return Outcome(day, counts.status)


def run_weekly_day(
    loaded: LoadedConfig, day: dt.date, now: dt.datetime, *, only: frozenset[str] | None = None
) -> Outcome | None:
    """The weekly issue of ``day`` for the weekly readers due; ``None`` when nobody is (no
    retry job: local-time checks come back within the grace; a failed fixed-time weekly is
    logged, and the next fire's rerun of the day sends it)."""
    try:
        report = run_week(loaded, day, _backend(loaded), only=only)
    except NewsletterError as exc:
        log.error("weekly issue of %s failed: %s", day, exc)
        return Outcome(day, FAILED)
    if not report.results:
        return None
    counts = pipeline.run_counts(report)
    _log_run(day, counts, report.count("sent"))
    return Outcome(day, counts.status)


def _log_run(day: dt.date, counts: RunCounts, sent: int) -> None:
    log.info(
        "run for %s %s: %d papers, %d sent, %d skipped, %d failed%s",
        day,
        counts.status,
        counts.papers,
        sent,
        counts.skipped,
        counts.failed,
        f" ({counts.detail})" if counts.detail else "",
    )


def _backend(loaded: LoadedConfig) -> ScheduledBackend:
    schedule = loaded.model.schedule
    return ScheduledBackend(
        get_backend(loaded), batch_size=schedule.batch_size, pause=schedule.batch_pause_seconds
    )


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
