"""``newsletter run``."""

from __future__ import annotations

import datetime as dt

import click

from newsletter.cli.options import as_date, config_option, date_option


@click.command(epilog="Example: newsletter run --date 2025-10-03 --config config/newsletter.yaml")
@config_option
@date_option
@click.option("--include-seen", is_flag=True, help="Keep papers an earlier issue already sent.")
@click.option("--refresh", is_flag=True, help="Ignore cached source answers; fetch again.")
@click.option(
    "--resend",
    is_flag=True,
    help="Send the day's issue again to every reader, even those who already have it.",
)
@click.option(
    "--retry-in-doubt",
    is_flag=True,
    help="Also send to readers left in doubt by a killed run (check the provider's log first).",
)
def run(
    config_path: str | None,
    day: dt.datetime | None,
    include_seen: bool,
    refresh: bool,
    resend: bool,
    retry_in_doubt: bool,
) -> None:
    """Collect the day's papers, group them by topic, render and deliver the digest.

    Running the same day again sends only to readers who have not had the issue yet.
    """
    from newsletter import pipeline
    from newsletter.cli.report import run_progress, show_run_report
    from newsletter.config import load_config

    loaded = load_config(config_path)
    with run_progress() as progress:
        options = pipeline.CollectOptions(
            refresh=refresh, include_seen=include_seen, progress=progress.on_source
        )
        report = pipeline.run(
            loaded,
            as_date(day),
            options=options,
            resend=resend,
            retry_in_doubt=retry_in_doubt,
            progress=progress.on_delivery,
        )
    show_run_report(report)
    if report.count("failed"):
        raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(run)
