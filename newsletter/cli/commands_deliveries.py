"""``newsletter deliveries`` (readers in doubt, per issue) and ``deliveries resolve``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

import click

from newsletter.cli.options import config_option, date_option
from newsletter.errors import NewsletterError

if TYPE_CHECKING:
    from newsletter.config.loader import LoadedConfig
    from newsletter.store.doubt import InDoubt

SHOWN = 50  # readers listed per issue; the count is always complete


@click.group(
    invoke_without_command=True,
    epilog="Examples:\n\n  newsletter deliveries\n\n"
    "  newsletter deliveries resolve --date 2025-10-03 --check\n\n"
    "  newsletter deliveries resolve --date 2025-10-03 --as sent --email ada@example.org",
)
@config_option
@date_option
@click.pass_context
def deliveries(ctx: click.Context, config_path: str | None, day: dt.datetime | None) -> None:
    """List readers in doubt, per issue: their message may be with the provider (its answer
    was lost, or a run was killed mid-send), so no run sends it again until you settle it."""
    from newsletter.config import load_config
    from newsletter.store import open_database
    from newsletter.store.doubt import in_doubt

    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    if ctx.invoked_subcommand is not None:
        return
    loaded = load_config(config_path)
    engine = open_database(loaded.model.database.url)
    try:
        rows = in_doubt(engine, loaded.model.newsletter.name, day.date() if day else None)
    finally:
        engine.dispose()
    if not rows:
        click.echo("No readers in doubt.")
        return
    for date, readers in _by_date(rows).items():
        click.echo(f"{date}: {len(readers)} in doubt")
        for row in readers[:SHOWN]:
            click.echo(f"  {row.email}  since {row.since:%Y-%m-%d %H:%M}  {row.batch or ''}")
        if len(readers) > SHOWN:
            click.echo(f"  ... and {len(readers) - SHOWN} more")
    click.echo(
        "Settle: newsletter deliveries resolve --date D --check (SendGrid's activity API), or "
        "after checking the provider's log: --as sent|unsent --all | --email E"
    )


def _by_date(rows: list[InDoubt]) -> dict[dt.date, list[InDoubt]]:
    grouped: dict[dt.date, list[InDoubt]] = defaultdict(list)
    for row in rows:
        grouped[row.date].append(row)
    return grouped


@deliveries.command(
    epilog="Examples:\n\n  newsletter deliveries resolve --date 2025-10-03 --check\n\n"
    "  newsletter deliveries resolve --date 2025-10-03 --as unsent --all"
)
@config_option
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="The issue's day, YYYY-MM-DD.")  # fmt: skip
@click.option("--as", "verdict", type=click.Choice(["sent", "unsent"]),
              help="sent: the provider has them; unsent: the next run sends them.")  # fmt: skip
@click.option("--email", "emails", multiple=True, help="A reader to settle (repeatable).")
@click.option("--all", "everyone", is_flag=True, help="Settle every reader in doubt that day.")
@click.option("--check", is_flag=True, help="Ask SendGrid's Email Activity API and settle "
              "each batch by its answer.")  # fmt: skip
@click.option("--missing-after", default=15.0, show_default=True,
              help="With --check: minutes after which a batch SendGrid does not know counts "
              "as unsent (its activity feed lags).")  # fmt: skip
@click.pass_context
def resolve(
    ctx: click.Context,
    config_path: str | None,
    day: dt.datetime,
    verdict: str | None,
    emails: tuple[str, ...],
    everyone: bool,
    check: bool,
    missing_after: float,
) -> None:
    """Settle readers in doubt on one day: by hand after checking the provider's activity
    log (--as sent|unsent with --email or --all), or by asking SendGrid (--check)."""
    from newsletter.config import load_config
    from newsletter.store import open_database
    from newsletter.store.doubt import settle

    if check == bool(verdict):
        raise click.UsageError("give either --check or --as sent|unsent")
    if verdict and bool(emails) == everyone:
        raise click.UsageError("with --as, give --email E (repeatable) or --all")
    loaded = load_config(config_path or ctx.obj.get("config_path"))
    if check:
        _check(loaded, day.date(), dt.timedelta(minutes=missing_after))
        return
    engine = open_database(loaded.model.database.url)
    try:
        chosen = None if everyone else list(emails)
        name = loaded.model.newsletter.name
        changed = settle(engine, name, day.date(), chosen, sent=verdict == "sent")
    finally:
        engine.dispose()
    then = "they count as sent" if verdict == "sent" else "the next run sends them"
    click.echo(f"Settled {changed} readers of {day:%Y-%m-%d} as {verdict}: {then}.")
    if emails and changed < len(emails):
        click.echo(f"  {len(emails) - changed} of the addresses given were not in doubt.")


def _check(loaded: LoadedConfig, day: dt.date, missing_after: dt.timedelta) -> None:
    from newsletter.delivery import get_backend
    from newsletter.delivery.sendgrid import SendGridBackend, find_accepted
    from newsletter.store import open_database
    from newsletter.store.doubt import in_doubt, settle

    backend = get_backend(loaded)
    if not isinstance(backend, SendGridBackend):
        raise NewsletterError(
            f"--check asks SendGrid's activity API; this config delivers with {backend.name}. "
            "Check that server's log, then settle with --as sent|unsent"
        )
    engine = open_database(loaded.model.database.url)
    name = loaded.model.newsletter.name
    try:
        rows = in_doubt(engine, name, day)
        batches: dict[str, list[InDoubt]] = defaultdict(list)
        for row in rows:
            if row.batch and row.batch.startswith("batch:"):
                batches[row.batch.removeprefix("batch:")].append(row)
        counts = {"sent": 0, "unsent": 0, "waiting": 0}
        now = dt.datetime.now(dt.UTC)
        for key, readers in batches.items():
            accepted = find_accepted(backend, key)
            known = [r.email for r in readers if r.email.lower() in accepted]
            unknown = [r.email for r in readers if r.email.lower() not in accepted]
            counts["sent"] += settle(engine, name, day, known, sent=True) if known else 0
            old = all(now - _aware(r.since) >= missing_after for r in readers)
            if unknown and old:
                counts["unsent"] += settle(engine, name, day, unknown, sent=False)
            else:
                counts["waiting"] += len(unknown)
    finally:
        engine.dispose()
    unchecked = len(rows) - sum(len(r) for r in batches.values())
    click.echo(
        f"SendGrid had {counts['sent']} of them: settled as sent; {counts['unsent']} it does "
        "not know: settled as unsent (the next run sends them)."
    )
    if counts["waiting"]:
        click.echo(f"  {counts['waiting']} not known yet: ask again later (the feed lags).")
    if unchecked:
        click.echo(f"  {unchecked} carry no SendGrid batch key: settle them with --as.")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def register(group: click.Group) -> None:
    group.add_command(deliveries)
