"""``newsletter schedule`` (the daily job in the foreground) and ``newsletter status``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from newsletter.cli.options import F, config_option

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from newsletter.config.models import ScheduleConfig
    from newsletter.store.runs import RunRecord


def instance_option(func: F) -> F:
    return click.option(
        "--instance",
        envvar="NEWSLETTER_INSTANCE",
        default=None,
        help="Name of this scheduler when several hosts share the database (its own job "
        "table; default: $NEWSLETTER_INSTANCE, else the single shared name).",
    )(func)


@click.command(epilog="Example: newsletter schedule --config config/newsletter.yaml")
@config_option
@instance_option
def schedule(config_path: str | None, instance: str | None) -> None:
    """Run the daily job in the foreground (APScheduler) until SIGTERM or Ctrl-C.

    Fires at schedule.at on schedule.days in schedule.timezone (or schedule.cron), runs the
    same pipeline as `newsletter run`, and never sends an issue twice to anyone: the delivery
    ledger in the database decides, so a restart or a second host is safe. On SIGTERM the
    current batch finishes and is recorded; the rest is sent when the scheduler starts again.
    """
    from newsletter.config import load_config
    from newsletter.schedule.scheduler import serve  # APScheduler only when scheduling

    loaded = load_config(config_path)
    click.echo(describe(loaded.model.schedule), err=True)
    serve(loaded, instance)


@click.command(epilog="Example: newsletter status --runs 14")
@config_option
@instance_option
@click.option("--runs", "limit", default=10, show_default=True, help="How many past runs.")
@click.option("--next", "count", default=3, show_default=True, help="How many fire times.")
def status(config_path: str | None, instance: str | None, limit: int, count: int) -> None:
    """Show the next fire times, jobs waiting in the job store (retries, a missed fire
    to catch up) and the last runs with their counts and outcome."""
    from newsletter.cli.report import describe_cadences
    from newsletter.config import load_config
    from newsletter.readers import cadence_counts, readers_for_run
    from newsletter.schedule.scheduler import DAILY_JOB, jobs_table, stored_jobs
    from newsletter.schedule.triggers import build_trigger, next_fire_times
    from newsletter.store import open_database
    from newsletter.store.issues import weekly_edition

    loaded = load_config(config_path)
    config = loaded.model.schedule
    click.echo(describe(config))
    zone = ZoneInfo(config.timezone)
    now = dt.datetime.now(zone)
    click.echo("Next fire times:")
    for fire in next_fire_times(build_trigger(config), now, count):
        click.echo(f"  {_when(fire, zone)}")
    engine = open_database(loaded.model.database.url)
    click.echo(f"Database: {engine.url.render_as_string(hide_password=True)}")
    try:
        table = jobs_table(instance)
        waiting = [
            (i, t) for i, t in stored_jobs(engine, table) if i != DAILY_JOB or (t and t < now)
        ]
        if waiting:
            click.echo(f"Waiting in the job store ({table}):")
            for job_id, when in waiting:
                click.echo(f"  {job_id}: {_when(when, zone) if when else 'paused'}")
        name = loaded.model.newsletter.name
        readers = readers_for_run(loaded, engine)
        default = loaded.model.newsletter.default_cadence
        counts = cadence_counts(readers, now.date(), default)
        click.echo(f"Readers: {describe_cadences(counts)}; default {default}")
        _show_runs(engine, name, limit)
        if counts.get("weekly"):
            click.echo("Weekly issues:")
            _show_runs(engine, weekly_edition(name), limit)
    finally:
        engine.dispose()


def _when(instant: dt.datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%a %Y-%m-%d %H:%M:%S %Z}  ({instant.astimezone(dt.UTC):%H:%M} UTC)"


def describe(config: ScheduleConfig) -> str:
    when = (
        f"every {config.check_every_minutes} min: readers get it at {config.at} on "
        f"{config.days} in their own zone (default {config.timezone})"
        if config.local_time
        else f"cron '{config.cron}' in {config.timezone}"
        if config.cron
        else f"{config.at} on {config.days} in {config.timezone}"
    )
    return (
        f"Schedule: {when}; misfire grace {config.misfire_grace_minutes} min; failed sources "
        f"retried every {config.retry_every_minutes} min for {config.retry_for_minutes} min"
    )


HEADER = (
    f"  {'date':<10}  {'status':<11} {'papers':>6} {'sent':>6} {'skipped':>7} {'failed':>6}"
    f" {'duration':>9}  outcome"
)


def _show_runs(engine: Engine, newsletter: str, limit: int) -> None:
    from newsletter.store.runs import recent_runs

    runs = recent_runs(engine, newsletter, limit)
    if not runs:
        click.echo("Last runs: none yet")
        return
    click.echo("Last runs:")
    click.echo(HEADER)
    for record in runs:
        click.echo(format_run(record))


def format_run(record: RunRecord) -> str:
    seconds = record.seconds
    if seconds is not None:
        duration = f"{seconds:.1f} s"
    else:  # not finished: still running, or its process was killed
        duration = "running" if record.status == "running" else "-"
    return (
        f"  {record.date.isoformat():<10}  {record.status:<11} {record.papers:>6} {record.sent:>6}"
        f" {record.skipped:>7} {record.failed:>6} {duration:>9}  {record.detail or ''}"
    )


def register(group: click.Group) -> None:
    group.add_command(schedule)
    group.add_command(status)
