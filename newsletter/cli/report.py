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

from newsletter.pipeline import RunReport
from newsletter.sending import Progress as ProgressCallback

log = logging.getLogger("newsletter.delivery")
LOG_EVERY_SECONDS = 5.0


@contextmanager
def delivery_progress() -> Iterator[ProgressCallback]:
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
    for result in report.collection.results:
        line = f"  source {result.source}: {len(result.papers)} papers ({result.status})"
        echo(line + (f": {result.error}" if result.error else ""))
    for warning in report.collection.warnings:
        echo(f"  warning: {warning}", err=True)
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
