"""The walking skeleton end to end: the CLI on the bundled sample, read as a reader would."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import subprocess
from pathlib import Path

from newsletter.config import load_config
from newsletter.pipeline import collect_and_group
from tests.conftest import REPO
from tests.readers import read_eml

SAMPLE = REPO / "newsletter" / "sample" / "hf_daily_papers_2025-10-03.json"
DAY = "2025-10-03"


def sample_titles() -> list[str]:
    return [" ".join(item["paper"]["title"].split()) for item in json.loads(SAMPLE.read_text())]


def test_run_leaves_one_parseable_eml_per_subscriber(config_file: Path, run_cli) -> None:
    result = run_cli("run", "--date", DAY)
    assert result.exit_code == 0, result.output
    files = sorted((config_file.parent.parent / "outbox").rglob("*.eml"))
    recipients = sorted(read_eml(f).message["To"].addresses[0].addr_spec for f in files)
    assert recipients == ["ada@example.org", "alan@example.org", "grace@example.org"]
    assert "Papers: 39 collected" in result.output
    assert "3 sent, 0 skipped, 0 failed" in result.output


def test_every_title_in_both_parts_under_its_topic(config_file: Path, run_cli) -> None:
    run_cli("run", "--date", DAY)
    loaded = load_config(config_file)
    _, issue = collect_and_group(loaded, dt.date(2025, 10, 3))
    expected = {p.title: s.topic.name for s in issue.sections for p in s.papers}
    assert set(expected) == set(sample_titles())  # nothing lost on the way

    ada = read_eml(next(config_file.parent.parent.rglob("ada@example.org.eml")))
    current = None
    seen_html: dict[str, str] = {}
    for tag, text in ada.headings:
        if tag == "h2":
            current = text
        elif tag == "h3":
            seen_html[text] = current or ""
    for title, topic in expected.items():
        assert topic in seen_html[title], f"{title!r} not under {topic!r} in HTML"

    text = " ".join(ada.text.split())
    for title, topic in expected.items():
        heading_at = text.index(f"{topic} (")
        title_at = text.index(title)
        later_headings = [
            text.index(f"{s.topic.name} (") for s in issue.sections if s.topic.name != topic
        ]
        next_heading = min([h for h in later_headings if h > heading_at], default=len(text))
        assert heading_at < title_at < next_heading, f"{title!r} not under {topic!r} in text"


def test_headers_are_right_and_mime_is_proper(config_file: Path, run_cli) -> None:
    run_cli("run", "--date", DAY)
    grace = read_eml(next(config_file.parent.parent.rglob("grace@example.org.eml")))
    message = grace.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert message["From"].addresses[0].addr_spec == "papers@example.org"
    assert message["From"].addresses[0].display_name == "Daily Papers"
    assert str(message["To"]) == "Grace Hopper <grace@example.org>"
    # Grace chose two topics: the subject counts only those.
    assert message["Subject"].startswith("Daily Papers, Fri 03 Oct: ")
    assert message["Subject"].endswith("in 2 topics")
    assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@example.org>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/unsubscribe/")
    assert "Video and 3D/4D generation" not in grace.text  # not one of her topics
    assert "Agents and tool use" in grace.text


def test_each_reader_gets_own_unsubscribe_link(config_file: Path, run_cli) -> None:
    run_cli("run", "--date", DAY)
    links = {
        read_eml(f).message["List-Unsubscribe"]
        for f in (config_file.parent.parent / "outbox").rglob("*.eml")
    }
    assert len(links) == 3
    for f in (config_file.parent.parent / "outbox").rglob("*.eml"):
        read = read_eml(f)
        url = read.message["List-Unsubscribe"].strip("<>")
        assert url in read.text and url in read.html
        assert "%%" not in read.html and "%%" not in read.text


def test_typo_in_config_key_fails_with_file_key_and_allowed(workdir: Path, run_cli) -> None:
    text = (REPO / "config" / "newsletter.yaml").read_text()
    bad = workdir / "bad.yaml"
    bad.write_text(text.replace("  postal_address:", "  postal_adress:", 1))
    result = run_cli("run", "--config", str(bad), "--date", DAY)
    assert result.exit_code == 1
    assert "bad.yaml:" in result.output
    assert "newsletter.postal_adress: unknown key; did you mean 'postal_address'?" in result.output
    assert "allowed: name, sender" in result.output
    assert not (workdir / "outbox").exists()  # nothing half-sent


def test_unknown_cli_option_exits_2(run_cli) -> None:
    result = run_cli("run", "--no-such-option")
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_preview_writes_three_files_and_sends_nothing(config_file: Path, run_cli) -> None:
    out = config_file.parent.parent / "pv"
    result = run_cli("preview", "--date", DAY, "--out", str(out), "--to", "alan@example.org")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["issue.eml", "issue.html", "issue.txt"]
    read = read_eml(out / "issue.eml")
    assert read.message["To"].addresses[0].addr_spec == "alan@example.org"
    assert (out / "issue.txt").read_text() == read.text
    assert not (config_file.parent.parent / "outbox").exists()


def test_preview_unknown_subscriber_is_a_clear_error(config_file: Path, run_cli) -> None:
    result = run_cli("preview", "--date", DAY, "--to", "nobody@example.org")
    assert result.exit_code == 1
    assert "no subscriber 'nobody@example.org'" in result.output
    assert "ada@example.org" in result.output


def test_preview_as_a_reader_kept_in_the_database(config_file: Path, run_cli) -> None:
    added = run_cli("subscribers", "add", "web@example.org", "--topic", "Agents and tool use")
    assert added.exit_code == 0, added.output
    out = config_file.parent.parent / "pv"
    result = run_cli("preview", "--date", DAY, "--out", str(out), "--to", "web@example.org")
    assert result.exit_code == 0, result.output
    read = read_eml(out / "issue.eml")
    assert read.message["To"].addresses[0].addr_spec == "web@example.org"
    assert [t for tag, t in read.headings if tag == "h2" and "(" in t] == [
        next(t for tag, t in read.headings if tag == "h2" and "Agents and tool use" in t)
    ]


def test_config_check_reports_ok(config_file: Path, run_cli) -> None:
    result = run_cli("config", "check")
    assert result.exit_code == 0
    assert "OK" in result.output and "3 subscribers" in result.output


def test_config_check_with_a_date_asks_the_sources_and_sends_nothing(
    config_file: Path, run_cli
) -> None:
    result = run_cli("config", "check", "--date", DAY)
    assert result.exit_code == 0, result.output
    assert "source hf_daily_papers_2025-10-03: 39 papers (ok)" in result.output
    assert f"{DAY}: 39 papers; " in result.output
    assert not (config_file.parent.parent / "outbox").exists()


def test_python_dash_m_runs_from_an_empty_folder(tmp_path: Path, subprocess_env, python) -> None:
    """No config in the folder: the bundled default is used, outputs land in the folder."""
    done = subprocess.run(
        [python, "-m", "newsletter", "run", "--date", DAY],
        cwd=tmp_path,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 3
