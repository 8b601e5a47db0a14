"""A topic's ``match:`` block compiled into a tree of conditions, evaluated per paper.

Semantics: the conditions written in one block must all hold; inside one list (``keywords``,
``categories``, ...) any entry may hit; ``any`` holds when at least one sub-block holds, ``all``
when every sub-block holds, ``none`` when no sub-block holds. A condition that holds returns an
``MatchOutcome``: a score (the sum of the weights of its hits) and the hits themselves, each naming
the rule's key path, the field and the words that matched, so ``topics explain`` can show why.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from newsletter.config.models import MatchConfig, SimilarToConfig
from newsletter.config.regex import compile_pattern
from newsletter.errors import NewsletterError
from newsletter.models import Paper
from newsletter.profiles.similarity import Profile, Similarity
from newsletter.topics.terms import PaperText, Phrase, compile_phrase, normalize_name

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
class MatchOutcome:
    score: float
    hits: tuple[Hit, ...]


HELD = MatchOutcome(0.0, ())


class Condition(ABC):
    """A compiled condition; ``evaluate`` returns ``None`` when it does not hold.

    ``anchors``: words some phrase of the condition starts with. ``requires``: when set, the
    condition cannot hold unless one of these words occurs in the paper (a cheap pre-check
    for a whole topic); ``None`` when no such set exists (regex, categories, ``none``, ...).
    """

    anchors: frozenset[str] = frozenset()
    requires: frozenset[str] | None = None

    @abstractmethod
    def evaluate(self, doc: PaperText) -> MatchOutcome | None: ...


class KeywordCondition(Condition):
    def __init__(self, rule: str, terms: Sequence[str], fields: Sequence[str]) -> None:
        self.rule = rule
        self.fields = tuple(fields)
        self.phrases = [compile_phrase(t) for t in terms]
        self.by_anchor: dict[str, list[int]] = {}
        for index, phrase in enumerate(self.phrases):
            for anchor in phrase.anchors:
                self.by_anchor.setdefault(anchor, []).append(index)
        self.first_words = frozenset(self.by_anchor)
        self.anchors = self.first_words.union(*(p.last_words for p in self.phrases))
        self.always = [i for i, p in enumerate(self.phrases) if not p.anchors]
        self.requires = None if self.always else self.first_words

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        if not self.always and self.first_words.isdisjoint(doc.present_anywhere):
            return None  # the usual case: no word a phrase starts with occurs in the paper
        hits = []
        present_in = doc.present
        for name in self.fields:
            words = present_in[name]
            present = self.first_words.intersection(words)
            if not present and not self.always:
                continue
            if len(present) == 1 and not self.always:  # the common case, without set building
                candidates: Iterable[int] = self.by_anchor[next(iter(present))]
            else:
                found = {i for anchor in present for i in self.by_anchor[anchor]}
                candidates = sorted(found.union(self.always))
            for index in candidates:
                phrase = self.phrases[index]
                if phrase.last_words and phrase.last_words.isdisjoint(words):
                    continue  # it starts here but no word it could end with occurs
                if phrase.single_word:
                    # A one-word phrase matches exactly when one of its forms is a word of the
                    # field: no search needed (explain restores the spelling of the paper).
                    text: str | None = min(phrase.anchors.intersection(present))
                else:
                    text = _find(phrase, doc, name)
                if text is not None:
                    hits.append(Hit(self.rule, name, phrase.term, text, FIELD_WEIGHTS[name]))
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
        self.anchors = frozenset().union(*(p.anchors for p in self.phrases))
        self.requires = self.anchors if all(p.anchors for p in self.phrases) else None

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        if self.requires is not None and self.requires.isdisjoint(doc.present["keywords"]):
            return None
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
        self.patterns = [_compile_regex(p) for p in patterns]

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        hits = []
        for regex in self.patterns:
            for name in self.fields:
                lowered = doc.lowered(name)
                if regex.literal is not None and regex.literal not in lowered:
                    continue
                text = lowered if regex.on_lowered else doc.original(name)
                m = regex.pattern.search(text)
                if m is not None:
                    original = doc.original(name)
                    shown = original[m.start() : m.end()] if len(original) == len(text) else m[0]
                    hits.append(Hit(self.rule, name, regex.source, shown, FIELD_WEIGHTS[name]))
        return _outcome(hits)


@dataclass(frozen=True, slots=True)
class CompiledRegex:
    source: str
    pattern: Any  # an RE2 pattern: linear time, so source text can never hang a run
    on_lowered: bool  # run on lowercased text, case-sensitively (several times faster)
    literal: str | None  # lowercased text every match contains: a cheap pre-check


def _compile_regex(source: str) -> CompiledRegex:
    # A pattern without capitals means the same on lowercased text (no \W, \S, \B, ...).
    on_lowered = source == source.lower()
    pattern = compile_pattern(source, case_sensitive=on_lowered)
    return CompiledRegex(source, pattern, on_lowered, required_literal(source))


_SPECIAL = set(".^$*+?{}[]()|\\")


def required_literal(source: str) -> str | None:
    """The longest plain run of characters every match must contain, lowercased, or None.

    Deliberately conservative: patterns with alternation or inline flags get no pre-check;
    runs inside groups or classes do not count; a character made optional by a following
    quantifier is dropped from its run.
    """
    if "|" in source or "(?" in source:
        return None
    runs, current, depth, i = [], "", 0, 0
    while i < len(source):
        char = source[i]
        if char in "\\[":
            runs.append(current)
            current, i = "", (i + 2 if char == "\\" else _after_class(source, i))
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if depth == 0 and char not in _SPECIAL:
            current += char
        else:
            if char in "*?{" and current:
                current = current[:-1]
            runs.append(current)
            current = ""
        i += 1
    runs.append(current)
    best = max(runs, key=len)
    return best.lower() if len(best) >= 3 else None


def _after_class(source: str, start: int) -> int:
    """The index after the character class opening at ``start`` ("[]a]" and "[^]a]" too)."""
    i = start + 1
    if source[i : i + 1] == "^":
        i += 1
    if source[i : i + 1] == "]":
        i += 1
    while i < len(source) and source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


class CategoryCondition(Condition):
    """arXiv categories: ``cs.CV`` exactly, or ``cs.*`` for a whole archive."""

    def __init__(self, rule: str, categories: Sequence[str]) -> None:
        self.rule = rule
        self.entries = [(c, c.lower().removesuffix("*")) for c in categories]

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        hits = [
            Hit(self.rule, "categories", entry, category, CATEGORY_WEIGHT)
            for entry, wanted in self.entries
            for category, lowered in zip(doc.paper.categories, doc.categories, strict=True)
            if lowered == wanted or (wanted.endswith(".") and lowered.startswith(wanted))
        ]
        return _outcome(hits)


class AuthorCondition(Condition):
    """Author names: a full name, or a part of one on word boundaries ("LeCun")."""

    def __init__(self, rule: str, names: Sequence[str]) -> None:
        self.rule = rule
        self.names = [
            (n, re.compile(r"(?<!\w)" + re.escape(normalize_name(n)) + r"(?!\w)")) for n in names
        ]

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        hits = [
            Hit(self.rule, "authors", name, author, AUTHOR_WEIGHT)
            for name, pattern in self.names
            for author, normalized in zip(doc.paper.authors, doc.authors, strict=True)
            if pattern.search(normalized)
        ]
        return _outcome(hits)


class UpvotesCondition(Condition):
    """A threshold, not evidence of topic: it holds or not and adds nothing to the score."""

    def __init__(self, rule: str, minimum: int) -> None:
        self.rule = rule
        self.minimum = minimum

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        upvotes = doc.paper.upvotes or 0
        if upvotes < self.minimum:
            return None
        return MatchOutcome(
            0.0, (Hit(self.rule, "upvotes", f">= {self.minimum}", str(upvotes), 0.0),)
        )


class SimilarCondition(Condition):
    """TF-IDF similarity to a profile: holds from ``threshold`` on and adds ``weight`` x the
    similarity. The day's papers are scored together (``prime``: one matrix product, once a
    run); a paper not primed is scored alone, which gives the same nearest paper."""

    def __init__(self, rule: str, profile: Profile, config: SimilarToConfig) -> None:
        self.rule = rule
        self.profile = profile
        self.threshold = config.threshold
        self.weight = config.weight
        self.scores: dict[str, Similarity] = {}

    def prime(self, papers: Sequence[Paper]) -> None:
        self.scores.update(self.profile.score(papers))

    def similarity(self, paper: Paper) -> Similarity:
        if paper.id not in self.scores:
            self.prime([paper])
        return self.scores[paper.id]

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        found = self.similarity(doc.paper)
        if found.score < self.threshold:
            return None
        nearest = found.nearest
        term = f"{nearest.id}: {nearest.title}"
        weight = round(self.weight * found.score, 6)
        return MatchOutcome(
            weight, (Hit(self.rule, "similar_to", term, f"{found.score:.2f}", weight),)
        )


class AllOf(Condition):
    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = tuple(children)
        self.anchors = frozenset().union(*(c.anchors for c in children))
        # Every child must hold, so any child's requirement is the block's: take the tightest.
        required = [c.requires for c in children if c.requires is not None]
        self.requires = min(required, key=len) if required else None

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
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
        self.anchors = frozenset().union(*(c.anchors for c in children))
        # At least one child must hold: the union of their requirements, if each has one.
        required = [c.requires for c in children if c.requires is not None]
        self.requires = frozenset().union(*required) if len(required) == len(children) else None

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        # Every branch is evaluated: each hit adds to the relevance score.
        outcomes = [o for child in self.children if (o := child.evaluate(doc)) is not None]
        return _merge(outcomes) if outcomes else None


class NoneOf(Condition):
    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = tuple(children)
        self.anchors = frozenset().union(*(c.anchors for c in children))

    def evaluate(self, doc: PaperText) -> MatchOutcome | None:
        return None if any(c.evaluate(doc) is not None for c in self.children) else HELD


def _outcome(hits: list[Hit]) -> MatchOutcome | None:
    return MatchOutcome(sum(h.weight for h in hits), tuple(hits)) if hits else None


def _merge(outcomes: Sequence[MatchOutcome]) -> MatchOutcome:
    if len(outcomes) == 1:
        return outcomes[0]
    return MatchOutcome(sum(o.score for o in outcomes), tuple(h for o in outcomes for h in o.hits))


def similar_conditions(condition: Condition) -> Iterator[SimilarCondition]:
    """Every ``similar_to`` inside a compiled rule, to score the day's papers in one go."""
    if isinstance(condition, SimilarCondition):
        yield condition
    for child in getattr(condition, "children", ()):
        yield from similar_conditions(child)


