"""Catching on: a paper below the upvote threshold on day 1 and above it on day 3 appears on
day 3 for readers who did not get it, and for nobody who did; a paper sent without code
comes back marked "code released" once its GitHub repo appears. A paper a reader was sent in
their own catching-on section does not come back to them on the next days of the window
(reruns and a crash between send and record included), while readers who missed it still
see it."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from newsletter import pipeline
from newsletter.config import load_config
from newsletter.store import open_database
from newsletter.store.subscribers import upsert_subscriber
from tests.delivery.conftest import SmtpSink, start_smtp
from tests.readers import ReadMessage, read_eml, read_message
from tests.schedule.test_weekly import RECORDED, listed

DAY1, DAY2, DAY3, DAY4 = (dt.date(2026, 3, 23) + dt.timedelta(days=n) for n in range(4))
VIDEO = "Video and 3D/4D generation"


def write_days(
    path: Path, items: list[dict[str, Any]], rising: int, code: int, later: bool
) -> None:
    """Ten recorded papers a day; on day 3 the day-1 list has grown: paper ``rising`` has 80
    upvotes (3 before) and paper ``code`` a GitHub repo (none before)."""
    records = []
    for index, item in enumerate(items[:30]):
        record = listed(item, (DAY1, DAY2, DAY3)[index // 10])
        paper = record["paper"]
        paper["upvotes"] = min(paper.get("upvotes") or 0, 40)
        if index == rising:
            paper["upvotes"] = 80 if later else 3
        if index == code:
            paper["githubRepo"] = "https://github.com/example/released" if later else None
        records.append(record)
    path.write_text(json.dumps(records), encoding="utf-8")


def catching_on_titles(message: ReadMessage) -> list[str]:
    after, titles = False, []
    for tag, text in message.headings:
        if tag == "h2":
            after = text.startswith("📈 Catching on") or text.startswith("Catching on")
        elif tag == "h3" and after:
            titles.append(text)
    return titles


def test_a_paper_that_took_off_reaches_only_readers_who_missed_it(
    write_config: Any, db_url: str, workdir: Path
) -> None:
    items = json.loads(RECORDED.read_text(encoding="utf-8"))
    titles = [" ".join(i["paper"]["title"].split()) for i in items]
    # Paper 0 ("Self-Forcing++", a video paper) takes off; paper 5 (3D) gets its code.
    rising, code = 0, 5
    source = workdir / "days" / "days.json"
    source.parent.mkdir()
    write_days(source, items, rising, code, later=False)
    config = write_config(
        db=db_url,
        subscribers=[
            {"email": "ada@example.org"},
            {"email": "alan@example.org", "topics": [VIDEO]},
        ],
        sources=[{"type": "local", "path": str(source.parent), "filter_by_date": True}],
    )
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["newsletter"]["catching_on"] = {"days": 3, "min_upvotes": 50}
    data["collect"]["skip_seen"] = True
    data["collect"]["cache_dir"] = str(workdir / "cache")
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    loaded = load_config(config)

    assert pipeline.run(loaded, DAY1).count("sent") == 2  # ada and alan get paper 2
    engine = open_database(db_url)
    upsert_subscriber(engine, "late@example.org", origin="web")  # joins on day 2
    upsert_subscriber(engine, "video@example.org", topics=[VIDEO], origin="web")
    engine.dispose()
    pipeline.run(loaded, DAY2)
    write_days(source, items, rising, code, later=True)  # Hugging Face's day 1 has grown
    report = pipeline.run(loaded, DAY3)
    assert report.count("failed") == 0
    # Sent in groups (one per catching-on section), counted as one audience: 4 daily readers.
    assert report.cadences["daily"] == 4, report.cadences

    def day3(reader: str) -> ReadMessage:
        folder = workdir / "outbox" / f"Daily_Papers_{DAY3.isoformat()}"
        return read_eml(folder / f"{reader}.eml")

    for missed in ("late@example.org", "video@example.org"):
        assert titles[rising] in catching_on_titles(day3(missed)), missed
    for got_it in ("ada@example.org", "alan@example.org"):
        assert titles[rising] not in catching_on_titles(day3(got_it)), got_it
    # Ada and Alan were sent paper 5 without code: it comes back, marked.
    for got_it in ("ada@example.org", "alan@example.org"):
        message = day3(got_it)
        assert catching_on_titles(message) == [titles[code]], got_it
        assert "code released since we sent it" in message.text
    assert titles[code] not in catching_on_titles(day3("late@example.org"))  # still below 50
    # The archive keeps the day's issue without anyone's own section.
    engine = open_database(db_url)
    from newsletter.web.archive import archived_issue

    row = archived_issue(engine, "Daily Papers", DAY3)
    engine.dispose()
    assert row is not None and row.html is not None and "Catching on" not in row.html


RISING = 0  # the recorded paper that takes off after its day (a video paper)


def write_four_days(path: Path, items: list[dict[str, Any]], later: bool) -> None:
    """Nine recorded papers a day for four days, all below 50 upvotes; once ``later``,
    day 1's paper ``RISING`` has 80 (3 before)."""
    records = []
    for index, item in enumerate(items[:36]):
        record = listed(item, (DAY1, DAY2, DAY3, DAY4)[index // 9])
        paper = record["paper"]
        paper["upvotes"] = min(paper.get("upvotes") or 0, 40)
        if index == RISING:
            paper["upvotes"] = 80 if later else 3
        records.append(record)
    path.write_text(json.dumps(records), encoding="utf-8")


def four_days_config(
    write_config: Any, db_url: str, workdir: Path, delivery: dict[str, Any] | None = None
) -> tuple[Path, list[str]]:
    """Ada reads every topic from day 1; the day files with the rising paper still low."""
    items = json.loads(RECORDED.read_text(encoding="utf-8"))
    source = workdir / "days" / "days.json"
    source.parent.mkdir()
    write_four_days(source, items, later=False)
    config = write_config(
        db=db_url,
        subscribers=[{"email": "ada@example.org"}],
        sources=[{"type": "local", "path": str(source.parent), "filter_by_date": True}],
    )
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["newsletter"]["catching_on"] = {"days": 3, "min_upvotes": 50}
    data["collect"]["skip_seen"] = True
    data["collect"]["cache_dir"] = str(workdir / "cache")
    if delivery is not None:
        data["delivery"] = delivery
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return config, [" ".join(i["paper"]["title"].split()) for i in items]


def join(db_url: str, *emails: str) -> None:
    engine = open_database(db_url)
    for email in emails:
        upsert_subscriber(engine, email, origin="web")
    engine.dispose()


def outbox_titles(workdir: Path, day: dt.date, reader: str) -> list[str]:
    folder = workdir / "outbox" / f"Daily_Papers_{day.isoformat()}"
    return catching_on_titles(read_eml(folder / f"{reader}.eml"))


def test_a_paper_sent_in_catching_on_does_not_come_back_to_that_reader(
    write_config: Any, db_url: str, workdir: Path
) -> None:
    config, titles = four_days_config(write_config, db_url, workdir)
    loaded = load_config(config)
    pipeline.run(loaded, DAY1)  # Ada gets the paper with 3 upvotes
    pipeline.run(loaded, DAY2)
    write_four_days(workdir / "days" / "days.json", json.loads(RECORDED.read_bytes()), True)
    join(db_url, "late@example.org")
    assert pipeline.run(loaded, DAY3).count("sent") == 2
    assert outbox_titles(workdir, DAY3, "late@example.org") == [titles[RISING]]
    assert titles[RISING] not in outbox_titles(workdir, DAY3, "ada@example.org")
    # A rerun of day 3 sends nothing and forgets nothing.
    rerun = pipeline.run(loaded, DAY3)
    assert (rerun.count("sent"), rerun.count("skipped")) == (0, 2)
    join(db_url, "new@example.org")
    assert pipeline.run(loaded, DAY4).count("sent") == 3
    # Still at 80 upvotes and in the window: only the reader who never had it sees it.
    assert outbox_titles(workdir, DAY4, "new@example.org") == [titles[RISING]]
    for got_it in ("late@example.org", "ada@example.org"):
        assert titles[RISING] not in outbox_titles(workdir, DAY4, got_it), got_it


def smtp_titles(sink: SmtpSink, reader: str) -> list[list[str]]:
    """The catching-on titles of each message the server kept for ``reader``."""
    return [
        catching_on_titles(read_message(message))
        for recipients, message in list(sink.received)
        if reader in recipients
    ]


def run_day(config: Path, day: dt.date, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "newsletter", "run", "--config", str(config)]
    return subprocess.Popen(
        [*command, "--date", day.isoformat()], env=env, cwd=config.parent,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_crash_between_send_and_record_counts_the_section_as_sent(
    write_config: Any, db_url: str, workdir: Path, subprocess_env: dict[str, str]
) -> None:
    sink = SmtpSink()
    controller, port = start_smtp(sink)
    try:
        options = {"host": "127.0.0.1", "port": port, "security": "none"}
        config, titles = four_days_config(
            write_config, db_url, workdir, {"backend": "smtp", "options": options}
        )
        env = {**subprocess_env, "NEWSLETTER_SECRET": "s"}
        for day in (DAY1, DAY2):
            assert run_day(config, day, env).wait(timeout=120) == 0
        write_four_days(workdir / "days" / "days.json", json.loads(RECORDED.read_bytes()), True)
        join(db_url, "late@example.org")
        process: list[subprocess.Popen[bytes]] = []

        def kill_after_late(number: int) -> None:
            if "late@example.org" in sink.received[number - 1][0]:
                process[0].send_signal(signal.SIGKILL)  # the server has it; no answer recorded

        sink.on_data = kill_after_late
        process.append(run_day(config, DAY3, env))
        assert process[0].wait(timeout=120) == -signal.SIGKILL
        sink.on_data = None
        assert smtp_titles(sink, "late@example.org") == [[titles[RISING]]]
        join(db_url, "new@example.org")
        assert run_day(config, DAY4, env).wait(timeout=120) in (0, 1)
    finally:
        controller.stop()
    assert [titles[RISING]] in smtp_titles(sink, "new@example.org")
    late = smtp_titles(sink, "late@example.org")
    assert len(late) == 2 and titles[RISING] not in late[1]  # day 4 did not send it again
