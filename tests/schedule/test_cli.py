"""``newsletter status`` and ``newsletter schedule`` as a user meets them."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result

from newsletter.config import load_config
from newsletter.schedule.job import run_day
from tests.schedule.conftest import WriteConfig

Invoke = Callable[..., Result]


def test_status_before_any_run_shows_the_schedule_and_next_fires(
    write_config: WriteConfig, db_url: str, run_cli: Invoke
) -> None:
    config = write_config(
        db=db_url, schedule={"at": "07:00", "days": "mon-fri", "timezone": "Asia/Kolkata"}
    )
    result = run_cli("status", "--config", str(config), "--next", "5")
    assert result.exit_code == 0, result.output
    assert "Schedule: 07:00 on mon-fri in Asia/Kolkata" in result.output
    fires = re.findall(
        r"^  (\w{3}) \d{4}-\d\d-\d\d 07:00:00 IST  \(01:30 UTC\)$", result.output, re.M
    )
    assert len(fires) == 5 and not {"Sat", "Sun"} & set(fires)
    assert "Last runs: none yet" in result.output


def test_status_lists_runs_newest_first_with_counts_duration_and_outcome(
    write_config: WriteConfig, db_url: str, run_cli: Invoke, workdir: Path
) -> None:
    config = write_config(db=db_url)
    loaded = load_config(config)
    now = dt.datetime(2026, 3, 3, 7, tzinfo=dt.UTC)
    run_day(loaded, dt.date(2026, 3, 2), now)
    run_day(loaded, dt.date(2026, 3, 3), now)
    run_day(loaded, dt.date(2026, 3, 3), now)  # a second run of the day: nothing twice
    result = run_cli("status", "--config", str(config))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines.index(next(line for line in lines if line.strip().startswith("date")))
    assert lines[header].split() == [
        "date",
        "status",
        "papers",
        "sent",
        "skipped",
        "failed",
        "duration",
        "outcome",
    ]
    newest, older = lines[header + 1], lines[header + 2]
    assert re.fullmatch(
        r"  2026-03-03\s+sent\s+39\s+3\s+0\s+0\s+\d+\.\d s  3 already had it", newest
    )
    assert re.fullmatch(r"  2026-03-02\s+sent\s+39\s+3\s+0\s+0\s+\d+\.\d s\s*", older)


def test_a_bad_instance_name_is_refused(
    write_config: WriteConfig, db_url: str, run_cli: Invoke
) -> None:
    config = write_config(db=db_url)
    result = run_cli("schedule", "--config", str(config), "--instance", "Host A")
    assert result.exit_code == 1
    assert "instance name 'Host A'" in result.output and "lower-case" in result.output


def test_a_plain_newsletter_run_from_cron_shows_in_status(
    write_config: WriteConfig, db_url: str, run_cli: Invoke, workdir: Path
) -> None:
    config = write_config(db=db_url)
    assert run_cli("run", "--config", str(config), "--date", "2026-03-04").exit_code == 0
    result = run_cli("status", "--config", str(config))
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("  2026-03-04"))
    assert re.fullmatch(r"  2026-03-04\s+sent\s+39\s+3\s+0\s+0\s+\d+\.\d s\s*", row), row


def test_a_quiet_day_skipped_by_newsletter_run_still_shows_in_status(
    write_config: WriteConfig, db_url: str, run_cli: Invoke, workdir: Path
) -> None:
    (workdir / "none.json").write_text("[]")
    config = write_config(
        db=db_url, sources=[{"type": "local", "path": str(workdir / "none.json")}]
    )
    assert run_cli("run", "--config", str(config), "--date", "2026-03-07").exit_code == 0
    result = run_cli("status", "--config", str(config))
    row = next(line for line in result.output.splitlines() if line.startswith("  2026-03-07"))
    assert re.match(r"  2026-03-07\s+empty\s+0\s+0\s+0\s+0\s", row), row
    assert not list(workdir.rglob("*.eml"))


def _status_row(run_cli: Invoke, config: Path, day: str) -> str:
    result = run_cli("status", "--config", str(config))
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith(f"  {day}"))


def test_a_failed_newsletter_run_shows_in_status_with_its_error(
    write_config: WriteConfig, db_url: str, run_cli: Invoke, workdir: Path
) -> None:
    missing = workdir / "gone.json"
    config = write_config(db=db_url, sources=[{"type": "local", "path": str(missing)}])
    assert run_cli("run", "--config", str(config), "--date", "2026-03-05").exit_code == 1
    row = _status_row(run_cli, config, "2026-03-05")
    assert re.match(r"  2026-03-05\s+failed\s+0\s+0\s+0\s+0\s+\d+\.\d s\s+", row), row
    assert "every source failed" in row and "gone.json" in row


def test_a_run_dying_on_a_dead_smtp_server_is_failed_with_the_ledger_count(
    write_config: WriteConfig, db_url: str, run_cli: Invoke
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(db=db_url)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["delivery"] = {
        "backend": "smtp",
        "options": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 2},
    }
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert run_cli("run", "--config", str(config), "--date", "2026-03-06").exit_code == 1
    row = _status_row(run_cli, config, "2026-03-06")
    assert not re.search(r"\brunning\b", row), row
    # Nobody has the issue: "sent" is the ledger's 0, and the error says what to check.
    assert re.match(r"  2026-03-06\s+failed\s+\d+\s+0\s+0\s+0\s+\d+\.\d s", row), row
    assert "cannot connect to SMTP 127.0.0.1" in row


def test_a_run_whose_process_was_killed_shows_as_interrupted(
    write_config: WriteConfig, db_url: str, run_cli: Invoke
) -> None:
    config = write_config(db=db_url)
    begin = (
        "import datetime, sys; from newsletter.store import open_database; "
        "from newsletter.store.runs import begin_run; "
        "begin_run(open_database(sys.argv[1]), 'Daily Papers', datetime.date(2026, 3, 8))"
    )
    # The process begins a run and exits without finishing it, as a killed one would.
    subprocess.run([sys.executable, "-c", begin, db_url], check=True, timeout=60)
    row = _status_row(run_cli, config, "2026-03-08")
    assert re.match(r"  2026-03-08\s+interrupted\s", row), row
    assert "was killed" in row
