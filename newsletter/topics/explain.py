"""Why each paper landed where it did: the data behind ``newsletter topics explain``.

The explanation is computed by the same code that groups the issue (``place_paper`` and
``build_sections``), so what it shows is what readers get.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from newsletter.config.models import GroupingConfig, TopicConfig
from newsletter.models import Paper, Section
from newsletter.profiles.similarity import Profile
from newsletter.topics.grouping import (
    Match,
    Placement,
    RuleSet,
    build_sections,
    compile_topics,
    place_papers,
)
from newsletter.topics.rules import DEFAULT_FIELDS as FIELDS
from newsletter.topics.rules import Hit, similar_conditions
from newsletter.topics.terms import PaperText


@dataclass(frozen=True, slots=True)
class TopicCount:
    name: str
    matched: int  # papers placed under the topic
    shown: int  # of those, in the email
    hidden: int  # cut by max_papers (the email says "N more")
    catch_all: bool = False


@dataclass(frozen=True, slots=True)
class Nearest:
    """A paper's nearest profile paper for one ``similar_to`` rule."""

    rule: str
    paper_id: str
    title: str
    score: float
    threshold: float

    def __str__(self) -> str:
        verdict = "matches" if self.score >= self.threshold else "below"
        return (
            f'{self.rule}: nearest {self.paper_id} "{self.title}", similarity {self.score:.2f}'
            f" ({verdict} threshold {self.threshold:g})"
        )


@dataclass(frozen=True, slots=True)
class Explanation:
    membership: str
    catch_all: str | None
    placements: list[Placement]
    sections: list[Section]
    counts: list[TopicCount]
    # (topic, paper id) -> each similar_to verdict, matched or not: "the nearest is X at 0.12"
    similarity: Mapping[tuple[str, str], list[Nearest]] = field(default_factory=dict)

    @property
    def unmatched(self) -> list[Paper]:
        return [p.paper for p in self.placements if not p.placed]

    def hidden_ids(self) -> set[tuple[str, str]]:
        """(topic, paper id) pairs placed under a topic but beyond its ``max_papers``."""
        shown = {(s.topic.name, p.id) for s in self.sections for p in s.papers}
        return {
            (m.topic.topic.name, m.paper.id)
            for placement in self.placements
            for m in placement.placed
            if (m.topic.topic.name, m.paper.id) not in shown
        }

    def find(self, paper_id: str) -> Placement | None:
        wanted = paper_id.strip().lower()
        for placement in self.placements:
            paper = placement.paper
            if wanted in {paper.id.lower(), (paper.arxiv_id or "").lower()}:
                return placement
        return None


def explain(
    papers: Sequence[Paper],
    topics: Sequence[TopicConfig],
    grouping: GroupingConfig,
    profiles: Mapping[str, Profile] | None = None,
) -> Explanation:
    """Group the papers as the issue would, keeping every topic each paper matched."""
    rules = compile_topics(topics, profiles)
    placements = [
        _with_original_text(p)
        for p in place_papers(papers, rules, grouping.membership, every_topic=True)
    ]
    sections = build_sections(placements, rules, grouping)
    by_name = {s.topic.name: s for s in sections}
    counts = []
    for rule in rules:
        section = by_name.get(rule.topic.name)
        shown, hidden = (len(section.papers), section.hidden) if section else (0, 0)
        counts.append(TopicCount(rule.topic.name, shown + hidden, shown, hidden))
    unmatched = sum(1 for p in placements if not p.placed)
    if grouping.catch_all:
        counts.append(TopicCount(grouping.catch_all, unmatched, unmatched, 0, catch_all=True))
    similarity = _similarity(rules, placements)
    return Explanation(
        grouping.membership, grouping.catch_all, placements, sections, counts, similarity
    )


