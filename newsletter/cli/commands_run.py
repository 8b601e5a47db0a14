"""``newsletter run`` and ``newsletter preview``."""

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
def run(config_path: str | None, day: dt.datetime | None) -> None:
    """Collect the day's papers, group them by topic, render and deliver the digest."""
    loaded = load_config(config_path)
    report = pipeline.run(loaded, as_date(day))
    show_run_report(report)
    if report.count("failed"):
        raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(run)
