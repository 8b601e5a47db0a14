"""``arxiv`` against the recorded announcement feed and API answer on a local server."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsletter.errors import SourceDataError
from newsletter.sources.arxiv import ArxivSource
from newsletter.sources.arxiv_formats import parse_atom, parse_rss
from newsletter.sources.cache import ResponseCache
from newsletter.sources.http import FetchRetryPolicy, HttpClient
from tests.sources.conftest import ATOM, RSS_CV, Sleeps

FEED_DAY = dt.date(2026, 8, 20)  # the channel's pubDate; the file is named for the 21st
RSS_PATH = "/rss/cs.CV"
API_PATH = "/api/query"


def serve_feed(httpserver: HTTPServer, body: bytes, path: str = RSS_PATH) -> None:
    httpserver.expect_request(path).respond_with_data(body, content_type="application/rss+xml")


def arxiv(httpserver: HTTPServer, client: HttpClient, **kwargs: object) -> ArxivSource:
    kwargs.setdefault("categories", ["cs.CV"])
    return ArxivSource("arxiv-cv", client, base_url=httpserver.url_for(""), **kwargs)  # type: ignore[arg-type]


def empty_channel() -> bytes:
    """The real feed with its items removed: what arXiv serves on weekends and holidays."""
    text = RSS_CV.read_text(encoding="utf-8")
    return re.sub(r"\s*<item>.*?</item>", "", text, flags=re.S).encode()


def test_keeps_new_submissions_and_drops_replacements(httpserver: HTTPServer, client) -> None:
    serve_feed(httpserver, RSS_CV.read_bytes())
    result = arxiv(httpserver, client).fetch(FEED_DAY)
    assert result.status == "ok" and not result.warnings
    assert len(result.papers) == 83  # of 152 items: 83 new, 11 cross, 45 replace, 13 replace-cross
    first = result.papers[0]
    assert first.id == "2608.18184" and first.arxiv_url == "https://arxiv.org/abs/2608.18184"
    assert first.title == "Human-Centric Intelligence in the Era of Foundation Models: A Survey"
    assert first.abstract.startswith("Human-centric intelligence is evolving")
    assert "Announce Type" not in first.abstract
    assert first.authors[0] == "Yang Chen" and len(first.authors) == 16
    assert first.categories == ("cs.CV",) and first.listed_on == FEED_DAY
    replaced = "2503.08484"  # a real `replace` item of that feed
    assert replaced in RSS_CV.read_text() and replaced not in {p.id for p in result.papers}


def test_cross_lists_are_optional(httpserver: HTTPServer, client) -> None:
    serve_feed(httpserver, RSS_CV.read_bytes())
    result = arxiv(httpserver, client, include_cross_lists=True).fetch(FEED_DAY)
    assert len(result.papers) == 83 + 11


def test_feed_of_another_day_is_stale_with_a_warning_naming_the_source(
    httpserver: HTTPServer, client
) -> None:
    serve_feed(httpserver, RSS_CV.read_bytes())
    result = arxiv(httpserver, client).fetch(dt.date(2026, 8, 21))
    assert result.status == "stale" and result.papers == []
    assert "2026-08-20, not 2026-08-21" in result.warnings[0]
    assert "/rss/cs.CV" in result.warnings[0]


def test_weekend_channel_without_items_is_an_empty_day(httpserver: HTTPServer, client) -> None:
    serve_feed(httpserver, empty_channel())
    result = arxiv(httpserver, client).fetch(dt.date(2026, 8, 22))
    assert result.status == "empty" and result.error is None


def test_categories_join_with_plus(httpserver: HTTPServer, client) -> None:
    serve_feed(httpserver, RSS_CV.read_bytes(), path="/rss/cs.CV+cs.LG")
    result = arxiv(httpserver, client, categories=["cs.CV", "cs.LG"]).fetch(FEED_DAY)
    assert len(result.papers) == 83


def test_latex_titles_become_unicode_and_keep_the_original(httpserver: HTTPServer, client) -> None:
    serve_feed(httpserver, RSS_CV.read_bytes())
    papers = arxiv(httpserver, client, include_cross_lists=True).fetch(FEED_DAY).papers
    titles = {p.title_raw: p.title for p in papers}
    raw = next(t for t in titles if t.startswith(("DyG$^2$T", "H$^2$EDL")))
    assert "$" not in titles[raw] and "²" in titles[raw]
    abstract = next(p.abstract for p in papers if "organs exceed" in p.abstract)
    assert "7/12 organs exceed α=0.10" in abstract


def test_api_enrichment_batches_ids_politely(
    httpserver: HTTPServer, client, sleeps: Sleeps
) -> None:
    atom = ATOM.read_text(encoding="utf-8")
    atom_ids = re.findall(r"<id>http://arxiv.org/abs/([\d.]+)v\d+</id>", atom)
    feed = RSS_CV.read_text(encoding="utf-8")
    rss_new = re.findall(
        r"oai:arXiv.org:([\d.]+)v\d+</guid>\s*<category>[^<]*</category>\s*"
        r"<pubDate>[^<]*</pubDate>\s*<arxiv:announce_type>new<",
        feed,
    )
    for old, new in zip(rss_new, atom_ids, strict=False):
        feed = feed.replace(old, new)  # the first feed items now carry the API answer's ids
    serve_feed(httpserver, feed.encode())
    httpserver.expect_request(API_PATH).respond_with_data(atom, content_type="application/atom+xml")
    api = HttpClient(
        timeout=5, retry=FetchRetryPolicy(sleep=sleeps), min_interval=3.0, user_agent="nl-test/1"
    )
    source = arxiv(
        httpserver, client, api_client=api, api_base_url=httpserver.url_for(""), batch_size=40
    )
    result = source.fetch(FEED_DAY)
    calls = [r for r, _ in httpserver.log if r.path == API_PATH]
    assert len(calls) == 3  # 83 ids in batches of 40
    asked = [i for r in calls for i in r.args["id_list"].split(",")]
    assert asked == [p.id for p in result.papers]
    assert all(r.headers["User-Agent"] == "nl-test/1" for r in calls)
    assert len(sleeps) == 2 and all(2.5 < s <= 3.0 for s in sleeps)  # 3 s between API calls
    enriched = next(p for p in result.papers if p.id == "2202.12139")
    assert enriched.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert enriched.categories == ("cs.SE", "cs.LG")
    assert enriched.published_at == dt.datetime(2022, 2, 24, 15, 5, 19, tzinfo=dt.UTC)


def test_failed_api_lookup_keeps_feed_data_with_a_warning(httpserver: HTTPServer, client) -> None:
    serve_feed(httpserver, RSS_CV.read_bytes())
    httpserver.expect_request(API_PATH).respond_with_data("bad id", status=400)
    api = HttpClient(timeout=5, retry=FetchRetryPolicy(attempts=1))
    result = arxiv(httpserver, client, api_client=api, api_base_url=httpserver.url_for("")).fetch(
        FEED_DAY
    )
    assert result.status == "ok" and len(result.papers) == 83
    assert "arXiv API lookup failed, feed data kept" in result.warnings[0]
    assert "HTTP 400" in result.warnings[0]


def test_old_style_ids_work_in_the_api_and_the_feed() -> None:
    atom = ATOM.read_bytes().replace(b"2202.12139v1", b"cs/0503050v1")
    papers, warnings = parse_atom(atom, "test")
    old = papers[0]
    assert not warnings and old.id == old.arxiv_id == "cs/0503050"
    assert old.arxiv_url == "https://arxiv.org/abs/cs/0503050"
    feed = RSS_CV.read_bytes().replace(b"2608.18184v1", b"math.GT/0309136v2")
    item = parse_rss(feed, "test").items[0].paper
    assert item.id == "math.GT/0309136"


def test_atom_with_zero_results_is_an_empty_list() -> None:
    atom = re.sub(r"<entry>.*</entry>", "", ATOM.read_text(), flags=re.S)
    atom = atom.replace("<opensearch:totalResults>214881", "<opensearch:totalResults>0")
    assert parse_atom(atom.encode(), "test") == ([], [])


@pytest.mark.parametrize(
    "body",
    [RSS_CV.read_bytes()[:500], b"<html><body>502 Bad Gateway</body>"],
    ids=["cut-off", "html-error-page"],
)
def test_a_body_that_is_not_the_feed_quotes_its_first_bytes(body: bytes) -> None:
    with pytest.raises(SourceDataError) as caught:
        parse_rss(body, "https://rss.arxiv.org/rss/cs.CV")
    assert "rss.arxiv.org/rss/cs.CV" in str(caught.value)
    assert repr(body[:80]) in str(caught.value)


def test_rss_1_0_is_refused_by_name() -> None:
    body = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    )
    with pytest.raises(SourceDataError, match=r"pre-2024 RSS 1\.0"):
        parse_rss(body, "feed")


def test_item_without_id_is_skipped_with_a_warning() -> None:
    feed = RSS_CV.read_bytes().replace(b"oai:arXiv.org:2608.18184v1", b"", 1)
    feed = feed.replace(b"https://arxiv.org/abs/2608.18184", b"", 1)
    feed = feed.replace(b"arXiv:2608.18184v1", b"", 1)
    parsed = parse_rss(feed, "feed")
    assert len(parsed.items) == 151
    assert parsed.warnings == [
        "skipped feed item 0: 'Human-Centric Intelligence in the Era of Foundation Models:"
        " A Survey' lacks an arXiv id or a title"
    ]


def test_cached_feed_is_replayed_offline(httpserver: HTTPServer, client, tmp_path: Path) -> None:
    serve_feed(httpserver, RSS_CV.read_bytes())
    arxiv(httpserver, client, cache=ResponseCache(tmp_path)).fetch(FEED_DAY)
    httpserver.clear()
    again = arxiv(httpserver, client, cache=ResponseCache(tmp_path)).fetch(FEED_DAY)
    assert again.from_cache and len(again.papers) == 83 and not httpserver.log


def test_stale_feed_is_not_cached(httpserver: HTTPServer, client, tmp_path: Path) -> None:
    serve_feed(httpserver, RSS_CV.read_bytes())
    arxiv(httpserver, client, cache=ResponseCache(tmp_path)).fetch(dt.date(2026, 8, 21))
    assert not (tmp_path / "arxiv-cv" / "2026-08-21").exists()
