"""The command line: parse options, call the pipeline, show its report, map errors to
exit codes (1: the job failed or the config is wrong; 2: the command line is wrong)."""

from __future__ import annotations

import logging
import sys

import click

from newsletter import __version__
from newsletter.cli import (
    commands_archive,
    commands_config,
    commands_db,
    commands_deliveries,
    commands_doctor,
    commands_fetch,
    commands_init,
    commands_preview,
    commands_run,
    commands_schedule,
    commands_state,
    commands_subscribers,
    commands_topics,
    commands_web,
)
from newsletter.errors import NewsletterError


class NewsletterGroup(click.Group):
    """Turns library errors into exit code 1 with their message; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except NewsletterError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(str(exc)) from exc  # message only, exit 1


@click.group(
    cls=NewsletterGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: newsletter run --date 2025-10-03",
)
@click.version_option(__version__, prog_name="newsletter")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn each day's research papers into an email digest.

    Every command reads one YAML config: --config PATH, else $NEWSLETTER_CONFIG, else
    ./config/newsletter.yaml, else the default shipped with the package (sample papers,
    local outbox, SQLite: no network, no keys).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Alembic narrates every plugin and step; store.schema logs the one line that matters.
    logging.getLogger("alembic").setLevel(logging.DEBUG if debug else logging.WARNING)


commands_run.register(cli)
commands_preview.register(cli)
commands_config.register(cli)
commands_fetch.register(cli)
commands_topics.register(cli)
commands_subscribers.register(cli)
commands_web.register(cli)
commands_schedule.register(cli)
commands_deliveries.register(cli)
commands_db.register(cli)
commands_archive.register(cli)
commands_init.register(cli)
commands_state.register(cli)
commands_doctor.register(cli)


def main() -> None:
    """Console entry point."""
    cli(prog_name="newsletter")
