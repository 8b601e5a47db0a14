"""``newsletter subscribers add | update | remove | list | import | export``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from newsletter.cli.options import F, config_option
from newsletter.errors import NewsletterError
from newsletter.models import SubscriberStatus
from newsletter.words import plural

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from newsletter.config import LoadedConfig


def _open(config_path: str | None) -> tuple[LoadedConfig, Engine]:
    from newsletter.config import load_config
    from newsletter.readers import config_subscribers
    from newsletter.store import open_database
    from newsletter.store.subscribers import sync_config_subscribers

    loaded = load_config(config_path)
    engine = open_database(loaded.model.database.url)
    # The readers written in the YAML are readers too: list, export and edit them now,
    # not only after the first run.
    sync_config_subscribers(engine, config_subscribers(loaded))
    return loaded, engine


def resolve_topics(loaded: LoadedConfig, given: Sequence[str]) -> tuple[str, ...]:
    """The configured names of ``--topic`` values typed in any case or as a short slug."""
    from newsletter.topics.names import match_topic, unknown_topic_message

    allowed = known_topics(loaded)
    chosen: list[str] = []
    for topic in given:
        name = match_topic(topic, allowed)
        if name is None:
            raise NewsletterError(unknown_topic_message(topic, allowed))
        chosen.append(name)
    return tuple(dict.fromkeys(chosen))


def known_topics(loaded: LoadedConfig) -> list[str]:
    names = [t.name for t in loaded.model.topics]
    catch_all = loaded.model.grouping.catch_all
    return names + ([catch_all] if catch_all else [])


@click.group(epilog="Example: newsletter subscribers import readers.csv")
def subscribers() -> None:
    """Add, update, remove, list, import, export, reactivate and forget readers (kept in
    the configured database; the readers written in the YAML are synced into it first)."""


def reader_options(func: F) -> F:
    """The settings ``add`` and ``update`` share."""
    options = [
        click.option("--name", default=None, help="The reader's name, shown in the To header."),
        click.option(
            "--topic",
            "topics",
            multiple=True,
            help="A topic to receive (repeat; any case, or a short slug like 'agents'; "
            "none given: all topics).",
        ),
        click.option(
            "--timezone",
            default=None,
            help="The reader's IANA time zone, for schedule.local_time (e.g. Europe/Berlin).",
        ),
        click.option(
            "--pause/--resume",
            "pause",
            default=None,
            help="Stop sending to the reader for now, or start again.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@subscribers.command(
    epilog='Example: newsletter subscribers add ada@example.org --name "Ada" '
    "--topic agents --timezone Europe/London"
)
@config_option
@click.argument("email")
@reader_options
def add(
    config_path: str | None,
    email: str,
    name: str | None,
    topics: tuple[str, ...],
    timezone: str | None,
    pause: bool | None,
) -> None:
    """Add a reader, or update the name, topics, time zone or pause of an existing one."""
    _save_reader(config_path, email, name, topics, timezone, pause, must_exist=False)


@subscribers.command(
    epilog="Example: newsletter subscribers update ada@example.org --pause\n\n"
    'Example: newsletter subscribers update ada@example.org --topic "video" --resume'
)
@config_option
@click.argument("email")
@reader_options
def update(
    config_path: str | None,
    email: str,
    name: str | None,
    topics: tuple[str, ...],
    timezone: str | None,
    pause: bool | None,
) -> None:
    """Change an existing reader's name, topics, time zone, or pause and resume them."""
    _save_reader(config_path, email, name, topics, timezone, pause, must_exist=True)


def _save_reader(
    config_path: str | None,
    email: str,
    name: str | None,
    topics: tuple[str, ...],
    timezone: str | None,
    pause: bool | None,
    *,
    must_exist: bool,
) -> None:
    from newsletter.models import SubscriberStatus
    from newsletter.store.subscribers import get_subscriber, upsert_subscriber

    loaded, engine = _open(config_path)
    known = get_subscriber(engine, email)
    if must_exist and known is None:
        raise NewsletterError(f"no subscriber {email!r}; add them with: newsletter subscribers add")
    movable = (SubscriberStatus.ACTIVE, SubscriberStatus.PAUSED)
    if pause is not None and known is not None and known.status not in movable:
        # Their own "unsubscribe" (or a bounce) is not ours to undo from the command line.
        raise NewsletterError(
            f"{known.email} is {known.status.value}: only an active or paused reader can be "
            "paused or resumed; they can subscribe again on the web"
        )
    chosen = resolve_topics(loaded, topics)
    status = {True: SubscriberStatus.PAUSED, False: SubscriberStatus.ACTIVE, None: None}[pause]
    reader = upsert_subscriber(
        engine,
        email,
        name=name,
        topics=chosen or None,
        status=status,
        timezone=_checked_timezone(timezone) if timezone else None,
    )
    zone = f", time zone {reader.timezone}" if reader.timezone else ""
    click.echo(f"{reader.display}: {reader.status.value}, topics: {_topics(reader.topics)}{zone}")


