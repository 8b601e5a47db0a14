"""Sources of papers: a registry from config ``type`` to a ``Source`` backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from newsletter.config import LoadedConfig
from newsletter.config.models import (
    ArxivSourceConfig,
    HFDailySourceConfig,
    LocalSourceConfig,
    SourceConfig,
)
from newsletter.errors import ConfigError
from newsletter.sources.arxiv import ArxivSource
from newsletter.sources.base import Source, SourceResult
from newsletter.sources.cache import ResponseCache
from newsletter.sources.hf_daily import HFDailySource
from newsletter.sources.http import USER_AGENT, FetchRetryPolicy, HttpClient
from newsletter.sources.local import LocalSource

__all__ = ["Source", "SourceOptions", "SourceResult", "build_source", "build_sources"]


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Per-run choices: ``refresh`` skips the cache; ``backoff`` scales retry waits (tests)."""

    refresh: bool = False
    backoff: FetchRetryPolicy | None = None


def source_names(configs: Sequence[SourceConfig]) -> list[str]:
    """Names a person can read in reports, ``--source`` and the cache folder: the ``name:``
    given, else the type (``hf_daily``), for a local source its file's name; a second source
    of the same name gets ``-2``."""
    names: list[str] = []
    for config in configs:
        base = config.name or _default_name(config)
        name, number = base, 2
        while name in names:
            name, number = f"{base}-{number}", number + 1
        names.append(name)
    return names


def _default_name(config: SourceConfig) -> str:
    if isinstance(config, LocalSourceConfig):
        stem = PurePosixPath(config.path.removeprefix("bundled:").rstrip("/")).stem
        return stem or config.type
    return config.type


def build_source(
    config: SourceConfig,
    loaded: LoadedConfig,
    index: int,
    options: SourceOptions | None = None,
    name: str | None = None,
) -> Source:
    options = options or SourceOptions()
    name = name or source_names(loaded.model.sources)[index]
    if isinstance(config, LocalSourceConfig):
        path = loaded.resolve_input(config.path)
        return LocalSource(name, path, filter_by_date=config.filter_by_date)
    collect = loaded.model.collect
    cache = ResponseCache(loaded.resolve_output(collect.cache_dir), refresh=options.refresh)
    base = options.backoff or FetchRetryPolicy()
    retry = FetchRetryPolicy(config.retries, base.base_delay, base.max_delay, base.sleep)
    agent = collect.user_agent or USER_AGENT
    client = HttpClient(timeout=config.timeout, retry=retry, user_agent=agent)
    if isinstance(config, HFDailySourceConfig):
        return HFDailySource(
            name,
            client,
            base_url=config.base_url,
            page_size=config.page_size,
            lag_days=config.lag_days,
            cache=cache,
        )
    if isinstance(config, ArxivSourceConfig):
        api = None
        if config.api_base_url:
            api = HttpClient(
                timeout=config.timeout, retry=retry, user_agent=agent, min_interval=config.api_delay
            )
        return ArxivSource(
            name,
            client,
            categories=config.categories,
            base_url=config.base_url,
            include_cross_lists=config.include_cross_lists,
            api_client=api,
            api_base_url=config.api_base_url,
            batch_size=config.api_batch_size,
            cache=cache,
        )
    raise ConfigError(f"sources[{index}]: source type {config.type!r} is not available")


def build_sources(loaded: LoadedConfig, options: SourceOptions | None = None) -> list[Source]:
    configs = loaded.model.sources
    names = source_names(configs)
    return [build_source(c, loaded, i, options, names[i]) for i, c in enumerate(configs)]


def day_of_local_files(loaded: LoadedConfig) -> dt.date | None:
    """The day a config's sources hold when every one is a recorded day file that names it
    (``--date`` then defaults to that day, not today); ``None`` otherwise."""
    sources = build_sources(loaded)
    if not sources or not all(isinstance(s, LocalSource) for s in sources):
        return None
    days = {s.listed_day() for s in sources if isinstance(s, LocalSource)}
    return days.pop() if len(days) == 1 else None
