"""State (database, cache, outbox) lives beside the config, wherever the command starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsletter.config.loader import anchored_database_url
from tests.conftest import SHIPPED_CONFIG

DAY = "2025-10-03"


@pytest.fixture
def lab(workdir: Path) -> Path:
    """A config of one's own, ``lab/live.yaml``, and another folder to start commands from."""
    (workdir / "lab").mkdir()
    (workdir / "elsewhere").mkdir()
    shutil.copy(SHIPPED_CONFIG, workdir / "lab" / "live.yaml")
    return workdir / "lab"


def test_a_run_from_another_folder_uses_the_configs_database(
    lab: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(lab.parent / "elsewhere")
    first = run_cli("run", "--config", "../lab/live.yaml", "--date", DAY)
    assert first.exit_code == 0, first.output
    assert f"created a new database (none was there yet): sqlite:///{lab}/newsletter.db" in (
        first.output
    )
    assert (lab / "newsletter.db").is_file() and (lab / "outbox").is_dir()
    assert not list((lab.parent / "elsewhere").iterdir())  # nothing left where it started

    monkeypatch.chdir(lab.parent)  # a cron job started in yet another folder
    again = run_cli("run", "--config", "lab/live.yaml", "--date", DAY)
    assert "0 sent, 3 skipped" in again.output and "already sent" in again.output
    assert "created a new database" not in again.output
    status = run_cli("status", "--config", "lab/live.yaml")
    assert f"Database: sqlite:///{lab}/newsletter.db" in status.output
    assert "Last runs: none yet" not in status.output


def test_a_project_config_folder_keeps_state_in_the_project(config_file: Path, run_cli) -> None:
    project = config_file.parent.parent
    assert run_cli("run", "--config", str(config_file), "--date", DAY).exit_code == 0
    assert (project / "newsletter.db").is_file() and (project / "outbox").is_dir()
    assert not (config_file.parent / "newsletter.db").exists()


def test_the_packaged_default_keeps_state_in_the_working_folder(workdir: Path, run_cli) -> None:
    result = run_cli("run", "--date", DAY)
    assert result.exit_code == 0, result.output
    assert (workdir / "newsletter.db").is_file() and (workdir / "outbox").is_dir()


@pytest.mark.parametrize(
    ("url", "anchored"),
    [
        ("sqlite:///newsletter.db", "sqlite:////srv/lab/newsletter.db"),
        ("sqlite:///data/n.db?timeout=5", "sqlite:////srv/lab/data/n.db?timeout=5"),
        ("sqlite:////var/lib/n.db", "sqlite:////var/lib/n.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_relative_sqlite_paths_are_anchored(url: str, anchored: str) -> None:
    assert anchored_database_url(url, Path("/srv/lab")) == anchored
