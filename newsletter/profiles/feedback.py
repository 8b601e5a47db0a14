"""A reader's "more like this" / "less like this" turned into their own order inside a topic.

Who calls: the step that assembles each reader's message (one ``FeedbackModel`` per run,
then ``rank_readers`` for the readers who gave feedback; everyone else keeps the shared
order untouched) and ``bench/bench_relevance.py``.

The model is similarity to liked minus disliked papers, over the same TF-IDF as
``similar_to``: built once per run from the day's papers and every paper any reader rated,
as one dense matrix ``similar[rated, day]`` of cosines. A reader's lift for a day's paper is
``sum(cos to each liked) - sum(cos to each disliked)``; their order in a topic sorts by
``LIFT_WEIGHT x lift + (1 - shared position / papers)``, so a paper close to a liked one
climbs, one close to a disliked one sinks, and with no choices (or after undoing them) the
order is exactly the shared one. A paper lifted by at least ``REASON_FLOOR`` and that close to
a liked paper carries that paper's title, for the why-line ("like: <title>").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newsletter.models import Paper
from newsletter.profiles.similarity import ProfilePaper, make_vectorizer, paper_text

if TYPE_CHECKING:
    import numpy as np

LIFT_WEIGHT = 5.0  # a cosine of 0.2 to one liked paper ~ one whole section of shared order
REASON_FLOOR = 0.1  # a cosine this close to a liked paper is worth saying so
READER_BATCH = 1024  # readers scored per matrix product: bounds memory (~40 MB), not results


@dataclass(frozen=True, slots=True)
class Choice:
    """One recorded choice: the paper a reader rated and which way."""

    paper: ProfilePaper
    liked: bool


@dataclass(frozen=True, slots=True)
class ReaderOrder:
    """One reader's order of one topic, and why each lifted paper moved."""

    papers: tuple[Paper, ...]
    reasons: Mapping[str, str]  # paper id -> title of the liked paper it is like


