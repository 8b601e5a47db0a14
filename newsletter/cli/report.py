"""Show a ``RunReport`` (the pipeline itself never prints)."""

from __future__ import annotations

import click

from newsletter.pipeline import RunReport


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
    for delivery in report.results:
        if delivery.status == "failed":
            echo(f"  failed {delivery.recipient}: {delivery.detail}", err=True)
    echo(f"Delivered to: {report.destination}  ({report.seconds:.2f} s)")
