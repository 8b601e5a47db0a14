"""Who a run is for: the readers named in the YAML, synced into the database, plus every
reader kept there (web subscribers, their own topic choices and status).

One home for the pipeline, the scheduler and the web app.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from newsletter.config import LoadedConfig
from newsletter.models import WEEKDAYS, Cadence, Rhythm, Subscriber, SubscriberStatus
from newsletter.store.subscribers import all_subscribers, sync_config_subscribers


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


def cadence_counts(readers: list[Subscriber], day: dt.date, default: Cadence) -> dict[str, int]:
    """Active readers by rhythm on ``day``: ``daily``, ``weekly`` and ``weekly on friday``
    style keys (for the run report and ``newsletter status``)."""
    counts = {Rhythm.DAILY.value: 0, Rhythm.WEEKLY.value: 0}
    for reader in readers:
        if reader.status is not SubscriberStatus.ACTIVE:
            continue
        cadence = reader.cadence_on(day, default)
        counts[cadence.rhythm.value] += 1
        if cadence.weekly:
            key = f"weekly on {WEEKDAYS[cadence.weekday]}"
            counts[key] = counts.get(key, 0) + 1
    return counts
