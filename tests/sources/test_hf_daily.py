"""``hf_daily`` against recorded Daily Papers answers served by a real local HTTP server."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsletter.errors import SourceDataError, SourceFetchError
from newsletter.sources.cache import ResponseCache
from newsletter.sources.formats import parse_hf_item
from newsletter.sources.hf_daily import HFDailySource
from newsletter.sources.http import FetchRetryPolicy, HttpClient
from tests.sources.conftest import HF_2024, HF_2025, Sleeps, hf_items

OCT3 = dt.date(2025, 10, 3)
PATH = "/api/daily_papers"


def source(httpserver: HTTPServer, client: HttpClient, **kwargs: object) -> HFDailySource:
    return HFDailySource("hf", client, base_url=httpserver.url_for(""), **kwargs)  # type: ignore[arg-type]


def paged(items: list[dict[str, object]]):
    """A handler answering like the real API: ``p`` (0-based) and ``limit`` slice the day."""

    def handler(request: Request) -> Response:
        page, limit = int(request.args.get("p", 0)), int(request.args.get("limit", 50))
        body = json.dumps(items[page * limit : (page + 1) * limit])
        return Response(body, content_type="application/json")

    return handler


def test_recorded_day_normalizes_every_field_a_reader_sees(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request(
        PATH, query_string={"date": "2025-10-03", "p": "0", "limit": "50"}
    ).respond_with_data(HF_2025.read_bytes(), content_type="application/json")
    result = source(httpserver, client).fetch(OCT3)
    assert result.status == "ok" and not result.warnings
    assert len(result.papers) == 39
    first = result.papers[0]
    assert first.id == first.arxiv_id == "2510.02283"
    assert first.title == "Self-Forcing++: Towards Minute-Scale High-Quality Video Generation"
    assert "\n" not in first.abstract and first.abstract.startswith("Diffusion models have")
    assert first.authors[:2] == ("Justin Cui", "Jie Wu") and len(first.authors) == 9
    assert (first.upvotes, first.comments) == (43, 2)  # upvotes on the paper, comments on the item
    assert first.github_repo == "https://github.com/justincui03/Self-Forcing-Plus-Plus"
    assert first.project_page == "https://self-forcing-plus-plus.github.io/"
    assert first.thumbnail and first.thumbnail.endswith("2510.02283.png")
    assert first.ai_summary and first.ai_keywords[0] == "diffusion models"
    assert (first.submitter, first.organization) == ("cuijiaxing", "ByteDance Seed")
    assert first.listed_on == OCT3
    assert first.page_url == "https://huggingface.co/papers/2510.02283"
    assert first.arxiv_url == "https://arxiv.org/abs/2510.02283"
    assert first.pdf_url == "https://arxiv.org/pdf/2510.02283"
    # Optional fields are omitted in real answers: they stay empty, not "None" strings.
    bare = next(p for p in result.papers if p.project_page is None and p.github_repo is None)
    assert bare.github_stars is None


def test_day_comes_from_submitted_on_daily_never_top_level_published_at() -> None:
    item = hf_items()[1]
    # The top-level publishedAt is US Eastern labelled UTC: 2025-09-30T22:54:57Z here.
    assert item["publishedAt"].startswith("2025-09-30")
    assert parse_hf_item(item, "x", dt.date(2030, 1, 1)).listed_on == OCT3
    old = hf_items(HF_2024)[0]  # 2024 schema: no submittedOnDailyAt -> the day asked for
    assert "submittedOnDailyAt" not in old["paper"]
    assert parse_hf_item(old, "x", dt.date(2024, 10, 10)).listed_on == dt.date(2024, 10, 10)


def test_github_stars_zero_is_kept_as_zero() -> None:
    item = hf_items()[0]
    item["paper"]["githubStars"] = 0
    assert parse_hf_item(item, "x").github_stars == 0


def test_busy_day_pages_past_fifty_until_a_short_page(httpserver: HTTPServer, client) -> None:
    day = [*hf_items(), *hf_items(HF_2024)]  # 85 real items
    for item in day:
        item["paper"]["submittedOnDailyAt"] = "2025-10-03T08:00:00.000Z"
    httpserver.expect_request(PATH).respond_with_handler(paged(day))
    result = source(httpserver, client).fetch(OCT3)
    assert len(result.papers) == 85
    assert {p.id for p in result.papers} == {i["paper"]["id"] for i in day}
    pages = [(r.args["p"], r.args["limit"]) for r, _ in httpserver.log]
    assert pages == [("0", "50"), ("1", "50")]


def test_exact_multiple_of_the_page_size_stops_at_the_empty_page(
    httpserver: HTTPServer, client
) -> None:
    day = hf_items()[:20]
    httpserver.expect_request(PATH).respond_with_handler(paged(day))
    result = source(httpserver, client, page_size=10).fetch(OCT3)
    assert len(result.papers) == 20
    assert [r.args["p"] for r, _ in httpserver.log] == ["0", "1", "2"]


def test_429_is_retried_after_the_servers_retry_after(
    httpserver: HTTPServer, client, sleeps: Sleeps
) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_data(
        HF_2025.read_bytes(), content_type="application/json"
    )
    result = source(httpserver, client).fetch(OCT3)
    assert len(result.papers) == 39
    assert sleeps == [7.0]


def test_500_until_retries_are_exhausted_names_host_and_advice(
    httpserver: HTTPServer, client, sleeps: Sleeps
) -> None:
    httpserver.expect_request(PATH).respond_with_data("boom", status=500)
    with pytest.raises(SourceFetchError) as caught:
        source(httpserver, client).fetch(OCT3)
    message = str(caught.value)
    assert "127.0.0.1 answered HTTP 500" in message
    assert "gave up after 3 tries" in message and "retry later" in message
    assert sleeps == [0.5, 1.0]  # exponential backoff, injected so the test does not wait
    assert len(httpserver.log) == 3


def test_timeout_is_an_error_naming_host_and_what_to_do(httpserver: HTTPServer) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(1.0)
        return Response("[]", content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(slow)
    with (
        HttpClient(timeout=0.2, retry=FetchRetryPolicy(attempts=1)) as http,
        pytest.raises(SourceFetchError) as caught,
    ):
        source(httpserver, http).fetch(OCT3)
    assert "127.0.0.1: no answer within 0.2 s" in str(caught.value)
    assert "timeout" in str(caught.value)


def test_unreachable_host_says_to_check_network_or_use_cache(client) -> None:
    dead = HFDailySource("hf", client, base_url="http://127.0.0.1:9")
    with pytest.raises(SourceFetchError) as caught:
        dead.fetch(OCT3)
    assert "cannot connect to 127.0.0.1" in str(caught.value)
    assert "check the network" in str(caught.value)


def test_malformed_json_quotes_the_first_bytes(httpserver: HTTPServer, client) -> None:
    cut = HF_2025.read_bytes()[:300]  # a real answer cut off mid-document
    httpserver.expect_request(PATH).respond_with_data(cut, content_type="application/json")
    with pytest.raises(SourceDataError) as caught:
        source(httpserver, client).fetch(OCT3)
    assert "not JSON" in str(caught.value)
    assert repr(cut[:80]) in str(caught.value)


def test_empty_weekend_day_is_empty_not_an_error(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request(PATH).respond_with_json([])
    result = source(httpserver, client).fetch(dt.date(2025, 10, 4))  # a Saturday
    assert result.status == "empty"
    assert result.papers == [] and result.error is None


def test_a_list_of_another_days_papers_is_stale(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        HF_2025.read_bytes(), content_type="application/json"
    )
    result = source(httpserver, client).fetch(dt.date(2025, 10, 6))
    assert result.status == "stale" and result.papers == []
    assert "asked for 2025-10-06" in result.warnings[0] and "2025-10-03" in result.warnings[0]


def test_lag_days_asks_for_yesterdays_settled_list(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request(
        PATH, query_string={"date": "2025-10-03", "p": "0", "limit": "50"}
    ).respond_with_data(HF_2025.read_bytes(), content_type="application/json")
    result = source(httpserver, client, lag_days=1).fetch(dt.date(2025, 10, 4))
    assert result.status == "ok" and len(result.papers) == 39


def test_a_record_without_id_or_title_is_skipped_with_a_warning(
    httpserver: HTTPServer, client
) -> None:
    items = hf_items()
    del items[2]["paper"]["id"]
    items[5]["paper"]["title"] = "  "
    items.insert(0, "not an item")  # type: ignore[arg-type]
    httpserver.expect_request(PATH).respond_with_json(items)
    result = source(httpserver, client).fetch(OCT3)
    assert len(result.papers) == 37
    assert len(result.warnings) == 3
    assert any("item 0" in w and "not a daily-papers item" in w for w in result.warnings)
    assert any("lacks an id or a title" in w for w in result.warnings)


def test_cache_replays_a_day_offline_and_refresh_bypasses_it(
    httpserver: HTTPServer, client, tmp_path: Path
) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        HF_2025.read_bytes(), content_type="application/json"
    )
    first = source(httpserver, client, cache=ResponseCache(tmp_path)).fetch(OCT3)
    assert not first.from_cache
    assert (tmp_path / "hf" / "2025-10-03" / "page-000.json").read_bytes() == HF_2025.read_bytes()

    httpserver.clear()  # the network is gone: the cache alone answers
    again = source(httpserver, client, cache=ResponseCache(tmp_path)).fetch(OCT3)
    assert again.from_cache and [p.id for p in again.papers] == [p.id for p in first.papers]
    assert len(httpserver.log) == 0

    httpserver.expect_request(PATH).respond_with_json([])
    fresh = source(httpserver, client, cache=ResponseCache(tmp_path, refresh=True)).fetch(OCT3)
    assert not fresh.from_cache and fresh.status == "empty"
    assert len(httpserver.log) == 1


def test_an_unwritable_cache_costs_a_warning_not_the_day(
    httpserver: HTTPServer, client, tmp_path: Path
) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        HF_2025.read_bytes(), content_type="application/json"
    )
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    result = source(httpserver, client, cache=ResponseCache(blocker)).fetch(OCT3)
    assert result.status == "ok" and len(result.papers) == 39
    assert result.warnings[0].startswith(f"cannot write the cache at {blocker}")
