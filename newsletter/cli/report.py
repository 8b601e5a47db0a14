"""Show a ``RunReport`` (the pipeline itself never prints) and delivery progress."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from newsletter.dispatch import DeliveryProgress
from newsletter.models import DeliveryReason
from newsletter.pipeline import RunReport
from newsletter.sources.base import SourceResult
from newsletter.sources.collect import SourceProgress
from newsletter.words import noun, plural

_STATUS = {
    "ok": "ok",
    "empty": "empty: no papers listed for the day",
    "stale": "STALE: the feed is for another day",
    "failed": "FAILED",
}


def describe_source(result: SourceResult) -> str:
    cached = ", from cache" if result.from_cache else ""
    papers = plural(len(result.papers), "paper")
    line = f"source {result.source}: {papers} ({_STATUS[result.status]}{cached})"
    return line + (f": {result.error}" if result.error else "")


def source_progress(result: SourceResult) -> None:
    """One line per source as soon as it answers (stderr, so stdout stays the result)."""
    click.echo(f"  {describe_source(result)}", err=True)


log = logging.getLogger("newsletter.delivery")
LOG_EVERY_SECONDS = 5.0


@dataclass
class RunProgress:
    """What a run is doing, told as it goes: each source as it answers, then delivery."""

    on_source: SourceProgress
    on_delivery: DeliveryProgress


@contextmanager
def run_progress() -> Iterator[RunProgress]:
    """A rich progress bar on a terminal that says what it is doing (fetching, delivering);
    a log line every few seconds otherwise."""
    if sys.stderr.isatty():
        # On standard error, so the report on standard output stays clean when piped.
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("Fetching the day's papers", total=None)

            def fetched(result: SourceResult) -> None:
                bar.update(task, description=f"Fetching: {describe_source(result)}")

            def delivered(done: int, total: int) -> None:
                bar.update(task, description="Delivering", completed=done, total=total)

            yield RunProgress(fetched, delivered)
        return
    last = [0.0]
    told = [-1]

    def as_log_lines(done: int, total: int) -> None:
        now = time.monotonic()
        if not total or done == told[0]:
            return
        if done in (0, total) or now - last[0] >= LOG_EVERY_SECONDS:
            last[0], told[0] = now, done
            log.info("delivered %d of %d %s", done, total, noun(total, "reader"))

    yield RunProgress(lambda result: None, as_log_lines)


def show_run_report(report: RunReport) -> None:
    echo = click.echo
    echo(f"{report.newsletter} for {report.day:%a %d %b %Y}")
    show_sources(report)
    if report.empty_day == "skip":
        echo("Empty day: no source listed papers; nothing sent (collect.empty_day: skip)")
        return
    shown = sum(s.total for s in report.sections)
    topics = plural(len(report.sections), "topic")
    seen = len(report.collection.seen)
    earlier = f", {seen:,} of them sent in an earlier issue" if seen else ""
    echo(f"Papers: {report.papers + seen:,} collected{earlier}, {shown:,} in {topics}")
    for section in report.sections:
        echo(f"  {section.topic.name}: {section.total}")
    sent, skipped = report.count("sent"), report.count("skipped")
    deferred = report.count_reason(DeliveryReason.SHUTDOWN)
    failed, doubt = report.count("failed") - deferred, report.count("in_doubt")
    extra = (f", {doubt:,} in doubt" if doubt else "") + (
        f", {deferred:,} left for the next run (stopped)" if deferred else ""
    )
    segments = plural(report.segments, "segment")
    if report.own_orders:  # readers whose feedback reordered their topics
        segments += f", {report.own_orders:,} in the reader's own order"
    echo(f"Recipients: {sent:,} sent, {skipped:,} skipped, {failed:,} failed{extra} ({segments})")
    if report.cadences:
        echo(f"Readers: {describe_cadences(report.cadences)}")
    for reason, count in sorted(_skip_reasons(report, all_seen=not report.papers and seen > 0)):
        echo(f"  skipped {count:,}: {reason}")
    show_retries(report)
    show_in_doubt(report)
    failures = [d for d in report.failures if d.reason is not DeliveryReason.SHUTDOWN]
    for delivery in failures[:20]:
        echo(f"  failed {delivery.recipient}: {delivery.detail}", err=True)
    if failed > 20:
        echo(f"  ... and {failed - 20} more failed", err=True)
    echo(f"Delivered to: {report.destination}  ({report.seconds:.2f} s)")
    if report.purged_unconfirmed:
        echo(f"Deleted {report.purged_unconfirmed} sign-ups never confirmed (readers section)")
    if report.store_error:
        echo(f"Error: {report.store_error}. Fix the database, then rerun the day.", err=True)


def describe_cadences(counts: dict[str, int]) -> str:
    """ "3 daily, 2 weekly (1 on friday, 1 on sunday)"."""
    days = [f"{n:,} {key.removeprefix('weekly ')}" for key, n in counts.items() if " on " in key]
    weekly = f"{counts.get('weekly', 0):,} weekly" + (f" ({', '.join(days)})" if days else "")
    return f"{counts.get('daily', 0):,} daily, {weekly}"


def show_retries(report: RunReport) -> None:
    """Retries by cause and the time spent waiting: a run that "worked" after 40 retries
    tells the operator something."""
    if report.retries:
        causes = ", ".join(f"{cause} x{count}" for cause, count in sorted(report.retries.items()))
        click.echo(f"Retries: {causes}; {report.waited_seconds:.1f} s spent waiting")


def show_in_doubt(report: RunReport) -> None:
    doubtful = report.count("in_doubt")
    if not doubtful:
        return
    click.echo(
        f"In doubt: {doubtful:,} readers: the provider may have their message (its answer "
        "was lost), so they were not sent again.\n"
        "  See them: newsletter deliveries\n"
        f"  Settle them: newsletter deliveries resolve --date {report.day} --check (SendGrid), "
        f"or after checking the provider's log: --as sent|unsent --all",
        err=True,
    )


def _skip_reasons(report: RunReport, *, all_seen: bool) -> list[tuple[str, int]]:
    """Why readers were skipped, in words; "nothing in their topics" is said as the truth
    when every paper of the day went out in an earlier issue."""
    reasons: dict[str, int] = {}
    for (status, reason, detail), count in report.tally.counts.items():
        if status != "skipped":
            continue
        if all_seen and reason is DeliveryReason.NOTHING_TODAY:
            detail = "nothing new: every paper of the day was sent in an earlier issue"
        reasons[detail] = reasons.get(detail, 0) + count
    return list(reasons.items())


def show_sources(report: RunReport) -> None:
    """Each source's answer, and why a day has no papers: quiet, stale, failed or seen."""
    echo = click.echo
    collection = report.collection
    for result in collection.results:
        echo(f"  {describe_source(result)}")
    for warning in collection.warnings:
        echo(f"  warning: {warning}", err=True)
    failed = [r.source for r in collection.failed]
    if failed:
        echo(f"  built without failed sources: {', '.join(failed)}", err=True)
    seen = len(collection.seen)
    if seen and report.papers:
        echo(f"  {plural(seen, 'paper')} left out: already sent in an earlier issue")
    stale = [r.source for r in collection.results if r.status == "stale"]
    if report.empty_day == "notice":
        echo("Empty day: no source listed papers; sending a notice (collect.empty_day: notice)")
    elif not report.papers and stale:
        echo(f"Nothing to send: stale sources ({', '.join(stale)}): rerun later with --refresh")
    elif not report.papers and seen:
        every = "the 1 paper" if seen == 1 else f"all {seen:,} papers"
        echo(
            f"Nothing to send: {every} of the day {noun(seen, 'was', 'were')} sent in an "
            "earlier issue (run --include-seen to send them again)"
        )
    elif not report.papers:
        echo("Nothing to send: no new papers")
