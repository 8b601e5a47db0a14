"""Engines the store tests run on: a real SQLite file, and PostgreSQL when
``NEWSLETTER_TEST_PG_URL`` is set (see ``db_url`` in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from newsletter.store import open_database


@pytest.fixture
def any_engine(db_url: str) -> Iterator[Engine]:
    """The same test on SQLite and on PostgreSQL."""
    engine = open_database(db_url)
    yield engine
    engine.dispose()
