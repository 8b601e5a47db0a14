"""Delivery backends: a registry from the config's ``delivery.backend`` to a class."""

from __future__ import annotations

from newsletter.config import LoadedConfig
from newsletter.config.models import ConsoleDelivery, MemoryDelivery, OutboxDelivery
from newsletter.delivery.base import EmailBackend
from newsletter.delivery.console import ConsoleBackend
from newsletter.delivery.memory import MemoryBackend
from newsletter.delivery.outbox import OutboxBackend
from newsletter.errors import ConfigError

__all__ = ["ConsoleBackend", "EmailBackend", "MemoryBackend", "OutboxBackend", "get_backend"]


def get_backend(loaded: LoadedConfig) -> EmailBackend:
    """The backend the config names, with its options."""
    config = loaded.model.delivery
    if isinstance(config, OutboxDelivery):
        return OutboxBackend(loaded.resolve_output(config.options.dir))
    if isinstance(config, ConsoleDelivery):
        return ConsoleBackend()
    if isinstance(config, MemoryDelivery):
        return MemoryBackend()
    raise ConfigError(f"delivery.backend: {config.backend!r} is not available yet")
