"""TF-IDF similarity of papers to a profile: the papers that define a topic.

Why TF-IDF over titles and abstracts (scikit-learn's ``TfidfVectorizer``): no model to
download, the same answer on every machine, and a reason a person can read (the nearest
profile paper). The vocabulary and the IDF weights are fitted on the profile together with
the papers being scored, so a word every paper of the day uses ("model", "results") weighs
little and a word only the profile and a few papers share weighs much. Scoring a day is one
sparse matrix product; ``Profile.score`` is called once per day, never per reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsletter.models import Paper

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer


@dataclass(frozen=True, slots=True)
class ProfilePaper:
    """One paper of a profile: what its text is and how to name it to a person."""

    id: str  # arXiv id, or the library entry's key when it has none
    title: str
    abstract: str

    @property
    def text(self) -> str:
        return f"{self.title}. {self.title}. {self.abstract}"  # a title word counts double


@dataclass(frozen=True, slots=True)
class Similarity:
    """How close one paper is to a profile (cosine to the profile's centroid) and which
    profile paper is nearest to it (the one a person is shown)."""

    score: float
    nearest: ProfilePaper


def paper_text(paper: Paper) -> str:
    return f"{paper.title}. {paper.title}. {paper.abstract}"


def make_vectorizer() -> TfidfVectorizer:
    # Imported here: scikit-learn takes about a second to load, and most configs never need it.
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Single words: on the recorded days word pairs spread a short abstract over so many
    # features that related papers scored like unrelated ones (see bench/bench_relevance.py).
    return TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32)


class Profile:
    """The papers of one ``similar_to`` condition, ready to score any list of papers."""

    def __init__(self, papers: Sequence[ProfilePaper]) -> None:
        if not papers:
            raise ValueError("a profile needs at least one paper")
        self.papers = tuple(papers)
        self.ids = frozenset(p.id for p in self.papers)

    def score(self, papers: Sequence[Paper]) -> dict[str, Similarity]:
        """Similarity of each paper (by id) to its nearest profile paper."""
        if not papers:
            return {}
        import numpy as np

        vectorizer = make_vectorizer()
        texts = [p.text for p in self.papers] + [paper_text(p) for p in papers]
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # nothing but stop words anywhere: nothing is similar
            return {p.id: Similarity(0.0, self.papers[0]) for p in papers}
        count = len(self.papers)
        profile, day = matrix[:count], matrix[count:]
        # The centroid ranks better than the nearest paper alone: a paper sharing the words
        # of several profile papers is closer to the topic than one echoing a single paper.
        centroid = np.asarray(profile.mean(axis=0)).ravel()
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        scores = day @ centroid
        nearest = (day @ profile.T).toarray().argmax(axis=1)
        result = {}
        for row, paper in enumerate(papers):
            best = int(nearest[row])
            # A profile paper listed again is itself, whatever its text looks like today.
            score = 1.0 if paper.id in self.ids else float(scores[row])
            match = self._paper(paper.id) if paper.id in self.ids else self.papers[best]
            result[paper.id] = Similarity(round(score, 6), match)
        return result

    def _paper(self, paper_id: str) -> ProfilePaper:
        return next(p for p in self.papers if p.id == paper_id)
