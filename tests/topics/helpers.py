"""Small builders shared by the topic tests: papers, topic configs, a rule evaluated on a paper."""

from __future__ import annotations

import datetime as dt
from typing import Any

from newsletter.config.models import GroupingConfig, MatchConfig, TopicConfig
from newsletter.models import Paper
from newsletter.topics.grouping import compile_topics, group_compiled
from newsletter.topics.rules import MatchOutcome, compile_match
from newsletter.topics.terms import PaperText


def paper(
    pid: str = "p1",
    title: str = "A paper",
    abstract: str = "",
    *,
    upvotes: int | None = None,
    keywords: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    authors: tuple[str, ...] = (),
    published: str | None = None,
) -> Paper:
    return Paper(
        id=pid,
        title=title,
        abstract=abstract,
        upvotes=upvotes,
        ai_keywords=keywords,
        categories=categories,
        authors=authors,
        published_at=dt.datetime.fromisoformat(published) if published else None,
    )


def topic(name: str, match: dict[str, Any], **extra: Any) -> TopicConfig:
    return TopicConfig.model_validate({"name": name, "match": match, **extra})


def evaluate(match: dict[str, Any], target: Paper) -> MatchOutcome | None:
    """Compile one ``match:`` block and evaluate it on one paper, as grouping does."""
    condition = compile_match(MatchConfig.model_validate(match), "topics[0].match")
    return condition.evaluate(PaperText(target, condition.anchors))


def matches(match: dict[str, Any], target: Paper) -> bool:
    return evaluate(match, target) is not None


def group(papers: list[Paper], topics: list[TopicConfig], **grouping: Any) -> dict[str, list[str]]:
    """Section name -> paper ids, in display order."""
    sections = group_compiled(
        papers, compile_topics(topics), GroupingConfig.model_validate(grouping)
    )
    return {s.topic.name: [p.id for p in s.papers] for s in sections}
