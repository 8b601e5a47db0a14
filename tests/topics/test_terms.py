"""Keyword phrases: case, word boundaries, plurals, hyphen/space variants, and the fast path
(pre-filtering by the words a phrase starts and ends with) never missing a match."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newsletter.config import load_config
from newsletter.sources import build_sources
from newsletter.sources.collect import collect_papers
from newsletter.topics.rules import KeywordCondition
from newsletter.topics.terms import PaperText, compile_phrase, split_words
from tests.conftest import SHIPPED_CONFIG
from tests.seed_page import seed_papers
from tests.topics.helpers import matches, paper


def found(term: str, text: str) -> bool:
    return next(compile_phrase(term).spans(text.lower()), None) is not None


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("diffusion", "Latent DIFFUSION for images"),  # case
        ("text-to-image", "a text to image model"),  # hyphen -> space
        ("text to image", "Text-to-Image synthesis"),  # space -> hyphen
        ("multi-view", "multiview diffusion"),  # separator left out
        ("multi view", "Multi\u2010View consistency"),  # Unicode hyphen
        ("model", "two models"),  # plural of a singular term
        ("models", "one model"),  # singular of a plural term
        ("strategy", "sampling strategies"),  # y -> ies
        ("strategies", "a strategy"),
        ("process", "diffusion processes"),  # s -> es
        ("GAN", "Denoising Diffusion GANs"),
        ("3D", "Text-to-3D generation"),  # digits, after a hyphen
        ("2.5D", "Multi-view 2.5D Diffusion"),  # punctuation inside
        ("C++", "kernels written in C++."),
        ("Itô", "the Itô density estimator"),  # non-ASCII
        ("diffusion model", "two diffusion   models"),  # any run of spaces
    ],
)
def test_phrase_matches_variants(term: str, text: str) -> None:
    assert found(term, text)


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("art", "a party"),  # inside a word
        ("art", "artistic"),  # prefix of a word
        ("GAN", "organ"),
        ("3D", "4Diffusion"),
        ("video generation", "video-based pose generation"),
        ("model", "modeling"),
        ("text-to-image", "text, to image"),  # a comma is not a separator
    ],
)
def test_phrase_respects_word_boundaries(term: str, text: str) -> None:
    assert not found(term, text)


def test_keywords_of_hf_are_not_glued_together() -> None:
    # Two adjacent tags must not form a phrase across their boundary.
    item = paper(keywords=("score", "distillation"))
    assert not matches({"keywords": ["score distillation"], "fields": ["keywords"]}, item)
    assert matches({"keywords": ["distillation"], "fields": ["keywords"]}, item)


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii text, with (punctuation) and snake_case_words 2.5D",
        "Schrödinger bridges — “quoted” words; naïve café",
        "",
    ],
)
def test_split_words_is_the_same_as_regex_words(text: str) -> None:
    assert split_words(text.lower()) == re.findall(r"\w+", text.lower())


TRICKY_TERMS = [
    "multi-view",
    "text-to-image",
    "3D",
    "2.5D",
    "diffusion model",
    "GANs",
    "score distillation sampling",
    "mixture-of-experts",
    "strategy",
    "reinforcement learning",
    "RL",
    "LLM agent",
    ".NET",
    "C++",
    "vision-language-action",
]


def _shipped_terms() -> list[str]:
    terms: list[str] = []

    def walk(block: object) -> None:
        terms.extend(getattr(block, "keywords", []))
        for name in ("any", "all", "none"):
            for child in getattr(block, name) or []:
                walk(child)

    for topic in load_config(SHIPPED_CONFIG).model.topics:
        walk(topic.match)
    return terms


def test_fast_path_finds_exactly_what_a_full_search_finds() -> None:
    """The pre-filter is an optimisation only: on 102 real papers, every phrase of the
    shipped config and some tricky ones match exactly where a plain search finds them."""
    loaded = load_config(SHIPPED_CONFIG)
    papers = seed_papers() + collect_papers(build_sources(loaded), dt.date(2025, 10, 3)).papers
    fields = ("title", "abstract", "keywords")
    for term in sorted(set(_shipped_terms() + TRICKY_TERMS)):
        condition = KeywordCondition("r", [term], fields)
        phrase = compile_phrase(term)
        for item in papers:
            doc = PaperText(item, condition.anchors)
            outcome = condition.evaluate(doc)
            fast = {h.field for h in outcome.hits} if outcome else set()
            slow = {f for f in fields if next(phrase.spans(doc.lowered(f)), None) is not None}
            assert fast == slow, (term, item.id)
