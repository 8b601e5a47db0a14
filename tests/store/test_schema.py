"""Schema revisions: a database made by release 0.1.0 is upgraded with nothing lost, on SQLite
and PostgreSQL; the revisions build exactly the tables the models describe; hosts starting
together do not race."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from newsletter.store import Base, open_database
from newsletter.store.schema import HEAD, head_revision, schema_state
from tests.conftest import FIXTURES

OLD = FIXTURES / "pre_alembic"
TABLES = ["subscribers", "issues", "deliveries", "sent_papers", "settings", "webhook_events"]


# Columns later revisions add: they hold no 0.1.0 data, so the comparison leaves them out.
ADDED_COLUMNS = {
    "subscribers": {"cadence", "cadence_since", "cadence_before"},
    "deliveries": {"catching_on_id"},
}


def _rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return {
            table: sorted(
                (
                    tuple(
                        str(value)
                        for column, value in row._mapping.items()
                        if column not in ADDED_COLUMNS.get(table, set())
                    )
                    for row in connection.execute(text(f"SELECT * FROM {table}"))
                ),
            )
            for table in TABLES
        }


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_a_sqlite_database_from_0_1_0_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "newsletter.db"
    shutil.copy(OLD / "newsletter-0.1.0.sqlite", path)
    url = f"sqlite:///{path}"
    old = create_engine(url)
    before = _rows(old)
    old.dispose()
    assert len(before["subscribers"]) == 4 and len(before["deliveries"]) == 3

    engine = open_database(url)

    assert _rows(engine) == before
    assert schema_state(engine).current == head_revision()
    assert _differences(engine) == []


def test_the_old_database_still_sends_only_to_readers_who_lack_the_issue(
    workdir: Path, run_cli
) -> None:
    # The 0.1.0 run mailed the three config readers; a fourth was added with the CLI after it.
    shutil.copy(OLD / "newsletter-0.1.0.sqlite", workdir / "newsletter.db")
    result = run_cli("run", "--date", "2025-10-03")
    assert "Recipients: 1 sent, 3 skipped, 0 failed" in result.output


def test_a_fresh_database_gets_exactly_the_models_tables(db_url: str) -> None:
    engine = open_database(db_url)
    assert _differences(engine) == []
    open_database(db_url).dispose()  # idempotent: a second start changes nothing
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_a_database_from_before_run_tokens_gets_every_table_and_the_claim_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:  # the walking skeleton's only table
        connection.execute(
            "CREATE TABLE deliveries (id INTEGER PRIMARY KEY, issue_id INTEGER, "
            "email VARCHAR(320), status VARCHAR(20), provider_id VARCHAR(500), "
            "detail TEXT, attempts INTEGER, updated_at DATETIME)"
        )
        connection.execute(
            "INSERT INTO deliveries VALUES (1, 1, 'ada@example.org', 'sent', "
            "'p1', NULL, 1, '2025-10-03 07:00:00')"
        )
    engine = open_database(f"sqlite:///{path}")
    with engine.connect() as connection:
        row = connection.execute(text("SELECT email, status, claim FROM deliveries")).one()
        tables = set(connection.execute(text("SELECT name FROM sqlite_master")).scalars())
    assert tuple(row) == ("ada@example.org", "sent", None)
    assert set(TABLES) <= tables


@pytest.fixture
def pg_schema_url(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    return db_url


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_postgresql_database_from_0_1_0_keeps_every_row(pg_schema_url: str) -> None:
    old = create_engine(pg_schema_url)
    with old.begin() as connection:
        for statement in (OLD / "postgresql-0.1.0.sql").read_text().split(";"):
            if statement.strip():
                connection.execute(text(statement))
        connection.execute(
            text(
                "INSERT INTO subscribers (email, name, topics, status, origin, created_at,"
                " updated_at) VALUES ('ada@example.org', 'Ada', '[\"Agents\"]', 'active', 'cli',"
                " now(), now())"
            )
        )
        connection.execute(
            text(
                "INSERT INTO issues (newsletter, date, status, papers, sent, skipped, failed,"
                " subject, html, started_at) VALUES ('Daily Papers', '2025-10-03', 'sent', 9, 1, 0,"
                " 0, 'Daily Papers, Fri 03 Oct', '<p>kept</p>', now())"
            )
        )
        connection.execute(
            text(
                "INSERT INTO deliveries (issue_id, email, status, claim, provider_id, attempts,"
                " updated_at) SELECT id, 'ada@example.org', 'sent', NULL, 'sg-1', 1, now()"
                " FROM issues"
            )
        )
        connection.execute(text("INSERT INTO settings VALUES ('secret', 's3cret')"))
    before = _rows(old)
    old.dispose()

    engine = open_database(pg_schema_url)

    assert _rows(engine) == before
    assert schema_state(engine).current == head_revision()
    assert _differences(engine) == []
    engine.dispose()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_hosts_starting_together_migrate_once(pg_schema_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_database(pg_schema_url).dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    engine = create_engine(pg_schema_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (head_revision(),)
        ]
    engine.dispose()


def test_the_head_the_program_checks_on_start_is_the_newest_revision() -> None:
    assert head_revision() == HEAD  # bump schema.HEAD with every new revision


def test_replaying_every_revision_on_an_empty_database_gives_the_models_tables(
    db_url: str,
) -> None:
    from newsletter.store.db import connect_database
    from newsletter.store.schema import run_revisions

    engine = connect_database(db_url)
    with engine.connect() as connection:
        run_revisions(connection)
    assert _differences(engine) == []
    assert schema_state(engine).current == HEAD
    engine.dispose()
