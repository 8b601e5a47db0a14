"""``newsletter config check``."""

from __future__ import annotations

import click

from newsletter.cli.options import config_option
from newsletter.config import find_config, load_config


@click.group(epilog="Example: newsletter config check --config config/newsletter.yaml")
def config() -> None:
    """Inspect and validate the configuration."""


@config.command(epilog="Example: newsletter config check --config my.yaml")
@config_option
def check(config_path: str | None) -> None:
    """Validate the config file; report every problem with its file, line and key."""
    path, bundled = find_config(config_path)
    loaded = load_config(config_path)
    model = loaded.model
    label = f"{path} (bundled default)" if bundled else str(path)
    click.echo(f"{label}: OK")
    click.echo(
        f"  {len(model.sources)} sources, {len(model.topics)} topics, "
        f"{len(model.subscribers)} subscribers, delivery: {model.delivery.backend}"
    )


def register(group: click.Group) -> None:
    group.add_command(config)
