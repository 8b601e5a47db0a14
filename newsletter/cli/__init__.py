"""The command line: parse options, call the pipeline, show its report, map errors to
exit codes (1: the job failed or the config is wrong; 2: the command line is wrong)."""

from __future__ import annotations

import click

from newsletter import __version__
from newsletter.cli import (
    commands_config,
    commands_fetch,
    commands_preview,
    commands_run,
    commands_schedule,
    commands_subscribers,
    commands_topics,
    commands_web,
)
from newsletter.cli.logs import configure_logging
from newsletter.errors import NewsletterError


class CliError(click.ClickException):
    """A ``NewsletterError`` shown to the user: message only, exit code 1."""

    exit_code = 1


class NewsletterGroup(click.Group):
    """Turns library errors into exit code 1 with their message; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except NewsletterError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise CliError(str(exc)) from exc


@click.group(
    cls=NewsletterGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: newsletter run --date 2025-10-03",
)
@click.version_option(__version__, prog_name="newsletter")
@click.option("-v", "--verbose", is_flag=True, help="Show newsletter's own debug log lines.")
@click.option(
    "--debug", is_flag=True, help="Show tracebacks and every log line, other libraries' too."
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool, debug: bool) -> None:
    """Turn each day's research papers into an email digest.

    Every command reads one YAML config: --config PATH, else $NEWSLETTER_CONFIG, else
    ./config/newsletter.yaml, else the default shipped with the package (sample papers,
    local outbox, SQLite: no network, no keys).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    configure_logging(verbose=verbose, debug=debug)


commands_run.register(cli)
commands_preview.register(cli)
commands_config.register(cli)
commands_fetch.register(cli)
commands_topics.register(cli)
commands_subscribers.register(cli)
commands_web.register(cli)
commands_schedule.register(cli)


def main() -> None:
    """Console entry point."""
    cli(prog_name="newsletter")
