"""``newsletter preview``: render one reader's issue into files, deliver nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from newsletter import pipeline
from newsletter.cli.options import as_date, config_option, date_option
from newsletter.config import load_config
from newsletter.delivery.message import build_mime


@click.command(epilog="Example: newsletter preview --out preview/ --to grace@example.org")
@config_option
@date_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("preview"),
    show_default=True,
    help="Folder for issue.html, issue.txt and issue.eml.",
)
@click.option(
    "--to", "email", default=None, help="Preview as this subscriber (default: the first)."
)
def preview(
    config_path: str | None, day: dt.datetime | None, out_dir: Path, email: str | None
) -> None:
    """Render the issue for one subscriber into files; deliver nothing."""
    loaded = load_config(config_path)
    result = pipeline.preview(loaded, as_date(day), email)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "issue.html").write_text(result.email.html, encoding="utf-8")
    (out_dir / "issue.txt").write_text(result.email.text, encoding="utf-8")
    (out_dir / "issue.eml").write_bytes(build_mime(result.email).as_bytes())
    click.echo(f"Subject: {result.email.subject}")
    click.echo(f"For: {result.subscriber.display}")
    click.echo(f"HTML: {result.rendered.html_bytes:,} bytes")
    click.echo(f"Wrote {out_dir / 'issue.html'}, issue.txt and issue.eml")


def register(group: click.Group) -> None:
    group.add_command(preview)
