"""Place papers into topics and rank each topic's papers. Pure: no I/O.

``first`` membership puts a paper under the first topic (in config order) whose rule holds;
``multi`` under every such topic. Papers no rule takes go to the catch-all section, or are
dropped when ``grouping.catch_all`` is null. Inside a topic papers are ordered by the topic's
``sort``; every order ends with the paper id, so the same input always gives the same issue.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from newsletter.config.models import GroupingConfig, TopicConfig, TopicSort
from newsletter.models import Paper, Section, Topic
from newsletter.profiles.similarity import Profile
from newsletter.topics.rules import Condition, Hit, compile_match, similar_conditions
from newsletter.topics.terms import PaperText

# An upvote is a reader's vote for the paper, not for the topic: it counts, but with
# diminishing returns (40 upvotes ~ one title hit), so it orders papers of equal evidence.
UPVOTE_WEIGHT = 1.0
CATCH_ALL_DESCRIPTION = "Papers no topic rule matched."
SIMILAR_TITLE_CHARS = 48  # "similar to <title>" in the why-line: enough to recognise the paper


@dataclass(frozen=True, slots=True)
class CompiledTopic:
    """A topic with its rule compiled once, reused for every paper."""

    index: int
    topic: Topic
    condition: Condition
    max_papers: int | None
    sort: TopicSort


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every topic compiled, plus every word a phrase can start with (see ``terms``)."""

    topics: tuple[CompiledTopic, ...]
    anchors: frozenset[str]

    def prime(self, papers: Sequence[Paper]) -> None:
        """Score the day's papers against every ``similar_to`` profile at once."""
        for rule in self.topics:
            for condition in similar_conditions(rule.condition):
                condition.prime(papers)

    def __iter__(self) -> Iterator[CompiledTopic]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)


@dataclass(frozen=True, slots=True)
class Match:
    """One paper under one topic: the rule's score, the relevance used for ranking, the hits."""

    topic: CompiledTopic
    paper: Paper
    score: float
    relevance: float
    hits: tuple[Hit, ...]


@dataclass(slots=True)
class Placement:
    """Where one paper went. ``matches`` holds every topic evaluated that matched."""

    paper: Paper
    matches: list[Match] = field(default_factory=list)
    placed: list[Match] = field(default_factory=list)


def compile_topics(
    configs: Sequence[TopicConfig], profiles: Mapping[str, Profile] | None = None
) -> RuleSet:
    """Compile every rule once, not per paper; ``profiles`` from ``build_profiles``."""
    topics = tuple(
        CompiledTopic(
            index=i,
            topic=Topic(name=c.name, description=c.description, emoji=c.emoji),
            condition=compile_match(c.match, f"topics[{i}].match", profiles=profiles),
            max_papers=c.max_papers,
            sort=c.sort,
        )
        for i, c in enumerate(configs)
    )
    anchors = frozenset().union(*(t.condition.anchors for t in topics))
    return RuleSet(topics, anchors)


def relevance(score: float, paper: Paper) -> float:
    return score + UPVOTE_WEIGHT * math.log1p(max(paper.upvotes or 0, 0))


def place_paper(
    paper: Paper, rules: RuleSet, membership: str, *, every_topic: bool = False
) -> Placement:
    """Evaluate the rules for one paper. With ``first`` membership evaluation stops at the
    first match unless ``every_topic`` asks for all of them (``topics explain`` does)."""
    doc = PaperText(paper, rules.anchors)
    placement = Placement(paper)
    for rule in rules.topics:
        requires = rule.condition.requires
        if requires is not None and requires.isdisjoint(doc.present_anywhere):
            continue  # none of the words this rule needs occurs in the paper
        outcome = rule.condition.evaluate(doc)
        if outcome is None:
            continue
        match = Match(rule, paper, outcome.score, relevance(outcome.score, paper), outcome.hits)
        placement.matches.append(match)
        if membership == "multi" or not placement.placed:
            placement.placed.append(match)
        if membership == "first" and not every_topic:
            break
    return placement


def place_papers(
    papers: Sequence[Paper],
    rules: RuleSet,
    membership: str,
    *,
    every_topic: bool = False,
) -> list[Placement]:
    rules.prime(papers)
    return [place_paper(p, rules, membership, every_topic=every_topic) for p in papers]


