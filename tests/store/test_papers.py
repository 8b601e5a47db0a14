"""Papers already sent: never mailed twice, within a window, rerunning a day is safe.

Runs on a real SQLite file, and on PostgreSQL when NEWSLETTER_TEST_PG_URL is set.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy.engine import Engine

from newsletter.models import Paper
from newsletter.store.papers import filter_unsent, mark_sent

MON, TUE = dt.date(2025, 10, 6), dt.date(2025, 10, 7)


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    """A real SQLite file, and PostgreSQL in a schema of its own (tests/store/conftest.py)."""
    return any_engine


@pytest.fixture
def name() -> str:
    """A newsletter name of its own, so runs on a shared PostgreSQL never meet."""
    return f"Daily {uuid.uuid4().hex[:8]}"


def papers(*ids: str) -> list[Paper]:
    return [Paper(id=i, title=f"Paper {i}") for i in ids]


def test_a_paper_sent_before_is_left_out_and_a_rerun_of_that_day_is_not(
    engine: Engine, name: str
) -> None:
    assert mark_sent(engine, name, papers("2510.1", "cs/0503050"), MON) == 2
    fresh, seen = filter_unsent(engine, name, papers("2510.1", "2510.2", "cs/0503050"), TUE)
    assert [p.id for p in fresh] == ["2510.2"]
    assert [p.id for p in seen] == ["2510.1", "cs/0503050"]
    # Rerunning Monday (say, to retry a failed recipient) still shows Monday's papers.
    fresh, _ = filter_unsent(engine, name, papers("2510.1"), MON)
    assert [p.id for p in fresh] == ["2510.1"]


def test_window_lets_an_old_paper_return_and_newsletters_are_separate(
    engine: Engine, name: str
) -> None:
    mark_sent(engine, name, papers("2510.1"), MON)
    later = MON + dt.timedelta(days=30)
    assert filter_unsent(engine, name, papers("2510.1"), later)[1]  # forever by default
    assert not filter_unsent(engine, name, papers("2510.1"), later, window_days=30)[1]
    assert filter_unsent(engine, name, papers("2510.1"), later, window_days=31)[1]
    assert not filter_unsent(engine, name + " weekly", papers("2510.1"), later)[1]


def test_marking_twice_keeps_the_first_date(engine: Engine, name: str) -> None:
    mark_sent(engine, name, papers("2510.1"), MON)
    assert mark_sent(engine, name, papers("2510.1", "2510.1", "2510.3"), TUE) == 1
    assert filter_unsent(engine, name, papers("2510.1"), TUE)[1]  # still first sent Monday
