"""Catching on: a paper below the upvote threshold on day 1 and above it on day 3 appears on
day 3 for readers who did not get it, and for nobody who did; a paper sent without code
comes back marked "code released" once its GitHub repo appears."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

from newsletter import pipeline
from newsletter.config import load_config
from newsletter.store import open_database
from newsletter.store.subscribers import upsert_subscriber
from tests.readers import ReadMessage, read_eml
from tests.schedule.test_weekly import RECORDED, listed

DAY1, DAY2, DAY3 = (dt.date(2026, 3, 23) + dt.timedelta(days=n) for n in range(3))
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
