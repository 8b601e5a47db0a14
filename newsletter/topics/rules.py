"""A topic's ``match:`` block compiled into a tree of conditions, evaluated per paper.

Semantics: the conditions written in one block must all hold; inside one list (``keywords``,
``categories``, ...) any entry may hit; ``any`` holds when at least one sub-block holds, ``all``
when every sub-block holds, ``none`` when no sub-block holds. A condition that holds returns an
``Outcome``: a score (the sum of the weights of its hits) and the hits themselves, each naming
the rule's key path, the field and the words that matched, so ``topics explain`` can show why.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from newsletter.config.models import MatchConfig
from newsletter.topics.terms import PaperText, Phrase, compile_phrase

# A title hit says more about a paper than a tag, and a tag more than a passing mention.
FIELD_WEIGHTS = {"title": 3.0, "keywords": 2.0, "abstract": 1.0}
AI_KEYWORD_WEIGHT = 2.0
AUTHOR_WEIGHT = 2.0
CATEGORY_WEIGHT = 1.0
DEFAULT_FIELDS = ("title", "abstract", "keywords")


@dataclass(frozen=True, slots=True)
class Hit:
    """One thing that matched: where in the rule, in which field, which term, what text."""

    rule: str  # key path of the condition, as in config errors: topics[0].match.any[1].keywords
    field: str  # title, abstract, keywords, ai_keywords, categories, authors, upvotes
    term: str  # the configured entry
    text: str  # what the paper says
    weight: float


@dataclass(frozen=True, slots=True)
class Outcome:
    score: float
    hits: tuple[Hit, ...]


HELD = Outcome(0.0, ())


class Condition(ABC):
    """A compiled condition; ``evaluate`` returns ``None`` when it does not hold."""

    @abstractmethod
    def evaluate(self, doc: PaperText) -> Outcome | None: ...


class KeywordCondition(Condition):
    def __init__(self, rule: str, terms: Sequence[str], fields: Sequence[str]) -> None:
        self.rule = rule
        self.fields = tuple(fields)
        self.phrases = [compile_phrase(t) for t in terms]
        self.anchors = frozenset().union(*(p.anchors for p in self.phrases))
        self.always = any(not p.anchors for p in self.phrases)

    def evaluate(self, doc: PaperText) -> Outcome | None:
        if not self.always and self.anchors.isdisjoint(doc.words):
            return None
        words = doc.words
        hits = [
            Hit(self.rule, name, phrase.term, text, FIELD_WEIGHTS[name])
            for phrase in self.phrases
            if not phrase.anchors or not phrase.anchors.isdisjoint(words)
            for name in self.fields
            if (text := _find(phrase, doc, name)) is not None
        ]
        return _outcome(hits)


def _find(phrase: Phrase, doc: PaperText, name: str) -> str | None:
    lowered = doc.lowered(name)
    for start, end in phrase.spans(lowered):
        original = doc.original(name)
        # lower() keeps positions except for a few exotic letters; show the reader's text.
        return original[start:end] if len(original) == len(lowered) else lowered[start:end]
    return None


class AiKeywordCondition(Condition):
    """HF AI keyword tags, each compared whole (case, hyphen and plural tolerant)."""

    def __init__(self, rule: str, terms: Sequence[str]) -> None:
        self.rule = rule
        self.phrases = [compile_phrase(t) for t in terms]

    def evaluate(self, doc: PaperText) -> Outcome | None:
        hits = [
            Hit(self.rule, "ai_keywords", phrase.term, original, AI_KEYWORD_WEIGHT)
            for phrase in self.phrases
            for lowered, original in zip(doc.keyword_list, doc.paper.ai_keywords, strict=True)
            if phrase.fullmatch(lowered)
        ]
        return _outcome(hits)


class RegexCondition(Condition):
    """Python regular expressions, case-insensitive unless the pattern says ``(?-i:...)``."""

    def __init__(self, rule: str, patterns: Sequence[str], fields: Sequence[str]) -> None:
        self.rule = rule
        self.fields = tuple(fields)
        self.patterns = [(p, re.compile(p, re.IGNORECASE)) for p in patterns]

    def evaluate(self, doc: PaperText) -> Outcome | None:
        hits = [
            Hit(self.rule, name, source, m.group(), FIELD_WEIGHTS[name])
            for source, pattern in self.patterns
            for name in self.fields
            if (m := pattern.search(doc.original(name))) is not None
        ]
        return _outcome(hits)


class CategoryCondition(Condition):
    """arXiv categories: ``cs.CV`` exactly, or ``cs.*`` for a whole archive."""

    def __init__(self, rule: str, categories: Sequence[str]) -> None:
        self.rule = rule
        self.entries = [(c, c.lower().removesuffix("*")) for c in categories]

    def evaluate(self, doc: PaperText) -> Outcome | None:
        hits = [
            Hit(self.rule, "categories", entry, category, CATEGORY_WEIGHT)
            for entry, wanted in self.entries
            for category in doc.paper.categories
            if (category.lower() == wanted)
            or (wanted.endswith(".") and category.lower().startswith(wanted))
        ]
        return _outcome(hits)


def normalize_name(name: str) -> str:
    """Case, accents and spacing do not matter: "José  García" ~ "jose garcia"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace(".", ". ").split())


