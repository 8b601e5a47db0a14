"""Database errors reach the user as one clear ``StoreError``: what failed, what to do, and
neither the SQL nor a reader's address (SQLAlchemy's own message carries both)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.exc import IntegrityError

from newsletter.errors import StoreError, StoreFailure
from newsletter.store import open_database
from newsletter.store.failures import store_error
from newsletter.store.subscribers import upsert_subscriber
from tests.conftest import SHIPPED_CONFIG

READER = "ada@example.org"
SQL_WORDS = ("INSERT", "SELECT", "UPDATE", "[SQL", "parameters")


def config_with_database(folder: Path, url: str) -> Path:
    data = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    data["database"] = url
    data["delivery"] = {"backend": "outbox", "options": {"dir": str(folder / "outbox")}}
    path = folder / "newsletter.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def database(workdir: Path) -> Path:
    path = workdir / "newsletter.db"
    open_database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def locked(database: Path) -> Iterator[Path]:
    """Another process's write transaction holds the database (as a backup tool would)."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield database
    holder.execute("ROLLBACK")
    holder.close()


def assert_clean(output: str) -> None:
    assert "Traceback" not in output
    assert READER not in output
    assert not [word for word in SQL_WORDS if word in output], output


def test_a_locked_database_says_so_and_what_to_do(locked: Path, run_cli) -> None:
    config = config_with_database(locked.parent, f"sqlite:///{locked}?timeout=0.2")
    result = run_cli("subscribers", "add", READER, "--config", str(config))
    assert result.exit_code == 1
    assert "the database is locked by another process" in result.output
    assert "try again" in result.output
    assert_clean(result.output)


def test_a_run_on_a_locked_database_fails_cleanly(locked: Path, run_cli) -> None:
    config = config_with_database(locked.parent, f"sqlite:///{locked}?timeout=0.2")
    result = run_cli("run", "--config", str(config), "--date", "2025-10-03")
    assert result.exit_code == 1
    assert "the database is locked by another process" in result.output
    assert_clean(result.output)


def test_a_read_only_database_says_so_and_what_to_do(database: Path, run_cli) -> None:
    # mode=ro: the tests run as root, whom file permissions would not stop.
    config = config_with_database(database.parent, f"sqlite:///file:{database}?mode=ro&uri=true")
    result = run_cli("subscribers", "add", READER, "--config", str(config))
    assert result.exit_code == 1
    assert "the database is read-only" in result.output
    assert "writable" in result.output
    assert_clean(result.output)


def test_the_failure_is_data_a_caller_can_act_on(locked: Path) -> None:
    engine = open_database(f"sqlite:///{locked}?timeout=0.1")
    with pytest.raises(StoreError) as caught:
        upsert_subscriber(engine, READER)
    engine.dispose()
    assert caught.value.failure is StoreFailure.LOCKED and caught.value.failure.transient
    assert isinstance(caught.value.__cause__, Exception)  # the driver's error, for --debug


def test_a_conflict_is_named_without_the_row() -> None:
    raw = IntegrityError("INSERT INTO subscribers ...", {"email": READER}, Exception("UNIQUE"))
    error = store_error(raw, "save the reader")
    assert error.failure is StoreFailure.CONFLICT
    assert READER not in str(error) and "INSERT" not in str(error)


def test_a_bad_url_names_what_to_write(run_cli, workdir: Path) -> None:
    config = config_with_database(workdir, "sqlitee:///newsletter.db")
    result = run_cli("subscribers", "list", "--config", str(config))
    assert result.exit_code == 1
    assert "'sqlitee' is not a database URL" in result.output


def test_the_privacy_and_bounce_functions_translate_too(locked: Path) -> None:
    """The functions added for readers' data go through the same boundary: a database locked
    by another process is a StoreError that says so, never a SQLAlchemy traceback."""
    from newsletter.store.privacy import purge_unconfirmed

    engine = open_database(f"sqlite:///{locked}?timeout=0.1")
    try:
        with pytest.raises(StoreError) as caught:
            purge_unconfirmed(engine, 0)  # the daily job's retention: a write
        assert caught.value.failure is StoreFailure.LOCKED, caught.value
    finally:
        engine.dispose()
