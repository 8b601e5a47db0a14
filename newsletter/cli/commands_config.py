"""``newsletter config check``."""

from __future__ import annotations

import datetime as dt

import click

from newsletter.cli.options import config_option, date_option
from newsletter.words import plural


@click.group(epilog="Example: newsletter config check --config config/newsletter.yaml")
def config() -> None:
    """Inspect and validate the configuration."""


@config.command(epilog="Example: newsletter config check --config my.yaml --date 2025-10-03")
@config_option
@date_option
def check(config_path: str | None, day: dt.datetime | None) -> None:
    """Validate the config file; report every problem with its file, line and key.

    With --date, also ask every source for that day's papers (nothing is sent) and show
    what each answered and how the topics would group them.
    """
    from newsletter import pipeline
    from newsletter.cli.report import describe_source
    from newsletter.config import find_config, load_config

    path, bundled = find_config(config_path)
    loaded = load_config(config_path)
    model = loaded.model
    label = f"{path} (bundled default)" if bundled else str(path)
    click.echo(f"{label}: OK")
    click.echo(
        f"  {plural(len(model.sources), 'source')}, {plural(len(model.topics), 'topic')}, "
        f"{plural(len(model.subscribers), 'subscriber')}, delivery: {model.delivery.backend}"
    )
    if day is not None:
        collection, issue = pipeline.collect_and_group(loaded, day.date())
        for result in collection.results:
            click.echo(f"  {describe_source(result)}")
        sections = ", ".join(f"{s.topic.name} ({s.total})" for s in issue.sections)
        papers = plural(len(collection.papers), "paper")
        click.echo(f"  {day:%Y-%m-%d}: {papers}; {sections or 'no topics'}")


def register(group: click.Group) -> None:
    group.add_command(config)
