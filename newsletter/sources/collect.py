"""Run every source for a day and merge their papers into one de-duplicated list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields

from newsletter.errors import NewsletterError
from newsletter.models import Paper
from newsletter.sources.base import Source, SourceResult

SourceProgress = Callable[[SourceResult], None]


@dataclass(slots=True)
class Collection:
    """The merged papers of a day plus each source's own result (for the run report).

    ``seen`` counts papers dropped because an earlier issue already sent them.
    """

    day: dt.date
    papers: list[Paper]
    results: list[SourceResult]
    seen: list[Paper] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def all_failed(self) -> bool:
        return bool(self.results) and len(self.failed) == len(self.results)

    @property
    def quiet(self) -> bool:
        """Every source that answered said the day is empty. A stale source means we do
        not know, and a failed one cannot tell: neither makes a day quiet on its own."""
        return {r.status for r in self.results} - {"failed"} == {"empty"}

    @property
    def warnings(self) -> list[str]:
        return [f"{r.source}: {w}" for r in self.results for w in r.warnings]


def collect_papers(
    sources: Sequence[Source], day: dt.date, progress: SourceProgress | None = None
) -> Collection:
    """Fetch from each source; one failing source is recorded, not fatal."""
    results = []
    for source in sources:
        try:
            result = source.fetch(day)
        except NewsletterError as exc:
            result = SourceResult(source=source.name, status="failed", error=str(exc))
        finally:
            source.close()
        result.warnings.extend(duplicate_warnings(result.papers))
        results.append(result)
        if progress:
            progress(result)
    return Collection(day=day, papers=merge_papers(r.papers for r in results), results=results)


def duplicate_warnings(papers: Sequence[Paper]) -> list[str]:
    """One source listing a paper twice is a problem in the source (or a day file written by
    hand): the copies are merged, but never silently. Names both entries."""
    first: dict[str, tuple[int, Paper]] = {}
    warnings = []
    for index, paper in enumerate(papers):
        if paper.id not in first:
            first[paper.id] = (index, paper)
            continue
        earlier, kept = first[paper.id]
        warnings.append(
            f"paper id {paper.id} appears twice: entry {earlier + 1} {kept.title!r} and "
            f"entry {index + 1} {paper.title!r}; merged into one"
        )
    return warnings


def merge_papers(batches: Iterable[Iterable[Paper]]) -> list[Paper]:
    """Merge by ``Paper.id`` keeping first-seen order; the merged paper has the richest
    fields of all copies (HF brings upvotes and links, the arXiv API the full authors)."""
    merged: dict[str, Paper] = {}
    for batch in batches:
        for paper in batch:
            kept = merged.get(paper.id)
            if kept is None:
                merged[paper.id] = paper
            else:
                _fill_richest(kept, paper)
    return list(merged.values())


def _fill_richest(kept: Paper, other: Paper) -> None:
    for f in fields(Paper):
        mine, theirs = getattr(kept, f.name), getattr(other, f.name)
        if f.name == "sources":
            kept.sources = tuple(dict.fromkeys(mine + theirs))
        elif f.name in ("upvotes", "comments", "github_stars") and theirs is not None:
            # The same paper in two days' HF lists: the later count is the truer one.
            setattr(kept, f.name, max(mine or 0, theirs))
        elif _richer(mine, theirs):
            setattr(kept, f.name, theirs)


def _richer(mine: object, theirs: object) -> bool:
    """A value where there was none, or a longer list (full authors beat a shortened list)."""
    if isinstance(mine, tuple) and isinstance(theirs, tuple):
        return len(theirs) > len(mine)
    return mine in (None, "") and theirs not in (None, "", ())