class AuthorCondition(Condition):
    """Author names: a full name, or a part of one on word boundaries ("LeCun")."""

    def __init__(self, rule: str, names: Sequence[str]) -> None:
        self.rule = rule
        self.names = [
            (n, re.compile(r"(?<!\w)" + re.escape(normalize_name(n)) + r"(?!\w)")) for n in names
        ]

    def evaluate(self, doc: PaperText) -> Outcome | None:
        hits = [
            Hit(self.rule, "authors", name, author, AUTHOR_WEIGHT)
            for name, pattern in self.names
            for author in doc.paper.authors
            if pattern.search(normalize_name(author))
        ]
        return _outcome(hits)


class UpvotesCondition(Condition):
    """A threshold, not evidence of topic: it holds or not and adds nothing to the score."""

    def __init__(self, rule: str, minimum: int) -> None:
        self.rule = rule
        self.minimum = minimum

    def evaluate(self, doc: PaperText) -> Outcome | None:
        upvotes = doc.paper.upvotes or 0
        if upvotes < self.minimum:
            return None
        return Outcome(0.0, (Hit(self.rule, "upvotes", f">= {self.minimum}", str(upvotes), 0.0),))


class AllOf(Condition):
    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = tuple(children)

    def evaluate(self, doc: PaperText) -> Outcome | None:
        outcomes = []
        for child in self.children:
            outcome = child.evaluate(doc)
            if outcome is None:
                return None
            outcomes.append(outcome)
        return _merge(outcomes)


class AnyOf(Condition):
    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = tuple(children)

    def evaluate(self, doc: PaperText) -> Outcome | None:
        # Every branch is evaluated: each hit adds to the relevance score.
        outcomes = [o for child in self.children if (o := child.evaluate(doc)) is not None]
        return _merge(outcomes) if outcomes else None


class NoneOf(Condition):
    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = tuple(children)

    def evaluate(self, doc: PaperText) -> Outcome | None:
        return None if any(c.evaluate(doc) is not None for c in self.children) else HELD


def _outcome(hits: list[Hit]) -> Outcome | None:
    return Outcome(sum(h.weight for h in hits), tuple(hits)) if hits else None


def _merge(outcomes: Sequence[Outcome]) -> Outcome:
    if len(outcomes) == 1:
        return outcomes[0]
    return Outcome(sum(o.score for o in outcomes), tuple(h for o in outcomes for h in o.hits))


def compile_match(
    config: MatchConfig, rule: str, fields: Sequence[str] = DEFAULT_FIELDS
) -> Condition:
    """Compile one block; ``rule`` is its key path, ``fields`` what its parent searches."""
    fields = tuple(config.fields or fields)
    children: list[Condition] = []
    # Cheap, selective conditions first: a block fails at its first failing condition.
    if config.min_upvotes is not None:
        children.append(UpvotesCondition(f"{rule}.min_upvotes", config.min_upvotes))
    if config.categories:
        children.append(CategoryCondition(f"{rule}.categories", config.categories))
    if config.authors:
        children.append(AuthorCondition(f"{rule}.authors", config.authors))
    if config.ai_keywords:
        children.append(AiKeywordCondition(f"{rule}.ai_keywords", config.ai_keywords))
    if config.keywords:
        children.append(KeywordCondition(f"{rule}.keywords", config.keywords, fields))
    if config.regex:
        children.append(RegexCondition(f"{rule}.regex", config.regex, fields))
    for name, combinator in (("any", AnyOf), ("all", AllOf), ("none", NoneOf)):
        blocks = getattr(config, name) or []
        if blocks:
            nested = [compile_match(b, f"{rule}.{name}[{i}]", fields) for i, b in enumerate(blocks)]
            children.append(combinator(nested))
    return children[0] if len(children) == 1 else AllOf(children)
