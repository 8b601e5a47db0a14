"""Delivery backends: a registry from the config's ``delivery.backend`` to a class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsletter.config import LoadedConfig
from newsletter.config.models import (
    ConsoleDelivery,
    DkimOptions,
    MemoryDelivery,
    OutboxDelivery,
    SendGridDelivery,
    SmtpDelivery,
)
from newsletter.delivery.base import EmailBackend
from newsletter.delivery.console import ConsoleBackend
from newsletter.delivery.memory import MemoryBackend
from newsletter.delivery.outbox import OutboxBackend
from newsletter.errors import ConfigError

if TYPE_CHECKING:
    from newsletter.delivery.dkim_signing import DkimSigner

__all__ = ["ConsoleBackend", "EmailBackend", "MemoryBackend", "OutboxBackend", "get_backend"]


def get_backend(loaded: LoadedConfig) -> EmailBackend:
    """The backend the config names, with its options (secrets from ``loaded.secrets``)."""
    config = loaded.model.delivery
    if isinstance(config, OutboxDelivery):
        return OutboxBackend(loaded.resolve_output(config.options.dir))
    if isinstance(config, ConsoleDelivery):
        return ConsoleBackend()
    if isinstance(config, MemoryDelivery):
        return MemoryBackend()
    if isinstance(config, SmtpDelivery):
        from newsletter.delivery.smtp import SmtpBackend

        o = config.options
        return SmtpBackend(
            o.host,
            o.port,
            security=o.security,
            username=_secret(loaded, o.username_env),
            password=_secret(loaded, o.password_env),
            timeout=o.timeout,
            ca_file=loaded.resolve_input(o.ca_file) if o.ca_file else None,
            dkim=_dkim_signer(loaded, o.dkim),
            concurrency=o.concurrency,
        )
    if isinstance(config, SendGridDelivery):
        from newsletter.delivery.sendgrid import SendGridBackend, SendGridRetryPolicy

        s = config.options
        return SendGridBackend(
            _secret(loaded, s.api_key_env) or "",
            host=s.host,
            timeout=s.timeout,
            sandbox_mode=s.sandbox_mode,
            categories=s.categories,
            batch_size=s.batch_size,
            concurrency=s.concurrency,
            retry=SendGridRetryPolicy(s.max_retries, s.backoff_seconds, s.max_wait_seconds),
        )
    raise ConfigError(f"delivery.backend: {config.backend!r} is not available")


def _dkim_signer(loaded: LoadedConfig, options: DkimOptions | None) -> DkimSigner | None:
    if options is None:
        return None
    from newsletter.delivery.dkim_signing import DkimSigner

    key = _secret(loaded, options.private_key_env) or ""
    return DkimSigner(options.domain, options.selector, key.encode("utf-8"))


def _secret(loaded: LoadedConfig, variable: str | None) -> str | None:
    if variable is None:
        return None
    value = loaded.secrets.get(variable)
    if not value:  # the config check reports this at load time; kept for a hand-made config
        raise ConfigError(f"delivery.options: environment variable {variable} is not set")
    return value
