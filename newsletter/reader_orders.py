"""Each reader's own order of their topics, from their "more / less like this" choices.

Who calls: ``pipeline`` builds one ``ReaderOrders`` per issue it sends (the readers' choices
read in two queries), and the composer asks it, per reader, for the key of their order and,
per key, for the sections in that order. The ranking itself is ``profiles.feedback``: one
TF-IDF model per run, readers ranked in batches of matrix products.

Readers without choices, and readers whose choices change nothing today, have no key: they
share their topic set's rendering as before. A reader with a key gets a message of their own
(two readers with the same order share one). The key is the order itself, packed (1 or 2 bytes a
paper, 6 per why-line), so a run holds ~1 KB per such reader on a 500-paper day, not their
rendered message. Sections everyone gets (catching on) keep their order.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from newsletter.models import Paper, Section, Subscriber
from newsletter.store.feedback import RankingInput

LIKE_TITLE_CHARS = 60  # "like: <title>" in the why-line: enough to recognise the paper


class ReaderOrders:
    """The orders of one issue's sections for the readers who gave feedback."""

    def __init__(
        self, sections: Sequence[Section], ranking: RankingInput, reader_ids: Iterable[int]
    ) -> None:
        self.ranked = [i for i, s in enumerate(sections) if s.papers and not s.for_everyone]
        self.lengths = [len(sections[i].papers) for i in self.ranked]
        # The smallest integer types for a place in a topic and a place in the whole issue.
        self.place: type = _integer_type(max(self.lengths, default=0))
        self.where: type = _integer_type(sum(self.lengths))
        self.titles: list[str] = []
        self._keys: dict[int, bytes] = {}
        rating = sorted({i for i in reader_ids if i in ranking.choices})
        if rating and self.ranked:
            self._rank(sections, ranking, rating)

    def __len__(self) -> int:
        """Readers whose order differs from the shared one today."""
        return len(self._keys)

    def key_of(self, reader: Subscriber) -> bytes | None:
        """The reader's order, packed; ``None``: the shared order."""
        return self._keys.get(reader.id) if reader.id is not None else None

    def _rank(self, sections: Sequence[Section], ranking: RankingInput, readers: list[int]) -> None:
        import numpy as np

        from newsletter.profiles.feedback import Choice, FeedbackModel
        from newsletter.profiles.similarity import ProfilePaper

        rated = {p.id: ProfilePaper(p.id, p.title, p.text) for p in ranking.papers.values()}
        papers = [sections[i].papers for i in self.ranked]
        day = list({p.id: p for section in papers for p in section}.values())
        model = FeedbackModel(day, list(rated.values()))
        self.titles = [p.title for p in model.rated]
        choices = [
            [Choice(rated[pid], liked) for pid, liked in ranking.choices[r] if pid in rated]
            for r in readers
        ]
        shared = np.concatenate([np.arange(n) for n in self.lengths])
        start = 0
        for batch in model.rank_batches(choices, papers):
            orders = np.concatenate([section.order for section in batch], axis=1)
            reasons = np.concatenate([section.reason for section in batch], axis=1)
            changed = (orders != shared).any(axis=1) | (reasons >= 0).any(axis=1)
            for row in np.flatnonzero(changed):
                key = _pack(orders, reasons, int(row), self.place, self.where)
                self._keys[readers[start + int(row)]] = key
            start += len(orders)

    def sections(self, sections: Sequence[Section], key: bytes) -> list[Section]:
        """``sections`` (the issue's, in the order ``ReaderOrders`` was built with) in the
        reader's order, each paper a liked one lifted saying so ("like: <title>")."""
        orders, reasons = _unpack(key, sum(self.lengths), self.place, self.where)
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


def _integer_type(largest: int) -> type:
    import numpy as np

    return np.uint8 if largest < 256 else np.uint16 if largest < 65536 else np.int32


def _pack(orders: Any, reasons: Any, row: int, place: type, where: type) -> bytes:
    """One reader's order of every ranked section (places within each section, one byte
    each when no section passes 255 papers), then the why-lines: their places in the whole
    issue, then which rated paper each names (int32)."""
    import numpy as np

    reason = reasons[row]
    lifted = np.flatnonzero(reason >= 0)
    parts: list[bytes] = [
        orders[row].astype(place).tobytes(),
        lifted.astype(where).tobytes(),
        reason[lifted].astype(np.int32).tobytes(),
    ]
    return b"".join(parts)


def _unpack(key: bytes, papers: int, place: type, where: type) -> tuple[Any, dict[int, int]]:
    import numpy as np

    start = np.dtype(place).itemsize * papers
    size = np.dtype(where).itemsize
    count = (len(key) - start) // (size + 4)
    order: Any = np.frombuffer(key[:start], dtype=place)
    lifted: Any = np.frombuffer(key[start : start + size * count], dtype=where)
    rated: Any = np.frombuffer(key[start + size * count :], dtype=np.int32)
    return order, {int(p): int(r) for p, r in zip(lifted, rated, strict=True)}
