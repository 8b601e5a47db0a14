"""The recorded days: every day a configured source has kept in the cache, read offline.

Who calls: ``topics suggest`` (a background of real days to tell a topic's words from the
rest, and the days to preview a suggested topic on). Nothing here touches the network: a
network source is asked only for days whose answer is cached completely; a local source is
read as it is, its papers filed under the day they were listed (or one undated batch).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from newsletter.config import LoadedConfig
from newsletter.config.models import HFDailySourceConfig, LocalSourceConfig
from newsletter.models import Paper
from newsletter.sources import build_source, source_names
from newsletter.sources.cache import MARKER, safe_name
from newsletter.sources.collect import merge_papers

UNDATED = dt.date.min  # papers of a local file that carry no listing day


def recorded_days(loaded: LoadedConfig) -> dict[dt.date, list[Paper]]:
    """Papers per recorded day, merged across sources, oldest day first."""
    batches: dict[dt.date, list[list[Paper]]] = defaultdict(list)
    cache_root = loaded.resolve_output(loaded.model.collect.cache_dir)
    names = source_names(loaded.model.sources)
    for index, config in enumerate(loaded.model.sources):
        source = build_source(config, loaded, index, name=names[index])
        try:
            if isinstance(config, LocalSourceConfig):
                by_day: dict[dt.date, list[Paper]] = defaultdict(list)
                for paper in source.fetch(dt.date.today()).papers:
                    by_day[paper.listed_on or UNDATED].append(paper)
                for day, papers in by_day.items():
                    batches[day].append(papers)
                continue
            lag = config.lag_days if isinstance(config, HFDailySourceConfig) else 0
            folder = cache_root / safe_name(names[index])
            for listing in _cached_days(folder):
                result = source.fetch(listing + dt.timedelta(days=lag))
                batches[listing].append(result.papers)
        finally:
            source.close()
    return {day: merge_papers(batches[day]) for day in sorted(batches)}


def _cached_days(folder: Path) -> list[dt.date]:
    if not folder.is_dir():
        return []
    days = []
    for child in sorted(folder.iterdir()):
        try:
            day = dt.date.fromisoformat(child.name)
        except ValueError:
            continue
        if (child / MARKER).is_file():
            days.append(day)
    return days
