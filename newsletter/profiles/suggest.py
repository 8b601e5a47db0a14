"""Start a topic from examples: the words that set some papers apart from recorded days.

Who calls: ``newsletter topics suggest``. Pure: profile papers and background papers in, a
``Suggestion`` out (a topic config an operator can paste, and the words behind it).

A term (a word or a two-word phrase, English stop words left out) scores by how many of the
example papers use it times how rare it is on the background days: ``share of examples x
ln((1 + background papers) / (1 + background papers using it))``. A term only one example
uses is kept only when there is one example. A phrase replaces its words when it is as
common among the examples ("test generation" over "generation").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from newsletter.models import Paper
from newsletter.profiles.similarity import ProfilePaper, paper_text

DEFAULT_TERMS = 6
TOKEN = r"(?u)\b[A-Za-z][\w-]*\w\b"  # words, hyphenated ones whole ("text-to-image")
# The words of how papers are written, not of what they are about (with English stop words).
WRITING_WORDS = frozenset(
    {
        "approach",
        "approaches",
        "based",
        "benchmark",
        "code",
        "data",
        "demonstrate",
        "evaluation",
        "experiments",
        "framework",
        "introduce",
        "method",
        "methods",
        "model",
        "models",
        "novel",
        "paper",
        "performance",
        "practitioners",
        "present",
        "propose",
        "proposed",
        "researchers",
        "results",
        "review",
        "show",
        "state",
        "study",
        "studies",
        "survey",
        "task",
        "tasks",
        "work",
        "art",
        "existing",
        "new",
        "use",
        "using",
    }
)
DIGITS = re.compile(r"^[\d\s.]+$")


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    in_examples: int  # how many example papers use it
    in_background: int  # how many background papers use it
    score: float


@dataclass(frozen=True, slots=True)
class Suggestion:
    name: str
    terms: tuple[Term, ...]
    ids: tuple[str, ...]
    background: int  # papers the terms were told apart from

    def topic(self) -> dict[str, Any]:
        """The topic as config data: the terms in a title, or similar to the examples.

        Titles only: an abstract mentions "test" or "robustness" in passing, a title says
        what the paper is; ``similar_to`` already weighs the abstracts."""
        match: dict[str, Any] = {"similar_to": list(self.ids)}
        if self.terms:
            keywords = {"keywords": [t.text for t in self.terms], "fields": ["title"]}
            match = {"any": [keywords, match]}
        return {
            "name": self.name,
            "description": f"Papers like {', '.join(self.ids)}",
            "match": match,
        }


def distinguishing_terms(
    examples: Sequence[ProfilePaper], background: Sequence[Paper], count: int = DEFAULT_TERMS
) -> list[Term]:
    # Imported here: scikit-learn takes about a second to load; only `topics suggest` needs it.
    import numpy as np
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    texts = [p.text for p in examples] + [paper_text(p) for p in background]
    vectorizer = CountVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | WRITING_WORDS),
        ngram_range=(1, 2),
        binary=True,
        token_pattern=TOKEN,
    )
    try:
        matrix = vectorizer.fit_transform(texts).tocsc()
    except ValueError:  # nothing but stop words
        return []
    n_examples, n_background = len(examples), len(background)
    in_examples = np.asarray(matrix[:n_examples].sum(axis=0)).ravel()
    in_background = np.asarray(matrix[n_examples:].sum(axis=0)).ravel()
    # A word of a title says what the paper is about; one of an abstract may be in passing.
    titles = vectorizer.transform([p.title for p in examples])
    in_titles = np.asarray(titles.sum(axis=0)).ravel()
    needed = min(2, n_examples)
    candidates = []
    for index, term in enumerate(vectorizer.get_feature_names_out()):
        shared = int(in_examples[index])
        if shared < needed or DIGITS.match(term):
            continue
        rarity = math.log((1 + n_background) / (1 + int(in_background[index])))
        score = (shared + 2 * int(in_titles[index])) / (3 * n_examples) * rarity
        if score > 0:
            candidates.append(Term(str(term), shared, int(in_background[index]), score))
    candidates.sort(key=lambda t: (-t.score, -len(t.text.split()), t.text))
    return _prefer_phrases(candidates, count)


def _prefer_phrases(candidates: list[Term], count: int) -> list[Term]:
    chosen: list[Term] = []
    for term in candidates:
        words = term.text.split()
        covered = any(
            set(words) <= set(c.text.split()) and c.in_examples >= term.in_examples
            for c in candidates[: count * 3]
            if len(c.text.split()) > len(words)
        )
        if covered:
            continue
        chosen.append(term)
        if len(chosen) == count:
            break
    return chosen


def suggest_topic(
    examples: Sequence[ProfilePaper],
    background: Sequence[Paper],
    *,
    count: int = DEFAULT_TERMS,
    name: str | None = None,
) -> Suggestion:
    terms = distinguishing_terms(examples, background, count)
    if name is None:
        name = " and ".join(t.text for t in terms[:2]).capitalize() or "Papers like these"
    ids = tuple(p.id for p in examples)
    return Suggestion(name, tuple(terms), ids, len(background))
