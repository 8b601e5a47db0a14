"""``newsletter init``: the folder it writes passes ``config check`` and ``run`` offline."""

from __future__ import annotations

import email
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import cli


def test_init_yes_writes_a_folder_that_checks_and_runs_offline(workdir: Path, run_cli) -> None:
    result = run_cli(
        "init", "papers", "--yes", "--name", "Vision papers", "--sender", "Me <me@lab.org>"
    )
    assert "wrote papers/newsletter.yaml" in result.output
    config = workdir / "papers" / "newsletter.yaml"
    assert run_cli("config", "check", "--config", str(config)).output.startswith(f"{config}: OK")

    run = run_cli("run", "--config", str(config), "--date", "2025-10-03")

    assert "Recipients: 1 sent, 0 skipped, 0 failed" in run.output
    (eml,) = (workdir / "papers" / "outbox").rglob("*.eml")  # state lives beside the config
    message = email.message_from_bytes(eml.read_bytes())
    assert message["To"] == "me@lab.org"
    assert message["From"] == "Me <me@lab.org>"
    assert message["Subject"].startswith("Vision papers, Fri 03 Oct")


def test_init_asks_for_what_was_not_given(workdir: Path) -> None:
    answers = (
        "Robot digest\nBot <bot@lab.org>\n1 Lab Road, Oslo\nhttps://papers.lab.org\nEurope/Oslo\n"
    )
    result = CliRunner().invoke(cli, ["init", "here"], input=answers, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (workdir / "here" / "newsletter.yaml").read_text()
    assert 'name: "Robot digest"' in text and 'base_url: "https://papers.lab.org"' in text
    assert "timezone: Europe/Oslo" in text


def test_env_example_names_every_variable_the_config_names(workdir: Path, run_cli) -> None:
    run_cli("init", ".", "--yes", "--docker")
    names = {
        line.split("=")[0]
        for line in (workdir / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {
        "NEWSLETTER_SECRET",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SENDGRID_API_KEY",
        "NEWSLETTER_DATABASE_URL",
        "POSTGRES_PASSWORD",
    } <= names
    assert (workdir / "compose.yaml").is_file()


def test_init_never_overwrites_without_force(workdir: Path) -> None:
    (workdir / "newsletter.yaml").write_text("mine\n")
    result = CliRunner().invoke(cli, ["init", ".", "--yes"])
    assert result.exit_code == 1
    assert "newsletter.yaml already exist: keep them, or pass --force" in result.output
    assert (workdir / "newsletter.yaml").read_text() == "mine\n"
