"""Each condition type and combinator of a ``match:`` block, on hand-made papers."""

from __future__ import annotations

import pytest

from newsletter.topics.rules import required_literal
from tests.topics.helpers import evaluate, matches, paper

FLOW = paper(
    "2501.00001",
    title="Rectified Flow Models for Text-to-Image Synthesis",
    abstract="We study diffusion models and flow matching. Diffusion is slow.",
    upvotes=12,
    keywords=("flow matching", "Rectified Flows", "text-to-image"),
    categories=("cs.CV", "cs.LG"),
    authors=("José García", "Yann LeCun", "Lisa Chen"),
)


# keywords ---------------------------------------------------------------------------------


def test_keywords_any_entry_may_hit() -> None:
    assert matches({"keywords": ["quantization", "flow matching"]}, FLOW)
    assert not matches({"keywords": ["quantization", "pruning"]}, FLOW)


def test_keywords_weigh_title_3_keywords_2_abstract_1() -> None:
    outcome = evaluate({"keywords": ["flow matching"]}, FLOW)
    assert outcome is not None
    assert {(h.field, h.weight) for h in outcome.hits} == {("abstract", 1.0), ("keywords", 2.0)}
    assert outcome.score == 3.0
    title_hit = evaluate({"keywords": ["rectified flow"]}, FLOW)
    assert title_hit is not None and title_hit.score == 3.0 + 2.0  # title + HF keyword


def test_keywords_fields_choose_where_to_search() -> None:
    assert not matches({"keywords": ["diffusion"], "fields": ["title"]}, FLOW)
    assert matches({"keywords": ["diffusion"], "fields": ["abstract"]}, FLOW)
    outcome = evaluate({"keywords": ["text to image"], "fields": ["title", "keywords"]}, FLOW)
    assert outcome is not None
    assert [(h.field, h.text) for h in outcome.hits] == [
        ("title", "Text-to-Image"),
        ("keywords", "text-to-image"),
    ]


def test_a_hit_names_its_rule_path_term_and_text() -> None:
    outcome = evaluate({"any": [{"regex": "zzz"}, {"keywords": ["rectified flows"]}]}, FLOW)
    assert outcome is not None
    hit = outcome.hits[0]
    assert hit.rule == "topics[0].match.any[1].keywords"
    assert (hit.field, hit.term, hit.text) == ("title", "rectified flows", "Rectified Flow")


# regex ------------------------------------------------------------------------------------


def test_regex_is_case_insensitive_and_reports_the_original_text() -> None:
    outcome = evaluate({"regex": [r"rectified\s+flows?"], "fields": ["title"]}, FLOW)
    assert outcome is not None
    assert [(h.field, h.text) for h in outcome.hits] == [("title", "Rectified Flow")]


def test_regex_with_capitals_and_case_sensitive_group() -> None:
    assert matches({"regex": [r"\bDiffusion is\b"]}, FLOW)
    assert not matches({"regex": [r"(?-i:DIFFUSION)"]}, FLOW)
    assert matches({"regex": [r"(?-i:Diffusion)"]}, FLOW)


def test_regex_searches_only_the_chosen_fields() -> None:
    assert not matches({"regex": ["slow"], "fields": ["title", "keywords"]}, FLOW)
    assert matches({"regex": ["slow"], "fields": ["abstract"]}, FLOW)


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"\byield\w*", "yield"),
        (r"diffusion\s+models?", "diffusion"),
        ("gauss(ian)?", "gauss"),
        ("abc?d", None),  # "ab" is too short to be worth it
        ("foo|barbaz", None),  # alternation: nothing is certain
        ("(?x) a b c d", None),  # inline flags change what characters mean
        ("[]abcd]xy", None),  # the run inside the class is not required
        (r"x[\]abc]yyyy", "yyyy"),
        ("Upper", "upper"),
    ],
)
def test_required_literal_is_conservative(pattern: str, literal: str | None) -> None:
    assert required_literal(pattern) == literal


# categories, authors, HF keywords, upvotes ------------------------------------------------


