"""``arxiv`` source: the daily announcement feed of some categories, optionally enriched.

"The papers of day D" here is the announcement arXiv's RSS feed carries on D: the feed is
rebuilt around midnight US Eastern and its channel ``pubDate`` names that day. We keep the
``new`` submissions (``cross`` lists too when asked), never replacements. A feed dated
another day than asked is *stale* (not rebuilt yet, or a cached proxy): reported with a
warning naming the source, never mistaken for a quiet day. An empty channel (weekends,
holidays) is an *empty* day.

With ``api_base_url`` set, the kept ids are looked up in the arXiv API in batches
(``id_list``), at most one call every ``api_delay`` seconds as arXiv asks, for the full
author list, all categories and the first-version date. A failed lookup is a warning: the
feed's data is still good.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from newsletter.errors import SourceError
from newsletter.models import Paper
from newsletter.sources.arxiv_formats import parse_atom, parse_rss
from newsletter.sources.base import Source, SourceResult
from newsletter.sources.cache import ResponseCache
from newsletter.sources.http import HttpClient

FEED_PART = "feed.xml"


class ArxivSource(Source):
    """One feed for ``categories`` (joined with ``+``), filtered by announce type."""

    kind = "arxiv"

    def __init__(
        self,
        name: str,
        client: HttpClient,
        *,
        categories: Sequence[str],
        base_url: str = "https://rss.arxiv.org",
        include_cross_lists: bool = False,
        api_client: HttpClient | None = None,
        api_base_url: str | None = None,
        batch_size: int = 100,
        cache: ResponseCache | None = None,
    ) -> None:
        super().__init__(name)
        self.client = client
        self.url = f"{base_url.rstrip('/')}/rss/{'+'.join(categories)}"
        self.wanted = {"new", "cross"} if include_cross_lists else {"new"}
        self.api_client = api_client
        self.api_url = f"{api_base_url.rstrip('/')}/api/query" if api_base_url else None
        self.batch_size = batch_size
        self.cache = cache

    def close(self) -> None:
        self.client.close()
        if self.api_client:
            self.api_client.close()

    def fetch(self, day: dt.date) -> SourceResult:
        cached = self.cache.load(self.name, day) if self.cache else None
        parts = dict(cached) if cached and FEED_PART in cached else {}
        result = SourceResult(source=self.name, from_cache=bool(parts))
        if not parts:
            parts[FEED_PART] = self.client.get(self.url)
        feed = parse_rss(parts[FEED_PART], self.url, self.name)
        result.warnings.extend(feed.warnings)
        if not feed.items:
            result.status = "empty"
        elif feed.day is not None and feed.day != day:
            result.status = "stale"
            result.warnings.append(
                f"stale: {self.url} is the announcement of {feed.day}, not {day}; nothing"
                " taken from it (arXiv rebuilds its feed around midnight US Eastern: rerun"
                " later with --refresh)"
            )
            return result
        result.papers = [i.paper for i in feed.items if i.announce_type in self.wanted]
        if not result.papers:
            result.status = "empty"  # only replacements (or cross-lists not asked for)
        elif self.api_client and self.api_url:
            self._enrich(result, parts)
        settled = bool(result.papers) or feed.day == day  # an undated empty feed may be "not yet"
        if self.cache and not cached and settled:
            self._save(day, parts, result)
        return result

    def _save(self, day: dt.date, parts: dict[str, bytes], result: SourceResult) -> None:
        if self.cache and (problem := self.cache.save(self.name, day, parts)):
            result.warnings.append(problem)

    def _enrich(self, result: SourceResult, parts: dict[str, bytes]) -> None:
        ids = [p.id for p in result.papers]
        batches = [ids[i : i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        found: dict[str, Paper] = {}
        for number, batch in enumerate(batches):
            key = f"api-{number:03d}.xml"
            try:
                if key not in parts:
                    parts[key] = self._query(batch)
                papers, warnings = parse_atom(parts[key], self.api_url or "", self.name)
            except SourceError as exc:
                parts.pop(key, None)
                result.warnings.append(f"arXiv API lookup failed, feed data kept: {exc}")
                continue
            result.warnings.extend(warnings)
            found.update((p.id, p) for p in papers)
        for paper in result.papers:
            if paper.id in found:
                _enrich_paper(paper, found[paper.id])

    def _query(self, ids: list[str]) -> bytes:
        assert self.api_client is not None and self.api_url is not None
        params: dict[str, str | int] = {"id_list": ",".join(ids), "max_results": len(ids)}
        return self.api_client.get(self.api_url, params)


def _enrich_paper(paper: Paper, entry: Paper) -> None:
    """The API lists authors one by one (the feed joins them with commas, which breaks on
    names like "Jr."), every category, and the first version's date."""
    if entry.authors:
        paper.authors = entry.authors
    if entry.categories:
        paper.categories = entry.categories
    paper.published_at = entry.published_at or paper.published_at
    paper.abstract = paper.abstract or entry.abstract
    paper.abstract_raw = paper.abstract_raw or entry.abstract_raw
