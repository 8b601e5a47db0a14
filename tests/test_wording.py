"""What a person reads in the CLI's reports and the emails: singulars, source names, the
rerun's reason, the day a day file previews as, the log lines that reach the terminal."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

from newsletter.delivery.smtp import SmtpBackend
from newsletter.words import noun, plural
from tests.conftest import REPO
from tests.readers import read_eml

SAMPLE = REPO / "newsletter" / "sample" / "hf_daily_papers_2025-10-03.json"
DAY = "2025-10-03"


def one_paper_day(config_file: Path) -> None:
    """The shipped config reading a day file that holds one paper, for one reader."""
    items = json.loads(SAMPLE.read_text())
    (config_file.parent / "one.json").write_text(json.dumps(items[:1]))
    text = config_file.read_text().replace(
        "path: bundled:sample/hf_daily_papers_2025-10-03.json", "path: one.json"
    )
    start = text.index("\nsubscribers:\n")
    end = text.index("\n\n", start + 1)
    text = text[:start] + "\nsubscribers:\n  - email: ada@example.org" + text[end:]
    config_file.write_text(text)


def test_plural_helper() -> None:
    assert plural(1, "paper") == "1 paper"
    assert plural(0, "paper") == "0 papers"
    assert plural(1200, "reader") == "1,200 readers"
    assert plural(2, "entry") == "2 entries" and plural(3, "box") == "3 boxes"
    assert noun(1, "topic") == "topic" and noun(2, "was", "were") == "were"


def test_one_paper_in_one_topic_is_said_in_the_singular(config_file: Path, run_cli) -> None:
    one_paper_day(config_file)
    result = run_cli("run", "--date", DAY)
    assert result.exit_code == 0, result.output
    (eml,) = (config_file.parent.parent / "outbox").rglob("*.eml")
    message = read_eml(eml)
    assert message.message["Subject"] == "Daily Papers, Fri 03 Oct: 1 paper in 1 topic"
    assert "1 papers" not in message.html and "1 topics" not in message.html
    assert "1 paper in 1 topic" in message.html
    assert "source one: 1 paper (ok)" in result.output  # the file's name, not local#0
    assert "1 paper" in result.output and "(1 segment)" in result.output
    listed = run_cli("subscribers", "list")
    assert "1 subscriber\n" in listed.output and "1 subscribers" not in listed.output


def test_the_old_default_subject_template_reads_right_too(config_file: Path, run_cli) -> None:
    one_paper_day(config_file)
    text = config_file.read_text().replace(
        '"{name}, {date:%a %d %b}: {n_papers} in {n_topics}"',
        '"{name}, {date:%a %d %b}: {papers} papers in {topics} topics"',
    )
    config_file.write_text(text)
    result = run_cli("preview", "--date", DAY)
    assert "Subject: Daily Papers, Fri 03 Oct: 1 paper in 1 topic\n" in result.output


def test_a_rerun_says_every_paper_was_sent_before(config_file: Path, run_cli) -> None:
    run_cli("run", "--date", DAY)
    # The next day offers the same file again: every paper went out in the first issue.
    result = run_cli("run", "--date", "2025-10-04")
    assert "Papers: 39 collected, 39 of them sent in an earlier issue" in result.output
    assert "all 39 papers of the day were sent in an earlier issue" in result.output
    assert "no papers in their topics today" not in result.output


def test_preview_of_a_day_file_defaults_to_its_day(config_file: Path, run_cli) -> None:
    result = run_cli("preview")
    assert result.exit_code == 0, result.output
    assert "Subject: Daily Papers, Fri 03 Oct: 39 papers in 8 topics" in result.output


def test_smtp_security_is_spelled_out() -> None:
    assert "(none)" not in SmtpBackend("127.0.0.1", 8025, security="none").destination
    assert "not encrypted" in SmtpBackend("127.0.0.1", 8025, security="none").destination


def test_no_other_programs_log_lines_at_the_default_level(
    config_file: Path, python: str, subprocess_env: dict[str, str]
) -> None:
    """httpx, pylatexenc and the like stay quiet; --debug shows them, in our one format."""
    script = (
        "import logging, sys; from newsletter.cli.logs import configure_logging;"
        "configure_logging(debug='--debug' in sys.argv, verbose='-v' in sys.argv);"
        "logging.getLogger('httpx').info('HTTP Request: GET x');"
        "logging.getLogger('apscheduler.scheduler').info('Added job');"
        "logging.getLogger('uvicorn.error').info('Started server process');"
        "ours = logging.getLogger('newsletter.x'); ours.info('ours'); ours.debug('fine')"
    )

    def stderr(*flags: str) -> str:
        return subprocess.run(
            [python, "-c", script, *flags], env=subprocess_env, capture_output=True, text=True
        ).stderr

    quiet = stderr()
    assert "ours" in quiet and "HTTP Request" not in quiet and "Added job" not in quiet
    assert "Started server" not in quiet and "fine" not in quiet
    assert "fine" in stderr("-v") and "HTTP Request" not in stderr("-v")
    loud = stderr("--debug").splitlines()
    assert len(loud) == 5
    assert all(" INFO " in line or " DEBUG " in line for line in loud)  # one format


def test_a_run_logs_no_http_requests(
    config_file: Path, python: str, subprocess_env: dict[str, str]
) -> None:
    done = subprocess.run(
        [python, "-m", "newsletter", "run", "--date", DAY],
        env=subprocess_env,
        capture_output=True,
        text=True,
        cwd=config_file.parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert not [
        line for line in done.stderr.splitlines() if " INFO " in line and "newsletter" not in line
    ]
    assert "delivered 0 of 0" not in done.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_says_fetching_then_delivering(monkeypatch) -> None:
    from newsletter.cli.report import run_progress
    from newsletter.sources.base import SourceResult

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with run_progress() as progress:
        progress.on_source(SourceResult(source="hf_daily"))
        time.sleep(0.3)  # rich redraws a few times a second
        fetching = terminal.getvalue()
        progress.on_delivery(1, 3)
        time.sleep(0.3)
    assert "Fetching: source hf_daily: 0 papers" in fetching and "Delivering" not in fetching
    assert "Delivering" in terminal.getvalue()
