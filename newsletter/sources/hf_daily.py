"""``hf_daily`` source: Hugging Face Daily Papers, ``GET {base_url}/api/daily_papers``.

"The papers of day D" here is the list HF files under ``date=D - lag_days``: the papers whose
``paper.submittedOnDailyAt`` falls on that UTC date. That list keeps growing during the day
(and a little after), so ``lag_days: 1`` mails yesterday's settled list. The API answers
``limit`` items a page (50 by default); we page with ``p`` until a short or empty page, or a
busy day would be cut silently.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from newsletter.errors import PaperRecordError, SourceDataError
from newsletter.sources.base import Source, SourceResult
from newsletter.sources.cache import ResponseCache
from newsletter.sources.formats import decode_json, parse_hf_item
from newsletter.sources.http import HttpClient

MAX_PAGES = 100  # 10,000 papers at limit 100: far past any real day; stops a runaway loop


class HFDailySource(Source):
    """Pages through one day's Daily Papers list and normalizes each item."""

    kind = "hf_daily"

    def __init__(
        self,
        name: str,
        client: HttpClient,
        *,
        base_url: str = "https://huggingface.co",
        page_size: int = 50,
        lag_days: int = 0,
        cache: ResponseCache | None = None,
    ) -> None:
        super().__init__(name)
        self.client = client
        self.url = base_url.rstrip("/") + "/api/daily_papers"
        self.page_size = page_size
        self.lag_days = lag_days
        self.cache = cache

    def close(self) -> None:
        self.client.close()

    def listing_day(self, day: dt.date) -> dt.date:
        return day - dt.timedelta(days=self.lag_days)

    def fetch(self, day: dt.date) -> SourceResult:
        listing = self.listing_day(day)
        cached = self.cache.load(self.name, listing) if self.cache else None
        pages = list(cached.values()) if cached is not None else self._download(listing)
        result = SourceResult(source=self.name, from_cache=cached is not None)
        for number, body in enumerate(pages):
            self._parse_page(body, number, listing, result)
        _judge_day(result, listing)
        if cached is None and self.cache and _worth_caching(result, listing):
            parts = {f"page-{n:03d}.json": body for n, body in enumerate(pages)}
            if problem := self.cache.save(self.name, listing, parts):
                result.warnings.append(problem)
        return result

    def _download(self, listing: dt.date) -> list[bytes]:
        pages: list[bytes] = []
        for page in range(MAX_PAGES):
            params: dict[str, str | int] = {
                "date": listing.isoformat(),
                "p": page,
                "limit": self.page_size,
            }
            body = self.client.get(self.url, params)
            pages.append(body)
            if len(_items(body, self.url, page)) < self.page_size:
                break
        return pages

    def _parse_page(self, body: bytes, number: int, listing: dt.date, result: SourceResult) -> None:
        for index, item in enumerate(_items(body, self.url, number)):
            origin = f"{self.url} page {number} item {index}"
            try:
                if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
                    raise PaperRecordError(f"{origin}: not a daily-papers item")
                result.papers.append(parse_hf_item(item, origin, listing))
            except PaperRecordError as exc:
                result.warnings.append(f"skipped {exc}")


def _items(body: bytes, url: str, page: int) -> list[Any]:
    data = decode_json(body, f"{url} page {page}")
    if not isinstance(data, list):
        raise SourceDataError(
            f"{url} page {page}: expected a JSON list of papers, got {type(data).__name__}"
            f" starting with {body[:80]!r}"
        )
    return data


def _judge_day(result: SourceResult, listing: dt.date) -> None:
    """Empty is a quiet day; a list of only other days' papers is stale, not the day."""
    if not result.papers:
        result.status = "empty"
        return
    if all(p.listed_on != listing for p in result.papers):
        days = sorted({p.listed_on.isoformat() for p in result.papers if p.listed_on})
        result.warnings.append(
            f"stale: asked for {listing}, the list holds papers of {', '.join(days)}; "
            "nothing taken from it (the API may be lagging: rerun later with --refresh)"
        )
        result.papers = []
        result.status = "stale"


def _worth_caching(result: SourceResult, listing: dt.date) -> bool:
    """A usable list is kept. An empty list only for a past day: today's empty list is
    often "not yet", and a cached "not yet" would hide the real list on a rerun."""
    today = dt.datetime.now(dt.UTC).date()
    return result.status == "ok" or (result.status == "empty" and listing < today)
