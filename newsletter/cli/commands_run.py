"""``newsletter run``."""

from __future__ import annotations

import datetime as dt

import click

from newsletter import pipeline
from newsletter.cli.options import as_date, config_option, date_option
from newsletter.cli.report import show_run_report
from newsletter.config import load_config


@click.command(epilog="Example: newsletter run --date 2025-10-03 --config config/newsletter.yaml")
@config_option
@date_option
@click.option("--include-seen", is_flag=True, help="Keep papers an earlier issue already sent.")
@click.option("--refresh", is_flag=True, help="Ignore cached source answers; fetch again.")
def run(
    config_path: str | None, day: dt.datetime | None, include_seen: bool, refresh: bool
) -> None:
    """Collect the day's papers, group them by topic, render and deliver the digest."""
    loaded = load_config(config_path)
    options = pipeline.CollectOptions(refresh=refresh, include_seen=include_seen)
    report = pipeline.run(loaded, as_date(day), options=options)
    show_run_report(report)
    if report.count("failed"):
        raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(run)
