"""Archived sections: two schedulers finishing the same issue at once both keep it.

Runs on a real SQLite file, and on PostgreSQL when NEWSLETTER_TEST_PG_URL is set.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy.engine import Engine

from newsletter.models import ArchivedPaper, ArchivedSection
from newsletter.store.issues import get_or_create_issue, save_sections, topic_entries

DAY = dt.date(2025, 10, 6)


def sections(count: int) -> list[ArchivedSection]:
    paper = ArchivedPaper("2510.1", "A paper", "https://arxiv.org/abs/2510.1", "Summary", "")
    return [ArchivedSection(f"Topic {n}", f"topic-{n}", (paper,)) for n in range(count)]


def test_two_processes_saving_the_same_issue_at_once_neither_fails(any_engine: Engine) -> None:
    """Two hosts render the same day and both keep its archive: the later one wins,
    nobody crashes on the (issue, topic) key (this failed on PostgreSQL before)."""
    name = f"Daily {uuid.uuid4().hex[:8]}"
    issue_id = get_or_create_issue(any_engine, name, DAY)
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def save() -> None:
        start.wait()
        try:
            for _ in range(5):
                save_sections(any_engine, issue_id, sections(12))
        except BaseException as error:  # the test reports what each thread met
            failures.append(error)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(topic_entries(any_engine, name, "topic-3", limit=5)) == 0  # no html yet: hidden
