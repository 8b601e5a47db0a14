"""Membership, catch-all, ranking and max_papers; the shipped topics on real days."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest

from newsletter.config import load_config
from newsletter.config.models import GroupingConfig
from newsletter.models import Section, Topic
from newsletter.sources import build_sources
from newsletter.sources.collect import collect_papers
from newsletter.topics import filter_sections, group_by_topic
from tests.conftest import SHIPPED_CONFIG
from tests.seed_page import SEED_PAGE, parse_seed_page, seed_papers
from tests.topics.helpers import group, paper, topic

VIDEO = topic("Video", {"keywords": ["video"]})
DIFFUSION = topic("Diffusion", {"keywords": ["diffusion"]})
PAPERS = [
    paper("a", "Video diffusion models"),
    paper("b", "Image diffusion"),
    paper("c", "A survey of graphs"),
]


def test_first_membership_uses_config_order() -> None:
    assert group(PAPERS, [VIDEO, DIFFUSION]) == {
        "Video": ["a"],
        "Diffusion": ["b"],
        "More papers": ["c"],
    }
    assert group(PAPERS, [DIFFUSION, VIDEO]) == {"Diffusion": ["a", "b"], "More papers": ["c"]}


def test_multi_membership_places_a_paper_under_every_matching_topic() -> None:
    assert group(PAPERS, [VIDEO, DIFFUSION], membership="multi") == {
        "Video": ["a"],
        "Diffusion": ["a", "b"],
        "More papers": ["c"],
    }


def test_catch_all_can_be_renamed_or_switched_off() -> None:
    assert group(PAPERS, [VIDEO], catch_all="Everything else")["Everything else"] == ["b", "c"]
    assert group(PAPERS, [VIDEO], catch_all=None) == {"Video": ["a"]}


def test_empty_sections_are_left_out() -> None:
    assert "Quantum" not in group(PAPERS, [topic("Quantum", {"keywords": ["qubit"]}), VIDEO])


def test_group_by_topic_keeps_the_pipeline_signature() -> None:
    sections = group_by_topic(PAPERS, [VIDEO, DIFFUSION], GroupingConfig())
    assert all(isinstance(s, Section) for s in sections)
    assert [s.topic for s in sections][:2] == [Topic("Video"), Topic("Diffusion")]


# ranking ----------------------------------------------------------------------------------


def test_relevance_orders_by_rule_hits_plus_upvotes() -> None:
    papers = [
        paper("weak", "A model", "diffusion once", upvotes=0),
        paper("title", "Diffusion models", "", upvotes=0),
        paper("popular", "A model", "diffusion once", upvotes=200),
    ]
    # title hit (3) < abstract hit (1) + log1p(200) (5.3)
    assert group(papers, [DIFFUSION])["Diffusion"] == ["popular", "title", "weak"]


def test_ties_are_broken_by_upvotes_then_id_whatever_the_input_order() -> None:
    papers = [
        paper("z", "Diffusion", upvotes=3),
        paper("m", "Diffusion", upvotes=3),
        paper("a", "Diffusion", upvotes=3),
        paper("b", "Diffusion"),
    ]
    orders = {
        tuple(group(list(p), [DIFFUSION])["Diffusion"]) for p in itertools.permutations(papers)
    }
    assert orders == {("a", "m", "z", "b")}


def test_sort_by_upvotes_and_by_date() -> None:
    papers = [
        paper("old", "Diffusion diffusion", upvotes=9, published="2025-01-01T00:00:00+00:00"),
        paper("new", "Diffusion", upvotes=1, published="2025-03-01T00:00:00+00:00"),
        paper("undated", "Diffusion", upvotes=5),
    ]
    by_votes = topic("D", {"keywords": ["diffusion"]}, sort="upvotes")
    by_date = topic("D", {"keywords": ["diffusion"]}, sort="date")
    assert group(papers, [by_votes])["D"] == ["old", "undated", "new"]
    assert group(papers, [by_date])["D"] == ["new", "old", "undated"]


def test_max_papers_counts_the_rest_as_hidden_never_drops_them() -> None:
    papers = [paper(f"p{i}", "Diffusion", upvotes=i) for i in range(5)]
    limited = topic("D", {"keywords": ["diffusion"]}, max_papers=2)
    [section] = group_by_topic(papers, [limited], GroupingConfig())
    assert [p.id for p in section.papers] == ["p4", "p3"]
    assert section.hidden == 3 and section.total == 5


def test_filter_sections_keeps_a_readers_topics() -> None:
    sections = group_by_topic(PAPERS, [VIDEO, DIFFUSION], GroupingConfig())
    assert [s.topic.name for s in filter_sections(sections, frozenset({"Diffusion"}))] == [
        "Diffusion"
    ]
    assert filter_sections(sections, None) == sections


# the shipped topics -----------------------------------------------------------------------


def test_seed_page_parses_into_63_papers() -> None:
    papers = parse_seed_page(SEED_PAGE.read_text(encoding="utf-8"))
    assert len(papers) == 63
    assert papers[0].title.startswith("Direct2.5: Diverse Text-to-3D Generation")
    assert papers[-1].title == "Improving Diffusion-Based Image Synthesis with Context Prediction"
    assert all(len(p.abstract) > 300 for p in papers)


def test_seed_page_spreads_over_the_shipped_topics() -> None:
    config = load_config(SHIPPED_CONFIG).model
    papers = seed_papers()
    sections = group_by_topic(papers, config.topics, config.grouping)
    counts = {s.topic.name: s.total for s in sections}
    assert sum(counts.values()) == len(papers)  # first membership: each paper once
    assert counts.get(config.grouping.catch_all or "", 0) <= 0.10 * len(papers), counts
    assert max(counts.values()) <= 0.35 * len(papers), counts
    assert len(counts) >= 8, counts  # the page is spread, not lumped


@pytest.mark.parametrize(
    ("title_start", "expected"),
    [
        ("Diffusion Models for Medical Image Analysis", "Applications"),
        ("Diffusion-Based Hierarchical Multi-Label Object Detection", "Applications"),
        ("Can Generative Geospatial Diffusion Models", "Applications"),
        ("Financial Models in Generative Art", "Applications"),
        ("4Diffusion: Multi-view Video Diffusion", "Video and 3D/4D generation"),
        (
            "Diffusion Model Alignment Using Direct Preference",
            "Alignment and preference optimization",
        ),
        ("DC-Solver", "Fast sampling and distillation"),
        ("Stochastic Interpolants", "Theory of diffusion and flows"),
        ("LaViDa: A Large Diffusion Language Model", "Discrete and language diffusion"),
        (
            "Your Diffusion Model is Secretly a Zero-Shot Classifier",
            "Understanding and representations",
        ),
        ("Post-training Quantization on Diffusion Models", "Efficiency and quantization"),
        ("Vector Quantized Diffusion Model", "Image generation and editing"),
        (
            "DiffPose: SpatioTemporal Diffusion Model for Video-Based",
            "Understanding and representations",
        ),
    ],
)
def test_seed_papers_land_where_a_reader_expects(title_start: str, expected: str) -> None:
    config = load_config(SHIPPED_CONFIG).model
    sections = group_by_topic(seed_papers(), config.topics, config.grouping)
    where = {p.title: s.topic.name for s in sections for p in s.papers}
    [title] = [t for t in where if t.startswith(title_start)]
    assert where[title] == expected


def test_sample_day_is_sensible_and_every_subscriber_gets_papers() -> None:
    loaded = load_config(SHIPPED_CONFIG)
    config = loaded.model
    papers = collect_papers(build_sources(loaded), dt.date(2025, 10, 3)).papers
    sections = group_by_topic(papers, config.topics, config.grouping)
    counts = Counter({s.topic.name: s.total for s in sections})
    assert counts["Reinforcement learning and reasoning"] >= 8
    assert counts["Agents and tool use"] >= 5
    assert counts.get(config.grouping.catch_all or "", 0) <= 0.10 * len(papers)
    for subscriber in config.subscribers:
        assert any(counts[name] for name in subscriber.topics or counts), subscriber.email