def test_categories_exact_or_whole_archive() -> None:
    assert matches({"categories": ["cs.cv"]}, FLOW)
    assert matches({"categories": ["cs.*"]}, FLOW)
    assert not matches({"categories": ["stat.ML", "stat.*"]}, FLOW)
    assert not matches({"categories": ["cs.C"]}, FLOW)
    outcome = evaluate({"categories": ["cs.*"]}, FLOW)
    assert outcome is not None and [h.text for h in outcome.hits] == ["cs.CV", "cs.LG"]


@pytest.mark.parametrize("name", ["Yann LeCun", "yann  lecun", "LeCun", "Jose Garcia", "GARCÍA"])
def test_authors_match_full_or_part_of_a_name(name: str) -> None:
    assert matches({"authors": [name]}, FLOW)


@pytest.mark.parametrize("name", ["Li", "Yann Le", "Chen Lisa", "Cun"])
def test_authors_match_on_word_boundaries_only(name: str) -> None:
    assert not matches({"authors": [name]}, FLOW)


def test_ai_keywords_compare_whole_tags() -> None:
    assert matches({"ai_keywords": ["rectified flow"]}, FLOW)  # plural-tolerant
    assert matches({"ai_keywords": ["Text to Image"]}, FLOW)
    assert not matches({"ai_keywords": ["flow"]}, FLOW)  # part of a tag is not the tag
    outcome = evaluate({"ai_keywords": ["flow matching"]}, FLOW)
    assert outcome is not None
    assert [(h.field, h.text, h.weight) for h in outcome.hits] == [
        ("ai_keywords", "flow matching", 2.0)
    ]


def test_min_upvotes_is_a_threshold_without_score() -> None:
    assert matches({"min_upvotes": 12}, FLOW)
    assert not matches({"min_upvotes": 13}, FLOW)
    assert not matches({"min_upvotes": 1}, paper(upvotes=None))
    outcome = evaluate({"keywords": ["diffusion"], "min_upvotes": 5}, FLOW)
    assert outcome is not None and outcome.score == 1.0


# combinators ------------------------------------------------------------------------------


def test_conditions_side_by_side_must_all_hold() -> None:
    assert matches({"keywords": ["diffusion"], "categories": ["cs.CV"]}, FLOW)
    assert not matches({"keywords": ["diffusion"], "categories": ["cs.CL"]}, FLOW)


def test_any_holds_when_one_branch_holds_and_adds_their_scores() -> None:
    rule = {"any": [{"keywords": ["quantization"]}, {"categories": ["cs.LG"]}]}
    assert matches(rule, FLOW)
    both = evaluate({"any": [{"keywords": ["diffusion"]}, {"categories": ["cs.LG"]}]}, FLOW)
    assert both is not None and both.score == 1.0 + 1.0
    assert not matches({"any": [{"keywords": ["pruning"]}, {"categories": ["cs.CL"]}]}, FLOW)


def test_all_needs_every_branch() -> None:
    assert matches({"all": [{"keywords": ["diffusion"]}, {"authors": ["LeCun"]}]}, FLOW)
    assert not matches({"all": [{"keywords": ["diffusion"]}, {"authors": ["Hinton"]}]}, FLOW)


def test_none_excludes() -> None:
    rule = {"keywords": ["diffusion"], "none": [{"keywords": ["survey"]}, {"min_upvotes": 50}]}
    assert matches(rule, FLOW)
    assert not matches(rule, paper(title="Diffusion models: a survey"))
    assert not matches(rule, paper(title="Diffusion", upvotes=60))
    assert matches({"none": [{"keywords": ["survey"]}]}, FLOW)  # alone: everything else


def test_nested_blocks_inherit_fields_unless_they_set_their_own() -> None:
    rule = {
        "fields": ["title"],
        "all": [{"keywords": ["flow"]}, {"any": [{"keywords": ["slow"], "fields": ["abstract"]}]}],
    }
    assert matches(rule, FLOW)
    assert not matches({"fields": ["title"], "all": [{"keywords": ["slow"]}]}, FLOW)


def test_deeply_nested_rule_reports_each_hit_with_its_path() -> None:
    rule = {
        "all": [
            {"any": [{"keywords": ["nothing here"]}, {"categories": ["cs.CV"]}]},
            {"none": [{"authors": ["Hinton"]}]},
        ]
    }
    outcome = evaluate(rule, FLOW)
    assert outcome is not None
    assert [h.rule for h in outcome.hits] == ["topics[0].match.all[0].any[1].categories"]
