"""Sources of papers: a registry from config ``type`` to a ``Source`` backend."""

from __future__ import annotations

from dataclasses import dataclass

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


def source_name(config: SourceConfig, index: int) -> str:
    return config.name or f"{config.type}#{index}"


def build_source(
    config: SourceConfig, loaded: LoadedConfig, index: int, options: SourceOptions | None = None
) -> Source:
    options = options or SourceOptions()
    name = source_name(config, index)
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
    return [build_source(c, loaded, i, options) for i, c in enumerate(loaded.model.sources)]
