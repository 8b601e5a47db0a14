"""Collecting through the real CLI: several sources merged, failures, empty and seen days.

Sources reach a real HTTP server on 127.0.0.1 through the ``base_url`` in the config; the
outbox, database and cache land in the test's working folder.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pytest_httpserver import HTTPServer

from newsletter.sources.arxiv import ArxivSource
from newsletter.sources.collect import collect_papers
from newsletter.sources.hf_daily import HFDailySource
from newsletter.sources.http import HttpClient
from tests.conftest import SHIPPED_CONFIG
from tests.readers import read_eml
from tests.sources.conftest import HF_2024, HF_2025, RSS_CV, hf_items

HF_PATH = "/api/daily_papers"
DEAD = "http://127.0.0.1:9"  # nothing listens on the discard port: connection refused


def write_config(workdir: Path, sources: list[dict[str, Any]], **collect: Any) -> Path:
    data = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    data["sources"] = sources
    if collect:
        data["collect"] = collect
    path = workdir / "newsletter.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def hf(server: HTTPServer, name: str = "hf") -> dict[str, Any]:
    # One attempt: retries and their backoff are tested on the source itself.
    url = server.url_for("").rstrip("/")
    return {"type": "hf_daily", "name": name, "base_url": url, "retries": 1}


def emails(workdir: Path) -> list[Path]:
    return sorted((workdir / "outbox").rglob("*.eml"))


def test_same_paper_from_hf_and_arxiv_becomes_one_with_the_richest_fields(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(HF_PATH).respond_with_data(
        HF_2025.read_bytes(), content_type="application/json"
    )
    feed = RSS_CV.read_bytes().replace(b"2608.18184", b"2510.02283")  # HF's first paper
    feed = feed.replace(b"Thu, 20 Aug 2026", b"Fri, 03 Oct 2025")
    httpserver.expect_request("/rss/cs.CV").respond_with_data(feed)
    base = httpserver.url_for("")
    sources = [
        HFDailySource("hf", HttpClient(), base_url=base),
        ArxivSource("arxiv", HttpClient(), categories=["cs.CV"], base_url=base),
    ]
    collection = collect_papers(sources, dt.date(2025, 10, 3))
    assert len(collection.papers) == 39 + 83 - 1
    merged = next(p for p in collection.papers if p.id == "2510.02283")
    assert merged.sources == ("hf_daily", "arxiv")
    assert merged.upvotes == 43 and merged.github_repo  # from HF
    assert merged.categories == ("cs.CV",)  # from arXiv
    assert merged.page_url == "https://huggingface.co/papers/2510.02283"
    assert merged.title.startswith("Self-Forcing++")  # the first source's title, not replaced


def test_one_failed_source_is_named_and_the_issue_built_from_the_others(
    httpserver: HTTPServer, workdir: Path, run_cli
) -> None:
    httpserver.expect_request(HF_PATH).respond_with_data(
        HF_2025.read_bytes(), content_type="application/json"
    )
    broken = {"type": "arxiv", "name": "arxiv-cv", "categories": ["cs.CV"], "base_url": DEAD}
    config = write_config(workdir, [hf(httpserver), broken])
    result = run_cli("run", "--config", str(config), "--date", "2025-10-03")
    assert result.exit_code == 0, result.output
    assert "source arxiv-cv: 0 papers (FAILED): cannot connect to 127.0.0.1" in result.output
    assert "built without failed sources: arxiv-cv" in result.output
    assert "Papers: 39 collected" in result.output
    assert len(emails(workdir)) == 3


def test_all_sources_failed_sends_nothing_and_exits_1(workdir: Path, run_cli) -> None:
    config = write_config(workdir, [{"type": "hf_daily", "name": "hf", "base_url": DEAD}])
    result = run_cli("run", "--config", str(config), "--date", "2025-10-03")
    assert result.exit_code == 1
    assert "every source failed, nothing was sent" in result.output
    assert "cannot connect to 127.0.0.1" in result.output and "check the network" in result.output
    assert not (workdir / "outbox").exists()


def test_papers_sent_earlier_are_not_sent_again_unless_asked(
    httpserver: HTTPServer, workdir: Path, run_cli
) -> None:
    friday = hf_items()
    monday = [*friday[:10], *hf_items(HF_2024)]  # 10 of Friday's papers return on Monday
    for item in monday[:10]:
        item["paper"]["submittedOnDailyAt"] = "2025-10-06T01:00:00.000Z"
    httpserver.expect_request(
        HF_PATH, query_string={"date": "2025-10-03", "p": "0", "limit": "50"}
    ).respond_with_json(friday)
    httpserver.expect_request(
        HF_PATH, query_string={"date": "2025-10-06", "p": "0", "limit": "50"}
    ).respond_with_json(monday)
    httpserver.expect_request(
        HF_PATH, query_string={"date": "2025-10-06", "p": "1", "limit": "50"}
    ).respond_with_json([])
    config = write_config(workdir, [hf(httpserver)])
    assert (
        "Papers: 39 collected"
        in run_cli("run", "--config", str(config), "--date", "2025-10-03").output
    )

    second = run_cli("run", "--config", str(config), "--date", "2025-10-06")
    assert "10 papers left out: already sent in an earlier issue" in second.output
    assert "Papers: 56 collected, 10 of them sent in an earlier issue" in second.output
    ada = next(p for p in emails(workdir) if "2025-10-06" in str(p) and "ada@" in p.name)
    assert friday[0]["paper"]["title"] not in " ".join(ada.read_text().split())

    again = run_cli("run", "--config", str(config), "--date", "2025-10-06", "--include-seen")
    assert "Papers: 56 collected" in again.output


def test_skip_seen_false_mails_every_paper_of_every_day(workdir: Path, run_cli) -> None:
    local = {"type": "local", "path": "bundled:sample/hf_daily_papers_2025-10-03.json"}
    config = write_config(workdir, [local], skip_seen=False)
    run_cli("run", "--config", str(config), "--date", "2025-10-03")
    second = run_cli("run", "--config", str(config), "--date", "2025-10-06")
    assert "left out" not in second.output
    assert "3 sent, 0 skipped, 0 failed" in second.output
    strict = write_config(workdir, [local])  # the default: what an earlier day sent stays out
    third = run_cli("run", "--config", str(strict), "--date", "2025-10-07")
    assert "all 39 papers of the day were sent in an earlier issue" in third.output


def test_empty_day_skip_sends_nothing_and_says_why(
    httpserver: HTTPServer, workdir: Path, run_cli
) -> None:
    httpserver.expect_request(HF_PATH).respond_with_json([])
    config = write_config(workdir, [hf(httpserver)], empty_day="skip")
    result = run_cli("run", "--config", str(config), "--date", "2025-10-04")
    assert result.exit_code == 0
    assert "source hf: 0 papers (empty: no papers listed for the day)" in result.output
    assert "Empty day: no source listed papers; nothing sent" in result.output
    assert emails(workdir) == []


def test_empty_day_notice_tells_every_reader(
    httpserver: HTTPServer, workdir: Path, run_cli
) -> None:
    httpserver.expect_request(HF_PATH).respond_with_json([])
    config = write_config(workdir, [hf(httpserver)], empty_day="notice")
    result = run_cli("run", "--config", str(config), "--date", "2025-10-04")
    assert result.exit_code == 0, result.output
    assert "sending a notice" in result.output
    sent = emails(workdir)
    assert len(sent) == 3  # grace and alan chose topics, and still hear about the quiet day
    assert all("No new papers today" in p.read_text() for p in sent)
    grace = read_eml(next(p for p in sent if p.name == "grace@example.org.eml"))
    assert grace.message["Subject"] == "Daily Papers, Sat 04 Oct: no new papers today"
    why = " ".join(grace.text.split()).split("topics you chose: ", 1)[1]
    assert why.startswith("Agents and tool use, Reinforcement learning and reasoning.")


def test_stale_feed_is_reported_not_taken_for_a_quiet_day(
    httpserver: HTTPServer, workdir: Path, run_cli
) -> None:
    httpserver.expect_request("/rss/cs.CV").respond_with_data(RSS_CV.read_bytes())
    source = {"type": "arxiv", "name": "arxiv-cv", "categories": ["cs.CV"]}
    source["base_url"] = httpserver.url_for("").rstrip("/")
    config = write_config(workdir, [source], empty_day="notice")
    result = run_cli("run", "--config", str(config), "--date", "2026-08-21")
    assert "source arxiv-cv: 0 papers (STALE: the feed is for another day)" in result.output
    assert "warning: arxiv-cv: stale:" in result.output
    assert "Empty day" not in result.output  # stale is not quiet: no notice goes out
    assert "Nothing to send: stale sources (arxiv-cv): rerun later with --refresh" in result.output
    assert emails(workdir) == []


def test_fetch_writes_json_a_local_source_reads_back(
    httpserver: HTTPServer, workdir: Path, run_cli
) -> None:
    httpserver.expect_request(HF_PATH).respond_with_data(
        HF_2025.read_bytes(), content_type="application/json"
    )
    config = write_config(workdir, [hf(httpserver)])
    out = workdir / "papers.json"
    result = run_cli("fetch", "--config", str(config), "--date", "2025-10-03", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "source hf: 39 papers (ok)" in result.output
    written = json.loads(out.read_text())
    assert written["date"] == "2025-10-03" and len(written["papers"]) == 39
    first = written["papers"][0]
    assert first["arxiv_url"] == "https://arxiv.org/abs/2510.02283"
    assert first["listed_on"] == "2025-10-03" and first["upvotes"] == 43

    local = write_config(workdir, [{"type": "local", "path": str(out)}])
    again = run_cli("fetch", "--config", str(local), "--date", "2025-10-03")
    assert json.loads(again.stdout)["papers"] == written["papers"]  # a lossless round trip


def test_fetch_one_source_by_name_and_unknown_name_lists_known(
    httpserver: HTTPServer, workdir: Path, run_cli
) -> None:
    httpserver.expect_request(HF_PATH).respond_with_json([])
    config = write_config(
        workdir, [hf(httpserver), {"type": "hf_daily", "name": "x", "base_url": DEAD}]
    )
    ok = run_cli("fetch", "--config", str(config), "--date", "2025-10-04", "--source", "hf")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["papers"] == []
    bad = run_cli("fetch", "--config", str(config), "--source", "nope")
    assert bad.exit_code == 1 and "no source named 'nope'" in bad.output and "hf, x" in bad.output


def test_rerun_works_offline_from_the_cache_and_refresh_asks_again(
    httpserver: HTTPServer, workdir: Path, run_cli
) -> None:
    httpserver.expect_request(HF_PATH).respond_with_data(
        HF_2025.read_bytes(), content_type="application/json"
    )
    config = write_config(workdir, [hf(httpserver)])
    run_cli("fetch", "--config", str(config), "--date", "2025-10-03", "--out", "a.json")
    assert (workdir / "cache" / "hf" / "2025-10-03" / "page-000.json").is_file()
    httpserver.clear()  # offline from here on

    cached = run_cli("run", "--config", str(config), "--date", "2025-10-03")
    assert cached.exit_code == 0
    assert "source hf: 39 papers (ok, from cache)" in cached.output
    refreshed = run_cli("run", "--config", str(config), "--date", "2025-10-03", "--refresh")
    assert refreshed.exit_code == 1 and "answered HTTP 500" in refreshed.output


def test_config_rejects_a_rude_arxiv_api_delay(workdir: Path, run_cli) -> None:
    source = {"type": "arxiv", "categories": ["cs.CV"], "api_delay": 0.5}
    config = write_config(workdir, [source])
    result = run_cli("config", "check", "--config", str(config))
    assert result.exit_code == 1
    assert re.search(r"newsletter\.yaml:\d+:\d+: sources\[0\].*must be at least 3", result.output)


def test_commented_source_examples_in_the_shipped_config_are_valid() -> None:
    from newsletter.config import parse_config

    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    block = text.split("\nsources:\n", 1)[1].split("\n\n", 1)[0]
    examples = [
        line.replace("  # ", "  ", 1)
        for line in block.splitlines()
        if line.startswith(("  # - ", "  #   "))
    ]
    assert any("type: hf_daily" in line for line in examples)
    data = yaml.safe_load(text)
    data["sources"] = yaml.safe_load("\n".join(examples))
    model = parse_config(yaml.safe_dump(data))
    assert [s.type for s in model.sources] == ["hf_daily", "arxiv"]
    assert model.collect.empty_day == "skip" and model.collect.seen_window_days is None
