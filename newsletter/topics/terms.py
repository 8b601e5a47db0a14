"""Keyword phrases compiled once into patterns, and the paper text they are matched against.

A phrase matches case-insensitively on word boundaries; hyphens, dashes and spaces between its
words are interchangeable or may be left out ("text-to-image" ~ "text to image", "multi-view"
~ "multiview"); the last word may be plural ("model" ~ "models", "strategy" ~ "strategies").

Speed: every paper is lowercased and split into words once (``PaperText``). Each phrase knows
the words a match of it can start with (its *anchors*), so a phrase is only searched with its
regex when one of its anchors occurs in the paper. Most phrases of most topics are skipped by
a set lookup, which is what makes 10,000 papers x 50 topics fast.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from newsletter.models import Paper

SEPARATORS = "\\s\\-\u2010-\u2015"
_SPLIT = re.compile(f"[{SEPARATORS}]+")
_JOIN = f"[{SEPARATORS}]*"
_WORD = re.compile(r"\w+")
# Joins HF keywords so that no phrase can match across two of them.
KEYWORD_JOINER = " | "


@dataclass(frozen=True, slots=True)
class Phrase:
    """One configured keyword, compiled."""

    term: str
    pattern: re.Pattern[str]
    anchors: frozenset[str]  # empty: cannot be pre-filtered, always searched
    single_word: bool  # one word of word characters: it matches exactly when an anchor occurs
    last_words: frozenset[str]  # words a match can end with; empty when not known

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Where the phrase occurs in lowercased ``text``, starting on a word boundary."""
        pos = 0
        while (m := self.pattern.search(text, pos)) is not None:
            start = m.start()
            if start == 0 or not _is_word_char(text[start - 1]):
                yield start, m.end()
                pos = m.end()
            else:
                pos = start + 1

    def fullmatch(self, text: str) -> bool:
        return self.pattern.fullmatch(text) is not None


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def compile_phrase(term: str) -> Phrase:
    """Build the pattern and anchors of one phrase (see the module docstring)."""
    parts = [p for p in _SPLIT.split(term.strip().lower()) if p]
    *head, last = parts
    stems = _plural_forms(last)
    body = _JOIN.join([*(re.escape(p) for p in head), _alternatives(stems)])
    # No leading look-behind: a pattern that starts with a literal is searched much faster;
    # the left word boundary is checked in ``finditer``.
    pattern = re.compile(body + r"(?!\w)")
    plain = all(_WORD.fullmatch(p) for p in (*head, *stems))
    return Phrase(
        term=term,
        pattern=pattern,
        anchors=_anchors(head, stems),
        single_word=plain and not head,
        last_words=_last_words(head, stems) if plain and head else frozenset(),
    )


def _last_words(head: list[str], last_forms: tuple[str, ...]) -> frozenset[str]:
    """Every word a match of a phrase of plain words can end with: the last word, or it glued
    to the words before it ("view" or "multiview" for "multi-view")."""
    return frozenset("".join(head[k:]) + form for k in range(len(head) + 1) for form in last_forms)


def _plural_forms(word: str) -> tuple[str, ...]:
    """The forms the last word may take: singular and plural, whichever was configured."""
    if not word[-1:].isalpha():
        return (word,)
    if len(word) < 3:
        return (word, word + "s")
    if word.endswith("ies") and len(word) > 4:
        stem = word[:-3]
        return (stem + "y", stem + "ies")
    if word.endswith("y") and word[-2] not in "aeiou":
        return (word, word[:-1] + "ies")
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        stem = word[:-2]
        return (stem, stem + "es")
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        stem = word[:-1]
        return (stem, word)
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return (word, word + "es")
    return (word, word + "s")


def _alternatives(forms: tuple[str, ...]) -> str:
    escaped = sorted((re.escape(f) for f in forms), key=len, reverse=True)
    return escaped[0] if len(escaped) == 1 else "(?:" + "|".join(escaped) + ")"


def _anchors(head: list[str], last_forms: tuple[str, ...]) -> frozenset[str]:
    """Every word a match can start with.

    With optional separators the first word of a match is the first k parts glued together
    ("multiview"), cut at the first character that is not a word character ("2.5d" -> "2").
    """
    candidates: list[str] = []
    glued = ""
    for part in head:
        glued += part
        candidates.append(glued)
        if _WORD.fullmatch(part) is None:
            break
    else:
        candidates.extend(glued + form for form in last_forms)
    anchors = set()
    for candidate in candidates:
        first = _WORD.match(candidate)
        if first is None:  # starts with punctuation (".net"): no anchor, always search
            return frozenset()
        anchors.add(first.group())
    return frozenset(anchors)


class PaperText:
    """A paper's searchable text, lowercased and split into words once per grouping run.

    ``anchors`` are all words any phrase of the rule set can start with; a paper keeps only
    those of its words (``present``), a small set every condition checks in one set operation.
    Everything is computed on first use and kept: a paper is checked against every topic.
    """

    def __init__(self, paper: Paper, anchors: frozenset[str]) -> None:
        self.paper = paper
        self.anchors = anchors
        self._lowered: dict[str, str] = {}

    def lowered(self, name: str) -> str:
        """The lowercased text of field ``name`` (title, abstract or keywords)."""
        text = self._lowered.get(name)
        if text is None:
            text = self._lowered[name] = self.original(name).lower()
        return text

    @cached_property
    def present(self) -> dict[str, frozenset[str]]:
        """Field name -> the anchor words that occur in it."""
        return {
            name: self.anchors.intersection(split_words(self.lowered(name)))
            for name in ("title", "abstract", "keywords")
        }

    @cached_property
    def present_anywhere(self) -> frozenset[str]:
        present = self.present
        return present["title"] | present["abstract"] | present["keywords"]

    def original(self, name: str) -> str:
        if name == "keywords":
            return KEYWORD_JOINER.join(self.paper.ai_keywords)
        return self.paper.title if name == "title" else self.paper.abstract

    @cached_property
    def keyword_list(self) -> tuple[str, ...]:
        return tuple(k.lower() for k in self.paper.ai_keywords)

    @cached_property
    def categories(self) -> tuple[str, ...]:
        return tuple(c.lower() for c in self.paper.categories)

    @cached_property
    def authors(self) -> tuple[str, ...]:
        return tuple(normalize_name(a) for a in self.paper.authors)


# For ASCII text (nearly every abstract) a byte table turns every non-word character into a
# space, and split() does the rest: the same words as ``\w+``, at twice the speed.
_ASCII_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NON_WORD_TO_SPACE = bytes(c if c in _ASCII_WORD_BYTES else 0x20 for c in range(256))


def split_words(text: str) -> list[str]:
    r"""The ``\w+`` runs of ``text``."""
    if text.isascii():
        return text.encode("ascii").translate(_NON_WORD_TO_SPACE).decode("ascii").split()
    return _WORD.findall(text)


def normalize_name(name: str) -> str:
    """Case, accents and spacing do not matter: "José  García" ~ "jose garcia"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace(".", ". ").split())
