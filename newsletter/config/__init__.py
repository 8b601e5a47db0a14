"""Configuration: one validated model loaded from YAML (see ``loader`` and ``models``)."""

from newsletter.config.checks import BUILTIN_CHECKS, DATA_CHECKS_BUILTIN
from newsletter.config.loader import (
    DATA_CHECKS,
    SEMANTIC_CHECKS,
    LoadedConfig,
    find_config,
    format_path,
    load_config,
    parse_config,
)
from newsletter.config.models import NewsletterConfig

SEMANTIC_CHECKS.extend(BUILTIN_CHECKS)
DATA_CHECKS.extend(DATA_CHECKS_BUILTIN)

__all__ = [
    "DATA_CHECKS",
    "SEMANTIC_CHECKS",
    "LoadedConfig",
    "NewsletterConfig",
    "find_config",
    "format_path",
    "load_config",
    "parse_config",
]
