"""Sources of papers: a registry from config ``type`` to a ``Source`` backend."""

from __future__ import annotations

from newsletter.config import LoadedConfig
from newsletter.config.models import LocalSourceConfig, SourceConfig
from newsletter.errors import ConfigError
from newsletter.sources.base import Source, SourceResult
from newsletter.sources.local import LocalSource

__all__ = ["Source", "SourceResult", "build_source", "build_sources"]


def build_source(config: SourceConfig, loaded: LoadedConfig, index: int) -> Source:
    name = config.name or f"{config.type}#{index}"
    if isinstance(config, LocalSourceConfig):
        path = loaded.resolve_input(config.path)
        return LocalSource(name, path, filter_by_date=config.filter_by_date)
    raise ConfigError(f"sources[{index}]: source type {config.type!r} is not available yet")


def build_sources(loaded: LoadedConfig) -> list[Source]:
    return [build_source(c, loaded, i) for i, c in enumerate(loaded.model.sources)]
