"""Engines the store tests run on: a real SQLite file, and PostgreSQL when
``NEWSLETTER_TEST_PG_URL`` is set (each test gets its own schema, dropped afterwards)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from newsletter.store import Base, open_database

PG_URL = os.environ.get("NEWSLETTER_TEST_PG_URL")


def postgres_engine() -> Iterator[Engine]:
    assert PG_URL
    schema = f"test_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="NEWSLETTER_TEST_PG_URL is not set"),
            ],
        ),
    ]
)
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        engine = open_database(f"sqlite:///{tmp_path / 'store.db'}")
        yield engine
        engine.dispose()
    else:
        yield from postgres_engine()
