"""arXiv ids -> titles and abstracts, through the arXiv API, kept on disk once looked up.

A profile is built from the same few papers every day, so each id is asked for once: the
answer is kept as ``<cache_dir>/profiles/arxiv/<id>.json`` and a later run (or a machine
without network) reads it. Missing ids go in one ``id_list`` query per 100 (arXiv's own
advice), at most one call every 3 seconds. An id arXiv does not know is a config error
naming the topic key that lists it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from newsletter.profiles.similarity import ProfilePaper
from newsletter.sources.arxiv_formats import parse_atom
from newsletter.sources.cache import safe_name
from newsletter.sources.formats import strip_version
from newsletter.sources.http import HttpClient

BATCH = 100


class ArxivLookup:
    """Look arXiv ids up. Who calls: ``build_profiles``, once per run, before grouping."""

    def __init__(
        self, client: HttpClient, api_base_url: str, cache_dir: Path, *, refresh: bool = False
    ) -> None:
        self.client = client
        self.refresh = refresh  # ask arXiv again even for ids kept on disk
        self.url = f"{api_base_url.rstrip('/')}/api/query"
        self.folder = cache_dir / "profiles" / "arxiv"
        self.asked = 0  # API calls made (a cached run makes none)

    def resolve(self, ids: Iterable[str]) -> dict[str, ProfilePaper]:
        """The papers arXiv knows among ``ids`` (version-less), from the cache when there."""
        wanted = list(dict.fromkeys(strip_version(i) for i in ids))
        found = {i: p for i in wanted if (p := self._cached(i)) is not None}
        missing = [i for i in wanted if i not in found]
        for start in range(0, len(missing), BATCH):
            for paper in self._ask(missing[start : start + BATCH]):
                found[paper.id] = paper
                self._keep(paper)
        return found

    def _ask(self, ids: Sequence[str]) -> list[ProfilePaper]:
        self.asked += 1
        params: dict[str, str | int] = {"id_list": ",".join(ids), "max_results": len(ids)}
        body = self.client.get(self.url, params)
        papers, _warnings = parse_atom(body, self.url, "arxiv")
        wanted = set(ids)
        return [
            ProfilePaper(p.id, p.title, p.abstract)
            for p in papers
            if p.id in wanted  # arXiv answers an unknown id with an "Error" entry
        ]

    def _path(self, paper_id: str) -> Path:
        return self.folder / f"{safe_name(paper_id)}.json"

    def _cached(self, paper_id: str) -> ProfilePaper | None:
        if self.refresh:
            return None
        try:
            data = json.loads(self._path(paper_id).read_text(encoding="utf-8"))
            return ProfilePaper(str(data["id"]), str(data["title"]), str(data["abstract"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # not looked up yet, or a damaged file: ask again

    def _keep(self, paper: ProfilePaper) -> None:
        path = self._path(paper.id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(path.name + ".tmp")
            body = {"id": paper.id, "title": paper.title, "abstract": paper.abstract}
            temp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            temp.replace(path)
        except OSError:
            pass  # a read-only cache costs a lookup next run, not this run
