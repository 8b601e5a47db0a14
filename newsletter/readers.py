"""Who a run is for: the readers named in the YAML, synced into the database, plus every
reader kept there (web subscribers, their own topic choices and status).

One home for the pipeline, the scheduler and the web app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from sqlalchemy.engine import Engine

from newsletter.config import LoadedConfig
from newsletter.models import WEEKDAYS, Cadence, Rhythm, Subscriber, SubscriberStatus
from newsletter.store.subscribers import (
    all_subscribers,
    count_subscribers,
    subscriber_pages,
    sync_config_subscribers,
)


def config_subscribers(loaded: LoadedConfig) -> list[Subscriber]:
    """The readers the YAML names, as the config states them."""
    return [
        Subscriber(
            email=s.email,
            name=s.name,
            topics=frozenset(s.topics) if s.topics else None,
            timezone=s.timezone,
            cadence=Cadence.parse(s.cadence) if s.cadence else None,
        )
        for s in loaded.model.subscribers
    ]


def readers_for_run(
    loaded: LoadedConfig, engine: Engine, only: frozenset[str] | None = None
) -> list[Subscriber]:
    """Every reader the database knows after syncing the YAML's (any status: delivery skips
    the inactive ones with a reason); ``only`` narrows them to these addresses."""
    sync_config_subscribers(engine, config_subscribers(loaded))
    readers = all_subscribers(engine)
    if only is not None:
        readers = [r for r in readers if r.email in only]
    return readers


def reader_pages(
    loaded: LoadedConfig, engine: Engine, only: frozenset[str] | None = None
) -> tuple[Iterator[list[Subscriber]], int]:
    """The run's readers a page at a time (``readers_for_run`` without holding them all),
    and how many are expected (active ones), for the progress bar."""
    sync_config_subscribers(engine, config_subscribers(loaded))
    pages = subscriber_pages(engine)
    if only is None:
        return pages, count_subscribers(engine, SubscriberStatus.ACTIVE)
    return ([r for r in page if r.email in only] for page in pages), len(only)


def cadence_counts(readers: Iterable[Subscriber], day: dt.date, default: Cadence) -> dict[str, int]:
    """Active readers by rhythm on ``day``: ``daily``, ``weekly`` and ``weekly on friday``
    style keys (for the run report and ``newsletter status``)."""
    counts = {Rhythm.DAILY.value: 0, Rhythm.WEEKLY.value: 0}
    for reader in readers:
        count_cadence(counts, reader, day, default)
    return counts


def count_cadence(
    counts: dict[str, int], reader: Subscriber, day: dt.date, default: Cadence
) -> None:
    """Add one reader to ``cadence_counts``'s tally (readers counted as their pages go by)."""
    if reader.status is not SubscriberStatus.ACTIVE:
        return
    cadence = reader.cadence_on(day, default)
    counts[cadence.rhythm.value] = counts.get(cadence.rhythm.value, 0) + 1
    if cadence.weekly:
        key = f"weekly on {WEEKDAYS[cadence.weekday]}"
        counts[key] = counts.get(key, 0) + 1
