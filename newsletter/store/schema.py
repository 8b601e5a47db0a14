"""Schema versions: bring any database to the newest Alembic revision, once, safely.

Called by ``open_database``, so ``run``, ``schedule`` and ``web`` upgrade on start. Two hosts
starting together must not both migrate: on PostgreSQL the upgrade holds an advisory lock, on
SQLite a lock file beside the database (SQLite has no lock that spans Alembic's transactions).
A database made before Alembic (release 0.1.0: ``create_all`` plus the ``deliveries.claim``
column added by hand) has no ``alembic_version``: the first revision creates only the tables
it lacks, after the missing ``claim`` column is added, and it joins the history from there.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from newsletter.store.db import CREATION_RACE, Base, IssueRow, connect_database, safe_url
from newsletter.store.failures import store_error

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
# Any fixed 64-bit number, the same on every host: "newsletter" in ASCII.
ADVISORY_LOCK_KEY = 0x6E6577736C6574
# The newest revision shipped, so a start on a current database is one query and never loads
# Alembic (~0.1 s of imports and script parsing). tests/store/test_schema.py checks it
# against the revisions.
HEAD = "0005"


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (None: no schema yet) and the newest one."""

    current: str | None
    head: str
    has_tables: bool = True

    @property
    def label(self) -> str:
        if self.current:
            return f"revision {self.current}"
        return "the 0.1.0 schema (no revision yet)" if self.has_tables else "no schema yet"

    @property
    def is_current(self) -> bool:
        return self.current == self.head


def _alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "newsletter.store:migrations")
    config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no schema revisions shipped")
    return head


def schema_state(engine: Engine) -> SchemaState:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        has_tables = bool(inspect(connection).get_table_names())
    return SchemaState(current=current, head=head_revision(), has_tables=has_tables)


def upgrade_schema(engine: Engine) -> SchemaState:
    """Upgrade to the newest revision; a no-op (one query) when already there."""
    if _recorded_revision(engine) == HEAD:
        return SchemaState(current=HEAD, head=HEAD)
    from alembic.runtime.migration import MigrationContext

    with _migration_lock(engine) as connection:
        # Another host may have migrated while we waited for the lock.
        before = MigrationContext.configure(connection).get_current_revision()
        if before is None and not inspect(connection).get_table_names():
            _create_new(connection)
        else:
            if before is None:
                _complete_pre_alembic(connection)
            run_revisions(connection)
    after = schema_state(engine)
    if before != after.current:
        log.info("database schema upgraded from %s to %s", before or "nothing", after.current)
    return after


def _create_new(connection: Connection) -> None:
    """A new database gets the models' tables at once and is stamped as the newest revision
    (Alembic's recipe: faster than replaying every revision; the tests prove both agree)."""
    from alembic import command

    Base.metadata.create_all(connection)
    command.stamp(_alembic_config(connection), "head")
    connection.commit()


def run_revisions(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), "head")
    connection.commit()


def _recorded_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:  # no such table: a new database, or one from before revisions
        return None


def _complete_pre_alembic(connection: Connection) -> None:
    """0.1.0 added ``deliveries.claim`` by hand to databases made before run tokens."""
    if "deliveries" not in inspect(connection).get_table_names():
        return  # a new database: the first revision creates everything
    columns = {c["name"] for c in inspect(connection).get_columns("deliveries")}
    if "claim" not in columns:
        connection.execute(text("ALTER TABLE deliveries ADD COLUMN claim VARCHAR(64)"))
        connection.commit()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()
        return
    with _file_lock(engine), engine.connect() as connection:
        yield connection


@contextlib.contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl  # POSIX only; the program's hosts and containers are Linux or macOS

    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_database(url: str, attempts: int = 5) -> Engine:
    """Connect and bring the schema to the newest revision (``store.schema``). Errors name the
    URL without its password.

    The upgrade is locked against other hosts; a "database is locked" answer from SQLite while
    another process holds the write lock is tried again."""
    engine = connect_database(url)
    for attempt in range(1, attempts + 1):
        try:
            fresh = not inspect(engine).has_table(IssueRow.__tablename__)
            upgrade_schema(engine)
            if fresh:
                # A new database in the wrong folder would start from scratch, ledger and
                # readers included: never do that silently.
                log.info("created a new database (none was there yet): %s", safe_url(engine))
            return engine
        except SQLAlchemyError as exc:
            if attempt < attempts and isinstance(exc, CREATION_RACE):
                time.sleep(0.2 * attempt)
                continue
            engine.dispose()
            raise store_error(exc, "open the database", engine) from exc
    raise AssertionError("unreachable")
