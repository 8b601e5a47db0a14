"""``newsletter archive build``: the archive as static files."""

from __future__ import annotations

from pathlib import Path

import click

from newsletter.cli.options import config_option


@click.group(epilog="Example: newsletter archive build --out site")
def archive() -> None:
    """The public archive of sent issues (``newsletter web`` serves it live too)."""


@archive.command(
    epilog="Examples:\n\n  newsletter archive build --out site\n\n"
    "  newsletter archive build --out site --site-url https://me.github.io/papers"
)
@config_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write (created if missing; files of the same name are replaced).",
)
@click.option(
    "--site-url",
    default=None,
    help="Where the folder is published, for the feed's absolute links "
    "(default: newsletter.base_url + /archive).",
)
def build(config_path: str | None, out: Path, site_url: str | None) -> None:
    """Write index.html, one YYYY-MM-DD.html per issue and feed.atom, with relative links.

    Open index.html from disk, or publish the folder (GitHub Pages, any web server).
    """
    from newsletter.archive import build_archive
    from newsletter.config import load_config
    from newsletter.store import open_database

    loaded = load_config(config_path)
    engine = open_database(loaded.model.database.url)
    try:
        report = build_archive(loaded, engine, out, site_url)
    finally:
        engine.dispose()
    from newsletter.words import plural

    issues, files = plural(report.issues, "issue"), plural(len(report.files), "file")
    click.echo(f"Archive: {issues}, {files} in {report.out}")


def register(group: click.Group) -> None:
    group.add_command(archive)
