"""The weekly issue: a reader's week of papers merged, de-duplicated and ranked.

A weekly reader's issue on day D covers the seven issue days D-6..D, less the days that
reader already had: days a daily issue reached them (they switched from daily mid-week) and
days up to an earlier weekly issue (they moved their weekday). Papers come from the sources'
cache of each day (the daily runs filled it; a day nobody fetched is fetched now), merged by
id with the latest upvote counts (``merge_papers``), less papers first sent before the week,
then grouped and ranked like any issue, under the size budget. Readers who cover the same
days share one rendering per topic set. The weekly issues keep their own ledger and archive:
their issue rows are kept under ``weekly_edition(name)`` (``/archive/weekly/YYYY-MM-DD``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

from sqlalchemy.engine import Engine

from newsletter.config import LoadedConfig
from newsletter.delivery import EmailBackend, get_backend
from newsletter.errors import NewsletterError, NoPapersError
from newsletter.models import Cadence, Issue, Paper, Subscriber
from newsletter.pipeline import (
    RunReport,
    SendOptions,
    _deliver,
    merge_report,
    open_run_database,
    resolve_day,
    run_counts,
)
from newsletter.readers import readers_for_run
from newsletter.sources.collect import Collection, merge_papers
from newsletter.sources.day import CollectOptions, collect_day
from newsletter.store.issues import weekly_edition
from newsletter.store.ledger import Ledger
from newsletter.store.papers import sent_before
from newsletter.store.runs import RunCounts, RunStatus, begin_run, delivered_emails, finish_run
from newsletter.topics import group_by_topic

WEEK = 7


def due_weekly(readers: Sequence[Subscriber], day: dt.date, default: Cadence) -> list[Subscriber]:
    """Weekly readers whose weekday ``day`` is."""
    found = []
    for reader in readers:
        cadence = reader.cadence_on(day, default)
        if cadence.weekly and cadence.weekday == day.weekday():
            found.append(reader)
    return found


def covered_days(
    engine: Engine, name: str, day: dt.date, emails: Sequence[str]
) -> dict[str, tuple[dt.date, ...]]:
    """Per reader, the days of the week ending ``day`` they have not had yet."""
    week = [day - dt.timedelta(days=n) for n in range(WEEK - 1, -1, -1)]
    daily = {d: delivered_emails(engine, name, d) for d in week}
    weekly = {d: delivered_emails(engine, weekly_edition(name), d) for d in week[:-1]}
    covered = {}
    for email in emails:
        last_weekly = max((d for d in week[:-1] if email in weekly[d]), default=None)
        covered[email] = tuple(
            d for d in week if email not in daily[d] and (last_weekly is None or d > last_weekly)
        )
    return covered


def collect_week(
    loaded: LoadedConfig,
    days: Sequence[dt.date],
    options: CollectOptions,
    engine: Engine,
) -> Collection:
    """Every covered day's papers merged (a day whose sources all failed is left out and
    named in the results; only a week with no day at all is a failure)."""
    collections = []
    for day in days:
        try:
            collections.append(collect_day(loaded, day, options))
        except NoPapersError:
            continue
    if days and not collections:
        raise NoPapersError(f"every source failed on every day from {days[0]} to {days[-1]}")
    papers = merge_papers(c.papers for c in collections)
    config = loaded.model
    seen: list[Paper] = []
    if config.collect.skip_seen and not options.include_seen and papers and days:
        # Sent before on a day this reader had (an earlier week, a daily issue): left out.
        # First sent on a day they have not had (to daily readers): theirs this week.
        ids = [p.id for p in papers]
        end = days[-1] + dt.timedelta(days=1)
        sent = sent_before(
            engine, config.newsletter.name, ids, end, config.collect.seen_window_days
        )
        covered = set(days)
        seen = [p for p in papers if p.id in sent and sent[p.id] not in covered]
        papers = [p for p in papers if not (p.id in sent and sent[p.id] not in covered)]
    results = [r for c in collections for r in c.results]
    return Collection(days[-1] if days else dt.date.min, papers, results, seen)


def run_week(
    loaded: LoadedConfig,
    day: dt.date | None = None,
    backend: EmailBackend | None = None,
    options: CollectOptions | None = None,
    *,
    only: frozenset[str] | None = None,
) -> RunReport:
    """Send the weekly issue of ``day`` to the weekly readers whose weekday it is (or the
    ones in ``only``). A rerun sends only to readers who have not had it (the ledger). The
    run is recorded on the weekly issue's row (``newsletter status``) only when someone
    was due."""
    started = time.perf_counter()
    day = resolve_day(loaded, day)
    config = loaded.model
    name = config.newsletter.name
    backend = backend or get_backend(loaded)
    report = RunReport(day, weekly_edition(name), Collection(day, [], []), [], backend.destination)
    with open_run_database(loaded) as engine:
        readers = due_weekly(
            readers_for_run(loaded, engine, only), day, config.newsletter.default_cadence
        )
        if readers:
            issue_id = begin_run(engine, weekly_edition(name), day)
            counts = RunCounts(RunStatus.FAILED, detail="the run stopped before it finished")
            try:
                _send_groups(
                    loaded,
                    engine,
                    Ledger(engine, issue_id),
                    readers,
                    report,
                    backend,
                    options or CollectOptions(),
                )
                counts = run_counts(report)
            except NewsletterError as exc:
                counts = RunCounts(RunStatus.FAILED, detail=str(exc))
                raise
            finally:
                finish_run(engine, issue_id, counts)
    report.seconds = time.perf_counter() - started
    return report


def _send_groups(
    loaded: LoadedConfig,
    engine: Engine,
    ledger: Ledger,
    readers: Sequence[Subscriber],
    report: RunReport,
    backend: EmailBackend,
    options: CollectOptions,
) -> None:
    """One weekly issue per set of days covered; each sent to the readers who cover them."""
    config = loaded.model
    day = report.day
    covered = covered_days(engine, config.newsletter.name, day, [r.email for r in readers])
    groups: dict[tuple[dt.date, ...], list[Subscriber]] = {}
    for reader in readers:
        groups.setdefault(covered[reader.email], []).append(reader)
    for days, members in sorted(groups.items()):
        collection = collect_week(loaded, days, options, engine)
        sections = group_by_topic(collection.papers, config.topics, config.grouping)
        issue = Issue(report.newsletter, day, sections, first_day=days[0] if days else day)
        part = RunReport(day, issue.newsletter, collection, sections, backend.destination)
        if collection.papers:
            _deliver(loaded, ledger, issue, backend, part, SendOptions(), readers=members)
        merge_report(report, part)