def _similarity(
    rules: RuleSet, placements: Sequence[Placement]
) -> dict[tuple[str, str], list[Nearest]]:
    verdicts: dict[tuple[str, str], list[Nearest]] = {}
    for rule in rules:
        for condition in similar_conditions(rule.condition):
            for placement in placements:
                found = condition.similarity(placement.paper)
                nearest = Nearest(
                    condition.rule,
                    found.nearest.id,
                    found.nearest.title,
                    found.score,
                    condition.threshold,
                )
                verdicts.setdefault((rule.topic.name, placement.paper.id), []).append(nearest)
    return verdicts


def _with_original_text(placement: Placement) -> Placement:
    """One-word hits carry the word in lowercase (grouping never needs more); show the
    operator the word as the paper writes it."""
    matches = {
        id(m): replace(m, hits=tuple(_original(h, m.paper) for h in m.hits))
        for m in placement.matches
    }
    return Placement(
        placement.paper,
        [matches[id(m)] for m in placement.matches],
        [matches[id(m)] for m in placement.placed],
    )


def _original(hit: Hit, paper: Paper) -> Hit:
    if hit.field not in FIELDS or hit.text != hit.text.lower():
        return hit
    text = PaperText(paper, frozenset()).original(hit.field)
    found = re.search(rf"(?<!\w){re.escape(hit.text)}(?!\w)", text, re.IGNORECASE)
    return replace(hit, text=found.group()) if found else hit


def matched_words(hits: Sequence[Hit]) -> list[str]:
    """``title: "video generation"`` style labels, one per distinct hit."""
    seen: dict[str, None] = {}
    for hit in hits:
        if hit.field == "similar_to":  # the term names the nearest profile paper
            paper_id, _, title = hit.term.partition(": ")
            seen.setdefault(f'nearest {paper_id} "{title}", similarity {hit.text}', None)
        else:
            seen.setdefault(f'{hit.field}: "{hit.text}"', None)
    return list(seen)


def rules_used(hits: Sequence[Hit]) -> list[str]:
    return list(dict.fromkeys(h.rule for h in hits))


def match_to_dict(match: Match) -> dict[str, Any]:
    return {
        "topic": match.topic.topic.name,
        "score": round(match.score, 3),
        "relevance": round(match.relevance, 3),
        "hits": [
            {"rule": h.rule, "field": h.field, "term": h.term, "text": h.text, "weight": h.weight}
            for h in match.hits
        ],
    }


def _nearest_json(explanation: Explanation, paper_id: str) -> list[dict[str, Any]]:
    return [
        {
            "topic": topic,
            "rule": n.rule,
            "nearest": n.paper_id,
            "nearest_title": n.title,
            "similarity": n.score,
            "threshold": n.threshold,
        }
        for (topic, listed), found in explanation.similarity.items()
        if listed == paper_id
        for n in found
    ]


def to_json(explanation: Explanation) -> dict[str, Any]:
    """A stable, documented shape for scripts (see docs/topics.md)."""
    hidden = explanation.hidden_ids()
    papers = []
    for placement in explanation.placements:
        paper = placement.paper
        placed = [m.topic.topic.name for m in placement.placed]
        entry: dict[str, Any] = {
            "id": paper.id,
            "title": paper.title,
            "upvotes": paper.upvotes,
            "topics": placed or ([explanation.catch_all] if explanation.catch_all else []),
            "matched": bool(placed),
            "hidden_in": [t for t in placed if (t, paper.id) in hidden],
            "matches": [match_to_dict(m) for m in placement.matches],
        }
        nearest = _nearest_json(explanation, paper.id)
        papers.append(entry | ({"similar_to": nearest} if nearest else {}))
    return {
        "membership": explanation.membership,
        "catch_all": explanation.catch_all,
        "papers": papers,
        "counts": [
            {"topic": c.name, "papers": c.matched, "shown": c.shown, "hidden": c.hidden}
            | ({"catch_all": True} if c.catch_all else {})
            for c in explanation.counts
        ],
        "unmatched": [{"id": p.id, "title": p.title} for p in explanation.unmatched],
    }
