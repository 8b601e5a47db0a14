"""``newsletter subscribers add | remove | list | import | export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from newsletter.cli.options import config_option
from newsletter.errors import NewsletterError
from newsletter.models import SubscriberStatus
from newsletter.words import plural

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from newsletter.config import LoadedConfig


def _open(config_path: str | None) -> tuple[LoadedConfig, Engine]:
    from newsletter.config import load_config
    from newsletter.store import open_database

    loaded = load_config(config_path)
    return loaded, open_database(loaded.model.database.url)


def known_topics(loaded: LoadedConfig) -> list[str]:
    names = [t.name for t in loaded.model.topics]
    catch_all = loaded.model.grouping.catch_all
    return names + ([catch_all] if catch_all else [])


@click.group(epilog="Example: newsletter subscribers import readers.csv")
def subscribers() -> None:
    """Add, remove, list, import and export readers (kept in the configured database)."""


@subscribers.command(
    epilog='Example: newsletter subscribers add ada@example.org --name "Ada" '
    '--topic "Agents and tool use"'
)
@config_option
@click.argument("email")
@click.option("--name", default=None, help="The reader's name, shown in the To header.")
@click.option("--topic", "topics", multiple=True, help="A topic to receive (repeat; none: all).")
def add(config_path: str | None, email: str, name: str | None, topics: tuple[str, ...]) -> None:
    """Add a reader, or update the name and topics of an existing one."""
    from newsletter.store.subscribers import upsert_subscriber

    loaded, engine = _open(config_path)
    allowed = known_topics(loaded)
    for topic in topics:
        if topic not in allowed:
            raise NewsletterError(f"unknown topic {topic!r}; topics are: {', '.join(allowed)}")
    reader = upsert_subscriber(engine, email, name=name, topics=topics or None)
    click.echo(f"{reader.display}: {reader.status.value}, topics: {_topics(reader.topics)}")


@subscribers.command(epilog="Example: newsletter subscribers remove ada@example.org")
@config_option
@click.argument("email")
@click.option(
    "--unsubscribe",
    is_flag=True,
    help="Keep the record as unsubscribed (so imports and the YAML cannot add them back).",
)
def remove(config_path: str | None, email: str, unsubscribe: bool) -> None:
    """Delete a reader (or mark them unsubscribed)."""
    from newsletter.models import SubscriberStatus
    from newsletter.store.subscribers import remove_subscriber, set_status

    _, engine = _open(config_path)
    if unsubscribe:
        done = set_status(engine, email, SubscriberStatus.UNSUBSCRIBED)
    else:
        done = remove_subscriber(engine, email)
    if not done:
        raise NewsletterError(f"no subscriber {email!r}; see: newsletter subscribers list")
    click.echo(f"{email}: {'unsubscribed' if unsubscribe else 'removed'}")


@subscribers.command(name="list", epilog="Example: newsletter subscribers list --status active")
@config_option
@click.option(
    "--status",
    type=click.Choice([s.value for s in SubscriberStatus]),
    default=None,
    help="Only readers with this status.",
)
def list_(config_path: str | None, status: str | None) -> None:
    """Show every reader: address, status and topics."""
    from newsletter.store.subscribers import all_subscribers

    _, engine = _open(config_path)
    shown = [r for r in all_subscribers(engine) if status is None or r.status.value == status]
    for reader in shown:
        click.echo(f"{reader.display}\t{reader.status.value}\t{_topics(reader.topics)}")
    click.echo(plural(len(shown), "subscriber"), err=True)


@subscribers.command(
    name="import", epilog="Example: newsletter subscribers import readers.csv --config my.yaml"
)
@config_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(config_path: str | None, file: Path) -> None:
    """Import readers from a CSV with a header row: email, and optionally name and topics
    (topic names separated by ";"). Bad rows are reported with their line and skipped."""
    from newsletter.store.subscriber_csv import import_csv

    loaded, engine = _open(config_path)
    report = import_csv(engine, file, known_topics(loaded))
    for problem in report.problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(
        f"{report.added:,} added, {report.updated:,} updated, "
        f"{plural(len(report.problems), 'row')} skipped"
    )
    if report.problems:
        raise SystemExit(1)


@subscribers.command(epilog="Example: newsletter subscribers export --out readers.csv")
@config_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def export(config_path: str | None, out: Path | None) -> None:
    """Write every reader as CSV (email, name, topics, status, created_at)."""
    from newsletter.store.subscriber_csv import export_csv

    _, engine = _open(config_path)
    if out is None:
        count = export_csv(engine, sys.stdout)
    else:
        with out.open("w", encoding="utf-8", newline="") as handle:
            count = export_csv(engine, handle)
    click.echo(f"{plural(count, 'subscriber')} exported", err=True)


def _topics(topics: frozenset[str] | None) -> str:
    return "; ".join(sorted(topics)) if topics else "all"


def register(group: click.Group) -> None:
    group.add_command(subscribers)