def build_sections(
    placements: Sequence[Placement], rules: RuleSet, grouping: GroupingConfig
) -> list[Section]:
    """Sections in config order, then the catch-all; empty sections are left out."""
    by_topic: dict[int, list[Match]] = {rule.index: [] for rule in rules}
    for placement in placements:
        for match in placement.placed:
            by_topic[match.topic.index].append(match)
    sections = [_section(rule, by_topic[rule.index]) for rule in rules]
    unmatched = [p.paper for p in placements if not p.placed]
    if grouping.catch_all and unmatched:
        catch_all = Topic(name=grouping.catch_all, description=CATCH_ALL_DESCRIPTION)
        sections.append(Section(topic=catch_all, papers=sorted(unmatched, key=_by_upvotes)))
    return [s for s in sections if s.papers]


def group_compiled(
    papers: Sequence[Paper], rules: RuleSet, grouping: GroupingConfig
) -> list[Section]:
    """``group_by_topic`` for rules compiled beforehand (a scheduler or a benchmark)."""
    return build_sections(place_papers(papers, rules, grouping.membership), rules, grouping)


def group_by_topic(
    papers: Sequence[Paper],
    topics: Sequence[TopicConfig],
    grouping: GroupingConfig,
    profiles: Mapping[str, Profile] | None = None,
) -> list[Section]:
    """The issue's sections: configured topics in order, then the catch-all."""
    return group_compiled(papers, compile_topics(topics, profiles), grouping)


def filter_sections(sections: Sequence[Section], wanted: frozenset[str] | None) -> list[Section]:
    """The sections one reader chose (``None`` means all)."""
    if wanted is None:
        return list(sections)
    return [s for s in sections if s.topic.name in wanted or s.for_everyone]


def rank(matches: Sequence[Match], sort: TopicSort) -> list[Match]:
    """Order one topic's papers; ties always end on the paper id."""
    return sorted(matches, key=SORT_KEYS[sort])


def _section(rule: CompiledTopic, matches: list[Match]) -> Section:
    ranked = rank(matches, rule.sort)
    papers = [m.paper for m in ranked]
    reasons = {m.paper.id: reason_terms(m.hits) for m in ranked}
    limit = rule.max_papers
    if limit is not None and len(papers) > limit:
        # Never dropped silently: the section says how many more there were.
        hidden = len(papers) - limit
        return Section(rule.topic, papers[:limit], hidden=hidden, reasons=reasons)
    return Section(topic=rule.topic, papers=papers, reasons=reasons)


def reason_terms(hits: Sequence[Hit]) -> tuple[str, ...]:
    """What placed a paper under a topic, in rule order, each term once: the configured
    entry, except a regex (its source reads as noise: the text it found is shown), an
    upvote floor ("≥ 50 upvotes") and a ``similar_to`` profile (its nearest paper's title)."""
    labels: dict[str, None] = {}
    for hit in hits:
        labels.setdefault(reason_label(hit), None)
    return tuple(labels)


def reason_label(hit: Hit) -> str:
    if hit.field == "upvotes":
        return f"{hit.term.replace('>=', '≥')} upvotes"
    if hit.rule.rsplit(".", 1)[-1].startswith("regex"):
        return hit.text
    if hit.field == "similar_to":
        title = hit.term.split(": ", 1)[-1]  # the term is "<id>: <title>"
        return "similar to " + textwrap.shorten(title, SIMILAR_TITLE_CHARS, placeholder="…")
    return hit.term


def _upvotes(paper: Paper) -> int:
    return paper.upvotes or 0


def _by_upvotes(paper: Paper) -> tuple[int, str]:
    return (-_upvotes(paper), paper.id)


def _timestamp(paper: Paper) -> float:
    """Newest first; a paper without a date sorts after every dated one."""
    if paper.published_at is not None:
        when = paper.published_at
        return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()
    if paper.listed_on is not None:
        return dt.datetime.combine(paper.listed_on, dt.time(), tzinfo=dt.UTC).timestamp()
    return -math.inf


SortKey = Callable[[Match], tuple[float, float, str]]
SORT_KEYS: dict[str, SortKey] = {
    "relevance": lambda m: (-round(m.relevance, 9), -_upvotes(m.paper), m.paper.id),
    "upvotes": lambda m: (-_upvotes(m.paper), -round(m.relevance, 9), m.paper.id),
    "date": lambda m: (-_timestamp(m.paper), -round(m.relevance, 9), m.paper.id),
}
