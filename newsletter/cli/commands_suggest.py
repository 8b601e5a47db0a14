"""``newsletter topics suggest``: a topic started from example papers, previewed on the
recorded days."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

from newsletter.cli.options import config_option
from newsletter.profiles.suggest import DEFAULT_TERMS

if TYPE_CHECKING:
    from newsletter.topics.preview import DayPreview


EXAMPLE = (
    "Example: newsletter topics suggest --from 2510.01265,2510.02245,2509.24203\n\n"
    "Prints a topic to paste under `topics:` in the config, then (as YAML comments) the papers\n"
    "it would have matched on each day kept in the cache."
)


def _ids(_ctx: click.Context, _param: click.Parameter, value: str) -> list[str]:
    from newsletter.config.models import ARXIV_ID

    ids = [part.strip() for part in value.split(",") if part.strip()]
    bad = [i for i in ids if not re.match(ARXIV_ID, i)]
    if bad:
        raise click.BadParameter(
            f"{', '.join(bad)}: not an arXiv id (like 2510.01265 or cs/0503050)"
        )
    if not ids:
        raise click.BadParameter("give at least one arXiv id")
    return ids


@click.command("suggest", epilog=EXAMPLE)
@config_option
@click.option(
    "--from",
    "ids",
    required=True,
    callback=_ids,
    help="Example papers: arXiv ids, comma separated.",
)
@click.option("--name", default=None, help="The topic's name (default: its two best terms).")
@click.option(
    "--terms",
    "count",
    type=click.IntRange(1, 20),
    default=DEFAULT_TERMS,
    show_default=True,
    help="How many distinguishing words and phrases.",
)
@click.option(
    "--show",
    type=click.IntRange(0, 100),
    default=5,
    show_default=True,
    help="Papers listed per recorded day in the preview.",
)
def suggest_command(
    config_path: str | None, ids: list[str], name: str | None, count: int, show: int
) -> None:
    """Propose a topic from example papers: a name, the words and phrases that set them apart
    from the recorded days, and `similar_to` of the ids; preview what it would have matched."""
    import yaml

    from newsletter.config import load_config
    from newsletter.config.models import TopicConfig
    from newsletter.profiles.build import Profile, resolve_examples, rule_path, similar_to_blocks
    from newsletter.profiles.suggest import suggest_topic
    from newsletter.sources.recorded import recorded_days
    from newsletter.topics.preview import preview_topic

    loaded = load_config(config_path)
    days = recorded_days(loaded)
    known = {p.id: p for papers in days.values() for p in papers}
    examples = resolve_examples(loaded, ids, known)
    example_ids = {p.id for p in examples}
    background = [p for p in known.values() if p.id not in example_ids]
    suggestion = suggest_topic(examples, background, count=count, name=name)
    topic = TopicConfig.model_validate(suggestion.topic())
    profile = Profile(examples)
    profiles = {rule_path(loc): profile for loc, _ in similar_to_blocks([topic])}
    click.echo(yaml.safe_dump([suggestion.topic()], sort_keys=False, allow_unicode=True), nl=False)
    plural = "day" if len(days) == 1 else "days"
    click.echo(
        f"# words told apart from {suggestion.background} papers of {len(days)} recorded {plural}"
    )
    for term in suggestion.terms:
        click.echo(
            f"#   {term.text!r}: in {term.in_examples} of {len(examples)} examples,"
            f" {term.in_background} background papers"
        )
    for preview in preview_topic(topic, profiles, days):
        _echo_day(preview, show)
    if not days:
        click.echo("# no recorded days in the cache yet: run `newsletter run` or `fetch` first")


def _echo_day(preview: DayPreview, show: int) -> None:
    from newsletter.sources.recorded import UNDATED

    day = "undated papers" if preview.day == UNDATED else preview.day.isoformat()
    click.echo(f"# {day}: would have matched {len(preview.matched)} of {preview.papers} papers")
    for item in preview.matched[:show]:
        click.echo(f"#   {item.paper.id}  {item.paper.title[:70]}")
        click.echo(f"#     {'; '.join(item.why)}")
    if len(preview.matched) > show:
        click.echo(f"#   ... and {len(preview.matched) - show} more")
