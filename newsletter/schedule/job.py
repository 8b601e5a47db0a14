"""What each fire runs: the same ``pipeline.run`` as ``newsletter run``, through the ledger.

``scheduled_run`` is referenced by name from the persistent job store, so its arguments are
plain strings. A failed day is an outcome, not an exception: ``pipeline.run`` records it on
the issue row, this module logs and returns it, and marks the row ``retrying`` only when the
scheduler's listener will schedule a retry from it. Only a config that no longer loads, or a
bug, raises (APScheduler logs it; the issue row says so).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from newsletter import pipeline
from newsletter.config import LoadedConfig, load_config
from newsletter.config.schedule_time import parse_at, parse_days
from newsletter.delivery import get_backend
from newsletter.errors import NewsletterError, NoPapersError
from newsletter.models import SubscriberStatus
from newsletter.readers import readers_for_run
from newsletter.schedule.local_time import due_subscribers
from newsletter.schedule.shutdown import ScheduledBackend
from newsletter.store import open_database
from newsletter.store.issues import weekly_edition
from newsletter.store.runs import RunCounts, RunStatus, delivered_emails, mark_run
from newsletter.weekly import run_week

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DayOutcome:
    """How one day's run ended; ``retry_at`` is set when it should be tried again."""

    day: dt.date
    status: str
    retry_at: dt.datetime | None = None
    retry_until: dt.datetime | None = None


def scheduled_run(
    config_path: str, day: str | None = None, retry_until: str | None = None
) -> list[DayOutcome]:
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


def run_local_time(loaded: LoadedConfig, now: dt.datetime) -> list[DayOutcome]:
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
        readers = readers_for_run(loaded, engine)
        active = [s for s in readers if s.status is SubscriberStatus.ACTIVE]
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
) -> DayOutcome:
    """Run the pipeline for ``day`` (it records the run on the issue row). ``retry`` False:
    a failed source is left failed at once (local-time checks retry anyway)."""
    engine = open_database(loaded.model.database.url)
    try:
        log.info("run for %s started (%s)", day, loaded.model.newsletter.name)
        try:
            report = pipeline.run(loaded, day, _backend(loaded), engine=engine, only=only)
        except NoPapersError as exc:
            retry_for = dt.timedelta(minutes=loaded.model.schedule.retry_for_minutes)
            until = (retry_until or now + retry_for) if retry else now
            return _sources_failed(loaded, engine, day, exc, now, until)
        except NewsletterError as exc:
            log.error("run for %s failed: %s", day, exc)
            return DayOutcome(day, RunStatus.FAILED)
    finally:
        engine.dispose()
    counts = pipeline.run_counts(report)
    _log_run(day, counts, report.count("sent"))
    return DayOutcome(day, counts.status)


def run_weekly_day(
    loaded: LoadedConfig, day: dt.date, now: dt.datetime, *, only: frozenset[str] | None = None
) -> DayOutcome | None:
    """The weekly issue of ``day`` for the weekly readers due; ``None`` when nobody is (no
    retry job: local-time checks come back within the grace; a failed fixed-time weekly is
    logged, and the next fire's rerun of the day sends it)."""
    try:
        report = run_week(loaded, day, _backend(loaded), only=only)
    except NewsletterError as exc:
        log.error("weekly issue of %s failed: %s", day, exc)
        return DayOutcome(day, RunStatus.FAILED)
    if not report.tally.total:
        return None
    counts = pipeline.run_counts(report)
    _log_run(day, counts, report.count("sent"))
    return DayOutcome(day, counts.status)


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
    day: dt.date,
    exc: NoPapersError,
    now: dt.datetime,
    until: dt.datetime,
) -> DayOutcome:
    every = dt.timedelta(minutes=loaded.model.schedule.retry_every_minutes)
    if now + every <= until:
        detail = f"{exc}; retrying every {every.seconds // 60} min until {until:%Y-%m-%d %H:%M} UTC"
        log.warning("run for %s: %s", day, detail)
        mark_run(engine, loaded.model.newsletter.name, day, RunStatus.RETRYING, detail)
        return DayOutcome(day, RunStatus.RETRYING, retry_at=now + every, retry_until=until)
    detail = f"gave up at {now:%Y-%m-%d %H:%M} UTC: {exc}"
    log.error("run for %s failed: %s", day, detail)
    mark_run(engine, loaded.model.newsletter.name, day, RunStatus.FAILED, detail)
    return DayOutcome(day, RunStatus.FAILED)
