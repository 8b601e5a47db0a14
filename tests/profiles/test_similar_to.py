"""``similar_to``: a topic defined by papers. Ids resolved through a real HTTP server on
127.0.0.1 serving a recorded arXiv API answer; the day is recorded papers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsletter.config import load_config
from newsletter.errors import ConfigError
from newsletter.profiles.build import ArxivLookup, build_profiles
from newsletter.sources.http import FetchRetryPolicy, HttpClient
from newsletter.topics import group_by_topic
from newsletter.topics.explain import explain
from tests.profiles.conftest import PROFILE_IDS, atom_papers, day_papers, hf_papers, write_day

TESTING_TOPIC = "Software testing"


def write_config(folder: Path, api: str, similar_to: str, extra_topics: str = "") -> Path:
    day = write_day(folder / "day.json")
    text = f"""\
newsletter:
  sender: "Papers <papers@example.org>"
  postal_address: "1 Research Way"
  base_url: "http://127.0.0.1:8000"
sources:
  - type: local
    path: {day.name}
collect:
  cache_dir: {folder / "cache"}
  arxiv_api_url: {api}
topics:
  - name: {TESTING_TOPIC}
    match:
      similar_to: {similar_to}
{textwrap.indent(textwrap.dedent(extra_topics), "  ")}grouping:
  catch_all: More papers
"""
    path = folder / "newsletter.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def lookup_for(api: str, cache: Path) -> ArxivLookup:
    client = HttpClient(retry=FetchRetryPolicy(1, 0.0, 0.0, lambda _s: None))
    return ArxivLookup(client, api, cache)


def test_profile_papers_and_their_kin_match_unrelated_papers_do_not(
    tmp_path: Path, arxiv_api: HTTPServer
) -> None:
    api = arxiv_api.url_for("/").rstrip("/")
    config = load_config(write_config(tmp_path, api, f"[{', '.join(PROFILE_IDS)}]"))
    profiles = build_profiles(config)
    papers = day_papers() + [p for p in atom_papers() if p.id == PROFILE_IDS[0]]
    sections = group_by_topic(papers, config.model.topics, config.model.grouping, profiles)
    by_name = {s.topic.name: {p.id for p in s.papers} for s in sections}
    testing = by_name[TESTING_TOPIC]
    assert PROFILE_IDS[0] in testing  # a profile paper listed on the day is its own topic
    kin = {p.id for p in atom_papers() if p.id not in PROFILE_IDS}
    assert len(kin & testing) >= 5, by_name  # most other software-testing papers
    machine_learning = {p.id for p in hf_papers()}
    assert not testing & machine_learning  # no video generation, no RL for LLMs
    # Profile papers first: relevance adds the similarity.
    assert sections[0].papers[0].id == PROFILE_IDS[0]
    # The email's why-line names the nearest profile paper, shortened, not its id.
    [why] = sections[0].reasons[PROFILE_IDS[0]]
    assert why.startswith("similar to ") and len(why) <= len("similar to ") + 48
    assert not any(char.isdigit() for char in why[:16])


def test_ids_are_looked_up_once_then_read_from_the_cache(
    tmp_path: Path, arxiv_api: HTTPServer
) -> None:
    api = arxiv_api.url_for("/").rstrip("/")
    config = load_config(write_config(tmp_path, api, f"[{', '.join(PROFILE_IDS)}]"))
    first = lookup_for(api, tmp_path / "cache")
    build_profiles(config, lookup=first)
    assert first.asked == 1
    [request] = [r for r, _ in arxiv_api.log]
    assert request.args["id_list"] == ",".join(PROFILE_IDS)
    arxiv_api.clear()  # the server now answers nothing: a second run must not ask
    second = lookup_for(api, tmp_path / "cache")
    profiles = build_profiles(config, lookup=second)
    assert second.asked == 0
    [profile] = profiles.values()
    assert {p.id for p in profile.papers} == set(PROFILE_IDS)
    assert profile.papers[0].title.startswith("Testing Deep Learning Models")


def test_an_unknown_id_is_a_config_error_with_its_line(
    tmp_path: Path, arxiv_api: HTTPServer
) -> None:
    api = arxiv_api.url_for("/").rstrip("/")
    path = write_config(tmp_path, api, "[2202.12139, 2510.99999]")
    with pytest.raises(ConfigError) as caught:
        build_profiles(load_config(path))
    [problem] = caught.value.problems
    assert problem.path == "topics[0].match.similar_to.papers[1]"
    assert problem.file == str(path.resolve())
    assert (problem.line, problem.column) == (14, 32)
    assert "arXiv id 2510.99999 not found" in problem.message


def test_explain_shows_the_nearest_profile_paper_and_the_score(
    tmp_path: Path, arxiv_api: HTTPServer, run_cli: object
) -> None:
    api = arxiv_api.url_for("/").rstrip("/")
    config = load_config(write_config(tmp_path, api, f"[{', '.join(PROFILE_IDS)}]"))
    explanation = explain(
        day_papers(), config.model.topics, config.model.grouping, build_profiles(config)
    )
    placement = next(p for p in explanation.placements if p.paper.id == "2005.14124")
    [match] = placement.placed
    [hit] = match.hits
    assert hit.field == "similar_to"
    assert hit.term.split(": ")[0] in PROFILE_IDS
    assert 0.12 <= float(hit.text) < 1
    unrelated = explanation.similarity[(TESTING_TOPIC, "2510.02283")]  # Self-Forcing++ video
    assert unrelated[0].score < unrelated[0].threshold
    assert "below threshold" in str(unrelated[0])


def test_topics_explain_prints_the_nearest_paper_for_a_match_and_a_miss(
    tmp_path: Path, arxiv_api: HTTPServer, run_cli: object
) -> None:
    api = arxiv_api.url_for("/").rstrip("/")
    path = write_config(tmp_path, api, f"[{', '.join(PROFILE_IDS)}]")
    invoke = run_cli  # type: ignore[assignment]
    hit = invoke("topics", "explain", "--config", str(path), "--paper", "2005.14124")  # type: ignore[operator]
    assert hit.exit_code == 0, hit.output
    assert "landed in: Software testing" in hit.output
    assert "topics[0].match.similar_to: nearest " in hit.output
    miss = invoke("topics", "explain", "--config", str(path), "--paper", "2510.02283")  # type: ignore[operator]
    assert "below threshold 0.12" in miss.output
