"""``newsletter topics explain``: plain text, --paper, --json, the rich table, errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from rich.console import Console

from newsletter.cli.commands_topics import show_table
from newsletter.config import load_config
from newsletter.sources import build_sources
from newsletter.sources.collect import collect_papers
from newsletter.topics import explain
from tests.conftest import SHIPPED_CONFIG

PAPERS = [
    {
        "id": "2501.00001",
        "title": "Video Diffusion Models",
        "abstract": "We generate video with diffusion.",
        "upvotes": 7,
        "ai_keywords": ["video generation"],
    },
    {
        "id": "2501.00002",
        "title": "Fast Video Sampling",
        "abstract": "A solver.",
        "upvotes": 3,
    },
    {"id": "2501.00003", "title": "Graph Neural Networks", "abstract": "Message passing."},
]

CONFIG = """\
newsletter:
  sender: "Papers <papers@example.org>"
  postal_address: "1 Research Way"
  base_url: "http://127.0.0.1:8000"
sources:
  - type: local
    path: papers.json
topics:
  - name: Video
    emoji: "🎬"
    max_papers: 1
    match:
      any:
        - keywords: [video generation]
        - keywords: [video]
          fields: [title]
  - name: Sampling
    match: {keywords: [solver, sampling]}
grouping:
  membership: first
  catch_all: Other
"""


@pytest.fixture
def small_config(workdir: Path) -> Path:
    (workdir / "papers.json").write_text(json.dumps(PAPERS), encoding="utf-8")
    path = workdir / "newsletter.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_plain_output_shows_topic_rule_words_counts_and_unmatched(small_config, run_cli) -> None:
    result = run_cli("topics", "explain", "--config", str(small_config), "--date", "2025-10-03")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Topics on Fri 03 Oct 2025: 3 papers, 2 topics, membership: first")
    block = out[out.index("2501.00001") : out.index("2501.00002")]
    assert "-> Video" in block
    assert 'topics[0].match.any[0].keywords: abstract: "video"' not in block  # phrase, not word
    assert 'topics[0].match.any[0].keywords: keywords: "video generation"' in block
    assert 'topics[0].match.any[1].keywords: title: "Video"' in block
    second = out[out.index("2501.00002") : out.index("2501.00003")]
    # Fewer hits, so ranked second: beyond max_papers 1, counted, not dropped.
    assert "-> Video [beyond max_papers in Video: counted as 'N more']" in second
    assert "also matched: Sampling (4)" in second
    assert "Papers per topic:" in out
    assert "     2  Video (1 shown, 1 beyond max_papers)" in out
    assert "     0  Sampling (no paper matched)" in out
    assert "     1  Other (catch-all)" in out
    assert "Unmatched (1, in the catch-all):\n  2501.00003  Graph Neural Networks" in out


def test_json_is_complete_and_consistent(small_config, run_cli) -> None:
    result = run_cli(
        "topics", "explain", "--config", str(small_config), "--date", "2025-10-03", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["date"] == "2025-10-03" and data["membership"] == "first"
    assert data["catch_all"] == "Other"
    by_id = {p["id"]: p for p in data["papers"]}
    assert by_id["2501.00001"]["topics"] == ["Video"]
    assert by_id["2501.00002"]["hidden_in"] == ["Video"]
    assert by_id["2501.00003"] == {
        "id": "2501.00003",
        "title": "Graph Neural Networks",
        "upvotes": None,
        "topics": ["Other"],
        "matched": False,
        "hidden_in": [],
        "matches": [],
    }
    first = by_id["2501.00001"]["matches"][0]
    assert first["topic"] == "Video" and first["score"] == 5.0
    assert first["hits"][0] == {
        "rule": "topics[0].match.any[0].keywords",
        "field": "keywords",
        "term": "video generation",
        "text": "video generation",
        "weight": 2.0,
    }
    assert [m["topic"] for m in by_id["2501.00002"]["matches"]] == ["Video", "Sampling"]
    assert data["counts"] == [
        {"topic": "Video", "papers": 2, "shown": 1, "hidden": 1},
        {"topic": "Sampling", "papers": 0, "shown": 0, "hidden": 0},
        {"topic": "Other", "papers": 1, "shown": 1, "hidden": 0, "catch_all": True},
    ]
    assert data["unmatched"] == [{"id": "2501.00003", "title": "Graph Neural Networks"}]


def test_one_paper_shows_every_topics_verdict(small_config, run_cli) -> None:
    result = run_cli(
        "topics", "explain", "--config", str(small_config), "--date", "2025-10-03",
        "--paper", "2501.00002",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2501.00002  Fast Video Sampling"
    assert lines[1].startswith("landed in: Video [beyond max_papers in Video")
    assert "(membership: first - the first matching topic in config order wins)" in lines
    assert "+ Video" in lines and "+ Sampling" in lines
    sampling = lines[lines.index("+ Sampling") + 1 :]
    assert sampling[:2] == [
        "    score 4, relevance 5.39",  # title 3 + abstract 1; log1p(3 upvotes) = 1.39
        '    topics[1].match.keywords: title: "Sampling"; abstract: "solver"',
    ]


def test_one_paper_as_json(small_config, run_cli) -> None:
    result = run_cli(
        "topics", "explain", "--config", str(small_config), "--date", "2025-10-03",
        "--paper", "2501.00003", "--json",
    )  # fmt: skip
    data = json.loads(result.output)
    assert data["id"] == "2501.00003" and data["topics"] == ["Other"] and not data["matched"]


def test_unknown_paper_is_a_clear_error(small_config, run_cli) -> None:
    result = run_cli(
        "topics", "explain", "--config", str(small_config), "--date", "2025-10-03",
        "--paper", "9999.99999",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "no paper '9999.99999' among the 3 papers of 2025-10-03" in result.output
    assert "ids: 2501.00001, 2501.00002, 2501.00003" in result.output


def test_dropped_papers_are_listed_when_there_is_no_catch_all(workdir, run_cli) -> None:
    (workdir / "papers.json").write_text(json.dumps(PAPERS), encoding="utf-8")
    path = workdir / "c.yaml"
    path.write_text(CONFIG.replace("catch_all: Other", "catch_all: null"), encoding="utf-8")
    result = run_cli("topics", "explain", "--config", str(path), "--date", "2025-10-03")
    assert "-> (dropped: no topic matched, no catch-all)" in result.output
    assert "Unmatched (1, dropped):" in result.output


def test_shipped_config_on_the_sample_day(config_file, run_cli) -> None:
    result = run_cli("topics", "explain", "--date", "2025-10-03")
    assert result.exit_code == 0, result.output
    assert "39 papers, 12 topics, membership: first" in result.output
    assert "2510.02283  Self-Forcing++" in result.output
    assert "Unmatched: none" in result.output


def test_rich_table_on_a_terminal() -> None:
    loaded = load_config(SHIPPED_CONFIG)
    papers = collect_papers(build_sources(loaded), dt.date(2025, 10, 3)).papers
    config = loaded.model
    explanation = explain(papers, config.topics, config.grouping)
    console = Console(record=True, width=200, force_terminal=True, color_system=None)
    show_table(explanation, dt.date(2025, 10, 3), console)
    text = console.export_text()
    assert "┃ Paper" in text and "Rule and matched words" in text
    row = next(line for line in text.splitlines() if "2510.02283" in line)
    assert "Video and 3D/4D generation" in row
    assert 'any[0].keywords: title: "Video Generation"' in row
    assert "Papers per topic:" in text
