"""``newsletter state save`` / ``restore``: the SQLite database kept on a git branch between
CI runs (the GitHub Actions workflow)."""

from __future__ import annotations

import click

from newsletter.cli.options import config_option


def branch_option(func: click.decorators.FC) -> click.decorators.FC:
    func = click.option("--remote", default="origin", show_default=True, help="Git remote.")(func)
    return click.option(
        "--branch", default="newsletter-state", show_default=True, help="Branch the state lives on."
    )(func)


@click.group(epilog="Example: newsletter state restore && newsletter run && newsletter state save")
def state() -> None:
    """Keep the database on a git branch between runs on machines that start empty (CI)."""


@state.command(epilog="Example: newsletter state save --branch newsletter-state")
@config_option
@branch_option
def save(config_path: str | None, branch: str, remote: str) -> None:
    """Commit a consistent copy of the SQLite database to BRANCH and push it (run in the
    repository's checkout; the work tree is not touched)."""
    from newsletter.config import load_config
    from newsletter.deploy.state import save_state

    report = save_state(load_config(config_path).model.database.url, branch, remote)
    click.echo(f"state saved: {report.database} ({report.bytes} bytes) -> {remote}/{branch}")


@state.command(epilog="Example: newsletter state restore --branch newsletter-state")
@config_option
@branch_option
def restore(config_path: str | None, branch: str, remote: str) -> None:
    """Put the database saved on BRANCH in place; a first run finds none and starts fresh."""
    from newsletter.config import load_config
    from newsletter.deploy.state import StateOutcome, restore_state

    report = restore_state(load_config(config_path).model.database.url, branch, remote)
    if report.outcome is StateOutcome.NOTHING_SAVED_YET:
        click.echo(f"state: nothing saved on {remote}/{branch} yet; starting with a new database")
        return
    click.echo(f"state restored: {remote}/{branch} -> {report.database} ({report.bytes} bytes)")


def register(group: click.Group) -> None:
    group.add_command(state)