class FeedbackModel:
    """Cosines between every rated paper and every paper of the day, computed once."""

    def __init__(self, day: Sequence[Paper], rated: Sequence[ProfilePaper]) -> None:
        import numpy as np

        self.day = tuple(day)
        self.rated = tuple({p.id: p for p in rated}.values())
        self.day_index = {p.id: i for i, p in enumerate(self.day)}
        self.rated_index = {p.id: i for i, p in enumerate(self.rated)}
        self._with_zero_row: Any = None
        self.similar: Any = np.zeros((len(self.rated), len(self.day)), dtype=np.float32)
        if self.rated and self.day:
            texts = [p.text for p in self.rated] + [paper_text(p) for p in self.day]
            try:
                matrix = make_vectorizer().fit_transform(texts)
            except ValueError:  # nothing but stop words: nothing is like anything
                return
            count = len(self.rated)
            self.similar = (matrix[:count] @ matrix[count:].T).toarray().astype(np.float32)

    def weights(self, readers: Sequence[Sequence[Choice]]) -> Any:
        """Readers x rated papers: +1 liked, -1 disliked (the latest choice of each paper)."""
        from scipy.sparse import csr_matrix

        rows, cols, values = [], [], []
        for row, choices in enumerate(readers):
            for paper_id, value in _latest(choices).items():
                rows.append(row)
                cols.append(self.rated_index[paper_id])
                values.append(value)
        return csr_matrix((values, (rows, cols)), shape=(len(readers), len(self.rated)))

    def lifts(self, readers: Sequence[Sequence[Choice]]) -> np.ndarray:
        """Readers x day papers: how much each reader's choices lift each paper."""
        weights = self.weights(readers)
        return (weights @ self.similar).astype("float32")  # type: ignore[no-any-return]

    def rank_batches(
        self, readers: Sequence[Sequence[Choice]], sections: Sequence[Sequence[Paper]]
    ) -> Iterator[list[RankedSection]]:
        """Every topic's order for each batch of readers, as arrays: one sparse product per
        batch gives every lift of every section; memory stays bounded by the batch."""
        for start in range(0, len(readers), READER_BATCH):
            batch = readers[start : start + READER_BATCH]
            lifts = self.lifts(batch)
            likes = self._likes(batch)
            # Readers x likes x day papers: the cosine of each paper to each of their likes
            # (-1 padding picks the zero row), for the why-lines of every section.
            near = self._padded()[likes]
            yield [self._rank_section(section, lifts, likes, near) for section in sections]

    def _padded(self) -> Any:
        import numpy as np

        if self._with_zero_row is None:
            zero = np.zeros((1, self.similar.shape[1]), np.float32)
            self._with_zero_row = np.vstack([self.similar, zero])
        return self._with_zero_row

    def rank_readers(
        self, readers: Sequence[Sequence[Choice]], sections: Sequence[Sequence[Paper]]
    ) -> list[list[ReaderOrder]]:
        """Each reader's order of each topic (given in shared order), as papers."""
        orders: list[list[ReaderOrder]] = []
        for ranked in self.rank_batches(readers, sections):
            rows = len(ranked[0].order) if ranked else 0
            orders.extend([[r.reader(row) for r in ranked] for row in range(rows)])
        return orders

    def rank_section(
        self, readers: Sequence[Sequence[Choice]], section: Sequence[Paper]
    ) -> list[ReaderOrder]:
        """Each reader's order of one topic."""
        return [row[0] for row in self.rank_readers(readers, [section])]

    def _likes(self, readers: Sequence[Sequence[Choice]]) -> Any:
        """Readers x most likes: rated-paper indexes of each reader's likes, -1 padded."""
        import numpy as np

        liked = [
            [self.rated_index[i] for i, v in _latest(choices).items() if v > 0]
            for choices in readers
        ]
        width = max((len(row) for row in liked), default=0)
        table = np.full((len(readers), max(width, 1)), -1, dtype=np.int64)
        for row, indexes in enumerate(liked):
            table[row, : len(indexes)] = indexes
        return table

    def _rank_section(
        self, section: Sequence[Paper], lifts: Any, likes: Any, near_all: Any
    ) -> RankedSection:
        import numpy as np

        papers = tuple(section)
        if not papers:
            empty = np.zeros((len(lifts), 0), dtype=np.int64)
            return RankedSection(papers, self.rated, empty, empty)
        columns = np.array([self.day_index[p.id] for p in papers], dtype=np.int64)
        section_lifts = lifts[:, columns]
        shared = 1.0 - np.arange(len(papers), dtype=np.float32) / len(papers)
        order = np.argsort(-(LIFT_WEIGHT * section_lifts + shared), axis=1, kind="stable")
        # The why-line: the liked paper nearest to each paper, when it is near enough.
        near = near_all[:, :, columns]
        best = near.argmax(axis=1)
        closeness = np.take_along_axis(near, best[:, None, :], axis=1)[:, 0, :]
        reason = np.take_along_axis(likes, best, axis=1)
        reason[(closeness < REASON_FLOOR) | (section_lifts < REASON_FLOOR)] = -1
        return RankedSection(papers, self.rated, order, reason)


@dataclass(frozen=True, slots=True)
class RankedSection:
    """One topic's order for a batch of readers: ``order[row]`` indexes ``papers``;
    ``reason[row, i]`` is the rated paper that lifted ``papers[i]``, or -1."""

    papers: tuple[Paper, ...]
    rated: tuple[ProfilePaper, ...]
    order: Any
    reason: Any

    def reader(self, row: int) -> ReaderOrder:
        ranked = tuple(self.papers[i] for i in self.order[row])
        reasons = {
            self.papers[i].id: self.rated[int(r)].title
            for i, r in enumerate(self.reason[row])
            if r >= 0
        }
        return ReaderOrder(ranked, reasons)


def _latest(choices: Sequence[Choice]) -> dict[str, float]:
    """The latest choice of each paper: +1 liked, -1 disliked."""
    return {c.paper.id: (1.0 if c.liked else -1.0) for c in choices}
