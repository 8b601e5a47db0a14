"""``newsletter preview``: render one reader's issue into files (or serve it), deliver nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from newsletter.cli.options import as_date, config_option, date_option


@click.command(
    epilog="Example: newsletter preview --out preview/ --to grace@example.org\n\n"
    "Example: newsletter preview --serve --port 8025"
)
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
@click.option(
    "--serve",
    is_flag=True,
    help="Serve a live preview on 127.0.0.1 (desktop and mobile frames, text part, size); "
    "reloads when a template or the config changes.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8025,
    show_default=True,
    help="Port for --serve.",
)
def preview(
    config_path: str | None,
    day: dt.datetime | None,
    out_dir: Path,
    email: str | None,
    serve: bool,
    port: int,
) -> None:
    """Render the issue for one subscriber into files, or serve it live; deliver nothing."""
    from newsletter import preview as previews
    from newsletter.config import load_config
    from newsletter.delivery.message import build_mime
    from newsletter.sources import day_of_local_files

    loaded = load_config(config_path)
    # A day file (the bundled sample) previews as the day it holds, not as today.
    when = as_date(day) or day_of_local_files(loaded)
    if serve:
        _serve(config_path, when, port)
        return
    result = previews.preview(loaded, when, email)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "issue.html").write_text(result.email.html, encoding="utf-8")
    (out_dir / "issue.txt").write_text(result.email.text, encoding="utf-8")
    (out_dir / "issue.eml").write_bytes(build_mime(result.email).as_bytes())
    rendered = result.rendered
    size = len(result.email.html.encode("utf-8"))
    click.echo(f"Subject: {result.email.subject}")
    click.echo(f"For: {result.subscriber.display}")
    click.echo(
        f"HTML: {size:,} bytes of {rendered.budget_bytes:,} allowed "
        f"({size / rendered.budget_bytes:.0%}); size budget {rendered.step_description}"
    )
    click.echo(f"Wrote {out_dir / 'issue.html'}, issue.txt and issue.eml")


def _serve(config_path: str | None, day: dt.date | None, port: int) -> None:
    import uvicorn

    from newsletter.web.live_preview import LivePreview, create_app

    live = LivePreview(config_path, day)
    click.echo(f"Live preview on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
    uvicorn.run(create_app(live), host="127.0.0.1", port=port, log_config=None)


def register(group: click.Group) -> None:
    group.add_command(preview)
