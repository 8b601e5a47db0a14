"""Each reader's own order of their topics, from their "more / less like this" choices.

Who calls: ``pipeline`` builds one ``ReaderOrders`` per issue it sends (the readers' choices
read in two queries), and the composer asks it, per reader, for the key of their order and,
per key, for the sections in that order. The ranking itself is ``profiles.feedback``: one
TF-IDF model per run, readers ranked in batches of matrix products.

Readers without choices, and readers whose choices change nothing today, have no key: they
share their topic set's rendering as before. A reader with a key gets a message of their own
(two readers with the same order share one). The key is the order itself, packed (2 bytes a
paper and 8 per why-line), so a run holds ~1 KB per such reader on a 500-paper day, not
their rendered message. Sections everyone gets (catching on) keep their order.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from newsletter.models import Paper, Section, Subscriber, SubscriberStatus
from newsletter.store.feedback import RankingInput

LIKE_TITLE_CHARS = 60  # "like: <title>" in the why-line: enough to recognise the paper


class ReaderOrders:
    """The orders of one issue's sections for the readers who gave feedback."""

    def __init__(
        self, sections: Sequence[Section], ranking: RankingInput, readers: Iterable[Subscriber]
    ) -> None:
        self.ranked = [i for i, s in enumerate(sections) if s.papers and not s.for_everyone]
        self.lengths = [len(sections[i].papers) for i in self.ranked]
        self.titles: list[str] = []
        self._keys: dict[int, bytes] = {}
        rating = [
            r
            for r in readers
            if r.id is not None and r.id in ranking.choices and r.status is SubscriberStatus.ACTIVE
        ]
        if rating and self.ranked:
            self._rank(sections, ranking, rating)

    def __len__(self) -> int:
        """Readers whose order differs from the shared one today."""
        return len(self._keys)

    def key_of(self, reader: Subscriber) -> bytes | None:
        """The reader's order, packed; ``None``: the shared order."""
        return self._keys.get(reader.id) if reader.id is not None else None

    def _rank(
        self, sections: Sequence[Section], ranking: RankingInput, readers: list[Subscriber]
    ) -> None:
        import numpy as np

        from newsletter.profiles.feedback import Choice, FeedbackModel
        from newsletter.profiles.similarity import ProfilePaper

        rated = {p.id: ProfilePaper(p.id, p.title, p.text) for p in ranking.papers.values()}
        papers = [sections[i].papers for i in self.ranked]
        day = list({p.id: p for section in papers for p in section}.values())
        model = FeedbackModel(day, list(rated.values()))
        self.titles = [p.title for p in model.rated]
        choices = [
            [Choice(rated[pid], liked) for pid, liked in ranking.choices[r.id or 0] if pid in rated]
            for r in readers
        ]
        shared = [np.arange(n) for n in self.lengths]
        start = 0
        for batch in model.rank_batches(choices, papers):
            rows = len(batch[0].order)
            changed = np.zeros(rows, dtype=bool)
            for section, identity in zip(batch, shared, strict=True):
                changed |= (section.order != identity).any(axis=1)
                changed |= (section.reason >= 0).any(axis=1)
            for row in np.flatnonzero(changed):
                self._keys[readers[start + int(row)].id or 0] = _pack(batch, int(row))
            start += rows

    def sections(self, sections: Sequence[Section], key: bytes) -> list[Section]:
        """``sections`` (the issue's, in the order ``ReaderOrders`` was built with) in the
        reader's order, each paper a liked one lifted saying so ("like: <title>")."""
        orders, reasons = _unpack(key, sum(self.lengths))
        mine = list(sections)
        offset = 0
        for index, length in zip(self.ranked, self.lengths, strict=True):
            section = mine[index]
            order = orders[offset : offset + length]
            papers: list[Paper] = [section.papers[int(i)] for i in order]
            notes = dict(section.notes)
            for position, rated in reasons.items():
                if offset <= position < offset + length:
                    liked = self.titles[rated]
                    title = textwrap.shorten(liked, LIKE_TITLE_CHARS, placeholder="…")
                    notes[section.papers[position - offset].id] = f"like: {title}"
            mine[index] = replace(section, papers=papers, notes=notes)
            offset += length
        return mine


def _pack(batch: Sequence[Any], row: int) -> bytes:
    """Every ranked section's order for one reader (int16 positions), then the why-lines
    as (position, rated paper) pairs of int32."""
    import numpy as np

    order = np.concatenate([section.order[row] for section in batch]).astype(np.int16)
    reason = np.concatenate([section.reason[row] for section in batch])
    where = np.flatnonzero(reason >= 0).astype(np.int32)
    pairs = np.stack([where, reason[where].astype(np.int32)], axis=1)
    return order.tobytes() + pairs.astype(np.int32).tobytes()


def _unpack(key: bytes, papers: int) -> tuple[Any, dict[int, int]]:
    import numpy as np

    order = np.frombuffer(key[: 2 * papers], dtype=np.int16)
    pairs = np.frombuffer(key[2 * papers :], dtype=np.int32).reshape(-1, 2)
    return order, {int(position): int(rated) for position, rated in pairs}
