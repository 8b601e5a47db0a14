"""The command line: parse options, call the pipeline, show its report, map errors to
exit codes (1: the job failed or the config is wrong; 2: the command line is wrong)."""

from __future__ import annotations

import importlib
import logging

import click

from newsletter import __version__
from newsletter.cli.logs import configure_logging
from newsletter.errors import NewsletterError

# Each command is imported only when it runs (or shows its own --help), so `newsletter
# --help` does not load SQLAlchemy, APScheduler, Jinja2 or pydantic. name -> (module, the
# click command in it, its one-line help for the command list).
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "config": ("commands_config", "config", "Inspect and validate the configuration."),
    "fetch": (
        "commands_fetch",
        "fetch",
        "Collect the day's papers, merged and de-duplicated, as JSON.",
    ),
    "preview": (
        "commands_preview",
        "preview",
        "Render one reader's issue into files, or serve it live.",
    ),
    "run": ("commands_run", "run", "Collect, group, render and deliver one day's digest."),
    "schedule": (
        "commands_schedule",
        "schedule",
        "Run the daily job in the foreground until stopped.",
    ),
    "status": (
        "commands_schedule",
        "status",
        "Show the next fire times, waiting jobs and the last runs.",
    ),
    "subscribers": (
        "commands_subscribers",
        "subscribers",
        "Add, update, list, import and export readers.",
    ),
    "topics": ("commands_topics", "topics", "See how the topic rules sort a day's papers."),
    "deliveries": (
        "commands_deliveries",
        "deliveries",
        "List readers in doubt per issue and settle them.",
    ),
    "db": ("commands_db", "db", "Show or upgrade the database schema."),
    "archive": ("commands_archive", "archive", "Build the archive as static files."),
    "init": (
        "commands_init",
        "init",
        "Write a working folder: config, .env.example, deployment.",
    ),
    "state": ("commands_state", "state", "Keep the database on a git branch between CI runs."),
    "doctor": (
        "commands_doctor",
        "doctor",
        "Check the whole setup line by line; sends nothing.",
    ),
    "web": (
        "commands_web",
        "web",
        "Serve the subscribe and preferences pages, the archive, the webhook.",
    ),
}


class NewsletterGroup(click.Group):
    """Turns library errors into exit code 1 with their message; tracebacks only with --debug.
    Loads each command's module on first use (``LAZY_COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attribute, _ = LAZY_COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"newsletter.cli.{module}"), attribute)
        assert isinstance(command, click.Command)
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from ``LAZY_COMMANDS`` without importing any command."""
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS and name not in self.commands:
                rows.append((name, LAZY_COMMANDS[name][2]))
            elif (command := self.get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

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
    # Alembic narrates every plugin and step; store.schema logs the one line that matters.
    logging.getLogger("alembic").setLevel(logging.DEBUG if debug else logging.WARNING)


def main() -> None:
    """Console entry point."""
    cli(prog_name="newsletter")
