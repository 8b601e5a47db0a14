"""Show a ``RunReport`` (the pipeline itself never prints) and delivery progress."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from newsletter.dispatch import DeliveryProgress
from newsletter.pipeline import RunReport
from newsletter.sources.base import SourceResult

_STATUS = {
    "ok": "ok",
    "empty": "empty: no papers listed for the day",
    "stale": "STALE: the feed is for another day",
    "failed": "FAILED",
}


def describe_source(result: SourceResult) -> str:
    cached = ", from cache" if result.from_cache else ""
    line = f"source {result.source}: {len(result.papers)} papers ({_STATUS[result.status]}{cached})"
    return line + (f": {result.error}" if result.error else "")


def source_progress(result: SourceResult) -> None:
    """One line per source as soon as it answers (stderr, so stdout stays the result)."""
    click.echo(f"  {describe_source(result)}", err=True)


log = logging.getLogger("newsletter.delivery")
LOG_EVERY_SECONDS = 5.0


@contextmanager
def delivery_progress() -> Iterator[DeliveryProgress]:
    """A rich progress bar on a terminal; a log line every few seconds otherwise."""
    if sys.stderr.isatty():
        columns = ("Delivering", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        # On standard error, so the report on standard output stays clean when piped.
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("deliver", total=None)

            def on_terminal(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            yield on_terminal
        return
    last = [0.0]

    def as_log_lines(done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last[0] >= LOG_EVERY_SECONDS:
            last[0] = now
            log.info("delivered %d of %d readers", done, total)

    yield as_log_lines


def show_run_report(report: RunReport) -> None:
    echo = click.echo
    echo(f"{report.newsletter} for {report.day:%a %d %b %Y}")
    show_sources(report)
    if report.empty_day == "skip":
        echo("Empty day: no source listed papers; nothing sent (collect.empty_day: skip)")
        return
    shown = sum(s.total for s in report.sections)
    echo(f"Papers: {report.papers} collected, {shown} in {len(report.sections)} topics")
    for section in report.sections:
        echo(f"  {section.topic.name}: {section.total}")
    sent, skipped, failed = report.count("sent"), report.count("skipped"), report.count("failed")
    echo(
        f"Recipients: {sent} sent, {skipped} skipped, {failed} failed ({report.segments} segments)"
    )
    for reason, count in sorted(report.skipped_by_reason().items()):
        echo(f"  skipped {count}: {reason}")
    failures = [d for d in report.results if d.status == "failed"]
    for delivery in failures[:20]:
        echo(f"  failed {delivery.recipient}: {delivery.detail}", err=True)
    if len(failures) > 20:
        echo(f"  ... and {len(failures) - 20} more failed", err=True)
    echo(f"Delivered to: {report.destination}  ({report.seconds:.2f} s)")
    if report.purged_unconfirmed:
        echo(f"Deleted {report.purged_unconfirmed} sign-ups never confirmed (readers section)")


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
    if collection.seen:
        echo(f"  {len(collection.seen)} papers left out: already sent in an earlier issue")
    stale = [r.source for r in collection.results if r.status == "stale"]
    if report.empty_day == "notice":
        echo("Empty day: no source listed papers; sending a notice (collect.empty_day: notice)")
    elif not report.papers and stale:
        echo(f"Nothing to send: stale sources ({', '.join(stale)}): rerun later with --refresh")
    elif not report.papers:
        echo("Nothing to send: no new papers")
