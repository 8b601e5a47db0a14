"""Today's real lists from the real services. Skipped unless asked for: ``pytest -m live``."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.sources.arxiv import ArxivSource
from newsletter.sources.hf_daily import HFDailySource
from newsletter.sources.http import HttpClient

pytestmark = pytest.mark.live


def test_hf_daily_papers_of_a_recent_weekday_page_and_normalize() -> None:
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    with HttpClient(timeout=30) as client:
        result = HFDailySource("hf", client, page_size=100).fetch(day)
    assert result.status == "ok", result.warnings
    assert all(p.arxiv_id and p.title and p.listed_on == day for p in result.papers)


def test_arxiv_feed_and_api_answer_in_the_formats_we_parse() -> None:
    with HttpClient(timeout=30) as feed, HttpClient(timeout=30, min_interval=3.0) as api:
        source = ArxivSource(
            "arxiv",
            feed,
            categories=["cs.CV"],
            api_client=api,
            api_base_url="https://export.arxiv.org",
            batch_size=50,
        )
        result = source.fetch(dt.datetime.now(dt.UTC).date())
    assert result.status in ("ok", "empty", "stale")
    if result.status == "ok":
        assert all(p.arxiv_id and p.title and p.authors for p in result.papers)