def compile_match(
    config: MatchConfig,
    rule: str,
    fields: Sequence[str] = DEFAULT_FIELDS,
    profiles: Mapping[str, Profile] | None = None,
) -> Condition:
    """Compile one block; ``rule`` is its key path, ``fields`` what its parent searches,
    ``profiles`` the built ``similar_to`` profiles by key path (``build_profiles``)."""
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
    if config.similar_to is not None:
        children.append(_similar(config.similar_to, f"{rule}.similar_to", profiles or {}))
    for name, combinator in (("any", AnyOf), ("all", AllOf), ("none", NoneOf)):
        blocks = getattr(config, name) or []
        if blocks:
            nested = [
                compile_match(b, f"{rule}.{name}[{i}]", fields, profiles)
                for i, b in enumerate(blocks)
            ]
            children.append(combinator(nested))
    return children[0] if len(children) == 1 else AllOf(children)


def _similar(
    config: SimilarToConfig, rule: str, profiles: Mapping[str, Profile]
) -> SimilarCondition:
    profile = profiles.get(rule)
    if profile is None:
        raise NewsletterError(
            f"{rule}: its profile was not built; build the run's profiles first"
            " (newsletter.profiles.build_profiles) and pass them to compile_topics"
        )
    return SimilarCondition(rule, profile, config)
