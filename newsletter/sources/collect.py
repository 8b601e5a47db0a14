"""Run every source for a day and merge their papers into one de-duplicated list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from newsletter.errors import NewsletterError
from newsletter.models import Paper
from newsletter.sources.base import Source, SourceResult


@dataclass(slots=True)
class Collection:
    """The merged papers of a day plus each source's own result (for the run report)."""

    day: dt.date
    papers: list[Paper]
    results: list[SourceResult]

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def warnings(self) -> list[str]:
        return [f"{r.source}: {w}" for r in self.results for w in r.warnings]


def collect_papers(sources: Sequence[Source], day: dt.date) -> Collection:
    """Fetch from each source; one failing source is recorded, not fatal."""
    results = []
    for source in sources:
        try:
            results.append(source.fetch(day))
        except NewsletterError as exc:
            results.append(SourceResult(source=source.name, status="failed", error=str(exc)))
    return Collection(day=day, papers=merge_papers(r.papers for r in results), results=results)


def merge_papers(batches: Iterable[Iterable[Paper]]) -> list[Paper]:
    """Merge by ``Paper.id`` keeping first-seen order; later copies fill empty fields."""
    merged: dict[str, Paper] = {}
    for batch in batches:
        for paper in batch:
            kept = merged.get(paper.id)
            if kept is None:
                merged[paper.id] = paper
            else:
                _fill_missing(kept, paper)
    return list(merged.values())


def _fill_missing(kept: Paper, other: Paper) -> None:
    for f in fields(Paper):
        if f.name == "sources":
            kept.sources = tuple(dict.fromkeys(kept.sources + other.sources))
        elif not getattr(kept, f.name) and getattr(other, f.name):
            setattr(kept, f.name, getattr(other, f.name))
