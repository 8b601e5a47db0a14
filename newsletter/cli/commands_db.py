"""``newsletter db upgrade`` and ``newsletter db current``: the schema's revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from newsletter.cli.options import config_option

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

T = TypeVar("T")


@click.group(epilog="Example: newsletter db upgrade --config newsletter.yaml")
def db() -> None:
    """The database schema. run, schedule and web upgrade it on start by themselves."""


@db.command(epilog="Example: newsletter db upgrade")
@config_option
def upgrade(config_path: str | None) -> None:
    """Bring the database to the newest schema revision (safe to run any time, on any host)."""
    from newsletter.config import load_config
    from newsletter.store.db import connect_database, safe_url
    from newsletter.store.schema import schema_state, upgrade_schema

    engine = connect_database(load_config(config_path).model.database.url)
    before = _guarded(engine, schema_state)
    after = _guarded(engine, upgrade_schema)
    if before.current == after.current:
        click.echo(f"{safe_url(engine)}: already at {after.label} (newest)")
    else:
        click.echo(f"{safe_url(engine)}: upgraded from {before.label} to {after.label}")


@db.command(epilog="Example: newsletter db current")
@config_option
def current(config_path: str | None) -> None:
    """Show the database's schema revision; exit 1 when it is behind the program's."""
    from newsletter.config import load_config
    from newsletter.store.db import connect_database, safe_url
    from newsletter.store.schema import schema_state

    engine = connect_database(load_config(config_path).model.database.url)
    state = _guarded(engine, schema_state)
    if state.is_current:
        click.echo(f"{safe_url(engine)}: {state.label} (newest)")
        return
    click.echo(
        f"{safe_url(engine)}: {state.label}, newest is revision {state.head}: "
        "run `newsletter db upgrade` (run, schedule and web also upgrade on start)"
    )
    raise SystemExit(1)


def _guarded(engine: Engine, step: Callable[[Engine], T]) -> T:
    """SQLAlchemy's errors become a ``StoreError`` naming the database without its password."""
    from sqlalchemy.exc import SQLAlchemyError

    from newsletter.errors import StoreError
    from newsletter.store.db import safe_url

    try:
        return step(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"database {safe_url(engine)}: {exc.__class__.__name__}: {exc}") from exc


def register(group: click.Group) -> None:
    group.add_command(db)
