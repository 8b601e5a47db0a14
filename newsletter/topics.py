"""Group papers into topic sections by the rules in the config. Pure: no I/O.

The walking skeleton matches keywords case-insensitively on word boundaries in the title,
abstract and HF keywords; a title hit weighs more than an abstract hit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsletter.config.models import GroupingConfig, TopicConfig
from newsletter.models import Paper, Section, Topic

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
ABSTRACT_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class CompiledTopic:
    topic: Topic
    pattern: re.Pattern[str] | None
    max_papers: int | None


def compile_topics(configs: Sequence[TopicConfig]) -> list[CompiledTopic]:
    """Compile every rule once, not per paper."""
    compiled = []
    for config in configs:
        words = [_keyword_regex(k) for k in config.match.keywords if k.strip()]
        pattern = re.compile("|".join(words), re.IGNORECASE) if words else None
        topic = Topic(name=config.name, description=config.description, emoji=config.emoji)
        compiled.append(CompiledTopic(topic, pattern, config.max_papers))
    return compiled


def _keyword_regex(keyword: str) -> str:
    # Hyphens and spaces are interchangeable; a trailing plural "s" is tolerated.
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", keyword.strip())]
    return r"(?<!\w)" + r"[\s\-]+".join(parts) + r"(?:s|es)?(?!\w)"


def score(rule: CompiledTopic, paper: Paper) -> float:
    """Relevance of a paper to a topic; 0 means no match."""
    if rule.pattern is None:
        return 0.0
    total = TITLE_WEIGHT * len(rule.pattern.findall(paper.title))
    total += KEYWORD_WEIGHT * sum(1 for k in paper.ai_keywords if rule.pattern.search(k))
    total += ABSTRACT_WEIGHT * len(rule.pattern.findall(paper.abstract))
    return total


def group_by_topic(
    papers: Sequence[Paper], topics: Sequence[TopicConfig], grouping: GroupingConfig
) -> list[Section]:
    """Sections in config order, then the catch-all; empty sections are left out."""
    rules = compile_topics(topics)
    scored: dict[str, list[tuple[float, Paper]]] = {r.topic.name: [] for r in rules}
    unmatched: list[Paper] = []
    for paper in papers:
        hits = [(s, r) for r in rules if (s := score(r, paper)) > 0]
        if not hits:
            unmatched.append(paper)
        for value, rule in hits if grouping.membership == "multi" else hits[:1]:
            scored[rule.topic.name].append((value, paper))
    sections = [_section(rule, scored[rule.topic.name]) for rule in rules]
    if grouping.catch_all and unmatched:
        catch_all = Topic(name=grouping.catch_all, description="Papers no topic rule matched.")
        sections.append(Section(topic=catch_all, papers=sorted(unmatched, key=_by_upvotes)))
    return [s for s in sections if s.papers]


def _by_upvotes(paper: Paper) -> tuple[int, str]:
    return (-(paper.upvotes or 0), paper.id)


def _section(rule: CompiledTopic, entries: list[tuple[float, Paper]]) -> Section:
    # Deterministic: relevance plus upvotes, then id, so the same input gives the same issue.
    ordered = sorted(entries, key=lambda e: (-(e[0] + (e[1].upvotes or 0) / 10), e[1].id))
    papers = [p for _, p in ordered]
    limit = rule.max_papers
    if limit is not None and len(papers) > limit:
        return Section(topic=rule.topic, papers=papers[:limit], hidden=len(papers) - limit)
    return Section(topic=rule.topic, papers=papers)


def filter_sections(sections: Sequence[Section], wanted: frozenset[str] | None) -> list[Section]:
    """The sections one reader chose (``None`` means all)."""
    if wanted is None:
        return list(sections)
    return [s for s in sections if s.topic.name in wanted]
