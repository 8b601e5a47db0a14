"""One day's papers from the configured sources: what a run, ``fetch``, the weekly issue
and "Catching on" collect, with the choices they collect with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from newsletter.config import LoadedConfig
from newsletter.errors import NewsletterError, NoPapersError
from newsletter.sources import SourceOptions, build_sources
from newsletter.sources.collect import Collection, SourceProgress, collect_papers


@dataclass(frozen=True, slots=True)
class CollectOptions:
    """``refresh``: bypass the cache; ``include_seen``: keep papers an earlier issue sent."""

    refresh: bool = False
    include_seen: bool = False
    sources: SourceOptions | None = None
    progress: SourceProgress | None = None


def collect_day(
    loaded: LoadedConfig,
    day: dt.date,
    options: CollectOptions | None = None,
    only: str | None = None,
) -> Collection:
    """Run the configured sources (or the one named ``only``); fail if every one failed."""
    options = options or CollectOptions()
    source_options = replace(options.sources or SourceOptions(), refresh=options.refresh)
    sources = build_sources(loaded, source_options)
    if only is not None:
        known = ", ".join(s.name for s in sources)
        sources = [s for s in sources if s.name == only]
        if not sources:
            raise NewsletterError(f"no source named {only!r} in the config (known: {known})")
    collection = collect_papers(sources, day, options.progress)
    if collection.all_failed:
        errors = "; ".join(f"{r.source}: {r.error}" for r in collection.failed)
        raise NoPapersError(f"every source failed, nothing was sent: {errors}")
    return collection
