"""``newsletter init``: a new working folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(
    epilog="Examples:\n\n  newsletter init my-papers --yes\n\n"
    "  newsletter init . --github-actions --name 'Vision papers' --sender 'Me <me@lab.org>'\n\n"
    "  newsletter init deploy --docker --yes"
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "--yes", "-y", is_flag=True, help="Ask nothing: take the options given, else defaults."
)
@click.option("--name", default=None, help="The newsletter's name.")
@click.option("--sender", default=None, help='From address, "Name <address>".')
@click.option("--postal-address", default=None, help="Your postal address (anti-spam law).")
@click.option("--base-url", default=None, help="Public URL of `newsletter web` (links in emails).")
@click.option(
    "--timezone", default=None, help="IANA time zone of the issue's day and the schedule."
)
@click.option(
    "--docker", is_flag=True, help="Also write compose.yaml (web, scheduler, PostgreSQL)."
)
@click.option(
    "--github-actions",
    is_flag=True,
    help="Also write .github/workflows/newsletter.yml: daily run, state branch, Pages archive.",
)
@click.option(
    "--package",
    default=".",
    show_default=True,
    help="What the workflow pip-installs ('.' when the folder is a fork of the source).",
)
@click.option("--force", is_flag=True, help="Replace files that already exist.")
def init(
    directory: Path,
    yes: bool,
    name: str | None,
    sender: str | None,
    postal_address: str | None,
    base_url: str | None,
    timezone: str | None,
    docker: bool,
    github_actions: bool,
    package: str,
    force: bool,
) -> None:
    """Write a working folder: a commented newsletter.yaml, .env.example, .gitignore and, on
    request, the deployment files. It passes `config check` and `run` offline at once (the
    sources are a bundled sample day; the outbox backend writes .eml files)."""
    from newsletter.deploy.scaffold import InitAnswers, InitPlan, init_folder

    defaults = InitAnswers()

    def ask(value: str | None, question: str, default: str) -> str:
        return value or (default if yes else click.prompt(question, default=default))

    answers = InitAnswers(
        name=ask(name, "Newsletter name", defaults.name),
        sender=ask(sender, "Sender (Name <address>)", defaults.sender),
        postal_address=ask(postal_address, "Postal address", defaults.postal_address),
        base_url=ask(base_url, "Public URL of the web app", defaults.base_url),
        timezone=ask(timezone, "Time zone", defaults.timezone),
    )
    plan = InitPlan(answers=answers, docker=docker, github_actions=github_actions, package=package)
    written = init_folder(directory, plan, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    config = directory / "newsletter.yaml"
    click.echo(
        f"\nNext:\n  newsletter config check --config {config}\n"
        f"  newsletter run --config {config} --date 2025-10-03\n"
        f"  newsletter doctor --config {config}"
    )


def register(group: click.Group) -> None:
    group.add_command(init)
