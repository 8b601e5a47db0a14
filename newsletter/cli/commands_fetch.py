"""``newsletter fetch``: collect one day's papers and write them as normalized JSON."""

from __future__ import annotations

import datetime as dt
import json
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import click

from newsletter.cli.options import as_date, config_option, date_option
from newsletter.words import plural


@click.command(epilog="Example: newsletter fetch --date 2025-10-03 --source hf --out papers.json")
@config_option
@date_option
@click.option("--source", "source", default=None, help="Only the source with this name.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON here (default: standard output).",
)
@click.option("--refresh", is_flag=True, help="Ignore cached source answers; fetch again.")
def fetch(
    config_path: str | None,
    day: dt.datetime | None,
    source: str | None,
    out: Path | None,
    refresh: bool,
) -> None:
    """Collect the day's papers, merged and de-duplicated, as JSON; send nothing.

    The output is the normalized format a `local` source reads back. Papers an earlier
    issue sent are included. One progress line per source goes to standard error.
    """
    from newsletter import pipeline
    from newsletter.cli.report import source_progress
    from newsletter.config import load_config
    from newsletter.sources.day import CollectOptions, collect_day
    from newsletter.sources.formats import paper_to_dict

    loaded = load_config(config_path)
    options = CollectOptions(refresh=refresh, progress=source_progress)
    with _spinner(f"Fetching {plural(len(loaded.model.sources), 'source')}"):
        collection = collect_day(
            loaded, pipeline.resolve_day(loaded, as_date(day)), options, only=source
        )
    for warning in collection.warnings:
        click.echo(f"  warning: {warning}", err=True)
    document = json.dumps(
        {
            "date": collection.day.isoformat(),
            "papers": [paper_to_dict(p) for p in collection.papers],
        },
        ensure_ascii=False,
        indent=2,
    )
    if out is None:
        click.echo(document)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document + "\n", encoding="utf-8")
    click.echo(f"Wrote {plural(len(collection.papers), 'paper')} to {out}", err=True)


def _spinner(label: str) -> AbstractContextManager[object]:
    """A rich spinner on a terminal; nothing otherwise (the per-source lines suffice)."""
    from rich.console import Console

    if not sys.stderr.isatty():
        return nullcontext()
    return Console(stderr=True).status(label)


def register(group: click.Group) -> None:
    group.add_command(fetch)