def _checked_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        import difflib

        close = difflib.get_close_matches(value, sorted(available_timezones()), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise NewsletterError(
            f"unknown time zone {value!r}{hint} (an IANA name like Europe/Berlin)"
        ) from None
    return value


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


SUPPRESSED = "suppressed"  # bounced, complained or unsubscribed: shows why and since when


@subscribers.command(name="list", epilog="Example: newsletter subscribers list --status suppressed")
@config_option
@click.option(
    "--status",
    type=click.Choice([s.value for s in SubscriberStatus] + [SUPPRESSED]),
    default=None,
    help="Only readers with this status; 'suppressed': every stopped reader, why and since when.",
)
def list_(config_path: str | None, status: str | None) -> None:
    """Show every reader: address, status and topics."""
    from newsletter.store.events import suppressed_readers
    from newsletter.store.subscribers import all_subscribers

    _, engine = _open(config_path)
    if status == SUPPRESSED:
        stopped = suppressed_readers(engine)
        for item in stopped:
            since = f"{item.since:%Y-%m-%d %H:%M} UTC"
            click.echo(f"{item.email}\t{item.status.value}\tsince {since}\t{item.reason}")
        click.echo(f"{len(stopped)} suppressed", err=True)
        return
    shown = [r for r in all_subscribers(engine) if status is None or r.status.value == status]
    for reader in shown:
        click.echo(f"{reader.display}\t{reader.status.value}\t{_topics(reader.topics)}")
    click.echo(plural(len(shown), "subscriber"), err=True)


@subscribers.command(epilog="Example: newsletter subscribers reactivate ada@example.org --yes")
@config_option
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do it without asking (scripts).")
def reactivate(config_path: str | None, email: str, yes: bool) -> None:
    """Mail a suppressed reader again, on purpose (after they fixed their mailbox or asked
    to be back). Mailing an address that bounced or complained hurts the sender's reputation."""
    from newsletter.store.events import reactivate as store_reactivate
    from newsletter.store.events import suppressed_readers

    _, engine = _open(config_path)
    current = next(
        (s for s in suppressed_readers(engine) if s.email.lower() == email.lower()), None
    )
    if current is None:
        raise NewsletterError(
            f"{email} is not suppressed; see: newsletter subscribers list --status suppressed"
        )
    click.echo(f"{current.email}: {current.status.value} since {current.since:%Y-%m-%d}: "
               f"{current.reason}")  # fmt: skip
    if not yes:
        click.confirm("Mail this address again?", abort=True)
    store_reactivate(engine, email)
    click.echo(f"{current.email}: active again")


@subscribers.command(
    name="import", epilog="Example: newsletter subscribers import readers.csv --config my.yaml"
)
@config_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Also add readers erased on request (subscribers forget), with their new consent.",
)
def import_(config_path: str | None, file: Path, force: bool) -> None:
    """Import readers from a CSV with a header row: email, and optionally name and topics
    (topic names separated by ";"). Bad rows are reported with their line and skipped;
    readers erased on request are left out (and counted) unless --force."""
    from newsletter.store.subscriber_csv import import_csv

    loaded, engine = _open(config_path)
    report = import_csv(engine, file, known_topics(loaded), force=force)
    for problem in report.problems:
        click.echo(f"skipped {problem}", err=True)
    if report.problem_count > len(report.problems):
        click.echo(f"... and {report.problem_count - len(report.problems)} more", err=True)
    left_out = f", {report.forgotten} left out (erased on request; --force adds them)"
    click.echo(
        f"{report.added:,} added, {report.updated:,} updated, "
        f"{plural(report.problem_count, 'row')} skipped" + (left_out if report.forgotten else "")
    )
    if report.problem_count:
        raise SystemExit(1)


@subscribers.command(
    epilog="Example: newsletter subscribers export --out readers.csv   "
    "(one reader as JSON: --email ada@example.org)"
)
@config_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option(
    "--email",
    default=None,
    help="Only this reader, as JSON: subscription, topics, consent, deliveries, events, "
    "rated papers.",
)
def export(config_path: str | None, out: Path | None, email: str | None) -> None:
    """Write every reader as CSV (email, name, topics, status, created_at), or everything
    held about one reader as JSON (--email; a data-access request)."""
    from newsletter.store.privacy import reader_data
    from newsletter.store.subscriber_csv import export_csv

    _, engine = _open(config_path)
    if email is not None:
        data = reader_data(engine, email)
        if data is None:
            raise NewsletterError(f"nothing is held about {email!r}")
        document = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if out is None:
            click.echo(document, nl=False)
        else:
            out.write_text(document, encoding="utf-8")
        return
    if out is None:
        count = export_csv(engine, sys.stdout)
    else:
        with out.open("w", encoding="utf-8", newline="") as handle:
            count = export_csv(engine, handle)
    click.echo(f"{plural(count, 'subscriber')} exported", err=True)


@subscribers.command(epilog="Example: newsletter subscribers forget ada@example.org --yes")
@config_option
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do it without asking (scripts).")
def forget(config_path: str | None, email: str, yes: bool) -> None:
    """Erase a reader (an erasure request): subscription, deliveries, bounce records. Only a
    keyed hash stays, so a later import does not add them back (import --force does)."""
    from newsletter.store.privacy import forget_reader

    _, engine = _open(config_path)
    if not yes:
        click.confirm(f"Erase everything held about {email}?", abort=True)
    held = forget_reader(engine, email)
    click.echo(f"{email}: {'erased' if held else 'nothing was held'}; kept a keyed hash only")


def _topics(topics: frozenset[str] | None) -> str:
    return "; ".join(sorted(topics)) if topics else "all"


def register(group: click.Group) -> None:
    group.add_command(subscribers)
