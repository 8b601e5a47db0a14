"""``newsletter run``."""

from __future__ import annotations

import datetime as dt
import threading

import click

from newsletter.cli.options import as_date, config_option, date_option


@click.command(
    epilog="Example: newsletter run --date 2025-10-03 --config config/newsletter.yaml\n\n"
    "Exit status: 0 every reader has the issue, or a SIGTERM/SIGINT stopped the run cleanly "
    "(the batch in flight recorded, the rest left for the next run); 1 readers failed or are "
    "in doubt (see `newsletter deliveries`); 130/143 a second SIGINT/SIGTERM stopped it at once."
)
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
    SIGTERM or Ctrl-C finishes the batch with the provider, records it, prints the summary
    and stops; a second one stops at once.
    """
    from newsletter import pipeline
    from newsletter.cli.report import run_progress, show_run_report
    from newsletter.config import load_config
    from newsletter.delivery import get_backend
    from newsletter.models import DeliveryReason
    from newsletter.schedule.shutdown import ScheduledBackend, stop_on_signals
    from newsletter.sources.day import CollectOptions

    loaded = load_config(config_path)
    stop = threading.Event()
    with stop_on_signals(stop) as caught, run_progress() as progress:
        options = CollectOptions(
            refresh=refresh, include_seen=include_seen, progress=progress.on_source
        )
        report = pipeline.run(
            loaded,
            as_date(day),
            ScheduledBackend.for_run(get_backend(loaded), stop),
            options=options,
            resend=resend,
            retry_in_doubt=retry_in_doubt,
            progress=progress.on_delivery,
        )
    show_run_report(report)
    if caught:
        click.echo(f"Stopped by {caught[0].name}: rerun the day to send the rest.", err=True)
    failed = report.count("failed") - report.count_reason(DeliveryReason.SHUTDOWN)
    if failed or report.count("in_doubt") or report.store_error:
        raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(run)
